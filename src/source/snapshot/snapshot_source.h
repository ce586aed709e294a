// SnapshotSource: a database source that copies the existing rows of its tables into the stream
// (initial and on-demand snapshots), lock-free, in parallel, resumably and with an exact hand-off.
//
// It wraps the database's change stream (BinlogSource, PgSource) and a SnapshotDatabase. Each
// table is cut into key chunks; each chunk is read in its own consistent read by a ChunkPool
// reader, which reports the ReadPoint the read is exact at. The chunks go into the stream in
// the order their reads began (key order within a table), each as one transaction of
// SnapshotRead rows placed exactly where its read point is:
//
//   - a chunk is inserted before the first stream transaction it did not see (MariaDB: the
//     first transaction starting at or after the chunk's binlog_snapshot position), or as soon
//     as the stream has passed its point;
//   - a stream change of key k of a table being copied is delivered only if k's chunk is
//     already in the stream (k <= the table's copied prefix, in the database's key order);
//     otherwise it is dropped, because k's chunk is read later and already holds it. An update
//     that moves a row from one side of the prefix to the other keeps the half that is needed
//     (the delete of the old key, or the insert of the new one).
//
// So, per key, the output is the row as of its chunk's point followed by exactly the changes
// after that point: replaying a key's messages yields the table's row, with writes going on the
// whole time. No table locks are taken and nothing is written to the source.
//
// Checkpoints: every position this source returns carries the snapshot progress
// (SourcePosition::snapshot: per table the key of the last copied row); after a restart the
// stream resumes at the checkpoint and each table from the chunk after its last copied key.
// Memory is bounded by the pool (chunks are streamed, at most 2 x parallelism are queued).
//
// Modes (SnapshotOptions::mode), for a changefeed without a checkpoint: initial (copy, then
// stream), initial-only (copy, then Finished()), never (stream only), when-needed (copy when
// there is no checkpoint or its position is no longer on the server). On-demand snapshots of
// any table come through SnapshotControl::Request in every mode.
//
// Threading: the Source contract (one thread); the pool's readers are internal threads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "source/snapshot/chunk_pool.h"
#include "source/snapshot/snapshot_control.h"
#include "source/snapshot/snapshot_database.h"
#include "source/snapshot/snapshot_state.h"
#include "source/source.h"

namespace sluice::source::snapshot {

enum class SnapshotMode : uint8_t { kInitial, kNever, kInitialOnly, kWhenNeeded };
std::string_view SnapshotModeName(SnapshotMode mode);
// "initial", "never", "initial-only", "when-needed"; InvalidArgument naming the choices.
base::Result<SnapshotMode> ParseSnapshotMode(std::string_view text);
// Parses "db.table,db.other" (snapshot-tables, the on-demand API); InvalidArgument naming a
// malformed entry.
base::Result<std::vector<TableId>> ParseTableList(std::string_view text);

struct SnapshotOptions {
  SnapshotMode mode = SnapshotMode::kInitial;
  size_t chunk_rows = 8192;
  size_t parallelism = 2;
  // Tables the initial snapshot copies; empty = every table `match` accepts.
  std::vector<TableId> tables;
  // The changefeed's table filter (every table when unset).
  std::function<bool(const std::string& schema, const std::string& table)> match;
  // The source URI names a start position: the changefeed starts there, without an initial
  // snapshot.
  bool explicit_start = false;
  size_t max_chunk_bytes = 16u << 20;
};

class SnapshotSource : public Source {
 public:
  SnapshotSource(std::unique_ptr<Source> stream, std::unique_ptr<SnapshotDatabase> db,
                 SnapshotOptions options, std::shared_ptr<SnapshotControl> control);
  ~SnapshotSource() override;

  base::Status Open(const model::SourcePosition& start) override;
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                    std::chrono::milliseconds wait) override;
  void Acknowledge(const model::SourcePosition& durable) override;
  bool Finished() const override { return finished_; }
  void Close() override;

  // The progress as last published (also through the control).
  const SnapshotState& state() const { return state_; }
  bool active() const { return active_; }

 private:
  struct TableRuntime {
    std::optional<KeyOrder> order;  // set once a chunk of the table is in the stream
    // Where the key columns are in each stream definition of the table (unset: missing).
    std::unordered_map<const model::TableSchema*, std::optional<std::vector<size_t>>> columns;
    std::string note;  // e.g. why the table is copied in one pass
  };
  enum class Verdict : uint8_t { kDeliver, kDrop, kDeleteOnly, kInsertOnly };

  void Reset();
  base::Status BeginSnapshot(bool initial, const model::SourcePosition& from);
  base::Status Resume(const SnapshotState& state, const model::SourcePosition& from);
  base::Status StartWork(std::vector<WorkItem> items);
  base::Status TakeRequests();
  base::Status OpenStream();
  size_t IndexOf(const std::string& schema, const std::string& table) const;
  void AddTableIndex(size_t i);

  base::Status ReadFast(std::vector<model::ChangeEvent>* out, size_t max_events,
                        std::chrono::milliseconds wait);
  // Moves rows of the chunk being inserted to `out`; returns whether anything happened.
  base::Result<bool> InsertStep(std::vector<model::ChangeEvent>* out, size_t max_events,
                                std::chrono::steady_clock::time_point deadline);
  void FinishChunk(std::vector<model::ChangeEvent>* out);
  void Complete();
  base::Result<Verdict> Decide(const model::RowChange& row);
  base::Result<bool> InPrefix(size_t index, const model::TableSchema& schema,
                              const std::vector<model::Value>& image);
  void Prefetch();
  void Deliver(model::ChangeEvent&& ev, std::vector<model::ChangeEvent>* out);
  void Track(const model::ChangeEvent& ev);
  void Publish();

  std::unique_ptr<Source> stream_;
  std::unique_ptr<SnapshotDatabase> db_;
  SnapshotOptions options_;
  std::shared_ptr<SnapshotControl> control_;
  std::unique_ptr<ChunkPool> pool_;

  SnapshotState state_;
  bool active_ = false;    // a snapshot is under way
  bool exported_ = false;  // chunks read the database's exported snapshot; the stream waits
  bool finished_ = false;
  std::string encoded_;  // state_ as stamped on positions ("" when no snapshot is under way)
  std::vector<TableRuntime> runtime_;
  std::unordered_map<std::string, size_t> index_;  // "schema\x1ftable" -> state_.tables index
  std::chrono::steady_clock::time_point started_at_;

  bool stream_open_ = false;
  model::SourcePosition stream_start_;
  model::SourcePosition stream_pos_;  // after the last delivered stream transaction
  bool in_txn_ = false;
  uint64_t last_commit_ts_ = 0;
  std::vector<model::ChangeEvent> inbuf_;
  size_t inpos_ = 0;
  bool prefetch_ = false;
  TextOrderCache text_;

  // The chunk being inserted.
  std::shared_ptr<Chunk> inserting_;
  std::shared_ptr<const TableInfo> inserting_info_;
  model::TxnInfo inserting_txn_;
  uint64_t inserted_rows_ = 0;
  std::optional<model::ChangeEvent> held_;  // the chunk's latest row (kLast may go on it)
  std::vector<std::vector<model::Value>> rows_;  // scratch
};

}  // namespace sluice::source::snapshot
