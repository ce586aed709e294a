// Changefeed: one running replication job, source -> filter -> encoder -> router -> sink.
//
// Run() drives the loop on the calling thread until `stop` becomes true or a non-retriable
// error occurs. Each attempt builds fresh parts through the PartsFactory, resumes the source
// at the last durable checkpoint, and streams: rows are encoded and produced as they arrive
// (transactions are never buffered whole, so memory is bounded by the sink's queue), while the
// ProgressTracker advances the checkpoint only past fully acknowledged transactions.
// Retriable errors (broker or database unavailable, timeouts) restart the attempt with
// exponential backoff; the replay from the checkpoint may re-send messages (at-least-once),
// but never skips one.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "codec/encoder.h"
#include "dispatch/event_router.h"
#include "dispatch/table_filter.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/progress_tracker.h"
#include "pipeline/table_counters.h"
#include "sink/row_sink.h"
#include "sink/sink.h"
#include "source/source.h"

namespace sluice::pipeline {

// The I/O parts of one attempt, built by a PartsFactory. Either a message sink (encoder,
// router, sink, prepare_topic: Kafka) or a row sink (row_sink: databases) is set.
struct ChangefeedParts {
  std::unique_ptr<source::Source> source;
  std::unique_ptr<sink::RowSink> row_sink;
  std::unique_ptr<codec::Encoder> encoder;
  std::unique_ptr<dispatch::EventRouter> router;
  std::unique_ptr<sink::Sink> sink;
  // Ensures the topic exists and returns its partition count.
  std::function<base::Result<int32_t>(const std::string& topic)> prepare_topic;
  // Largest message value the sink accepts for `topic` (0 = unlimited).
  std::function<size_t(const std::string& topic)> max_message_bytes;
  // Optional: shrinks an encoded row message over the sink's limit for `topic` in place
  // (large-message-handle-option; see pipeline/large_message.h) or returns why it cannot.
  std::function<base::Status(const model::RowChange& row, const model::TxnInfo& txn,
                             const std::string& topic, codec::Message* msg)>
      handle_large_row;
};
using PartsFactory = std::function<base::Result<ChangefeedParts>(sink::DeliveryCallback)>;

struct ChangefeedOptions {
  std::string id = "default";
  dispatch::TableFilter filter = dispatch::TableFilter::All();
  model::SourcePosition start;  // used only when the store has no checkpoint
  // DDL to every partition of the topic (false: partition 0 only, the Canal convention).
  bool broadcast_ddl = false;
  // An UPDATE that changes the primary key (or a column the partitioner hashes) becomes a
  // DELETE of the old key, sent to the old key's partition, and an INSERT of the new row, sent
  // to its partition: per-key order holds on every partition and keyed/compacted topics see
  // the old key go away (TiCDC does the same). Row sinks apply key changes themselves.
  bool split_primary_key_updates = true;
  std::chrono::milliseconds checkpoint_interval{500};
  std::chrono::milliseconds watermark_interval{1000};
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
