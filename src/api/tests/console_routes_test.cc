// The console routes against the real MariaDB and Kafka of the `servers` fixture: connection
// tests (passing and failing, each check with its fix), save-after-test, write-only secrets,
// the schema browser's cache and refresh, a table's detail (columns, keys, capture checks,
// capturing changefeeds) on MariaDB and PostgreSQL, the topic preview, and a changefeed created
// from saved connections whose rows arrive in Kafka (and are counted per table).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "api/api_server.h"
#include "pipeline/builder.h"
#include "pipeline/sqlite_state_store.h"
#include "sink/kafka/topic_reader.h"
#include "source/mysql/mysql_connection.h"
#include "source/postgres/pg_connection.h"
#include "test_env.h"

namespace sluice::api {
namespace {

using nlohmann::json;
using sluice::testing::Env;

std::string Unique() {
  static std::atomic<int> n{0};
  return std::to_string(::getpid()) + "_" + std::to_string(n++);
}

class ConsoleRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    u_ = Unique();
    dir_ = ::testing::TempDir() + "/console_it_" + u_;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::string db = dir_ + "/sluice.db";
    auto store = pipeline::SqliteStateStore::Open(db);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    auto conns = ConnectionStore::Open(db);
    ASSERT_TRUE(conns.ok()) << conns.status().message();
    connections_ = std::move(conns).value();
    SchemaBrowserOptions so;
    so.run_scheduler = false;
    schema_ = std::make_unique<SchemaBrowser>(connections_.get(), so);
    manager_ = std::make_unique<pipeline::ChangefeedManager>(
        store_.get(), pipeline::ChangefeedFactory(), pipeline::ResolveStartPosition);
    ApiOptions o;
    o.port = 0;
    auto server = ApiServer::Create(o, manager_.get());
    ASSERT_TRUE(server.ok());
    server_ = std::move(server).value();
    console_.connections = connections_.get();
    console_.schema = schema_.get();
    server_->EnableConsole(&console_);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);

    source::mysql::ConnectOptions ro;
    ro.unix_socket = Env("SLUICE_MARIADB_SOCKET");
    ro.user = "root";
    auto root = source::mysql::MySqlConnection::Connect(ro);
    ASSERT_TRUE(root.ok()) << root.status().message();
    root_ = std::move(root).value();
    db_ = "console_" + u_;
    ASSERT_TRUE(root_->Exec("CREATE DATABASE " + db_).ok());
    ASSERT_TRUE(
        root_->Exec("CREATE TABLE " + db_ + ".orders (id INT PRIMARY KEY, v VARCHAR(20))").ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (manager_) manager_->Shutdown();
    if (root_) (void)root_->Exec("DROP DATABASE IF EXISTS " + db_);
    std::filesystem::remove_all(dir_);
  }

  json Call(const std::string& method, const std::string& path, int want,
            const json& body = nullptr) {
    std::string b = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "GET"    ? client_->Get(path.c_str())
                        : method == "POST" ? client_->Post(path.c_str(), b, "application/json")
                        : method == "PUT"  ? client_->Put(path.c_str(), b, "application/json")
                                           : client_->Delete(path.c_str());
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return json();
    EXPECT_EQ(r->status, want) << method << " " << path << ": " << r->body;
    // No response ever carries a secret of this test.
    EXPECT_EQ(r->body.find("sluice-pw-"), std::string::npos) << r->body;
    return json::parse(r->body, nullptr, false);
  }

  json Maria(const std::string& name, const std::string& password = "sluice",
             const std::string& port = "") {
    return json{{"name", name},
                {"kind", "mariadb"},
                {"role", "source"},
                {"hosts", {"127.0.0.1:" + (port.empty() ? Env("SLUICE_MARIADB_PORT") : port)}},
                {"user", "sluice"},
                {"password", password}};
  }
  json Pg(const std::string& name) {
    return json{{"name", name},
                {"kind", "postgresql"},
                {"role", "source"},
                {"hosts", {"127.0.0.1:" + Env("SLUICE_POSTGRES_PORT")}},
                {"user", Env("SLUICE_POSTGRES_USER")},
                {"password", Env("SLUICE_POSTGRES_PASSWORD")},
                {"database", Env("SLUICE_POSTGRES_DATABASE")}};
  }
  json Kafka(const std::string& name) {
    return json{{"name", name},
                {"kind", "kafka"},
                {"role", "target"},
                {"hosts", {Env("SLUICE_KAFKA_BOOTSTRAP")}},
                {"topic", "console_" + u_},
                {"compression", "lz4"}};
  }

  static const json* FindCheck(const json& result, const std::string& prefix) {
    for (const auto& c : result["checks"]) {
      if (c["name"].get<std::string>().rfind(prefix, 0) == 0) return &c;
    }
    return nullptr;
  }

  std::string u_, dir_, db_;
  std::unique_ptr<pipeline::SqliteStateStore> store_;
  std::unique_ptr<ConnectionStore> connections_;
  std::unique_ptr<SchemaBrowser> schema_;
  std::unique_ptr<pipeline::ChangefeedManager> manager_;
  std::unique_ptr<ApiServer> server_;
  ConsoleContext console_;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<source::mysql::MySqlConnection> root_;
};

TEST_F(ConsoleRoutesTest, MariaDbTestReportsEachCheckAndFailuresCarryTheirFix) {
  json ok = Call("POST", "/api/v1/connections/test", 200, Maria("m"));
  EXPECT_TRUE(ok["passed"].get<bool>()) << ok.dump(2);
  for (const char* name : {"reachable", "authentication", "privileges", "setting binlog_format",
                           "setting binlog_row_image", "replication preflight"}) {
    const json* c = FindCheck(ok, name);
    ASSERT_NE(c, nullptr) << name << " in " << ok.dump(2);
    EXPECT_TRUE((*c)["passed"].get<bool>()) << c->dump();
  }

  json denied = Call("POST", "/api/v1/connections/test", 200, Maria("m", "sluice-pw-wrong"));
  EXPECT_FALSE(denied["passed"].get<bool>());
  const json* auth = FindCheck(denied, "authentication");
  ASSERT_NE(auth, nullptr);
  EXPECT_FALSE((*auth)["passed"].get<bool>());
  EXPECT_NE((*auth)["fix"].get<std::string>().find("password"), std::string::npos);

  // A port nobody listens on (the server's own port + 1 is unlikely to be bound; use 1).
  json down = Call("POST", "/api/v1/connections/test", 200, Maria("m", "sluice", "1"));
  const json* reach = FindCheck(down, "reachable");
  ASSERT_NE(reach, nullptr);
  EXPECT_FALSE((*reach)["passed"].get<bool>());
  EXPECT_FALSE((*reach)["fix"].get<std::string>().empty());
}

TEST_F(ConsoleRoutesTest, SaveNeedsAPassingTestOrOverrideAndSecretsAreWriteOnly) {
  json failed = Call("POST", "/api/v1/connections", 409, Maria("bad", "sluice-pw-wrong"));
  EXPECT_EQ(failed["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_FALSE(failed["error"]["test"]["passed"].get<bool>());
  Call("GET", "/api/v1/connections/bad", 404);
  json forced = Maria("bad", "sluice-pw-wrong");
  forced["skip_test"] = true;
  json saved_bad = Call("POST", "/api/v1/connections", 201, forced);
  EXPECT_FALSE(saved_bad["tested"].get<bool>());

  json saved = Call("POST", "/api/v1/connections", 201, Maria("maria"));
  EXPECT_TRUE(saved["test"]["passed"].get<bool>());
  EXPECT_TRUE(saved["password_set"].get<bool>());
  EXPECT_FALSE(saved.contains("password"));
  Call("POST", "/api/v1/connections", 400, Maria("maria"));  // duplicate name

  // An edit without the password keeps the stored one (the saved test still passes).
  json edit = Maria("maria");
  edit.erase("password");
  Call("PUT", "/api/v1/connections/maria", 200, edit);
  json retest = Call("POST", "/api/v1/connections/maria/test", 200);
  EXPECT_TRUE(retest["passed"].get<bool>()) << retest.dump(2);

  json list = Call("GET", "/api/v1/connections", 200);
  EXPECT_EQ(list["items"].size(), 2u);
  Call("DELETE", "/api/v1/connections/bad", 200);
  Call("DELETE", "/api/v1/connections/bad", 404);
}

TEST_F(ConsoleRoutesTest, SchemaBrowserCachesUntilRefreshed) {
  Call("POST", "/api/v1/connections", 201, Maria("maria"));
  auto has = [this](const json& listing, const std::string& table) {
    for (const auto& t : listing["tables"]) {
      if (t["schema"] == db_ && t["table"] == table) return true;
    }
    return false;
  };
  json first = Call("GET", "/api/v1/connections/maria/tables", 200);
  EXPECT_TRUE(has(first, "orders")) << first.dump();
  EXPECT_EQ(first["schedule"], "hourly");
  EXPECT_EQ(first["next_refresh_at_ms"].get<int64_t>() - first["refreshed_at_ms"].get<int64_t>(),
            3600'000);
  ASSERT_TRUE(root_->Exec("CREATE TABLE " + db_ + ".items (id INT PRIMARY KEY)").ok());
  json cached = Call("GET", "/api/v1/connections/maria/tables", 200);
  EXPECT_FALSE(has(cached, "items"));
  json refreshed = Call("POST", "/api/v1/connections/maria/tables/refresh", 200);
  EXPECT_TRUE(has(refreshed, "items"));

  json preview = Call("POST", "/api/v1/topics/preview", 200,
                      json{{"mode", "table"},
                           {"prefix", "cdc_"},
                           {"separator", "-"},
                           {"suffix", "_v1"},
                           {"connection", "maria"},
                           {"limit", 100000}});
  EXPECT_EQ(preview["expression"], "cdc_{schema}-{table}_v1");
  bool found = false;
  for (const auto& t : preview["topics"]) {
    if (t["topic"] == "cdc_" + db_ + "-orders_v1") found = true;
  }
  EXPECT_TRUE(found) << preview.dump();
  Call("POST", "/api/v1/topics/preview", 400, json{{"mode", "table"}, {"prefix", "bad prefix!"}});

  Call("POST", "/api/v1/connections", 201, Kafka("kafka"));
  Call("GET", "/api/v1/connections/kafka/tables", 409);
}

TEST_F(ConsoleRoutesTest, ChangefeedFromSavedConnectionsDeliversRows) {
  Call("POST", "/api/v1/connections", 201, Maria("maria"));
  json k = Call("POST", "/api/v1/connections", 201, Kafka("kafka"));
  EXPECT_TRUE(k["test"]["passed"].get<bool>()) << k.dump(2);

  std::string topic = "console_" + u_;
  json body = {{"id", "cf_" + u_},
               {"source_connection", "maria"},
               {"source_options",
                {{"start", "now"}, {"server-id", std::to_string(4000000 + getpid() % 100000)}}},
               {"sink_connection", "kafka"},
               {"sink_topic", topic},
               {"sink_options", {{"protocol", "canal-json"}, {"partition-num", "0"}}},
               {"filter_rules", {db_ + ".*"}}};
  json bad = Call("POST", "/api/v1/changefeeds/validate", 400, body);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("partition-num"), std::string::npos);
  body["sink_options"]["partition-num"] = "1";
  json valid = Call("POST", "/api/v1/changefeeds/validate", 200, body);
  EXPECT_NE(valid["sink_uri"].get<std::string>().find("compression=lz4"), std::string::npos);
  EXPECT_EQ(valid["config_toml"], "[filter]\nrules = ['" + db_ + ".*']\n");
  Call("POST", "/api/v1/changefeeds", 201, body);

  ASSERT_TRUE(root_->Exec("INSERT INTO " + db_ + ".orders VALUES (1, 'a'), (2, 'b')").ok());
  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok());
  size_t rows = 0;
  for (int i = 0; i < 60 && rows < 2; ++i) {
    sink::kafka::ReadLimits limits;
    limits.timeout = std::chrono::seconds(5);
    auto msgs = (*reader)->ReadAll(topic, limits);
    rows = 0;
    if (msgs.ok()) {
      for (const auto& m : *msgs) {
        if (m.value.find("\"type\":\"INSERT\"") != std::string::npos) ++rows;
      }
    }
    if (rows < 2) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(rows, 2u);
  json cf = Call("GET", "/api/v1/changefeeds/cf_" + u_, 200);
  EXPECT_EQ(cf["counters"]["rows"].get<uint64_t>(), 2u) << cf.dump();
  EXPECT_TRUE(cf.contains("rows_per_second"));
  ASSERT_EQ(cf["tables"].size(), 1u) << cf.dump();
  EXPECT_EQ(cf["tables"][0], (json{{"schema", db_}, {"table", "orders"}, {"inserts", 2},
                                   {"updates", 0}, {"deletes", 0}, {"rows", 2}}));
  // The table's page names the changefeed that captures it.
  json t = Call("GET", "/api/v1/connections/maria/tables/" + db_ + "/orders", 200);
  ASSERT_EQ(t["changefeeds"].size(), 1u) << t.dump();
  EXPECT_EQ(t["changefeeds"][0]["id"], "cf_" + u_);
  Call("DELETE", "/api/v1/changefeeds/cf_" + u_, 200);
}

TEST_F(ConsoleRoutesTest, MariaDbTableDetailShowsColumnsKeysAndCaptureChecks) {
  Call("POST", "/api/v1/connections", 201, Maria("maria"));
  ASSERT_TRUE(root_->Exec("CREATE TABLE " + db_ +
                          ".places (code CHAR(3) NOT NULL, name VARCHAR(40), spot POINT, "
                          "addr INET6, price DECIMAL(8,2) UNSIGNED, UNIQUE KEY uk_code (code, "
                          "name), KEY k_name (name))")
                  .ok());
  ASSERT_TRUE(root_->Exec("CREATE VIEW " + db_ + ".v AS SELECT id FROM " + db_ + ".orders").ok());

  json orders = Call("GET", "/api/v1/connections/maria/tables/" + db_ + "/orders", 200);
  EXPECT_EQ(orders["type"], "BASE TABLE");
  ASSERT_EQ(orders["columns"].size(), 2u) << orders.dump();
  EXPECT_EQ(orders["columns"][0], (json{{"name", "id"}, {"type", "int(11)"}, {"nullable", false},
                                        {"key", "PRI"}, {"supported", true}, {"note", ""}}));
  EXPECT_EQ(orders["columns"][1]["type"], "varchar(20)");
  EXPECT_EQ(orders["keys"],
            json::parse(R"([{"name": "PRIMARY", "primary": true, "columns": ["id"]}])"));
  EXPECT_TRUE(orders["capture"]["capturable"].get<bool>()) << orders.dump(2);
  EXPECT_EQ(orders["settings"]["binlog_row_image"], "FULL");
  EXPECT_TRUE(orders["changefeeds"].empty());

  json places = Call("GET", "/api/v1/connections/maria/tables/" + db_ + "/places", 200);
  std::map<std::string, json> cols;
  for (const auto& c : places["columns"]) cols[c["name"]] = c;
  EXPECT_EQ(cols["code"]["key"], "UNI");
  EXPECT_EQ(cols["name"]["key"], "UNI");  // in the unique key, though MariaDB says "MUL" / ""
  EXPECT_EQ(cols["spot"]["note"], "arrives as SRID + WKB bytes");
  EXPECT_EQ(cols["addr"]["type"], "inet6");
  EXPECT_EQ(cols["price"]["type"], "decimal(8,2) unsigned");
  ASSERT_EQ(places["keys"].size(), 1u) << places.dump();  // KEY k_name is not unique
  EXPECT_EQ(places["keys"][0]["columns"], json({"code", "name"}));
  json checks = places["capture"]["checks"];
  EXPECT_TRUE(places["capture"]["capturable"].get<bool>());
  EXPECT_EQ(checks[2]["name"], "key");
  EXPECT_EQ(checks[2]["status"], "warn");
  EXPECT_NE(checks[2]["detail"].get<std::string>().find("uk_code (code, name)"),
            std::string::npos);

  json view = Call("GET", "/api/v1/connections/maria/tables/" + db_ + "/v", 200);
  EXPECT_FALSE(view["capture"]["capturable"].get<bool>());
  EXPECT_EQ(view["capture"]["checks"][0]["status"], "fail");

  json missing = Call("GET", "/api/v1/connections/maria/tables/" + db_ + "/nope", 404);
  EXPECT_NE(missing["error"]["message"].get<std::string>().find("no table"), std::string::npos);
  Call("GET", "/api/v1/connections/nobody/tables/" + db_ + "/orders", 404);
}

TEST_F(ConsoleRoutesTest, PostgresTableDetailJudgesTheReplicaIdentity) {
  source::postgres::PgSourceConfig pc;
  pc.host = "127.0.0.1";
  pc.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_POSTGRES_PORT")));
  pc.user = Env("SLUICE_POSTGRES_USER");
  pc.password = Env("SLUICE_POSTGRES_PASSWORD");
  pc.database = Env("SLUICE_POSTGRES_DATABASE");
  auto pg = source::postgres::PgConnection::Connect(pc, false);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  std::string schema = "console_" + u_;
  ASSERT_TRUE((*pg)->Exec("CREATE SCHEMA " + schema).ok());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE " + schema +
                          ".keyed (id bigint PRIMARY KEY, tags text[], at timestamptz NOT NULL)")
                  .ok());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE " + schema + ".loose (a int, b text)").ok());
  json conn = Pg("pg");
  conn["skip_test"] = true;
  Call("POST", "/api/v1/connections", 201, conn);

  json keyed = Call("GET", "/api/v1/connections/pg/tables/" + schema + "/keyed", 200);
  ASSERT_EQ(keyed["columns"].size(), 3u) << keyed.dump(2);
  EXPECT_EQ(keyed["columns"][0]["type"], "bigint");
  EXPECT_EQ(keyed["columns"][0]["key"], "PRI");
  EXPECT_FALSE(keyed["columns"][0]["nullable"].get<bool>());
  EXPECT_EQ(keyed["columns"][1]["type"], "text[]");
  EXPECT_EQ(keyed["columns"][1]["note"], "arrives as its text form");
  EXPECT_EQ(keyed["columns"][2]["type"], "timestamp with time zone");
  EXPECT_EQ(keyed["keys"][0]["name"], "keyed_pkey");
  EXPECT_EQ(keyed["settings"]["replica_identity"], "d");
  EXPECT_TRUE(keyed["capture"]["capturable"].get<bool>()) << keyed.dump(2);

  json loose = Call("GET", "/api/v1/connections/pg/tables/" + schema + "/loose", 200);
  EXPECT_FALSE(loose["capture"]["capturable"].get<bool>());
  EXPECT_EQ(loose["capture"]["checks"][1]["name"], "row image");
  EXPECT_EQ(loose["capture"]["checks"][1]["fix"],
            "ALTER TABLE " + schema + ".loose REPLICA IDENTITY FULL (or add a primary key)");
  ASSERT_TRUE((*pg)->Exec("ALTER TABLE " + schema + ".loose REPLICA IDENTITY FULL").ok());
  loose = Call("GET", "/api/v1/connections/pg/tables/" + schema + "/loose", 200);
  EXPECT_TRUE(loose["capture"]["capturable"].get<bool>()) << loose.dump(2);
  (void)(*pg)->Exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST_F(ConsoleRoutesTest, SchedulerRefreshesOnlyConnectionsThatAreDue) {
  Call("POST", "/api/v1/connections", 201, Maria("maria"));
  auto first = schema_->Get("maria");
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(root_->Exec("CREATE TABLE " + db_ + ".late (id INT PRIMARY KEY)").ok());
  auto has_late = [this](const TableListing& l) {
    for (const auto& t : l.tables) {
      if (t.schema == db_ && t.table == "late") return true;
    }
    return false;
  };
  // Not due yet: the cache stays as it was.
  schema_->RunDue(first->refreshed_at_ms + 60'000);
  auto cached = schema_->Get("maria");
  ASSERT_TRUE(cached.ok());
  EXPECT_FALSE(has_late(*cached));
  EXPECT_EQ(cached->refreshed_at_ms, first->refreshed_at_ms);
  // An hour later it is due and the scheduler discovers the new table.
  schema_->RunDue(first->next_refresh_at_ms);
  auto refreshed = schema_->Get("maria");
  ASSERT_TRUE(refreshed.ok());
  EXPECT_TRUE(has_late(*refreshed));
}

TEST_F(ConsoleRoutesTest, PostgresAndKafkaTestsReportTheirChecks) {
  json pg = Pg("pg");
  json ok = Call("POST", "/api/v1/connections/test", 200, pg);
  EXPECT_TRUE(ok["passed"].get<bool>()) << ok.dump(2);
  ASSERT_NE(FindCheck(ok, "setting wal_level"), nullptr) << ok.dump(2);
  ASSERT_NE(FindCheck(ok, "privileges"), nullptr);
  Call("POST", "/api/v1/connections", 201, pg);
  json tables = Call("GET", "/api/v1/connections/pg/tables", 200);
  EXPECT_EQ(tables["error"], "") << tables.dump();
  EXPECT_EQ(tables["schedule"], "hourly");
  pg["password"] = "sluice-pw-wrong";
  json denied = Call("POST", "/api/v1/connections/test", 200, pg);
  const json* auth = FindCheck(denied, "authentication");
  ASSERT_NE(auth, nullptr) << denied.dump(2);
  EXPECT_FALSE((*auth)["passed"].get<bool>());
  EXPECT_NE((*auth)["fix"].get<std::string>().find("pg_hba"), std::string::npos);

  json kafka = Call("POST", "/api/v1/connections/test", 200, Kafka("k"));
  EXPECT_TRUE(kafka["passed"].get<bool>()) << kafka.dump(2);
  ASSERT_NE(FindCheck(kafka, "reachable"), nullptr) << kafka.dump(2);
  json down = Kafka("k");
  down["hosts"] = {"127.0.0.1:1"};
  json failed = Call("POST", "/api/v1/connections/test", 200, down);
  EXPECT_FALSE(failed["passed"].get<bool>());
  const json* reach = FindCheck(failed, "reachable");
  ASSERT_NE(reach, nullptr) << failed.dump(2);
  EXPECT_FALSE((*reach)["passed"].get<bool>());
  EXPECT_FALSE((*reach)["fix"].get<std::string>().empty());
}

// Every field that can hold a secret, each with its own: no answer shows any of them (Call
// checks every body for "sluice-pw-"), and an edit that sends the masked answer back keeps them.
TEST_F(ConsoleRoutesTest, NoAnswerShowsASecretWhereverItSits) {
  json k = Kafka("vault");
  k["auth"] = {{"mechanism", "scram-sha-256"}, {"username", "alice"},
               {"password", "sluice-pw-sasl"}};
  k["options"] = {{"protocol", "avro"},
                  {"schema-registry", "http://reg:sluice-pw-registry@127.0.0.1:8081"},
                  {"sasl-gssapi-password", "sluice-pw-kerberos"},
                  {"claim-check-storage-uri", "s3://bucket/x?secret-access-key=sluice-pw-s3&r=1"},
                  {"oauth-token", "sluice-pw-token"},
                  {"sasl-oauthbearer-client-secret", "sluice-pw-oauth"}};
  k["skip_test"] = true;
  json saved = Call("POST", "/api/v1/connections", 201, k);
  EXPECT_EQ(saved["options"]["schema-registry"], "http://reg:****@127.0.0.1:8081") << saved.dump();
  EXPECT_EQ(saved["options"]["sasl-gssapi-password"], "****");
  EXPECT_EQ(saved["options"]["oauth-token"], "****");
  EXPECT_NE(saved["options"]["claim-check-storage-uri"].get<std::string>().find(
                "secret-access-key=****"),
            std::string::npos)
      << saved.dump();
  EXPECT_EQ(saved["options"]["protocol"], "avro");
  EXPECT_TRUE(saved["auth"]["password_set"].get<bool>());
  json db = Maria("db", "sluice-pw-db");
  db["skip_test"] = true;
  Call("POST", "/api/v1/connections", 201, db);
  Call("POST", "/api/v1/connections", 201, Maria("maria"));
  Call("GET", "/api/v1/connections", 200);
  json one = Call("GET", "/api/v1/connections/vault", 200);

  // The console edits by sending the answer back: every stored secret is kept.
  one["skip_test"] = true;
  Call("PUT", "/api/v1/connections/vault", 200, one);
  auto stored = connections_->Get("vault");
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->auth.password, "sluice-pw-sasl");
  EXPECT_EQ((*stored)->options.at("schema-registry"),
            "http://reg:sluice-pw-registry@127.0.0.1:8081");
  EXPECT_EQ((*stored)->options.at("sasl-gssapi-password"), "sluice-pw-kerberos");
  EXPECT_EQ((*stored)->options.at("claim-check-storage-uri"),
            "s3://bucket/x?secret-access-key=sluice-pw-s3&r=1");

  // A changefeed from saved connections: validate, create and list mask the nested secrets.
  json reg = Kafka("reg");
  reg["auth"] = k["auth"];
  reg["options"] = {{"protocol", "avro"},
                    {"schema-registry", "http://reg:sluice-pw-registry@127.0.0.1:8081"}};
  reg["skip_test"] = true;
  Call("POST", "/api/v1/connections", 201, reg);
  json body = {{"id", "cf_sec_" + u_},
               {"source_connection", "maria"},
               {"source_options", {{"server-id", std::to_string(4100000 + getpid() % 100000)}}},
               {"sink_connection", "reg"},
               {"sink_topic", "console_sec_" + u_},
               {"sink_options", {{"partition-num", "1"}}},
               {"paused", true}};
  json valid = Call("POST", "/api/v1/changefeeds/validate", 200, body);
  EXPECT_NE(valid["sink_uri"].get<std::string>().find("sasl-password="), std::string::npos)
      << valid.dump();
  Call("POST", "/api/v1/changefeeds", 201, body);
  json list = Call("GET", "/api/v1/changefeeds", 200);
  ASSERT_EQ(list["items"].size(), 1u);
  Call("GET", "/api/v1/changefeeds/cf_sec_" + u_, 200);
  Call("DELETE", "/api/v1/changefeeds/cf_sec_" + u_, 200);
}

// A wrong JSON type in any body is a 400 naming the field; bodies and URIs over the limits and
// requests httplib refuses by itself answer with the documented JSON error too.
TEST_F(ConsoleRoutesTest, WrongTypesAndRefusedRequestsAreJsonErrors) {
  auto error_of = [&](const std::string& path, const json& body) {
    json e = Call("POST", path, 400, body);
    EXPECT_EQ(e["error"]["code"], "INVALID_ARGUMENT") << e.dump();
    return e["error"]["message"].get<std::string>();
  };
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"limit", "x"}}).find("field 'limit'"),
            std::string::npos);
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"limit", -3}}).find("field 'limit'"),
            std::string::npos);
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"mode", 7}}).find("field 'mode'"),
            std::string::npos);
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"tables", {{{"schema", 5}, {"table", "t"}}}}})
                .find("field 'tables[0].schema'"),
            std::string::npos);
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"tables", "shop.orders"}}).find("field 'tables'"),
            std::string::npos);
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"tables", {"shop.orders"}}})
                .find("field 'tables[0]'"),
            std::string::npos);
  EXPECT_NE(error_of("/api/v1/topics/preview", {{"prefix", "p"}, {"limt", 3}}).find("'limt'"),
            std::string::npos);
  json conn = Maria("m");
  conn["skip_test"] = "yes";
  EXPECT_NE(error_of("/api/v1/connections", conn).find("field 'skip_test'"), std::string::npos);
  json ok = Call("POST", "/api/v1/topics/preview", 200,
                 {{"tables", {{{"schema", "shop"}, {"table", "orders"}}}}, {"limit", 1}});
  EXPECT_EQ(ok["topics"].size(), 1u) << ok.dump();

  auto expect_json_error = [](const httplib::Result& r, int status) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    json j = json::parse(r->body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: '" << r->body << "'";
    EXPECT_TRUE(j["error"]["message"].is_string()) << r->body;
    EXPECT_TRUE(j["error"]["code"].is_string()) << r->body;
  };
  expect_json_error(client_->Post("/api/v1/connections", "", "application/json"), 400);
  expect_json_error(client_->Post("/api/v1/changefeeds", "", "application/json"), 400);
  expect_json_error(
      client_->Post("/api/v1/connections", std::string(2 << 20, ' '), "application/json"), 413);
  expect_json_error(client_->Get(("/api/v1/connections/" + std::string(20000, 'a')).c_str()), 414);
}

}  // namespace
}  // namespace sluice::api
