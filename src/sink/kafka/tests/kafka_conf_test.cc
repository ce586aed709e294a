#include "sink/kafka/kafka_conf.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

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

// GSSAPI: the sasl-gssapi-* options land on librdkafka's sasl.kerberos.* properties (no KDC
// here; the live logins against a real MIT KDC are in kafka_security_test.cc).
class KafkaConfGssapi : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("KRB5_CONFIG");
    char tmpl[] = "/tmp/sluice-krb5-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/krb5.conf") << "[libdefaults]\n default_realm = EXAMPLE.COM\n";
    std::ofstream(dir_ + "/alice.key") << "not a real keytab";
  }
  void TearDown() override {
    unsetenv("KRB5_CONFIG");
    std::remove((dir_ + "/krb5.conf").c_str());
    std::remove((dir_ + "/alice.key").c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(KafkaConfGssapi, UserAuthRunsKinitWithThePasswordOnStdin) {
  ConfPtr conf(rd_kafka_conf_new());
  auto o = Parse(
      "kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi"
      "&sasl-gssapi-auth-type=user&sasl-gssapi-kerberos-config-path=" +
      dir_ +
      "/krb5.conf&sasl-gssapi-service-name=kfk&sasl-gssapi-user=alice/for-kafka"
      "&sasl-gssapi-password=alice-secret&sasl-gssapi-realm=EXAMPLE.COM");
  ASSERT_TRUE(ApplyConnectionConf(conf.get(), o).ok());
  EXPECT_EQ(Get(conf.get(), "security.protocol"), "sasl_plaintext");
  EXPECT_EQ(Get(conf.get(), "sasl.mechanisms"), "GSSAPI");
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.service.name"), "kfk");
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.principal"), "alice/for-kafka@EXAMPLE.COM");
  std::string var = GssapiPasswordEnvName(o);
  EXPECT_EQ(var.rfind("SLUICE_KRB5_PASSWORD_", 0), 0u) << var;
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.kinit.cmd"),
            "printf '%s\\n' \"$" + var + "\" | KRB5_CONFIG='" + dir_ +
                "/krb5.conf' kinit '%{sasl.kerberos.principal}'");
  ASSERT_NE(std::getenv(var.c_str()), nullptr);
  EXPECT_EQ(std::string(std::getenv(var.c_str())), "alice-secret");
  ASSERT_NE(std::getenv("KRB5_CONFIG"), nullptr);
  EXPECT_EQ(std::string(std::getenv("KRB5_CONFIG")), dir_ + "/krb5.conf");
  // The password is in no librdkafka property (they can be dumped) and no command line.
  size_t n = 0;
  const char** dump = rd_kafka_conf_dump(conf.get(), &n);
  for (size_t i = 0; i + 1 < n; i += 2) {
    EXPECT_EQ(std::string(dump[i + 1]).find("alice-secret"), std::string::npos) << dump[i];
  }
  rd_kafka_conf_dump_free(dump, n);

  // The kinit command really feeds the password on stdin: run it with a stand-in kinit.
  std::ofstream(dir_ + "/kinit") << "#!/bin/sh\nread pw\necho \"$KRB5_CONFIG|$1|$pw\" > " << dir_
                                 << "/out\n";
  std::string cmd = Get(conf.get(), "sasl.kerberos.kinit.cmd");
  cmd.replace(cmd.find("%{sasl.kerberos.principal}"), 26, "alice/for-kafka@EXAMPLE.COM");
  ASSERT_EQ(std::system(("chmod +x " + dir_ + "/kinit && PATH=" + dir_ + ":$PATH sh -c '" +
                         std::regex_replace(cmd, std::regex("'"), "'\\''") + "'")
                            .c_str()),
            0);
  std::ifstream out(dir_ + "/out");
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, dir_ + "/krb5.conf|alice/for-kafka@EXAMPLE.COM|alice-secret");
  std::remove((dir_ + "/kinit").c_str());
  std::remove((dir_ + "/out").c_str());
}

TEST_F(KafkaConfGssapi, KeytabAuthUsesTheKeytab) {
  ConfPtr conf(rd_kafka_conf_new());
  auto o = Parse(
      "kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi&enable-tls=true"
      "&sasl-gssapi-user=svc&sasl-gssapi-keytab-path=" +
      dir_ + "/alice.key");
  ASSERT_TRUE(ApplyConnectionConf(conf.get(), o).ok());
  EXPECT_EQ(Get(conf.get(), "security.protocol"), "sasl_ssl");
  EXPECT_EQ(Get(conf.get(), "sasl.mechanisms"), "GSSAPI");
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.service.name"), "kafka");
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.principal"), "svc");
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.keytab"), dir_ + "/alice.key");
  EXPECT_EQ(Get(conf.get(), "sasl.kerberos.kinit.cmd"),
            "kinit -R -t '%{sasl.kerberos.keytab}' -k '%{sasl.kerberos.principal}' || "
            "kinit -t '%{sasl.kerberos.keytab}' -k '%{sasl.kerberos.principal}'");
  EXPECT_EQ(std::getenv("KRB5_CONFIG"), nullptr);
  // Its own ticket cache, emptied: a failed kinit cannot fall back to an older ticket.
  std::string cache = GssapiCredentialCache(o);
  EXPECT_EQ(cache.rfind("FILE:", 0), 0u) << cache;
  ASSERT_NE(std::getenv("KRB5CCNAME"), nullptr);
  EXPECT_EQ(std::string(std::getenv("KRB5CCNAME")), cache);
  std::ofstream(cache.substr(5)) << "old ticket";
  ConfPtr again(rd_kafka_conf_new());
  ASSERT_TRUE(ApplyConnectionConf(again.get(), o).ok());
  EXPECT_FALSE(std::ifstream(cache.substr(5)).good()) << "the old cache was not removed";
  auto other = Parse("kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi"
                     "&sasl-gssapi-user=other&sasl-gssapi-keytab-path=" + dir_ + "/alice.key");
  EXPECT_NE(GssapiCredentialCache(other), cache) << "one cache per principal";
  unsetenv("KRB5CCNAME");
}

TEST_F(KafkaConfGssapi, UnreadableFilesAndConflictingKrb5ConfigAreClear) {
  ConfPtr conf(rd_kafka_conf_new());
  auto st = ApplyConnectionConf(conf.get(),
                                Parse("kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi"
                                      "&sasl-gssapi-user=svc&sasl-gssapi-keytab-path=" +
                                      dir_ + "/missing.key"));
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(st.message(), "sasl-gssapi-keytab-path=" + dir_ +
                              "/missing.key is not readable (No such file or directory); give a "
                              "readable file");
  st = ApplyConnectionConf(conf.get(),
                           Parse("kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi"
                                 "&sasl-gssapi-user=u&sasl-gssapi-password=p"
                                 "&sasl-gssapi-kerberos-config-path=/nonexistent/krb5.conf"));
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("sasl-gssapi-kerberos-config-path=/nonexistent/krb5.conf is not "
                              "readable"),
            std::string::npos)
      << st.message();

  setenv("KRB5_CONFIG", "/etc/other-krb5.conf", 1);
  st = ApplyConnectionConf(conf.get(),
                           Parse("kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi"
                                 "&sasl-gssapi-user=u&sasl-gssapi-password=p"
                                 "&sasl-gssapi-kerberos-config-path=" +
                                 dir_ + "/krb5.conf"));
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("differs from KRB5_CONFIG=/etc/other-krb5.conf"), std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("=p&"), std::string::npos);
}

// The SASL login fix names the mechanism, the user and, for SCRAM, the credential command.
TEST(KafkaConf, SaslLoginFix) {
  auto scram = Parse(
      "kafka://a:1/t?protocol=canal-json&sasl-mechanism=scram-sha-512"
      "&sasl-user=alice&sasl-password=pw");
  std::string fix = SaslLoginFix(scram);
  EXPECT_NE(fix.find("check sasl-user, sasl-password and sasl-mechanism=scram-sha-512 in the "
                     "sink URI (login as user 'alice' with SASL SCRAM-SHA-512)"),
            std::string::npos)
      << fix;
  EXPECT_NE(fix.find("kafka-configs.sh --bootstrap-server a:1 --alter --add-config "
                     "'SCRAM-SHA-512=[password=<password>]' --entity-type users --entity-name "
                     "alice"),
            std::string::npos)
      << fix;
  EXPECT_EQ(fix.find("pw"), std::string::npos) << fix;
  std::string plain =
      SaslLoginFix(Parse("kafka://a:1/t?protocol=canal-json&sasl-user=bob&sasl-password=pw"));
  EXPECT_NE(plain.find("login as user 'bob' with SASL PLAIN"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("kafka-configs.sh"), std::string::npos) << plain;
  std::string gssapi = SaslLoginFix(
      Parse("kafka://a:1/t?protocol=canal-json&sasl-mechanism=gssapi&sasl-gssapi-user=svc"
            "&sasl-gssapi-realm=EXAMPLE.COM&sasl-gssapi-keytab-path=/k.keytab"));
  EXPECT_EQ(gssapi,
            "check sasl-gssapi-user, sasl-gssapi-realm, the sasl-gssapi-keytab-path and "
            "sasl-gssapi-service-name in the sink URI (login as Kerberos principal "
            "'svc@EXAMPLE.COM' to service 'kafka'); the host needs kinit (krb5-user) and the "
            "Cyrus GSSAPI plugin (libsasl2-modules-gssapi-mit)");
  EXPECT_TRUE(
      KeepsLoginError(RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN));
  EXPECT_TRUE(KeepsLoginError(RD_KAFKA_RESP_ERR__SSL, RD_KAFKA_RESP_ERR__TRANSPORT));
  EXPECT_FALSE(KeepsLoginError(RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__AUTHENTICATION));
}

}  // namespace
}  // namespace sluice::sink::kafka::internal
