// ChangeEvent: what a Source emits, in commit order.
//
// A transaction is streamed as kRow events followed by one kCommit carrying the position to
// resume from; nothing is buffered per transaction, so a 1M-row transaction costs no more
// memory than a 1-row one. A DDL is one kDdl event that is also a commit point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/position.h"
#include "model/table_schema.h"
#include "model/value.h"

namespace sluice::model {

enum class RowOp : uint8_t { kInsert, kUpdate, kDelete };

// Whether a row was copied from the table by a snapshot (source/snapshot) rather than read from
// the change log. A snapshot row is an kInsert of the row as the table held it at the snapshot's
// position: Debezium JSON writes it as op "r" with source.snapshot "true" ("last" for the final row
// of the whole snapshot), canal-json and Avro as an insert, database sinks upsert it.
enum class SnapshotRead : uint8_t { kNo, kYes, kLast };

struct RowChange {
  RowOp op = RowOp::kInsert;
  TableSchemaPtr table;
  std::vector<Value> before;  // kUpdate, kDelete
  std::vector<Value> after;   // kInsert, kUpdate
  SnapshotRead snapshot = SnapshotRead::kNo;
};

struct DdlEvent {
  std::string schema;  // default database of the statement (may be empty)
  std::string table;   // table the statement targets, if known
  std::string sql;
};

// Transaction metadata shared by every event of one transaction.
struct TxnInfo {
  // Commit time in milliseconds since the epoch (binlog: event timestamp * 1000).
  uint64_t commit_time_ms = 0;
  // TiDB-TSO-compatible commit timestamp: (commit_time_ms << 18) | logical, strictly
  // increasing across transactions of one changefeed.
  uint64_t commit_ts = 0;
  std::string gtid;  // "0-1-27" or "uuid:n"; empty if unknown
  uint64_t xid = 0;  // PostgreSQL: the transaction id (0 for other sources)
  // MariaDB/MySQL: the offset of the transaction's first event in the binlog file of the
  // stream's last position (a rotation is announced by a kHeartbeat in the new file); 0 if
  // unknown. Snapshots decide with it whether a chunk's read saw the transaction.
  uint64_t start_offset = 0;
};

struct ChangeEvent {
  enum class Kind : uint8_t { kRow, kDdl, kCommit, kHeartbeat };
  Kind kind = Kind::kRow;
  TxnInfo txn;
  RowChange row;  // kRow
  DdlEvent ddl;   // kDdl
  // kCommit, kDdl, kHeartbeat: the position to resume from after this event.
  SourcePosition position;
};

}  // namespace sluice::model
