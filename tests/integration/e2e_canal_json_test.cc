// End-to-end: MariaDB binlog -> sluice changefeed -> real Kafka (canal-json), verified against
// the database. A seeded random workload of 10,000 row changes (INSERT/UPDATE/DELETE in
// transactions of varying size) runs while the changefeed streams; every Kafka message is
// decoded and replayed onto a model of the table, checking each UPDATE's "old" image and each
// DELETE's row against the model, and the final model must equal SELECT * row for row.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <random>
#include <thread>

#include "codec/canal_json/canal_json_decoder.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "running_changefeed.h"
#include "client/kafka/topic_reader.h"
#include "client/mysql/mysql_connection.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice {
namespace {

using testing::Env;
using testing::Exec;
using testing::GtidPos;
using testing::RecreateDatabase;
using Row = std::map<std::string, std::optional<std::string>>;

using testing::RunningChangefeed;

const char* kColumns[] = {"id", "k", "s", "d", "dt", "b", "f", "u", "j", "e", "n"};

std::string Quote(client::mysql::MySqlConnection& c, const std::string& s) {
  return "'" + c.Escape(s) + "'";
}

TEST(EndToEnd, TenThousandMixedChangesMatchTheDatabase) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "e2e_" + suffix;
  const std::string topic = "e2e_canal_" + suffix;
  auto conn = testing::ConnectMariaDb();
  RecreateDatabase(*conn, db);
  Exec(*conn, "CREATE TABLE " + db +
                  ".t (id INT PRIMARY KEY, k INT NOT NULL, s VARCHAR(64) CHARACTER SET utf8mb4, "
                  "d DECIMAL(12,3), dt DATETIME(6), b VARBINARY(32), f DOUBLE, "
                  "u BIGINT UNSIGNED, j JSON, e ENUM('red','green','blue'), n INT NULL)");

  pipeline::ChangefeedConfig config;
  config.id = "e2e-" + suffix;
  config.source_uri =
      testing::MariaDbUri("?start=now&server-id=" + std::to_string(4000 + ::getpid() % 1000));
  config.sink_uri =
      "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
      "?protocol=canal-json&partition-num=4&compression=lz4&enable-tidb-extension=true";
  config.filter_rules = {db + ".*"};
  config.dispatchers = {{{db + ".*"}, "", dispatch::PartitionRule::kIndexValue, {}}};
  std::string state_dir = ::testing::TempDir() + "/e2e-state-" + suffix;
  RunningChangefeed running(config, state_dir);
  ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();

  // The workload: exactly kChanges single-row statements.
  constexpr int kChanges = 10000;
  std::mt19937_64 rng(20261123);
  std::vector<int> live;
  int next_id = 1, inserts = 0, updates = 0, deletes = 0;
  auto rand_int = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  // SQL literals for every column of a row with primary key `id`.
  auto values = [&](int id) {
    static const char* hex = "0123456789ABCDEF";
    std::vector<std::string> v;
    v.push_back(std::to_string(id));
    v.push_back(std::to_string(rand_int(-1000000, 1000000)));
    const char* words[] = {"alpha", "grüße", "日本語", "emoji 🚀", "quote ' \" \\ end", ""};
    v.push_back(Quote(
        *conn, std::string(words[rand_int(0, 5)]) + " " + std::to_string(rand_int(0, 1000000))));
    v.push_back(std::to_string(rand_int(-99999999, 99999999)) + "." +
                std::to_string(rand_int(100, 999)));
    v.push_back("'20" + std::to_string(rand_int(10, 37)) + "-0" + std::to_string(rand_int(1, 9)) +
                "-1" + std::to_string(rand_int(0, 9)) + " 1" + std::to_string(rand_int(0, 9)) +
                ":3" + std::to_string(rand_int(0, 9)) + ":4" + std::to_string(rand_int(0, 9)) +
                "." + std::to_string(rand_int(100000, 999999)) + "'");
    std::string h = "X'";
    for (int i = 0, n = rand_int(0, 12); i < n; ++i) {
      int c = rand_int(0, 255);
      h += hex[c >> 4];
      h += hex[c & 15];
    }
    v.push_back(h + "'");
    v.push_back(std::to_string(rand_int(-4000, 4000)) + ".25");
    v.push_back(std::to_string(rng()));
    v.push_back(rand_int(0, 3) == 0
                    ? std::string("NULL")
                    : "'{\"a\": " + std::to_string(rand_int(0, 99)) + ", \"b\": [1, 2]}'");
    const char* colors[] = {"'red'", "'green'", "'blue'"};
    v.push_back(colors[rand_int(0, 2)]);
    v.push_back(rand_int(0, 1) ? std::to_string(rand_int(0, 9)) : std::string("NULL"));
    return v;
  };
  auto insert_sql = [&](int id) {
    std::string sql = "INSERT INTO " + db + ".t VALUES (";
    auto v = values(id);
    for (size_t i = 0; i < v.size(); ++i) sql += (i ? "," : "") + v[i];
    return sql + ")";
  };
  auto update_sql = [&](int id) {
    std::string sql = "UPDATE " + db + ".t SET ";
    auto v = values(id);
    for (size_t i = 1; i < v.size(); ++i) {
      sql += std::string(i > 1 ? "," : "") + kColumns[i] + "=" + v[i];
    }
    return sql + " WHERE id = " + std::to_string(id);
  };

  int done = 0;
  while (done < kChanges) {
    Exec(*conn, "BEGIN");
    int txn_size = std::min(rand_int(1, 60), kChanges - done);
    for (int i = 0; i < txn_size; ++i, ++done) {
      int op = rand_int(0, 99);
      if (live.size() < 50 || op < 55) {
        int id = next_id++;
        Exec(*conn, insert_sql(id));
        live.push_back(id);
        ++inserts;
      } else if (op < 85) {
        int id = live[rand_int(0, static_cast<int>(live.size()) - 1)];
        Exec(*conn, update_sql(id));
        ++updates;
      } else {
        size_t idx = static_cast<size_t>(rand_int(0, static_cast<int>(live.size()) - 1));
        Exec(*conn, "DELETE FROM " + db + ".t WHERE id = " + std::to_string(live[idx]));
        live[idx] = live.back();
        live.pop_back();
        ++deletes;
      }
    }
    Exec(*conn, "COMMIT");
  }
  std::string final_gtid = GtidPos(*conn);
  ASSERT_TRUE(running.WaitCheckpoint(final_gtid, std::chrono::seconds(180)))
      << "checkpoint did not reach " << final_gtid
      << "; last error: " << running.feed().last_error();
  // Watermarks go out once per watermark interval (1 s) after sealed transactions; on a fast
  // machine the whole workload can be checkpointed sooner, so let one interval pass.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  ASSERT_TRUE(running.Stop().ok());
  EXPECT_EQ(running.feed().stats().rows_read.load(), static_cast<uint64_t>(kChanges));

  // Read everything back and replay it.
  auto reader = client::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  client::kafka::ReadLimits limits;
  limits.timeout = std::chrono::seconds(120);
  auto msgs = (*reader)->ReadAll(topic, limits);
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();

  std::map<std::string, Row> model;  // id -> row, as canal-json strings
  int seen_insert = 0, seen_update = 0, seen_delete = 0, watermarks = 0;
  std::map<std::string, int32_t> partition_of;
  auto to_row = [](const codec::canal_json::CanalRow& r) {
    Row row;
    for (const auto& [k, v] : r) row[k] = v;
    return row;
  };
  for (const auto& m : *msgs) {
    auto decoded = codec::canal_json::DecodeCanalJson(m.value);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    const auto& msg = *decoded;
    if (msg.IsWatermark()) {
      ++watermarks;
      continue;
    }
    ASSERT_FALSE(msg.is_ddl) << msg.sql;
    EXPECT_EQ(msg.database, db);
    EXPECT_EQ(msg.table, "t");
    ASSERT_TRUE(msg.pk_names.has_value());
    EXPECT_EQ(*msg.pk_names, std::vector<std::string>{"id"});
    ASSERT_TRUE(msg.data.has_value());
    ASSERT_TRUE(msg.tidb && msg.tidb->commit_ts);
    EXPECT_EQ(*msg.MySqlTypeOf("u"), "bigint unsigned");
    EXPECT_EQ(*msg.MySqlTypeOf("dt"), "datetime");
    EXPECT_EQ(*msg.MySqlTypeOf("b"), "varbinary");
    Row data = to_row(*msg.data);
    ASSERT_EQ(data.size(), std::size(kColumns));
    std::string id = *data["id"];
    // Row-level ordering: every change of one row is in one partition.
    auto [it, fresh] = partition_of.emplace(id, m.partition);
    EXPECT_EQ(it->second, m.partition) << "row " << id << " moved partitions";
    if (msg.type == "INSERT") {
      ++seen_insert;
      EXPECT_EQ(model.count(id), 0u) << "duplicate insert of " << id;
      model[id] = data;
    } else if (msg.type == "UPDATE") {
      ++seen_update;
      ASSERT_TRUE(msg.old.has_value());
      EXPECT_EQ(to_row(*msg.old), model[id]) << "UPDATE old image differs for id " << id;
      model[id] = data;
    } else if (msg.type == "DELETE") {
      ++seen_delete;
      EXPECT_EQ(data, model[id]) << "DELETE row differs for id " << id;
      model.erase(id);
    } else {
      FAIL() << "unexpected type " << msg.type;
    }
  }
  EXPECT_EQ(seen_insert, inserts);
  EXPECT_EQ(seen_update, updates);
  EXPECT_EQ(seen_delete, deletes);
  EXPECT_GT(watermarks, 0);

  // The model must equal the table. ENUM travels as its index, so select e+0.
  auto rows = conn->Query("SELECT id, k, s, d, dt, b, f, u, j, e+0, n FROM " + db + ".t");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), model.size());
  for (const auto& r : rows->rows) {
    Row db_row;
    for (size_t i = 0; i < std::size(kColumns); ++i) db_row[kColumns[i]] = r[i];
    auto it = model.find(*r[0]);
    ASSERT_NE(it, model.end()) << "row " << *r[0] << " missing from Kafka";
    EXPECT_EQ(it->second, db_row) << "row " << *r[0] << " differs";
  }
  Exec(*conn, "DROP DATABASE " + db);
}

}  // namespace
}  // namespace sluice
