// KafkaSink: the librdkafka producer behind sink::Sink.
//
// Lifecycle: Create() builds and validates the client configuration and fails fast (Unavailable)
// if no broker answers a metadata request within dial-timeout. PrepareTopic() must be called for
// every topic before producing to it: it checks or creates the topic and learns its partition
// count and message-size limit. Produce() is zero-copy: the message is moved to the heap and its
// buffers are handed to librdkafka until the delivery report. The destructor flushes for up to
// write-timeout, then purges what is left (those messages get a Cancelled delivery callback).
//
// Threading: not thread-safe; call every method from one thread (the pipeline's sink thread).
// Delivery callbacks run on that thread, inside Poll(), Flush(), Produce() (while waiting for
// queue space) and the destructor; a callback must not call back into the sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/check_result.h"
#include "base/status.h"
#include "sink/kafka/kafka_sink_options.h"
#include "sink/sink.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace sluice::sink::kafka {

// Record overhead counted on top of key and value, as TiCDC does.
inline constexpr int64_t kMessageOverheadBytes = 36;
// TiCDC keeps this much below the topic/broker limit.
inline constexpr int64_t kMaxMessageBytesMargin = 128;
// Partitions of a topic the sink creates when partition-num is not given.
inline constexpr int32_t kDefaultPartitionNum = 3;

class KafkaSink : public sink::Sink {
 public:
  // Unavailable if no broker answers within dial-timeout; InvalidArgument if librdkafka rejects
  // a setting.
  static base::Result<std::unique_ptr<KafkaSink>> Create(const KafkaSinkOptions& options,
                                                         sink::DeliveryCallback cb);
  ~KafkaSink() override;
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  // Makes `topic` ready and returns the number of partitions to write to: partition-num if
  // given (it must not exceed the topic's partitions; smaller logs a warning), else the topic's
  // partition count. A missing topic is created with partition-num (default 3) and
  // replication-factor when auto-create-topic is true, else NotFound. Also learns the topic's
  // max.message.bytes (see effective_max_message_bytes). Idempotent; re-reads metadata.
  base::Result<int32_t> PrepareTopic(const std::string& topic) override;
  // PrepareTopic's checks without changing anything (for `sluice check`): a missing topic must
  // be creatable (auto-create-topic, replication-factor vs min.insync.replicas), an existing
  // one must have partition-num partitions. Creates nothing.
  base::Status CheckTopic(const std::string& topic);

  // min(max-message-bytes, topic max.message.bytes - 128) for a prepared topic; for other
  // topics the broker's message.max.bytes - 128 (if known) bounds max-message-bytes instead.
  int64_t effective_max_message_bytes(const std::string& topic) const;
  int64_t MaxMessageBytes(const std::string& topic) const override {
    return effective_max_message_bytes(topic);
  }

  // Queues `msg` for `topic`/`partition` (explicit partition; the key does not choose it).
  // ResourceExhausted if key + value + 36 bytes exceed effective_max_message_bytes(topic);
  // InvalidArgument for a partition outside a prepared topic; blocks, serving callbacks, while
  // the producer queue is full (DeadlineExceeded after write-timeout x (max-retry + 1)).
  base::Status Produce(const std::string& topic, int32_t partition, codec::Message msg,
                       uint64_t token) override;
  void Poll(int timeout_ms) override;
  // DeadlineExceeded if messages are still in flight after timeout_ms.
  base::Status Flush(int timeout_ms) override;

  // Since when (Unix ms) every broker has been down: set by librdkafka's _ALL_BROKERS_DOWN
  // error, cleared by the next successful delivery or a statistics report (every second)
  // showing a broker up again. Thread-safe.
  int64_t UnreachableSinceMs() const override { return unreachable_since_ms_.load(); }

  // Messages queued and not yet reported.
  int OutstandingMessages() const;
  // How many 10 ms waits Produce() spent on a full queue (back-pressure).
  uint64_t queue_full_waits() const { return queue_full_waits_; }
  const KafkaSinkOptions& options() const { return options_; }

 private:
  struct TopicState {
    int32_t partitions = 0;        // partitions written to
    int32_t topic_partitions = 0;  // partitions the topic has
    int64_t max_message_bytes = 0;
    rd_kafka_topic_t* handle = nullptr;
  };
  struct Pending;

  KafkaSink(KafkaSinkOptions options, sink::DeliveryCallback cb);
  base::Status Init();
  base::Status CheckReachable();
  base::Status CreateTopic(const std::string& topic, int32_t partitions);
  // Partition count of `topic`, 0 if it does not exist.
  base::Result<int32_t> TopicPartitions(const std::string& topic, int timeout_ms);
  // The checks before creating a missing topic, and of partition-num against an existing one.
  base::Status CheckCreatable(const std::string& topic);
  base::Status CheckPartitionNum(const std::string& topic, int32_t actual);
  // True once the leader of every partition answers a ListOffsets request.
  bool PartitionsServed(const std::string& topic, int32_t partitions, int timeout_ms);
  // Reads a config entry of a topic ("topic") or broker ("broker") resource; nullopt-like empty
  // string when unavailable.
  base::Result<std::string> DescribeConfig(bool broker, const std::string& resource,
                                           const std::string& name);
  rd_kafka_topic_t* TopicHandle(const std::string& topic);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  static int OnStats(rd_kafka_t* rk, char* json, size_t len, void* opaque);
  void MarkReachable(const char* how);

  KafkaSinkOptions options_;
  sink::DeliveryCallback cb_;
  rd_kafka_t* rk_ = nullptr;
  std::map<std::string, TopicState> topics_;
  std::map<std::string, rd_kafka_topic_t*> handles_;
  int64_t broker_max_message_bytes_ = 0;  // 0 = unknown
  int32_t broker_id_ = -1;
  uint64_t queue_full_waits_ = 0;
  std::string last_error_;   // latest client-level error, for reachability messages
  int last_error_code_ = 0;  // its rd_kafka_resp_err_t
  std::atomic<int64_t> unreachable_since_ms_{0};
};

// The sink's pre-flight (`sluice check`, the console's "Test" button): the connection checks of
// client/kafka/preflight.h plus describe / create / write on options.topic and `extra_topics`
// (topics the dispatchers route to), with the sink's topic settings. Blocking; never throws.
std::vector<base::CheckResult> CheckKafkaSink(const KafkaSinkOptions& options,
                                              const std::vector<std::string>& extra_topics = {});

}  // namespace sluice::sink::kafka
