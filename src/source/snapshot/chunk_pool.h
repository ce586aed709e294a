// ChunkPool: the parallel chunk readers of a snapshot.
//
// Reader threads take the tables of a work list in order and cut each into chunks of about
// `chunk_rows` rows by key (ChunkReader::NextBoundary), read each chunk in its own consistent
// read (ChunkReader::Begin) and queue its rows. Chunks are numbered in the order their reads
// begin, which is also key order within a table, and are handed to the consumer (the snapshot
// source, on the changefeed's thread) in that order: Head() is always the oldest chunk not yet
// taken. Because read points only move forward, every chunk sees at least what the chunks before
// it saw.
//
// A chunk becomes visible to Head() before its read begins, with no point yet: the consumer must
// not deliver stream transactions while the head chunk has no point (it cannot tell yet whether
// the read sees them).
//
// Memory is bounded: at most 2 × parallelism chunks are queued, each holding at most
// max_chunk_bytes of rows (a reader waits for the consumer beyond that).
//
// Threading: Start/Add/Head/Take*/Pop/Stop from the consumer's thread; readers are internal.
// Errors of a reader stop the pool; error() returns the first one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/status.h"
#include "source/snapshot/snapshot_database.h"

namespace sluice::source::snapshot {

struct ChunkPoolOptions {
  size_t parallelism = 2;
  size_t chunk_rows = 8192;
  size_t max_chunk_bytes = 16u << 20;
};

// A table to copy: `after` is the key the copy resumes after (unset: from the start).
struct WorkItem {
  size_t index = 0;  // the consumer's index of the table
  TableId table;
  std::optional<Key> after;
};

struct Chunk {
  uint64_t ticket = 0;
  size_t index = 0;  // WorkItem::index
  TableId table;
  std::shared_ptr<const TableInfo> info;
  std::optional<Key> lo;  // exclusive; unset = from the table's start
  std::optional<Key> hi;  // inclusive; unset = to the table's end
  bool last = false;      // the table's last chunk
  bool gone = false;      // the table no longer exists: no rows, the table is done
  // Set by the reader (under the pool's lock).
  std::optional<ReadPoint> point;
  std::deque<std::vector<model::Value>> rows;
  size_t bytes = 0;
  uint64_t rows_read = 0;
  bool complete = false;
};

class ChunkPool {
 public:
  ChunkPool(SnapshotDatabase* db, ChunkPoolOptions options);
  ~ChunkPool();
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  // Starts the readers (if not running) and appends work.
  base::Status Add(std::vector<WorkItem> items);
  // True while work is queued or chunks are not yet taken.
  bool busy() const;

  // The oldest chunk not yet popped (nullptr if none), as of the call. The returned pointer
  // stays valid until Pop(); read its reader-set fields only through the methods below.
  std::shared_ptr<Chunk> Head();
  // True while some queued chunk's read is beginning (its point is not known yet).
  bool beginning() const;
  // Waits until no chunk is beginning and there is a head chunk, or the pool fails, or
  // `deadline`.
  void WaitHead(std::chrono::steady_clock::time_point deadline);
  std::optional<ReadPoint> PointOf(const Chunk& c) const;
  // The table definition the chunk's rows have (a reader may replace it before its first row).
  std::shared_ptr<const TableInfo> InfoOf(const Chunk& c) const;
  // Moves up to `max` queued rows of `c` into `out`; *complete = the chunk was fully read and
  // every row taken. Waits until `deadline` for rows when none are queued.
  void TakeRows(Chunk& c, size_t max, std::vector<std::vector<model::Value>>* out, bool* complete,
                std::chrono::steady_clock::time_point deadline);
  // Removes the head chunk (after its rows were taken).
  void Pop();
  // Asks to deliver stream transaction `txn`: false while a chunk's read is beginning (the
  // caller waits and asks again); otherwise true, after recording `txn` for
  // SnapshotDatabase::SeesAll when `record` (the last kDeliveredKept are kept). Atomic with
  // chunks starting, so a read either is known before the transaction is delivered or checks it.
  bool Admit(const TxnRef& txn, bool record);
  static constexpr size_t kDeliveredKept = 4096;

  base::Status error() const;
  // Stops and joins the readers; queued chunks are dropped.
  void Stop();

 private:
  void ReaderLoop(size_t n);
  // Dispatches the next chunk for reader `r` and begins its read (under dispatch_mu_). Returns
  // nullptr when there is no work.
  base::Result<std::shared_ptr<Chunk>> Dispatch(ChunkReader& r);
  base::Status ReadOne(ChunkReader& r, const std::shared_ptr<Chunk>& c);
  void Fail(const base::Status& st);

  SnapshotDatabase* db_;
  ChunkPoolOptions options_;

  // Dispatch state (dispatch_mu_ serializes boundary look-up and read start, so reads begin in
  // ticket order).
  std::mutex dispatch_mu_;
  std::deque<WorkItem> work_;      // under mu_
  std::shared_ptr<const TableInfo> current_info_;
  std::optional<Key> current_lo_;
  bool current_started_ = false;  // current_info_/current_lo_ belong to work_.front()
  uint64_t next_ticket_ = 1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Chunk>> chunks_;  // ticket order
  std::deque<TxnRef> delivered_;
  bool stopping_ = false;
  base::Status error_;
  size_t idle_readers_ = 0;

  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<ChunkReader>> readers_;  // under mu_ (for Interrupt)
};

}  // namespace sluice::source::snapshot
