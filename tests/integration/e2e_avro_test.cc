// End-to-end Avro: MariaDB binlog -> sluice (protocol=avro) -> real Kafka + a schema registry
// (tools/python/schema_registry.py, the Confluent REST subset with Confluent's default BACKWARD
// compatibility checked by Apache Avro's checker), then an independent decode:
// tools/python/avro_decode.py fetches each message's schema from the registry by the id in the
// Confluent header and decodes it with fastavro. Every MariaDB column type is compared with what
// SELECT returns; deletes must be tombstones; an ALTER TABLE must register a new value schema
// version while old and new messages both decode; ADD COLUMN passes BACKWARD and an incompatible
// type change stops the changefeed with the subject, version and fix.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "column_types.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "running_changefeed.h"
#include "sink/kafka/topic_reader.h"
#include "source/mysql/mysql_connection.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice {
namespace {

using Json = nlohmann::json;
using testing::Env;
using testing::Exec;
using testing::GtidPos;
using testing::RecreateDatabase;
using DbRow = std::vector<std::optional<std::string>>;

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// The schema registry of tools/python/schema_registry.py on a free port, stopped on
// destruction.
class Registry {
 public:
  Registry(const std::string& dir, const std::string& user, const std::string& password, bool tls) {
    std::filesystem::create_directories(dir);
    std::string port_file = dir + "/port";
    std::filesystem::remove(port_file);
    std::vector<std::string> args = {
        Env("SLUICE_PYTHON"), std::string(SLUICE_SOURCE_DIR) + "/tools/python/schema_registry.py",
        "--port-file", port_file};
    if (!user.empty()) args.insert(args.end(), {"--user", user, "--password", password});
    if (tls) {
      ca_ = dir + "/cert.pem";
      std::string cmd = fmt::format(
          "openssl req -x509 -newkey rsa:2048 -nodes -keyout {0}/key.pem -out {0}/cert.pem "
          "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
          dir);
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl failed: " + cmd);
      args.insert(args.end(), {"--cert", ca_, "--key", dir + "/key.pem"});
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 300 && !std::filesystem::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream in(port_file);
    if (!(in >> port_)) throw std::runtime_error("the schema registry did not start");
    scheme_ = tls ? "https" : "http";
  }
  ~Registry() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string Url(const std::string& userinfo = "") const {
    return fmt::format("{}://{}127.0.0.1:{}", scheme_, userinfo, port_);
  }
  const std::string& ca() const { return ca_; }
  // GET on the registry (for the subjects' versions).
  Json Get(const std::string& path, const std::string& user, const std::string& password) {
    httplib::Client c(Url());
    if (!ca_.empty()) c.set_ca_cert_path(ca_);
    if (!user.empty()) c.set_basic_auth(user, password);
    auto res = c.Get(path);
    if (!res || res->status != 200) throw std::runtime_error("registry GET " + path + " failed");
    return Json::parse(res->body);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string scheme_, ca_;
};

using testing::RunningChangefeed;

pipeline::ChangefeedConfig Config(const std::string& id, const std::string& db,
                                  const std::string& topic, const std::string& params) {
  static std::atomic<int> counter{0};  // unique replica server-ids per process
  pipeline::ChangefeedConfig config;
  config.id = id;
  config.source_uri = testing::MariaDbUri(
      "?start=now&server-id=" + std::to_string(7'000'000 + (::getpid() % 100'000) * 8 + counter++));
  config.sink_uri = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
                    "?protocol=avro&partition-num=1&time-zone=UTC&" + params;
  config.filter_rules = {db + ".*"};
  return config;
}

// Reads the topic and decodes every message with tools/python/avro_decode.py (fastavro).
// With `reader_id` >= 0, each value is also decoded with that schema as the reader ("value_read").
std::vector<Json> DecodeTopic(const std::string& topic, const std::string& dir,
                              const std::string& registry_url, const std::string& ca,
                              int reader_id = -1) {
  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  if (!reader.ok()) throw std::runtime_error(reader.status().message());
  auto msgs = (*reader)->ReadAll(topic);
  if (!msgs.ok()) throw std::runtime_error(msgs.status().message());
  std::string in = dir + "/in.jsonl", out = dir + "/out.jsonl";
  {
    std::ofstream f(in);
    for (const auto& m : *msgs) {
      Json j;
      j["key"] = m.key ? Json(Hex(*m.key)) : Json(nullptr);
      j["value"] = m.value.empty() ? Json(nullptr) : Json(Hex(m.value));  // empty = tombstone
      f << j.dump() << "\n";
    }
  }
  std::string cmd = fmt::format(
      "'{}' '{}/tools/python/avro_decode.py' --registry '{}' --in '{}' "
      "--out '{}'{}{}",
      Env("SLUICE_PYTHON"), SLUICE_SOURCE_DIR, registry_url, in, out,
      ca.empty() ? "" : " --ca '" + ca + "'",
      reader_id < 0 ? "" : fmt::format(" --value-reader-id {}", reader_id));
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("decode failed: " + cmd);
  std::vector<Json> decoded;
  std::ifstream f(out);
  std::string line;
  while (std::getline(f, line)) decoded.push_back(Json::parse(line));
  if (decoded.size() != msgs->size()) throw std::runtime_error("decoder lost messages");
  return decoded;
}

// ---------------------------------------------------------------------------------------------
// Every MariaDB column type (tests/column_types.h, as
// BinlogSourceIt.EveryColumnTypeDecodesLikeSelect).

using testing::ColSpec;
using testing::TypeColumns;

// How the fastavro decoder's output of a column is compared with SELECT (Compare below).
enum class AvroKind { kInt, kUBigInt, kFloat, kDouble, kDecimal, kStr, kBin, kBit };

AvroKind KindOf(const ColSpec& c) {
  using model::ColumnType;
  using model::TypeFamily;
  switch (model::FamilyOf(c.type)) {
    case TypeFamily::kInteger:
      return c.type == ColumnType::kBigInt && c.is_unsigned ? AvroKind::kUBigInt : AvroKind::kInt;
    case TypeFamily::kYear:
      return AvroKind::kInt;
    case TypeFamily::kFloatingPoint:
      return c.type == ColumnType::kFloat ? AvroKind::kFloat : AvroKind::kDouble;
    case TypeFamily::kDecimal:
      return AvroKind::kDecimal;
    case TypeFamily::kBit:
      return AvroKind::kBit;
    case TypeFamily::kBytes:
    case TypeFamily::kGeometry:
      return AvroKind::kBin;
    default:  // text, temporal, JSON, ENUM and SET as their text
      return AvroKind::kStr;
  }
}

struct Modes {
  bool decimal_string = false;
  bool ubigint_string = false;
};

// "" if the fastavro-decoded `got` equals the SELECT text `db` for column `c`, else why not.
std::string Compare(const ColSpec& c, const Json& got, const std::optional<std::string>& db,
                    const Modes& m) {
  auto bad = [&](const std::string& want) {
    std::string g = got.dump();
    if (g.size() > 100) g = g.substr(0, 100) + "...";
    return fmt::format("{} ({}): decoded {} but the database has {}", c.name, c.sql_type, g,
                       want.size() > 100 ? want.substr(0, 100) + "..." : want);
  };
  if (!db) return got.is_null() ? "" : bad("NULL");
  switch (KindOf(c)) {
    case AvroKind::kInt:
      return got.is_number_integer() && std::to_string(got.get<int64_t>()) == *db ? "" : bad(*db);
    case AvroKind::kUBigInt:
      if (m.ubigint_string) return got == Json(*db) ? "" : bad(*db);
      // long mode: two's-complement wrap above 2^63-1, as TiCDC.
      return got.is_number_integer() &&
                     std::to_string(static_cast<uint64_t>(got.get<int64_t>())) == *db
                 ? ""
                 : bad(*db);
    case AvroKind::kFloat: {
      double want = std::strtod(db->c_str(), nullptr);
      return got.is_number() && std::fabs(got.get<double>() - want) <= 1e-5 * std::fabs(want)
                 ? ""
                 : bad(*db);
    }
    case AvroKind::kDouble:
      return got.is_number() && got.get<double>() == std::strtod(db->c_str(), nullptr) ? ""
                                                                                       : bad(*db);
    case AvroKind::kDecimal:
      return got == Json(m.decimal_string ? *db : "dec:" + *db) ? "" : bad(*db);
    case AvroKind::kStr:
      return got == Json(*db) ? "" : bad(*db);
    case AvroKind::kBin:
      return got == Json("hex:" + Hex(*db)) ? "" : bad("hex:" + Hex(*db));
    case AvroKind::kBit: {
      if (!got.is_string() || got.get<std::string>().rfind("hex:", 0) != 0) return bad(*db);
      std::string h = got.get<std::string>().substr(4);
      if (h.empty() || h.size() > 16) return bad(*db);
      return std::to_string(std::stoull(h, nullptr, 16)) == *db ? "" : bad(*db);
    }
  }
  return "unreachable";
}

std::map<std::string, DbRow> Select(source::mysql::MySqlConnection& c, const std::string& table,
                                    const std::vector<ColSpec>& cols) {
  std::string list = "id";
  for (const auto& col : cols) {
    list += col.type == model::ColumnType::kBit ? fmt::format(", CAST(`{}` AS UNSIGNED)", col.name)
                                                : fmt::format(", `{}`", col.name);
  }
  auto r = c.Query(fmt::format("SELECT {} FROM {} ORDER BY id", list, table));
  if (!r.ok()) throw std::runtime_error(r.status().message());
  std::map<std::string, DbRow> out;
  for (auto& row : r->rows) out[*row[0]] = row;
  return out;
}

void ExpectRow(const Json& value, const DbRow& db, const std::vector<ColSpec>& cols, const Modes& m,
               const std::string& what) {
  ASSERT_TRUE(value.is_object()) << what;
  EXPECT_EQ(value["id"], Json(std::stoi(*db[0]))) << what;
  for (size_t i = 0; i < cols.size(); ++i) {
    ASSERT_TRUE(value.contains(cols[i].name)) << what << ": no field " << cols[i].name;
    EXPECT_EQ(Compare(cols[i], value[cols[i].name], db[i + 1], m), "") << what;
  }
}

TEST(EndToEndAvro, EveryColumnTypeDecodesWithFastavroToTheDatabaseValue) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "e2e_avro_" + suffix;
  const std::string topic = "e2e_avro_" + suffix;
  const std::string dir = ::testing::TempDir() + "/e2e-avro-" + suffix;
  Registry registry(dir + "/registry", "", "", false);
  auto conn = testing::ConnectMariaDbWriter();
  RecreateDatabase(*conn, db);
  const auto cols = TypeColumns();
  const std::string table = db + ".t";
  Exec(*conn, testing::CreateTypesTable(table, cols));

  auto config = Config("avro-types-" + suffix, db, topic,
                       "enable-tidb-extension=true&schema-registry=" + registry.Url());
  RunningChangefeed running(config, dir + "/state");
  ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();

  Exec(*conn, testing::InsertTypesRows(table, cols));
  auto s1 = Select(*conn, table, cols);
  Exec(*conn, "BEGIN");
  Exec(*conn, fmt::format("UPDATE {} SET c_int=42, c_varchar_utf8='updated ✓', "
                          "c_dt6='2000-01-01 00:00:00.000001', c_json='{{\"u\": 1}}', c_enum='a', "
                          "c_set='x,z', c_bit64=b'1', c_t2='-00:00:00.01', c_blob=NULL, "
                          "c_dec65='12345.678900000000000000000000000001', "
                          "c_ts3='2001-02-03 04:05:06.789' WHERE id=4",
                          table));
  Exec(*conn, fmt::format("UPDATE {} SET c_int=1, c_varchar_utf8='was null', c_ubigint=7 "
                          "WHERE id=3",
                          table));
  Exec(*conn, "COMMIT");
  auto s2 = Select(*conn, table, cols);
  Exec(*conn, fmt::format("DELETE FROM {} WHERE id IN (1, 2)", table));
  ASSERT_TRUE(running.WaitCheckpoint(GtidPos(*conn), std::chrono::seconds(60)))
      << running.feed().last_error();
  ASSERT_TRUE(running.Stop().ok());

  auto msgs = DecodeTopic(topic, dir, registry.Url(), "");
  ASSERT_EQ(msgs.size(), 8u) << "4 inserts, 2 updates, 2 deletes";
  Modes modes;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Json& m = msgs[i];
    SCOPED_TRACE(fmt::format("message {}", i));
    ASSERT_TRUE(m["key"].is_object());
    std::string id = std::to_string(m["key"]["id"].get<int>());
    EXPECT_EQ(m["key"].size(), 1u) << "the key holds the primary key only";
    if (i < 4) {
      ExpectRow(m["value"], s1.at(id), cols, modes, "insert id=" + id);
      EXPECT_EQ(m["value"]["_tidb_op"], "c");
    } else if (i < 6) {
      ExpectRow(m["value"], s2.at(id), cols, modes, "update id=" + id);
      EXPECT_EQ(m["value"]["_tidb_op"], "u");
    } else {
      EXPECT_TRUE(m["value"].is_null()) << "a DELETE is a tombstone";
      EXPECT_TRUE(id == "1" || id == "2") << id;
    }
    if (!m["value"].is_null()) {
      int64_t ts = m["value"]["_tidb_commit_ts"].get<int64_t>();
      EXPECT_GT(ts, 0);
      EXPECT_EQ(m["value"]["_tidb_commit_physical_time"].get<int64_t>(), ts >> 18);
      EXPECT_EQ(m["value_id"], msgs[0]["value_id"]);
    }
    EXPECT_EQ(m["key_id"], msgs[0]["key_id"]);
  }
  EXPECT_NE(msgs[0]["key_id"], msgs[0]["value_id"]);
  // TiCDC's subjects, one version each.
  EXPECT_EQ(registry.Get("/subjects/" + topic + "-key/versions", "", ""), Json::array({1}));
  EXPECT_EQ(registry.Get("/subjects/" + topic + "-value/versions", "", ""), Json::array({1}));
  Exec(*conn, "DROP DATABASE " + db);
}

TEST(EndToEndAvro, AlterTableRegistersANewVersionOverTlsWithBasicAuth) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "e2e_avroevo_" + suffix;
  const std::string topic = "e2e.avroevo." + suffix;  // '.' becomes '_' in the subjects
  const std::string subject = "e2e_avroevo_" + suffix;
  const std::string dir = ::testing::TempDir() + "/e2e-avroevo-" + suffix;
  Registry registry(dir + "/registry", "alice", "s3cret", true);
  auto conn = testing::ConnectMariaDbWriter();
  RecreateDatabase(*conn, db);
  Exec(*conn, "CREATE TABLE " + db +
                  ".t (id INT PRIMARY KEY, a VARCHAR(20), u BIGINT UNSIGNED, d DECIMAL(10,2))");

  // A wrong password stops the changefeed with the fix and without the password.
  {
    auto bad = Config("avro-badauth-" + suffix, db, topic,
                      "schema-registry=" + registry.Url("alice:wrongpw@") +
                          "&schema-registry-ca=" + registry.ca());
    auto check = pipeline::CheckChangefeed(bad);  // `sluice check` sees it too
    EXPECT_EQ(check.code(), base::Code::kFailedPrecondition) << check.message();
    EXPECT_EQ(check.message().find("wrongpw"), std::string::npos) << check.message();
    RunningChangefeed running(bad, dir + "/state-bad");
    ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();
    Exec(*conn, "INSERT INTO " + db + ".t VALUES (100, 'x', 1, 1)");
    base::Status st;
    for (int i = 0; i < 300 && running.feed().state() != pipeline::ChangefeedState::kFailed; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    st = running.Stop();
    EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
    EXPECT_NE(st.message().find("check the user:password"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("alice:******@127.0.0.1"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("wrongpw"), std::string::npos) << st.message();
  }

  auto config = Config("avro-evo-" + suffix, db, topic,
                       "avro-decimal-handling-mode=string&avro-bigint-unsigned-handling-mode="
                       "string&schema-registry=" +
                           registry.Url("alice:s3cret@") + "&schema-registry-ca=" + registry.ca());
  auto check = pipeline::CheckChangefeed(config);
  EXPECT_TRUE(check.ok()) << check.message();
  RunningChangefeed running(config, dir + "/state");
  ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();
  Exec(*conn, "INSERT INTO " + db + ".t VALUES (1, 'before', 18446744073709551615, -12.5)");
  Exec(*conn, "ALTER TABLE " + db + ".t ADD COLUMN c_new INT NULL");
  Exec(*conn, "INSERT INTO " + db + ".t VALUES (2, 'after', 3, 0.01, 77)");
  Exec(*conn, "UPDATE " + db + ".t SET a = 'again' WHERE id = 1");
  Exec(*conn, "DELETE FROM " + db + ".t WHERE id = 2");
  Exec(*conn, "UPDATE " + db + ".t SET id = 10 WHERE id = 1");  // a primary-key change
  ASSERT_TRUE(running.WaitCheckpoint(GtidPos(*conn), std::chrono::seconds(60)))
      << running.feed().last_error();
  ASSERT_TRUE(running.Stop().ok());

  auto msgs = DecodeTopic(topic, dir, registry.Url("alice:s3cret@"), registry.ca());
  ASSERT_EQ(msgs.size(), 6u)
      << "insert, insert, update, delete, and the key change as delete + insert (no DDL message)";
  EXPECT_EQ(msgs[0]["value"],
            Json({{"id", 1}, {"a", "before"}, {"u", "18446744073709551615"}, {"d", "-12.50"}}));
  EXPECT_EQ(msgs[1]["value"],
            Json({{"id", 2}, {"a", "after"}, {"u", "3"}, {"d", "0.01"}, {"c_new", 77}}));
  EXPECT_EQ(msgs[2]["value"], Json({{"id", 1},
                                    {"a", "again"},
                                    {"u", "18446744073709551615"},
                                    {"d", "-12.50"},
                                    {"c_new", nullptr}}));
  EXPECT_TRUE(msgs[3]["value"].is_null());
  EXPECT_EQ(msgs[3]["key"], Json({{"id", 2}}));
  EXPECT_EQ(msgs[4]["key"], Json({{"id", 1}}));
  EXPECT_TRUE(msgs[4]["value"].is_null()) << "the old key of a primary-key change is deleted";
  EXPECT_EQ(msgs[5]["key"], Json({{"id", 10}}));
  EXPECT_EQ(msgs[5]["value"], Json({{"id", 10},
                                    {"a", "again"},
                                    {"u", "18446744073709551615"},
                                    {"d", "-12.50"},
                                    {"c_new", nullptr}}));
  EXPECT_NE(msgs[0]["value_id"], msgs[1]["value_id"]) << "ALTER TABLE -> a new value schema";
  EXPECT_EQ(msgs[1]["value_id"], msgs[2]["value_id"]);
  EXPECT_EQ(msgs[0]["key_id"], msgs[1]["key_id"]) << "the key schema did not change";
  EXPECT_EQ(registry.Get("/subjects/" + subject + "-value/versions", "alice", "s3cret"),
            Json::array({1, 2}));
  EXPECT_EQ(registry.Get("/subjects/" + subject + "-key/versions", "alice", "s3cret"),
            Json::array({1}));
  Exec(*conn, "DROP DATABASE " + db);
}

// BACKWARD compatibility (the registry's default, as Confluent's): ADD COLUMN with and without
// NOT NULL registers new versions and the changefeed goes on; a type change the registry rejects
// stops it with one error naming subject, version, level and fix, and nothing after it is written.
TEST(EndToEndAvro, BackwardCompatibilityAcceptsAddColumnAndStopsOnARejectedTypeChange) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "e2e_avrocompat_" + suffix;
  const std::string topic = "e2e_avrocompat_" + suffix;
  const std::string subject = topic + "-value";
  const std::string dir = ::testing::TempDir() + "/e2e-avrocompat-" + suffix;
  Registry registry(dir + "/registry", "", "", false);
  EXPECT_EQ(registry.Get("/config", "", ""), Json({{"compatibilityLevel", "BACKWARD"}}));
  auto conn = testing::ConnectMariaDbWriter();
  Exec(*conn, "DROP DATABASE IF EXISTS " + db);
  Exec(*conn, "CREATE DATABASE " + db);
  Exec(*conn, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY, a INT NOT NULL)");

  auto config = Config("avro-compat-" + suffix, db, topic, "schema-registry=" + registry.Url());
  RunningChangefeed running(config, dir + "/state");
  ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();
  Exec(*conn, "INSERT INTO " + db + ".t VALUES (1, 10)");
  Exec(*conn, "ALTER TABLE " + db + ".t ADD COLUMN n INT NOT NULL");  // needs the Avro default
  Exec(*conn, "INSERT INTO " + db + ".t VALUES (2, 20, 5)");
  Exec(*conn, "ALTER TABLE " + db + ".t ADD COLUMN s VARCHAR(10) NULL, ADD COLUMN e "
              "ENUM('x','y') NOT NULL");
  Exec(*conn, "INSERT INTO " + db + ".t VALUES (3, 30, 6, 'z', 'y')");
  ASSERT_TRUE(running.WaitCheckpoint(GtidPos(*conn), std::chrono::seconds(60)))
      << running.feed().last_error();
  EXPECT_EQ(registry.Get("/subjects/" + subject + "/versions", "", ""), Json::array({1, 2, 3}));

  // INT -> VARCHAR: a reader with string cannot read int data; the registry answers 409.
  Exec(*conn, "ALTER TABLE " + db + ".t MODIFY a VARCHAR(20) NOT NULL");
  Exec(*conn, "INSERT INTO " + db + ".t VALUES (4, 'forty', 7, NULL, 'x')");
  for (int i = 0; i < 600 && running.feed().state() != pipeline::ChangefeedState::kFailed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(running.feed().state(), pipeline::ChangefeedState::kFailed);
  base::Status st = running.Stop();
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  const std::string& m = st.message();
  EXPECT_NE(m.find("subject '" + subject +
                   "' rejected the new schema as incompatible with version 3 (the new schema "
                   "would be version 4) under BACKWARD compatibility"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("TYPE_MISMATCH"), std::string::npos) << m;
  EXPECT_NE(m.find("PUT /config/" + subject + R"( {"compatibility":"NONE"})"), std::string::npos)
      << m;
  EXPECT_EQ(registry.Get("/subjects/" + subject + "/versions", "", ""), Json::array({1, 2, 3}));

  // A consumer on version 3 reads every message: the defaults fill what older ones lack.
  int v3 = registry.Get("/subjects/" + subject + "/versions/3", "", "")["id"].get<int>();
  auto msgs = DecodeTopic(topic, dir, registry.Url(), "", v3);
  ASSERT_EQ(msgs.size(), 3u) << "the row after the rejected change is not written";
  EXPECT_EQ(msgs[0]["value_read"],
            Json({{"id", 1}, {"a", 10}, {"n", 0}, {"s", nullptr}, {"e", "x"}}));
  EXPECT_EQ(msgs[1]["value_read"],
            Json({{"id", 2}, {"a", 20}, {"n", 5}, {"s", nullptr}, {"e", "x"}}));
  EXPECT_EQ(msgs[0]["value"], Json({{"id", 1}, {"a", 10}}));
  EXPECT_EQ(msgs[1]["value"], Json({{"id", 2}, {"a", 20}, {"n", 5}}));
  EXPECT_EQ(msgs[2]["value"], Json({{"id", 3}, {"a", 30}, {"n", 6}, {"s", "z"}, {"e", "y"}}));
  Exec(*conn, "DROP DATABASE " + db);
}

}  // namespace
}  // namespace sluice
