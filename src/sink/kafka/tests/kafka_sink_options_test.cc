#include "sink/kafka/kafka_sink_uri.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace sluice::sink::kafka {
namespace {

constexpr char kBase[] = "kafka://127.0.0.1:9092/t?protocol=canal-json";

KafkaSinkUri MustParse(const std::string& uri) {
  auto r = ParseKafkaSinkUri(uri);
  EXPECT_TRUE(r.ok()) << uri << ": " << r.status().message();
  return r.ok() ? *r : KafkaSinkUri{};
}

std::string ErrorOf(const std::string& uri) {
  auto r = ParseKafkaSinkUri(uri);
  EXPECT_FALSE(r.ok()) << uri;
  if (!r.ok()) EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << uri;
  return r.ok() ? "" : r.status().message();
}

TEST(KafkaSinkUri, DefaultsMatchTiCdc) {
  auto o = MustParse(kBase);
  EXPECT_EQ(o.sink.connection.brokers, std::vector<std::string>{"127.0.0.1:9092"});
  EXPECT_EQ(o.sink.topic, "t");
  EXPECT_EQ(o.protocol, Protocol::kCanalJson);
  EXPECT_FALSE(o.sink.partition_num.has_value());
  EXPECT_EQ(o.sink.replication_factor, 1);
  EXPECT_EQ(o.sink.compression, Compression::kNone);
  EXPECT_EQ(o.sink.required_acks, -1);
  EXPECT_EQ(o.sink.max_message_bytes, 10485760);
  EXPECT_TRUE(o.sink.auto_create_topic);
  EXPECT_EQ(o.sink.connection.kafka_client_id, "sluice_producer");
  EXPECT_EQ(o.sink.kafka_version, "");
  EXPECT_EQ(o.sink.connection.dial_timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.sink.connection.read_timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.sink.write_timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.sink.max_retry, 5);
  EXPECT_FALSE(o.encoder.enable_tidb_extension);
  EXPECT_EQ(o.sink.connection.sasl_mechanism, client::kafka::SaslMechanism::kNone);
  EXPECT_FALSE(o.sink.connection.enable_tls);
  EXPECT_FALSE(o.sink.connection.insecure_skip_verify);
  EXPECT_FALSE(o.canal.only_output_updated_columns);
  EXPECT_FALSE(o.canal.content_compatible);
  EXPECT_FALSE(o.canal.delete_only_output_handle_key_columns);
  EXPECT_EQ(o.encoder.time_zone, "System");
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
  EXPECT_EQ(o.sink.connection.brokers, (std::vector<std::string>{"b1:9092", "b2:9093", "[::1]:9094"}));
  EXPECT_EQ(o.sink.connection.BrokerList(), "b1:9092,b2:9093,[::1]:9094");
  EXPECT_EQ(o.sink.topic, "my.topic_1");
  EXPECT_EQ(o.protocol, Protocol::kAvro);
  EXPECT_EQ(o.sink.partition_num, 6);
  EXPECT_EQ(o.sink.replication_factor, 3);
  EXPECT_EQ(o.sink.compression, Compression::kZstd);
  EXPECT_EQ(o.sink.required_acks, 1);
  EXPECT_EQ(o.sink.max_message_bytes, 67108864);
  EXPECT_FALSE(o.sink.auto_create_topic);
  EXPECT_EQ(o.sink.connection.kafka_client_id, "my_client-1.x");
  EXPECT_EQ(o.sink.kafka_version, "2.4.0");
  EXPECT_EQ(o.sink.connection.dial_timeout, std::chrono::seconds(90));
  EXPECT_EQ(o.sink.connection.read_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(o.sink.write_timeout, std::chrono::seconds(2));
  EXPECT_EQ(o.sink.max_retry, 7);
  EXPECT_TRUE(o.encoder.enable_tidb_extension);
  EXPECT_EQ(o.sink.connection.sasl_user, "alice");
  EXPECT_EQ(o.sink.connection.sasl_password, "p@ss&w");
  EXPECT_EQ(o.sink.connection.sasl_mechanism, client::kafka::SaslMechanism::kScramSha512);
  EXPECT_TRUE(o.sink.connection.enable_tls);
  EXPECT_TRUE(o.sink.connection.insecure_skip_verify);
  EXPECT_EQ(o.avro.schema_registry, "http://reg:8081");
  EXPECT_TRUE(o.canal.only_output_updated_columns);
  EXPECT_FALSE(o.canal.content_compatible);
  EXPECT_TRUE(o.canal.delete_only_output_handle_key_columns);
  EXPECT_EQ(o.encoder.time_zone, "Asia/Shanghai");
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
    EXPECT_EQ(o.sink.compression, c);
  }
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&compression=brotli"),
            "sink URI: compression 'brotli' is not supported; use one of none, gzip, snappy, lz4, "
            "zstd");
}

TEST(KafkaSinkUri, RequiredAcks) {
  EXPECT_EQ(MustParse(std::string(kBase) + "&required-acks=0").sink.required_acks, 0);
  EXPECT_EQ(MustParse(std::string(kBase) + "&required-acks=1").sink.required_acks, 1);
  EXPECT_EQ(MustParse(std::string(kBase) + "&required-acks=-1").sink.required_acks, -1);
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
  EXPECT_EQ(MustParse(std::string(kBase) + "&max-message-bytes=104857600").sink.max_message_bytes,
            104857600);
  EXPECT_EQ(MustParse(std::string(kBase) + "&max-message-bytes=1").sink.max_message_bytes, 1);
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
  EXPECT_EQ(MustParse(std::string(kBase) + "&dial-timeout=1.5s").sink.connection.dial_timeout,
            std::chrono::milliseconds(1500));
  EXPECT_EQ(MustParse(std::string(kBase) + "&dial-timeout=1h").sink.connection.dial_timeout, std::chrono::hours(1));
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
  EXPECT_EQ(MustParse("kafka://broker/t?protocol=canal-json").sink.connection.brokers,
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
  EXPECT_TRUE(MustParse("kafka+ssl://h:1/t?protocol=canal-json").sink.connection.enable_tls);
}

TEST(KafkaSinkUri, UserinfoIsDecodedAndBecomesSasl) {
  auto o = MustParse("kafka://al%40ice:s%3Acr%2Ft@h:1/t?protocol=canal-json");
  EXPECT_EQ(o.sink.connection.sasl_user, "al@ice");
  EXPECT_EQ(o.sink.connection.sasl_password, "s:cr/t");
  EXPECT_EQ(o.sink.connection.sasl_mechanism, client::kafka::SaslMechanism::kPlain);
  EXPECT_EQ(ErrorOf("kafka://a:b@h:1/t?protocol=canal-json&sasl-user=c"),
            "sink URI: the SASL user is given both as userinfo and as sasl-user; keep one");
}

TEST(KafkaSinkUri, SecurityRules) {
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&sasl-mechanism=plain"),
            "sink URI: sasl-mechanism=plain needs sasl-user and sasl-password; add both");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&sasl-mechanism=oauth"),
            "sink URI: sasl-mechanism 'oauth' is not supported; use one of plain, scram-sha-256, "
            "scram-sha-512, gssapi");
  EXPECT_EQ(MustParse(std::string(kBase) +
                      "&sasl-mechanism=GSSAPI&sasl-gssapi-user=u&sasl-gssapi-password=p")
                .sink.connection.sasl_mechanism,
            client::kafka::SaslMechanism::kGssapi);
  auto tls = MustParse(std::string(kBase) + "&ca=/c.pem&cert=/x.pem&key=/k.pem");
  EXPECT_TRUE(tls.sink.connection.enable_tls);
  EXPECT_EQ(tls.sink.connection.ca, "/c.pem");
  EXPECT_EQ(tls.sink.connection.cert, "/x.pem");
  EXPECT_EQ(tls.sink.connection.key, "/k.pem");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&ca=/c.pem&cert=/x.pem&key=/k.pem&enable-tls=false"),
            "sink URI: ca/cert/key are given but enable-tls=false; remove enable-tls=false or the "
            "certificate files");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&ca=/c.pem&cert=/x.pem"),
            "sink URI: cert and key must be given together (client certificate and its private "
            "key); add the missing one");
  auto ca_only = MustParse(std::string(kBase) + "&ca=/c.pem");
  EXPECT_TRUE(ca_only.sink.connection.enable_tls);
  EXPECT_EQ(ca_only.sink.connection.ca, "/c.pem");
  EXPECT_TRUE(ca_only.sink.connection.cert.empty());
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&insecure-skip-verify=true"),
            "sink URI: insecure-skip-verify only applies to TLS; add enable-tls=true or remove it");
  EXPECT_EQ(ErrorOf("kafka://h:1/t?protocol=avro"),
            "sink URI: protocol=avro needs schema-registry; add "
            "schema-registry=http://host:8081");
}

// TiCDC's GSSAPI parameters (ticdc.md §1.2, §1.5 examples).
TEST(KafkaSinkUri, GssapiUserAndKeytab) {
  auto u = MustParse(std::string(kBase) +
                     "&sasl-mechanism=gssapi&sasl-gssapi-auth-type=user"
                     "&sasl-gssapi-kerberos-config-path=/etc/krb5.conf"
                     "&sasl-gssapi-service-name=kafka&sasl-gssapi-user=alice/for-kafka"
                     "&sasl-gssapi-password=alice-secret&sasl-gssapi-realm=example.com"
                     "&sasl-gssapi-disable-pafxfast=true");
  EXPECT_EQ(u.sink.connection.sasl_mechanism, client::kafka::SaslMechanism::kGssapi);
  EXPECT_EQ(u.sink.connection.gssapi_auth_type, client::kafka::GssapiAuthType::kUser);
  EXPECT_EQ(u.sink.connection.gssapi_user, "alice/for-kafka");
  EXPECT_EQ(u.sink.connection.gssapi_password, "alice-secret");
  EXPECT_EQ(u.sink.connection.gssapi_realm, "example.com");
  EXPECT_EQ(u.sink.connection.GssapiPrincipal(), "alice/for-kafka@example.com");
  EXPECT_EQ(u.sink.connection.gssapi_kerberos_config_path, "/etc/krb5.conf");
  EXPECT_EQ(u.sink.connection.gssapi_service_name, "kafka");
  EXPECT_TRUE(u.sink.connection.gssapi_disable_pafxfast);
  EXPECT_EQ(u.Redacted().find("alice-secret"), std::string::npos) << u.Redacted();
  EXPECT_NE(u.Redacted().find("sasl-gssapi-password=****"), std::string::npos);

  // The auth type follows the keytab when not given; the realm is optional.
  auto k = MustParse(std::string(kBase) +
                     "&sasl-mechanism=gssapi&sasl-gssapi-user=svc"
                     "&sasl-gssapi-keytab-path=/var/lib/secret/alice.sink.connection.key");
  EXPECT_EQ(k.sink.connection.gssapi_auth_type, client::kafka::GssapiAuthType::kKeytab);
  EXPECT_EQ(k.sink.connection.gssapi_keytab_path, "/var/lib/secret/alice.sink.connection.key");
  EXPECT_EQ(k.sink.connection.GssapiPrincipal(), "svc");
  EXPECT_EQ(k.sink.connection.gssapi_service_name, "kafka");
}

TEST(KafkaSinkUri, GssapiErrorsNameTheMissingField) {
  std::string g = std::string(kBase) + "&sasl-mechanism=gssapi";
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-password=p"),
            "sink URI: sasl-mechanism=gssapi needs sasl-gssapi-user (the Kerberos principal "
            "without the realm, e.g. alice/for-kafka); add it");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u"),
            "sink URI: sasl-gssapi-auth-type=user needs sasl-gssapi-password; add it, or use "
            "sasl-gssapi-auth-type=keytab with sasl-gssapi-keytab-path");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-auth-type=keytab"),
            "sink URI: sasl-gssapi-auth-type=keytab needs sasl-gssapi-keytab-path; add it");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-auth-type=keytab"
                        "&sasl-gssapi-keytab-path=/k&sasl-gssapi-password=p"),
            "sink URI: sasl-gssapi-password is not used with sasl-gssapi-auth-type=keytab; "
            "remove it");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-auth-type=user"
                        "&sasl-gssapi-password=p&sasl-gssapi-keytab-path=/k"),
            "sink URI: sasl-gssapi-keytab-path is only used with sasl-gssapi-auth-type=keytab; "
            "remove it or set the auth type to keytab");
  EXPECT_EQ(ErrorOf(g + "&sasl-user=u&sasl-password=p"),
            "sink URI: sasl-mechanism=gssapi takes the Kerberos principal from sasl-gssapi-user "
            "and sasl-gssapi-realm, not from sasl-user/sasl-password or user:password@; move "
            "them");
  EXPECT_EQ(ErrorOf(std::string(kBase) + "&sasl-gssapi-user=u"),
            "sink URI: sasl-gssapi-user only applies to Kerberos; add sasl-mechanism=gssapi or "
            "remove the sasl-gssapi-* parameters");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u%40EXAMPLE.COM&sasl-gssapi-password=p"),
            "sink URI: sasl-gssapi-user 'u@EXAMPLE.COM' is invalid; use letters, digits, '.', '_', "
            "'-' and '/'");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-keytab-path=k.sink.connection.key"),
            "sink URI: sasl-gssapi-keytab-path 'k.sink.connection.key' is invalid; use an absolute path without "
            "single quotes");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-keytab-path=%2Fa'%24(x)"),
            "sink URI: sasl-gssapi-keytab-path '/a'$(x)' is invalid; use an absolute path without "
            "single quotes");
  EXPECT_EQ(ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-auth-type=ticket"),
            "sink URI: sasl-gssapi-auth-type 'ticket' is not supported; use one of user, keytab");
  std::string e = ErrorOf(g + "&sasl-gssapi-user=u&sasl-gssapi-password=");
  EXPECT_EQ(e, "sink URI: sasl-gssapi-password is empty; give a value or leave it out");
}

TEST(KafkaSinkUri, ContentCompatibleForcesOnlyUpdatedColumns) {
  auto o = MustParse(std::string(kBase) + "&content-compatible=true");
  EXPECT_TRUE(o.canal.content_compatible);
  EXPECT_TRUE(o.canal.only_output_updated_columns);
}

TEST(KafkaSinkUri, LargeMessageOptions) {
  std::string ext = std::string(kBase) + "&enable-tidb-extension=true";
  EXPECT_EQ(MustParse(kBase).large_message.handle, LargeMessageHandle::kNone);
  EXPECT_EQ(MustParse(ext + "&large-message-handle-option=handle-key-only").large_message.handle,
            LargeMessageHandle::kHandleKeyOnly);
  auto cc =
      MustParse(ext +
                "&large-message-handle-option=claim-check"
                "&claim-check-storage-uri=file:///tmp/cc/&large-message-handle-compression=none");
  EXPECT_EQ(cc.large_message.handle, LargeMessageHandle::kClaimCheck);
  EXPECT_EQ(cc.large_message.claim_check_dir, "/tmp/cc");
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
  EXPECT_FALSE(d.debezium.disable_schema);
  EXPECT_TRUE(d.debezium.output_old_value);
  EXPECT_TRUE(d.debezium.tombstone_on_delete);
  EXPECT_EQ(d.debezium.decimal_handling, codec::debezium::DecimalHandling::kPrecise);
  EXPECT_EQ(d.debezium.bigint_unsigned_handling, codec::debezium::BigintUnsignedHandling::kLong);
  auto o = MustParse(dbz +
                     "&debezium-disable-schema=true&debezium-output-old-value=false"
                     "&debezium-tombstone-on-delete=false&debezium-decimal-handling-mode=STRING"
                     "&debezium-bigint-unsigned-handling-mode=precise");
  EXPECT_TRUE(o.debezium.disable_schema);
  EXPECT_FALSE(o.debezium.output_old_value);
  EXPECT_FALSE(o.debezium.tombstone_on_delete);
  EXPECT_EQ(o.debezium.decimal_handling, codec::debezium::DecimalHandling::kString);
  EXPECT_EQ(o.debezium.bigint_unsigned_handling,
            codec::debezium::BigintUnsignedHandling::kPrecise);
  EXPECT_NE(ErrorOf(dbz + "&debezium-decimal-handling-mode=float").find("precise, string, double"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dbz + "&enable-tidb-extension=true&large-message-handle-option=handle-key-only")
                .find("not supported with protocol=debezium"),
            std::string::npos);
}

TEST(KafkaSinkUri, AvroOptions) {
  const std::string avro = "kafka://h:1/t?protocol=avro&schema-registry=";
  auto d = MustParse(avro + "http://r:8081");
  EXPECT_FALSE(d.avro.decimal_as_string);
  EXPECT_FALSE(d.avro.bigint_unsigned_as_string);
  EXPECT_TRUE(d.avro.schema_registry_ca.empty());
  auto o = MustParse(avro +
                     "https://u:p@r:8081&avro-decimal-handling-mode=string"
                     "&avro-bigint-unsigned-handling-mode=STRING&schema-registry-ca=/ca.pem");
  EXPECT_TRUE(o.avro.decimal_as_string);
  EXPECT_TRUE(o.avro.bigint_unsigned_as_string);
  EXPECT_EQ(o.avro.schema_registry_ca, "/ca.pem");
  EXPECT_EQ(o.avro.schema_registry, "https://u:p@r:8081");
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
            "kafka://bob:****@h:1/t?protocol=avro&sasl-mechanism=scram-sha-256"
            "&schema-registry=https://u:****%40reg:8081/x&compression=gzip");
  auto o2 = MustParse(std::string(kBase) + "&sasl-user=a&sasl-password=topsecret3");
  EXPECT_EQ(o2.Redacted(),
            "kafka://127.0.0.1:9092/t?protocol=canal-json&sasl-user=a&sasl-password=****");
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
                           "time-zone",
                           "sasl-gssapi-auth-type",
                           "sasl-gssapi-user",
                           "sasl-gssapi-password",
                           "sasl-gssapi-realm",
                           "sasl-gssapi-keytab-path",
                           "sasl-gssapi-kerberos-config-path",
                           "sasl-gssapi-service-name",
                           "sasl-gssapi-disable-pafxfast"}) {
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
