// PostgreSQL type mapping: pgoutput column types and values -> model::Column / model::Value.
//
// The model uses MySQL-family column types so every encoder (canal-json's sqlType/mysqlType,
// Avro, Debezium) works unchanged; docs/postgres-source.md lists the mapping. Values arrive in
// PostgreSQL's text output format (the replication session pins DateStyle=ISO, TimeZone=UTC,
// IntervalStyle=iso_8601, bytea_output=hex, lc_monetary=C, extra_float_digits=3) or, with
// pgoutput's `binary` option, in binary send format.
//
// Rule for values the model cannot hold exactly (dates 'infinity' or BC, numeric 'NaN', a text
// that does not parse): the value is a kString holding PostgreSQL's own text, so nothing is lost
// and canal-json prints exactly what psql shows. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/column.h"
#include "model/value.h"

namespace sluice::source::postgres {

// Built-in type oids (pg_type.dat) the mapping knows by name.
namespace pg_oid {
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kChar = 18;
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kXml = 142;
inline constexpr uint32_t kCidr = 650;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kMacaddr8 = 774;
inline constexpr uint32_t kMoney = 790;
inline constexpr uint32_t kMacaddr = 829;
inline constexpr uint32_t kInet = 869;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kTimetz = 1266;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kJsonb = 3802;
}  // namespace pg_oid

// utf8mb4_bin: the collation given to text columns (PostgreSQL sources must be UTF8).
inline constexpr uint32_t kUtf8Collation = 46;

// Fills column.type and its length/precision/scale/fsp/collation from a RELATION column's type
// oid and typmod (-1 = none). Types not listed (arrays, enums and other user types, ranges,
// geometric types, bit strings, ...) map to kLongText and carry their text form.
void MapPgColumnType(uint32_t type_oid, int32_t typmod, model::Column* column);

// Decodes a TupleData 't' value (text output format). Never fails; see the rule above.
model::Value PgTextValue(uint32_t type_oid, std::string_view text);

// Decodes a TupleData 'b' value (binary send format). Unimplemented for types whose binary form
// is not decoded here (the fix: leave pgoutput's binary option off); DataLoss for a malformed one.
base::Result<model::Value> PgBinaryValue(uint32_t type_oid, std::span<const uint8_t> bytes);

// PostgreSQL epoch (2000-01-01 00:00:00 UTC) in Unix seconds.
inline constexpr int64_t kPgEpochUnixSeconds = 946'684'800;

}  // namespace sluice::source::postgres
