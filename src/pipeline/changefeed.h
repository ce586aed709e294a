// Changefeed: one running replication job: a source, and an emitter for the target.
//
// Run() drives the loop on the calling thread until `stop` becomes true or a non-retriable
// error occurs. Each attempt builds a source and an emitter through the PartsFactory, resumes the
// source at the last durable checkpoint, and streams: the loop frames the events into
// transactions (a token each from the ProgressTracker) and hands rows and DDL to the emitter as
// they arrive (transactions are never buffered whole, so memory is bounded by the target's
// queue), while the ProgressTracker advances the checkpoint only past fully acknowledged
// transactions. What a row becomes at the target (messages, watermarks, database rows) is the
// emitter's business (pipeline/emitter.h). Retriable errors (broker or database unavailable,
// timeouts) restart the attempt with exponential backoff; the replay from the checkpoint may
// re-send messages (at-least-once), but never skips one.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "dispatch/table_filter.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/emitter.h"
#include "pipeline/progress_tracker.h"
#include "pipeline/table_counters.h"
#include "sink/sink.h"
#include "source/source.h"

namespace sluice::pipeline {

// Builds the I/O parts of an attempt: the source, and the emitter for the target. The emitter
// must report every delivery it announced (EmitLedger::Expect) through `on_delivery`, from any
// thread.
struct PartsFactory {
  std::function<base::Result<std::unique_ptr<source::Source>>()> source;
  std::function<base::Result<std::unique_ptr<Emitter>>(sink::DeliveryCallback on_delivery)>
      emitter;
};

struct ChangefeedOptions {
  std::string id = "default";
  dispatch::TableFilter filter = dispatch::TableFilter::All();
  model::SourcePosition start;  // used only when the store has no checkpoint
  std::chrono::milliseconds checkpoint_interval{500};
  std::chrono::milliseconds max_backoff{30000};
  size_t read_batch = 2048;
};

enum class ChangefeedState { kStarting, kNormal, kWarning, kFailed, kStopped };
std::string_view ChangefeedStateName(ChangefeedState s);

// Counters readable from any thread while the changefeed runs.
struct ChangefeedStats {
  std::atomic<uint64_t> rows{0};
  std::atomic<uint64_t> ddls{0};
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> checkpoint_commit_ms{0};  // commit time of the checkpointed txn
  std::atomic<uint64_t> last_event_commit_ms{0};
  TableCounters tables;  // captured rows per table (pipeline/table_counters.h)
};

class Changefeed {
 public:
  // `store` must outlive the Changefeed.
  Changefeed(ChangefeedOptions options, PartsFactory factory, CheckpointStore* store);

  // Runs until *stop is true (returns OK) or a non-retriable error (returns it).
  base::Status Run(const std::atomic<bool>* stop);

  const ChangefeedStats& stats() const { return stats_; }
  ChangefeedState state() const { return state_.load(); }
  std::string last_error() const;
  std::optional<model::SourcePosition> checkpoint() const;

 private:
  class Attempt;  // one attempt's transaction framing; the ledger its emitter reports to
  base::Status RunAttempt(const std::atomic<bool>* stop);
  base::Status SaveCheckpoint(ProgressTracker& tracker, source::Source& source, bool force);
  void SetError(const base::Status& st);

  ChangefeedOptions options_;
  PartsFactory factory_;
  CheckpointStore* store_;
  ChangefeedStats stats_;
  std::atomic<ChangefeedState> state_{ChangefeedState::kStarting};
  mutable std::mutex mu_;
  std::string last_error_;
  std::optional<model::SourcePosition> checkpoint_;
  std::chrono::steady_clock::time_point last_save_{};
};

}  // namespace sluice::pipeline
