#include "sink/kafka/kafka_conf.h"

#include <gtest/gtest.h>

namespace sluice::sink::kafka::internal {
namespace {

std::string Get(rd_kafka_conf_t* conf, const char* name) {
  char buf[1024];
  size_t size = sizeof(buf);
  if (rd_kafka_conf_get(conf, name, buf, &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return buf;
}

KafkaSinkOptions Parse(const std::string& uri) {
  auto r = ParseKafkaSinkUri(uri);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : KafkaSinkOptions{};
}

TEST(KafkaConf, PlaintextConnection) {
  ConfPtr conf(rd_kafka_conf_new());
  auto o = Parse(
      "kafka://a:1,b:2/t?protocol=canal-json&kafka-client-id=cid&dial-timeout=3s"
      "&read-timeout=4s&write-timeout=5s");
  ASSERT_TRUE(ApplyConnectionConf(conf.get(), o).ok());
  EXPECT_EQ(Get(conf.get(), "bootstrap.servers"), "a:1,b:2");
  EXPECT_EQ(Get(conf.get(), "client.id"), "cid");
  EXPECT_EQ(Get(conf.get(), "security.protocol"), "plaintext");
  EXPECT_EQ(Get(conf.get(), "socket.connection.setup.timeout.ms"), "3000");
  EXPECT_EQ(Get(conf.get(), "socket.timeout.ms"), "5000");
}

TEST(KafkaConf, SaslScramOverTlsIsWired) {
  ConfPtr conf(rd_kafka_conf_new());
  auto o = Parse(
      "kafka://u:p%40w@a:1/t?protocol=canal-json&sasl-mechanism=scram-sha-256"
      "&enable-tls=true&insecure-skip-verify=true");
  ASSERT_TRUE(ApplyConnectionConf(conf.get(), o).ok());
  EXPECT_EQ(Get(conf.get(), "security.protocol"), "sasl_ssl");
  EXPECT_EQ(Get(conf.get(), "sasl.mechanisms"), "SCRAM-SHA-256");
  EXPECT_EQ(Get(conf.get(), "sasl.username"), "u");
  EXPECT_EQ(Get(conf.get(), "sasl.password"), "p@w");
  EXPECT_EQ(Get(conf.get(), "enable.ssl.certificate.verification"), "false");
  EXPECT_EQ(Get(conf.get(), "ssl.endpoint.identification.algorithm"), "none");
}

TEST(KafkaConf, TlsFilesAndPlainSasl) {
  ConfPtr conf(rd_kafka_conf_new());
  auto o = Parse(
      "kafka://a:1/t?protocol=canal-json&sasl-user=u&sasl-password=p"
      "&ca=/etc/ca.pem&cert=/etc/c.pem&key=/etc/k.pem");
  ASSERT_TRUE(ApplyConnectionConf(conf.get(), o).ok());
  EXPECT_EQ(Get(conf.get(), "security.protocol"), "sasl_ssl");
  EXPECT_EQ(Get(conf.get(), "sasl.mechanisms"), "PLAIN");
  EXPECT_EQ(Get(conf.get(), "ssl.ca.location"), "/etc/ca.pem");
  EXPECT_EQ(Get(conf.get(), "ssl.certificate.location"), "/etc/c.pem");
  EXPECT_EQ(Get(conf.get(), "ssl.key.location"), "/etc/k.pem");
  EXPECT_EQ(Get(conf.get(), "ssl.endpoint.identification.algorithm"), "https");
}

TEST(KafkaConf, RejectedSettingNamesItAndHidesSecrets) {
  ConfPtr conf(rd_kafka_conf_new());
  auto st = SetConf(conf.get(), "linger.ms", "-5");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(st.message().rfind("kafka client setting linger.ms=-5 rejected by librdkafka: ", 0), 0u)
      << st.message();
  auto secret = SetConf(conf.get(), "no.such.password", "hunter2");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.message().find("hunter2"), std::string::npos);
}

TEST(KafkaConf, ErrorCodesMapToActions) {
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_NO_ERROR), base::Code::kOk);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), base::Code::kResourceExhausted);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED), base::Code::kFailedPrecondition);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED), base::Code::kFailedPrecondition);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR__TRANSPORT), base::Code::kUnavailable);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), base::Code::kUnavailable);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS), base::Code::kUnavailable);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR__FATAL), base::Code::kDataLoss);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER), base::Code::kDataLoss);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), base::Code::kNotFound);
  EXPECT_EQ(CodeFor(RD_KAFKA_RESP_ERR_INVALID_MSG), base::Code::kInternal);
  EXPECT_EQ(base::ActionFor(CodeFor(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)), base::Action::kRetry);
}

}  // namespace
}  // namespace sluice::sink::kafka::internal
