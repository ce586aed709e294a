#include "base/secret.h"

#include <gtest/gtest.h>

#include "sink/kafka/kafka_sink_uri.h"
#include "source/mysql/source_config.h"

namespace sluice::pipeline {
namespace {

using base::IsSecretMask;
using base::MaskUriSecrets;
using base::MergeMaskedSecrets;

TEST(UriSecrets, MaskRecognition) {
  EXPECT_TRUE(IsSecretMask("****"));
  EXPECT_TRUE(IsSecretMask("******"));
  EXPECT_TRUE(IsSecretMask("%2A%2A%2A%2A"));
  EXPECT_FALSE(IsSecretMask("***"));
  EXPECT_FALSE(IsSecretMask("****x"));
  EXPECT_FALSE(IsSecretMask(""));
}

TEST(UriSecrets, MaskedSourcePasswordKeepsTheStoredOne) {
  std::string stored = "mysql://sluice:p%40ss@db1:3306/?start=now";
  auto merged =
      MergeMaskedSecrets("mysql://sluice:****@db2:3307/?start=earliest", stored, "source URI");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(*merged, "mysql://sluice:p%40ss@db2:3307/?start=earliest");
  auto parsed = source::mysql::ParseMySqlSourceUri(*merged);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->password, "p@ss");
  EXPECT_EQ(parsed->host, "db2");
}

TEST(UriSecrets, RedactedSourceUriRoundTrips) {
  std::string stored = "mysql://sluice:s3cret@127.0.0.1:3306/?start=now&server-id=77";
  auto redacted = source::mysql::ParseMySqlSourceUri(stored)->Redacted();
  ASSERT_EQ(redacted.find("s3cret"), std::string::npos);
  auto merged = MergeMaskedSecrets(redacted, stored, "source URI");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  auto parsed = source::mysql::ParseMySqlSourceUri(*merged);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->password, "s3cret");
  EXPECT_EQ(parsed->server_id, 77u);
}

TEST(UriSecrets, NewPasswordReplacesTheStoredOne) {
  auto merged = MergeMaskedSecrets("mysql://u:fresh@h:1/", "mysql://u:old@h:1/", "source URI");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, "mysql://u:fresh@h:1/");
  // No password at all stays without one.
  EXPECT_EQ(*MergeMaskedSecrets("mysql://u@h:1/", "mysql://u:old@h:1/", "source URI"),
            "mysql://u@h:1/");
}

TEST(UriSecrets, MaskWithoutStoredSecretIsAnErrorWithoutSecrets) {
  auto merged = MergeMaskedSecrets("mysql://u:****@h:1/", "mysql://u@h:1/", "source URI");
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), base::Code::kInvalidArgument);
  EXPECT_NE(merged.status().message().find("source URI"), std::string::npos);
  auto sink = MergeMaskedSecrets("kafka://h:9092/t?protocol=canal-json&sasl-password=******",
                                 "kafka://h:9092/t?protocol=canal-json", "sink URI");
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("sasl-password"), std::string::npos);
}

TEST(UriSecrets, SinkSaslPasswordAndUserinfoAndSchemaRegistry) {
  std::string stored =
      "kafka://alice:ui-secret@k1:9092,k2:9092/cdc?protocol=canal-json&sasl-password=sasl%26pw"
      "&schema-registry=https%3A%2F%2Freg%3Areg-secret%40sr%3A8081&compression=lz4";
  std::string edited =
      "kafka://alice:******@k1:9092/cdc2?protocol=canal-json&sasl-password=******"
      "&schema-registry=https://reg:******%40sr:8081&compression=zstd";
  auto merged = MergeMaskedSecrets(edited, stored, "sink URI");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(merged->find("******"), std::string::npos) << *merged;
  EXPECT_NE(merged->find("alice:ui-secret@k1:9092/cdc2"), std::string::npos) << *merged;
  EXPECT_NE(merged->find("sasl-password=sasl%26pw"), std::string::npos) << *merged;
  EXPECT_NE(merged->find("compression=zstd"), std::string::npos) << *merged;
  EXPECT_NE(merged->find("reg-secret"), std::string::npos) << *merged;
}

TEST(UriSecrets, RedactedSinkUriRoundTripsThroughTheParser) {
  std::string stored =
      "kafka://127.0.0.1:9092/cdc?protocol=canal-json&sasl-user=bob&sasl-password=k%2Fpw"
      "&partition-num=6";
  auto redacted = sink::kafka::ParseKafkaSinkUri(stored)->Redacted();
  ASSERT_EQ(redacted.find("k%2Fpw"), std::string::npos);
  ASSERT_EQ(redacted.find("k/pw"), std::string::npos);
  auto merged = MergeMaskedSecrets(redacted, stored, "sink URI");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  auto parsed = sink::kafka::ParseKafkaSinkUri(*merged);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->sink.connection.sasl_password, "k/pw");
  EXPECT_EQ(parsed->sink.connection.sasl_user, "bob");
  EXPECT_EQ(parsed->sink.partition_num, 6);
}

TEST(UriSecrets, MaskUriSecretsHidesEveryKind) {
  std::string masked = MaskUriSecrets(
      "weird://u:pw1@h/x?sasl-password=pw2&api-token=pw3&registry=http%3A%2F%2Fa%3Apw4%40r"
      "&plain=visible");
  for (std::string secret : {"pw1", "pw2", "pw3", "pw4"}) {
    EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " in " << masked;
  }
  EXPECT_NE(masked.find("plain=visible"), std::string::npos) << masked;
  EXPECT_NE(masked.find("u:****@h"), std::string::npos) << masked;
}

TEST(UriSecrets, PostgresSourceUriPasswordIsMaskedAndRestored) {
  const std::string stored =
      "postgres://sluice:s%40cret@127.0.0.1:5432/app?slot=s1&tables=public.t1,s.t2";
  std::string masked = MaskUriSecrets(stored);
  EXPECT_EQ(masked.find("cret"), std::string::npos) << masked;
  EXPECT_NE(masked.find("sluice:****@127.0.0.1:5432/app?slot=s1&tables=public.t1,s.t2"),
            std::string::npos)
      << masked;
  auto merged = MergeMaskedSecrets(masked, stored, "source URI");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(*merged, stored);
}

}  // namespace
}  // namespace sluice::pipeline
