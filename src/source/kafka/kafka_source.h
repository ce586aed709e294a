// KafkaSource: reads change messages from Kafka topics with a consumer group (librdkafka's
// high-level consumer) and emits them as model::ChangeEvents for a database sink.
//
// Transactions: every Kafka message is one source transaction — its rows followed by a kCommit
// (or a kDdl, which is a commit point) whose position is the whole per-partition map of next
// offsets (SourcePosition::kafka) after that message. A message that yields no change
// (watermark, tombstone, skipped non-JSON) becomes a kHeartbeat with that position, so its
// offset is committed too. Per-message transactions keep the mapping from checkpoint to offsets
// exact; the database sink batches rows of many messages into one database transaction anyway.
//
// Offsets: auto commit is off. Acknowledge(durable) — called by the changefeed after it stored
// a checkpoint, i.e. after the database committed every row up to it — commits the group's
// offsets from that checkpoint, for the partitions this member owns; nothing is committed
// earlier. On (re)start each assigned partition resumes at the group's committed offset; where
// the group has none, at the offset in the checkpoint given to Open(); else at `start`
// (earliest/latest). At-least-once: messages after the last commit may be delivered again and
// database sinks apply rows idempotently.
//
// Threading: Open/Read/Acknowledge/Close from one thread; librdkafka's rebalance callback runs
// inside Read (rd_kafka_consumer_poll) and Close on that thread.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "codec/decoder.h"
#include "source/kafka/kafka_source_options.h"
#include "source/source.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_topic_partition_list_s rd_kafka_topic_partition_list_t;

namespace sluice::source::kafka {

class KafkaSource : public Source {
 public:
  explicit KafkaSource(KafkaSourceOptions options);
  ~KafkaSource() override;
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  // Connects (a metadata request within dial-timeout checks reachability, TLS and SASL),
  // checks that listed topics exist, and subscribes. `start.kafka` is the fallback position
  // for partitions without committed group offsets.
  base::Status Open(const model::SourcePosition& start) override;
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                    std::chrono::milliseconds wait) override;
  void Acknowledge(const model::SourcePosition& durable) override;
  void Close() override;

  // Messages skipped by ignore-non-json since Open().
  uint64_t skipped_non_json() const { return skipped_non_json_.load(); }
  // The offsets last committed for the group (next offset per partition).
  const model::KafkaOffsets& committed() const { return committed_; }

  // Connects without joining the group and checks reachability, credentials and that listed
  // topics exist (for `sluice check`).
  static base::Status Check(const KafkaSourceOptions& options);

 private:
  friend struct KafkaSourceCallbacks;
  base::Status Connect(bool subscribe);
  void OnRebalance(int err, rd_kafka_topic_partition_list_t* parts);
  base::Status HandleMessage(const void* rkmessage, std::vector<model::ChangeEvent>* out);

  KafkaSourceOptions options_;
  rd_kafka_t* rk_ = nullptr;
  std::unique_ptr<codec::RowDecoder> decoder_;
  codec::DecodeResult decoded_;
  model::KafkaOffsets fallback_;  // checkpoint offsets given to Open()
  model::KafkaOffsets position_;  // next offset per partition after the last message read
  model::KafkaOffsets committed_;
  std::set<model::KafkaPartition> assigned_;
  uint64_t last_commit_ts_ = 0;
  base::Status rebalance_error_;
  int last_error_code_ = 0;  // from librdkafka's error callback
  std::string last_error_;
  std::atomic<uint64_t> skipped_non_json_{0};
};

}  // namespace sluice::source::kafka
