#include "sink/kafka/connection_test.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

#include "sink/kafka/kafka_conf.h"

namespace sluice::sink::kafka {
namespace {

using internal::EventDeleter;
using internal::MetadataDeleter;
using internal::OptionsDeleter;
using internal::QueueDeleter;
using internal::SetConf;
using Clock = std::chrono::steady_clock;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};

CheckResult Pass(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail), "", false};
}
CheckResult Fail(std::string name, std::string detail, std::string fix) {
  return {std::move(name), false, std::move(detail), std::move(fix), false};
}
CheckResult Skip(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail), "", true};
}

// TCP connect to host:port within `timeout`; empty string on success, else the reason.
std::string TcpConnect(const std::string& hostport, std::chrono::milliseconds timeout) {
  std::string host = hostport, port = "9092";
  auto colon = hostport.rfind(':');
  if (colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return fmt::format("cannot resolve '{}': {}", host, gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> hold(res, freeaddrinfo);
  std::string last = "no address";
  auto deadline = Clock::now() + timeout;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd, POLLOUT, 0};
      r = poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
      if (r == 0) {
        close(fd);
        last = fmt::format("no answer within dial-timeout {} ms", timeout.count());
        continue;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      r = err == 0 ? 0 : -1;
      errno = err;
    }
    if (r == 0) {
      close(fd);
      return "";
    }
    last = std::strerror(errno);
    close(fd);
  }
  return last;
}

std::string Principal(const KafkaSinkOptions& o) {
  if (o.sasl_mechanism != SaslMechanism::kNone && !o.sasl_user.empty()) {
    return "User:" + o.sasl_user;
  }
  if (!o.cert.empty()) return "User:<the subject DN of the client certificate>";
  return "User:ANONYMOUS";
}

std::string AclFix(const KafkaSinkOptions& o, std::string_view op, const std::string& resource) {
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

  std::string Init(const KafkaSinkOptions& o, std::optional<int64_t> max_message) {
    internal::ConfPtr conf(rd_kafka_conf_new());
    rd_kafka_conf_t* c = conf.get();
    auto st = internal::ApplyConnectionConf(c, o);
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
                     std::to_string(std::max<int64_t>(1000, o.write_timeout.count())));
    }
    if (!st.ok()) return st.message();
    rd_kafka_conf_set_opaque(c, this);
    rd_kafka_conf_set_error_cb(c, [](rd_kafka_t*, int err, const char* reason, void* opaque) {
      auto* self = static_cast<Probe*>(opaque);
      if (!internal::KeepsLoginError(self->last_error_code_, err)) {
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

// Reads one config entry of a broker ("broker") or topic resource via DescribeConfigs.
// Returns the error code (NO_ERROR with *value set on success).
rd_kafka_resp_err_t DescribeConfig(rd_kafka_t* rk, rd_kafka_ResourceType_t type,
                                   const std::string& resource, const std::string& name,
                                   int timeout_ms, std::string* value, std::string* errstr) {
  char err[512];
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> ao(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS));
  rd_kafka_AdminOptions_set_request_timeout(ao.get(), timeout_ms, err, sizeof(err));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(rk));
  rd_kafka_ConfigResource_t* cr = rd_kafka_ConfigResource_new(type, resource.c_str());
  rd_kafka_DescribeConfigs(rk, &cr, 1, ao.get(), q.get());
  rd_kafka_ConfigResource_destroy(cr);
  std::unique_ptr<rd_kafka_event_t, EventDeleter> ev(
      rd_kafka_queue_poll(q.get(), timeout_ms + 1000));
  if (!ev) {
    *errstr = "timed out";
    return RD_KAFKA_RESP_ERR__TIMED_OUT;
  }
  if (rd_kafka_event_error(ev.get())) {
    *errstr = rd_kafka_event_error_string(ev.get());
    return rd_kafka_event_error(ev.get());
  }
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_ConfigResource_error(rs[i])) {
      const char* s = rd_kafka_ConfigResource_error_string(rs[i]);
      *errstr = s ? s : rd_kafka_err2str(rd_kafka_ConfigResource_error(rs[i]));
      return rd_kafka_ConfigResource_error(rs[i]);
    }
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** es = rd_kafka_ConfigResource_configs(rs[i], &m);
    for (size_t j = 0; j < m; ++j) {
      if (name == rd_kafka_ConfigEntry_name(es[j]) && rd_kafka_ConfigEntry_value(es[j])) {
        *value = rd_kafka_ConfigEntry_value(es[j]);
        return RD_KAFKA_RESP_ERR_NO_ERROR;
      }
    }
  }
  *errstr = "no entry " + name;
  return RD_KAFKA_RESP_ERR__NOENT;
}

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
CheckResult CheckDescribe(Probe& probe, const KafkaSinkOptions& o, const std::string& topic,
                          int timeout, bool* exists) {
  std::string name = "describe " + topic;
  *exists = false;
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> h(
      rd_kafka_topic_new(probe.rk(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(probe.rk(), 0, h.get(), &md, timeout);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Fail(name, fmt::format("metadata request failed: {}", rd_kafka_err2str(err)),
                "check that the brokers are up and reachable");
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> hold(md);
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
CheckResult CheckCreate(Probe& probe, const KafkaSinkOptions& o, const std::string& topic,
                        bool exists, int timeout) {
  std::string name = "create " + topic;
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), o.partition_num.value_or(3),
                                                  o.replication_factor, err, sizeof(err));
  if (!nt) return Fail(name, err, "fix partition-num / replication-factor");
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> ao(
      rd_kafka_AdminOptions_new(probe.rk(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_validate_only(ao.get(), 1, err, sizeof(err));
  rd_kafka_AdminOptions_set_request_timeout(ao.get(), timeout, err, sizeof(err));
  rd_kafka_AdminOptions_set_operation_timeout(ao.get(), timeout, err, sizeof(err));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> q(rd_kafka_queue_new(probe.rk()));
  rd_kafka_CreateTopics(probe.rk(), &nt, 1, ao.get(), q.get());
  rd_kafka_NewTopic_destroy(nt);
  std::unique_ptr<rd_kafka_event_t, EventDeleter> ev(rd_kafka_queue_poll(q.get(), timeout + 2000));
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
  bool needed = o.auto_create_topic;
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
CheckResult CheckWrite(const KafkaSinkOptions& o, rd_kafka_t* meta_rk, const std::string& topic,
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
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> h(
      rd_kafka_topic_new(probe.rk(), topic.c_str(), nullptr));
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

}  // namespace

std::vector<CheckResult> TestKafkaConnection(const KafkaSinkOptions& o,
                                             const std::vector<std::string>& extra_topics) {
  std::vector<CheckResult> out;
  int timeout = static_cast<int>(std::max<int64_t>(1000, o.dial_timeout.count()));

  bool any_reachable = false;
  for (const auto& b : o.brokers) {
    std::string err = TcpConnect(b, o.dial_timeout);
    if (err.empty()) {
      any_reachable = true;
      out.push_back(Pass("reachable " + b, "TCP connect ok"));
    } else {
      out.push_back(Fail("reachable " + b, err,
                         fmt::format("check that a broker listens on {} and that no firewall "
                                     "blocks it, or remove it from the sink URI",
                                     b)));
    }
  }
  if (!any_reachable) return out;

  Probe probe;
  if (auto e = probe.Init(o, std::nullopt); !e.empty()) {
    out.push_back(Fail("connect", e, "fix the security settings in the sink URI"));
    return out;
  }
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(probe.rk(), 0, nullptr, &md, timeout);
  rd_kafka_poll(probe.rk(), 0);
  std::string sec =
      o.enable_tls ? (o.sasl_mechanism != SaslMechanism::kNone ? "SASL_SSL" : "SSL")
                   : (o.sasl_mechanism != SaslMechanism::kNone ? "SASL_PLAINTEXT" : "PLAINTEXT");
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string why = probe.last_error().empty() ? rd_kafka_err2str(err) : probe.last_error();
    std::string fix;
    if (probe.Saw(RD_KAFKA_RESP_ERR__AUTHENTICATION) && why.find("SASL") != std::string::npos) {
      fix = internal::SaslLoginFix(o);
    } else if (probe.Saw(RD_KAFKA_RESP_ERR__SSL) || why.find("SSL") != std::string::npos ||
               why.find("certificate") != std::string::npos) {
      fix = o.enable_tls ? "check that ca is the CA that signed the brokers' certificates, that "
                           "the broker host name matches the certificate, and cert/key if the "
                           "broker requires client certificates"
                         : "the broker expects TLS: add enable-tls=true and ca=<CA file>";
    } else {
      fix = fmt::format(
          "check that the listener at {} speaks {} (security protocol from the sink URI)",
          o.BrokerList(), sec);
    }
    out.push_back(
        Fail("connect", fmt::format("{} handshake or metadata failed: {}", sec, why), fix));
    return out;
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> hold(md);
  int32_t broker_id = md->broker_cnt > 0 ? md->brokers[0].id : -1;
  out.push_back(
      Pass("connect", fmt::format("{} ok; {} broker(s) in the cluster", sec, md->broker_cnt)));
  hold.reset();

  std::vector<std::string> topics{o.topic};
  for (const auto& t : extra_topics)
    if (std::find(topics.begin(), topics.end(), t) == topics.end()) topics.push_back(t);
  for (const auto& t : topics) {
    bool exists = false;
    out.push_back(CheckDescribe(probe, o, t, timeout, &exists));
    if (!out.back().passed) continue;
    out.push_back(CheckCreate(probe, o, t, exists, timeout));
    out.push_back(CheckWrite(o, probe.rk(), t, exists, timeout));
  }

  std::string value, errstr;
  rd_kafka_resp_err_t e =
      DescribeConfig(probe.rk(), RD_KAFKA_RESOURCE_BROKER, std::to_string(broker_id),
                     "message.max.bytes", timeout, &value, &errstr);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
    out.push_back(Pass("describe-configs cluster",
                       fmt::format("allowed; broker {} message.max.bytes={}", broker_id, value)));
  } else if (IsAuthz(e)) {
    out.push_back(Fail("describe-configs cluster",
                       "not authorized to read broker configs (message.max.bytes, "
                       "min.insync.replicas)",
                       AclFix(o, "DescribeConfigs", "--cluster")));
  } else {
    out.push_back(Fail("describe-configs cluster", fmt::format("DescribeConfigs: {}", errstr),
                       "check the brokers"));
  }
  return out;
}

std::string FormatCheckResults(const std::vector<CheckResult>& results) {
  std::string out;
  for (const auto& r : results) {
    out += fmt::format("{} {}: {}\n",
                       r.skipped  ? "SKIP"
                       : r.passed ? "PASS"
                                  : "FAIL",
                       r.name, r.detail);
    if (!r.passed && !r.fix.empty()) out += fmt::format("  fix: {}\n", r.fix);
  }
  return out;
}

bool AllPassed(const std::vector<CheckResult>& results) {
  return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.passed; });
}

}  // namespace sluice::sink::kafka
