// The MySQL and PostgreSQL row sinks against the real servers of the `servers` fixture:
// idempotent apply (replaying a batch converges), key-changing updates, NULLs, errors that name
// the table and the fix, ignore-write-errors, create-tables. Contents are checked with queries
// and with the table diff.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <charconv>
#include <limits>
#include <map>
#include <thread>

#include "base/crc32.h"
#include "diff/table_diff.h"
#include "sink/database/database_sink_options.h"
#include "sink/database/pg_connection.h"
#include "sink/database/row_sink_factory.h"
#include "test_env.h"
#include "test_mariadb.h"
#include "test_postgres.h"

namespace sluice::sink::database {
namespace {

using model::Column;
using model::ColumnType;
using model::Value;
using testing::Env;

std::string Unique(const std::string& base) {
  static int n = 0;
  return base + "_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
}

// A table `db`.`items` (id int PK, name varchar(8), price decimal(10,2), raw varbinary(16),
// at datetime(6), tags set('a','b','c')).
model::TableSchemaPtr Items(const std::string& db) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = db;
  t->table = "items";
  auto col = [&](const char* name, ColumnType type) {
    Column c;
    c.name = name;
    c.type = type;
    t->columns.push_back(c);
    return &t->columns.back();
  };
  Column* id = col("id", ColumnType::kInt);
  id->is_primary_key = true;
  id->nullable = false;
  col("name", ColumnType::kVarChar)->length = 32;
  Column* price = col("price", ColumnType::kDecimal);
  price->precision = 10;
  price->scale = 2;
  Column* raw = col("raw", ColumnType::kVarBinary);
  raw->length = 16;
  raw->collation = model::kBinaryCollation;
  col("at", ColumnType::kDateTime)->fsp = 6;
  col("tags", ColumnType::kSet)->elements = {"a", "b", "c"};
  t->primary_key = {0};
  return t;
}

std::vector<Value> Row(int id, std::optional<std::string> name, const char* price = "1.50") {
  model::Temporal at{
      .year = 2024, .month = 5, .day = 6, .hour = 7, .minute = 8, .second = 9, .micros = 10};
  return {Value::Int(id),        name ? Value::String(*name) : Value::Null(),
          Value::Decimal(price), Value::String(std::string("\x00\x01\xfe", 3)),
          Value::DateTime(at),   Value::UInt(5)};
}

model::RowChange Insert(const model::TableSchemaPtr& t, std::vector<Value> after) {
  return {model::RowOp::kInsert, t, {}, std::move(after)};
}
model::RowChange Update(const model::TableSchemaPtr& t, std::vector<Value> before,
                        std::vector<Value> after) {
  return {model::RowOp::kUpdate, t, std::move(before), std::move(after)};
}
model::RowChange Delete(const model::TableSchemaPtr& t, std::vector<Value> before) {
  return {model::RowOp::kDelete, t, std::move(before), {}};
}

struct Acks {
  std::map<uint64_t, base::Status> by_token;
  sink::DeliveryCallback Callback() {
    return [this](uint64_t token, const base::Status& st) { by_token[token] = st; };
  }
};

// The workload: inserts, an update, a key change, a delete, a NULL.
std::vector<model::RowChange> Workload(const model::TableSchemaPtr& t) {
  return {Insert(t, Row(1, "one")),
          Insert(t, Row(2, "two")),
          Insert(t, Row(3, std::nullopt)),
          Update(t, Row(1, "one"), Row(1, "uno", "9.99")),
          Update(t, Row(2, "two"), Row(20, "twenty")),  // key change
          Delete(t, Row(3, std::nullopt)),
          Insert(t, Row(4, "four")),
          Update(t, Row(4, "four"), Row(4, std::nullopt))};
}

base::Status ApplyAll(sink::RowSink& sink, const std::vector<model::RowChange>& rows,
                      uint64_t first_token) {
  model::TxnInfo txn;
  uint64_t token = first_token;
  for (const auto& r : rows) SLUICE_RETURN_IF_ERROR(sink.Apply(r, txn, token++));
  return sink.Flush(10000);
}

class RowSinkTest : public ::testing::TestWithParam<bool> {  // true: PostgreSQL
 protected:
  void SetUp() override {
    db_ = Unique("dbsink_rs");
    my_ = testing::ConnectMariaDb();
    ASSERT_TRUE(my_->Exec("CREATE DATABASE " + db_).ok());
    if (GetParam()) {
      pg_ = testing::ConnectPostgres();
      ASSERT_TRUE(pg_->Exec("CREATE SCHEMA " + db_).ok());
    }
  }
  void TearDown() override {
    static_cast<void>(my_->Exec("DROP DATABASE IF EXISTS " + db_));
    if (pg_) static_cast<void>(pg_->Exec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE"));
  }
  std::string Uri(const std::string& query) {
    return GetParam() ? testing::PostgresUri(query) : testing::MariaDbUri(query);
  }
  void CreateItems() {
    if (GetParam()) {
      ASSERT_TRUE(pg_->Exec("CREATE TABLE " + db_ +
                            ".items (id integer PRIMARY KEY, name varchar(8), price "
                            "numeric(10,2), raw bytea, at timestamp(6), tags text)")
                      .ok());
    } else {
      ASSERT_TRUE(my_->Exec("CREATE TABLE " + db_ +
                            ".items (id int PRIMARY KEY, name varchar(8), price decimal(10,2), "
                            "raw varbinary(16), at datetime(6), tags set('a','b','c'))")
                      .ok());
    }
  }
  // id -> name (NULL as "NULL") read back from the target.
  std::map<std::string, std::string> Names() {
    std::map<std::string, std::string> out;
    std::string sql = "SELECT id, name, price FROM " + db_ + ".items";
    if (GetParam()) {
      auto r = pg_->Query(sql);
      EXPECT_TRUE(r.ok()) << r.status().message();
      for (auto& row : r->rows) out[*row[0]] = row[1].value_or("NULL") + "/" + *row[2];
    } else {
      auto r = my_->Query(sql);
      EXPECT_TRUE(r.ok()) << r.status().message();
      for (auto& row : r->rows) out[*row[0]] = row[1].value_or("NULL") + "/" + *row[2];
    }
    return out;
  }

  std::string db_;
  std::unique_ptr<source::mysql::MySqlConnection> my_;
  std::unique_ptr<PgConnection> pg_;
};

TEST_P(RowSinkTest, AppliesWorkloadAndReplayConverges) {
  CreateItems();
  auto t = Items(db_);
  auto opts = ParseDatabaseSinkUri(Uri("?batch-rows=3"));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  auto rows = Workload(t);
  ASSERT_TRUE(ApplyAll(**sink, rows, 1).ok());
  std::map<std::string, std::string> want = {
      {"1", "uno/9.99"}, {"20", "twenty/1.50"}, {"4", "NULL/1.50"}};
  EXPECT_EQ(Names(), want);
  ASSERT_EQ(acks.by_token.size(), rows.size());
  for (auto& [token, st] : acks.by_token) EXPECT_TRUE(st.ok()) << token << ": " << st.message();

  // At-least-once replay of everything (what a restart from an old checkpoint does), in one
  // batch this time: the same content.
  auto again = ParseDatabaseSinkUri(Uri("?batch-rows=100"));
  auto sink2 = CreateDatabaseRowSink(*again, acks.Callback());
  ASSERT_TRUE(sink2.ok());
  ASSERT_TRUE(ApplyAll(**sink2, rows, 100).ok());
  EXPECT_EQ(Names(), want);
}

TEST_P(RowSinkTest, MissingTableStopsWithTheFix) {
  auto t = Items(db_);
  auto opts = ParseDatabaseSinkUri(Uri(""));
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  base::Status st = ApplyAll(**sink, {Insert(t, Row(1, "x"))}, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.action(), base::Action::kStop);
  EXPECT_NE(st.message().find(db_ + ".items does not exist"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("create-tables=true"), std::string::npos) << st.message();
  ASSERT_EQ(acks.by_token.size(), 1u);
  EXPECT_FALSE(acks.by_token[1].ok());
}

TEST_P(RowSinkTest, TableWithoutPrimaryKeyIsRejectedWithTheFix) {
  auto t = std::make_shared<model::TableSchema>(*Items(db_));
  t->primary_key.clear();
  auto opts = ParseDatabaseSinkUri(Uri("?create-tables=true"));
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  base::Status st = ApplyAll(**sink, {Insert(t, Row(1, "x"))}, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has no primary key"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("ADD PRIMARY KEY"), std::string::npos) << st.message();
}

TEST_P(RowSinkTest, DataErrorNamesTableAndKeyOrIsSkippedWithIgnoreWriteErrors) {
  CreateItems();  // name is varchar(8) on the target
  auto t = Items(db_);
  std::vector<model::RowChange> rows = {Insert(t, Row(1, "ok")),
                                        Insert(t, Row(2, "much-too-long-for-eight")),
                                        Insert(t, Row(3, "fine"))};
  {
    auto opts = ParseDatabaseSinkUri(Uri(""));
    Acks acks;
    auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
    ASSERT_TRUE(sink.ok());
    base::Status st = ApplyAll(**sink, rows, 1);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.action(), base::Action::kStop) << st.message();
    EXPECT_NE(st.message().find("INSERT of " + db_ + ".items key (id=2)"), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("ignore-write-errors=true"), std::string::npos);
    EXPECT_TRUE(Names().empty()) << "the failed batch must be rolled back";
    for (auto& [token, s] : acks.by_token) EXPECT_FALSE(s.ok());
  }
  auto opts = ParseDatabaseSinkUri(Uri("?ignore-write-errors=true"));
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE(ApplyAll(**sink, rows, 1).ok());
  std::map<std::string, std::string> want = {{"1", "ok/1.50"}, {"3", "fine/1.50"}};
  EXPECT_EQ(Names(), want);
  ASSERT_EQ(acks.by_token.size(), 3u);
  for (auto& [token, s] : acks.by_token) EXPECT_TRUE(s.ok()) << "token " << token << " not acked";
}

TEST_P(RowSinkTest, CreateTablesMakesTheTargetAndDiffMatchesTheSource) {
  // Source rows in MariaDB (the diff's left side), replicated by the sink into a created table.
  auto t = Items(db_);
  std::string src = db_ + "_src";
  ASSERT_TRUE(my_->Exec("CREATE DATABASE " + src).ok());
  ASSERT_TRUE(my_->Exec("CREATE TABLE " + src +
                        ".items (id int PRIMARY KEY, name varchar(32), price decimal(10,2), "
                        "raw varbinary(16), at datetime(6), tags set('a','b','c'))")
                  .ok());
  ASSERT_TRUE(my_->Exec("INSERT INTO " + src +
                        ".items VALUES (1,'uno',9.99,X'0001FE','2024-05-06 07:08:09.000010','a,c'),"
                        "(20,'twenty',1.50,X'0001FE','2024-05-06 07:08:09.000010','a,c'),"
                        "(4,NULL,1.50,X'0001FE','2024-05-06 07:08:09.000010','a,c')")
                  .ok());
  std::string target =
      GetParam() ? "?create-tables=true&schema=" + db_ : "?create-tables=true&database=" + db_;
  auto opts = ParseDatabaseSinkUri(Uri(target));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  auto src_schema = Items(src);
  ASSERT_TRUE(ApplyAll(**sink, Workload(src_schema), 1).ok());

  diff::DiffOptions d;
  d.left_uri = testing::MariaDbUri();
  d.right_uri = Uri(GetParam() ? "?schema=" + db_ : "?database=" + db_);
  d.table = src + ".items";
  auto report = diff::DiffTables(d);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->equal()) << report->ToString();
  EXPECT_EQ(report->left_rows, 3u);
  EXPECT_EQ(report->right_rows, 3u);
  static_cast<void>(my_->Exec("DROP DATABASE IF EXISTS " + src));
}

TEST_P(RowSinkTest, DdlIsAppliedOnMariaDbWithDdlApplyAndSkippedOtherwise) {
  auto opts = ParseDatabaseSinkUri(GetParam() ? Uri("") : Uri("?ddl=apply&database=" + db_));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  model::TxnInfo txn;
  model::DdlEvent create{"upstream_db", "d", "CREATE TABLE d (id INT PRIMARY KEY)"};
  model::DdlEvent alter{"upstream_db", "d", "ALTER TABLE d ADD COLUMN v INT"};
  // Applied twice: a replay after a restart must not stop the changefeed.
  for (uint64_t token : {1, 2}) {
    ASSERT_TRUE((*sink)->ApplyDdl(create, txn, token * 10).ok());
    ASSERT_TRUE((*sink)->ApplyDdl(alter, txn, token * 10 + 1).ok());
  }
  EXPECT_EQ(acks.by_token.size(), 4u);
  auto cols = my_->Query(
      "SELECT column_name FROM information_schema.columns WHERE "
      "table_schema='" +
      db_ + "' AND table_name='d' ORDER BY 1");
  ASSERT_TRUE(cols.ok());
  // MariaDB target: the DDL ran in the mapped database; PostgreSQL target: skipped (and nothing
  // was created on the MariaDB side either).
  EXPECT_EQ(cols->rows.size(), GetParam() ? 0u : 2u);
  if (GetParam()) {
    auto r = pg_->Query(
        "SELECT 1 FROM information_schema.tables WHERE table_name='d' AND "
        "table_schema='upstream_db'");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->rows.empty());
  }
}

TEST_P(RowSinkTest, NewSchemaObjectsForTheSameTableReuseTheResolvedTarget) {
  CreateItems();
  auto opts = ParseDatabaseSinkUri(Uri("?batch-rows=2"));
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  model::TxnInfo txn;
  for (int i = 1; i <= 5; ++i) {  // a fresh TableSchema per row, as a message decoder makes
    ASSERT_TRUE((*sink)->Apply(Insert(Items(db_), Row(i, "n")), txn, i).ok());
  }
  ASSERT_TRUE((*sink)->Flush(10000).ok());
  EXPECT_EQ(Names().size(), 5u);
}

// A lock held by another session makes the sink's statement fail with lock_not_available
// (lock_timeout is set on a dedicated role): the batch is retried inside the sink and succeeds
// once the lock is gone; with max-retries=0 the error is returned as retriable (Aborted) so the
// changefeed restarts from its checkpoint instead of stopping.
TEST(PostgresRowSinkLocks, LockTimeoutIsRetriedThenSucceeds) {
  PgConnectOptions admin_opts;
  admin_opts.host = Env("SLUICE_POSTGRES_SOCKET_DIR");
  admin_opts.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_POSTGRES_PORT")));
  admin_opts.user = "postgres";
  admin_opts.database = Env("SLUICE_POSTGRES_DATABASE");
  auto admin = PgConnection::Connect(admin_opts);
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  const std::string ns = Unique("dbsink_lock");
  const std::string role = ns + "_role";
  ASSERT_TRUE((*admin)
                  ->Exec("CREATE ROLE " + role + " LOGIN PASSWORD 'pw' IN ROLE " +
                         Env("SLUICE_POSTGRES_USER"))
                  .ok());
  ASSERT_TRUE((*admin)->Exec("ALTER ROLE " + role + " SET lock_timeout = '200ms'").ok());
  ASSERT_TRUE(
      (*admin)->Exec("CREATE SCHEMA " + ns + " AUTHORIZATION " + Env("SLUICE_POSTGRES_USER")).ok());
  ASSERT_TRUE((*admin)
                  ->Exec("CREATE TABLE " + ns +
                         ".items (id integer PRIMARY KEY, name text, price numeric, raw "
                         "bytea, at timestamp, tags text)")
                  .ok());
  ASSERT_TRUE((*admin)->Exec("GRANT ALL ON SCHEMA " + ns + " TO " + role).ok());
  ASSERT_TRUE((*admin)->Exec("GRANT ALL ON ALL TABLES IN SCHEMA " + ns + " TO " + role).ok());
  ASSERT_TRUE((*admin)->Exec("INSERT INTO " + ns + ".items (id, name) VALUES (1, 'old')").ok());

  auto uri = [&](const std::string& q) {
    return "postgres://" + role + ":pw@127.0.0.1:" + Env("SLUICE_POSTGRES_PORT") + "/" +
           Env("SLUICE_POSTGRES_DATABASE") + "?schema=" + ns + q;
  };
  auto t = Items("upstream");
  auto rows = std::vector<model::RowChange>{Update(t, Row(1, "old"), Row(1, "new"))};

  // The other session's lock: BEGIN; SELECT .. FOR UPDATE, released after 1.2 s.
  auto locker_or = PgConnection::Connect(admin_opts);
  ASSERT_TRUE(locker_or.ok());
  auto& locker = *locker_or;
  ASSERT_TRUE(locker->Exec("BEGIN").ok());
  ASSERT_TRUE(locker->Exec("SELECT 1 FROM " + ns + ".items WHERE id = 1 FOR UPDATE").ok());
  {
    auto opts = ParseDatabaseSinkUri(uri("&max-retries=0"));
    ASSERT_TRUE(opts.ok()) << opts.status().message();
    Acks acks;
    auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    base::Status st = ApplyAll(**sink, rows, 1);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), base::Code::kAborted) << st.message();
    EXPECT_EQ(st.action(), base::Action::kRetry);
  }
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    static_cast<void>(locker->Exec("COMMIT"));
  });
  auto opts = ParseDatabaseSinkUri(uri("&max-retries=10"));
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  base::Status st = ApplyAll(**sink, rows, 1);
  release.join();
  EXPECT_TRUE(st.ok()) << st.message();
  auto r = (*admin)->Query("SELECT name FROM " + ns + ".items WHERE id = 1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows[0][0].value_or(""), "new");
  EXPECT_TRUE(acks.by_token[1].ok());
  sink->reset();
  static_cast<void>((*admin)->Exec("DROP SCHEMA " + ns + " CASCADE"));
  static_cast<void>((*admin)->Exec("DROP ROLE " + role));
}

// FLOAT/DOUBLE values reach the target bit for bit: no fixed-point literal cut to DECIMAL's 65
// digits (1e300 became 1e65, 1e-300 became 0), no double rounding of a FLOAT.
TEST_P(RowSinkTest, FloatsAndDoublesAreStoredBitExactly) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = db_;
  t->table = "fd";
  Column id;
  id.name = "id";
  id.type = ColumnType::kInt;
  id.nullable = false;
  Column d;
  d.name = "d";
  d.type = ColumnType::kDouble;
  Column f;
  f.name = "f";
  f.type = ColumnType::kFloat;
  t->columns = {id, d, f};
  t->primary_key = {0};
  const std::vector<std::pair<double, float>> values = {
      {1e300, 3e38f},
      {1e-300, 1.5e-38f},
      {-1.5e70, 1e-30f},
      {0.1, 866.9985f},
      {std::numeric_limits<double>::max(), std::numeric_limits<float>::max()},
      {std::numeric_limits<double>::min(), std::numeric_limits<float>::min()},
      {std::numeric_limits<double>::denorm_min(), std::numeric_limits<float>::denorm_min()},
      {123456789.12345679, -0.30000001f},
      {0.30000000000000004, 16777217.0f}};
  std::vector<model::RowChange> rows;
  for (size_t i = 0; i < values.size(); ++i) {
    rows.push_back(Insert(t, {Value::Int(static_cast<int64_t>(i)), Value::Double(values[i].first),
                              Value::Float(values[i].second)}));
  }
  auto opts = ParseDatabaseSinkUri(Uri(GetParam() ? "?create-tables=true&schema=" + db_
                                                  : "?create-tables=true&database=" + db_));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  base::Status st = ApplyAll(**sink, rows, 1);
  ASSERT_TRUE(st.ok()) << st.message();

  // Both servers print doubles (and PostgreSQL reals) in a round-trip form; a MariaDB FLOAT is
  // read as its exact double.
  std::string sql = GetParam() ? "SELECT id, d::text, f::text FROM " + db_ + ".fd ORDER BY id"
                               : "SELECT id, d, CAST(f AS DOUBLE) FROM " + db_ + ".fd ORDER BY id";
  std::vector<std::vector<std::optional<std::string>>> got;
  if (GetParam()) {
    auto r = pg_->Query(sql);
    ASSERT_TRUE(r.ok()) << r.status().message();
    got = r->rows;
  } else {
    auto r = my_->Query(sql);
    ASSERT_TRUE(r.ok()) << r.status().message();
    got = r->rows;
  }
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string dt = got[i][1].value_or(""), ft = got[i][2].value_or("");
    double dv = 0;
    float fv = 0;
    ASSERT_EQ(std::from_chars(dt.data(), dt.data() + dt.size(), dv).ec, std::errc()) << dt;
    ASSERT_EQ(std::from_chars(ft.data(), ft.data() + ft.size(), fv).ec, std::errc()) << ft;
    EXPECT_EQ(std::bit_cast<uint64_t>(dv), std::bit_cast<uint64_t>(values[i].first))
        << "row " << i << ": wrote " << values[i].first << ", the target holds " << dt;
    EXPECT_EQ(std::bit_cast<uint32_t>(fv), std::bit_cast<uint32_t>(values[i].second))
        << "row " << i << ": wrote " << values[i].second << ", the target holds " << ft;
  }
}

// A long identifier stops the changefeed naming it and the name truncate-identifiers=true would
// use; with the option the table is created and written under the documented shortened names.
TEST_P(RowSinkTest, LongIdentifiersStopWithTheNameOrAreMappedWhenAsked) {
  // PostgreSQL: 63 bytes; MariaDB: 64 characters (é is 2 bytes, 1 character).
  const std::string long_col = GetParam() ? std::string(64, 'c') : std::string(63, 'c') + "éé";
  const std::string long_table = GetParam() ? std::string(70, 't') : std::string(65, 't');
  auto t = std::make_shared<model::TableSchema>(*Items(db_));
  t->table = long_table;
  t->columns[1].name = long_col;
  auto target = [&](const std::string& extra) {
    return Uri((GetParam() ? "?create-tables=true&schema=" : "?create-tables=true&database=") +
               db_ + extra);
  };
  {
    auto opts = ParseDatabaseSinkUri(target(""));
    Acks acks;
    auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
    ASSERT_TRUE(sink.ok());
    base::Status st = ApplyAll(**sink, {Insert(t, Row(1, "x"))}, 1);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.action(), base::Action::kStop);
    EXPECT_NE(st.message().find("table name '" + long_table + "'"), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("truncate-identifiers=true"), std::string::npos) << st.message();
  }
  auto opts = ParseDatabaseSinkUri(target("&truncate-identifiers=true"));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  base::Status st = ApplyAll(**sink, {Insert(t, Row(1, "x")), Insert(t, Row(2, "y"))}, 1);
  ASSERT_TRUE(st.ok()) << st.message();
  // The rule: first characters that fit + '_' + CRC-32 of the whole name (8 hex digits).
  auto mapped = [&](const std::string& name) {
    size_t keep = GetParam() ? 54 : 55;  // PostgreSQL counts bytes; the test names are ASCII
    std::string prefix = GetParam() || name == long_table ? name.substr(0, keep)
                                                          : std::string(55, 'c');
    return prefix + fmt::format("_{:08x}", base::Crc32(name));
  };
  std::string sql = "SELECT COUNT(*) FROM " + db_ + "." +
                    (GetParam() ? "\"" + mapped(long_table) + "\"" : mapped(long_table)) +
                    " WHERE " + (GetParam() ? "\"" + mapped(long_col) + "\"" : mapped(long_col)) +
                    " IN ('x', 'y')";
  std::optional<std::string> count;
  if (GetParam()) {
    auto r = pg_->Query(sql);
    ASSERT_TRUE(r.ok()) << r.status().message();
    count = r->rows[0][0];
  } else {
    auto r = my_->Query(sql);
    ASSERT_TRUE(r.ok()) << r.status().message();
    count = r->rows[0][0];
  }
  EXPECT_EQ(count, "2");

  // A column named like another column's mapped name cannot share the target column.
  auto clash = std::make_shared<model::TableSchema>(*t);
  clash->table = "clash";
  clash->columns[2].name = mapped(long_col);
  st = ApplyAll(**sink, {Insert(clash, Row(1, "x"))}, 10);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("both map to column"), std::string::npos) << st.message();
}

// A user who may not read or write the target table is told which grant is missing, not that the
// table does not exist.
TEST_P(RowSinkTest, UnreadableTargetTableNamesTheMissingGrant) {
  CreateItems();
  const std::string user = Unique("dbsink_ro");
  std::unique_ptr<source::mysql::MySqlConnection> root;
  std::unique_ptr<PgConnection> admin;
  if (GetParam()) {
    PgConnectOptions o;
    o.host = Env("SLUICE_POSTGRES_SOCKET_DIR");
    o.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_POSTGRES_PORT")));
    o.user = "postgres";
    o.database = Env("SLUICE_POSTGRES_DATABASE");
    auto c = PgConnection::Connect(o);
    ASSERT_TRUE(c.ok()) << c.status().message();
    admin = std::move(c).value();
    ASSERT_TRUE(admin->Exec("CREATE ROLE " + user + " LOGIN PASSWORD 'pw'").ok());
  } else {
    root = testing::ConnectMariaDbRoot();
    ASSERT_TRUE(root->Exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw'").ok());
  }
  auto uri = [&](const std::string& q) {
    return GetParam() ? "postgres://" + user + ":pw@127.0.0.1:" + Env("SLUICE_POSTGRES_PORT") +
                            "/" + Env("SLUICE_POSTGRES_DATABASE") + q
                      : "mysql://" + user + ":pw@127.0.0.1:" + Env("SLUICE_MARIADB_PORT") + "/" + q;
  };
  auto apply = [&](const std::string& q) {
    auto opts = ParseDatabaseSinkUri(uri(q));
    EXPECT_TRUE(opts.ok()) << opts.status().message();
    Acks acks;
    auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
    EXPECT_TRUE(sink.ok()) << sink.status().message();
    return sink.ok() ? ApplyAll(**sink, {Insert(Items(db_), Row(1, "x"))}, 1) : sink.status();
  };
  base::Status st = apply("");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("does not exist;"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("GRANT"), std::string::npos) << st.message();
  if (GetParam()) {
    EXPECT_NE(st.message().find("exists"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("lacks USAGE on schema"), std::string::npos) << st.message();
    ASSERT_TRUE(admin->Exec("GRANT USAGE ON SCHEMA " + db_ + " TO " + user).ok());
    ASSERT_TRUE(admin->Exec("GRANT SELECT ON " + db_ + ".items TO " + user).ok());
    st = apply("");
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("lacks INSERT, UPDATE, DELETE on it"), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("GRANT INSERT, UPDATE, DELETE ON"), std::string::npos)
        << st.message();
  } else {
    EXPECT_NE(st.message().find("has no privilege on it"), std::string::npos) << st.message();
    // Visible (SELECT) but not writable: the write error asks for the grant.
    ASSERT_TRUE(root->Exec("GRANT SELECT ON " + db_ + ".items TO '" + user + "'@'%'").ok());
    st = apply("");
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("grant the sink user (" + user + ") SELECT, INSERT, UPDATE"),
              std::string::npos)
        << st.message();
  }
  if (GetParam()) {
    static_cast<void>(admin->Exec("DROP OWNED BY " + user));
    static_cast<void>(admin->Exec("DROP ROLE " + user));
  } else {
    static_cast<void>(root->Exec("DROP USER '" + user + "'@'%'"));
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, RowSinkTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "MariaDB"; });

// Even in strict mode MariaDB only notes some value changes (1265: a DECIMAL rounded to the
// target's scale); the sink treats every warning or note of a write as an error.
TEST(MySqlRowSinkWarnings, AValueTheServerChangesIsAnError) {
  auto my = testing::ConnectMariaDb();
  std::string db = Unique("dbsink_warn");
  ASSERT_TRUE(my->Exec("CREATE DATABASE " + db).ok());
  ASSERT_TRUE(my->Exec("CREATE TABLE " + db +
                       ".items (id int PRIMARY KEY, name varchar(8), price decimal(10,2), "
                       "raw varbinary(16), at datetime(6), tags set('a','b','c'))")
                  .ok());
  auto opts = ParseDatabaseSinkUri(testing::MariaDbUri("?database=" + db));
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  auto t = std::make_shared<model::TableSchema>(*Items("src"));
  t->columns[2].scale = 3;
  base::Status st = ApplyAll(**sink, {Insert(t, Row(1, "ok", "1.50")),
                                      Insert(t, Row(2, "rounded", "1.555"))}, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.action(), base::Action::kStop);
  EXPECT_NE(st.message().find("INSERT of src.items key (id=2)"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("1265"), std::string::npos) << st.message();
  auto rows = my->Query("SELECT COUNT(*) FROM " + db + ".items");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0], "0") << "the batch must be rolled back";
  static_cast<void>(my->Exec("DROP DATABASE " + db));
}

// PostgreSQL only notices (42622) that it cut a name to 63 bytes: the connection reports it.
TEST(PgConnectionNotices, TruncatedIdentifierIsADataChangingNotice) {
  auto pg = testing::ConnectPostgres();
  std::string schema = Unique("dbsink_notice");
  ASSERT_TRUE(pg->Exec("CREATE SCHEMA " + schema).ok());
  EXPECT_EQ(pg->DataChangingNotices(), "");
  ASSERT_TRUE(pg->Exec("CREATE TABLE " + schema + "." + std::string(70, 'n') + " (id int)").ok());
  EXPECT_NE(pg->DataChangingNotices().find("42622"), std::string::npos)
      << pg->DataChangingNotices();
  ASSERT_TRUE(pg->Exec("SELECT 1").ok());
  EXPECT_EQ(pg->DataChangingNotices(), "") << "notices are per statement";
  static_cast<void>(pg->Exec("DROP SCHEMA " + schema + " CASCADE"));
}

// create-tables on MariaDB: key columns without a known length (canal-json's "char", TEXT)
// share InnoDB's 3072-byte key; a key that cannot fit stops with the columns and the fix.
TEST(MySqlRowSinkCreateTables, KeyColumnsFitTheKeyLimit) {
  auto my = testing::ConnectMariaDb();
  std::string db = Unique("dbsink_keys");
  auto opts = ParseDatabaseSinkUri(testing::MariaDbUri("?create-tables=true&database=" + db));
  ASSERT_TRUE(opts.ok());
  auto col = [](const char* name, ColumnType type, uint32_t length = 0) {
    Column c;
    c.name = name;
    c.type = type;
    c.length = length;
    c.nullable = false;
    return c;
  };
  auto table = [&](const char* name, std::vector<Column> cols, std::vector<size_t> key) {
    auto t = std::make_shared<model::TableSchema>();
    t->schema = "src";
    t->table = name;
    t->columns = std::move(cols);
    t->primary_key = std::move(key);
    return t;
  };
  // CHAR without a length + INT; two TEXT columns; a CHAR(3) as canal-json content-compatible
  // sends it.
  auto chars = table("chars", {col("code", ColumnType::kChar), col("n", ColumnType::kInt)}, {0, 1});
  auto texts = table("texts", {col("a", ColumnType::kText), col("b", ColumnType::kLongText)}, {0, 1});
  auto sized = table("sized", {col("code", ColumnType::kChar, 3)}, {0});
  Acks acks;
  auto sink = CreateDatabaseRowSink(*opts, acks.Callback());
  ASSERT_TRUE(sink.ok());
  std::string long_code(200, 'k');
  base::Status st = ApplyAll(
      **sink,
      {Insert(chars, {Value::String("abc"), Value::Int(1)}),
       Insert(chars, {Value::String(long_code), Value::Int(2)}),
       Insert(texts, {Value::String(std::string(300, 'a')), Value::String(std::string(300, 'b'))}),
       Insert(sized, {Value::String("xyz")})},
      1);
  ASSERT_TRUE(st.ok()) << st.message();
  auto type = my->Query("SELECT column_type FROM information_schema.columns WHERE table_schema='" +
                        db + "' AND table_name='sized'");
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->rows.at(0)[0], "char(3)");
  auto n = my->Query("SELECT COUNT(*) FROM " + db + ".chars");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->rows[0][0], "2");

  auto wide = table("wide", {col("a", ColumnType::kVarChar, 1000), col("b", ColumnType::kVarChar, 1000)},
                    {0, 1});
  st = ApplyAll(**sink, {Insert(wide, {Value::String("a"), Value::String("b")})}, 10);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("primary key (a varchar(1000), b varchar(1000))"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("create the table yourself"), std::string::npos) << st.message();
  static_cast<void>(my->Exec("DROP DATABASE IF EXISTS " + db));
}

}  // namespace
}  // namespace sluice::sink::database
