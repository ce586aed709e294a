// Integration tests of BinlogClient/BinlogSource against the real MariaDB of the `servers`
// fixture (ports from tests/test_env.h). Each test works in its own database (it_<what>_<pid>)
// and uses its own replica server-id, so tests may run in parallel against one server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "column_types.h"
#include "source/mysql/binlog_source.h"
#include "source/mysql/mysql_connection.h"
#include "source/mysql/source_config.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice::source::mysql {
namespace {

using model::ChangeEvent;
using model::RowOp;
using model::Value;
using sluice::testing::ConnectMariaDbRoot;
using sluice::testing::ConnectMariaDbWriter;
using sluice::testing::Env;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// Helpers

uint32_t NextServerId() {
  static std::atomic<uint32_t> counter{0};
  return 3'000'000u + static_cast<uint32_t>(getpid() % 100'000) * 64u + counter++;
}

std::string Host() { return Env("SLUICE_MARIADB_HOST"); }
uint16_t Port() { return static_cast<uint16_t>(std::stoi(Env("SLUICE_MARIADB_PORT"))); }

void Must(MySqlConnection* c, const std::string& sql) {
  auto st = c->Exec(sql);
  ASSERT_TRUE(st.ok()) << sql << ": " << st.message();
}

QueryResult MustQuery(MySqlConnection* c, const std::string& sql) {
  auto r = c->Query(sql);
  if (!r.ok()) throw std::runtime_error(sql + ": " + r.status().message());
  return std::move(r).value();
}

std::string DbName(const std::string& what) { return fmt::format("it_{}_{}", what, getpid()); }

void FreshDb(MySqlConnection* c, const std::string& db) {
  Must(c, fmt::format("DROP DATABASE IF EXISTS `{}`", db));
  Must(c, fmt::format("CREATE DATABASE `{}`", db));
}

// The binlog position "now", the way an operator would take it.
model::SourcePosition CurrentPosition(MySqlConnection* c) {
  model::SourcePosition p;
  auto ms = MustQuery(c, "SHOW MASTER STATUS");
  EXPECT_FALSE(ms.rows.empty());
  p.binlog.file = *ms.rows[0][0];
  p.binlog.offset = std::stoull(*ms.rows[0][1]);
  auto g =
      MustQuery(c, fmt::format("SELECT BINLOG_GTID_POS('{}', {})", p.binlog.file, p.binlog.offset));
  if (!g.rows.empty() && g.rows[0][0]) p.gtids = model::MariaGtidSet::Parse(*g.rows[0][0]).value();
  return p;
}

MySqlSourceConfig Config(const std::string& user, const std::string& password, uint16_t port,
                         const std::string& extra = "") {
  std::string opts =
      extra.find("heartbeat=") == std::string::npos ? "&heartbeat=1s" + extra : extra;
  auto c = ParseMySqlSourceUri(fmt::format("mariadb://{}:{}@{}:{}/?server-id={}{}", user, password,
                                           Host(), port, NextServerId(), opts));
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}
MySqlSourceConfig Config() {
  return Config(Env("SLUICE_MARIADB_USER"), Env("SLUICE_MARIADB_PASSWORD"), Port());
}

bool InDb(const ChangeEvent& e, const std::string& db) {
  return e.kind == ChangeEvent::Kind::kRow && e.row.table && e.row.table->schema == db;
}

// Reads until `done(events)` or the timeout; returns everything read.
std::vector<ChangeEvent> ReadUntil(BinlogSource* src,
                                   const std::function<bool(const std::vector<ChangeEvent>&)>& done,
                                   milliseconds timeout = milliseconds(30'000),
                                   size_t max_events = 256) {
  std::vector<ChangeEvent> all;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(all) && std::chrono::steady_clock::now() < deadline) {
    std::vector<ChangeEvent> batch;
    auto st = src->Read(&batch, max_events, milliseconds(200));
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) break;
    EXPECT_LE(batch.size(), max_events);
    for (auto& e : batch) all.push_back(std::move(e));
  }
  return all;
}

// Rows of `db`, plus the commit that closes each transaction containing them.
struct Captured {
  std::vector<ChangeEvent> rows;
  std::vector<ChangeEvent> commits;
};
Captured Filter(const std::vector<ChangeEvent>& all, const std::string& db) {
  Captured c;
  bool open = false;
  for (const auto& e : all) {
    if (InDb(e, db)) {
      c.rows.push_back(e);
      open = true;
    } else if (e.kind == ChangeEvent::Kind::kCommit && open) {
      c.commits.push_back(e);
      open = false;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// (a) Every MariaDB column type, compared with what SELECT returns.

using testing::ColSpec;
using testing::R;
using testing::TypeColumns;

std::string SelectList(const std::vector<ColSpec>& cols) {
  std::string s = "id";
  for (const auto& c : cols) {
    s += ", ";
    s += c.r == R::kBit ? fmt::format("CAST(`{}` AS UNSIGNED)", c.name) : "`" + c.name + "`";
  }
  return s;
}

std::string Micros(uint32_t micros, int fsp) {
  if (fsp == 0) return "";
  return "." + fmt::format("{:06}", micros).substr(0, fsp);
}

// Renders `v` the way MariaDB prints the column (SELECT text protocol) and compares.
// Returns an empty string on a match, else a description of the mismatch.
std::string Compare(const ColSpec& c, const Value& v, const std::optional<std::string>& db) {
  auto mismatch = [&](const std::string& got) {
    return fmt::format(
        "{} ({}): decoded {} but SELECT gives {}", c.name, c.sql_type, got,
        db ? "'" + (db->size() > 80 ? db->substr(0, 80) + "..." : *db) + "'" : "NULL");
  };
  if (v.is_absent()) return mismatch("<absent>");
  if (!db) return v.is_null() ? "" : mismatch("a non-NULL value");
  if (v.is_null()) return mismatch("NULL");
  auto want_kind = [&](Value::Kind k, const char* name) -> std::string {
    return v.kind() == k ? ""
                         : mismatch(fmt::format("Value kind {} (expected {})",
                                                static_cast<int>(v.kind()), name));
  };
  std::string got;
  switch (c.r) {
    case R::kInt:
    case R::kYear:
    case R::kBit:
      if (c.is_unsigned || c.r == R::kYear || c.r == R::kBit) {
        if (auto e = want_kind(Value::Kind::kUInt, "kUInt"); !e.empty()) return e;
        got = std::to_string(v.as_uint());
      } else {
        if (auto e = want_kind(Value::Kind::kInt, "kInt"); !e.empty()) return e;
        got = std::to_string(v.as_int());
      }
      break;
    case R::kFloat: {
      if (auto e = want_kind(Value::Kind::kFloat, "kFloat"); !e.empty()) return e;
      double want = std::strtod(db->c_str(), nullptr);
      // FLOAT prints with 6 significant digits.
      if (std::fabs(v.as_double() - want) <= 1e-5 * std::fabs(want)) return "";
      return mismatch(fmt::format("{}", v.as_double()));
    }
    case R::kDouble: {
      if (auto e = want_kind(Value::Kind::kDouble, "kDouble"); !e.empty()) return e;
      if (v.as_double() == std::strtod(db->c_str(), nullptr)) return "";
      return mismatch(fmt::format("{}", v.as_double()));
    }
    case R::kDecimal:
      if (auto e = want_kind(Value::Kind::kDecimal, "kDecimal"); !e.empty()) return e;
      got = v.as_string();
      break;
    case R::kStr:
      if (auto e = want_kind(Value::Kind::kString, "kString"); !e.empty()) return e;
      got = v.as_string();
      if (got != *db) {
        return mismatch(fmt::format("{} bytes '{}'", got.size(),
                                    got.size() > 80 ? got.substr(0, 80) + "..." : got));
      }
      return "";
    case R::kDate: {
      if (auto e = want_kind(Value::Kind::kDate, "kDate"); !e.empty()) return e;
      const auto& t = v.as_temporal();
      got = fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
      break;
    }
    case R::kDateTime: {
      if (auto e = want_kind(Value::Kind::kDateTime, "kDateTime"); !e.empty()) return e;
      const auto& t = v.as_temporal();
      got = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}", t.year, t.month, t.day, t.hour,
                        t.minute, t.second, Micros(t.micros, c.fsp));
      break;
    }
    case R::kTime: {
      if (auto e = want_kind(Value::Kind::kTime, "kTime"); !e.empty()) return e;
      const auto& t = v.as_temporal();
      got = fmt::format("{}{:02}:{:02}:{:02}{}", t.negative ? "-" : "", t.hour, t.minute, t.second,
                        Micros(t.micros, c.fsp));
      break;
    }
    case R::kTimestamp: {
      if (auto e = want_kind(Value::Kind::kTimestamp, "kTimestamp"); !e.empty()) return e;
      time_t secs = static_cast<time_t>(v.timestamp_seconds());
      std::tm tm{};
      gmtime_r(&secs, &tm);
      got = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        Micros(v.timestamp_micros(), c.fsp));
      break;
    }
    case R::kEnum: {
      if (auto e = want_kind(Value::Kind::kUInt, "kUInt"); !e.empty()) return e;
      uint64_t i = v.as_uint();
      got = i == 0 ? ""
                   : (i <= c.elements.size() ? c.elements[i - 1]
                                             : "<index " + std::to_string(i) + ">");
      break;
    }
    case R::kSet: {
      if (auto e = want_kind(Value::Kind::kUInt, "kUInt"); !e.empty()) return e;
      for (size_t i = 0; i < c.elements.size(); ++i) {
        if (v.as_uint() & (1ull << i)) got += (got.empty() ? "" : ",") + c.elements[i];
      }
      break;
    }
  }
  return got == *db ? "" : mismatch("'" + got + "'");
}

using Snapshot = std::map<std::string, std::vector<std::optional<std::string>>>;  // id → row

Snapshot Select(MySqlConnection* c, const std::string& table, const std::vector<ColSpec>& cols) {
  Snapshot s;
  auto r = MustQuery(c, fmt::format("SELECT {} FROM {} ORDER BY id", SelectList(cols), table));
  for (auto& row : r.rows) s[*row[0]] = row;
  return s;
}

// Compares a decoded row image (id + cols) with a SELECT row; reports every mismatch.
void ExpectImage(const std::vector<Value>& image, const std::vector<std::optional<std::string>>& db,
                 const std::vector<ColSpec>& cols, const std::string& what) {
  ASSERT_EQ(image.size(), cols.size() + 1) << what;
  ColSpec id{"id", "INT", R::kInt, model::ColumnType::kInt};
  EXPECT_EQ(Compare(id, image[0], db[0]), "") << what;
  for (size_t i = 0; i < cols.size(); ++i) {
    EXPECT_EQ(Compare(cols[i], image[i + 1], db[i + 1]), "") << what;
  }
}

int64_t RowId(const std::vector<Value>& image) {
  return image.empty() ? -1 : image[0].kind() == Value::Kind::kInt ? image[0].as_int() : -1;
}

TEST(BinlogSourceIt, EveryColumnTypeDecodesLikeSelect) {
  auto sql = ConnectMariaDbWriter();
  const std::string db = DbName("types");
  FreshDb(sql.get(), db);
  const auto cols = TypeColumns();
  Must(sql.get(), testing::CreateTypesTable(fmt::format("`{}`.t", db), cols));
  const std::string table = fmt::format("`{}`.t", db);

  model::SourcePosition start = CurrentPosition(sql.get());
  ASSERT_FALSE(start.gtids.empty()) << "the fixture server runs with GTIDs";

  // Insert: min, max, all-NULL, typical.
  Must(sql.get(), testing::InsertTypesRows(table, cols));
  Snapshot s1 = Select(sql.get(), table, cols);
  ASSERT_EQ(s1.size(), 4u);

  Must(sql.get(), "BEGIN");
  Must(
      sql.get(),
      fmt::format("UPDATE {} SET c_int=42, c_varchar_utf8='updated ✓', "
                  "c_dt6='2000-01-01 00:00:00.000001', c_json='{{\"u\": 1}}', c_enum='a', "
                  "c_set='x,z', c_bit64=b'1', c_t2='-00:00:00.01', c_blob=NULL, "
                  "c_dec65='12345.678900000000000000000000000001', c_ts3='2001-02-03 04:05:06.789' "
                  "WHERE id=4",
                  table));
  Must(sql.get(), fmt::format("UPDATE {} SET c_int=1, c_varchar_utf8='was null', c_ubigint=7 "
                              "WHERE id=3",
                              table));
  Must(sql.get(), "COMMIT");
  Snapshot s2 = Select(sql.get(), table, cols);
  Must(sql.get(), fmt::format("DELETE FROM {} WHERE id IN (1, 2)", table));

  BinlogSource src(Config());
  auto st = src.Open(start);
  ASSERT_TRUE(st.ok()) << st.message();
  auto all = ReadUntil(&src, [&](const std::vector<ChangeEvent>& evs) {
    auto f = Filter(evs, db);
    return f.rows.size() >= 8 && f.commits.size() >= 3;
  });
  src.Close();
  auto got = Filter(all, db);
  ASSERT_EQ(got.rows.size(), 8u) << "expected 4 inserts, 2 updates, 2 deletes";
  ASSERT_EQ(got.commits.size(), 3u);

  // Schema metadata from binlog_row_metadata=FULL.
  const auto& schema = *got.rows[0].row.table;
  EXPECT_EQ(schema.schema, db);
  EXPECT_EQ(schema.table, "t");
  ASSERT_EQ(schema.columns.size(), cols.size() + 1);
  EXPECT_EQ(schema.columns[0].name, "id");
  EXPECT_TRUE(schema.columns[0].is_primary_key);
  for (size_t i = 0; i < cols.size(); ++i) {
    const auto& col = schema.columns[i + 1];
    EXPECT_EQ(col.name, cols[i].name);
    EXPECT_EQ(static_cast<int>(col.type), static_cast<int>(cols[i].type))
        << cols[i].name << " type " << model::ColumnTypeName(col.type);
    if (cols[i].r == R::kInt) EXPECT_EQ(col.is_unsigned, cols[i].is_unsigned) << cols[i].name;
  }

  for (int i = 0; i < 4; ++i) {
    const auto& rc = got.rows[i].row;
    ASSERT_EQ(rc.op, RowOp::kInsert) << i;
    std::string id = std::to_string(RowId(rc.after));
    ASSERT_TRUE(s1.count(id)) << id;
    ExpectImage(rc.after, s1[id], cols, "insert id=" + id);
  }
  for (int i = 4; i < 6; ++i) {
    const auto& rc = got.rows[i].row;
    ASSERT_EQ(rc.op, RowOp::kUpdate) << i;
    std::string id = std::to_string(RowId(rc.before));
    ASSERT_TRUE(id == "3" || id == "4") << id;
    ExpectImage(rc.before, s1[id], cols, "update before id=" + id);
    ExpectImage(rc.after, s2[id], cols, "update after id=" + id);
  }
  for (int i = 6; i < 8; ++i) {
    const auto& rc = got.rows[i].row;
    ASSERT_EQ(rc.op, RowOp::kDelete) << i;
    std::string id = std::to_string(RowId(rc.before));
    ASSERT_TRUE(id == "1" || id == "2") << id;
    ExpectImage(rc.before, s2[id], cols, "delete id=" + id);
  }
  // Commits carry increasing positions and the transaction's GTID.
  for (size_t i = 0; i < got.commits.size(); ++i) {
    EXPECT_FALSE(got.commits[i].position.gtids.empty());
    EXPECT_FALSE(got.commits[i].position.binlog.empty());
    EXPECT_FALSE(got.commits[i].txn.gtid.empty());
    if (i > 0) EXPECT_LT(got.commits[i - 1].position.binlog, got.commits[i].position.binlog);
  }
  Must(sql.get(), fmt::format("DROP DATABASE `{}`", db));
}

// ---------------------------------------------------------------------------------------------
// (b) Preflight errors: one clear line naming the fix.

uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(BinlogSourceIt, WrongPortIsUnavailableWithClearMessage) {
  uint16_t port = ClosedPort();
  BinlogSource src(Config("sluice", "sluice", port, "&connect-timeout=2s"));
  auto st = src.Open({});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kUnavailable) << st.message();
  EXPECT_EQ(st.action(), base::Action::kRetry);
  EXPECT_NE(st.message().find(
                fmt::format("cannot connect to MariaDB at 127.0.0.1:{}: Connection refused", port)),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("check host/port"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find('\n'), std::string::npos);
}

TEST(BinlogSourceIt, WrongPasswordNamesTheUserAndHidesThePassword) {
  BinlogSource src(Config(Env("SLUICE_MARIADB_USER"), "WrongPw123", Port()));
  auto st = src.Open({});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument) << st.message();
  EXPECT_NE(st.message().find("'" + Env("SLUICE_MARIADB_USER") + "'"), std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("WrongPw123"), std::string::npos) << st.message();
}

struct TempUser {
  std::string name;
  std::unique_ptr<MySqlConnection> root;
  TempUser(const std::string& n, const std::string& grants) : name(n), root(ConnectMariaDbRoot()) {
    Drop();
    auto st = root->Exec(fmt::format("CREATE USER '{}'@'%' IDENTIFIED BY 'pw'", name));
    if (!st.ok()) throw std::runtime_error(st.message());
    if (!grants.empty()) {
      st = root->Exec(fmt::format("GRANT {} ON *.* TO '{}'@'%'", grants, name));
      if (!st.ok()) throw std::runtime_error(st.message());
    }
  }
  void Drop() { (void)root->Exec(fmt::format("DROP USER IF EXISTS '{}'@'%'", name)); }
  ~TempUser() { Drop(); }
};

TEST(BinlogSourceIt, UserWithoutReplicationSlaveGetsGrantHint) {
  TempUser u(fmt::format("it_norepl_{}", getpid()), "SELECT, BINLOG MONITOR");
  BinlogSource src(Config(u.name, "pw", Port()));
  auto st = src.Open({});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find(fmt::format("user '{}' lacks REPLICATION SLAVE", u.name)),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find(
                fmt::format("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '{}'@'%'", u.name)),
            std::string::npos)
      << st.message();
}

TEST(BinlogSourceIt, UserWithoutBinlogMonitorGetsGrantHint) {
  TempUser u(fmt::format("it_nomon_{}", getpid()), "SELECT, REPLICATION SLAVE");
  BinlogSource src(Config(u.name, "pw", Port()));
  auto st = src.Open({});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("lacks BINLOG MONITOR"), std::string::npos) << st.message();
}

TEST(BinlogSourceIt, UserWithReplicationGrantsOnlyCanStream) {
  TempUser u(fmt::format("it_repl_{}", getpid()), "REPLICATION SLAVE, BINLOG MONITOR");
  BinlogSource src(Config(u.name, "pw", Port()));
  auto st = src.Open({});
  ASSERT_TRUE(st.ok()) << st.message();
  // A heartbeat proves the dump was accepted.
  auto evs = ReadUntil(
      &src,
      [](const std::vector<ChangeEvent>& e) {
        for (const auto& x : e)
          if (x.kind == ChangeEvent::Kind::kHeartbeat) return true;
        return false;
      },
      milliseconds(10'000));
  bool hb = false;
  for (const auto& e : evs) hb |= e.kind == ChangeEvent::Kind::kHeartbeat;
  EXPECT_TRUE(hb);
}

TEST(BinlogSourceIt, KilledDumpConnectionIsUnavailable) {
  TempUser u(fmt::format("it_kill_{}", getpid()), "REPLICATION SLAVE, BINLOG MONITOR");
  BinlogSource src(Config(u.name, "pw", Port()));
  ASSERT_TRUE(src.Open({}).ok());
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(src.Read(&out, 100, milliseconds(300)).ok());
  auto ids = MustQuery(u.root.get(),
                       fmt::format("SELECT ID FROM information_schema.PROCESSLIST WHERE USER='{}' "
                                   "AND COMMAND LIKE 'Binlog Dump%'",
                                   u.name));
  ASSERT_EQ(ids.rows.size(), 1u);
  ASSERT_TRUE(u.root->Exec("KILL CONNECTION " + *ids.rows[0][0]).ok());
  base::Status st;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (st.ok() && std::chrono::steady_clock::now() < deadline) {
    out.clear();
    st = src.Read(&out, 100, milliseconds(200));
  }
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kUnavailable) << st.message();
  EXPECT_EQ(st.action(), base::Action::kRetry);
}

// A throwaway MariaDB of our own (scripts/mariadb.sh) for tests that change global settings:
// flipping binlog_format or binlog_row_metadata on the shared fixture server would break every
// test running concurrently and leave undecodable events in its binlog.
class PrivateServer {
 public:
  PrivateServer() {
    port_ = ClosedPort();
    dir_ = fmt::format("/tmp/sluice-it-{}-{}", getpid(), port_);
    std::string cmd = fmt::format("{}/scripts/mariadb.sh start {} {} >{}.log 2>&1",
                                  SLUICE_SOURCE_DIR, dir_, port_, dir_);
    ok_ = std::system(cmd.c_str()) == 0;
  }
  ~PrivateServer() {
    std::string cmd = fmt::format("{}/scripts/mariadb.sh stop {} >/dev/null 2>&1; rm -rf {} {}.log",
                                  SLUICE_SOURCE_DIR, dir_, dir_, dir_);
    (void)std::system(cmd.c_str());
  }
  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  std::string log() const { return dir_ + ".log"; }
  std::unique_ptr<MySqlConnection> Root() const {
    ConnectOptions o;
    o.unix_socket = dir_ + "/mysql.sock";
    o.user = "root";
    auto c = MySqlConnection::Connect(o);
    if (!c.ok()) throw std::runtime_error(c.status().message());
    return std::move(c).value();
  }

 private:
  std::string dir_;
  uint16_t port_ = 0;
  bool ok_ = false;
};

TEST(BinlogSourceIt, WrongServerSettingsAreRejectedWithFix) {
  PrivateServer srv;
  ASSERT_TRUE(srv.ok()) << "could not start a private MariaDB; see " << srv.log();
  auto root = srv.Root();
  const std::string ep = fmt::format("127.0.0.1:{}", srv.port());
  struct Case {
    std::string var, bad, expect;
  };
  const Case cases[] = {
      {"binlog_format", "MIXED",
       "binlog_format is MIXED on " + ep + "; sluice needs ROW: SET GLOBAL binlog_format=ROW"},
      {"binlog_format", "STATEMENT", "binlog_format is STATEMENT on " + ep},
      {"binlog_row_image", "MINIMAL",
       "binlog_row_image is MINIMAL on " + ep +
           "; sluice needs FULL: SET GLOBAL binlog_row_image=FULL"},
      {"binlog_row_metadata", "MINIMAL",
       "binlog_row_metadata is MINIMAL on " + ep + "; sluice needs FULL"},
      {"log_bin_compress", "ON",
       "log_bin_compress is ON on " + ep +
           "; sluice cannot read compressed binlog events: "
           "SET GLOBAL log_bin_compress=OFF"},
  };
  for (const auto& c : cases) {
    auto old = MustQuery(root.get(), "SELECT @@global." + c.var);
    std::string saved = *old.rows[0][0];
    ASSERT_TRUE(root->Exec(fmt::format("SET GLOBAL {}='{}'", c.var, c.bad)).ok()) << c.var;
    base::Status st;
    {
      BinlogSource src(Config("sluice", "sluice", srv.port()));
      st = src.Open({});
    }
    bool numeric = !saved.empty() && saved.find_first_not_of("0123456789") == std::string::npos;
    auto restore = root->Exec(numeric ? fmt::format("SET GLOBAL {}={}", c.var, saved)
                                      : fmt::format("SET GLOBAL {}='{}'", c.var, saved));
    ASSERT_TRUE(restore.ok()) << c.var << ": " << restore.message();
    ASSERT_FALSE(st.ok()) << c.var << "=" << c.bad;
    EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
  }
  // With every setting restored the same source opens.
  BinlogSource src(Config("sluice", "sluice", srv.port()));
  auto st = src.Open({});
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(BinlogSourceIt, UnknownGtidIsFailedPrecondition) {
  BinlogSource src(Config());
  model::SourcePosition p;
  p.gtids = model::MariaGtidSet::Parse("0-1-4000000000").value();
  auto st = src.Open(p);
  std::vector<ChangeEvent> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (st.ok() && std::chrono::steady_clock::now() < deadline) {
    st = src.Read(&out, 100, milliseconds(200));
  }
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("gtid:0-1-4000000000"), std::string::npos) << st.message();
}

TEST(BinlogSourceIt, StartEarliestReadsFromTheFirstBinlog) {
  BinlogSource src(Config("sluice", "sluice", Port(), "&start=earliest"));
  ASSERT_TRUE(src.Open({}).ok());
  auto sql = ConnectMariaDbWriter();
  auto logs = MustQuery(sql.get(), "SHOW BINARY LOGS");
  ASSERT_FALSE(logs.rows.empty());
  // The resolved start is the first file at offset 4 (or its GTID equivalent).
  EXPECT_EQ(src.committed_position().binlog.file, *logs.rows[0][0]);
  EXPECT_EQ(src.committed_position().binlog.offset, 4u);
  // The first commit read lies in that first file.
  auto all = ReadUntil(&src, [](const std::vector<ChangeEvent>& e) {
    for (const auto& x : e) {
      if (x.kind == ChangeEvent::Kind::kCommit || x.kind == ChangeEvent::Kind::kDdl) return true;
    }
    return false;
  });
  const ChangeEvent* first = nullptr;
  for (const auto& e : all) {
    if (e.kind == ChangeEvent::Kind::kCommit || e.kind == ChangeEvent::Kind::kDdl) {
      first = &e;
      break;
    }
  }
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->position.binlog.file, *logs.rows[0][0]);
}

TEST(BinlogSourceIt, PurgedOrUnknownFilePositionIsFailedPrecondition) {
  BinlogSource src(Config());
  model::SourcePosition p;
  p.binlog = {"mysql-bin.999999", 4};
  auto st = src.Open(p);
  if (st.ok()) {
    std::vector<ChangeEvent> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (st.ok() && std::chrono::steady_clock::now() < deadline) {
      st = src.Read(&out, 100, milliseconds(200));
    }
  }
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("binlog position file:mysql-bin.999999:4 is no longer on the server"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("start=now"), std::string::npos) << st.message();
}

TEST(BinlogSourceIt, ServerIdEqualToServersOwnIsRejected) {
  auto sql = ConnectMariaDbWriter();
  auto r = MustQuery(sql.get(), "SELECT @@server_id");
  auto cfg = ParseMySqlSourceUri(
      fmt::format("mysql://{}:{}@{}:{}/?server-id={}", Env("SLUICE_MARIADB_USER"),
                  Env("SLUICE_MARIADB_PASSWORD"), Host(), Port(), *r.rows[0][0]));
  ASSERT_TRUE(cfg.ok());
  BinlogSource src(*cfg);
  auto st = src.Open({});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("server-id"), std::string::npos) << st.message();
}

// ---------------------------------------------------------------------------------------------
// Idle behaviour, start=now, Close from another thread.

TEST(BinlogSourceIt, IdleReadHonoursWaitAndHeartbeatsArrive) {
  BinlogSource src(Config());
  ASSERT_TRUE(src.Open({}).ok());
  auto t0 = std::chrono::steady_clock::now();
  std::vector<ChangeEvent> out;
  bool hb = false;
  int commits = 0;  // other tests' transactions on the shared server
  // Each Read returns within its wait (+ slack); heartbeats keep coming while idle. The server
  // is shared with tests running in parallel, and MariaDB sends a heartbeat only after a
  // period without events, so keep reading until a heartbeat arrives (bounded).
  for (int i = 0; i < 150 && !hb; ++i) {
    auto r0 = std::chrono::steady_clock::now();
    out.clear();
    auto st = src.Read(&out, 10, milliseconds(100));
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_LT(std::chrono::steady_clock::now() - r0, milliseconds(600));
    for (const auto& e : out) {
      if (e.kind == ChangeEvent::Kind::kCommit) ++commits;
      if (e.kind == ChangeEvent::Kind::kHeartbeat) {
        hb = true;
        EXPECT_FALSE(e.position.empty());
      }
    }
  }
  EXPECT_TRUE(hb)
      << "no heartbeat within "
      << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count()
      << " ms (" << commits << " transactions of other tests seen meanwhile)";
}

TEST(BinlogSourceIt, StartNowSeesOnlyLaterTransactions) {
  auto sql = ConnectMariaDbWriter();
  const std::string db = DbName("now");
  FreshDb(sql.get(), db);
  Must(sql.get(), fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY)", db));
  Must(sql.get(), fmt::format("INSERT INTO `{}`.t VALUES (1)", db));
  BinlogSource src(Config());
  ASSERT_TRUE(src.Open({}).ok());
  Must(sql.get(), fmt::format("INSERT INTO `{}`.t VALUES (2)", db));
  auto all = ReadUntil(
      &src, [&](const std::vector<ChangeEvent>& e) { return Filter(e, db).commits.size() >= 1; });
  auto f = Filter(all, db);
  ASSERT_EQ(f.rows.size(), 1u);
  EXPECT_EQ(RowId(f.rows[0].row.after), 2);
  Must(sql.get(), fmt::format("DROP DATABASE `{}`", db));
}

TEST(BinlogSourceIt, CloseFromAnotherThreadUnblocksRead) {
  BinlogSource src(Config("sluice", "sluice", Port(), "&heartbeat=30s&read-timeout=2m"));
  ASSERT_TRUE(src.Open({}).ok());
  // Drain the initial events (fake ROTATE, FDE, ...).
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(src.Read(&out, 100, milliseconds(300)).ok());
  auto t0 = std::chrono::steady_clock::now();
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(300));
    src.Close();
  });
  out.clear();
  auto st = src.Read(&out, 100, milliseconds(20'000));
  closer.join();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, milliseconds(5'000));
  EXPECT_TRUE(st.ok() || st.code() == base::Code::kCancelled) << st.message();
}

TEST(BinlogSourceIt, EventLargerThan16MiBIsReassembled) {
  auto sql = ConnectMariaDbWriter();
  const std::string db = DbName("big");
  FreshDb(sql.get(), db);
  Must(sql.get(), fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY, b LONGBLOB)", db));
  model::SourcePosition start = CurrentPosition(sql.get());
  // 20 MiB: one ROWS event spanning two protocol packets (0xFFFFFF continuation).
  Must(sql.get(), fmt::format("INSERT INTO `{}`.t VALUES (1, REPEAT(0x00FF01, 7340032))", db));
  auto want = MustQuery(sql.get(), fmt::format("SELECT b FROM `{}`.t", db));
  BinlogSource src(Config());
  ASSERT_TRUE(src.Open(start).ok());
  auto all = ReadUntil(
      &src, [&](const std::vector<ChangeEvent>& e) { return Filter(e, db).commits.size() >= 1; });
  auto f = Filter(all, db);
  ASSERT_EQ(f.rows.size(), 1u);
  ASSERT_EQ(f.rows[0].row.after.size(), 2u);
  const std::string& got = f.rows[0].row.after[1].as_string();
  EXPECT_EQ(got.size(), 21u * 1024 * 1024);
  EXPECT_TRUE(got == *want.rows[0][0]);
  Must(sql.get(), fmt::format("DROP DATABASE `{}`", db));
}

// ---------------------------------------------------------------------------------------------
// (c) Resume at committed_position(): no loss, no duplicate.

void ResumeTest(bool by_gtid) {
  auto sql = ConnectMariaDbWriter();
  const std::string db = DbName(by_gtid ? "resume_gtid" : "resume_file");
  FreshDb(sql.get(), db);
  Must(sql.get(), fmt::format("CREATE TABLE `{}`.t (id INT PRIMARY KEY, v VARCHAR(20))", db));
  model::SourcePosition start = CurrentPosition(sql.get());
  if (!by_gtid) start.gtids = {};
  for (int i = 1; i <= 6; ++i) {
    Must(sql.get(), fmt::format("INSERT INTO `{}`.t VALUES ({}, 'v{}')", db, i, i));
  }

  model::SourcePosition resume;
  {
    BinlogSource src(Config());
    auto st = src.Open(start);
    ASSERT_TRUE(st.ok()) << st.message();
    // One event per Read so we stop exactly at the commit of the third transaction.
    auto all = ReadUntil(
        &src, [&](const std::vector<ChangeEvent>& e) { return Filter(e, db).commits.size() >= 3; },
        milliseconds(30'000), 1);
    auto f = Filter(all, db);
    ASSERT_EQ(f.rows.size(), 3u);
    ASSERT_EQ(f.commits.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(RowId(f.rows[i].row.after), i + 1);
    ASSERT_EQ(all.back().kind, ChangeEvent::Kind::kCommit);
    resume = src.committed_position();
    EXPECT_EQ(resume.Serialize(), all.back().position.Serialize());
    EXPECT_FALSE(resume.binlog.empty());
    EXPECT_FALSE(resume.gtids.empty()) << "GTID position is tracked in both modes";
  }
  if (by_gtid) {
    resume.binlog = {};
  } else {
    resume.gtids = {};
  }
  BinlogSource src(Config());
  auto st = src.Open(resume);
  ASSERT_TRUE(st.ok()) << st.message();
  auto all = ReadUntil(
      &src, [&](const std::vector<ChangeEvent>& e) { return Filter(e, db).commits.size() >= 3; });
  auto f = Filter(all, db);
  ASSERT_EQ(f.rows.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RowId(f.rows[i].row.after), i + 4)
        << "row " << i << " after resuming at " << resume.Serialize();
  }
  Must(sql.get(), fmt::format("DROP DATABASE `{}`", db));
}

TEST(BinlogSourceIt, ResumeByGtidHasNoLossNoDuplicate) { ResumeTest(true); }
TEST(BinlogSourceIt, ResumeByFilePositionHasNoLossNoDuplicate) { ResumeTest(false); }

}  // namespace
}  // namespace sluice::source::mysql
