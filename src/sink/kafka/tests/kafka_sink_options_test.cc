#include "sink/kafka/kafka_sink_options.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace sluice::sink::kafka {
namespace {

constexpr char kBase[] = "kafka://127.0.0.1:9092/t?protocol=canal-json";

KafkaSinkOptions MustParse(const std::string& uri) {
  auto r = ParseKafkaSinkUri(uri);
  EXPECT_TRUE(r.ok()) << uri << ": " << r.status().message();
  return r.ok() ? *r : KafkaSinkOptions{};
}

std::string ErrorOf(const std::string& uri) {
  auto r = ParseKafkaSinkUri(uri);
  EXPECT_FALSE(r.ok()) << uri;
  if (!r.ok()) EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << uri;
  return r.ok() ? "" : r.status().message();
}

TEST(KafkaSinkUri, DefaultsMatchTiCdc) {
  auto o = MustParse(kBase);
  EXPECT_EQ(o.brokers, std::vector<std::string>{"127.0.0.1:9092"});
  EXPECT_EQ(o.topic, "t");
  EXPECT_EQ(o.protocol, Protocol::kCanalJson);
  EXPECT_FALSE(o.partition_num.has_value());
  EXPECT_EQ(o.replication_factor, 1);
  EXPECT_EQ(o.compression, Compression::kNone);
  EXPECT_EQ(o.required_acks, -1);
  EXPECT_EQ(o.max_message_bytes, 10485760);
  EXPECT_TRUE(o.auto_create_topic);
  EXPECT_EQ(o.kafka_client_id, "sluice_producer");
  EXPECT_EQ(o.kafka_version, "");
  EXPECT_EQ(o.dial_timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.read_timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.write_timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.max_retry, 5);
  EXPECT_FALSE(o.enable_tidb_extension);
  EXPECT_EQ(o.sasl_mechanism, SaslMechanism::kNone);
  EXPECT_FALSE(o.enable_tls);
  EXPECT_FALSE(o.insecure_skip_verify);
  EXPECT_FALSE(o.only_output_updated_columns);
  EXPECT_FALSE(o.content_compatible);
  EXPECT_FALSE(o.delete_only_output_handle_key_columns);
  EXPECT_EQ(o.time_zone, "System");
}

TEST(KafkaSinkUri, EveryOptionIsParsed) {
  auto o = MustParse(
      "kafka://b1:9092,b2:9093,[::1]:9094/my.topic_1?protocol=avro&partition-num=6"
      "&replication-factor=3&compression=ZSTD&required-acks=1&max-message-bytes=67108864"
      "&auto-create-topic=false&kafka-client-id=my_client-1.x&kafka-version=2.4.0"
      "&dial-timeout=1m30s&read-timeout=500ms&write-timeout=2s&max-retry=7"
      "&enable-tidb-extension=true&sasl-user=alice&sasl-password=p%40ss%26w"
      "&sasl-mechanism=SCRAM-SHA-512&enable-tls=true&insecure-skip-verify=true"
      "&schema-registry=http%3A%2F%2Freg%3A8081&only-output-updated-columns=1"
      "&content-compatible=false&delete-only-output-handle-key-columns=T&time-zone=Asia%"
      "2FShanghai");
  EXPECT_EQ(o.brokers, (std::vector<std::string>{"b1:9092", "b2:9093", "[::1]:9094"}));
  EXPECT_EQ(o.BrokerList(), "b1:9092,b2:9093,[::1]:9094");
  EXPECT_EQ(o.topic, "my.topic_1");
  EXPECT_EQ(o.protocol, Protocol::kAvro);
  EXPECT_EQ(o.partition_num, 6);
  EXPECT_EQ(o.replication_factor, 3);
  EXPECT_EQ(o.compression, Compression::kZstd);
  EXPECT_EQ(o.required_acks, 1);
  EXPECT_EQ(o.max_message_bytes, 67108864);
  EXPECT_FALSE(o.auto_create_topic);
  EXPECT_EQ(o.kafka_client_id, "my_client-1.x");
  EXPECT_EQ(o.kafka_version, "2.4.0");
  EXPECT_EQ(o.dial_timeout, std::chrono::seconds(90));
  EXPECT_EQ(o.read_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(o.write_timeout, std::chrono::seconds(2));
  EXPECT_EQ(o.max_retry, 7);
  EXPECT_TRUE(o.enable_tidb_extension);
  EXPECT_EQ(o.sasl_user, "alice");
  EXPECT_EQ(o.sasl_password, "p@ss&w");
  EXPECT_EQ(o.sasl_mechanism, SaslMechanism::kScramSha512);
  EXPECT_TRUE(o.enable_tls);
  EXPECT_TRUE(o.insecure_skip_verify);
  EXPECT_EQ(o.schema_registry, "http://reg:8081");
  EXPECT_TRUE(o.only_output_updated_columns);
  EXPECT_FALSE(o.content_compatible);
  EXPECT_TRUE(o.delete_only_output_handle_key_columns);
  EXPECT_EQ(o.time_zone, "Asia/Shanghai");
}

TEST(KafkaSinkUri, ProtocolNamesAndAliases) {
  std::pair<const char*, Protocol> cases[] = {{"canal-json", Protocol::kCanalJson},
                                              {"avro", Protocol::kAvro},
                                              {"flat-avro", Protocol::kAvro},
                                              {"debezium", Protocol::kDebezium},
                                              {"open-protocol", Protocol::kOpenProtocol},
                                              {"default", Protocol::kOpenProtocol},
                                              {"simple", Protocol::kSimple}};
  for (auto [name, p] : cases) {
    auto o = MustParse(std::string("kafka://h:1/t?schema-registry=http://r&protocol=") + name);
    EXPECT_EQ(o.protocol, p) << name;
  }
  EXPECT_EQ(ErrorOf("kafka://h:1/t?protocol=csv"),
            "sink URI: protocol 'csv' is not supported; use one of canal-json, avro, debezium, "
            "open-protocol, simple");
  EXPECT_EQ(ErrorOf("kafka://h:1/t"),
            "sink URI: protocol is required; add protocol=canal-json (or avro, debezium, "
            "open-protocol, simple)");
}

TEST(KafkaSinkUri, CompressionCodecs) {
  for (auto c : {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                 Compression::kZstd}) {
    auto o = MustParse(std::string(kBase) + "&compression=" + std::string(CompressionName(c)));
    EXPECT_EQ(o.compression, c);
  }
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&compression=brotli"),
            "sink URI: compression 'brotli' is not supported; use one of none, gzip, snappy, lz4, "
            "zstd");
}

TEST(KafkaSinkUri, RequiredAcks) {
  EXPECT_EQ(MustParse(std::string(kBase) + "&required-acks=0").required_acks, 0);
  EXPECT_EQ(MustParse(std::string(kBase) + "&required-acks=1").required_acks, 1);
  EXPECT_EQ(MustParse(std::string(kBase) + "&required-acks=-1").required_acks, -1);
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&required-acks=2"),
            "sink URI: required-acks '2' is not supported; use one of -1, 0, 1");
}

TEST(KafkaSinkUri, IntegerBounds) {
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&partition-num=0"),
            "sink URI: partition-num '0' is out of range; use an integer from 1 to 65536");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&partition-num=abc"),
            "sink URI: partition-num 'abc' is not an integer; use an integer from 1 to 65536");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&replication-factor=0"),
            "sink URI: replication-factor '0' is out of range; use an integer from 1 to 32767");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&max-message-bytes=104857601"),
            "sink URI: max-message-bytes '104857601' is out of range; use an integer from 1 to "
            "104857600");
  EXPECT_EQ(MustParse(std::string(kBase) + "&max-message-bytes=104857600").max_message_bytes,
            104857600);
  EXPECT_EQ(MustParse(std::string(kBase) + "&max-message-bytes=1").max_message_bytes, 1);
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&max-retry=-1"),
            "sink URI: max-retry '-1' is out of range; use an integer from 0 to 1000");
}

TEST(KafkaSinkUri, BooleansAndDurations) {
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&auto-create-topic=yes"),
            "sink URI: auto-create-topic 'yes' is not a boolean; use true or false");
  EXPECT_EQ(
      ErrorOf(std::string(kBase) + "&dial-timeout=10"),
      "sink URI: dial-timeout '10' is not a duration; use a Go duration such as 10s or 500ms");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&write-timeout=2d"),
            "sink URI: write-timeout '2d' is not a duration; use a Go duration such as 10s or "
            "500ms");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&read-timeout=0s"),
            "sink URI: read-timeout '0s' is out of range; use a duration from 1ms to 1h");
  EXPECT_EQ(MustParse(std::string(kBase) + "&dial-timeout=1.5s").dial_timeout,
            std::chrono::milliseconds(1500));
  EXPECT_EQ(MustParse(std::string(kBase) + "&dial-timeout=1h").dial_timeout, std::chrono::hours(1));
}

TEST(KafkaSinkUri, ClientIdAndVersionPatterns) {
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&kafka-client-id=bad%20id"),
            "sink URI: kafka-client-id 'bad id' is invalid; use letters, digits, '.', '_' and '-'");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&kafka-version=latest"),
            "sink URI: kafka-version 'latest' is invalid; use a version such as 2.4.0");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&kafka-client-id="),
            "sink URI: kafka-client-id is empty; give a value or leave it out");
}

TEST(KafkaSinkUri, UnknownParameterSuggestsCloseMatches) {
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&compresion=gzip"),
            "sink URI: unknown parameter 'compresion'; did you mean compression? (see "
            "docs/kafka-sink-options.md)");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&partition-number=3"),
            "sink URI: unknown parameter 'partition-number'; did you mean partition-num? (see "
            "docs/kafka-sink-options.md)");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&zzzz=1"),
            "sink URI: unknown parameter 'zzzz'; see docs/kafka-sink-options.md for the supported "
            "parameters");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&compression=gzip&compression=lz4"),
            "sink URI: compression is given more than once; keep one");
}

TEST(KafkaSinkUri, HostsTopicAndScheme) {
  EXPECT_EQ(MustParse("kafka://broker/t?protocol=canal-json").brokers,
            std::vector<std::string>{"broker:9092"});
  EXPECT_EQ(ErrorOf("http://h:1/t?protocol=canal-json"),
            "sink URI: scheme 'http' is not supported here; use "
            "kafka://host:port/<topic>?protocol=...");
  EXPECT_EQ(ErrorOf("kafka://h:1?protocol=canal-json"),
            "sink URI: the topic is missing; put the default topic in the path: "
            "kafka://host:port/<topic>?protocol=canal-json");
  EXPECT_EQ(ErrorOf("kafka://h:1/bad%20topic?protocol=canal-json"),
            "sink URI: topic 'bad topic' is not a valid Kafka topic name; use at most 249 "
            "letters, digits, '.', '_' and '-'");
  EXPECT_EQ(ErrorOf("kafka://h:99999/t?protocol=canal-json"),
            "sink URI: broker 'h:99999' has an invalid port; use a port from 1 to 65535");
  EXPECT_EQ(ErrorOf("kafka://h:1,,h:2/t?protocol=canal-json"),
            "sink URI: empty broker address in the host list; use host1:port1,host2:port2");
  EXPECT_EQ(ErrorOf("kafka:///t?protocol=canal-json"),
            "sink URI: no broker address; use kafka://host1:port1[,host2:port2]/<topic>");
  EXPECT_EQ(ErrorOf("kafka://h:1/t?protocol=canal-json&ca=%zz"),
            "sink URI: the value of ca has a malformed %-escape; URL-encode '%' as %25");
  EXPECT_TRUE(MustParse("kafka+ssl://h:1/t?protocol=canal-json").enable_tls);
}

TEST(KafkaSinkUri, UserinfoIsDecodedAndBecomesSasl) {
  auto o = MustParse("kafka://al%40ice:s%3Acr%2Ft@h:1/t?protocol=canal-json");
  EXPECT_EQ(o.sasl_user, "al@ice");
  EXPECT_EQ(o.sasl_password, "s:cr/t");
  EXPECT_EQ(o.sasl_mechanism, SaslMechanism::kPlain);
  EXPECT_EQ(ErrorOf("kafka://a:b@h:1/t?protocol=canal-json&sasl-user=c"),
            "sink URI: the SASL user is given both as userinfo and as sasl-user; keep one");
}

TEST(KafkaSinkUri, SecurityRules) {
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&sasl-mechanism=plain"),
            "sink URI: sasl-mechanism=plain needs sasl-user and sasl-password; add both");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&sasl-mechanism=oauth"),
            "sink URI: sasl-mechanism 'oauth' is not supported; use one of plain, scram-sha-256, "
            "scram-sha-512, gssapi");
  EXPECT_EQ(MustParse(std::string(kBase) + "&sasl-mechanism=GSSAPI").sasl_mechanism,
            SaslMechanism::kGssapi);
  auto tls = MustParse(std::string(kBase) + "&ca=/c.pem&cert=/x.pem&key=/k.pem");
  EXPECT_TRUE(tls.enable_tls);
  EXPECT_EQ(tls.ca, "/c.pem");
  EXPECT_EQ(tls.cert, "/x.pem");
  EXPECT_EQ(tls.key, "/k.pem");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&ca=/c.pem&cert=/x.pem&key=/k.pem&enable-tls=false"),
            "sink URI: ca/cert/key are given but enable-tls=false; remove enable-tls=false or the "
            "certificate files");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&ca=/c.pem&cert=/x.pem"),
            "sink URI: cert and key must be given together (client certificate and its private "
            "key); add the missing one");
  auto ca_only = MustParse(std::string(kBase) + "&ca=/c.pem");
  EXPECT_TRUE(ca_only.enable_tls);
  EXPECT_EQ(ca_only.ca, "/c.pem");
  EXPECT_TRUE(ca_only.cert.empty());
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&insecure-skip-verify=true"),
            "sink URI: insecure-skip-verify only applies to TLS; add enable-tls=true or remove it");
  EXPECT_EQ(ErrorOf("kafka://h:1/t?protocol=avro"),
            "sink URI: protocol=avro needs schema-registry; add "
            "schema-registry=http://host:8081");
}

TEST(KafkaSinkUri, ContentCompatibleForcesOnlyUpdatedColumns) {
  auto o = MustParse(std::string(kBase) + "&content-compatible=true");
  EXPECT_TRUE(o.content_compatible);
  EXPECT_TRUE(o.only_output_updated_columns);
}

TEST(KafkaSinkUri, LargeMessageOptions) {
  std::string ext = std::string(kBase) + "&enable-tidb-extension=true";
  EXPECT_EQ(MustParse(kBase).large_message_handle, LargeMessageHandle::kNone);
  EXPECT_EQ(MustParse(ext + "&large-message-handle-option=handle-key-only").large_message_handle,
            LargeMessageHandle::kHandleKeyOnly);
  auto cc =
      MustParse(ext +
                "&large-message-handle-option=claim-check"
                "&claim-check-storage-uri=file:///tmp/cc/&large-message-handle-compression=none");
  EXPECT_EQ(cc.large_message_handle, LargeMessageHandle::kClaimCheck);
  EXPECT_EQ(cc.claim_check_dir, "/tmp/cc");
  EXPECT_NE(ErrorOf(std::string(kBase) + "&large-message-handle-option=handle-key-only")
                .find("needs enable-tidb-extension=true"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ext + "&large-message-handle-option=claim-check")
                .find("add claim-check-storage-uri=file:///"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ext + "&large-message-handle-option=claim-check"
                          "&claim-check-storage-uri=s3://bucket/x")
                .find("claim-check-storage-uri"),
            std::string::npos);
  EXPECT_NE(ErrorOf(ext + "&claim-check-storage-uri=file:///tmp/x").find("only used with"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(ext + "&large-message-handle-option=claim-check"
                    "&claim-check-storage-uri=file:///tmp/x&large-message-handle-compression=lz4")
          .find("use one of none"),
      std::string::npos);
}

TEST(KafkaSinkUri, DebeziumOptions) {
  const std::string dbz = "kafka://127.0.0.1:9092/t?protocol=debezium";
  auto d = MustParse(dbz);
  EXPECT_EQ(d.protocol, Protocol::kDebezium);
  EXPECT_FALSE(d.debezium_disable_schema);
  EXPECT_TRUE(d.debezium_output_old_value);
  EXPECT_TRUE(d.debezium_tombstone_on_delete);
  EXPECT_EQ(d.debezium_decimal_handling, "precise");
  EXPECT_EQ(d.debezium_bigint_unsigned_handling, "long");
  auto o = MustParse(dbz +
                     "&debezium-disable-schema=true&debezium-output-old-value=false"
                     "&debezium-tombstone-on-delete=false&debezium-decimal-handling-mode=STRING"
                     "&debezium-bigint-unsigned-handling-mode=precise");
  EXPECT_TRUE(o.debezium_disable_schema);
  EXPECT_FALSE(o.debezium_output_old_value);
  EXPECT_FALSE(o.debezium_tombstone_on_delete);
  EXPECT_EQ(o.debezium_decimal_handling, "string");
  EXPECT_EQ(o.debezium_bigint_unsigned_handling, "precise");
  EXPECT_NE(ErrorOf(dbz + "&debezium-decimal-handling-mode=float").find("precise, string, double"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dbz + "&enable-tidb-extension=true&large-message-handle-option=handle-key-only")
                .find("not supported with protocol=debezium"),
            std::string::npos);
}

TEST(KafkaSinkUri, AvroOptions) {
  const std::string avro = "kafka://h:1/t?protocol=avro&schema-registry=";
  auto d = MustParse(avro + "http://r:8081");
  EXPECT_FALSE(d.avro_decimal_as_string);
  EXPECT_FALSE(d.avro_bigint_unsigned_as_string);
  EXPECT_TRUE(d.schema_registry_ca.empty());
  auto o = MustParse(avro +
                     "https://u:p@r:8081&avro-decimal-handling-mode=string"
                     "&avro-bigint-unsigned-handling-mode=STRING&schema-registry-ca=/ca.pem");
  EXPECT_TRUE(o.avro_decimal_as_string);
  EXPECT_TRUE(o.avro_bigint_unsigned_as_string);
  EXPECT_EQ(o.schema_registry_ca, "/ca.pem");
  EXPECT_EQ(o.schema_registry, "https://u:p@r:8081");
  EXPECT_NE(ErrorOf(avro + "http://r:8081&avro-decimal-handling-mode=exact").find("precise"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(avro + "http://r:8081&schema-registry-ca=/ca.pem"),
            "sink URI: schema-registry-ca needs an https:// schema-registry; use https:// or "
            "remove schema-registry-ca");
  EXPECT_EQ(
      ErrorOf(avro +
              "http://r:8081&enable-tidb-extension=true&large-message-handle-option=claim-check"
              "&claim-check-storage-uri=file:///tmp/x"),
      "sink URI: large-message-handle-option=claim-check is not supported with "
      "protocol=avro (as in TiCDC); remove it and raise max-message-bytes instead");
}

TEST(KafkaSinkUri, SecretsNeverAppearInRedactedFormOrErrors) {
  auto o = MustParse(
      "kafka://bob:topsecret1@h:1/t?protocol=avro&sasl-mechanism=scram-sha-256"
      "&schema-registry=https%3A%2F%2Fu%3Atopsecret2%40reg%3A8081%2Fx&compression=gzip");
  std::string r = o.Redacted();
  EXPECT_EQ(r,
            "kafka://bob:******@h:1/t?protocol=avro&sasl-mechanism=scram-sha-256"
            "&schema-registry=https://u:******%40reg:8081/x&compression=gzip");
  auto o2 = MustParse(std::string(kBase) + "&sasl-user=a&sasl-password=topsecret3");
  EXPECT_EQ(o2.Redacted(),
            "kafka://127.0.0.1:9092/t?protocol=canal-json&sasl-user=a&sasl-password=******");
  std::string e = ErrorOf(std::string(kBase) + "&sasl-password=");
  EXPECT_EQ(e, "sink URI: sasl-password is empty; give a value or leave it out");
  std::string e2 =
      ErrorOf("kafka://h:1/t?protocol=canal-json&schema-registry=ftp://u:topsecret4@x");
  EXPECT_EQ(e2, "sink URI: schema-registry value is invalid; use an http:// or https:// URL");
}

TEST(KafkaSinkOptionsDoc, CoversEveryParameter) {
  std::string doc = KafkaSinkOptionsDoc();
  for (const char* name : {"protocol",
                           "partition-num",
                           "replication-factor",
                           "compression",
                           "required-acks",
                           "max-message-bytes",
                           "auto-create-topic",
                           "kafka-client-id",
                           "kafka-version",
                           "dial-timeout",
                           "read-timeout",
                           "write-timeout",
                           "max-retry",
                           "enable-tidb-extension",
                           "sasl-user",
                           "sasl-password",
                           "sasl-mechanism",
                           "enable-tls",
                           "ca",
                           "cert",
                           "key",
                           "insecure-skip-verify",
                           "schema-registry",
                           "only-output-updated-columns",
                           "content-compatible",
                           "delete-only-output-handle-key-columns",
                           "time-zone"}) {
    EXPECT_NE(doc.find(std::string("| `") + name + "` |"), std::string::npos) << name;
  }
  EXPECT_NE(doc.find("| `compression` | enum | `none` | `none`, `gzip`, `snappy`, `lz4`, `zstd` |"),
            std::string::npos);
  EXPECT_NE(doc.find("| `max-message-bytes` | integer | `10485760` | 1 .. 104857600 |"),
            std::string::npos);
}

// The committed docs/kafka-sink-options.md must equal the generated table.
// Regenerate with SLUICE_UPDATE_DOCS=1.
TEST(KafkaSinkOptionsDoc, CommittedDocIsCurrent) {
  std::string path = std::string(SLUICE_SOURCE_DIR) + "/docs/kafka-sink-options.md";
  std::string generated = KafkaSinkOptionsDoc();
  if (const char* update = std::getenv("SLUICE_UPDATE_DOCS"); update && *update == '1') {
    std::ofstream(path) << generated;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing; run this test with SLUICE_UPDATE_DOCS=1";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), generated) << path << " is stale; re-run this test with SLUICE_UPDATE_DOCS=1";
}

}  // namespace
}  // namespace sluice::sink::kafka
