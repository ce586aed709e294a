// The source connector registry: every scheme finds its connector, a spec redacts itself, and
// an unknown or missing scheme is one error naming the supported ones.
#include "source/registry.h"

#include <gtest/gtest.h>

namespace sluice::source {
namespace {

TEST(SourceRegistry, EverySchemeFindsItsConnectorCaseInsensitively) {
  for (const char* uri : {"mysql://u@h:3306/", "MariaDB://u@h:3306/", "postgres://u@h/db",
                          "postgresql://u@h/db", "kafka://h:9092/?topics=t&group-id=g",
                          "KAFKA+SSL://h:9093/?topics=t&group-id=g"}) {
    auto c = FindSourceConnector(uri);
    ASSERT_TRUE(c.ok()) << uri << ": " << c.status().message();
  }
  EXPECT_NE(*FindSourceConnector("mysql://u@h/"), *FindSourceConnector("postgres://u@h/db"));
  EXPECT_NE(*FindSourceConnector("kafka://h/?topics=t&group-id=g"),
            *FindSourceConnector("postgres://u@h/db"));
}

TEST(SourceRegistry, UnknownOrMissingSchemeNamesTheSupportedOnes) {
  for (const char* uri : {"http://h/", "u@h:3306"}) {
    auto c = FindSourceConnector(uri);
    ASSERT_FALSE(c.ok()) << uri;
    EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument);
    for (const char* s : {"mysql://", "mariadb://", "postgres://", "kafka://", "kafka+ssl://"}) {
      EXPECT_NE(c.status().message().find(s), std::string::npos) << c.status().message();
    }
  }
}

TEST(SourceRegistry, SpecsRedactTheirSecrets) {
  for (const char* uri : {"mysql://u:hunter2@h:3306/?server-id=7",
                          "postgres://u:hunter2@h/db?publication=p",
                          "kafka://h:9092/?topics=t&group-id=g&sasl-user=u&sasl-password=hunter2"
                          "&sasl-mechanism=plain"}) {
    auto spec = ParseSourceUri(uri, {.changefeed_id = "cf"});
    ASSERT_TRUE(spec.ok()) << uri << ": " << spec.status().message();
    std::string r = (*spec)->Redacted();
    EXPECT_EQ(r.find("hunter2"), std::string::npos) << r;
    EXPECT_NE(r.find("****"), std::string::npos) << r;
  }
}

TEST(SourceRegistry, ParseErrorsKeepTheConnectorsMessage) {
  auto spec = ParseSourceUri("mysql://u@h:3306/?server-id=abc", {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("server-id"), std::string::npos)
      << spec.status().message();
  EXPECT_EQ(spec.status().message().rfind("source URI", 0), 0u) << spec.status().message();
}

TEST(SourceRegistry, OnlyTheKafkaSourceAsksToIgnoreWriteErrors) {
  auto kafka = ParseSourceUri("kafka://h:9092/?topics=t&group-id=g&ignore-write-errors=true", {});
  ASSERT_TRUE(kafka.ok()) << kafka.status().message();
  EXPECT_TRUE((*kafka)->IgnoreWriteErrors());
  auto mysql = ParseSourceUri("mysql://u@h:3306/", {});
  ASSERT_TRUE(mysql.ok()) << mysql.status().message();
  EXPECT_FALSE((*mysql)->IgnoreWriteErrors());
}

}  // namespace
}  // namespace sluice::source
