// Connection parsing, URIs, secrets handling, the connection store, the schema-refresh schedule
// and the basic-auth form of the token check.
#include "api/connection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/auth.h"
#include "api/connection_store.h"
#include "api/schema_browser.h"
#include "sink/kafka/kafka_sink_uri.h"
#include "source/mysql/source_config.h"

namespace sluice::api {
namespace {

using nlohmann::json;

json KafkaTarget() {
  return json::parse(R"({
    "name": "k1", "kind": "kafka", "role": "target", "hosts": "127.0.0.1:9092, 127.0.0.1:9093",
    "topic": "cdc", "auth": {"mechanism": "scram-sha-512", "username": "alice",
    "password": "s3cr3t-sasl"}, "tls": {"enabled": true, "ca": "/etc/ca.pem"},
    "ack_mode": "1", "compression": "lz4"})");
}

TEST(Connection, KafkaTargetBecomesASinkUriTheSinkParserAccepts) {
  auto c = ParseConnectionJson(KafkaTarget());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->hosts, (std::vector<std::string>{"127.0.0.1:9092", "127.0.0.1:9093"}));
  std::string uri = ConnectionUri(*c, {{"protocol", "canal-json"}, {"partition-num", "6"}});
  auto opts = sink::kafka::ParseKafkaSinkUri(uri);
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  EXPECT_EQ(opts->sink.connection.brokers.size(), 2u);
  EXPECT_EQ(opts->sink.topic, "cdc");
  EXPECT_EQ(opts->sink.connection.sasl_user, "alice");
  EXPECT_EQ(opts->sink.connection.sasl_password, "s3cr3t-sasl");
  EXPECT_EQ(opts->sink.connection.sasl_mechanism, client::kafka::SaslMechanism::kScramSha512);
  EXPECT_TRUE(opts->sink.connection.enable_tls);
  EXPECT_EQ(opts->sink.connection.ca, "/etc/ca.pem");
  EXPECT_EQ(opts->sink.required_acks, 1);
  EXPECT_EQ(opts->sink.compression, sink::kafka::Compression::kLz4);
  EXPECT_EQ(opts->sink.partition_num, 6);
  // An explicit path replaces the connection's topic; extra options override its own.
  auto other = sink::kafka::ParseKafkaSinkUri(
      ConnectionUri(*c, {{"protocol", "canal-json"}, {"compression", "zstd"}}, "orders"));
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_EQ(other->sink.topic, "orders");
  EXPECT_EQ(other->sink.compression, sink::kafka::Compression::kZstd);
}

TEST(Connection, KerberosConnectionBecomesTheSinksGssapiOptions) {
  std::string keytab = ::testing::TempDir() + "/sluice-conn-test.keytab";
  { std::ofstream(keytab) << "not a real keytab"; }
  json j = json::parse(R"({"name": "krb", "kind": "kafka", "role": "target",
    "hosts": "127.0.0.1:9092", "topic": "cdc", "auth": {"mechanism": "gssapi",
    "kerberos_principal": "sluice/cdc@EXAMPLE.COM", "kerberos_service_name": "kafka-prod"}})");
  j["auth"]["kerberos_keytab"] = keytab;
  auto c = ParseConnectionJson(j);
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto opts = sink::kafka::ParseKafkaSinkUri(ConnectionUri(*c, {{"protocol", "canal-json"}}));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  EXPECT_EQ(opts->sink.connection.sasl_mechanism, client::kafka::SaslMechanism::kGssapi);
  EXPECT_EQ(opts->sink.connection.gssapi_user, "sluice/cdc");
  EXPECT_EQ(opts->sink.connection.gssapi_realm, "EXAMPLE.COM");
  EXPECT_EQ(opts->sink.connection.gssapi_service_name, "kafka-prod");
  EXPECT_EQ(opts->sink.connection.gssapi_auth_type, client::kafka::GssapiAuthType::kKeytab);
  EXPECT_EQ(opts->sink.connection.gssapi_keytab_path, keytab);
}

TEST(Connection, MariaDbSourceBecomesASourceUriWithEncodedPassword) {
  auto c = ParseConnectionJson(json::parse(
      R"({"name": "m", "kind": "mariadb", "hosts": ["127.0.0.1:3307"], "user": "sluice",
          "password": "p@ss:w/rd"})"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto cfg = source::mysql::ParseMySqlSourceUri(ConnectionUri(*c, {{"start", "earliest"}}));
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->password, "p@ss:w/rd");
  EXPECT_EQ(cfg->port, 3307);
  EXPECT_EQ(cfg->start.kind, source::mysql::StartSpec::Kind::kEarliest);
}

TEST(Connection, PublicJsonNeverCarriesSecrets) {
  auto c = ParseConnectionJson(KafkaTarget());
  ASSERT_TRUE(c.ok());
  c->options["schema-registry-password"] = "reg-secret-9";
  std::string text = ConnectionToPublicJson(*c).dump();
  EXPECT_EQ(text.find("s3cr3t-sasl"), std::string::npos) << text;
  EXPECT_EQ(text.find("reg-secret-9"), std::string::npos) << text;
  json j = json::parse(text);
  EXPECT_TRUE(j["auth"]["password_set"].get<bool>());
  EXPECT_FALSE(j["password_set"].get<bool>());
  EXPECT_FALSE(j["auth"].contains("password"));
  // The stored form keeps them.
  EXPECT_NE(ConnectionToStoredJson(*c).dump().find("s3cr3t-sasl"), std::string::npos);
}

TEST(Connection, UpdateWithoutOrWithMaskedSecretKeepsTheStoredOne) {
  auto stored = ParseConnectionJson(KafkaTarget());
  ASSERT_TRUE(stored.ok());
  json edit = KafkaTarget();
  edit["auth"].erase("password");
  auto incoming = ParseConnectionJson(edit);
  ASSERT_TRUE(incoming.ok());
  KeepStoredSecrets(*stored, &*incoming);
  EXPECT_EQ(incoming->auth.password, "s3cr3t-sasl");
  edit["auth"]["password"] = "****";
  incoming = ParseConnectionJson(edit);
  KeepStoredSecrets(*stored, &*incoming);
  EXPECT_EQ(incoming->auth.password, "s3cr3t-sasl");
  edit["auth"]["password"] = "new-one";
  incoming = ParseConnectionJson(edit);
  KeepStoredSecrets(*stored, &*incoming);
  EXPECT_EQ(incoming->auth.password, "new-one");
}

TEST(Connection, BadFieldsAreNamed) {
  auto bad = [](const char* text) {
    auto c = ParseConnectionJson(json::parse(text));
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_NE(bad(R"({"name": "a b", "hosts": ["h:1"], "user": "u"})").find("'name'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name": "a", "hosts": ["h"], "user": "u"})").find("hosts[0]"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name": "a", "kind": "oracle", "hosts": ["h:1"]})").find("'kind'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name": "a", "kind": "kafka", "hosts": ["h:1"],
                    "auth": {"mechanism": "plain"}})")
                .find("auth.username"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name": "a", "kind": "kafka", "hosts": ["h:1"],
                    "auth": {"mechanism": "gssapi"}})")
                .find("kerberos_principal"),
            std::string::npos);
  EXPECT_NE(
      bad(R"({"name": "a", "kind": "kafka", "hosts": ["h:1"], "ack_mode": "2"})").find("ack_mode"),
      std::string::npos);
  EXPECT_NE(bad(R"({"name": "a", "hosts": ["h:1"], "user": "u", "colour": 1})").find("colour"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name": "a", "hosts": ["h:1"]})").find("'user'"), std::string::npos);
}

TEST(ConnectionStore, RoundTripsKeepsCreatedTimeAndDeletes) {
  std::string dir = ::testing::TempDir() + "/conn_store_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/sluice.db";
  std::filesystem::remove(path);
  auto store = ConnectionStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto c = ParseConnectionJson(KafkaTarget());
  ASSERT_TRUE(c.ok());
  auto first = (*store)->Put(*c);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_GT(first->created_at_ms, 0);
  c->topic = "changed";
  auto second = (*store)->Put(*c);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->created_at_ms, first->created_at_ms);
  // A second handle on the same file (what a restarted server sees).
  auto reopened = ConnectionStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  auto got = (*reopened)->Get("k1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->topic, "changed");
  EXPECT_EQ((*got)->auth.password, "s3cr3t-sasl");
  auto list = (*reopened)->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  EXPECT_TRUE((*store)->Delete("k1").ok());
  EXPECT_EQ((*store)->Delete("k1").code(), base::Code::kNotFound);
  auto gone = (*store)->Get("k1");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  std::filesystem::remove_all(dir);
}

TEST(SchemaSchedule, HourlyUpToTenThousandTablesThenDailyAtTheConfiguredTime) {
  SchemaBrowserOptions o;
  o.daily_at_minutes = 2 * 60 + 30;  // 02:30 UTC
  const int64_t day = 24 * 3600'000LL;
  const int64_t t = 20'000 * day + 10 * 3600'000LL;  // 10:00 UTC on some day
  EXPECT_EQ(NextRefreshMs(t, 10'000, o), t + 3600'000);
  // 10:00 is after 02:30: the next 02:30 is tomorrow.
  EXPECT_EQ(NextRefreshMs(t, 10'001, o), 20'001 * day + 150 * 60'000LL);
  // 01:00 is before 02:30: today.
  const int64_t early = 20'000 * day + 3600'000LL;
  EXPECT_EQ(NextRefreshMs(early, 50'000, o), 20'000 * day + 150 * 60'000LL);
}

TEST(Auth, BasicAuthWithTheTokenAsPasswordIsAccepted) {
  // "any:tok-123" and "any:wrong"
  EXPECT_TRUE(AuthorizationMatches("Basic YW55OnRvay0xMjM=", "tok-123"));
  EXPECT_FALSE(AuthorizationMatches("Basic YW55Ondyb25n", "tok-123"));
  EXPECT_TRUE(AuthorizationMatches("Bearer tok-123", "tok-123"));
  EXPECT_FALSE(AuthorizationMatches("Basic !!!", "tok-123"));
  EXPECT_TRUE(IsProtectedPath("/api/v1/connections"));
  EXPECT_TRUE(IsProtectedPath("/metrics"));
  EXPECT_FALSE(IsProtectedPath("/"));
  EXPECT_FALSE(IsProtectedPath("/assets/index.js"));
}

}  // namespace
}  // namespace sluice::api
