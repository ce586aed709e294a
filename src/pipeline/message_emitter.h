// MessageEmitter: the Emitter for message brokers (Kafka). Encodes each row and DDL with the
// protocol's encoder, routes it to a topic and partition (dispatch::EventRouter), shrinks a row
// message over the topic's size limit (LargeMessageHandler, any protocol), queues it on the
// sink, and sends the protocol's watermarks to every partition of every topic written to.
//
//   rows       EncodeRow, then the protocol's follow-up messages to the same partition
//              (Debezium: the tombstone after a delete). With split_primary_key_updates an
//              UPDATE that changes the primary key or a hashed partition column goes out as a
//              DELETE of the old key and an INSERT of the new row (ticdc.md §2.5, §4.6, §7.3).
//   DDL        to the table's topic (the default topic for schema-level DDL): partition 0, or
//              every partition with broadcast_ddl. Skipped when the encoder sends no DDL.
//   watermarks EncodeWatermark(last sealed commit ts) to every partition of every prepared topic,
//              at most once per watermark_interval, between transactions, when the commit ts
//              moved; the checkpoint waits for their acknowledgement (EmitLedger::Standalone).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "codec/encoder.h"
#include "dispatch/event_router.h"
#include "pipeline/emitter.h"
#include "pipeline/large_message.h"
#include "sink/sink.h"

namespace sluice::pipeline {

struct MessageEmitterOptions {
  // DDL to every partition of the topic (false: partition 0 only, the Canal convention).
  bool broadcast_ddl = false;
  // An UPDATE that changes the primary key (or a column the partitioner hashes) becomes a
  // DELETE of the old key, sent to the old key's partition, and an INSERT of the new row, sent
  // to its partition: per-key order holds on every partition and keyed/compacted topics see
  // the old key go away (TiCDC does the same). Row sinks apply key changes themselves.
  bool split_primary_key_updates = true;
  std::chrono::milliseconds watermark_interval{1000};
};

class MessageEmitter : public Emitter {
 public:
  // `large` may be null (then an oversized message is left to the sink, which refuses it).
  MessageEmitter(MessageEmitterOptions options, std::unique_ptr<codec::Encoder> encoder,
                 std::unique_ptr<dispatch::EventRouter> router, std::unique_ptr<sink::Sink> sink,
                 std::unique_ptr<LargeMessageHandler> large);

  // Prepares the default topic.
  base::Status Start(EmitLedger* ledger) override;
  base::Status Row(const model::RowChange& row, const model::TxnInfo& txn,
                   uint64_t token) override;
  base::Result<bool> Ddl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                         uint64_t token) override;
  base::Status TransactionSealed(uint64_t commit_ts) override;
  base::Status Poll(bool between_transactions) override;
  base::Status Flush(int timeout_ms) override;
  int64_t TargetUnreachableSinceMs() const override { return sink_->UnreachableSinceMs(); }

 private:
  base::Result<int32_t> PartitionCount(const std::string& topic);
  base::Status EmitRow(const model::RowChange& row, const model::TxnInfo& txn, uint64_t token);
  base::Status Produce(const std::string& topic, int32_t partition, codec::Message msg,
                       uint64_t token);
  base::Status SendWatermark();

  MessageEmitterOptions options_;
  std::unique_ptr<codec::Encoder> encoder_;
  std::unique_ptr<dispatch::EventRouter> router_;
  std::unique_ptr<sink::Sink> sink_;
  std::unique_ptr<LargeMessageHandler> large_;
  EmitLedger* ledger_ = nullptr;
  std::map<std::string, int32_t> partitions_;  // prepared topic -> partition count
  codec::Message msg_;                         // reused between rows
  uint64_t last_sealed_commit_ts_ = 0;
  uint64_t last_watermark_ts_ = 0;
  std::chrono::steady_clock::time_point last_watermark_ = std::chrono::steady_clock::now();
};

}  // namespace sluice::pipeline
