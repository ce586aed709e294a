#include "source/mysql/binlog_parser.h"

#include <algorithm>
#include <cstdio>

#include <zlib.h>

#include "base/byte_reader.h"
#include "base/crc32.h"
#include "base/sql_lexer.h"
#include "source/mysql/row_decoder.h"

namespace sluice::source::mysql {
namespace {

using model::ChangeEvent;

// Best-effort: the table a DDL statement targets (CREATE/ALTER/DROP/TRUNCATE/RENAME TABLE; for
// RENAME the old name). `c` is past nothing yet.
void ExtractDdlTarget(base::SqlCursor& c, model::DdlEvent* ddl) {
  if (c.Accept("CREATE")) {
    if (c.Accept("OR")) c.Accept("REPLACE");
    c.Accept("TEMPORARY");
    if (!c.Accept("TABLE")) return;
    c.SkipIfExists();
  } else if (c.Accept("ALTER")) {
    c.Accept("ONLINE");
    c.Accept("IGNORE");
    if (!c.Accept("TABLE")) return;
    c.SkipIfExists();
  } else if (c.Accept("DROP")) {
    c.Accept("TEMPORARY");
    if (!c.Accept("TABLE")) return;
    c.SkipIfExists();
  } else if (c.Accept("TRUNCATE")) {
    c.Accept("TABLE");
  } else if (c.Accept("RENAME")) {
    if (!c.Accept("TABLE")) return;
  } else {
    return;
  }
  std::string schema, table;
  if (!c.Name(&schema, &table)) return;
  if (!schema.empty()) ddl->schema = std::move(schema);
  ddl->table = std::move(table);
}

// Numeric prefix of a server version ("10.11.19-MariaDB" → {10, 11, 19}).
bool VersionAtLeast(const std::string& version, int major, int minor, int patch) {
  int a = 0, b = 0, c = 0;
  if (std::sscanf(version.c_str(), "%d.%d.%d", &a, &b, &c) < 2) return false;
  if (a != major) return a > major;
  if (b != minor) return b > minor;
  return c >= patch;
}

std::string FormatUuid(std::span<const uint8_t> sid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < sid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[sid[i] >> 4]);
    out.push_back(kHex[sid[i] & 15]);
  }
  return out;
}

bool IsCompressed(uint8_t type) {
  return type >= kMariaQueryCompressedEvent && type <= kMariaDeleteRowsCompressedEventV1;
}

// MariaDB log_bin_compress payload: u8 (0x80 | n), n-byte BE uncompressed length, zlib stream.
base::Status Decompress(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  if (in.empty() || (in[0] & 0xe0) != 0x80 || (in[0] & 0x07) == 0 || (in[0] & 0x07) > 4 ||
      in.size() < 1u + (in[0] & 0x07)) {
    return base::DataLoss("compressed payload has a bad header");
  }
  const size_t lenlen = in[0] & 0x07;
  base::ByteReader r(in.subspan(1));
  const uint64_t expected = r.ReadBE(lenlen);
  if (expected > (1u << 30)) return base::DataLoss("compressed payload too large");
  out->resize(expected);
  uLongf dest_len = static_cast<uLongf>(expected);
  int rc = uncompress(out->data(), &dest_len, in.data() + 1 + lenlen,
                      static_cast<uLong>(in.size() - 1 - lenlen));
  if (rc != Z_OK || dest_len != expected) {
    return base::DataLoss("zlib failed to decompress the payload (rc {})", rc);
  }
  return base::Status::Ok();
}

}  // namespace

std::string_view EventTypeName(uint8_t type) {
  switch (type) {
    case kStartEventV3:
      return "START_V3";
    case kQueryEvent:
      return "QUERY";
    case kStopEvent:
      return "STOP";
    case kRotateEvent:
      return "ROTATE";
    case kIntvarEvent:
      return "INTVAR";
    case kRandEvent:
      return "RAND";
    case kUserVarEvent:
      return "USER_VAR";
    case kFormatDescriptionEvent:
      return "FORMAT_DESCRIPTION";
    case kXidEvent:
      return "XID";
    case kBeginLoadQueryEvent:
      return "BEGIN_LOAD_QUERY";
    case kExecuteLoadQueryEvent:
      return "EXECUTE_LOAD_QUERY";
    case kTableMapEvent:
      return "TABLE_MAP";
    case kWriteRowsEventV1:
      return "WRITE_ROWS_V1";
    case kUpdateRowsEventV1:
      return "UPDATE_ROWS_V1";
    case kDeleteRowsEventV1:
      return "DELETE_ROWS_V1";
    case kIncidentEvent:
      return "INCIDENT";
    case kHeartbeatEvent:
      return "HEARTBEAT";
    case kIgnorableEvent:
      return "IGNORABLE";
    case kRowsQueryEvent:
      return "ROWS_QUERY";
    case kWriteRowsEventV2:
      return "WRITE_ROWS";
    case kUpdateRowsEventV2:
      return "UPDATE_ROWS";
    case kDeleteRowsEventV2:
      return "DELETE_ROWS";
    case kGtidEvent:
      return "GTID";
    case kAnonymousGtidEvent:
      return "ANONYMOUS_GTID";
    case kPreviousGtidsEvent:
      return "PREVIOUS_GTIDS";
    case kTransactionContextEvent:
      return "TRANSACTION_CONTEXT";
    case kViewChangeEvent:
      return "VIEW_CHANGE";
    case kXaPrepareEvent:
      return "XA_PREPARE";
    case kPartialUpdateRowsEvent:
      return "PARTIAL_UPDATE_ROWS";
    case kTransactionPayloadEvent:
      return "TRANSACTION_PAYLOAD";
    case kHeartbeatEventV2:
      return "HEARTBEAT_V2";
    case kMariaAnnotateRowsEvent:
      return "ANNOTATE_ROWS";
    case kMariaBinlogCheckpointEvent:
      return "BINLOG_CHECKPOINT";
    case kMariaGtidEvent:
      return "MARIADB_GTID";
    case kMariaGtidListEvent:
      return "GTID_LIST";
    case kMariaStartEncryptionEvent:
      return "START_ENCRYPTION";
    case kMariaQueryCompressedEvent:
      return "QUERY_COMPRESSED";
    case kMariaWriteRowsCompressedEventV1:
      return "WRITE_ROWS_COMPRESSED_V1";
    case kMariaUpdateRowsCompressedEventV1:
      return "UPDATE_ROWS_COMPRESSED_V1";
    case kMariaDeleteRowsCompressedEventV1:
      return "DELETE_ROWS_COMPRESSED_V1";
    default:
      return "UNKNOWN";
  }
}

bool ParseEventHeader(std::span<const uint8_t> event, EventHeader* h) {
  if (event.size() < kEventHeaderSize) return false;
  base::ByteReader r(event);
  h->timestamp = r.U32();
  h->type = r.U8();
  h->server_id = r.U32();
  h->event_length = r.U32();
  h->next_position = r.U32();
  h->flags = r.U16();
  return true;
}

BinlogParser::BinlogParser(BinlogParserOptions options) : options_(options) {}

void BinlogParser::SetStartPosition(const model::SourcePosition& start) {
  committed_ = start;
  if (current_file_.empty()) current_file_ = start.binlog.file;
}

model::TableSchemaPtr BinlogParser::FindTable(const std::string& schema,
                                              const std::string& table) const {
  std::string key = schema;
  key.push_back('\0');
  key += table;
  auto it = tables_by_name_.find(key);
  return it == tables_by_name_.end() ? nullptr : it->second->schema;
}

base::Status BinlogParser::Error(const EventHeader& h, base::Status st) const {
  return base::Status(st.code(), fmt::format("{} event at {}:{}: {}", EventTypeName(h.type),
                                             current_file_.empty() ? "?" : current_file_,
                                             h.offset(), st.message()));
}

base::Status BinlogParser::Consume(std::span<const uint8_t> event,
                                   std::vector<model::ChangeEvent>* out) {
  EventHeader h;
  if (!ParseEventHeader(event, &h)) {
    return base::DataLoss("binlog event of {} bytes is shorter than the 19-byte header in {}",
                          event.size(), current_file_.empty() ? "?" : current_file_);
  }
  if (h.event_length != event.size()) {
    return Error(h, base::DataLoss("event_length {} but {} bytes were received (truncated event)",
                                   h.event_length, event.size()));
  }
  if (h.type == kFormatDescriptionEvent) return HandleFormatDescription(h, event);

  SLUICE_RETURN_IF_ERROR(StripChecksum(h, &event));
  auto body = event.subspan(kEventHeaderSize);

  const size_t out_size = out->size();
  base::Status st;
  switch (h.type) {
    case kRotateEvent:
      st = HandleRotate(h, body, out);
      break;
    case kQueryEvent:
    case kMariaQueryCompressedEvent:
      st = HandleQuery(h, body, out);
      break;
    case kTableMapEvent:
      st = HandleTableMap(h, body);
      break;
    case kWriteRowsEventV1:
    case kUpdateRowsEventV1:
    case kDeleteRowsEventV1:
    case kWriteRowsEventV2:
    case kUpdateRowsEventV2:
    case kDeleteRowsEventV2:
    case kMariaWriteRowsCompressedEventV1:
    case kMariaUpdateRowsCompressedEventV1:
    case kMariaDeleteRowsCompressedEventV1:
      st = HandleRows(h, body, out);
      break;
    case kXidEvent:
    case kXaPrepareEvent:
      EmitCommit(h, out);
      break;
    case kMariaGtidEvent:
      st = HandleMariaGtid(h, body);
      break;
    case kGtidEvent:
      st = HandleMysqlGtid(h, body);
      break;
    case kAnonymousGtidEvent:
      BeginTxn(h, "", std::nullopt);
      break;
    case kHeartbeatEvent:
    case kHeartbeatEventV2:
      HandleHeartbeat(h, body, out);
      break;
    case kMariaGtidListEvent:
      st = HandleMariaGtidList(h, body);
      break;
    case kStopEvent:
    case kIntvarEvent:
    case kRandEvent:
    case kUserVarEvent:
    case kIgnorableEvent:
    case kRowsQueryEvent:
    case kPreviousGtidsEvent:
    case kTransactionContextEvent:
    case kViewChangeEvent:
    case kMariaAnnotateRowsEvent:
    case kMariaBinlogCheckpointEvent:
    case kMariaStartEncryptionEvent:
      break;
    case kIncidentEvent:
      st = base::DataLoss("the source logged an INCIDENT (lost events); resynchronize");
      break;
    case kPartialUpdateRowsEvent:
      st = base::Unimplemented(
          "partial JSON row updates are not supported: SET GLOBAL binlog_row_value_options=''");
      break;
    case kTransactionPayloadEvent:
      st = base::Unimplemented(
          "compressed transaction payloads are not supported: SET GLOBAL "
          "binlog_transaction_compression=OFF");
      break;
    default:
      if (h.flags & kFlagIgnorable) break;
      st = base::Unimplemented(
          "unknown binlog event type {} without the IGNORABLE flag; sluice cannot safely skip "
          "it (is the source server newer than sluice supports?)",
          h.type);
      break;
  }
  if (!st.ok()) {
    out->resize(out_size);
    return Error(h, st);
  }
  return base::Status::Ok();
}

base::Status BinlogParser::StripChecksum(const EventHeader& h,
                                         std::span<const uint8_t>* event) const {
  bool has_crc = checksum_ == Checksum::kCrc32;
  if (checksum_ == Checksum::kUnknown && event->size() >= kEventHeaderSize + kChecksumSize) {
    // Before the first FDE (the fake ROTATE) the checksum setting is unknown: the event
    // carries a CRC iff its last 4 bytes are the CRC of the rest.
    size_t n = event->size() - kChecksumSize;
    base::ByteReader tail(event->subspan(n));
    has_crc = base::Crc32(event->data(), n) == tail.U32();
  }
  if (!has_crc) return base::Status::Ok();
  if (event->size() < kEventHeaderSize + kChecksumSize) {
    return Error(h, base::DataLoss("event too short to carry its CRC32"));
  }
  size_t n = event->size() - kChecksumSize;
  if (options_.verify_checksum) {
    base::ByteReader tail(event->subspan(n));
    uint32_t expected = tail.U32();
    uint32_t actual = base::Crc32(event->data(), n);
    if (expected != actual) {
      return Error(h, base::DataLoss("CRC32 mismatch (event says {:08x}, computed {:08x}): the "
                                     "binlog or the network stream is corrupt",
                                     expected, actual));
    }
  }
  *event = event->first(n);
  return base::Status::Ok();
}

base::Status BinlogParser::HandleMariaGtidList(const EventHeader& h,
                                               std::span<const uint8_t> body) {
  // A real GTID_LIST at file start states the GTID position before this file; use it only to
  // seed an empty position (artificial ones, sent on GTID connect, are skipped).
  if ((h.flags & kFlagArtificial) || h.next_position == 0 || !committed_.gtids.empty()) {
    return base::Status::Ok();
  }
  base::ByteReader r(body);
  uint32_t count = r.U32() & 0x0FFFFFFF;
  model::MariaGtidSet set;
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    model::MariaGtid g;
    g.domain_id = r.U32();
    g.server_id = r.U32();
    g.seq_no = r.U64();
    set.Update(g);
  }
  if (!r.ok()) return base::DataLoss("GTID_LIST body truncated");
  committed_.gtids = std::move(set);
  return base::Status::Ok();
}

base::Status BinlogParser::HandleFormatDescription(const EventHeader& h,
                                                   std::span<const uint8_t> event) {
  base::ByteReader r(event.subspan(kEventHeaderSize));
  r.U16();  // binlog version
  std::string_view version = r.String(50);
  r.U32();  // create timestamp
  uint8_t header_len = r.U8();
  if (!r.ok()) return Error(h, base::DataLoss("FORMAT_DESCRIPTION body truncated"));
  if (header_len != kEventHeaderSize) {
    return Error(h, base::DataLoss("unsupported event header length {} (expected 19)", header_len));
  }
  server_version_.assign(version.substr(0, version.find('\0')));
  const bool has_alg = server_version_.find("MariaDB") != std::string::npos ||
                       VersionAtLeast(server_version_, 5, 6, 1);
  size_t table_end = event.size();
  Checksum alg = Checksum::kOff;
  if (has_alg) {
    if (event.size() < r.position() + kEventHeaderSize + 5) {
      return Error(h, base::DataLoss("FORMAT_DESCRIPTION too short for its checksum fields"));
    }
    table_end = event.size() - 5;
    alg = event[table_end] == 1 ? Checksum::kCrc32 : Checksum::kOff;
    if (alg == Checksum::kCrc32 && options_.verify_checksum) {
      size_t n = event.size() - kChecksumSize;
      base::ByteReader tail(event.subspan(n));
      uint32_t expected = tail.U32();
      if (base::Crc32(event.data(), n) != expected) {
        return Error(h, base::DataLoss("CRC32 mismatch: the binlog or the network stream is "
                                       "corrupt"));
      }
    }
  }
  size_t table_start = kEventHeaderSize + r.position();
  post_header_len_.assign(event.begin() + table_start, event.begin() + table_end);
  table_id_size_ =
      post_header_len_.size() >= kTableMapEvent && post_header_len_[kTableMapEvent - 1] == 6 ? 4
                                                                                             : 6;
  checksum_ = alg;
  return base::Status::Ok();
}

base::Status BinlogParser::HandleRotate(const EventHeader& h, std::span<const uint8_t> body,
                                        std::vector<model::ChangeEvent>* out) {
  base::ByteReader r(body);
  uint64_t position = r.U64();
  if (!r.ok()) return base::DataLoss("ROTATE body truncated");
  std::string_view name = r.String(r.remaining());
  current_file_.assign(name);
  const bool fake = h.next_position == 0 || (h.flags & kFlagArtificial);
  if (!fake && !in_txn_) {
    committed_.binlog = model::BinlogPosition{current_file_, position};
    // The stream is in a new file: say so, so a consumer comparing transaction starts with
    // binlog positions (source/snapshot) knows which file the next transaction is in.
    ChangeEvent& ev = out->emplace_back();
    ev.kind = ChangeEvent::Kind::kHeartbeat;
    ev.position = committed_;
  }
  return base::Status::Ok();
}

void BinlogParser::BeginTxn(const EventHeader& h, std::string gtid,
                            std::optional<uint64_t> gtid_seq) {
  in_txn_ = true;
  standalone_ = false;
  saw_begin_ = false;
  pending_gtid_.reset();
  txn_.start_offset = h.offset();
  txn_.commit_time_ms = static_cast<uint64_t>(h.timestamp) * 1000;
  // TSO-like commit ts: (ms << 18) | logical. The logical part is the low 18 bits of the GTID
  // sequence number, so a transaction replayed after a restart gets the same commitTs as on
  // its first delivery (consumers may deduplicate by it). Only if that is not greater than
  // the previous transaction's (server clock stepped back, or no GTID) do we fall back to
  // previous + 1 to keep commitTs strictly increasing.
  uint64_t ts = txn_.commit_time_ms << 18;
  if (gtid_seq) ts |= *gtid_seq & ((uint64_t{1} << 18) - 1);
  if (ts <= last_commit_ts_) ts = last_commit_ts_ + 1;
  last_commit_ts_ = ts;
  txn_.commit_ts = ts;
  txn_.gtid = std::move(gtid);
}

void BinlogParser::EndTxn(const EventHeader& h) {
  if (h.next_position != 0 && !(h.flags & kFlagArtificial)) {
    committed_.binlog.file = current_file_;
    committed_.binlog.offset = h.next_position;
  }
  if (pending_gtid_) committed_.gtids.Update(*pending_gtid_);
  pending_gtid_.reset();
  in_txn_ = false;
  standalone_ = false;
  saw_begin_ = false;
}

void BinlogParser::EmitCommit(const EventHeader& h, std::vector<model::ChangeEvent>* out) {
  if (!in_txn_)
    BeginTxn(h, "", std::nullopt);  // a commit seen without its start (stream began mid-group)
  EndTxn(h);
  ChangeEvent& ev = out->emplace_back();
  ev.kind = ChangeEvent::Kind::kCommit;
  ev.txn = txn_;
  ev.position = committed_;
}

base::Status BinlogParser::HandleQuery(const EventHeader& h, std::span<const uint8_t> body,
                                       std::vector<model::ChangeEvent>* out) {
  size_t post = post_header_len_.size() >= kQueryEvent ? post_header_len_[kQueryEvent - 1] : 13;
  base::ByteReader r(body);
  r.U32();  // thread id
  r.U32();  // exec time
  uint8_t db_len = r.U8();
  r.U16();  // error code
  uint16_t status_len = r.U16();
  if (!r.ok() || post < 13) return base::DataLoss("QUERY post-header truncated");
  r.Skip(post - 13);
  r.Skip(status_len);
  std::string_view db = r.String(db_len);
  r.Skip(1);  // NUL
  if (!r.ok()) return base::DataLoss("QUERY body truncated");
  std::string_view sql_full = r.String(r.remaining());
  if (h.type == kMariaQueryCompressedEvent) {
    SLUICE_RETURN_IF_ERROR(Decompress(
        {reinterpret_cast<const uint8_t*>(sql_full.data()), sql_full.size()}, &decompressed_));
    sql_full = {reinterpret_cast<const char*>(decompressed_.data()), decompressed_.size()};
  }
  base::SqlCursor sql(sql_full);

  if (sql.Accept("XA")) {
    if (sql.Accept("START") || sql.Accept("BEGIN")) {
      if (!in_txn_) BeginTxn(h, "", std::nullopt);
      saw_begin_ = true;
      return base::Status::Ok();
    }
    if (sql.Accept("END")) return base::Status::Ok();
    // XA PREPARE ends the group (its rows were streamed); XA COMMIT / XA ROLLBACK of a
    // prepared transaction are groups of their own that carry no rows.
    EmitCommit(h, out);
    return base::Status::Ok();
  }
  if (sql.Accept("BEGIN")) {
    if (!in_txn_) BeginTxn(h, "", std::nullopt);
    saw_begin_ = true;
    return base::Status::Ok();
  }
  if (sql.Accept("COMMIT")) {
    EmitCommit(h, out);
    return base::Status::Ok();
  }
  if (sql.Accept("ROLLBACK")) {
    if (sql.Accept("TO")) return base::Status::Ok();  // savepoint
    // Non-transactional changes already streamed stay applied; the group ends here.
    EmitCommit(h, out);
    return base::Status::Ok();
  }
  // Savepoints, and statements of nothing but comments (MariaDB's dummy events,
  // "# Dummy event replacing ...").
  if (sql.AtEnd() || sql.Accept("SAVEPOINT") || sql.Accept("RELEASE")) {
    return base::Status::Ok();
  }

  // DDL (or DCL): one kDdl that is also a commit point.
  ChangeEvent& ev = out->emplace_back();
  ev.kind = ChangeEvent::Kind::kDdl;
  ev.ddl.schema.assign(db);
  ev.ddl.sql.assign(sql_full);
  ExtractDdlTarget(sql, &ev.ddl);
  if (in_txn_ && saw_begin_ && !standalone_) {
    // A statement inside an open group (e.g. CREATE TABLE ... SELECT): the group continues;
    // do not advance the position to the middle of it.
    ev.txn = txn_;
    ev.position = committed_;
    return base::Status::Ok();
  }
  if (!in_txn_) BeginTxn(h, "", std::nullopt);
  EndTxn(h);
  ev.txn = txn_;
  ev.position = committed_;
  return base::Status::Ok();
}

base::Status BinlogParser::HandleTableMap(const EventHeader& h, std::span<const uint8_t> body) {
  size_t fixed = table_id_size_ + 2;
  if (body.size() < fixed + 1) return base::DataLoss("TABLE_MAP body truncated");
  uint64_t table_id = ReadTableId(body, table_id_size_);
  auto definition = body.subspan(fixed);

  auto by_id = tables_by_id_.find(table_id);
  if (by_id != tables_by_id_.end() &&
      std::equal(definition.begin(), definition.end(), by_id->second->raw.begin(),
                 by_id->second->raw.end())) {
    return base::Status::Ok();  // same map as before
  }

  // "schema\0table" key, read from the definition.
  base::ByteReader r(definition);
  uint8_t schema_len = r.U8();
  std::string_view schema = r.String(schema_len);
  r.Skip(1);
  uint8_t table_len = r.U8();
  std::string_view table = r.String(table_len);
  if (!r.ok()) return base::DataLoss("TABLE_MAP body truncated");
  name_key_.assign(schema);
  name_key_.push_back('\0');
  name_key_.append(table);

  auto by_name = tables_by_name_.find(name_key_);
  if (by_name != tables_by_name_.end() &&
      std::equal(definition.begin(), definition.end(), by_name->second->raw.begin(),
                 by_name->second->raw.end())) {
    ForgetOldTableId(table_id);
    tables_by_id_[table_id] = by_name->second;  // same definition under a new table id
    return base::Status::Ok();
  }
  uint64_t version = by_name == tables_by_name_.end() ? 1 : by_name->second->schema->version + 1;
  auto map = std::make_shared<TableMap>();
  const bool mariadb =
      server_version_.empty() || server_version_.find("MariaDB") != std::string::npos;
  SLUICE_RETURN_IF_ERROR(ParseTableMap(body, table_id_size_, version, map.get(), mariadb));
  ForgetOldTableId(table_id);
  tables_by_id_[table_id] = map;
  tables_by_name_[name_key_] = std::move(map);
  return base::Status::Ok();
}

void BinlogParser::ForgetOldTableId(uint64_t table_id) {
  // Table ids change on DDL/FLUSH; drop the table's previous id so the cache stays bounded by
  // the number of tables rather than growing with every reassignment.
  auto [it, inserted] = id_by_name_.try_emplace(name_key_, table_id);
  if (!inserted && it->second != table_id) {
    tables_by_id_.erase(it->second);
    it->second = table_id;
  }
}

base::Status BinlogParser::HandleRows(const EventHeader& h, std::span<const uint8_t> body,
                                      std::vector<model::ChangeEvent>* out) {
  const bool v2 = h.type >= kWriteRowsEventV2 && h.type <= kDeleteRowsEventV2;
  const uint8_t kind = v2                     ? h.type - kWriteRowsEventV2
                       : IsCompressed(h.type) ? h.type - kMariaWriteRowsCompressedEventV1
                                              : h.type - kWriteRowsEventV1;
  const model::RowOp op = kind == 0   ? model::RowOp::kInsert
                          : kind == 1 ? model::RowOp::kUpdate
                                      : model::RowOp::kDelete;
  base::ByteReader r(body);
  uint64_t table_id = r.ReadLE(table_id_size_);
  r.U16();  // flags
  if (v2) {
    uint16_t extra_len = r.U16();
    if (extra_len < 2) return base::DataLoss("rows event extra-data length {} < 2", extra_len);
    r.Skip(extra_len - 2);
  }
  uint64_t n = r.LenEnc();
  if (!r.ok()) return base::DataLoss("rows event header truncated");
  auto it = tables_by_id_.find(table_id);
  if (it == tables_by_id_.end()) {
    return base::DataLoss("rows event for table id {} without a preceding TABLE_MAP", table_id);
  }
  const TableMap& table = *it->second;
  if (n != table.codecs.size()) {
    return base::DataLoss("rows event for {}.{} has {} columns but its TABLE_MAP has {}",
                          table.schema->schema, table.schema->table, n, table.codecs.size());
  }
  auto present1 = r.Bytes((n + 7) / 8);
  auto present2 = op == model::RowOp::kUpdate ? r.Bytes((n + 7) / 8) : present1;
  if (!r.ok()) return base::DataLoss("rows event bitmaps truncated");
  if (!in_txn_) BeginTxn(h, "", std::nullopt);  // stream began mid-group
  if (IsCompressed(h.type)) {                   // only the row images are compressed
    SLUICE_RETURN_IF_ERROR(Decompress(r.Rest(), &decompressed_));
    r = base::ByteReader(decompressed_);
  }

  while (!r.empty()) {
    ChangeEvent& ev = out->emplace_back();
    ev.kind = ChangeEvent::Kind::kRow;
    ev.txn = txn_;
    ev.row.op = op;
    ev.row.table = table.schema;
    base::Status st;
    if (op == model::RowOp::kInsert) {
      st = DecodeRowImage(r, table, present1, conv_, scratch_, &ev.row.after);
    } else if (op == model::RowOp::kDelete) {
      st = DecodeRowImage(r, table, present1, conv_, scratch_, &ev.row.before);
    } else {
      st = DecodeRowImage(r, table, present1, conv_, scratch_, &ev.row.before);
      if (st.ok()) st = DecodeRowImage(r, table, present2, conv_, scratch_, &ev.row.after);
    }
    if (!st.ok()) {
      return st.WithContext(fmt::format("table {}.{}", table.schema->schema, table.schema->table));
    }
  }
  return base::Status::Ok();
}

base::Status BinlogParser::HandleMariaGtid(const EventHeader& h, std::span<const uint8_t> body) {
  base::ByteReader r(body);
  model::MariaGtid gtid;
  gtid.seq_no = r.U64();
  gtid.domain_id = r.U32();
  uint8_t flags2 = r.U8();
  if (!r.ok()) return base::DataLoss("MariaDB GTID body truncated");
  gtid.server_id = h.server_id;
  BeginTxn(h, gtid.ToString(), gtid.seq_no);
  pending_gtid_ = gtid;
  standalone_ = (flags2 & kGtidStandalone) != 0;
  saw_begin_ = !standalone_;  // a non-standalone GTID event stands for BEGIN
  return base::Status::Ok();
}

base::Status BinlogParser::HandleMysqlGtid(const EventHeader& h, std::span<const uint8_t> body) {
  base::ByteReader r(body);
  r.U8();  // flags (commit flag)
  auto sid = r.Bytes(16);
  uint64_t gno = r.U64();
  if (!r.ok()) return base::DataLoss("GTID body truncated");
  BeginTxn(h, FormatUuid(sid) + ":" + std::to_string(gno), gno);
  return base::Status::Ok();
}

void BinlogParser::HandleHeartbeat(const EventHeader& h, std::span<const uint8_t> body,
                                   std::vector<model::ChangeEvent>* out) {
  // MariaDB/MySQL v1 heartbeat: body = current file name, next_position = current offset.
  if (h.type == kHeartbeatEvent && !in_txn_ && h.next_position != 0) {
    std::string_view file(reinterpret_cast<const char*>(body.data()), body.size());
    if (file == current_file_ && committed_.binlog.file == current_file_ &&
        h.next_position > committed_.binlog.offset) {
      committed_.binlog.offset = h.next_position;
    }
  }
  ChangeEvent& ev = out->emplace_back();
  ev.kind = ChangeEvent::Kind::kHeartbeat;
  ev.position = committed_;
}

}  // namespace sluice::source::mysql
