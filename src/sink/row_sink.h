// RowSink: where decoded row changes go when the target is a database (MariaDB, PostgreSQL)
// rather than a message broker.
//
// Apply() is asynchronous like Sink::Produce(): a row sink batches rows into database
// transactions and reports each token through the DeliveryCallback given at construction once
// the transaction holding it has committed (or failed). Rows must be applied idempotently
// (upsert/delete by key) so that an at-least-once replay after a restart converges to the
// same table content. Tokens of one source transaction may be committed in several database
// transactions; the changefeed's checkpoint only passes a source transaction once all of its
// tokens are acknowledged.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "model/change_event.h"
#include "sink/sink.h"

namespace sluice::sink {

class RowSink {
 public:
  virtual ~RowSink() = default;

  // Queues one row change. May block while the sink flushes a full batch (back-pressure).
  virtual base::Status Apply(const model::RowChange& row, const model::TxnInfo& txn,
                             uint64_t token) = 0;

  // Queues a DDL statement; the sink applies, translates or skips it (and says which in its
  // documentation) and acknowledges the token either way.
  virtual base::Status ApplyDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                uint64_t token) = 0;

  // Commits batches that are due and serves delivery callbacks; waits at most timeout_ms.
  virtual void Poll(int timeout_ms) = 0;

  // Commits everything queued and waits for the callbacks.
  virtual base::Status Flush(int timeout_ms) = 0;
};

}  // namespace sluice::sink
