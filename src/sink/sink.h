// Sink: where encoded messages go (a message broker: Kafka). Database targets take decoded rows
// instead (row_sink.h).
//
// PrepareTopic() is called for a topic before its first Produce(). Produce() is asynchronous;
// completion is reported through the DeliveryCallback given at construction, from the sink's
// own thread, once per message, with the caller's token.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "codec/encoder.h"

namespace sluice::sink {

// Called once per produced message. `status` is OK when the message is durably acknowledged
// (per the configured acks).
using DeliveryCallback = std::function<void(uint64_t token, const base::Status& status)>;

class Sink {
 public:
  virtual ~Sink() = default;

  // Makes `topic` ready (checks or creates it) and returns the number of partitions to spread
  // its messages over.
  virtual base::Result<int32_t> PrepareTopic(const std::string& topic) = 0;

  // The largest message (key + value + record overhead) `topic` takes; 0 = no limit.
  virtual int64_t MaxMessageBytes(const std::string& topic) const { return 0; }

  // Sends `msg` to `topic`/`partition`. May block while the producer queue is full
  // (back-pressure). A non-OK return means the message was not queued.
  virtual base::Status Produce(const std::string& topic, int32_t partition, codec::Message msg,
                               uint64_t token) = 0;

  // Serves delivery callbacks; waits at most timeout_ms.
  virtual void Poll(int timeout_ms) = 0;

  // Waits until every queued message is delivered or failed.
  virtual base::Status Flush(int timeout_ms) = 0;

  // Since when (Unix ms) no broker has been reachable; 0 while one is (or if unknown).
  // Thread-safe: read while another thread produces.
  virtual int64_t UnreachableSinceMs() const { return 0; }
};

}  // namespace sluice::sink
