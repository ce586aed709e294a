// SnapshotDatabase and ChunkReader: what a database source implements so its tables can be
// snapshotted (source/mysql: MariaDB/MySQL; source/postgres: PostgreSQL).
//
// A chunk is a key range (lo, hi] of one table read in its own consistent, lock-free read. The
// reader reports the ReadPoint that read is exact at: every transaction the read saw is
// delivered by the stream before that point, every other one after it. The snapshot source
// (snapshot_source.h) merges chunks into the stream at their points and drops the stream's
// changes that a chunk still to come will hold.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"
#include "model/position.h"
#include "source/snapshot/key.h"

namespace sluice::source::snapshot {

struct TableId {
  std::string schema;
  std::string table;
  bool operator==(const TableId&) const = default;
  std::string Name() const { return schema + "." + table; }
};

// One table as the snapshot reads it.
struct TableInfo {
  // The table's definition as the stream describes it (same columns, types, collations, key), so
  // snapshot rows encode exactly like streamed ones.
  model::TableSchemaPtr schema;
  // The chunk key: the primary key's columns, in key order, and how the database orders each.
  // Empty when the table has no primary key (or one whose order sluice cannot reproduce): the
  // table is then read in one pass, as a single chunk.
  std::vector<size_t> key;
  std::vector<PartOrder> order;
  uint64_t estimated_rows = 0;
  // Why the table is read in one pass (empty when it is chunked), for the log and the API.
  std::string one_pass_reason;

  bool chunked() const { return !key.empty(); }
  KeyOrder Order() const { return KeyOrder(schema, key, order); }
};

// Where a chunk read is exact. `position` is a stream position (MariaDB: the binlog file:offset
// of the read's consistent snapshot; PostgreSQL: the WAL insert LSN right after the read's
// snapshot was taken, or the slot's consistent point for its exported snapshot); PostgreSQL adds
// the snapshot's transaction ids so visibility is decided exactly.
struct ReadPoint {
  model::SourcePosition position;
  uint64_t xmin = 0;
  uint64_t xmax = 0;  // 0: no transaction-id snapshot (visibility by position)
  std::vector<uint64_t> xip;
  // The exported snapshot of a replication slot: sees exactly what precedes the slot's
  // consistent point, and the stream starts there.
  bool exported = false;
};

// A stream transaction, for visibility decisions: `start` is the stream's position before it
// (the previous commit), `txn` its metadata (PostgreSQL: txn.xid).
struct TxnRef {
  model::SourcePosition start;
  model::TxnInfo txn;
};

// Receives the rows of a chunk: the full row image, values in `TableInfo::schema` column order.
// A non-OK status stops the read and is returned by ReadChunk.
using RowSink = std::function<base::Status(std::vector<model::Value>&& row)>;

// One connection reading chunks. Lifecycle per chunk: Begin() -> Describe() -> ReadChunk() ->
// End(). Used by one thread; Interrupt() may be called from another to unblock it.
class ChunkReader {
 public:
  virtual ~ChunkReader() = default;
  // The upper bound of the next chunk after `lo` (nullopt: from the table's start) holding
  // `rows` rows, in the database's key order; nullopt when at most `rows` rows remain (the chunk
  // after `lo` is the table's last, and holds the rest). Runs outside a consistent read.
  virtual base::Result<std::optional<Key>> NextBoundary(const TableInfo& info,
                                                        const std::optional<Key>& lo,
                                                        size_t rows) = 0;
  // Starts a consistent read (no locks) and returns the point it is exact at.
  virtual base::Result<ReadPoint> Begin() = 0;
  // The table's definition, read inside the consistent read (a definition changed after Begin()
  // makes ReadChunk fail rather than read rows of another shape). Errors: NotFound when the
  // table is gone.
  virtual base::Result<TableInfo> Describe(const TableId& table) = 0;
  // Reads the rows with lo < key <= hi (an unset bound is open; both unset = the whole table,
  // for one-pass tables) and passes them to `sink` as they arrive.
  virtual base::Status ReadChunk(const TableInfo& info, const std::optional<Key>& lo,
                                 const std::optional<Key>& hi, const RowSink& sink) = 0;
  // Ends the consistent read.
  virtual base::Status End() = 0;
  virtual void Interrupt() = 0;
};

// The database side of a snapshot. Methods other than NewReader() are called from the
// changefeed's thread.
class SnapshotDatabase {
 public:
  virtual ~SnapshotDatabase() = default;

  // The tables `match` accepts, in a stable order (schema, table). System schemas are skipped.
  virtual base::Result<std::vector<TableId>> ListTables(
      const std::function<bool(const std::string& schema, const std::string& table)>& match) = 0;
  // The current end of the change log, where a new snapshot's stream starts.
  virtual base::Result<model::SourcePosition> CurrentPosition() = 0;
  // Whether the server still has the changes from `position` on (binlog not purged, slot
  // present): snapshot=when-needed takes a new snapshot when it has not.
  virtual base::Result<bool> PositionAvailable(const model::SourcePosition& position) = 0;
  // Prepares an initial snapshot whose chunks all read one exported snapshot (PostgreSQL: the
  // replication slot's, created here) and returns the position the stream starts at; nullopt
  // when the database reads each chunk in its own snapshot (MariaDB). Chunk readers created
  // afterwards join the exported snapshot until ReleaseExported().
  virtual base::Result<std::optional<model::SourcePosition>> ExportSnapshot() {
    return std::optional<model::SourcePosition>();
  }
  virtual void ReleaseExported() {}
  // A new reader on its own connection. Thread-safe.
  virtual base::Result<std::unique_ptr<ChunkReader>> NewReader() = 0;
  // Compares strings in a column's collation (used by the changefeed's thread only).
  virtual CollationOracle* oracle() = 0;

  // Whether a read at `point` saw transaction `txn`.
  virtual bool Sees(const ReadPoint& point, const TxnRef& txn) const = 0;
  // Whether a stream at `stream` (the position after its last transaction) has delivered every
  // transaction a read at `point` saw.
  virtual bool Passed(const model::SourcePosition& stream, const ReadPoint& point) const = 0;
  // Whether a read at `point` saw every one of `txns` (transactions the stream already
  // delivered before the read began; a read that missed one must be taken again). MariaDB:
  // always; PostgreSQL: a commit can be in the WAL before it is visible to new snapshots.
  virtual bool SeesAll(const ReadPoint& point, const std::vector<TxnRef>& txns) const {
    return true;
  }
  // Whether SeesAll needs the delivered transactions at all (false: they are not collected).
  virtual bool ChecksDelivered() const { return false; }
};

}  // namespace sluice::source::snapshot
