// DebeziumDecoder: Debezium JSON change events -> model::RowChange for the Kafka source.
//
// Accepts both forms of the JSON converter: with the schema part
// ({"schema":{...},"payload":{...}}, schemas.enable=true) and payload only. From the payload:
// `op` (c and r = insert, u = update, d = delete; t (truncate) and m (message) are skipped),
// `before`, `after`, `source.db`, `source.table` (the target database and table; for
// PostgreSQL connectors `source.schema` is not used), `source.ts_ms` (else `ts_ms`) as the
// commit time. Tombstones (null value, or {"schema":null,"payload":null}) are ignored: the
// delete event before them already carries the change. Schema-change events
// ({"databaseName":..., "ddl":...}, the schema history/change topic) become DdlEvents.
// Key columns: the fields of the message key (its payload when it has a schema part).
//
// Types and values with the schema part (the field's Connect type and logical name):
//   int8/int16/int32/int64        kInt (TINYINT/SMALLINT/INT/BIGINT)
//   float32 / float64             kFloat / kDouble
//   boolean                       kInt 0/1 (TINYINT)
//   string                        kString (LONGTEXT); io.debezium.data.Json -> JSON
//   bytes (base64)                kString raw bytes (LONGBLOB)
//   org.apache.kafka.connect.data.Decimal (base64 big-endian unscaled + scale parameter),
//   io.debezium.data.VariableScaleDecimal ({scale, value})   kDecimal exact text
//   io.debezium.time.Date, connect Date (days)                kDate
//   io.debezium.time.Time / MicroTime / NanoTime, connect Time  kTime (fsp 3 / 6 / 6)
//   io.debezium.time.Timestamp / MicroTimestamp / NanoTimestamp, connect Timestamp
//                                 kDateTime (UTC wall clock; fsp 3 / 6 / 6)
//   io.debezium.time.ZonedTimestamp (ISO-8601 with zone)     kTimestamp (UTC epoch)
//   io.debezium.time.Year                                    kUInt (YEAR)
//   io.debezium.data.Enum / EnumSet (parameters.allowed)     kUInt index / bitmask (ENUM/SET)
//   io.debezium.data.Bits (base64, little-endian)            kUInt (BIT(length))
//   struct / array / map                                     kString JSON text (JSON)
// Debezium's column.propagate.source.type parameters (__debezium.source.column.type, .length,
// .scale), when present, refine integers (the MySQL integer type and its signedness: an int64
// marked "BIGINT UNSIGNED" is kUInt, a negative value restored from long mode's wrap) and
// strings (CHAR/VARCHAR with their length). sluice's Debezium encoder writes the type for
// BIGINT UNSIGNED columns in bigint-unsigned-handling-mode=long.
// Without the schema part values keep their JSON types, as in plain_json/: integers kInt
// (BIGINT), other numbers kDouble, strings kString, booleans 0/1, objects/arrays JSON text.
// Temporal columns then arrive as the producer's numbers (days, ms, us): use schemas.enable=true
// when the target columns are typed.
#pragma once

#include "codec/common/schema_cache.h"
#include "codec/decoder.h"

namespace sluice::codec::debezium {

class DebeziumDecoder : public RowDecoder {
 public:
  DebeziumDecoder() = default;
  base::Status Decode(const KafkaRecord& record, DecodeResult* out) override;

 private:
  SchemaCache schemas_;
};

}  // namespace sluice::codec::debezium
