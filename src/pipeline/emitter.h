// Emitter: the target side of a changefeed. The changefeed loop reads events, frames them into
// transactions and keeps the checkpoint; an emitter turns the rows and DDL of those transactions
// into whatever its target takes (Kafka messages: MessageEmitter; database rows: RowEmitter) and
// reports how many deliveries each transaction waits for.
//
// Contract (every method is called from the changefeed's thread, never concurrently):
// - Start(ledger) once per attempt, after the source is open and before anything else of that
//   attempt. `ledger` stays valid until the next Start or the emitter's destruction. An emitter
//   may outlive an attempt (the changefeed keeps a healthy one when only the source failed), so
//   Start must accept being called again.
// - Row/Ddl queue the change for transaction `token`: for every delivery the token will be
//   acknowledged for (through the DeliveryCallback the emitter was created with), the emitter
//   calls ledger->Expect(token) BEFORE queuing it, since the acknowledgement may arrive at once.
//   They may block while the target's queue is full (back-pressure). A non-OK status means the
//   change was not queued; the attempt ends.
// - TransactionSealed(commit_ts): the transaction of the last Row/Ddl calls is complete (commit or
//   DDL; not called for heartbeats). Message emitters use it for watermarks.
// - Poll(between_transactions): called after each read batch: serves delivery callbacks and does
//   periodic work (watermarks, only when `between_transactions`). Must not block for long.
// - Flush(timeout_ms): delivers everything queued and serves the callbacks, waiting at most
//   timeout_ms (DeadlineExceeded if deliveries are still outstanding).
// - TargetUnreachableSinceMs(): thread-safe (read by the API while the changefeed runs): since
//   when (Unix ms) the target has been unreachable (a Kafka sink: every broker down), 0 while it
//   is reachable or the emitter cannot tell.
// - Errors carry retry/stop/fatal meaning (base::Action) like every Status.
#pragma once

#include <cstdint>
#include <functional>

#include "base/status.h"
#include "model/change_event.h"

namespace sluice::pipeline {

// The changefeed's side of an emitter: counts the deliveries each transaction waits for, so the
// checkpoint never passes an unacknowledged one.
class EmitLedger {
 public:
  virtual ~EmitLedger() = default;

  // One more delivery will be acknowledged for `token`. Call before queuing it.
  virtual void Expect(uint64_t token) = 0;

  // Counts one message queued to a message broker (`bytes` of value), for the statistics.
  virtual void CountMessage(size_t bytes) = 0;

  // Runs `emit` with a fresh token that belongs to no source transaction (watermarks): the
  // checkpoint does not move past the transactions sealed so far until what `emit` queued for the
  // token is acknowledged. Returns what `emit` returned.
  virtual base::Status Standalone(const std::function<base::Status(uint64_t token)>& emit) = 0;
};

class Emitter {
 public:
  virtual ~Emitter() = default;

  virtual base::Status Start(EmitLedger* ledger) = 0;

  virtual base::Status Row(const model::RowChange& row, const model::TxnInfo& txn,
                           uint64_t token) = 0;

  // True if the DDL went to the target; false if this target takes no DDL (Avro), in which
  // case nothing was queued for `token`.
  virtual base::Result<bool> Ddl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                 uint64_t token) = 0;

  virtual base::Status TransactionSealed(uint64_t commit_ts) = 0;

  virtual base::Status Poll(bool between_transactions) = 0;

  virtual base::Status Flush(int timeout_ms) = 0;

  virtual int64_t TargetUnreachableSinceMs() const { return 0; }
};

}  // namespace sluice::pipeline
