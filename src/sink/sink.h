// Sink: where encoded messages go (the Kafka sink). Database targets take decoded rows instead
// of messages: see row_sink.h.
//
// Produce() is asynchronous; completion is reported through the DeliveryCallback given at
// construction, from the sink's own thread, once per message, with the caller's token.
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

  // Sends `msg` to `topic`/`partition`. May block while the producer queue is full
  // (back-pressure). A non-OK return means the message was not queued.
  virtual base::Status Produce(const std::string& topic, int32_t partition, codec::Message msg,
                               uint64_t token) = 0;

  // Serves delivery callbacks; waits at most timeout_ms.
  virtual void Poll(int timeout_ms) = 0;

  // Waits until every queued message is delivered or failed.
  virtual base::Status Flush(int timeout_ms) = 0;
};

}  // namespace sluice::sink
