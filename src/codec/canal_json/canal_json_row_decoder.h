// CanalJsonRowDecoder: Canal-JSON messages (TiCDC's canal-json, sluice's own output, and
// official Canal's flat messages) -> model::RowChange / DdlEvent for the Kafka source.
//
// - Columns and their types come from `mysqlType` (in its order; see common/value_parse.h for
//   every type and value conversion), key columns from `pkNames`.
// - INSERT: `after` = each element of `data`; DELETE: `before` = each element of `data`;
//   UPDATE: `after` = data[i], `before` = data[i] with the columns of old[i] replaced (official
//   Canal lists only changed columns in `old`; TiCDC lists them all). A column missing from an
//   image is kAbsent.
// - DDL (isDdl=true): one DdlEvent {database, table, sql}.
// - TiDB WATERMARK messages carry no change and decode to nothing.
// - TiCDC large-message forms (_tidb.onlyHandleKey, claimCheckLocation) do not hold the row:
//   InvalidArgument naming the sink option that produced them.
// TIMESTAMP text is read in `time_zone` (the producer's time-zone setting).
#pragma once

#include "codec/common/schema_cache.h"
#include "codec/decoder.h"
#include "model/time_zone.h"

namespace sluice::codec::canal_json {

struct CanalJsonRowDecoderOptions {
  model::TimeZone time_zone;  // UTC by default
};

class CanalJsonRowDecoder : public RowDecoder {
 public:
  explicit CanalJsonRowDecoder(CanalJsonRowDecoderOptions options) : options_(std::move(options)) {}
  base::Status Decode(const KafkaRecord& record, DecodeResult* out) override;

 private:
  CanalJsonRowDecoderOptions options_;
  SchemaCache schemas_;
};

}  // namespace sluice::codec::canal_json
