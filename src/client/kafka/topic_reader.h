// TopicReader: reads a Kafka topic from the beginning up to the end offsets observed when the
// read starts (or until a message count or a timeout). A plain consumer with assign(), no
// consumer group and no committed offsets, so it never disturbs other readers.
//
// Used by end-to-end tests and by `sluice consume` to print what the sink wrote, and by the
// console's topic preview.
// Threading: one thread per reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "client/kafka/connection_options.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace sluice::client::kafka {

struct ConsumedMessage {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;  // nullopt = null key
  std::string value;
  bool null_value = false;    // a tombstone: the record's value is null (value is then empty)
  int64_t timestamp_ms = -1;  // -1 if the message has none
};

struct ReadLimits {
  size_t max_messages = 0;  // 0 = no limit
  std::chrono::milliseconds timeout{30000};
  std::optional<int32_t> partition;  // only this partition; nullopt = all
};

class TopicReader {
 public:
  // Connects with the brokers and the TLS/SASL settings of parsed connection options.
  static base::Result<std::unique_ptr<TopicReader>> Create(const ConnectionOptions& options);
  // Connects to plaintext brokers "host:port[,host:port]".
  static base::Result<std::unique_ptr<TopicReader>> Create(const std::string& bootstrap_servers);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Returns the messages of `topic`, each partition in offset order (partitions interleaved),
  // from the earliest retained offset up to the end offsets at the time of the call, or fewer
  // when limits.max_messages is reached. NotFound if the topic does not exist;
  // DeadlineExceeded if the end is not reached within limits.timeout.
  base::Result<std::vector<ConsumedMessage>> ReadAll(const std::string& topic,
                                                     const ReadLimits& limits = {});

 private:
  explicit TopicReader(rd_kafka_t* rk) : rk_(rk) {}
  rd_kafka_t* rk_;
};

}  // namespace sluice::client::kafka
