#include "client/kafka/preflight.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include "base/tcp_probe.h"
#include "base/uri.h"
#include "client/kafka/kafka_conf.h"

namespace sluice::client::kafka {
namespace {

using base::CheckResult;
constexpr auto& Pass = base::CheckPass;
constexpr auto& Fail = base::CheckFail;
constexpr auto& Skip = base::CheckSkip;

std::string Principal(const ConnectionOptions& o) {
  if (o.sasl_mechanism != SaslMechanism::kNone && !o.sasl_user.empty()) {
    return "User:" + o.sasl_user;
  }
  if (!o.cert.empty()) return "User:<the subject DN of the client certificate>";
  return "User:ANONYMOUS";
}

std::string AclFix(const ConnectionOptions& o, std::string_view op, const std::string& resource) {
  return fmt::format(
      "grant {} on {} to {}: kafka-acls.sh --bootstrap-server {} --add --allow-principal {} "
      "--operation {} {}",
      op, resource == "--cluster" ? "the cluster" : "topic " + resource.substr(8), Principal(o),
      o.brokers.front(), Principal(o), op, resource);
}

// A client used only for the checks; collects client-level errors (TLS, SASL) to explain
// failures.
class Probe {
 public:
  ~Probe() {
    if (rk_) rd_kafka_destroy(rk_);
  }

  std::string Init(const ConnectionOptions& o, std::optional<int64_t> max_message) {
    ConfPtr conf(rd_kafka_conf_new());
    rd_kafka_conf_t* c = conf.get();
    auto st = ApplyConnectionConf(c, o);
    if (st.ok()) st = SetConf(c, "allow.auto.create.topics", "false");
    if (st.ok() && max_message) {
      // The write probe: one record, no retries, no idempotence, sent on its own.
      std::string big = std::to_string(std::min<int64_t>(1000000000, *max_message + 65536));
      st = SetConf(c, "message.max.bytes", big);
      if (st.ok()) st = SetConf(c, "batch.size", big);
      if (st.ok()) st = SetConf(c, "enable.idempotence", "false");
      if (st.ok()) st = SetConf(c, "acks", "1");
      if (st.ok()) st = SetConf(c, "retries", "0");
      if (st.ok()) st = SetConf(c, "linger.ms", "0");
      if (st.ok()) st = SetConf(c, "compression.type", "none");
      if (st.ok())
        st = SetConf(c, "message.timeout.ms",
                     std::to_string(std::max<int64_t>(1000, o.read_timeout.count())));
    }
    if (!st.ok()) return st.message();
    rd_kafka_conf_set_opaque(c, this);
    rd_kafka_conf_set_error_cb(c, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
      auto* self = static_cast<Probe*>(opaque);
      if (!KeepsLoginError(self->last_error_code_, err)) {
        self->last_error_ = reason ? reason : "";
        self->last_error_code_ = err;
      }
      self->errors_.push_back(static_cast<rd_kafka_resp_err_t>(err));
    });
    rd_kafka_conf_set_dr_msg_cb(c, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      auto* self = static_cast<Probe*>(opaque);
      self->delivery_ = m->err;
    });
    rd_kafka_conf_set_log_cb(c, [](const rd_kafka_t*, int, const char*, const char*) {});
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (!rk_) return err;
    conf.release();
    return "";
  }

  rd_kafka_t* rk() { return rk_; }
  const std::string& last_error() const { return last_error_; }
  bool Saw(rd_kafka_resp_err_t e) const {
    return std::find(errors_.begin(), errors_.end(), e) != errors_.end();
  }
  std::optional<rd_kafka_resp_err_t> delivery_;

 private:
  rd_kafka_t* rk_ = nullptr;
  std::vector<rd_kafka_resp_err_t> errors_;
  std::string last_error_;  // the latest error, or the login error that caused later ones
  int last_error_code_ = 0;
};

std::optional<int64_t> ToInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool IsAuthz(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
         e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}

// Describe: metadata of one topic. Sets *exists and *partitions.
CheckResult CheckDescribe(Probe& probe, const ConnectionOptions& o, const std::string& topic,
                          int timeout, bool* exists) {
  std::string name = "describe " + topic;
  *exists = false;
  TopicPtr h(rd_kafka_topic_new(probe.rk(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(probe.rk(), 0, h.get(), &md, timeout);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Fail(name, fmt::format("metadata request failed: {}", rd_kafka_err2str(err)),
                "check that the brokers are up and reachable");
  }
  MetadataPtr hold(md);
  rd_kafka_resp_err_t terr =
      md->topic_cnt > 0 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (terr == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
    return Fail(name, "not authorized to describe the topic",
                AclFix(o, "Describe", "--topic " + topic));
  }
  if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return Pass(name, "allowed; the topic does not exist yet");
  }
  if (terr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Fail(name, fmt::format("metadata of the topic: {}", rd_kafka_err2str(terr)),
                "check the topic on the brokers");
  }
  *exists = true;
  return Pass(name, fmt::format("allowed; {} partitions", md->topics[0].partition_cnt));
}

// Create: CreateTopics(validate_only=true) — authorization is checked before validation.
CheckResult CheckCreate(Probe& probe, const ConnectionOptions& o, const TopicChecks& checks,
                        const std::string& topic, bool exists, int timeout) {
  std::string name = "create " + topic;
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), checks.partition_num.value_or(3),
                                                  checks.replication_factor, err, sizeof(err));
  if (!nt) return Fail(name, err, "fix partition-num / replication-factor");
  AdminOptionsPtr ao(rd_kafka_AdminOptions_new(probe.rk(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_validate_only(ao.get(), 1, err, sizeof(err));
  rd_kafka_AdminOptions_set_request_timeout(ao.get(), timeout, err, sizeof(err));
  rd_kafka_AdminOptions_set_operation_timeout(ao.get(), timeout, err, sizeof(err));
  QueuePtr q(rd_kafka_queue_new(probe.rk()));
  rd_kafka_CreateTopics(probe.rk(), &nt, 1, ao.get(), q.get());
  rd_kafka_NewTopic_destroy(nt);
  EventPtr ev(rd_kafka_queue_poll(q.get(), timeout + 2000));
  if (!ev) return Fail(name, "CreateTopics (validate only) timed out", "check the brokers");
  rd_kafka_resp_err_t e = rd_kafka_event_error(ev.get());
  std::string msg = e ? rd_kafka_event_error_string(ev.get()) : "";
  if (!e) {
    size_t n = 0;
    const rd_kafka_topic_result_t** trs =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
    if (n > 0) {
      e = rd_kafka_topic_result_error(trs[0]);
      const char* s = rd_kafka_topic_result_error_string(trs[0]);
      msg = s ? s : rd_kafka_err2str(e);
    }
  }
  bool needed = checks.auto_create_topic;
  if (IsAuthz(e)) {
    if (!needed && exists) {
      return Skip(name,
                  "not authorized to create topics, but auto-create-topic=false and the "
                  "topic exists");
    }
    if (!needed) {
      return Fail(name, "the topic does not exist, auto-create-topic=false and Create is denied",
                  "create the topic, or " + AclFix(o, "Create", "--topic " + topic));
    }
    return Fail(name, "not authorized to create the topic (the sink creates missing topics)",
                AclFix(o, "Create", "--topic " + topic) +
                    " (or create the topics yourself and set auto-create-topic=false)");
  }
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return Pass(name, exists ? "allowed (validated only; the topic exists)"
                             : "allowed (validated only; nothing was created)");
  }
  if (e == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR) {
    return Fail(name, fmt::format("allowed, but the broker rejects the topic settings: {}", msg),
                "lower replication-factor in the sink URI");
  }
  return Fail(name, fmt::format("CreateTopics (validate only): {}", msg),
              "check the topic settings in the sink URI");
}

// Write: one record one byte over the topic's limit. The broker authorizes Write before it
// validates the batch size, so nothing is appended either way.
CheckResult CheckWrite(const ConnectionOptions& o, rd_kafka_t* meta_rk, const std::string& topic,
                       bool exists, int timeout) {
  std::string name = "write " + topic;
  if (!exists) {
    return Skip(name,
                "the topic does not exist yet; Write is verified by the first produce after "
                "the sink creates it");
  }
  std::string value, errstr;
  int64_t limit = 0;
  if (DescribeConfig(meta_rk, RD_KAFKA_RESOURCE_TOPIC, topic, "max.message.bytes", timeout, &value,
                     &errstr) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      ToInt(value)) {
    limit = *ToInt(value);
  }
  if (limit <= 0 || limit > 64 * 1024 * 1024) {
    return Skip(name, limit <= 0 ? fmt::format("cannot read the topic's max.message.bytes ({}), "
                                               "so the no-write probe cannot be sized",
                                               errstr)
                                 : "the topic's max.message.bytes is over 64 MiB; not probed");
  }
  Probe probe;
  if (auto e = probe.Init(o, limit); !e.empty()) return Fail(name, e, "fix the sink URI");
  std::string payload(static_cast<size_t>(limit) + 1, '\0');
  std::mt19937_64 rng(std::random_device{}());
  for (size_t i = 0; i + 8 <= payload.size(); i += 8) {
    uint64_t r = rng();
    std::memcpy(payload.data() + i, &r, 8);
  }
  TopicPtr h(rd_kafka_topic_new(probe.rk(), topic.c_str(), nullptr));
  if (rd_kafka_produce(h.get(), 0, RD_KAFKA_MSG_F_COPY, payload.data(), payload.size(), nullptr, 0,
                       nullptr) != 0) {
    return Fail(name,
                fmt::format("cannot queue the probe: {}", rd_kafka_err2str(rd_kafka_last_error())),
                "check max-message-bytes");
  }
  rd_kafka_flush(probe.rk(), std::max<int>(timeout, 1000) * 2);
  if (!probe.delivery_) {
    return Fail(name, "no answer to the produce probe", "check the brokers");
  }
  rd_kafka_resp_err_t e = *probe.delivery_;
  if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || e == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE) {
    return Pass(name, "allowed (probe rejected for size after authorization; nothing written)");
  }
  if (IsAuthz(e)) {
    return Fail(name, "not authorized to write to the topic",
                AclFix(o, "Write", "--topic " + topic));
  }
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Fail(name,
                "the broker accepted a record over the topic's max.message.bytes (one junk record "
                "was written to partition 0)",
                "check max.message.bytes of the topic");
  }
  return Fail(name, fmt::format("produce probe: {}", rd_kafka_err2str(e)), "check the brokers");
}

// reachable <host:port>: a TCP connect to every bootstrap endpoint. True if any answered.
bool CheckReachable(const ConnectionOptions& o, std::vector<CheckResult>* out) {
  bool any_reachable = false;
  for (const auto& b : o.brokers) {
    auto hp = base::ParseHostPort(b, 9092, "broker");
    std::string err = hp.ok() ? base::ProbeTcp(hp->host, hp->port, o.dial_timeout)
                              : hp.status().message();
    if (err.empty()) {
      any_reachable = true;
      out->push_back(Pass("reachable " + b, "TCP connect ok"));
    } else {
      out->push_back(Fail("reachable " + b, err,
                          fmt::format("check that a broker listens on {} and that no firewall "
                                      "blocks it, or remove it from the URI",
                                      b)));
    }
  }
  return any_reachable;
}

// connect: a metadata request with the configured security. Returns a broker id (-1 if none)
// or nullopt when the connection failed (the failure is in *out).
std::optional<int32_t> CheckConnect(Probe& probe, const ConnectionOptions& o, int timeout,
                                    std::vector<CheckResult>* out) {
  if (auto e = probe.Init(o, std::nullopt); !e.empty()) {
    out->push_back(Fail("connect", e, "fix the security settings in the URI"));
    return std::nullopt;
  }
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(probe.rk(), 0, nullptr, &md, timeout);
  rd_kafka_poll(probe.rk(), 0);
  std::string sec = o.SecurityProtocol();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string why = probe.last_error().empty() ? rd_kafka_err2str(err) : probe.last_error();
    std::string fix;
    if (probe.Saw(RD_KAFKA_RESP_ERR__AUTHENTICATION) && why.find("SASL") != std::string::npos) {
      fix = SaslLoginFix(o, "URI");
    } else if (probe.Saw(RD_KAFKA_RESP_ERR__SSL) || why.find("SSL") != std::string::npos ||
               why.find("certificate") != std::string::npos) {
      fix = o.enable_tls ? "check that ca is the CA that signed the brokers' certificates, that "
                           "the broker host name matches the certificate, and cert/key if the "
                           "broker requires client certificates"
                         : "the broker expects TLS: add enable-tls=true and ca=<CA file>";
    } else {
      fix = fmt::format("check that the listener at {} speaks {} (security protocol from the URI)",
                        o.BrokerList(), sec);
    }
    out->push_back(
        Fail("connect", fmt::format("{} handshake or metadata failed: {}", sec, why), fix));
    return std::nullopt;
  }
  MetadataPtr hold(md);
  out->push_back(
      Pass("connect", fmt::format("{} ok; {} broker(s) in the cluster", sec, md->broker_cnt)));
  return md->broker_cnt > 0 ? md->brokers[0].id : -1;
}

// describe-configs cluster: DescribeConfigs of a broker resource.
CheckResult CheckDescribeConfigs(Probe& probe, const ConnectionOptions& o, int32_t broker_id,
                                 int timeout) {
  std::string value, errstr;
  rd_kafka_resp_err_t e =
      DescribeConfig(probe.rk(), RD_KAFKA_RESOURCE_BROKER, std::to_string(broker_id),
                     "message.max.bytes", timeout, &value, &errstr);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Pass("describe-configs cluster",
                fmt::format("allowed; broker {} message.max.bytes={}", broker_id, value));
  }
  if (IsAuthz(e)) {
    return Fail("describe-configs cluster",
                "not authorized to read broker configs (message.max.bytes, min.insync.replicas)",
                AclFix(o, "DescribeConfigs", "--cluster"));
  }
  return Fail("describe-configs cluster", fmt::format("DescribeConfigs: {}", errstr),
              "check the brokers");
}

}  // namespace

std::vector<CheckResult> RunPreflight(const ConnectionOptions& o, const TopicChecks& checks) {
  std::vector<CheckResult> out;
  int timeout = static_cast<int>(std::max<int64_t>(1000, o.dial_timeout.count()));
  if (!CheckReachable(o, &out)) return out;
  Probe probe;
  std::optional<int32_t> broker_id = CheckConnect(probe, o, timeout, &out);
  if (!broker_id) return out;
  std::vector<std::string> topics;
  for (const auto& t : checks.topics) {
    if (std::find(topics.begin(), topics.end(), t) == topics.end()) topics.push_back(t);
  }
  for (const auto& t : topics) {
    bool exists = false;
    out.push_back(CheckDescribe(probe, o, t, timeout, &exists));
    if (!out.back().passed) continue;
    if (checks.write) {
      out.push_back(CheckCreate(probe, o, checks, t, exists, timeout));
      out.push_back(CheckWrite(o, probe.rk(), t, exists, timeout));
    }
  }
  out.push_back(CheckDescribeConfigs(probe, o, *broker_id, timeout));
  return out;
}

}  // namespace sluice::client::kafka
