// Row image decoding: binlog column encodings → model::Value canonical forms
// (see model/value.h). Pure functions over a ByteReader; failures are reported through the
// reader's sticky ok() flag or a returned Status.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/status.h"
#include "model/table_schema.h"
#include "model/value.h"
#include "source/mysql/charset.h"
#include "source/mysql/table_map.h"

namespace sluice::source::mysql {

// NEWDECIMAL(precision, scale) binary → exact text ("-1234.5678"). False if truncated or
// the precision/scale are invalid.
bool DecodeDecimal(base::ByteReader& r, uint8_t precision, uint8_t scale, std::string* out);

// TIME2 with fsp 0..6 (handles negative values with a fraction exactly).
model::Temporal DecodeTime2(base::ByteReader& r, uint8_t fsp);

// Reads one non-NULL value of `codec` into *out. Errors: DataLoss if the image is truncated,
// Unimplemented for unsupported types (message names the column).
base::Status DecodeValue(base::ByteReader& r, const ColumnCodec& codec, const model::Column& column,
                         Utf8Converter& conv, std::string& scratch, model::Value* out);

// Reads one row image: NULL bitmap over the present columns, then the values. `values` is
// resized to the table's column count; non-present columns become Value::Absent().
base::Status DecodeRowImage(base::ByteReader& r, const TableMap& table,
                            std::span<const uint8_t> present_bitmap, Utf8Converter& conv,
                            std::string& scratch, std::vector<model::Value>* values);

}  // namespace sluice::source::mysql
