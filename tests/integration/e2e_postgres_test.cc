// End-to-end: PostgreSQL (pgoutput) -> sluice changefeed -> real Kafka (canal-json).
//
// AllCommonTypes: every common PostgreSQL type through INSERT/UPDATE/DELETE, REPLICA IDENTITY
// DEFAULT and FULL, an unchanged TOASTed value and TRUNCATE, checked message by message.
// RestartResumesWithoutLoss: stop the changefeed, write more rows, restart: every row arrives,
// and the slot's confirmed_flush_lsn is never beyond the stored checkpoint.
// Each test uses its own schema, slot, publication and topic, and drops its slot at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "codec/canal_json/canal_json_decoder.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "client/kafka/topic_reader.h"
#include "client/postgres/pg_connection.h"
#include "source/postgres/source_config.h"
#include "running_changefeed.h"
#include "test_env.h"

namespace sluice {
namespace {

using client::postgres::PgConnection;
using testing::Env;

source::postgres::PgSourceConfig PgConfig() {
  source::postgres::PgSourceConfig c;
  c.host = Env("SLUICE_POSTGRES_HOST");
  c.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_POSTGRES_PORT")));
  c.user = Env("SLUICE_POSTGRES_USER");
  c.password = Env("SLUICE_POSTGRES_PASSWORD");
  c.database = Env("SLUICE_POSTGRES_DATABASE");
  return c;
}

std::unique_ptr<PgConnection> Connect() {
  auto c = PgConnection::Connect(PgConfig().ConnectOptions(false));
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}

void Exec(PgConnection& c, const std::string& sql) {
  auto st = c.Exec(sql);
  if (!st.ok()) throw std::runtime_error(sql + ": " + st.message());
}

std::string SourceUri(const std::string& name, const std::string& tables) {
  return "postgres://" + Env("SLUICE_POSTGRES_USER") + ":" + Env("SLUICE_POSTGRES_PASSWORD") + "@" +
         Env("SLUICE_POSTGRES_HOST") + ":" + Env("SLUICE_POSTGRES_PORT") + "/" +
         Env("SLUICE_POSTGRES_DATABASE") + "?slot=" + name + "&publication=" + name +
         "&tables=" + tables;
}

// The slot's confirmed_flush_lsn, or nullopt if the slot does not exist.
std::optional<model::Lsn> ConfirmedFlush(PgConnection& c, const std::string& slot) {
  auto r = c.Query("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" +
                   slot + "'");
  if (!r.ok() || r->rows.empty() || !r->rows[0][0]) return std::nullopt;
  auto pos = model::SourcePosition::Deserialize("lsn=" + *r->rows[0][0]);
  return pos.ok() ? pos->lsn : std::nullopt;
}

// Drops the slot (retrying while the walsender of a stopped changefeed still holds it), the
// publication and the schema.
void Cleanup(PgConnection& c, const std::string& name, const std::string& schema) {
  for (int i = 0; i < 100; ++i) {
    auto st = c.Exec(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE slot_name = '" +
        name + "'");
    if (st.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(ConfirmedFlush(c, name).has_value()) << "slot " << name << " was not dropped";
  static_cast<void>(c.Exec("DROP PUBLICATION IF EXISTS " + name));
  static_cast<void>(c.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
}

using testing::RunningChangefeed;

std::vector<codec::canal_json::CanalJsonMessage> ReadTopic(const std::string& topic) {
  auto reader = client::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  if (!reader.ok()) throw std::runtime_error(reader.status().message());
  client::kafka::ReadLimits limits;
  limits.timeout = std::chrono::seconds(60);
  auto msgs = (*reader)->ReadAll(topic, limits);
  if (!msgs.ok()) throw std::runtime_error(msgs.status().message());
  std::vector<codec::canal_json::CanalJsonMessage> out;
  for (const auto& m : *msgs) {
    auto d = codec::canal_json::DecodeCanalJson(m.value);
    if (!d.ok()) throw std::runtime_error(d.status().message());
    if (!d->IsWatermark()) out.push_back(std::move(d).value());
  }
  return out;
}

using Row = std::map<std::string, std::optional<std::string>>;
Row ToRow(const codec::canal_json::CanalRow& r) {
  Row row;
  for (const auto& [k, v] : r) row[k] = v;
  return row;
}

TEST(PostgresToKafka, AllCommonTypes) {
  const std::string suffix = std::to_string(::getpid());
  const std::string schema = "e2e_pgt_" + suffix;
  const std::string name = "e2e_pgt_" + suffix;  // slot, publication, topic
  auto conn = Connect();
  Cleanup(*conn, name, schema);
  Exec(*conn, "CREATE SCHEMA " + schema);
  Exec(*conn, "CREATE TYPE " + schema + ".mood AS ENUM ('sad', 'ok', 'happy')");
  Exec(*conn, "CREATE TABLE " + schema +
                  ".types (id int PRIMARY KEY, c_bool bool, c_int2 int2, c_int4 int4, "
                  "c_int8 int8, c_num numeric(12,3), c_num_free numeric, c_f4 float4, "
                  "c_f8 float8, c_text text, c_varchar varchar(20), c_char char(5), "
                  "c_bytea bytea, c_date date, c_time time(3), c_timetz timetz, "
                  "c_ts timestamp(6), c_tstz timestamptz, c_interval interval, c_uuid uuid, "
                  "c_json json, c_jsonb jsonb, c_arr int4[], c_tarr text[], c_enum " +
                  schema + ".mood, c_inet inet, c_cidr cidr, c_money money)");
  Exec(*conn, "CREATE TABLE " + schema + ".full_t (id int PRIMARY KEY, v text, big text)");
  Exec(*conn, "ALTER TABLE " + schema + ".full_t REPLICA IDENTITY FULL");
  Exec(*conn, "CREATE TABLE " + schema + ".toast_t (id int PRIMARY KEY, v text, big text)");
  Exec(*conn, "ALTER TABLE " + schema + ".toast_t ALTER COLUMN big SET STORAGE EXTERNAL");

  pipeline::ChangefeedConfig config;
  config.id = "pgtypes-" + suffix;
  config.source_uri =
      SourceUri(name, schema + ".types," + schema + ".full_t," + schema + ".toast_t");
  config.sink_uri = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + name +
                    "?protocol=canal-json&partition-num=1&enable-tidb-extension=true";
  std::string state_dir = ::testing::TempDir() + "/pgtypes-state-" + suffix;
  {
    RunningChangefeed running(config, state_dir);
    ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();
    const std::string t = schema + ".types";
    Exec(*conn, "INSERT INTO " + t +
                    " VALUES (1, true, -32768, 2147483647, -9223372036854775808, "
                    "'-123456789.125', '3.14159265358979323846', 3.25, -1234.5, "
                    "'héllo ''world'' 🚀', 'varchar', 'ab', '\\x00ff10', '2024-02-29', "
                    "'13:45:56.789', '10:11:12+05:30', '2024-02-29 23:59:59.123456', "
                    "'2024-02-29 23:59:59.5+02', '1 year 2 months 3 days 04:05:06', "
                    "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', "
                    "'{\"b\": {\"c\": null}}', '{1,2,3}', '{\"x y\",NULL}', 'happy', "
                    "'192.168.0.1/24', '10.0.0.0/8', '-1234.56')");
    Exec(*conn, "INSERT INTO " + t + " (id) VALUES (2)");
    Exec(*conn, "UPDATE " + t + " SET c_text = 'changed', c_int4 = 7 WHERE id = 1");
    Exec(*conn, "UPDATE " + t + " SET id = 20 WHERE id = 2");
    Exec(*conn, "DELETE FROM " + t + " WHERE id = 20");
    Exec(*conn, "INSERT INTO " + schema + ".full_t VALUES (1, 'x', repeat('b', 10000))");
    Exec(*conn, "UPDATE " + schema + ".full_t SET v = 'y' WHERE id = 1");
    Exec(*conn, "DELETE FROM " + schema + ".full_t WHERE id = 1");
    Exec(*conn, "INSERT INTO " + schema + ".toast_t VALUES (1, 'a', repeat('z', 10000))");
    Exec(*conn, "UPDATE " + schema + ".toast_t SET v = 'b' WHERE id = 1");
    Exec(*conn, "TRUNCATE " + schema + ".toast_t");
    ASSERT_TRUE(running.WaitRows(10, 1, std::chrono::seconds(60)))
        << "rows " << running.feed().stats().rows_read.load() << "; " << running.feed().last_error();
    ASSERT_TRUE(running.Stop().ok()) << running.feed().last_error();
    EXPECT_EQ(running.feed().stats().rows_read.load(), 10u);
  }
  auto msgs = ReadTopic(name);
  ASSERT_EQ(msgs.size(), 12u);
  for (const auto& m : msgs) {
    EXPECT_EQ(m.database, schema);
    ASSERT_TRUE(m.tidb && m.tidb->commit_ts);
  }

  // 1: the INSERT of every type.
  const auto& ins = msgs[0];
  EXPECT_EQ(ins.type, "INSERT");
  EXPECT_EQ(ins.table, "types");
  ASSERT_TRUE(ins.pk_names);
  EXPECT_EQ(*ins.pk_names, std::vector<std::string>{"id"});
  ASSERT_TRUE(ins.data);
  Row data = ToRow(*ins.data);
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      // column: {text in canal-json, mysqlType}
      {"id", {"1", "int"}},
      {"c_bool", {"1", "tinyint"}},
      {"c_int2", {"-32768", "smallint"}},
      {"c_int4", {"2147483647", "int"}},
      {"c_int8", {"-9223372036854775808", "bigint"}},
      {"c_num", {"-123456789.125", "decimal"}},
      {"c_num_free", {"3.14159265358979323846", "decimal"}},
      {"c_f4", {"3.25", "float"}},
      {"c_f8", {"-1234.5", "double"}},
      {"c_text", {"héllo 'world' 🚀", "longtext"}},
      {"c_varchar", {"varchar", "varchar"}},
      {"c_char", {"ab   ", "char"}},
      {"c_bytea", {std::string("\x00\xff\x10", 3), "longblob"}},
      {"c_date", {"2024-02-29", "date"}},
      {"c_time", {"13:45:56.789", "time"}},
      {"c_timetz", {"10:11:12+05:30", "varchar"}},
      {"c_ts", {"2024-02-29 23:59:59.123456", "datetime"}},
      {"c_tstz", {"2024-02-29 21:59:59.500000", "timestamp"}},
      {"c_interval", {"P1Y2M3DT4H5M6S", "varchar"}},
      {"c_uuid", {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "char"}},
      {"c_json", {"{\"a\": [1, 2]}", "json"}},
      {"c_jsonb", {"{\"b\": {\"c\": null}}", "json"}},
      {"c_arr", {"{1,2,3}", "longtext"}},
      {"c_tarr", {"{\"x y\",NULL}", "longtext"}},
      {"c_enum", {"happy", "longtext"}},
      {"c_inet", {"192.168.0.1/24", "varchar"}},
      {"c_cidr", {"10.0.0.0/8", "varchar"}},
      {"c_money", {"-1234.56", "decimal"}},
  };
  ASSERT_EQ(data.size(), expected.size());
  for (const auto& [col, want] : expected) {
    ASSERT_TRUE(data[col].has_value()) << col;
    EXPECT_EQ(*data[col], want.first) << col;
    const std::string* type = ins.MySqlTypeOf(col);
    ASSERT_NE(type, nullptr) << col;
    EXPECT_EQ(*type, want.second) << col;
  }

  // 2: all NULLs.
  Row nulls = ToRow(*msgs[1].data);
  EXPECT_EQ(nulls["id"], "2");
  for (const auto& [col, v] : nulls) {
    if (col != "id") EXPECT_FALSE(v.has_value()) << col;
  }

  // 3: DEFAULT identity UPDATE with the key unchanged: old has only the key.
  EXPECT_EQ(msgs[2].type, "UPDATE");
  Row upd = ToRow(*msgs[2].data);
  EXPECT_EQ(upd["c_text"], "changed");
  EXPECT_EQ(upd["c_int4"], "7");
  EXPECT_EQ(upd["c_money"], "-1234.56");
  ASSERT_TRUE(msgs[2].old);
  EXPECT_EQ(ToRow(*msgs[2].old), (Row{{"id", "1"}}));

  // 4-5: key change: a DELETE of the old key (only the key: DEFAULT identity), then an INSERT
  // of the new row; 6: DELETE = key only.
  EXPECT_EQ(msgs[3].type, "DELETE");
  EXPECT_EQ(ToRow(*msgs[3].data), (Row{{"id", "2"}}));
  EXPECT_EQ(msgs[4].type, "INSERT");
  EXPECT_EQ(ToRow(*msgs[4].data)["id"], "20");
  EXPECT_EQ(msgs[5].type, "DELETE");
  EXPECT_EQ(ToRow(*msgs[5].data), (Row{{"id", "20"}}));

  // 7-9: REPLICA IDENTITY FULL: whole old rows.
  const std::string big_b(10000, 'b');
  EXPECT_EQ(msgs[7].table, "full_t");
  EXPECT_EQ(*msgs[7].pk_names, std::vector<std::string>{"id"});
  EXPECT_EQ(ToRow(*msgs[7].old), (Row{{"id", "1"}, {"v", "x"}, {"big", big_b}}));
  EXPECT_EQ(ToRow(*msgs[7].data), (Row{{"id", "1"}, {"v", "y"}, {"big", big_b}}));
  EXPECT_EQ(msgs[8].type, "DELETE");
  EXPECT_EQ(ToRow(*msgs[8].data), (Row{{"id", "1"}, {"v", "y"}, {"big", big_b}}));

  // 10-11: the unchanged TOASTed value is left out of `data` (not sent as NULL).
  EXPECT_EQ(ToRow(*msgs[9].data)["big"], std::string(10000, 'z'));
  EXPECT_EQ(msgs[10].type, "UPDATE");
  EXPECT_EQ(ToRow(*msgs[10].data), (Row{{"id", "1"}, {"v", "b"}}));
  EXPECT_EQ(msgs[10].MySqlTypeOf("big"), nullptr);

  // 12: TRUNCATE is a DDL message.
  EXPECT_TRUE(msgs[11].is_ddl);
  EXPECT_EQ(msgs[11].type, "TRUNCATE");
  EXPECT_EQ(msgs[11].table, "toast_t");
  EXPECT_EQ(msgs[11].sql, "TRUNCATE TABLE \"" + schema + "\".\"toast_t\"");

  Cleanup(*conn, name, schema);
}

TEST(PostgresToKafka, RestartResumesWithoutLoss) {
  const std::string suffix = std::to_string(::getpid());
  const std::string schema = "e2e_pgr_" + suffix;
  const std::string name = "e2e_pgr_" + suffix;
  auto conn = Connect();
  Cleanup(*conn, name, schema);
  Exec(*conn, "CREATE SCHEMA " + schema);
  Exec(*conn, "CREATE TABLE " + schema + ".r (id int PRIMARY KEY, v text)");
  pipeline::ChangefeedConfig config;
  config.id = "pgrestart-" + suffix;
  config.source_uri = SourceUri(name, schema + ".r");
  config.sink_uri = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + name +
                    "?protocol=canal-json&partition-num=2";
  std::string state_dir = ::testing::TempDir() + "/pgrestart-state-" + suffix;
  pipeline::FileCheckpointStore store(state_dir);
  auto stored_lsn = [&]() -> model::Lsn {
    auto cp = store.Load(config.id);
    return cp.ok() && *cp && (*cp)->lsn ? *(*cp)->lsn : model::Lsn{};
  };
  std::optional<model::Lsn> slot_created_at;  // confirmed_flush_lsn of the new slot
  auto check_slot_behind_checkpoint = [&] {
    auto confirmed = ConfirmedFlush(*conn, name);  // read the slot first: the checkpoint only grows
    model::Lsn cp = stored_lsn();
    ASSERT_TRUE(confirmed.has_value());
    if (!slot_created_at) slot_created_at = confirmed;
    if (cp.value == 0) {
      // No checkpoint yet: nothing may have been acknowledged.
      EXPECT_EQ(*confirmed, *slot_created_at);
    } else {
      EXPECT_LE(confirmed->value, cp.value)
          << "slot confirmed " << confirmed->ToString() << " beyond checkpoint " << cp.ToString();
    }
  };
  auto insert = [&](int from, int to) {
    for (int i = from; i <= to; ++i) {
      Exec(*conn, "INSERT INTO " + schema + ".r VALUES (" + std::to_string(i) + ", 'v" +
                      std::to_string(i) + "')");
    }
  };
  {
    RunningChangefeed running(config, state_dir);
    ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();
    check_slot_behind_checkpoint();
    for (int i = 1; i <= 60; i += 10) {
      insert(i, i + 9);
      check_slot_behind_checkpoint();
    }
    ASSERT_TRUE(running.WaitRows(60, 0, std::chrono::seconds(60))) << running.feed().last_error();
    ASSERT_TRUE(running.Stop().ok()) << running.feed().last_error();
  }
  model::Lsn first_stop = stored_lsn();
  EXPECT_GT(first_stop.value, 0u);
  check_slot_behind_checkpoint();
  insert(61, 100);  // while stopped
  {
    RunningChangefeed running(config, state_dir);
    ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();
    ASSERT_TRUE(running.WaitRows(40, 0, std::chrono::seconds(60))) << running.feed().last_error();
    check_slot_behind_checkpoint();
    insert(101, 110);
    ASSERT_TRUE(running.WaitRows(50, 0, std::chrono::seconds(60))) << running.feed().last_error();
    ASSERT_TRUE(running.Stop().ok()) << running.feed().last_error();
  }
  EXPECT_GT(stored_lsn().value, first_stop.value);
  check_slot_behind_checkpoint();
  // Acknowledge did move the slot (it does not pin all WAL since its creation).
  auto confirmed = ConfirmedFlush(*conn, name);
  ASSERT_TRUE(confirmed && slot_created_at);
  EXPECT_GE(confirmed->value, first_stop.value);
  std::set<int> ids;
  for (const auto& m : ReadTopic(name)) {
    ASSERT_EQ(m.type, "INSERT");
    ids.insert(std::stoi(*ToRow(*m.data)["id"]));
  }
  EXPECT_EQ(ids.size(), 110u);
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), 110);
  Cleanup(*conn, name, schema);
}

// The server path: CheckChangefeed creates nothing; ResolveStartPosition (changefeed create)
// creates the slot, so rows written between create and the first run are delivered.
TEST(PostgresToKafka, CheckThenResolveStartPinsTheSlot) {
  const std::string suffix = std::to_string(::getpid());
  const std::string schema = "e2e_pgs_" + suffix;
  const std::string name = "e2e_pgs_" + suffix;
  auto conn = Connect();
  Cleanup(*conn, name, schema);
  Exec(*conn, "CREATE SCHEMA " + schema);
  Exec(*conn, "CREATE TABLE " + schema + ".r (id int PRIMARY KEY)");
  pipeline::ChangefeedConfig config;
  config.id = "pgstart-" + suffix;
  config.source_uri = SourceUri(name, schema + ".r");
  config.sink_uri = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + name +
                    "?protocol=canal-json&partition-num=1";
  auto checked = pipeline::CheckChangefeed(config);
  ASSERT_TRUE(checked.ok()) << checked.message();
  EXPECT_FALSE(ConfirmedFlush(*conn, name).has_value());  // check created no slot
  auto start = pipeline::ResolveStartPosition(config);
  ASSERT_TRUE(start.ok()) << start.status().message();
  ASSERT_TRUE(start->lsn.has_value());
  EXPECT_EQ(ConfirmedFlush(*conn, name), start->lsn);
  Exec(*conn, "INSERT INTO " + schema + ".r VALUES (1)");  // before the changefeed runs
  auto built = pipeline::BuildChangefeed(config);
  ASSERT_TRUE(built.ok()) << built.status().message();
  built->options.start = *start;
  pipeline::FileCheckpointStore store(::testing::TempDir() + "/pgstart-state-" + suffix);
  pipeline::Changefeed feed(built->options, built->factory, &store);
  std::atomic<bool> stop{false};
  base::Status result;
  std::thread runner([&] { result = feed.Run(&stop); });
  Exec(*conn, "INSERT INTO " + schema + ".r VALUES (2)");
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (feed.stats().rows_read.load() < 2 && std::chrono::steady_clock::now() < until &&
         feed.state() != pipeline::ChangefeedState::kFailed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  runner.join();
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(feed.stats().rows_read.load(), 2u) << feed.last_error();
  auto msgs = ReadTopic(name);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(ToRow(*msgs[0].data)["id"], "1");
  EXPECT_EQ(ToRow(*msgs[1].data)["id"], "2");
  Cleanup(*conn, name, schema);
}

}  // namespace
}  // namespace sluice
