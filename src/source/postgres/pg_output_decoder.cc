#include "source/postgres/pg_output_decoder.h"

#include <utility>

#include <fmt/format.h>

#include "base/byte_reader.h"
#include "source/postgres/pg_types.h"

namespace sluice::source::postgres {

// Big-endian reader with pgoutput's NUL-terminated strings.
class MessageReader {
 public:
  explicit MessageReader(std::span<const uint8_t> data) : r_(data) {}
  bool ok() const { return r_.ok(); }
  bool empty() const { return r_.empty(); }
  uint8_t U8() { return static_cast<uint8_t>(r_.ReadBE(1)); }
  uint16_t U16() { return static_cast<uint16_t>(r_.ReadBE(2)); }
  uint32_t U32() { return static_cast<uint32_t>(r_.ReadBE(4)); }
  uint64_t U64() { return r_.ReadBE(8); }
  std::span<const uint8_t> Bytes(size_t n) { return r_.Bytes(n); }
  std::string CString() {
    const uint8_t* p = r_.current();
    size_t n = 0;
    while (n < r_.remaining() && p[n] != 0) ++n;
    if (n == r_.remaining()) {
      r_.Skip(n + 1);  // marks the reader failed
      return {};
    }
    std::string s(reinterpret_cast<const char*>(p), n);
    r_.Skip(n + 1);
    return s;
  }

 private:
  base::ByteReader r_;
};

namespace {

// Microseconds since 2000-01-01 -> milliseconds since the Unix epoch.
uint64_t PgTimestampToUnixMs(int64_t pg_micros) {
  int64_t ms = pg_micros / 1000 + kPgEpochUnixSeconds * 1000;
  return ms > 0 ? static_cast<uint64_t>(ms) : 0;
}

std::string QuoteIdent(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

base::Status Truncated(char type) {
  return base::DataLoss("pgoutput message '{}' is truncated or malformed", type);
}

}  // namespace

PgOutputDecoder::PgOutputDecoder(KeyLookup key_lookup) : key_lookup_(std::move(key_lookup)) {}

void PgOutputDecoder::SetStartPosition(model::Lsn lsn) { committed_ = lsn; }

const PgRelation* PgOutputDecoder::relation(uint32_t oid) const {
  auto it = relations_.find(oid);
  return it == relations_.end() ? nullptr : &it->second;
}

const std::string* PgOutputDecoder::type_name(uint32_t oid) const {
  auto it = types_.find(oid);
  return it == types_.end() ? nullptr : &it->second;
}

model::TxnInfo PgOutputDecoder::MakeTxnInfo(uint64_t commit_lsn, int64_t pg_commit_ts) {
  model::TxnInfo t;
  t.commit_time_ms = PgTimestampToUnixMs(pg_commit_ts);
  // The low 18 bits of the commit LSN: stable when the transaction is replayed after a restart
  // and ordered like commits within one millisecond (except across a 256 KiB LSN boundary,
  // where the bump below keeps commitTs strictly increasing).
  uint64_t ts = (t.commit_time_ms << 18) | (commit_lsn & 0x3FFFF);
  if (ts <= last_commit_ts_) ts = last_commit_ts_ + 1;
  last_commit_ts_ = ts;
  t.commit_ts = ts;
  return t;
}

void PgOutputDecoder::Emit(model::ChangeEvent ev, std::vector<model::ChangeEvent>* out) {
  if (in_stream_) {
    streams_[stream_xid_].push_back({change_xid_, std::move(ev)});
  } else {
    ev.txn = txn_;
    out->push_back(std::move(ev));
  }
}

void PgOutputDecoder::EmitCommit(uint64_t end_lsn, std::vector<model::ChangeEvent>* out) {
  model::ChangeEvent ev;
  ev.kind = model::ChangeEvent::Kind::kCommit;
  ev.txn = txn_;
  if (end_lsn > committed_.value) committed_ = model::Lsn{end_lsn};
  ev.position.lsn = committed_;
  out->push_back(std::move(ev));
}

void PgOutputDecoder::Keepalive(uint64_t wal_end, std::vector<model::ChangeEvent>* out) {
  if (in_transaction() || !streams_.empty() || wal_end <= committed_.value) return;
  committed_ = model::Lsn{wal_end};
  model::ChangeEvent ev;
  ev.kind = model::ChangeEvent::Kind::kHeartbeat;
  ev.position.lsn = committed_;
  out->push_back(std::move(ev));
}

base::Status PgOutputDecoder::DecodeRelation(MessageReader& r) {
  PgRelation rel;
  rel.oid = r.U32();
  rel.nspname = r.CString();
  rel.relname = r.CString();
  rel.replica_identity = static_cast<char>(r.U8());
  uint16_t ncols = r.U16();
  for (uint16_t i = 0; i < ncols && r.ok(); ++i) {
    PgColumn c;
    c.key = (r.U8() & 1) != 0;
    c.name = r.CString();
    c.type_oid = r.U32();
    c.typmod = static_cast<int32_t>(r.U32());
    rel.columns.push_back(std::move(c));
  }
  if (!r.ok() || !r.empty()) return Truncated('R');
  if (rel.nspname.empty()) rel.nspname = "pg_catalog";

  auto old = relations_.find(rel.oid);
  if (old != relations_.end() && old->second.nspname == rel.nspname &&
      old->second.relname == rel.relname && old->second.replica_identity == rel.replica_identity &&
      old->second.columns == rel.columns) {
    return base::Status::Ok();  // re-sent after a cache invalidation, same definition
  }

  auto schema = std::make_shared<model::TableSchema>();
  schema->schema = rel.nspname;
  schema->table = rel.relname;
  for (const auto& pc : rel.columns) {
    model::Column c;
    c.name = pc.name;
    MapPgColumnType(pc.type_oid, pc.typmod, &c);
    schema->columns.push_back(std::move(c));
  }
  const bool flags_are_key = rel.replica_identity == 'd' || rel.replica_identity == 'i';
  if (flags_are_key || !key_lookup_) {
    if (flags_are_key) {
      for (size_t i = 0; i < rel.columns.size(); ++i) {
        if (rel.columns[i].key) schema->primary_key.push_back(i);
      }
    }
  } else {
    auto names = key_lookup_(rel.oid, rel.nspname, rel.relname);
    if (!names.ok()) {
      return names.status().WithContext(
          fmt::format("looking up the primary key of {}.{}", rel.nspname, rel.relname));
    }
    for (const auto& n : *names) {
      for (size_t i = 0; i < rel.columns.size(); ++i) {
        if (rel.columns[i].name == n) schema->primary_key.push_back(i);
      }
    }
  }
  for (size_t k : schema->primary_key) {
    schema->columns[k].is_primary_key = true;
    schema->columns[k].nullable = false;
  }
  schema->version = ++versions_[rel.nspname + "." + rel.relname];
  rel.schema = std::move(schema);
  relations_[rel.oid] = std::move(rel);
  return base::Status::Ok();
}

base::Status PgOutputDecoder::DecodeTuple(MessageReader& r, const PgRelation& rel, Tuple* out) {
  uint16_t ncols = r.U16();
  if (!r.ok()) return base::DataLoss("pgoutput TupleData is truncated");
  if (ncols != rel.columns.size()) {
    return base::DataLoss(
        "pgoutput TupleData for {}.{} has {} columns but its RELATION message has {}", rel.nspname,
        rel.relname, ncols, rel.columns.size());
  }
  out->values.assign(ncols, model::Value::Absent());
  out->unchanged.assign(ncols, false);
  for (uint16_t i = 0; i < ncols; ++i) {
    char kind = static_cast<char>(r.U8());
    if (!r.ok()) return base::DataLoss("pgoutput TupleData is truncated");
    switch (kind) {
      case 'n':
        out->values[i] = model::Value::Null();
        break;
      case 'u':
        out->unchanged[i] = true;
        break;
      case 't':
      case 'b': {
        uint32_t len = r.U32();
        auto bytes = r.Bytes(len);
        if (!r.ok()) return base::DataLoss("pgoutput TupleData value is truncated");
        if (kind == 't') {
          out->values[i] = PgTextValue(
              rel.columns[i].type_oid,
              std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        } else {
          auto v = PgBinaryValue(rel.columns[i].type_oid, bytes);
          if (!v.ok()) {
            return v.status().WithContext(
                fmt::format("column {}.{}.{}", rel.nspname, rel.relname, rel.columns[i].name));
          }
          out->values[i] = std::move(v).value();
        }
        break;
      }
      default:
        return base::DataLoss("pgoutput TupleData column {} of {}.{} has unknown kind 0x{:02x}",
                              rel.columns[i].name, rel.nspname, rel.relname,
                              static_cast<uint8_t>(kind));
    }
  }
  return base::Status::Ok();
}

base::Status PgOutputDecoder::DecodeChange(char type, MessageReader& r,
                                           std::vector<model::ChangeEvent>* out) {
  uint32_t oid = r.U32();
  if (!r.ok()) return Truncated(type);
  auto it = relations_.find(oid);
  if (it == relations_.end()) {
    return base::DataLoss("pgoutput change '{}' for relation oid {} without a RELATION message",
                          type, oid);
  }
  const PgRelation& rel = it->second;
  const size_t n = rel.columns.size();
  model::ChangeEvent ev;
  ev.kind = model::ChangeEvent::Kind::kRow;
  ev.row.table = rel.schema;
  // Keeps only the key columns of a 'K' tuple: the others are sent as 'n' but are unknown.
  auto key_only = [&](Tuple* t) {
    for (size_t i = 0; i < n; ++i) {
      if (!rel.columns[i].key) t->values[i] = model::Value::Absent();
    }
  };
  Tuple old_tuple, new_tuple;
  bool has_old = false;
  char tag = static_cast<char>(r.U8());
  if (type == 'I') {
    if (tag != 'N') return Truncated(type);
    ev.row.op = model::RowOp::kInsert;
    SLUICE_RETURN_IF_ERROR(DecodeTuple(r, rel, &new_tuple));
  } else if (type == 'U') {
    ev.row.op = model::RowOp::kUpdate;
    if (tag == 'K' || tag == 'O') {
      SLUICE_RETURN_IF_ERROR(DecodeTuple(r, rel, &old_tuple));
      if (tag == 'K') key_only(&old_tuple);
      has_old = true;
      tag = static_cast<char>(r.U8());
    }
    if (tag != 'N') return Truncated(type);
    SLUICE_RETURN_IF_ERROR(DecodeTuple(r, rel, &new_tuple));
  } else {
    ev.row.op = model::RowOp::kDelete;
    if (tag != 'K' && tag != 'O') return Truncated(type);
    SLUICE_RETURN_IF_ERROR(DecodeTuple(r, rel, &old_tuple));
    if (tag == 'K') key_only(&old_tuple);
    has_old = true;
  }
  if (!r.ok() || !r.empty()) return Truncated(type);

  if (type != 'D') {
    // Unchanged TOASTed values: take the old tuple's value when it has one.
    for (size_t i = 0; i < n; ++i) {
      if (new_tuple.unchanged[i] && has_old && !old_tuple.unchanged[i]) {
        new_tuple.values[i] = old_tuple.values[i];
      }
    }
    ev.row.after = std::move(new_tuple.values);
  }
  if (type == 'U' && !has_old) {
    // DEFAULT identity and an unchanged key: the old key equals the new one.
    old_tuple.values.assign(n, model::Value::Absent());
    for (size_t i = 0; i < n; ++i) {
      if (rel.columns[i].key) old_tuple.values[i] = ev.row.after[i];
    }
  }
  if (type != 'I') ev.row.before = std::move(old_tuple.values);
  Emit(std::move(ev), out);
  return base::Status::Ok();
}

base::Status PgOutputDecoder::DecodeTruncate(MessageReader& r,
                                             std::vector<model::ChangeEvent>* out) {
  uint32_t nrels = r.U32();
  uint8_t options = r.U8();
  std::vector<uint32_t> oids;
  for (uint32_t i = 0; i < nrels && r.ok(); ++i) oids.push_back(r.U32());
  if (!r.ok() || !r.empty()) return Truncated('T');
  for (uint32_t oid : oids) {
    auto it = relations_.find(oid);
    if (it == relations_.end()) {
      return base::DataLoss("pgoutput TRUNCATE of relation oid {} without a RELATION message", oid);
    }
    model::ChangeEvent ev;
    ev.kind = model::ChangeEvent::Kind::kDdl;
    ev.ddl.schema = it->second.nspname;
    ev.ddl.table = it->second.relname;
    ev.ddl.sql =
        "TRUNCATE TABLE " + QuoteIdent(it->second.nspname) + "." + QuoteIdent(it->second.relname);
    if (options & 2) ev.ddl.sql += " RESTART IDENTITY";
    if (options & 1) ev.ddl.sql += " CASCADE";
    ev.position.lsn = committed_;  // not a commit point: resuming here replays the transaction
    Emit(std::move(ev), out);
  }
  return base::Status::Ok();
}

base::Status PgOutputDecoder::DecodeStream(char type, MessageReader& r,
                                           std::vector<model::ChangeEvent>* out) {
  switch (type) {
    case 'S': {
      uint32_t xid = r.U32();
      r.U8();  // first segment
      if (!r.ok() || !r.empty()) return Truncated(type);
      if (in_stream_) return base::DataLoss("pgoutput STREAM START inside a stream block");
      in_stream_ = true;
      stream_xid_ = xid;
      streams_[xid];
      return base::Status::Ok();
    }
    case 'E':
      if (!r.empty()) return Truncated(type);
      if (!in_stream_) return base::DataLoss("pgoutput STREAM STOP without STREAM START");
      in_stream_ = false;
      return base::Status::Ok();
    case 'c': {
      uint32_t xid = r.U32();
      r.U8();  // flags
      uint64_t commit_lsn = r.U64();
      uint64_t end_lsn = r.U64();
      int64_t ts = static_cast<int64_t>(r.U64());
      if (!r.ok() || !r.empty()) return Truncated(type);
      if (in_stream_ || in_txn_) {
        return base::DataLoss("pgoutput STREAM COMMIT inside a stream block or transaction");
      }
      auto it = streams_.find(xid);
      txn_ = MakeTxnInfo(commit_lsn, ts);
      if (it != streams_.end()) {
        for (auto& b : it->second) {
          b.event.txn = txn_;
          out->push_back(std::move(b.event));
        }
        streams_.erase(it);
      }
      EmitCommit(end_lsn, out);
      return base::Status::Ok();
    }
    case 'A': {
      uint32_t xid = r.U32();
      uint32_t subxid = r.U32();
      if (!r.ok() || !r.empty()) return Truncated(type);
      auto it = streams_.find(xid);
      if (it == streams_.end()) return base::Status::Ok();
      if (xid == subxid) {
        streams_.erase(it);
      } else {
        std::erase_if(it->second, [&](const Buffered& b) { return b.xid == subxid; });
      }
      return base::Status::Ok();
    }
    default:
      return base::Internal("pgoutput message type '{}' is not a stream message", type);
  }
}

base::Status PgOutputDecoder::Consume(std::span<const uint8_t> message,
                                      std::vector<model::ChangeEvent>* out) {
  MessageReader r(message);
  char type = static_cast<char>(r.U8());
  if (!r.ok()) return base::DataLoss("empty pgoutput message");
  // Inside a stream block, these messages carry the (sub)transaction xid first.
  if (in_stream_ && (type == 'R' || type == 'Y' || type == 'I' || type == 'U' || type == 'D' ||
                     type == 'T' || type == 'M')) {
    change_xid_ = r.U32();
  }
  switch (type) {
    case 'B': {
      uint64_t final_lsn = r.U64();
      int64_t ts = static_cast<int64_t>(r.U64());
      r.U32();  // xid
      if (!r.ok() || !r.empty()) return Truncated(type);
      if (in_txn_) return base::DataLoss("pgoutput BEGIN inside an open transaction");
      in_txn_ = true;
      txn_ = MakeTxnInfo(final_lsn, ts);
      return base::Status::Ok();
    }
    case 'C': {
      r.U8();   // flags
      r.U64();  // commit_lsn
      uint64_t end_lsn = r.U64();
      r.U64();  // commit_ts
      if (!r.ok() || !r.empty()) return Truncated(type);
      if (!in_txn_) return base::DataLoss("pgoutput COMMIT without BEGIN");
      in_txn_ = false;
      EmitCommit(end_lsn, out);
      return base::Status::Ok();
    }
    case 'O':
      r.U64();
      r.CString();
      if (!r.ok()) return Truncated(type);
      ++origin_messages_;
      return base::Status::Ok();
    case 'R':
      return DecodeRelation(r);
    case 'Y': {
      uint32_t oid = r.U32();
      std::string ns = r.CString();
      std::string name = r.CString();
      if (!r.ok() || !r.empty()) return Truncated(type);
      types_[oid] = (ns.empty() ? "pg_catalog" : ns) + "." + name;
      return base::Status::Ok();
    }
    case 'I':
    case 'U':
    case 'D':
      if (!in_txn_ && !in_stream_) {
        return base::DataLoss("pgoutput change '{}' outside a transaction", type);
      }
      return DecodeChange(type, r, out);
    case 'T':
      if (!in_txn_ && !in_stream_) return base::DataLoss("pgoutput TRUNCATE outside a transaction");
      return DecodeTruncate(r, out);
    case 'M': {
      r.U8();  // flags
      r.U64();
      r.CString();
      uint32_t len = r.U32();
      r.Bytes(len);
      if (!r.ok() || !r.empty()) return Truncated(type);
      ++logical_messages_;  // pg_logical_emit_message payloads are not row changes
      return base::Status::Ok();
    }
    case 'S':
    case 'E':
    case 'c':
    case 'A':
      return DecodeStream(type, r, out);
    default:
      return base::Unimplemented(
          "pgoutput message type '{}' (0x{:02x}) is not supported; sluice uses proto_version 1 "
          "or 2 without two_phase",
          type, static_cast<uint8_t>(type));
  }
}

}  // namespace sluice::source::postgres
