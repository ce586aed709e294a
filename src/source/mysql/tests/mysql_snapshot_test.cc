// Snapshots against the real MariaDB of the `servers` fixture: snapshot rows equal binlog rows
// for every column type; chunks follow the server's key order (collations, composite keys,
// BIGINT UNSIGNED, negatives, empty and one-row tables); read points are exact; the snapshot
// source hands off to the binlog exactly with a random writer running through the snapshot
// (several seeds, random chunk sizes and parallelism), resumes from its checkpoint, and takes no
// lock a writer would wait for. Each test works in its own database.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "column_types.h"
#include "source/mysql/binlog_source.h"
#include "client/mysql/mysql_connection.h"
#include "source/mysql/mysql_snapshot.h"
#include "source/mysql/source_config.h"
#include "source/snapshot/snapshot_source.h"
#include "test_env.h"

namespace sluice::source::mysql {
namespace {

using client::mysql::QueryResult;
using model::ChangeEvent;
using model::RowOp;
using model::Value;
using snapshot::Key;
using sluice::testing::Env;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

uint32_t NextServerId() {
  static std::atomic<uint32_t> counter{0};
  return 3'500'000u + static_cast<uint32_t>(getpid() % 100'000) * 64u + counter++;
}

std::unique_ptr<MySqlConnection> Sql() {
  ConnectOptions o;
  o.host = Env("SLUICE_MARIADB_HOST");
  o.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_MARIADB_PORT")));
  o.user = Env("SLUICE_MARIADB_USER");
  o.password = Env("SLUICE_MARIADB_PASSWORD");
  auto c = MySqlConnection::Connect(o);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  auto conn = std::move(c).value();
  auto st = conn->Exec(
      "SET SESSION binlog_format='ROW', time_zone='+00:00', sql_mode='STRICT_ALL_TABLES'");
  if (!st.ok()) throw std::runtime_error(st.message());
  return conn;
}

void Must(MySqlConnection* c, const std::string& sql) {
  auto st = c->Exec(sql);
  ASSERT_TRUE(st.ok()) << sql.substr(0, 300) << ": " << st.message();
}

QueryResult MustQuery(MySqlConnection* c, const std::string& sql) {
  auto r = c->Query(sql);
  if (!r.ok()) throw std::runtime_error(sql + ": " + r.status().message());
  return std::move(r).value();
}

std::string FreshDb(MySqlConnection* c, const std::string& what) {
  std::string db = fmt::format("snap_{}_{}", what, getpid());
  Must(c, fmt::format("DROP DATABASE IF EXISTS `{}`", db));
  Must(c, fmt::format("CREATE DATABASE `{}`", db));
  return db;
}

MySqlSourceConfig Config() {
  auto c = ParseMySqlSourceUri(fmt::format("mariadb://{}:{}@{}:{}/?server-id={}&heartbeat=200ms",
                                           Env("SLUICE_MARIADB_USER"),
                                           Env("SLUICE_MARIADB_PASSWORD"),
                                           Env("SLUICE_MARIADB_HOST"), Env("SLUICE_MARIADB_PORT"),
                                           NextServerId()));
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}

model::SourcePosition MasterPosition(MySqlConnection* c) {
  auto r = MustQuery(c, "SHOW MASTER STATUS");
  model::SourcePosition p;
  p.binlog.file = *r.rows[0][0];
  p.binlog.offset = std::stoull(*r.rows[0][1]);
  return p;
}

// Reads a whole table through one snapshot reader, in one consistent read.
struct TableRead {
  snapshot::ReadPoint point;
  snapshot::TableInfo info;
  std::vector<std::vector<Value>> rows;
};
TableRead ReadWhole(MySqlSnapshotDatabase* db, const std::string& schema, const std::string& table) {
  TableRead out;
  auto reader = db->NewReader();
  if (!reader.ok()) throw std::runtime_error(reader.status().message());
  auto p = (*reader)->Begin();
  if (!p.ok()) throw std::runtime_error(p.status().message());
  out.point = *p;
  auto info = (*reader)->Describe({schema, table});
  if (!info.ok()) throw std::runtime_error(info.status().message());
  out.info = *info;
  auto st = (*reader)->ReadChunk(out.info, std::nullopt, std::nullopt,
                                 [&](std::vector<Value>&& row) {
                                   out.rows.push_back(std::move(row));
                                   return base::Status::Ok();
                                 });
  if (!st.ok()) throw std::runtime_error(st.message());
  EXPECT_TRUE((*reader)->End().ok());
  return out;
}

std::string Show(const Value& v) {
  snapshot::Key k{v};
  return snapshot::EncodeKey(k);
}

// ---------------------------------------------------------------------------------------------

TEST(MySqlSnapshot, RowsAndSchemaEqualTheBinlogsForEveryColumnType) {
  auto c = Sql();
  std::string db = FreshDb(c.get(), "types");
  auto cols = sluice::testing::TypeColumns();
  std::string ddl = fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY", db);
  for (const auto& col : cols) ddl += ", " + col.name + " " + col.sql_type;
  ddl += ")";
  auto start = MasterPosition(c.get());
  Must(c.get(), ddl);
  auto insert = [&](int id, auto lit) {
    std::string sql = fmt::format("INSERT INTO `{}`.t VALUES ({}", db, id);
    for (const auto& col : cols) sql += ", " + lit(col);
    Must(c.get(), sql + ")");
  };
  insert(1, [](const sluice::testing::ColSpec& s) { return s.lit_min; });
  insert(2, [](const sluice::testing::ColSpec& s) { return s.lit_max; });
  insert(3, [](const sluice::testing::ColSpec& s) { return s.lit_typ; });
  insert(4, [](const sluice::testing::ColSpec&) { return std::string("NULL"); });

  // The binlog's rows.
  BinlogSource src(Config());
  ASSERT_TRUE(src.Open(start).ok());
  std::map<int64_t, model::RowChange> binlog;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (binlog.size() < 4 && Clock::now() < deadline) {
    std::vector<ChangeEvent> evs;
    ASSERT_TRUE(src.Read(&evs, 256, milliseconds(200)).ok());
    for (auto& e : evs) {
      if (e.kind == ChangeEvent::Kind::kRow && e.row.table->schema == db) {
        binlog[e.row.after[0].as_int()] = e.row;
      }
    }
  }
  src.Close();
  ASSERT_EQ(binlog.size(), 4u);

  MySqlSnapshotDatabase sdb(Config());
  TableRead read = ReadWhole(&sdb, db, "t");
  ASSERT_EQ(read.rows.size(), 4u);
  const auto& want = *binlog[1].table;
  const auto& got = *read.info.schema;
  ASSERT_EQ(got.columns.size(), want.columns.size());
  EXPECT_EQ(got.primary_key, want.primary_key);
  for (size_t i = 0; i < want.columns.size(); ++i) {
    const auto& w = want.columns[i];
    const auto& g = got.columns[i];
    SCOPED_TRACE(w.name);
    EXPECT_EQ(g.name, w.name);
    EXPECT_EQ(g.type, w.type);
    EXPECT_EQ(g.is_unsigned, w.is_unsigned);
    EXPECT_EQ(g.nullable, w.nullable);
    EXPECT_EQ(g.is_primary_key, w.is_primary_key);
    EXPECT_EQ(g.collation, w.collation);
    EXPECT_EQ(g.length, w.length);
    EXPECT_EQ(g.precision, w.precision);
    EXPECT_EQ(g.scale, w.scale);
    EXPECT_EQ(g.fsp, w.fsp);
    EXPECT_EQ(g.elements, w.elements);
  }
  for (const auto& row : read.rows) {
    int64_t id = row[0].as_int();
    ASSERT_TRUE(binlog.count(id));
    const auto& w = binlog[id].after;
    ASSERT_EQ(row.size(), w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      EXPECT_TRUE(row[i] == w[i]) << "row " << id << " column " << want.columns[i].name
                                  << ": snapshot " << Show(row[i]) << " binlog " << Show(w[i]);
    }
  }
  Must(c.get(), fmt::format("DROP DATABASE `{}`", db));
}

// Cuts `table` into chunks of `rows` rows, reads each in its own consistent read, and checks
// that every row is read exactly once, in key order, inside its chunk's bounds as the key order
// (with the server's collation) sees them.
void CheckChunking(MySqlSnapshotDatabase* sdb, MySqlConnection* c, const std::string& db,
                   const std::string& table, size_t rows, const std::string& order_by) {
  SCOPED_TRACE(fmt::format("{} chunk rows {}", table, rows));
  auto reader = std::move(sdb->NewReader()).value();
  auto info = std::move(reader->Describe({db, table})).value();
  ASSERT_TRUE(info.chunked()) << info.one_pass_reason;
  auto order = info.Order();
  snapshot::TextOrderCache text(sdb->oracle());
  std::vector<std::vector<Value>> all;
  std::optional<Key> lo;
  int chunks = 0;
  while (true) {
    auto hi = reader->NextBoundary(info, lo, rows);
    ASSERT_TRUE(hi.ok()) << hi.status().message();
    if (lo && *hi) EXPECT_GT(*order.Compare(**hi, *lo, &text), 0) << "boundaries must increase";
    ASSERT_TRUE(reader->Begin().ok());
    size_t n = 0;
    auto st = reader->ReadChunk(info, lo, *hi, [&](std::vector<Value>&& row) {
      Key k = order.KeyOf(row);
      if (lo) EXPECT_GT(*order.Compare(k, *lo, &text), 0) << snapshot::DisplayKey(k);
      if (*hi) EXPECT_LE(*order.Compare(k, **hi, &text), 0) << snapshot::DisplayKey(k);
      all.push_back(std::move(row));
      ++n;
      return base::Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(reader->End().ok());
    ++chunks;
    if (*hi) EXPECT_EQ(n, rows);
    if (!*hi) break;
    lo = *hi;
    ASSERT_LT(chunks, 10000) << "the splitter does not advance";
  }
  // Every row once, in the server's order.
  auto want = MustQuery(c, fmt::format("SELECT HEX(CONCAT_WS(0x1f, {})) FROM `{}`.`{}` ORDER BY {}",
                                       order_by, db, table, order_by));
  ASSERT_EQ(all.size(), want.rows.size());
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(*order.Compare(order.KeyOf(all[i - 1]), order.KeyOf(all[i]), &text), 0)
        << "rows out of key order at " << i;
  }
}

TEST(MySqlSnapshot, ChunksFollowTheServersKeyOrder) {
  auto c = Sql();
  std::string db = FreshDb(c.get(), "order");
  Must(c.get(), fmt::format("CREATE TABLE `{}`.ci (k VARCHAR(20) COLLATE utf8mb4_general_ci "
                            "PRIMARY KEY, v INT)",
                            db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.ci VALUES ('apple',1),('Banana',2),('cherry',3),"
                            "('Date',4),('éclair',5),('Zebra',6),('zz',7),(' space',8),('a b',9),"
                            "('x ',10),('ÄRGER',11),('straße',12),('E',13),('b',14),('_u',15),"
                            "('😀',16),('0',17),('10',18),('9',19),('',20)",
                            db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.latin (k VARCHAR(10) CHARACTER SET latin1 "
                            "COLLATE latin1_swedish_ci PRIMARY KEY)",
                            db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.latin VALUES ('Å'),('ö'),('a'),('Z'),('y'),('Ä'),"
                            "('b'),('å2')",
                            db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.comp (region VARCHAR(8) COLLATE "
                            "utf8mb4_unicode_ci, id INT, v INT, PRIMARY KEY (region, id))",
                            db));
  std::string vals;
  for (int i = 0; i < 40; ++i) {
    const char* regions[] = {"eu", "EU-West", "asia", "Asia-2", "us", "Üa"};
    vals += fmt::format("{}('{}',{},{})", i ? "," : "", regions[i % 6], (i * 7) % 13 - 6, i);
  }
  Must(c.get(), fmt::format("INSERT INTO `{}`.comp VALUES {}", db, vals));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.big (k BIGINT UNSIGNED PRIMARY KEY)", db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.big VALUES (0),(1),(2),(9223372036854775807),"
                            "(9223372036854775808),(18446744073709551614),(18446744073709551615)",
                            db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.neg (k INT PRIMARY KEY)", db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.neg SELECT CAST(seq AS SIGNED) - 50 FROM `{}`.seq_0_to_100", db, db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.bin (k VARBINARY(8) PRIMARY KEY)", db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.bin VALUES (''),(0x00),(0x0000),(0x01),(0x7f),"
                            "(0x80),(0xff),(0xff00),('A'),('a')",
                            db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.misc (d DECIMAL(10,3), t DATETIME(6), "
                            "PRIMARY KEY (d, t))",
                            db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.misc VALUES (-1.5,'2024-01-01 00:00:00'),"
                            "(-1.5,'2024-01-01 00:00:00.000001'),(0,'1000-01-01'),"
                            "(0.001,'9999-12-31 23:59:59.999999'),(10,'2000-02-29 12:00:00'),"
                            "(-10,'2000-02-29 12:00:00')",
                            db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.empty (k INT PRIMARY KEY)", db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.one (k INT PRIMARY KEY)", db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.one VALUES (42)", db));

  MySqlSnapshotDatabase sdb(Config());
  for (size_t rows : {1u, 2u, 3u, 7u, 1000u}) {
    CheckChunking(&sdb, c.get(), db, "ci", rows, "k");
    CheckChunking(&sdb, c.get(), db, "latin", rows, "k");
    CheckChunking(&sdb, c.get(), db, "comp", rows, "region, id");
    CheckChunking(&sdb, c.get(), db, "big", rows, "k");
    CheckChunking(&sdb, c.get(), db, "neg", rows, "k");
    CheckChunking(&sdb, c.get(), db, "bin", rows, "k");
    CheckChunking(&sdb, c.get(), db, "misc", rows, "d, t");
    CheckChunking(&sdb, c.get(), db, "empty", rows, "k");
    CheckChunking(&sdb, c.get(), db, "one", rows, "k");
  }
  // A table without a primary key, and one keyed by a FLOAT, are read in one pass.
  Must(c.get(), fmt::format("CREATE TABLE `{}`.nokey (a INT, b TEXT)", db));
  Must(c.get(), fmt::format("CREATE TABLE `{}`.fkey (f FLOAT PRIMARY KEY)", db));
  auto reader = std::move(sdb.NewReader()).value();
  auto nokey = reader->Describe({db, "nokey"});
  ASSERT_TRUE(nokey.ok());
  EXPECT_FALSE(nokey->chunked());
  EXPECT_EQ(nokey->one_pass_reason, "no primary key");
  auto fkey = reader->Describe({db, "fkey"});
  ASSERT_TRUE(fkey.ok());
  EXPECT_FALSE(fkey->chunked());
  EXPECT_NE(fkey->one_pass_reason.find("float"), std::string::npos) << fkey->one_pass_reason;
  EXPECT_EQ(reader->Describe({db, "missing"}).status().code(), base::Code::kNotFound);
  Must(c.get(), fmt::format("DROP DATABASE `{}`", db));
}

// Applies binlog changes of table `t` (id INT key, v INT) to a map.
void ApplyIdV(const model::RowChange& row, std::map<int64_t, int64_t>* state) {
  if (row.op != RowOp::kInsert) state->erase(row.before[0].as_int());
  if (row.op != RowOp::kDelete) (*state)[row.after[0].as_int()] = row.after[1].as_int();
}

TEST(MySqlSnapshot, ReadPointsAreExactBinlogPositions) {
  auto c = Sql();
  std::string db = FreshDb(c.get(), "points");
  Must(c.get(), fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY, v INT)", db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.t SELECT seq, 0 FROM `{}`.seq_1_to_200", db, db));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto w = Sql();
    std::mt19937 rng(7);
    while (!stop) {
      int id = 1 + static_cast<int>(rng() % 300);
      switch (rng() % 3) {
        case 0:
          static_cast<void>(w->Exec(fmt::format(
              "INSERT INTO `{}`.t VALUES ({}, 1) ON DUPLICATE KEY UPDATE v = v + 1", db, id)));
          break;
        case 1:
          static_cast<void>(w->Exec(fmt::format("UPDATE `{}`.t SET v = v + 10 WHERE id = {}", db, id)));
          break;
        default:
          static_cast<void>(w->Exec(fmt::format(
              "BEGIN; DELETE FROM `{}`.t WHERE id = {}; UPDATE `{}`.t SET v = v + 100 WHERE id = "
              "{}; COMMIT",
              db, id, db, (id * 7) % 300 + 1)));
      }
    }
  });
  MySqlSnapshotDatabase sdb(Config());
  std::vector<TableRead> reads;
  for (int i = 0; i < 5; ++i) {
    reads.push_back(ReadWhole(&sdb, db, "t"));
    std::this_thread::sleep_for(milliseconds(150));
  }
  stop = true;
  writer.join();
  auto to_map = [](const TableRead& r) {
    std::map<int64_t, int64_t> m;
    for (const auto& row : r.rows) m[row[0].as_int()] = row[1].as_int();
    return m;
  };
  // Replay the binlog from the first read's point: the state at each later point must equal
  // that read.
  BinlogSource src(Config());
  ASSERT_TRUE(src.Open(reads[0].point.position).ok());
  std::map<int64_t, int64_t> state = to_map(reads[0]);
  model::SourcePosition pos = reads[0].point.position;
  size_t next = 1;
  std::vector<model::RowChange> txn;
  auto deadline = Clock::now() + std::chrono::seconds(90);
  while (next < reads.size() && Clock::now() < deadline) {
    std::vector<ChangeEvent> evs;
    ASSERT_TRUE(src.Read(&evs, 512, milliseconds(200)).ok());
    for (auto& e : evs) {
      if (e.kind == ChangeEvent::Kind::kRow) {
        if (e.row.table->schema == db) txn.push_back(e.row);
        continue;
      }
      if (e.kind != ChangeEvent::Kind::kCommit && e.kind != ChangeEvent::Kind::kDdl) continue;
      // This transaction started at `pos`: it is in read `next` iff pos < its point.
      while (next < reads.size() &&
             CompareBinlogPositions(pos.binlog, reads[next].point.position.binlog) >= 0) {
        EXPECT_EQ(state, to_map(reads[next])) << "read " << next;
        ++next;
      }
      for (const auto& r : txn) ApplyIdV(r, &state);
      txn.clear();
      pos = e.position;
    }
    // The stream may be idle exactly at a point.
    while (next < reads.size() && evs.empty() &&
           CompareBinlogPositions(pos.binlog, reads[next].point.position.binlog) >= 0) {
      EXPECT_EQ(state, to_map(reads[next])) << "read " << next;
      ++next;
    }
  }
  EXPECT_EQ(next, reads.size());
  Must(c.get(), fmt::format("DROP DATABASE `{}`", db));
}


// After a new binlog file is started, the first transaction in it is not where the stream's last
// commit ended (another file; the file's header events lie before it): whether a read saw it is
// still decided exactly, from the heartbeat announcing the file and the transaction's own start.
TEST(MySqlSnapshot, ReadPointsStayExactAcrossABinlogRotation) {
  auto c = Sql();
  std::string db = FreshDb(c.get(), "rotate");
  Must(c.get(), fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY, v INT)", db));
  model::SourcePosition start = MasterPosition(c.get());
  Must(c.get(), "FLUSH BINARY LOGS");
  MySqlSnapshotDatabase sdb(Config());
  TableRead before = ReadWhole(&sdb, db, "t");  // nothing committed in the new file yet
  Must(c.get(), fmt::format("INSERT INTO `{}`.t VALUES (1, 1)", db));
  TableRead after = ReadWhole(&sdb, db, "t");
  Must(c.get(), "FLUSH BINARY LOGS");
  Must(c.get(), fmt::format("INSERT INTO `{}`.t VALUES (2, 2)", db));
  EXPECT_TRUE(before.rows.empty());
  ASSERT_EQ(after.rows.size(), 1u);
  EXPECT_NE(before.point.position.binlog.file, start.binlog.file);

  // Stream from before the rotation, tracking the position as the snapshot source does.
  BinlogSource src(Config());
  ASSERT_TRUE(src.Open(start).ok());
  model::SourcePosition pos = start;
  bool in_txn = false;
  std::vector<int64_t> seen_before, seen_after, ids;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (ids.size() < 2 && Clock::now() < deadline) {
    std::vector<ChangeEvent> evs;
    ASSERT_TRUE(src.Read(&evs, 512, milliseconds(200)).ok());
    for (const auto& e : evs) {
      if (e.kind == ChangeEvent::Kind::kRow) {
        if (!in_txn && e.row.table->schema == db) {
          snapshot::TxnRef txn{pos, e.txn};
          int64_t id = e.row.after[0].as_int();
          ids.push_back(id);
          if (sdb.Sees(before.point, txn)) seen_before.push_back(id);
          if (sdb.Sees(after.point, txn)) seen_after.push_back(id);
        }
        in_txn = true;
      } else if (e.kind != ChangeEvent::Kind::kHeartbeat || (!in_txn && !e.position.empty())) {
        pos = e.position;
        in_txn = false;
      }
    }
  }
  ASSERT_EQ(ids, (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(seen_before.empty()) << "the read before the insert did not see it";
  EXPECT_EQ(seen_after, std::vector<int64_t>{1});
  Must(c.get(), fmt::format("DROP DATABASE `{}`", db));
}


// ---------------------------------------------------------------------------------------------
// The snapshot source end to end (binlog + chunks), against a random writer.

// Replays a changefeed's output into per-table maps keyed by the row's key (ASCII-folded for
// case-insensitive columns; the whole row for a table without a key). Strict: an update or delete
// must find its row, an insert or snapshot read must not.
struct Replica {
  std::map<std::string, std::map<std::string, std::string>> tables;  // table -> key -> row
  model::SourcePosition checkpoint;
  uint64_t reads = 0, lasts = 0, changes = 0, violations = 0;
  std::vector<std::string> first_violations;

  static std::string Text(const model::Column& c, const Value& v) {
    std::string s = Show(v);
    if (!c.is_binary() && v.kind() == Value::Kind::kString) {
      std::string f = v.as_string();
      for (auto& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      s = "s:" + f;
    }
    return s;
  }
  static std::string KeyOf(const model::TableSchema& t, const std::vector<Value>& img) {
    std::string k;
    if (t.primary_key.empty()) {
      for (size_t i = 0; i < img.size(); ++i) k += Show(img[i]) + "|";
      return k;
    }
    for (size_t i : t.primary_key) k += Text(t.columns[i], img[i]) + "|";
    return k;
  }
  static std::string RowOf(const std::vector<Value>& img) {
    std::string r;
    for (const auto& v : img) r += Show(v) + "|";
    return r;
  }
  void Violation(const std::string& what) {
    ++violations;
    if (first_violations.size() < 5) first_violations.push_back(what);
  }
  void Apply(const ChangeEvent& ev, bool strict) {
    if (ev.kind == ChangeEvent::Kind::kCommit) checkpoint = ev.position;
    if (ev.kind != ChangeEvent::Kind::kRow) return;
    const auto& t = *ev.row.table;
    auto& m = tables[t.table];
    bool nokey = t.primary_key.empty();
    if (ev.row.snapshot != model::SnapshotRead::kNo) {
      ++reads;
      lasts += ev.row.snapshot == model::SnapshotRead::kLast;
      std::string k = KeyOf(t, ev.row.after);
      if (strict && m.count(k) && !nokey) Violation("read of an existing row " + k);
      m[nokey ? k + std::to_string(reads) : k] = RowOf(ev.row.after);
      return;
    }
    ++changes;
    if (ev.row.op != RowOp::kInsert) {
      std::string k = KeyOf(t, ev.row.before);
      auto it = m.find(k);
      if (nokey) {
        it = std::find_if(m.begin(), m.end(),
                          [&](const auto& e) { return e.second == RowOf(ev.row.before); });
      }
      if (it == m.end()) {
        if (strict) Violation("change of a missing row " + k);
      } else {
        m.erase(it);
      }
    }
    if (ev.row.op != RowOp::kDelete) {
      std::string k = KeyOf(t, ev.row.after);
      if (strict && m.count(k) && !nokey) Violation("insert of an existing row " + k);
      m[nokey ? k + "#" + std::to_string(changes) : k] = RowOf(ev.row.after);
    }
  }
};

// The tables' rows as SELECT sees them, keyed like Replica.
std::map<std::string, std::multiset<std::string>> SelectAll(MySqlSnapshotDatabase* sdb,
                                                            const std::string& db,
                                                            const std::vector<std::string>& tables) {
  std::map<std::string, std::multiset<std::string>> out;
  for (const auto& t : tables) {
    TableRead r = ReadWhole(sdb, db, t);
    auto& s = out[t];
    for (const auto& row : r.rows) s.insert(Replica::RowOf(row));
  }
  return out;
}

struct WriterStats {
  std::atomic<uint64_t> commits{0};
  std::vector<double> latencies_ms;  // writer thread only until joined
};

// Random DML on the property test's tables until `stop`.
void RandomWriter(const std::string& db, uint32_t seed, const std::atomic<bool>* stop,
                  WriterStats* stats) {
  auto w = Sql();
  std::mt19937 rng(seed);
  auto ci_key = [&] {
    std::string k = "k" + std::to_string(rng() % 400);
    if (rng() % 2) k[0] = 'K';
    return k;
  };
  while (!*stop) {
    // Now and then a new binlog file: transactions after it start in another file than the
    // last commit's position, which the hand-off must place exactly too.
    if (rng() % 60 == 0) static_cast<void>(w->Exec("FLUSH BINARY LOGS"));
    std::string sql = "BEGIN;";
    int n = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      int id = static_cast<int>(rng() % 1200) - 200;
      switch (rng() % 10) {
        case 0:
        case 1:
          sql += fmt::format("INSERT IGNORE INTO `{}`.t_int VALUES ({}, {}, 'w{}');", db, id,
                             rng() % 1000, rng() % 1000);
          break;
        case 2:
          sql += fmt::format("UPDATE `{}`.t_int SET v = v + 1, s = 'u{}' WHERE id = {};", db,
                             rng() % 1000, id);
          break;
        case 3:
          sql += fmt::format("UPDATE IGNORE `{}`.t_int SET id = {} WHERE id = {};", db,
                             static_cast<int>(rng() % 1200) - 200, id);
          break;
        case 4:
          sql += fmt::format("DELETE FROM `{}`.t_int WHERE id = {};", db, id);
          break;
        case 5:
          sql += fmt::format("INSERT INTO `{}`.t_ci VALUES ('{}', {}) ON DUPLICATE KEY UPDATE v = "
                             "v + 1;",
                             db, ci_key(), rng() % 1000);
          break;
        case 6:
          sql += fmt::format("UPDATE IGNORE `{}`.t_ci SET k = '{}' WHERE k = '{}';", db, ci_key(),
                             ci_key());
          break;
        case 7:
          sql += fmt::format("DELETE FROM `{}`.t_ci WHERE k = '{}';", db, ci_key());
          break;
        case 8:
          sql += fmt::format("INSERT INTO `{}`.t_comp VALUES ({}, '{}', {}) ON DUPLICATE KEY "
                             "UPDATE v = v + 1;",
                             db, rng() % 30, ci_key(), rng() % 1000);
          break;
        default:
          if (rng() % 2) {
            sql += fmt::format("DELETE FROM `{}`.t_comp WHERE a = {} LIMIT 1;", db, rng() % 30);
          } else {
            sql += fmt::format("UPDATE `{}`.t_nokey SET v = v + 1 WHERE x = {} LIMIT 1;", db,
                               rng() % 100);
          }
      }
    }
    sql += "COMMIT";
    auto t0 = Clock::now();
    auto st = w->Exec(sql);
    if (!st.ok()) {
      static_cast<void>(w->Exec("ROLLBACK"));
      continue;
    }
    if (stats) {
      stats->latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      stats->commits++;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
  }
}

void CreatePropertyTables(MySqlConnection* c, const std::string& db, uint32_t seed) {
  Must(c, fmt::format("CREATE TABLE `{}`.t_int (id INT PRIMARY KEY, v INT, s VARCHAR(20))", db));
  Must(c, fmt::format("CREATE TABLE `{}`.t_ci (k VARCHAR(16) COLLATE utf8mb4_general_ci "
                      "PRIMARY KEY, v INT)",
                      db));
  Must(c, fmt::format("CREATE TABLE `{}`.t_comp (a INT, b VARCHAR(8) COLLATE utf8mb4_unicode_ci, "
                      "v INT, PRIMARY KEY (a, b))",
                      db));
  Must(c, fmt::format("CREATE TABLE `{}`.t_nokey (x INT, v INT)", db));
  std::mt19937 rng(seed);
  int rows = 300 + static_cast<int>(rng() % 1500);
  Must(c, fmt::format("INSERT INTO `{}`.t_int SELECT CAST(seq AS SIGNED) - 200, seq % 97, CONCAT('r', seq) FROM "
                      "`{}`.seq_0_to_{}",
                      db, db, rows));
  Must(c, fmt::format("INSERT IGNORE INTO `{}`.t_ci SELECT CONCAT(IF(seq % 2, 'k', 'K'), seq % "
                      "400), seq FROM `{}`.seq_0_to_{}",
                      db, db, rows / 2));
  Must(c, fmt::format("INSERT IGNORE INTO `{}`.t_comp SELECT seq % 30, CONCAT(IF(seq % 3, 'k', "
                      "'K'), seq % 400), seq FROM `{}`.seq_0_to_{}",
                      db, db, rows / 2));
  Must(c, fmt::format("INSERT INTO `{}`.t_nokey SELECT seq % 100, seq FROM `{}`.seq_0_to_150", db, db));
}

struct PropertyRun {
  uint32_t seed;
  size_t chunk_rows;
  size_t parallelism;
  int restarts;
};

void RunProperty(const PropertyRun& r) {
  SCOPED_TRACE(fmt::format("seed {} chunk-rows {} parallelism {} restarts {}", r.seed,
                           r.chunk_rows, r.parallelism, r.restarts));
  auto c = Sql();
  std::string db = FreshDb(c.get(), fmt::format("prop{}", r.seed));
  CreatePropertyTables(c.get(), db, r.seed);
  std::vector<std::string> tables = {"t_comp", "t_ci", "t_int", "t_nokey"};

  std::atomic<bool> stop{false};
  std::thread writer(RandomWriter, db, r.seed * 31 + 1, &stop, nullptr);

  snapshot::SnapshotOptions opts;
  opts.chunk_rows = r.chunk_rows;
  opts.parallelism = r.parallelism;
  opts.match = [db](const std::string& s, const std::string&) { return s == db; };
  auto make = [&] {
    return std::make_unique<snapshot::SnapshotSource>(
        std::make_unique<BinlogSource>(Config()), std::make_unique<MySqlSnapshotDatabase>(Config()),
        opts, nullptr);
  };
  Replica replica;
  auto src = make();
  ASSERT_TRUE(src->Open(model::SourcePosition()).ok());
  bool strict = true;
  int restarts = 0, iterations = 0;
  std::mt19937 rng(r.seed);
  auto deadline = Clock::now() + std::chrono::seconds(240);
  std::optional<model::SourcePosition> final_pos;
  while (Clock::now() < deadline) {
    std::vector<ChangeEvent> out;
    auto st = src->Read(&out, 128, milliseconds(100));
    ASSERT_TRUE(st.ok()) << st.message();
    for (const auto& ev : out) {
      if (ev.kind == ChangeEvent::Kind::kRow && ev.row.table->schema != db) continue;
      replica.Apply(ev, strict);
    }
    ++iterations;
    if (restarts < r.restarts && src->active() && iterations % (3 + rng() % 6) == 0) {
      ++restarts;
      strict = false;
      src->Close();
      src = make();
      ASSERT_TRUE(src->Open(replica.checkpoint).ok());
      continue;
    }
    if (!src->active() && !stop) {
      stop = true;
      writer.join();
      final_pos = MasterPosition(c.get());
    }
    if (final_pos && CompareBinlogPositions(replica.checkpoint.binlog, final_pos->binlog) >= 0) {
      break;
    }
  }
  if (!stop) {
    stop = true;
    writer.join();
  }
  ASSERT_TRUE(final_pos) << "the snapshot did not finish";
  ASSERT_GE(CompareBinlogPositions(replica.checkpoint.binlog, final_pos->binlog), 0)
      << "the stream did not catch up";
  EXPECT_EQ(restarts, r.restarts);
  MySqlSnapshotDatabase sdb(Config());
  auto want = SelectAll(&sdb, db, tables);
  for (const auto& t : tables) {
    std::multiset<std::string> got;
    for (const auto& [k, row] : replica.tables[t]) got.insert(row);
    EXPECT_EQ(got.size(), want[t].size()) << t;
    EXPECT_TRUE(got == want[t]) << t << ": the replayed rows differ from SELECT";
  }
  EXPECT_GT(replica.reads, 0u);
  EXPECT_GT(replica.changes, 0u) << "the writer's changes must reach the stream";
  if (r.restarts == 0) {
    EXPECT_EQ(replica.violations, 0u) << (replica.first_violations.empty()
                                              ? ""
                                              : replica.first_violations[0]);
    EXPECT_EQ(replica.lasts, 1u);
  }
  src->Close();
  Must(c.get(), fmt::format("DROP DATABASE `{}`", db));
}

TEST(MySqlSnapshot, HandsOffExactlyWithARandomWriterThroughTheSnapshot) {
  for (uint32_t seed : {101u, 102u, 103u}) {
    std::mt19937 rng(seed);
    RunProperty({seed, 1 + rng() % 200, 1 + rng() % 4, 0});
  }
}

TEST(MySqlSnapshot, ResumesFromItsCheckpointAfterRestarts) {
  for (uint32_t seed : {201u, 202u}) {
    std::mt19937 rng(seed);
    RunProperty({seed, 5 + rng() % 60, 1 + rng() % 3, 5});
  }
}

TEST(MySqlSnapshot, ConcurrentWriterKeepsCommittingDuringTheSnapshot) {
  auto c = Sql();
  std::string db = FreshDb(c.get(), "nolock");
  Must(c.get(), fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY, v INT, pad CHAR(100))", db));
  Must(c.get(), fmt::format("INSERT INTO `{}`.t SELECT seq, 0, 'x' FROM `{}`.seq_1_to_20000", db, db));
  snapshot::SnapshotOptions opts;
  opts.chunk_rows = 500;
  opts.parallelism = 2;
  opts.match = [db](const std::string& s, const std::string&) { return s == db; };
  snapshot::SnapshotSource src(std::make_unique<BinlogSource>(Config()),
                               std::make_unique<MySqlSnapshotDatabase>(Config()), opts, nullptr);
  ASSERT_TRUE(src.Open(model::SourcePosition()).ok());
  // The writer updates rows of the table being copied, one row per transaction.
  std::atomic<bool> stop{false};
  std::vector<std::pair<Clock::time_point, double>> commits;  // (end, latency ms)
  std::thread writer([&] {
    auto w = Sql();
    std::mt19937 rng(5);
    while (!stop) {
      auto t0 = Clock::now();
      auto st = w->Exec(fmt::format("UPDATE `{}`.t SET v = v + 1 WHERE id = {}", db,
                                    1 + rng() % 20000));
      auto t1 = Clock::now();
      if (st.ok()) commits.emplace_back(t1, std::chrono::duration<double, std::milli>(t1 - t0).count());
      std::this_thread::sleep_for(milliseconds(5));
    }
  });
  auto begin = Clock::now();
  uint64_t reads = 0;
  while (src.active() && Clock::now() - begin < std::chrono::seconds(180)) {
    std::vector<ChangeEvent> out;
    ASSERT_TRUE(src.Read(&out, 200, milliseconds(100)).ok());
    for (const auto& e : out) reads += e.kind == ChangeEvent::Kind::kRow &&
                                       e.row.snapshot != model::SnapshotRead::kNo;
    std::this_thread::sleep_for(milliseconds(5));  // a slow consumer: the snapshot takes a while
  }
  auto end = Clock::now();
  stop = true;
  writer.join();
  ASSERT_FALSE(src.active());
  EXPECT_EQ(reads, 20000u);
  std::vector<double> during;
  size_t first_half = 0, second_half = 0;
  auto mid = begin + (end - begin) / 2;
  for (const auto& [t, ms] : commits) {
    if (t < begin || t > end) continue;
    during.push_back(ms);
    (t < mid ? first_half : second_half)++;
  }
  ASSERT_FALSE(during.empty());
  std::sort(during.begin(), during.end());
  double secs = std::chrono::duration<double>(end - begin).count();
  std::cout << fmt::format(
                   "snapshot of 20000 rows took {:.1f} s; the writer committed {} times meanwhile "
                   "(latency p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms)",
                   secs, during.size(), during[during.size() / 2],
                   during[during.size() * 99 / 100], during.back())
            << std::endl;
  // A lock held for the snapshot would stop the writer for (most of) it: it commits in both
  // halves, and no single commit waited for a large part of the snapshot.
  EXPECT_GT(first_half, 5u);
  EXPECT_GT(second_half, 5u);
  EXPECT_LT(during.back(), secs * 1000 / 2);
  src.Close();
  Must(c.get(), fmt::format("DROP DATABASE `{}`", db));
}

}  // namespace
}  // namespace sluice::source::mysql
