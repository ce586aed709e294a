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
// timeouts) restart the attempt after a delay (RetryBackoff: exponential with jitter, back to the
// first delay after a healthy attempt); the replay from the checkpoint may re-send messages
// (at-least-once), but never skips one. Only the part that failed is rebuilt: when the source
// (or the checkpoint store) failed and the emitter flushed everything it had queued, the next
// attempt keeps the emitter (the Kafka producer and its idempotence state, a database sink's
// connection) and builds a new source only.
//
// State: `normal` while streaming; `warning` while waiting to retry, and also while streaming
// when the emitter reports its target unreachable (all brokers down) or no delivery has been
// acknowledged for stall_after although some are waiting; state_reason() says which, since when,
// and how far the checkpoint lags. Back to `normal` as soon as deliveries are acknowledged again.
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
#include "pipeline/retry_backoff.h"
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
  // Retry delays: initial_backoff doubling up to max_backoff, each spread by +-backoff_jitter.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  double backoff_jitter = 0.2;
  // A failed attempt that moved the checkpoint, or streamed at least this long, was healthy:
  // the retry after it starts again from initial_backoff.
  std::chrono::milliseconds healthy_after{5000};
  // Deliveries waiting and none acknowledged for this long: state `warning` (a stalled target).
  std::chrono::milliseconds stall_after{10000};
  size_t read_batch = 2048;
};

enum class ChangefeedState { kStarting, kNormal, kWarning, kFailed, kStopped };
std::string_view ChangefeedStateName(ChangefeedState s);

// Counters readable from any thread while the changefeed runs.
struct ChangefeedStats {
  std::atomic<uint64_t> rows_read{0};       // row changes read from the source (filter kept)
  std::atomic<uint64_t> rows_delivered{0};  // of those, in transactions fully acknowledged
  std::atomic<uint64_t> ddls{0};
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> retry_delay_ms{0};  // the delay before the latest retry
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
  // Thread-safe. kWarning also while streaming when the target is unreachable or stalled.
  ChangefeedState state() const;
  // Why the state is `warning` ("all brokers down since ...; checkpoint lag 25 s and growing",
  // "retrying in 2.0 s after: ..."); empty otherwise.
  std::string state_reason() const;
  // Since when (Unix ms) the current emitter's target has been unreachable; 0 if it is not.
  int64_t target_unreachable_since_ms() const;
  // Wall clock now minus the commit time of the checkpointed transaction, while the source has
  // read a newer transaction (data in flight); 0 when caught up or idle, and until this run's
  // first checkpoint (the commit time is not stored).
  int64_t checkpoint_lag_ms() const;
  std::string last_error() const;
  std::optional<model::SourcePosition> checkpoint() const;

 private:
  class Attempt;  // one attempt's transaction framing; the ledger its emitter reports to
  struct AckRoute;  // routes the kept emitter's acknowledgements to the current attempt
  // The part an attempt failed in: only that part is rebuilt for the next attempt.
  enum class Part { kNone, kSource, kEmitter, kStore };
  struct AttemptResult {
    base::Status status;
    Part failed = Part::kNone;
    bool healthy = false;  // moved the checkpoint or streamed for healthy_after
  };
  AttemptResult RunAttempt(const std::atomic<bool>* stop);
  base::Status SaveCheckpoint(ProgressTracker& tracker, source::Source& source, bool force);
  void SetError(const base::Status& st);
  void DropEmitter();
  // The streaming-time warning, if any (requires mu_).
  std::string DegradedReasonLocked() const;

  ChangefeedOptions options_;
  PartsFactory factory_;
  CheckpointStore* store_;
  ChangefeedStats stats_;
  std::atomic<ChangefeedState> state_{ChangefeedState::kStarting};
  RetryBackoff backoff_;
  std::shared_ptr<AckRoute> route_;    // of emitter_
  uint64_t checkpoint_commit_ts_ = 0;  // of the latest checkpoint taken; the run's thread only
  std::string attempt_start_;          // serialized start position of the current attempt
  bool moved_in_attempt_ = false;      // the current attempt moved the checkpoint past it
  mutable std::mutex mu_;  // guards the members below
  std::string last_error_;
  std::optional<model::SourcePosition> checkpoint_;
  // Shared with readers of state(): kept across attempts unless it failed (see the file comment).
  std::shared_ptr<Emitter> emitter_;
  std::shared_ptr<ProgressTracker> tracker_;  // of the current attempt
  std::chrono::steady_clock::time_point retry_at_{};  // while waiting to retry
  std::chrono::steady_clock::time_point last_save_{};
};

// The periodic status line of `sluice run`: state (with the reason when `warning`), rows read
// and delivered (with the change since `last_read`/`last_delivered`), messages, bytes,
// checkpoint lag in seconds and the checkpoint.
std::string StatusLine(const Changefeed& feed, const std::string& id, uint64_t last_read,
                       uint64_t last_delivered);

}  // namespace sluice::pipeline
