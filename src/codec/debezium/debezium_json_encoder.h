// DebeziumJsonEncoder: Debezium-MySQL-connector-style JSON change events (Kafka Connect
// JsonConverter with schemas.enable=true), as TiCDC's `debezium` protocol (ticdc.md §5).
//
// Row value:  {"schema":{Envelope struct schema},"payload":{"before","after","source","op",
//              "ts_ms","transaction":null}}
// Row key:    {"schema":{Key struct schema},"payload":{<primary-key columns>}}; null key for a
//             table without a primary key.
// Tombstone:  after a delete (tombstone_on_delete), a message with the delete's key and a null
//             value (EncodeRowFollowUp), for log compaction.
// DDL:        a schema-change event {"schema","payload":{"source","ts_ms","databaseName",
//             "schemaName","ddl","tableChanges"}} keyed by {"databaseName"}.
// Watermark:  only with enable_tidb_extension: op "m" with source.commit_ts (TiCDC checkpoint).
//
// Column values follow Debezium's MySQL defaults (see README.md for the table): integers as
// int16/int32/int64 (unsigned widened), DECIMAL per decimal_handling, DATE as days, DATETIME as
// epoch ms/us (by fsp), TIMESTAMP as a UTC ISO-8601 string, TIME as micros, binary as base64.
// `disable_schema` drops every "schema" member (schemas.enable=false).
//
// Not thread-safe (reuses internal buffers); one encoder per pipeline worker.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "codec/encoder.h"

namespace sluice::codec::debezium {

// Debezium `decimal.handling.mode`.
enum class DecimalHandling { kPrecise, kString, kDouble };
// Debezium `bigint.unsigned.handling.mode`.
enum class BigintUnsignedHandling { kLong, kPrecise };

struct DebeziumJsonOptions {
  // Logical server name (Debezium `topic.prefix`): `source.name` and the schema names
  // `<name>.<db>.<table>.Value|Key|Envelope`.
  std::string server_name = "sluice";
  bool disable_schema = false;
  // UPDATE events carry `before` (Flink's debezium-json needs it).
  bool output_old_value = true;
  // A tombstone (null value, same key) follows every delete.
  bool tombstone_on_delete = true;
  // `source.commit_ts` on every event and op "m" watermark messages.
  bool enable_tidb_extension = false;
  DecimalHandling decimal_handling = DecimalHandling::kPrecise;
  BigintUnsignedHandling bigint_unsigned_handling = BigintUnsignedHandling::kLong;
};

// Milliseconds since the Unix epoch, for the top-level `ts_ms`. Injectable for tests.
using WallClockMs = std::function<int64_t()>;

class DebeziumJsonEncoder : public Encoder {
 public:
  explicit DebeziumJsonEncoder(DebeziumJsonOptions options, WallClockMs clock = {});

  // InvalidArgument if the row images do not match the schema, or a value does not fit its
  // column type (for example a DECIMAL that is not a decimal number).
  base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                         Message* out) override;
  base::Status EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                         Message* out) override;
  bool EncodeWatermark(uint64_t commit_ts, Message* out) override;
  // The messages after EncodeRow's, one per call: the tombstone after a delete
  // (tombstone_on_delete and a table with a primary key). An UPDATE that changes the primary
  // key is encoded by EncodeRow as a delete of the old key, then here its tombstone and a
  // create ("c") of the new key, as Debezium does.
  bool EncodeRowFollowUp(const model::RowChange& row, Message* out) override;

  const DebeziumJsonOptions& options() const { return options_; }

 private:
  enum class FollowUp { kTombstone, kCreate };
  // Encodes `row` as the event `op` (kInsert uses row.after, kDelete row.before).
  base::Status EncodeChange(const model::RowChange& row, model::RowOp op, const model::TxnInfo& txn,
                            Message* out);

  DebeziumJsonOptions options_;
  WallClockMs clock_;
  std::string scratch_;
  // Follow-ups of the last EncodeRow, in order, and the next one to hand out.
  std::vector<FollowUp> follow_ups_;
  size_t next_follow_up_ = 0;
  model::TxnInfo follow_txn_;
};

}  // namespace sluice::codec::debezium
