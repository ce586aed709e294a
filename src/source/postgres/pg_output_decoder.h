// PgOutputDecoder: pure decoder of PostgreSQL's pgoutput logical replication messages
// (protocol versions 1 and 2) into model::ChangeEvents. No I/O, no threads.
//
// Feed it, in stream order, the payload of every XLogData ('w') CopyData message (Consume) and
// every primary keepalive (Keepalive). It handles every pgoutput message: B, C, O, R, Y, I, U,
// D, T, M, and the streamed-transaction messages S, E, c, A (their changes are buffered per
// transaction until 'c' and dropped on 'A'), and every TupleData kind: n (NULL), u (unchanged
// TOASTed value), t (text), b (binary).
//
// Events: one kRow per I/U/D, one kDdl per relation of a TRUNCATE ("TRUNCATE TABLE "s"."t"
// [RESTART IDENTITY] [CASCADE]"), one kCommit per C/c carrying position.lsn = the commit's
// end_lsn (where a restart resumes), and a kHeartbeat for a keepalive that arrives outside a
// transaction with a newer WAL end. A TRUNCATE inside a transaction carries the previous commit
// position, so resuming there replays the whole transaction.
//
// Row images (RowChange.before/after have one Value per relation column):
//   - INSERT: after = new tuple.
//   - UPDATE: after = new tuple; before = old tuple (REPLICA IDENTITY FULL: 'O', every column;
//     DEFAULT/INDEX with a changed key: 'K', key columns only). Without an old tuple (DEFAULT and
//     the key did not change) before holds the key columns taken from the new tuple.
//   - DELETE: before = 'O' (FULL) or 'K' (key columns only).
//   Columns the server did not send are Value::Absent() (not NULL): non-key columns of a 'K'
//   tuple, and unchanged TOASTed values ('u'). A 'u' in the new tuple is filled from the old
//   tuple's value of that column when the old tuple has it (FULL), else stays Absent, which
//   encoders leave out of the image (canal-json omits the column from `data`).
//
// Schemas: RELATION messages are cached by oid; a changed definition gets version + 1. The key
// (TableSchema::primary_key) is the columns the RELATION flags as key (the primary key under
// DEFAULT, the index under USING INDEX); under FULL/NOTHING every/no column is flagged, so the
// optional KeyLookup (the source queries pg_index) supplies the real primary key.
//
// Errors: DataLoss for truncated or malformed messages, a change for an unknown relation, or a
// commit without a begin; Unimplemented for an unknown message type.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"

namespace sluice::source::postgres {

class MessageReader;  // pg_output_decoder.cc

// One column of a RELATION message.
struct PgColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  bool key = false;  // flags & 1
  bool operator==(const PgColumn&) const = default;
};

// A decoded RELATION message and the schema built from it.
struct PgRelation {
  uint32_t oid = 0;
  std::string nspname;  // "" in the message means pg_catalog
  std::string relname;
  char replica_identity = 'd';  // d default, n nothing, f full, i index
  std::vector<PgColumn> columns;
  model::TableSchemaPtr schema;
};

// Returns the primary-key column names of a relation (empty: none), in key order.
using KeyLookup = std::function<base::Result<std::vector<std::string>>(
    uint32_t oid, const std::string& nspname, const std::string& relname)>;

class PgOutputDecoder {
 public:
  explicit PgOutputDecoder(KeyLookup key_lookup = nullptr);

  // The position before the first transaction (the slot's start); heartbeats and mid-transaction
  // TRUNCATEs are relative to it until the first commit.
  void SetStartPosition(model::Lsn lsn);

  // Decodes one pgoutput message (the bytes after the XLogData header) and appends the events it
  // completes to `out`.
  base::Status Consume(std::span<const uint8_t> message, std::vector<model::ChangeEvent>* out);

  // A primary keepalive with the server's WAL end: appends a kHeartbeat at `wal_end` when no
  // transaction is open and wal_end is past the last commit.
  void Keepalive(uint64_t wal_end, std::vector<model::ChangeEvent>* out);

  // The end_lsn of the last commit decoded (or the start position).
  model::Lsn committed() const { return committed_; }
  bool in_transaction() const { return in_txn_ || in_stream_; }
  const PgRelation* relation(uint32_t oid) const;
  // Type name ("schema.name") from a TYPE message, or nullptr.
  const std::string* type_name(uint32_t oid) const;
  // Counters of ignored messages (origin, logical decoding message), for tests and metrics.
  uint64_t origin_messages() const { return origin_messages_; }
  uint64_t logical_messages() const { return logical_messages_; }

 private:
  struct Tuple {
    std::vector<model::Value> values;
    std::vector<bool> unchanged;  // 'u'
  };
  base::Status DecodeRelation(MessageReader& r);
  base::Status DecodeTuple(MessageReader& r, const PgRelation& rel, Tuple* out);
  base::Status DecodeChange(char type, MessageReader& r, std::vector<model::ChangeEvent>* out);
  base::Status DecodeTruncate(MessageReader& r, std::vector<model::ChangeEvent>* out);
  // Streamed transactions (proto_version 2): STREAM START/STOP/COMMIT/ABORT.
  base::Status DecodeStream(char type, MessageReader& r, std::vector<model::ChangeEvent>* out);
  model::TxnInfo MakeTxnInfo(uint64_t commit_lsn, int64_t pg_commit_ts);
  void Emit(model::ChangeEvent ev, std::vector<model::ChangeEvent>* out);
  void EmitCommit(uint64_t end_lsn, std::vector<model::ChangeEvent>* out);

  KeyLookup key_lookup_;
  std::map<uint32_t, PgRelation> relations_;
  std::map<uint32_t, std::string> types_;
  std::map<std::string, uint64_t> versions_;  // "ns.rel" -> last schema version
  model::Lsn committed_;
  uint64_t last_commit_ts_ = 0;

  // Plain (non-streamed) transaction state.
  bool in_txn_ = false;
  model::TxnInfo txn_;

  // Streamed transactions (proto >= 2): events buffered per top-level xid, each tagged with the
  // (sub)transaction xid that made it, until Stream Commit.
  bool in_stream_ = false;
  uint32_t stream_xid_ = 0;
  struct Buffered {
    uint32_t xid;
    model::ChangeEvent event;
  };
  std::map<uint32_t, std::vector<Buffered>> streams_;
  uint32_t change_xid_ = 0;  // xid of the change being decoded inside a stream block

  uint64_t origin_messages_ = 0;
  uint64_t logical_messages_ = 0;
};

}  // namespace sluice::source::postgres
