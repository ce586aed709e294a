// Source: the interface every change source implements (binlog, pgoutput, Kafka).
//
// Lifecycle: Open() once, then Read() repeatedly from one thread, then Close(). A source
// emits events in commit order; see model/change_event.h for the transaction framing.
#pragma once

#include <chrono>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"

namespace sluice::source {

class Source {
 public:
  virtual ~Source() = default;

  // Connects, validates the server's settings and privileges, and positions the stream at
  // `start` (empty = the current end of the log). Errors name the setting and the fix.
  virtual base::Status Open(const model::SourcePosition& start) = 0;

  // Appends up to `max_events` events to `out`. Waits at most `wait` for the first event;
  // returns OK with nothing appended when idle. A non-OK status carries retry/stop/fatal
  // meaning (base::ActionFor).
  virtual base::Status Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                            std::chrono::milliseconds wait) = 0;

  // Called after `durable` was saved as the changefeed's checkpoint: everything up to it is
  // acknowledged by the sink and will never be asked for again. Sources with a server-side
  // position (a PostgreSQL slot's confirmed_flush_lsn, a Kafka consumer group's committed
  // offsets) advance it here, never earlier. Called from the Read() thread.
  virtual void Acknowledge(const model::SourcePosition& durable) {}

  // True once the source has delivered everything it ever will (a snapshot=initial-only copy
  // that completed): the changefeed then stops after its checkpoint covers what was read.
  virtual bool Finished() const { return false; }

  virtual void Close() = 0;
};

}  // namespace sluice::source
