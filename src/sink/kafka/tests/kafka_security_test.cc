// Integration tests against a secured KRaft broker that this binary starts itself with
// `scripts/kafka.sh start-secure` (SASL PLAIN/SCRAM, TLS, mTLS, SASL_SSL, GSSAPI against a real
// MIT KDC from scripts/kdc.sh, StandardAuthorizer) on free ports in a temporary directory, and
// stops at the end. ACLs are created through librdkafka's
// admin API as the super user admin.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "sink/kafka/connection_test.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/kafka/topic_reader.h"
#include "test_env.h"

namespace sluice::sink::kafka {
namespace {

namespace fs = std::filesystem;

bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

struct SecureBroker {
  std::string dir;
  int port = 0;
  std::map<std::string, std::string> env;
  std::string Sasl() const { return env.at("SLUICE_KAFKA_SECURE_SASL"); }
  std::string Ssl() const { return env.at("SLUICE_KAFKA_SECURE_SSL"); }
  std::string Mtls() const { return env.at("SLUICE_KAFKA_SECURE_MTLS"); }
  std::string Tls(const std::string& f) const {
    return env.at("SLUICE_KAFKA_SECURE_TLS_DIR") + "/" + f;
  }
};

SecureBroker* g_broker = nullptr;

class SecureBrokerEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string scripts = testing::Env("SLUICE_SCRIPTS");
    auto b = std::make_unique<SecureBroker>();
    char tmpl[] = "/tmp/sluice-sec-kafka-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    b->dir = tmpl;
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 50 && b->port == 0; ++attempt) {
      int base = 41000 + static_cast<int>(rng() % 20000);
      bool free = true;
      for (int i = 0; i < 7; ++i) free = free && PortFree(base + i);
      if (free) b->port = base;
    }
    ASSERT_NE(b->port, 0) << "no 7 free consecutive ports";
    // A generous start deadline: on a 2-core machine busy with parallel builds the JVM broker
    // has taken over 60 s (kafka.sh's default) to start.
    std::string cmd = fmt::format(
        "SLUICE_KAFKA_START_TIMEOUT=${{SLUICE_KAFKA_START_TIMEOUT:-300}} {}/kafka.sh start-secure "
        "{} {} >{}/start.log 2>&1",
        scripts, b->dir, b->port, b->dir);
    int rc = std::system(cmd.c_str());
    g_broker = b.get();  // TearDown stops whatever started, even after a failed start
    if (rc != 0) {
      std::ifstream in(b->dir + "/start.log");
      std::string log((std::istreambuf_iterator<char>(in)), {});
      b.release();
      FAIL() << "starting the secure broker failed: " << log;
    }
    std::ifstream in(b->dir + "/secure.env");
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq != std::string::npos) b->env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    g_broker = b.release();
  }
  void TearDown() override {
    if (!g_broker) return;
    std::string cmd = fmt::format("{}/kafka.sh stop {} >/dev/null 2>&1",
                                  testing::Env("SLUICE_SCRIPTS"), g_broker->dir);
    (void)std::system(cmd.c_str());
    std::error_code ec;
    fs::remove_all(g_broker->dir, ec);
    delete g_broker;
    g_broker = nullptr;
  }
};

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new SecureBrokerEnv);

std::string UniqueTopic(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}-{:x}", prefix, rng() & 0xffffffffULL);
}

KafkaSinkOptions MustParse(const std::string& uri) {
  auto r = ParseKafkaSinkUri(uri);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : KafkaSinkOptions{};
}

KafkaSinkOptions Sasl(const std::string& user, const std::string& password,
                      const std::string& mechanism, const std::string& topic,
                      const std::string& extra = "") {
  return MustParse(
      fmt::format("kafka://{}/{}?protocol=canal-json&dial-timeout=5s&sasl-user={}&sasl-password={}"
                  "&sasl-mechanism={}&replication-factor=1{}",
                  g_broker->Sasl(), topic, user, password, mechanism, extra));
}

// Grants `ops` on a topic (or prefix) and optionally cluster ops, as the super user admin.
void Grant(const std::string& principal, rd_kafka_ResourceType_t type, const std::string& name,
           rd_kafka_ResourcePatternType_t pattern,
           const std::vector<rd_kafka_AclOperation_t>& ops) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  char err[512];
  for (auto [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", g_broker->Sasl()},
                                                        {"security.protocol", "sasl_plaintext"},
                                                        {"sasl.mechanisms", "PLAIN"},
                                                        {"sasl.username", "admin"},
                                                        {"sasl.password", "admin-secret"}}) {
    ASSERT_EQ(rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
  ASSERT_NE(rk, nullptr) << err;
  std::vector<rd_kafka_AclBinding_t*> acls;
  for (auto op : ops) {
    acls.push_back(rd_kafka_AclBinding_new(type, name.c_str(), pattern, principal.c_str(), "*", op,
                                           RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, err, sizeof(err)));
    ASSERT_NE(acls.back(), nullptr) << err;
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateAcls(rk, acls.data(), acls.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 20000);
  ASSERT_NE(ev, nullptr) << "CreateAcls timed out";
  EXPECT_EQ(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR_NO_ERROR)
      << rd_kafka_event_error_string(ev);
  size_t n = 0;
  const rd_kafka_acl_result_t** rs =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* e = rd_kafka_acl_result_error(rs[i]);
    EXPECT_EQ(e, nullptr) << (e ? rd_kafka_error_string(e) : "");
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  for (auto* a : acls) rd_kafka_AclBinding_destroy(a);
  rd_kafka_destroy(rk);
}

// alice: everything a changefeed needs on topics "a-*"; bob: the same minus Write.
void GrantUsers() {
  static bool done = false;
  if (done) return;
  done = true;
  Grant("User:alice", RD_KAFKA_RESOURCE_TOPIC, "a-", RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
        {RD_KAFKA_ACL_OPERATION_DESCRIBE, RD_KAFKA_ACL_OPERATION_CREATE,
         RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS});
  Grant("User:bob", RD_KAFKA_RESOURCE_TOPIC, "b-", RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
        {RD_KAFKA_ACL_OPERATION_DESCRIBE, RD_KAFKA_ACL_OPERATION_CREATE,
         RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS});
  for (const char* u : {"User:alice", "User:bob"}) {
    Grant(u, RD_KAFKA_RESOURCE_BROKER, "kafka-cluster", RD_KAFKA_RESOURCE_PATTERN_LITERAL,
          {RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS});
  }
  // ACLs propagate through the metadata log; give the broker a moment.
  std::this_thread::sleep_for(std::chrono::seconds(1));
}

struct Deliveries {
  std::map<uint64_t, base::Status> by_token;
  sink::DeliveryCallback Callback() {
    return [this](uint64_t token, const base::Status& st) { by_token[token] = st; };
  }
};

// Creates the sink, prepares the topic, produces 3 messages and flushes; returns the
// delivery statuses (or the first error before delivery).
base::Status ProduceThree(const KafkaSinkOptions& o, Deliveries* d) {
  auto sink = KafkaSink::Create(o, d->Callback());
  if (!sink.ok()) return sink.status();
  auto n = (*sink)->PrepareTopic(o.topic);
  if (!n.ok()) return n.status();
  for (uint64_t t = 1; t <= 3; ++t) {
    SLUICE_RETURN_IF_ERROR(
        (*sink)->Produce(o.topic, 0, codec::Message{std::string("k"), fmt::format("v{}", t)}, t));
  }
  (void)(*sink)->Flush(15000);
  for (auto& [t, st] : d->by_token)
    if (!st.ok()) return st;
  if (d->by_token.size() != 3) return base::Internal("{} deliveries", d->by_token.size());
  return base::Status::Ok();
}

std::string Find(const std::vector<CheckResult>& rs, const std::string& name) {
  for (auto& r : rs)
    if (r.name == name)
      return fmt::format("{}|{}|{}",
                         r.skipped  ? "skip"
                         : r.passed ? "pass"
                                    : "fail",
                         r.detail, r.fix);
  return "missing";
}

TEST(KafkaSecurity, SaslPlainProducesAndAllChecksPass) {
  ASSERT_TRUE(g_broker);
  GrantUsers();
  std::string topic = UniqueTopic("a-plain");
  auto o = Sasl("alice", "alice-secret", "plain", topic);
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_TRUE(st.ok()) << st.message();
  // The topic exists now: every check, including the no-write Write probe, passes.
  auto rs = TestKafkaConnection(o);
  EXPECT_TRUE(AllPassed(rs)) << FormatCheckResults(rs);
  EXPECT_EQ(Find(rs, "write " + topic).substr(0, 5), "pass|") << FormatCheckResults(rs);
  EXPECT_EQ(Find(rs, "create " + topic).substr(0, 5), "pass|");
  EXPECT_EQ(Find(rs, "describe-configs cluster").substr(0, 5), "pass|");
  EXPECT_EQ(Find(rs, "reachable " + g_broker->Sasl()).substr(0, 5), "pass|");
  // The Write probe wrote nothing: still exactly the 3 messages.
  auto admin = Sasl("admin", "admin-secret", "plain", topic);
  auto reader = TopicReader::Create(admin);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto read = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->size(), 3u);
}

TEST(KafkaSecurity, SaslPlainWrongPasswordIsClear) {
  ASSERT_TRUE(g_broker);
  auto o = Sasl("alice", "wrong", "plain", UniqueTopic("a-wrong"));
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("SASL authentication"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("check sasl-user, sasl-password"), std::string::npos);
  EXPECT_EQ(st.message().find("wrong"), std::string::npos) << "password leaked";
  auto rs = TestKafkaConnection(o);
  EXPECT_FALSE(AllPassed(rs));
  std::string c = Find(rs, "connect");
  EXPECT_EQ(c.substr(0, 5), "fail|") << FormatCheckResults(rs);
  EXPECT_NE(c.find("check sasl-user, sasl-password"), std::string::npos) << c;
}

// SCRAM: the broker's credentials are created at format time. Needs librdkafka >= 2.6.1
// (scripts/librdkafka.sh): older versions repeat the client nonce, which Kafka 4.x rejects
// (confluentinc/librdkafka#4895).
void ExpectScram(const std::string& mechanism, const std::string& prefix) {
  ASSERT_TRUE(g_broker);
  ASSERT_GE(rd_kafka_version(), 0x020601ff)
      << "librdkafka " << rd_kafka_version_str()
      << " cannot log in with SCRAM to Kafka 4.x; build with scripts/build.sh";
  GrantUsers();
  std::string topic = UniqueTopic(prefix);
  auto o = Sasl("alice", "alice-secret", mechanism, topic);
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_TRUE(st.ok()) << st.message();
  auto rs = TestKafkaConnection(o);
  EXPECT_TRUE(AllPassed(rs)) << FormatCheckResults(rs);
  EXPECT_EQ(Find(rs, "connect").substr(0, 5), "pass|") << FormatCheckResults(rs);
  // Read back, also over SCRAM (as admin: alice has no Read ACL).
  auto reader = TopicReader::Create(Sasl("admin", "admin-secret", mechanism, topic));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto read = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[0].value, "v1");
  EXPECT_EQ((*read)[2].value, "v3");

  // A wrong password: FailedPrecondition naming the mechanism, the user and the fix, never the
  // password.
  std::string upper = mechanism == "scram-sha-256" ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
  Deliveries bad;
  st = ProduceThree(Sasl("alice", "nope-pw", mechanism, UniqueTopic(prefix)), &bad);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("SASL authentication"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("check sasl-user, sasl-password and sasl-mechanism=" + mechanism),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("login as user 'alice' with SASL " + upper), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("--add-config '" + upper +
                              "=[password=<password>]' --entity-type "
                              "users --entity-name alice"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("nope-pw"), std::string::npos) << "password leaked";
  EXPECT_EQ(st.message().find("fixed in librdkafka 2.6.1"), std::string::npos) << st.message();
  rs = TestKafkaConnection(Sasl("alice", "nope-pw", mechanism, UniqueTopic(prefix)));
  std::string c = Find(rs, "connect");
  EXPECT_EQ(c.substr(0, 5), "fail|") << FormatCheckResults(rs);
  EXPECT_NE(c.find("login as user 'alice' with SASL " + upper), std::string::npos) << c;
  EXPECT_EQ(c.find("nope-pw"), std::string::npos) << c;
}

TEST(KafkaSecurity, ScramSha256) { ExpectScram("scram-sha-256", "a-s256"); }
TEST(KafkaSecurity, ScramSha512) { ExpectScram("scram-sha-512", "a-s512"); }

std::string TlsUri(const std::string& addr, const std::string& ca, const std::string& topic) {
  return fmt::format(
      "kafka://{}/{}?protocol=canal-json&dial-timeout=5s&enable-tls=true&ca={}&cert={}&key={}",
      addr, topic, g_broker->Tls(ca), g_broker->Tls("client.pem"), g_broker->Tls("client-key.pem"));
}

TEST(KafkaSecurity, TlsWithTheRightCa) {
  ASSERT_TRUE(g_broker);
  // Server-side TLS: only the CA, no client certificate.
  auto o = MustParse(fmt::format("kafka://{}/{}?protocol=canal-json&dial-timeout=5s&ca={}",
                                 g_broker->Ssl(), UniqueTopic("tls"), g_broker->Tls("ca.pem")));
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  EXPECT_TRUE(st.ok()) << st.message();
  auto rs = TestKafkaConnection(o);
  EXPECT_EQ(Find(rs, "connect").substr(0, 5), "pass|") << FormatCheckResults(rs);
}

TEST(KafkaSecurity, MutualTlsWithoutAClientCertificateIsRefused) {
  ASSERT_TRUE(g_broker);
  auto o =
      MustParse(fmt::format("kafka://{}/{}?protocol=canal-json&dial-timeout=5s&ca={}",
                            g_broker->Mtls(), UniqueTopic("mtls-nocert"), g_broker->Tls("ca.pem")));
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_FALSE(st.ok());
  auto rs = TestKafkaConnection(o);
  EXPECT_EQ(Find(rs, "connect").substr(0, 5), "fail|") << FormatCheckResults(rs);
}

TEST(KafkaSecurity, MutualTls) {
  ASSERT_TRUE(g_broker);
  Deliveries d;
  base::Status st =
      ProduceThree(MustParse(TlsUri(g_broker->Mtls(), "ca.pem", UniqueTopic("mtls"))), &d);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(KafkaSecurity, TlsWithAWrongCaIsClear) {
  ASSERT_TRUE(g_broker);
  auto o = MustParse(TlsUri(g_broker->Ssl(), "other-ca.pem", UniqueTopic("tls-bad")));
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("TLS handshake"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("certificate verify failed"), std::string::npos) << st.message();
  auto rs = TestKafkaConnection(o);
  std::string c = Find(rs, "connect");
  EXPECT_EQ(c.substr(0, 5), "fail|") << FormatCheckResults(rs);
  EXPECT_NE(c.find("check that ca is the CA"), std::string::npos) << c;
}

TEST(KafkaSecurity, MissingWriteAclIsReportedAndProduceFails) {
  ASSERT_TRUE(g_broker);
  GrantUsers();
  std::string topic = UniqueTopic("b-nowrite");
  // bob may create the topic (Create ACL) but not write to it.
  auto o = Sasl("bob", "bob-secret", "plain", topic, "&required-acks=1");
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("Topic authorization failed"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("grant Write"), std::string::npos) << st.message();

  auto rs = TestKafkaConnection(o);
  EXPECT_FALSE(AllPassed(rs));
  std::string w = Find(rs, "write " + topic);
  EXPECT_EQ(w.substr(0, 5), "fail|") << FormatCheckResults(rs);
  EXPECT_NE(w.find(fmt::format("--allow-principal User:bob --operation Write --topic {}", topic)),
            std::string::npos)
      << w;
  EXPECT_EQ(Find(rs, "describe " + topic).substr(0, 5), "pass|");
  EXPECT_EQ(Find(rs, "create " + topic).substr(0, 5), "pass|");
}

TEST(KafkaSecurity, IdempotentProducerWithoutWriteFailsClearly) {
  ASSERT_TRUE(g_broker);
  GrantUsers();
  std::string topic = UniqueTopic("b-idem");
  Deliveries d;
  base::Status st = ProduceThree(Sasl("bob", "bob-secret", "plain", topic), &d);
  ASSERT_FALSE(st.ok());
  // An ACL problem for the operator, not DataLoss.
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("Cluster authorization failed"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("grant Write on the topic"), std::string::npos) << st.message();
}

TEST(KafkaSecurity, NoAclsAtAllFailEveryTopicCheck) {
  ASSERT_TRUE(g_broker);
  GrantUsers();
  std::string topic = UniqueTopic("c-none");  // alice has nothing on "c-*"
  auto rs = TestKafkaConnection(Sasl("alice", "alice-secret", "plain", topic));
  std::string dsc = Find(rs, "describe " + topic);
  EXPECT_EQ(dsc.substr(0, 5), "fail|") << FormatCheckResults(rs);
  EXPECT_NE(dsc.find("--operation Describe --topic " + topic), std::string::npos) << dsc;
  EXPECT_EQ(Find(rs, "describe-configs cluster").substr(0, 5), "pass|");
}

TEST(KafkaSecurity, UnreachableEndpointIsReportedSeparately) {
  ASSERT_TRUE(g_broker);
  GrantUsers();
  int dead = 0;
  for (int p = 20000; p < 21000 && !dead; ++p)
    if (PortFree(p)) dead = p;
  auto o = MustParse(
      fmt::format("kafka://{},127.0.0.1:{}/{}?protocol=canal-json&dial-timeout=2s&sasl-user=alice"
                  "&sasl-password=alice-secret",
                  g_broker->Sasl(), dead, UniqueTopic("a-reach")));
  auto rs = TestKafkaConnection(o);
  EXPECT_EQ(Find(rs, "reachable " + g_broker->Sasl()).substr(0, 5), "pass|");
  std::string r = Find(rs, fmt::format("reachable 127.0.0.1:{}", dead));
  EXPECT_EQ(r.substr(0, 5), "fail|") << FormatCheckResults(rs);
  EXPECT_NE(r.find("Connection refused"), std::string::npos) << r;
  EXPECT_EQ(Find(rs, "connect").substr(0, 5), "pass|") << FormatCheckResults(rs);
}

// ---- SASL_SSL (SCRAM over TLS) and Kerberos (GSSAPI) against the real MIT KDC ----

TEST(KafkaSecurity, ScramOverSaslSsl) {
  ASSERT_TRUE(g_broker);
  GrantUsers();
  std::string topic = UniqueTopic("a-saslssl");
  auto o = MustParse(fmt::format(
      "kafka://{}/{}?protocol=canal-json&dial-timeout=5s&sasl-user=alice&sasl-password="
      "alice-secret&sasl-mechanism=scram-sha-512&replication-factor=1&ca={}",
      g_broker->env.at("SLUICE_KAFKA_SECURE_SASL_SSL"), topic, g_broker->Tls("ca.pem")));
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_TRUE(st.ok()) << st.message();
  auto rs = TestKafkaConnection(o);
  EXPECT_TRUE(AllPassed(rs)) << FormatCheckResults(rs);
  auto reader = TopicReader::Create(Sasl("admin", "admin-secret", "plain", topic));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto read = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->size(), 3u);
  // The same listener without the CA: the TLS handshake fails, not the login.
  auto no_ca = MustParse(fmt::format(
      "kafka://{}/{}?protocol=canal-json&dial-timeout=5s&sasl-user=alice&sasl-password="
      "alice-secret&sasl-mechanism=scram-sha-512&enable-tls=true",
      g_broker->env.at("SLUICE_KAFKA_SECURE_SASL_SSL"), UniqueTopic("a-saslssl")));
  Deliveries bad;
  st = ProduceThree(no_ca, &bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("certificate verify failed"), std::string::npos) << st.message();
}

std::string KdcEnv(const std::string& key) { return g_broker->env.at(key); }

// A GSSAPI sink URI on the broker's Kerberos listener; `login` adds the principal's options.
KafkaSinkOptions Kerberos(const std::string& topic, const std::string& login) {
  return MustParse(fmt::format(
      "kafka://{}/{}?protocol=canal-json&dial-timeout=10s&replication-factor=1&sasl-mechanism="
      "gssapi&sasl-gssapi-realm={}&sasl-gssapi-kerberos-config-path={}&sasl-gssapi-service-name="
      "kafka{}",
      KdcEnv("SLUICE_KAFKA_SECURE_GSSAPI"), topic, KdcEnv("SLUICE_KDC_REALM"),
      KdcEnv("SLUICE_KRB5_CONFIG"), login));
}

void GrantKerberosUser() {
  static bool done = false;
  if (done) return;
  done = true;
  Grant("User:sluice", RD_KAFKA_RESOURCE_TOPIC, "k-", RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
        {RD_KAFKA_ACL_OPERATION_DESCRIBE, RD_KAFKA_ACL_OPERATION_CREATE,
         RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS});
  Grant("User:sluice", RD_KAFKA_RESOURCE_BROKER, "kafka-cluster", RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        {RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS});
  std::this_thread::sleep_for(std::chrono::seconds(1));
}

void ExpectReadBack(const std::string& topic, size_t n) {
  auto reader = TopicReader::Create(Sasl("admin", "admin-secret", "plain", topic));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto read = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->size(), n);
}

TEST(KafkaSecurity, KerberosWithAKeytab) {
  ASSERT_TRUE(g_broker);
  GrantKerberosUser();
  std::string topic = UniqueTopic("k-keytab");
  auto o = Kerberos(topic, "&sasl-gssapi-user=sluice&sasl-gssapi-keytab-path=" +
                               KdcEnv("SLUICE_KDC_CLIENT_KEYTAB"));
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  ASSERT_TRUE(st.ok()) << st.message();
  ExpectReadBack(topic, 3);
  auto rs = TestKafkaConnection(o);
  EXPECT_TRUE(AllPassed(rs)) << FormatCheckResults(rs);
}

TEST(KafkaSecurity, KerberosWithAPasswordThatStaysSecret) {
  ASSERT_TRUE(g_broker);
  GrantUsers();  // alice@SLUICE.TEST maps to User:alice, who may write "a-*"
  std::ifstream in(KdcEnv("SLUICE_KDC_PASSWORD_FILE"));
  std::string password;
  std::getline(in, password);
  ASSERT_FALSE(password.empty());
  std::string topic = UniqueTopic("a-krbpw");
  auto o = Kerberos(topic, "&sasl-gssapi-user=alice&sasl-gssapi-password=" + password);
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  Deliveries d;
  base::Status st = ProduceThree(o, &d);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << err;
  ExpectReadBack(topic, 3);
  EXPECT_EQ(out.find(password), std::string::npos) << "password in the output";
  EXPECT_EQ(err.find(password), std::string::npos) << "password in the log";
  // kinit reads it on stdin: no process's command line has it.
  for (const auto& p : fs::directory_iterator("/proc")) {
    std::ifstream cmdline(p.path() / "cmdline");
    std::string c((std::istreambuf_iterator<char>(cmdline)), {});
    EXPECT_EQ(c.find(password), std::string::npos) << p.path();
  }
  // A wrong password: one line naming principal, realm and fix; the password is not in it.
  Deliveries bad;
  st = ProduceThree(Kerberos(UniqueTopic("a-krbpw"),
                             "&sasl-gssapi-user=alice&sasl-gssapi-password=not-" + password),
                    &bad);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("alice@SLUICE.TEST"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("sasl-gssapi-password"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(password), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
}

// A keytab whose key the KDC no longer has, and a principal the KDC does not know: one line
// naming the principal with its realm and the fix.
TEST(KafkaSecurity, KerberosWrongKeytabOrUnknownPrincipalIsOneClearLine) {
  ASSERT_TRUE(g_broker);
  GrantKerberosUser();
  struct Case {
    std::string user, keytab, principal;
  };
  for (const Case& c :
       {Case{"stale", KdcEnv("SLUICE_KDC_STALE_KEYTAB"), "stale@SLUICE.TEST"},
        Case{"nobody", KdcEnv("SLUICE_KDC_CLIENT_KEYTAB"), "nobody@SLUICE.TEST"}}) {
    SCOPED_TRACE(c.principal);
    auto o = Kerberos(UniqueTopic("k-bad"),
                      "&sasl-gssapi-user=" + c.user + "&sasl-gssapi-keytab-path=" + c.keytab);
    Deliveries d;
    base::Status st = ProduceThree(o, &d);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
    EXPECT_NE(st.message().find("'" + c.principal + "'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("sasl-gssapi-keytab-path"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
    auto rs = TestKafkaConnection(o);
    std::string conn = Find(rs, "connect");
    EXPECT_EQ(conn.substr(0, 5), "fail|") << FormatCheckResults(rs);
    EXPECT_NE(conn.find(c.principal), std::string::npos) << conn;
  }
}

}  // namespace
}  // namespace sluice::sink::kafka
