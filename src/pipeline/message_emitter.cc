#include "pipeline/message_emitter.h"

namespace sluice::pipeline {

namespace {
bool PrimaryKeyChanged(const model::RowChange& row) {
  for (size_t i : row.table->primary_key) {
    if (i < row.before.size() && i < row.after.size() && !(row.before[i] == row.after[i])) {
      return true;
    }
  }
  return false;
}
}  // namespace

MessageEmitter::MessageEmitter(MessageEmitterOptions options,
                               std::unique_ptr<codec::Encoder> encoder,
                               std::unique_ptr<dispatch::EventRouter> router,
                               std::unique_ptr<sink::Sink> sink,
                               std::unique_ptr<LargeMessageHandler> large)
    : options_(options),
      encoder_(std::move(encoder)),
      router_(std::move(router)),
      sink_(std::move(sink)),
      large_(std::move(large)) {}

base::Status MessageEmitter::Start(EmitLedger* ledger) {
  ledger_ = ledger;
  return PartitionCount(router_->default_topic()).status();
}

base::Result<int32_t> MessageEmitter::PartitionCount(const std::string& topic) {
  auto it = partitions_.find(topic);
  if (it != partitions_.end()) return it->second;
  SLUICE_ASSIGN_OR_RETURN(int32_t n, sink_->PrepareTopic(topic));
  partitions_[topic] = n;
  return n;
}

base::Status MessageEmitter::Produce(const std::string& topic, int32_t partition,
                                     codec::Message msg, uint64_t token) {
  ledger_->CountMessage(msg.value.size());
  ledger_->Expect(token);
  return sink_->Produce(topic, partition, std::move(msg), token);
}

base::Status MessageEmitter::Row(const model::RowChange& row, const model::TxnInfo& txn,
                                 uint64_t token) {
  if (options_.split_primary_key_updates && row.op == model::RowOp::kUpdate &&
      (PrimaryKeyChanged(row) || router_->PartitionKeyChanged(row))) {
    // DELETE of the old key (to the old key's partition), then INSERT of the new row (to its
    // own), so every partition keeps its rows' order (ticdc.md §2.5, §7.3).
    model::RowChange del{model::RowOp::kDelete, row.table, row.before, {}};
    model::RowChange ins{model::RowOp::kInsert, row.table, {}, row.after};
    SLUICE_RETURN_IF_ERROR(EmitRow(del, txn, token));
    return EmitRow(ins, txn, token);
  }
  return EmitRow(row, txn, token);
}

// Encodes one row change and queues it on its topic and partition, followed there by the
// protocol's follow-up messages for it, if any (Debezium: the tombstone after a delete).
base::Status MessageEmitter::EmitRow(const model::RowChange& row, const model::TxnInfo& txn,
                                     uint64_t token) {
  const auto& table = *row.table;
  msg_ = codec::Message();
  SLUICE_RETURN_IF_ERROR(encoder_->EncodeRow(row, txn, &msg_));
  const std::string& topic = router_->TopicFor(table.schema, table.table);
  SLUICE_ASSIGN_OR_RETURN(int32_t n, PartitionCount(topic));
  // After PartitionCount() the sink knows the topic's size limit.
  if (large_) {
    SLUICE_RETURN_IF_ERROR(large_->Handle(*encoder_, row, txn, topic,
                                          sink_->MaxMessageBytes(topic), &msg_));
  }
  int32_t p = router_->PartitionFor(row, txn, n);
  SLUICE_RETURN_IF_ERROR(Produce(topic, p, std::move(msg_), token));
  msg_ = codec::Message();
  while (encoder_->EncodeRowFollowUp(row, &msg_)) {
    SLUICE_RETURN_IF_ERROR(Produce(topic, p, std::move(msg_), token));
    msg_ = codec::Message();
  }
  return base::Status::Ok();
}

base::Result<bool> MessageEmitter::Ddl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                       uint64_t token) {
  if (!encoder_->EncodesDdl()) return false;
  msg_ = codec::Message();
  SLUICE_RETURN_IF_ERROR(encoder_->EncodeDdl(ddl, txn, &msg_));
  const std::string& topic = ddl.table.empty() ? router_->default_topic()
                                               : router_->TopicFor(ddl.schema, ddl.table);
  SLUICE_ASSIGN_OR_RETURN(int32_t n, PartitionCount(topic));
  int32_t count = options_.broadcast_ddl ? n : 1;
  for (int32_t p = 0; p < count; ++p) {
    codec::Message copy = msg_;
    SLUICE_RETURN_IF_ERROR(Produce(topic, p, std::move(copy), token));
  }
  return true;
}

base::Status MessageEmitter::TransactionSealed(uint64_t commit_ts) {
  last_sealed_commit_ts_ = commit_ts;
  return base::Status::Ok();
}

base::Status MessageEmitter::Poll(bool between_transactions) {
  sink_->Poll(0);
  if (between_transactions && last_sealed_commit_ts_ > last_watermark_ts_ &&
      std::chrono::steady_clock::now() - last_watermark_ >= options_.watermark_interval) {
    return SendWatermark();
  }
  return base::Status::Ok();
}

// Tells each partition of every prepared topic that all commits up to the last sealed one are
// out (every message of the sealed transactions was queued before).
base::Status MessageEmitter::SendWatermark() {
  last_watermark_ = std::chrono::steady_clock::now();
  last_watermark_ts_ = last_sealed_commit_ts_;
  codec::Message wm;
  if (!encoder_->EncodeWatermark(last_sealed_commit_ts_, &wm)) return base::Status::Ok();
  for (const auto& [topic, n] : partitions_) {
    for (int32_t p = 0; p < n; ++p) {
      SLUICE_RETURN_IF_ERROR(ledger_->Standalone([&](uint64_t token) {
        return Produce(topic, p, codec::Message(wm), token);
      }));
    }
  }
  return base::Status::Ok();
}

base::Status MessageEmitter::Flush(int timeout_ms) {
  base::Status st = sink_->Flush(timeout_ms);
  sink_->Poll(0);
  return st;
}

}  // namespace sluice::pipeline
