#include "sink/kafka/kafka_sink.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "base/clock.h"
#include "base/logging.h"
#include "client/kafka/kafka_conf.h"
#include "client/kafka/preflight.h"

namespace sluice::sink::kafka {

using client::kafka::CodeFor;
using client::kafka::SetConf;
using Clock = std::chrono::steady_clock;

namespace {

std::shared_ptr<spdlog::logger> Log() {
  static auto logger = base::Logger("sink.kafka");
  return logger;
}

// Parses a broker config value; nullopt if it is not an integer.
std::optional<int64_t> ToInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool IsAuthorizationError(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
         e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
}

constexpr const char* kIdempotentAclFix =
    "required-acks=-1 uses the idempotent producer, which needs Write on the topics (or "
    "IdempotentWrite on the cluster): grant Write on the topic to the sink's principal";

}  // namespace

// A message owned by the sink from Produce() until its delivery report; librdkafka points into
// msg's buffers instead of copying them.
struct KafkaSink::Pending {
  codec::Message msg;
  uint64_t token;
  KafkaSink* sink;
};

KafkaSink::KafkaSink(KafkaSinkOptions options, sink::DeliveryCallback cb)
    : options_(std::move(options)), cb_(std::move(cb)) {}

base::Result<std::unique_ptr<KafkaSink>> KafkaSink::Create(const KafkaSinkOptions& options,
                                                           sink::DeliveryCallback cb) {
  std::unique_ptr<KafkaSink> sink(new KafkaSink(options, std::move(cb)));
  SLUICE_RETURN_IF_ERROR(sink->Init());
  SLUICE_RETURN_IF_ERROR(sink->CheckReachable());
  return sink;
}

base::Status KafkaSink::Init() {
  client::kafka::ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_t* c = conf.get();
  const auto& o = options_;
  SLUICE_RETURN_IF_ERROR(client::kafka::ApplyConnectionConf(c, o.connection, o.write_timeout));
  bool idempotent = o.required_acks == -1;
  SLUICE_RETURN_IF_ERROR(SetConf(c, "acks",
                                 o.required_acks == -1  ? "all"
                                 : o.required_acks == 0 ? "0"
                                                        : "1"));
  SLUICE_RETURN_IF_ERROR(
      SetConf(c, "compression.type", std::string(CompressionName(o.compression))));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "enable.idempotence", idempotent ? "true" : "false"));
  // The idempotent producer keeps order with up to 5 requests in flight; without it, one
  // request per connection keeps retries from reordering messages (as TiCDC does).
  SLUICE_RETURN_IF_ERROR(
      SetConf(c, "max.in.flight.requests.per.connection", idempotent ? "5" : "1"));
  SLUICE_RETURN_IF_ERROR(
      SetConf(c, "retries", std::to_string(std::max(o.max_retry, idempotent ? 1 : 0))));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "linger.ms", "5"));
  SLUICE_RETURN_IF_ERROR(
      SetConf(c, "message.max.bytes",
              std::to_string(std::max<int64_t>(1000000, o.max_message_bytes + 4096))));
  // Bounded queue: Produce() blocks (back-pressure) when it is full. It must hold at least two
  // of the largest messages.
  SLUICE_RETURN_IF_ERROR(
      SetConf(c, "queue.buffering.max.kbytes",
              std::to_string(std::max<int64_t>(65536, 2 * o.max_message_bytes / 1024 + 1))));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "queue.buffering.max.messages", "100000"));
  // Topics are created by PrepareTopic only (partition-num, replication-factor), never as a
  // side effect of a metadata request on a broker with auto.create.topics.enable=true (the
  // producer default would let `sluice check` create a topic with the broker's defaults).
  SLUICE_RETURN_IF_ERROR(SetConf(c, "allow.auto.create.topics", "false"));
  int64_t write_ms = std::max<int64_t>(1, o.write_timeout.count());
  SLUICE_RETURN_IF_ERROR(SetConf(c, "request.timeout.ms", std::to_string(write_ms)));
  SLUICE_RETURN_IF_ERROR(
      SetConf(c, "message.timeout.ms",
              std::to_string(std::max<int64_t>(write_ms * (o.max_retry + 1), 100))));
  rd_kafka_conf_set_opaque(c, this);
  rd_kafka_conf_set_dr_msg_cb(c, &KafkaSink::OnDelivery);
  rd_kafka_conf_set_error_cb(c, &KafkaSink::OnError);
  rd_kafka_conf_set_log_cb(c, &KafkaSink::OnLog);
  // Statistics once a second, only to see a broker come back (UnreachableSinceMs) while nothing
  // is being delivered.
  SLUICE_RETURN_IF_ERROR(SetConf(c, "statistics.interval.ms", "1000"));
  rd_kafka_conf_set_stats_cb(c, &KafkaSink::OnStats);

  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
  if (!rk_) return base::InvalidArgument("cannot create the Kafka producer: {}", err);
  conf.release();  // owned by rk_ now
  return base::Status::Ok();
}

base::Status KafkaSink::CheckReachable() {
  const rd_kafka_metadata_t* md = nullptr;
  int timeout = static_cast<int>(options_.connection.dial_timeout.count());
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, nullptr, &md, timeout);
  rd_kafka_poll(rk_, 0);  // serve error callbacks that explain the failure
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string reason = rd_kafka_err2str(err);
    if (!last_error_.empty()) reason += ": " + last_error_;
    // Authentication and TLS failures are not transient: name the setting to fix.
    if (last_error_code_ == RD_KAFKA_RESP_ERR__AUTHENTICATION &&
        last_error_.find("SASL") != std::string::npos) {
      return base::FailedPrecondition("SASL authentication to Kafka at {} failed ({}); {}",
                                      options_.BrokerList(), last_error_,
                                      client::kafka::SaslLoginFix(options_.connection, "sink URI"));
    }
    if (last_error_code_ == RD_KAFKA_RESP_ERR__SSL ||
        (last_error_code_ == RD_KAFKA_RESP_ERR__AUTHENTICATION &&
         last_error_.find("SSL") != std::string::npos)) {
      return base::FailedPrecondition(
          "TLS handshake with Kafka at {} failed ({}); check that ca is the CA that signed the "
          "brokers' certificates and that cert/key are right",
          options_.BrokerList(), last_error_);
    }
    return base::Unavailable("cannot reach Kafka at {} ({}); check the broker list in the sink URI",
                             options_.BrokerList(), reason);
  }
  client::kafka::MetadataPtr hold(md);
  if (md->broker_cnt > 0) broker_id_ = md->brokers[0].id;
  hold.reset();
  if (broker_id_ >= 0) {
    auto v = DescribeConfig(true, std::to_string(broker_id_), "message.max.bytes");
    if (v.ok() && ToInt(*v)) {
      broker_max_message_bytes_ = *ToInt(*v);
    } else {
      Log()->warn(
          "cannot read the broker's message.max.bytes ({}); grant DescribeConfigs on the "
          "cluster so the sink can check message sizes",
          v.status().message());
    }
  }
  Log()->info("connected to Kafka {} (acks={}, compression={})", options_.BrokerList(),
              options_.required_acks, CompressionName(options_.compression));
  return base::Status::Ok();
}

KafkaSink::~KafkaSink() {
  if (!rk_) return;
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, static_cast<int>(options_.write_timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log()->warn("closing the Kafka sink with {} undelivered messages; they are purged",
                rd_kafka_outq_len(rk_));
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_, 1000);
    rd_kafka_poll(rk_, 0);
  }
  for (auto& [name, h] : handles_) rd_kafka_topic_destroy(h);
  rd_kafka_destroy(rk_);
}

rd_kafka_topic_t* KafkaSink::TopicHandle(const std::string& topic) {
  auto it = handles_.find(topic);
  if (it != handles_.end()) return it->second;
  rd_kafka_topic_t* h = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  if (h) handles_.emplace(topic, h);
  return h;
}

base::Result<int32_t> KafkaSink::TopicPartitions(const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* h = TopicHandle(topic);
  if (!h)
    return base::InvalidArgument("topic '{}' cannot be used: {}", topic,
                                 rd_kafka_err2str(rd_kafka_last_error()));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, h, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Status(
        CodeFor(err) == base::Code::kInternal ? base::Code::kUnavailable : CodeFor(err),
        fmt::format("metadata of topic '{}' from {}: {}", topic, options_.BrokerList(),
                    rd_kafka_err2str(err)));
  }
  client::kafka::MetadataPtr hold(md);
  if (md->topic_cnt < 1) return 0;
  const auto& t = md->topics[0];
  if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return 0;
  if (t.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
    return base::FailedPrecondition(
        "not authorized to describe topic '{}'; grant Describe, Write and Create on it", topic);
  }
  if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Unavailable("metadata of topic '{}': {}", topic, rd_kafka_err2str(t.err));
  }
  for (int i = 0; i < t.partition_cnt; ++i) {
    if (t.partitions[i].leader < 0) {
      return base::Unavailable("topic '{}' partition {} has no leader yet", topic, i);
    }
  }
  return t.partition_cnt;
}

base::Result<std::string> KafkaSink::DescribeConfig(bool broker, const std::string& resource,
                                                    const std::string& name) {
  int timeout = static_cast<int>(
      std::max(options_.connection.dial_timeout, options_.connection.read_timeout).count());
  return client::kafka::DescribeConfigValue(
      rk_, broker ? RD_KAFKA_RESOURCE_BROKER : RD_KAFKA_RESOURCE_TOPIC, resource, name, timeout);
}

base::Status KafkaSink::CreateTopic(const std::string& topic, int32_t partitions) {
  int timeout = static_cast<int>(std::max(options_.connection.dial_timeout, options_.write_timeout).count());
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions,
                                                  options_.replication_factor, err, sizeof(err));
  if (!nt) return base::InvalidArgument("cannot create topic '{}': {}", topic, err);
  client::kafka::AdminOptionsPtr ao(
      rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_operation_timeout(ao.get(), timeout, err, sizeof(err));
  rd_kafka_AdminOptions_set_request_timeout(ao.get(), timeout, err, sizeof(err));
  client::kafka::QueuePtr q(rd_kafka_queue_new(rk_));
  rd_kafka_CreateTopics(rk_, &nt, 1, ao.get(), q.get());
  rd_kafka_NewTopic_destroy(nt);
  client::kafka::EventPtr ev(rd_kafka_queue_poll(q.get(), timeout + 2000));
  if (!ev) return base::DeadlineExceeded("creating topic '{}' timed out", topic);
  if (rd_kafka_event_error(ev.get())) {
    return base::Status(
        CodeFor(rd_kafka_event_error(ev.get())) == base::Code::kInternal
            ? base::Code::kUnavailable
            : CodeFor(rd_kafka_event_error(ev.get())),
        fmt::format("creating topic '{}': {}", topic, rd_kafka_event_error_string(ev.get())));
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** trs =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(trs[i]);
    const char* msg = rd_kafka_topic_result_error_string(trs[i]);
    switch (e) {
      case RD_KAFKA_RESP_ERR_NO_ERROR:
      case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:  // created concurrently: fine
        break;
      case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
        return base::InvalidArgument(
            "cannot create topic '{}': {}; lower replication-factor in the sink URI (now {})",
            topic, msg ? msg : rd_kafka_err2str(e), options_.replication_factor);
      case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
        return base::InvalidArgument("cannot create topic '{}': {}; fix partition-num", topic,
                                     msg ? msg : rd_kafka_err2str(e));
      case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        return base::FailedPrecondition(
            "not authorized to create topic '{}'; grant Create on the topic or create it yourself",
            topic);
      default:
        return base::Status(
            CodeFor(e) == base::Code::kInternal ? base::Code::kUnavailable : CodeFor(e),
            fmt::format("cannot create topic '{}': {}", topic, msg ? msg : rd_kafka_err2str(e)));
    }
  }
  Log()->info("created topic '{}' with {} partitions, replication factor {}", topic, partitions,
              options_.replication_factor);
  return base::Status::Ok();
}

base::Status KafkaSink::CheckCreatable(const std::string& topic) {
  if (!options_.auto_create_topic) {
    return base::NotFound(
        "topic '{}' does not exist and auto-create-topic=false; create the topic or set "
        "auto-create-topic=true in the sink URI",
        topic);
  }
  if (options_.required_acks == -1 && broker_id_ >= 0) {
    auto isr = DescribeConfig(true, std::to_string(broker_id_), "min.insync.replicas");
    if (isr.ok() && ToInt(*isr) && options_.replication_factor < *ToInt(*isr)) {
      return base::FailedPrecondition(
          "replication-factor {} is below the broker's min.insync.replicas {}, so writes with "
          "required-acks=-1 would fail; raise replication-factor in the sink URI",
          options_.replication_factor, *isr);
    }
  }
  return base::Status::Ok();
}

base::Status KafkaSink::CheckPartitionNum(const std::string& topic, int32_t actual) {
  if (options_.partition_num && *options_.partition_num > actual) {
    return base::InvalidArgument(
        "partition-num {} is greater than the {} partitions of topic '{}'; lower partition-num "
        "in the sink URI or add partitions to the topic",
        *options_.partition_num, actual, topic);
  }
  return base::Status::Ok();
}

base::Status KafkaSink::CheckTopic(const std::string& topic) {
  int timeout = static_cast<int>(options_.connection.dial_timeout.count());
  auto r = TopicPartitions(topic, timeout);
  if (!r.ok()) return r.status();
  if (*r == 0) {
    SLUICE_RETURN_IF_ERROR(CheckCreatable(topic));
    Log()->info("topic '{}' does not exist; the changefeed creates it with {} partitions (check "
                "created nothing)",
                topic, options_.partition_num.value_or(kDefaultPartitionNum));
    return base::Status::Ok();
  }
  return CheckPartitionNum(topic, *r);
}

base::Result<int32_t> KafkaSink::PrepareTopic(const std::string& topic) {
  int timeout = static_cast<int>(options_.connection.dial_timeout.count());
  int32_t actual = 0;
  bool created = false;
  {
    auto r = TopicPartitions(topic, timeout);
    if (!r.ok() && r.status().code() != base::Code::kUnavailable) return r.status();
    actual = r.ok() ? *r : -1;  // -1: exists but not ready (no leader yet)
  }
  if (actual == 0) {
    SLUICE_RETURN_IF_ERROR(CheckCreatable(topic));
    SLUICE_RETURN_IF_ERROR(
        CreateTopic(topic, options_.partition_num.value_or(kDefaultPartitionNum)));
    created = true;
  }
  // Wait until the metadata shows every partition with a leader.
  auto deadline = Clock::now() + std::max(options_.connection.dial_timeout, options_.write_timeout);
  while (true) {
    auto r = TopicPartitions(topic, timeout);
    if (r.ok() && *r > 0) {
      actual = *r;
      // Metadata can name a leader before that broker serves the partition; writes with
      // acks=0 would then be dropped silently. Wait until every leader answers ListOffsets.
      if (!created || PartitionsServed(topic, actual, timeout)) break;
    }
    if (!r.ok() && r.status().code() != base::Code::kUnavailable) return r.status();
    if (Clock::now() > deadline) {
      return base::Unavailable("topic '{}' is not ready (no partition leaders) after {} ms: {}",
                               topic,
                               std::max(options_.connection.dial_timeout, options_.write_timeout).count(),
                               r.ok() ? "not in metadata yet" : r.status().message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  int32_t use = actual;
  SLUICE_RETURN_IF_ERROR(CheckPartitionNum(topic, actual));
  if (options_.partition_num) {
    if (*options_.partition_num < actual) {
      Log()->warn(
          "topic '{}' has {} partitions but partition-num={}; only partitions 0..{} "
          "receive data",
          topic, actual, *options_.partition_num, *options_.partition_num - 1);
    }
    use = *options_.partition_num;
  }

  // Message size limit: the topic's max.message.bytes (it inherits the broker's
  // message.max.bytes unless overridden), minus TiCDC's safety margin.
  int64_t limit = options_.max_message_bytes;
  auto topic_max = DescribeConfig(false, topic, "max.message.bytes");
  if (!topic_max.ok() && broker_id_ >= 0) {
    Log()->warn("cannot read max.message.bytes of topic '{}' ({}); using the broker's limit", topic,
                topic_max.status().message());
    topic_max = DescribeConfig(true, std::to_string(broker_id_), "message.max.bytes");
  }
  if (topic_max.ok() && ToInt(*topic_max)) {
    int64_t v = *ToInt(*topic_max);
    if (v - kMaxMessageBytesMargin < limit) {
      Log()->info("topic '{}': max.message.bytes={} caps max-message-bytes {} to {}", topic, v,
                  options_.max_message_bytes, v - kMaxMessageBytesMargin);
      limit = v - kMaxMessageBytesMargin;
    }
  } else {
    Log()->warn("cannot read the message size limit of topic '{}' ({}); using max-message-bytes={}",
                topic, topic_max.status().message(), limit);
  }
  TopicState& st = topics_[topic];
  st.partitions = use;
  st.topic_partitions = actual;
  st.max_message_bytes = std::max<int64_t>(1, limit);
  st.handle = TopicHandle(topic);
  return use;
}

bool KafkaSink::PartitionsServed(const std::string& topic, int32_t partitions, int timeout_ms) {
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lo, &hi, timeout_ms) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return false;
    }
  }
  return true;
}

int64_t KafkaSink::effective_max_message_bytes(const std::string& topic) const {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second.max_message_bytes;
  int64_t limit = options_.max_message_bytes;
  if (broker_max_message_bytes_ > 0)
    limit = std::min(limit, broker_max_message_bytes_ - kMaxMessageBytesMargin);
  return limit;
}

base::Status KafkaSink::Produce(const std::string& topic, int32_t partition, codec::Message msg,
                                uint64_t token) {
  int64_t size = static_cast<int64_t>((msg.key ? msg.key->size() : 0) + msg.value.size()) +
                 kMessageOverheadBytes;
  int64_t limit = effective_max_message_bytes(topic);
  if (size > limit) {
    return base::ResourceExhausted(
        "message of {} bytes for topic '{}' exceeds the max message size {} (max-message-bytes "
        "capped by the topic's max.message.bytes - 128); raise max-message-bytes and the topic's "
        "max.message.bytes, or shrink the message",
        size, topic, limit);
  }
  rd_kafka_topic_t* rkt;
  auto it = topics_.find(topic);
  if (it != topics_.end()) {
    if (partition < 0 || partition >= it->second.topic_partitions) {
      return base::InvalidArgument("partition {} is out of range for topic '{}' with {} partitions",
                                   partition, topic, it->second.topic_partitions);
    }
    rkt = it->second.handle;
  } else {
    rkt = TopicHandle(topic);
    if (!rkt) return base::InvalidArgument("topic '{}' cannot be used", topic);
  }

  auto* p = new Pending{std::move(msg), token, this};
  // Set on the first QUEUE_FULL only: a clock read per message showed in the drain profile.
  std::optional<Clock::time_point> deadline;
  while (true) {
    void* key = p->msg.key ? p->msg.key->data() : nullptr;
    size_t key_len = p->msg.key ? p->msg.key->size() : 0;
    // No RD_KAFKA_MSG_F_COPY/FREE: librdkafka borrows the buffers until OnDelivery deletes p.
    // A tombstone is a null payload (NULL pointer), which Kafka keeps distinct from an empty one.
    void* value = p->msg.null_value ? nullptr : p->msg.value.data();
    size_t value_len = p->msg.null_value ? 0 : p->msg.value.size();
    if (rd_kafka_produce(rkt, partition, 0, value, value_len, key, key_len, p) == 0) {
      return base::Status::Ok();
    }
    rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      ++queue_full_waits_;
      if (!deadline) {
        deadline = Clock::now() + options_.write_timeout * (options_.max_retry + 1) +
                   std::chrono::seconds(5);
      }
      if (Clock::now() > *deadline) {
        delete p;
        return base::DeadlineExceeded(
            "the Kafka producer queue stayed full for {} ms; the brokers at {} do not keep up",
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.write_timeout *
                                                                  (options_.max_retry + 1))
                .count(),
            options_.BrokerList());
      }
      rd_kafka_poll(rk_, 10);  // back-pressure: serve delivery reports to free queue space
      continue;
    }
    delete p;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_, reason, sizeof(reason));
      if (IsAuthorizationError(cause)) {
        return base::FailedPrecondition("the Kafka producer was refused: {}; {}", reason,
                                        kIdempotentAclFix);
      }
      return base::DataLoss("the Kafka producer failed fatally: {}; restart the pipeline", reason);
    }
    return base::Status(CodeFor(err),
                        fmt::format("cannot queue a message for '{}' partition {}: {}", topic,
                                    partition, rd_kafka_err2str(err)));
  }
}

void KafkaSink::OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(m->_private));
  if (!p) return;
  KafkaSink* self = p->sink;
  base::Status status;
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    base::Code code = CodeFor(m->err);
    std::string reason = rd_kafka_err2str(m->err);
    if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
      code = base::Code::kCancelled;
    } else if (m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
      reason = fmt::format("{}; grant Write (and Describe) on the topic to the sink's principal",
                           reason);
    } else if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, buf, sizeof(buf));
      reason = buf;
      // The idempotent producer's InitProducerId was refused: an ACL problem, not data loss.
      if (IsAuthorizationError(cause)) {
        code = base::Code::kFailedPrecondition;
        reason = fmt::format("{}; {}", reason, kIdempotentAclFix);
      }
    }
    status = base::Status(code, fmt::format("delivery to topic '{}' partition {} failed: {}",
                                            rd_kafka_topic_name(m->rkt), m->partition, reason));
  }
  if (status.ok() && self->unreachable_since_ms_.load(std::memory_order_relaxed) != 0) {
    self->MarkReachable("a delivery succeeded");
  }
  if (self->cb_) self->cb_(p->token, status);
}

void KafkaSink::MarkReachable(const char* how) {
  int64_t since = unreachable_since_ms_.exchange(0);
  if (since == 0) return;
  Log()->info("Kafka at {} is reachable again after {} ms ({})", options_.BrokerList(),
              std::max<int64_t>(0, base::UnixNowMs() - since), how);
}

int KafkaSink::OnStats(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  // Only broker objects carry a "state" key in a producer's statistics (their connection
  // state: INIT, DOWN, CONNECT, ..., UP), so this finds a broker that is up.
  if (self->unreachable_since_ms_.load(std::memory_order_relaxed) != 0 &&
      std::string_view(json, len).find("\"state\":\"UP\"") != std::string_view::npos) {
    self->MarkReachable("a broker is up");
  }
  return 0;  // librdkafka frees the JSON
}

void KafkaSink::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaSink*>(opaque);
  // "2/2 brokers are down". librdkafka also sends this code with "0/2 brokers are down" as
  // brokers come and go: only all of them down counts.
  int down = -1, total = -2;
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && reason &&
      std::sscanf(reason, "%d/%d brokers are down", &down, &total) == 2 && down == total &&
      total > 0) {
    int64_t none = 0;
    self->unreachable_since_ms_.compare_exchange_strong(none, base::UnixNowMs());
  }
  if (!client::kafka::KeepsLoginError(self->last_error_code_, err)) {
    self->last_error_ = reason ? reason : "";
    self->last_error_code_ = err;
  }
  Log()->warn("kafka client: {} ({})", reason ? reason : "",
              rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
}

void KafkaSink::OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto lvl = level <= 3   ? spdlog::level::err
             : level <= 4 ? spdlog::level::warn
             : level <= 6 ? spdlog::level::info
                          : spdlog::level::debug;
  Log()->log(lvl, "librdkafka {}: {}", fac, buf);
}

void KafkaSink::Poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }

base::Status KafkaSink::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return base::DeadlineExceeded("{} Kafka messages still undelivered after {} ms",
                                  rd_kafka_outq_len(rk_), timeout_ms);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Status(CodeFor(err), fmt::format("flush: {}", rd_kafka_err2str(err)));
  }
  return base::Status::Ok();
}

int KafkaSink::OutstandingMessages() const { return rd_kafka_outq_len(rk_); }

std::vector<base::CheckResult> CheckKafkaSink(const KafkaSinkOptions& options,
                                              const std::vector<std::string>& extra_topics) {
  client::kafka::TopicChecks checks;
  checks.topics.push_back(options.topic);
  checks.topics.insert(checks.topics.end(), extra_topics.begin(), extra_topics.end());
  checks.partition_num = options.partition_num;
  checks.replication_factor = options.replication_factor;
  checks.auto_create_topic = options.auto_create_topic;
  return client::kafka::RunPreflight(options.connection, checks);
}

}  // namespace sluice::sink::kafka
