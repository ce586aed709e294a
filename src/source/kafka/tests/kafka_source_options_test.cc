#include "source/kafka/kafka_source_options.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace sluice::source::kafka {
namespace {

TEST(KafkaSourceUri, ParsesRegexGroupFormatAndFlags) {
  auto o = ParseKafkaSourceUri(
      "kafka://127.0.0.1:9092,k2:9093/?topics=^orders\\..%2B&group-id=sluice-orders"
      "&format=canal-json&ignore-non-json=true&ignore-write-errors=true&start=latest"
      "&time-zone=%2B08:00");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->connection.BrokerList(), "127.0.0.1:9092,k2:9093");
  EXPECT_EQ(o->topics, std::vector<std::string>{"^orders\\..+"});
  EXPECT_TRUE(o->topics_is_regex);
  EXPECT_EQ(o->group_id, "sluice-orders");
  EXPECT_EQ(o->format, Format::kCanalJson);
  EXPECT_TRUE(o->ignore_non_json);
  EXPECT_TRUE(o->ignore_write_errors);
  EXPECT_EQ(o->start, StartFrom::kLatest);
  EXPECT_EQ(o->time_zone, "+08:00");
  EXPECT_EQ(o->connection.kafka_client_id, "sluice_consumer");
}

TEST(KafkaSourceUri, DefaultsTopicListAndJsonMapping) {
  auto o = ParseKafkaSourceUri(
      "kafka://h:9092/?topics=a.b,c&group-id=g&database=landing&table-mapping=c:shop.orders"
      "&key-columns=id,tenant");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->topics, (std::vector<std::string>{"a.b", "c"}));
  EXPECT_FALSE(o->topics_is_regex);
  EXPECT_EQ(o->format, Format::kJson);
  EXPECT_FALSE(o->ignore_non_json);
  EXPECT_FALSE(o->ignore_write_errors);
  EXPECT_EQ(o->start, StartFrom::kEarliest);
  EXPECT_EQ(o->json.database, "landing");
  EXPECT_EQ(o->json.table_mapping.at("c"),
            std::make_pair(std::string("shop"), std::string("orders")));
  EXPECT_EQ(o->json.key_columns, (std::vector<std::string>{"id", "tenant"}));
}

TEST(KafkaSourceUri, SecurityOptionsAreTheSinksAndSecretsAreMasked) {
  auto o = ParseKafkaSourceUri(
      "kafka+ssl://alice:s3cret@h:9093/?topics=t&group-id=g&sasl-mechanism=scram-sha-512"
      "&ca=/etc/ca.pem");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->connection.enable_tls);
  EXPECT_EQ(o->connection.sasl_user, "alice");
  EXPECT_EQ(o->connection.sasl_password, "s3cret");
  EXPECT_EQ(o->connection.sasl_mechanism, client::kafka::SaslMechanism::kScramSha512);
  EXPECT_EQ(o->Redacted().find("s3cret"), std::string::npos) << o->Redacted();
  o = ParseKafkaSourceUri("kafka://h:9093/?topics=t&group-id=g&sasl-user=bob&sasl-password=pw1");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->Redacted().find("pw1"), std::string::npos) << o->Redacted();
  auto bad = ParseKafkaSourceUri("kafka://h:9093/?topics=t&group-id=g&cert=/c.pem");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("source URI:", 0), 0u) << bad.status().message();
  EXPECT_NE(bad.status().message().find("key"), std::string::npos);
}

TEST(KafkaSourceUri, EachFieldHasAClearError) {
  struct Case {
    const char* uri;
    const char* want;
  } cases[] = {
      {"mysql://h/", "not a Kafka URI"},
      {"kafka://h:9092/?group-id=g", "topics is required"},
      {"kafka://h:9092/?topics=t", "group-id is required"},
      {"kafka://h:9092/?topics=t&group-id=g&format=avro", "format 'avro'"},
      {"kafka://h:9092/?topics=t&group-id=g&ignore-non-json=maybe", "ignore-non-json"},
      {"kafka://h:9092/?topics=t&group-id=g&ignore-write-errors=2", "ignore-write-errors"},
      {"kafka://h:9092/?topics=t&group-id=g&start=now", "start 'now'"},
      {"kafka://h:9092/?topics=t&group-id=g&time-zone=Mars/Base", "time-zone"},
      {"kafka://h:9092/?topics=bad topic&group-id=g", "is not a topic name"},
      {"kafka://h:9092/?topics=^(unclosed&group-id=g", "does not compile"},
      {"kafka://h:9092/?topics=t&group-id=g&table-mapping=t:nodot", "table-mapping"},
      {"kafka://h:9092/?topics=t&group-id=g&format=debezium&key-columns=id", "format=json only"},
      {"kafka://h:9092/?topics=t&group-id=g&partition-num=3", "unknown parameter 'partition-num'"},
      {"kafka://h:9092/?topics=t&group-id=g&group-id=h", "more than once"},
      {"kafka://h:9092/topic?topics=t&group-id=g", "path '/topic' is not used"},
      {"kafka://h:99999/?topics=t&group-id=g", "invalid port"},
      {"kafka://h:9092/?topics=t&group-id=g&session-timeout=10", "session-timeout"},
  };
  for (const auto& c : cases) {
    auto o = ParseKafkaSourceUri(c.uri);
    ASSERT_FALSE(o.ok()) << c.uri;
    EXPECT_NE(o.status().message().find(c.want), std::string::npos)
        << c.uri << " -> " << o.status().message();
    EXPECT_EQ(o.status().code(), base::Code::kInvalidArgument) << c.uri;
  }
}

// The committed docs/kafka-source-options.md must equal the generated reference.
// Regenerate with SLUICE_UPDATE_DOCS=1.
TEST(KafkaSourceUri, DocsListEveryParameter) {
  std::string path = std::string(SLUICE_SOURCE_DIR) + "/docs/kafka-source-options.md";
  std::string generated = KafkaSourceOptionsDoc();
  if (const char* update = std::getenv("SLUICE_UPDATE_DOCS"); update && *update == '1') {
    std::ofstream(path) << generated;
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), generated) << path << " is stale; re-run this test with SLUICE_UPDATE_DOCS=1";
  for (const char* name : {"topics", "group-id", "format", "ignore-non-json", "ignore-write-errors",
                           "start", "time-zone", "database", "table-mapping", "key-columns",
                           "session-timeout", "sasl-user", "sasl-gssapi-user", "ca"}) {
    EXPECT_NE(generated.find(std::string("| `") + name + "` |"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace sluice::source::kafka
