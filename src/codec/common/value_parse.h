// Value parsing shared by the decoders (Kafka source): the inverse of value_format.h.
//
// ParseMySqlType turns a MySQL column type as Canal's mysqlType prints it ("int(11) unsigned",
// "decimal(10,2)", "enum('a','b')", "datetime(3)") into a model::Column; ParseValueText turns
// the text of one value of such a column into the canonical model::Value (model/value.h):
//   TINYINT..BIGINT  kInt, or kUInt for unsigned columns      "-12" / "18446744073709551615"
//   FLOAT / DOUBLE   kFloat / kDouble                         "3.14"
//   DECIMAL          kDecimal, the text as given (validated)  "-1234.50"
//   YEAR, BIT        kUInt                                    "2024", "5"
//   ENUM             kUInt 1-based index: an integer as TiCDC writes it, or a member name as
//                    official Canal writes it (looked up in the mysqlType member list)
//   SET              kUInt bitmask: an integer, or comma-separated member names
//   DATE             kDate      "YYYY-MM-DD"
//   DATETIME         kDateTime  "YYYY-MM-DD HH:MM:SS[.ffffff]"
//   TIME             kTime      "[-]HHH:MM:SS[.ffffff]"
//   TIMESTAMP        kTimestamp: the wall-clock text read in `time_zone` (the zone the producer
//                    rendered it in) and converted to UTC epoch seconds + micros;
//                    "0000-00-00 00:00:00" is MySQL's zero TIMESTAMP (epoch 0)
//   strings, JSON    kString: text as UTF-8; binary types (BINARY, VARBINARY, BLOB family,
//                    GEOMETRY) as the raw bytes (the canal-json decoder already undid the
//                    ISO-8859-1 escaping)
// Zero dates ("0000-00-00") are kept as all-zero Temporals. Errors are InvalidArgument naming
// the column, its type and the text. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/column.h"
#include "model/time_zone.h"
#include "model/value.h"

namespace sluice::codec {

// Parses a mysqlType string into `column->type`, is_unsigned, length, precision/scale, fsp
// and elements (name and key flags are left alone). Unknown types are InvalidArgument.
base::Status ParseMySqlType(std::string_view mysql_type, model::Column* column);

// Parses one non-NULL value text of `column` (see the table above).
base::Result<model::Value> ParseValueText(const model::Column& column, std::string_view text,
                                          const model::TimeZone& time_zone);

// "YYYY-MM-DD", "YYYY-MM-DD[ T]HH:MM:SS[.f]" and "[-]H+:MM:SS[.f]" into a Temporal; false if
// malformed.
bool ParseDateText(std::string_view text, model::Temporal* out);
bool ParseDateTimeText(std::string_view text, model::Temporal* out);
bool ParseTimeText(std::string_view text, model::Temporal* out);

// Wall-clock date-time in `tz` -> UTC epoch seconds (the offset in effect at that instant).
int64_t LocalToEpochSeconds(const model::Temporal& local, const model::TimeZone& tz);

// Standard base64 (RFC 4648, '=' padding optional) -> bytes; false if malformed.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace sluice::codec
