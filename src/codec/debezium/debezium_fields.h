// One column in Debezium JSON: its Kafka Connect field schema and its value, following
// Debezium's MySQL connector defaults (the mapping table is in docs/formats.md). Used by
// DebeziumJsonEncoder for the key, before and after structs.
//
// Pure functions; `scratch` is a caller-owned buffer they may overwrite.
#pragma once

#include <string>

#include "base/status.h"
#include "codec/common/json_writer.h"
#include "codec/debezium/debezium_json_encoder.h"
#include "model/column.h"
#include "model/value.h"

namespace sluice::codec::debezium {

// One field of a Connect struct schema, in JsonConverter's member order:
// type, [fields], optional, name, version, parameters, field.
void WriteFieldSchema(const model::Column& c, const DebeziumJsonOptions& o, std::string* scratch,
                      JsonWriter* w);

// The value of `v` in column `c` (null for NULL and absent values). InvalidArgument if the
// value's kind does not fit the column or a DECIMAL/GEOMETRY value is malformed.
base::Status WriteFieldValue(const model::Column& c, const model::Value& v,
                             const DebeziumJsonOptions& o, std::string* scratch, JsonWriter* w);

}  // namespace sluice::codec::debezium
