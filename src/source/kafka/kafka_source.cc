#include "source/kafka/kafka_source.h"

#include <algorithm>

#include <librdkafka/rdkafka.h>

#include "base/logging.h"
#include "codec/canal_json/canal_json_row_decoder.h"
#include "codec/debezium/debezium_decoder.h"
#include "codec/plain_json/plain_json_decoder.h"
#include "model/time_zone.h"
#include "sink/kafka/kafka_conf.h"

namespace sluice::source::kafka {

namespace {

auto Log() {
  static auto logger = base::Logger("source.kafka");
  return logger;
}

using sink::kafka::internal::SetConf;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

// The first bytes of a value, printable, for error messages.
std::string Preview(const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  for (size_t i = 0; i < len && i < 40; ++i) {
    out.push_back(p[i] >= 0x20 && p[i] < 0x7F ? static_cast<char>(p[i]) : '.');
  }
  if (len > 40) out += "...";
  return out;
}

std::string TopicList(const KafkaSourceOptions& o) {
  std::string out;
  for (const auto& t : o.topics) out += (out.empty() ? "" : ",") + t;
  return out;
}

}  // namespace

// librdkafka's callbacks, with the exact C signatures.
struct KafkaSourceCallbacks {
  static void Rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* parts, void* opaque) {
    static_cast<KafkaSource*>(opaque)->OnRebalance(static_cast<int>(err), parts);
  }
  static void Error(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    self->last_error_code_ = err;
    self->last_error_ = reason ? reason : "";
  }
  static void LogLine(const rd_kafka_t*, int level, const char* fac, const char* buf) {
    auto lvl = level <= 3   ? spdlog::level::err
               : level <= 4 ? spdlog::level::warn
               : level <= 6 ? spdlog::level::info
                            : spdlog::level::debug;
    Log()->log(lvl, "librdkafka {}: {}", fac, buf);
  }
};

KafkaSource::KafkaSource(KafkaSourceOptions options) : options_(std::move(options)) {}

KafkaSource::~KafkaSource() { Close(); }

base::Status KafkaSource::Check(const KafkaSourceOptions& options) {
  KafkaSource probe(options);
  base::Status st = probe.Connect(/*subscribe=*/false);
  probe.Close();
  return st;
}

base::Status KafkaSource::Connect(bool subscribe) {
  const auto& c = options_.connection;
  sink::kafka::internal::ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_t* cf = conf.get();
  SLUICE_RETURN_IF_ERROR(sink::kafka::internal::ApplyConnectionConf(cf, c));
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "group.id", options_.group_id));
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "enable.auto.commit", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "enable.auto.offset.store", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "auto.offset.reset",
                                 options_.start == StartFrom::kEarliest ? "earliest" : "latest"));
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "enable.partition.eof", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "allow.auto.create.topics", "false"));
  SLUICE_RETURN_IF_ERROR(
      SetConf(cf, "session.timeout.ms", std::to_string(options_.session_timeout_ms)));
  // Regex subscriptions see new matching topics within this interval (default 5 minutes).
  SLUICE_RETURN_IF_ERROR(SetConf(cf, "topic.metadata.refresh.interval.ms", "10000"));
  rd_kafka_conf_set_opaque(cf, this);
  rd_kafka_conf_set_error_cb(cf, &KafkaSourceCallbacks::Error);
  rd_kafka_conf_set_log_cb(cf, &KafkaSourceCallbacks::LogLine);
  if (subscribe) rd_kafka_conf_set_rebalance_cb(cf, &KafkaSourceCallbacks::Rebalance);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, cf, err, sizeof(err));
  if (!rk_) return base::InvalidArgument("cannot create the Kafka consumer: {}", err);
  conf.release();
  rd_kafka_poll_set_consumer(rk_);

  // Reachability, TLS and SASL: one metadata request within dial-timeout.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t merr =
      rd_kafka_metadata(rk_, 1, nullptr, &md, static_cast<int>(c.dial_timeout.count()));
  if (merr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string reason = rd_kafka_err2str(merr);
    if (!last_error_.empty()) reason += ": " + last_error_;
    if (last_error_code_ == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
      return base::FailedPrecondition(
          "source URI: authentication to Kafka at {} failed ({}); check sasl-user, "
          "sasl-password, sasl-mechanism and the TLS settings (ca, cert, key){}",
          c.BrokerList(), reason, sink::kafka::internal::ScramCompatibilityHint(c));
    }
    if (last_error_code_ == RD_KAFKA_RESP_ERR__SSL) {
      return base::FailedPrecondition(
          "source URI: TLS handshake with Kafka at {} failed ({}); check ca, cert and key",
          c.BrokerList(), reason);
    }
    return base::Unavailable("cannot reach Kafka at {} ({}); check the brokers in the source URI",
                             c.BrokerList(), reason);
  }
  std::unique_ptr<const rd_kafka_metadata_t, sink::kafka::internal::MetadataDeleter> hold(md);
  if (!options_.topics_is_regex) {
    for (const auto& t : options_.topics) {
      bool found = false;
      for (int i = 0; i < md->topic_cnt; ++i) {
        if (t == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          found = true;
        }
      }
      if (!found) {
        return base::NotFound(
            "source URI: topic '{}' does not exist on {} (or this user may not describe it); "
            "create it, fix topics=, or grant Describe and Read on it",
            t, c.BrokerList());
      }
    }
  }
  hold.reset();
  if (!subscribe) return base::Status::Ok();

  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
  for (const auto& t : options_.topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t serr = rd_kafka_subscribe(rk_, list.get());
  if (serr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::InvalidArgument("source URI: subscribing to topics={} failed: {}",
                                 TopicList(options_), rd_kafka_err2str(serr));
  }
  return base::Status::Ok();
}

base::Status KafkaSource::Open(const model::SourcePosition& start) {
  Close();
  fallback_ = start.kafka;
  position_ = start.kafka;
  committed_.clear();
  assigned_.clear();
  rebalance_error_ = base::Status::Ok();
  last_error_.clear();
  last_error_code_ = 0;
  switch (options_.format) {
    case Format::kJson:
      decoder_ = std::make_unique<codec::plain_json::PlainJsonDecoder>(options_.json);
      break;
    case Format::kCanalJson: {
      codec::canal_json::CanalJsonRowDecoderOptions o;
      SLUICE_ASSIGN_OR_RETURN(o.time_zone, model::TimeZone::Parse(options_.time_zone));
      decoder_ = std::make_unique<codec::canal_json::CanalJsonRowDecoder>(std::move(o));
      break;
    }
    case Format::kDebezium:
      decoder_ = std::make_unique<codec::debezium::DebeziumDecoder>();
      break;
  }
  base::Status st = Connect(/*subscribe=*/true);
  if (!st.ok()) {
    Close();
    return st;
  }
  Log()->info("kafka source: group {} subscribed to {} ({}, {}) at {}", options_.group_id,
              TopicList(options_), FormatName(options_.format),
              options_.topics_is_regex ? "regex" : "list", options_.connection.BrokerList());
  return base::Status::Ok();
}

void KafkaSource::OnRebalance(int err, rd_kafka_topic_partition_list_t* parts) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // Committed group offsets first; the checkpoint for partitions the group never committed.
    rd_kafka_resp_err_t cerr = rd_kafka_committed(rk_, parts, 10000);
    if (cerr != RD_KAFKA_RESP_ERR_NO_ERROR && rebalance_error_.ok()) {
      rebalance_error_ =
          base::Unavailable("kafka source: reading the committed offsets of group {} failed: {}",
                            options_.group_id, rd_kafka_err2str(cerr));
    }
    for (int i = 0; i < parts->cnt; ++i) {
      auto& p = parts->elems[i];
      model::KafkaPartition tp{p.topic, p.partition};
      assigned_.insert(tp);
      std::string from;
      if (p.offset >= 0) {
        committed_[tp] = model::KafkaOffset{p.offset};
        from = fmt::format("committed offset {}", p.offset);
      } else if (auto it = fallback_.find(tp); it != fallback_.end()) {
        p.offset = it->second.value;
        from = fmt::format("checkpoint offset {}", p.offset);
      } else {
        p.offset = RD_KAFKA_OFFSET_INVALID;  // auto.offset.reset
        from = options_.start == StartFrom::kEarliest ? "the earliest offset" : "the end";
      }
      Log()->info("kafka source: assigned {}[{}], starting at {}", p.topic, p.partition, from);
    }
    rd_kafka_assign(rk_, parts);
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    for (int i = 0; i < parts->cnt; ++i) {
      assigned_.erase(model::KafkaPartition{parts->elems[i].topic, parts->elems[i].partition});
    }
    Log()->info(
        "kafka source: {} partitions revoked (uncommitted messages will be read again "
        "by their next owner)",
        parts->cnt);
    rd_kafka_assign(rk_, nullptr);
  } else {
    if (rebalance_error_.ok()) {
      rebalance_error_ =
          base::Unavailable("kafka source: rebalance of group {} failed: {}", options_.group_id,
                            rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
    }
    assigned_.clear();
    rd_kafka_assign(rk_, nullptr);
  }
}

base::Status KafkaSource::HandleMessage(const void* msg, std::vector<model::ChangeEvent>* out) {
  const auto* m = static_cast<const rd_kafka_message_t*>(msg);
  std::string topic = rd_kafka_topic_name(m->rkt);
  codec::KafkaRecord rec;
  rec.topic = topic;
  rec.partition = m->partition;
  rec.offset = m->offset;
  if (m->key) rec.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) rec.value = std::string_view(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t ts_type;
  rec.timestamp_ms = rd_kafka_message_timestamp(m, &ts_type);

  base::Status st = decoder_->Decode(rec, &decoded_);
  if (!st.ok()) {
    if (decoded_.not_json && options_.ignore_non_json) {
      uint64_t n = ++skipped_non_json_;
      Log()->warn(
          "kafka source: skipped the non-JSON message at topic {} partition {} offset {} "
          "(ignore-non-json=true; {} skipped so far)",
          topic, m->partition, m->offset, n);
      decoded_.events.clear();
    } else if (decoded_.not_json) {
      return base::FailedPrecondition(
          "kafka source: the message at topic {} partition {} offset {} is not a JSON object "
          "(value starts with '{}'); fix or remove the producer of that message, or add "
          "ignore-non-json=true to the source URI to skip such messages",
          topic, m->partition, m->offset, Preview(m->payload, m->len));
    } else {
      return base::InvalidArgument(
          "kafka source: cannot decode the message at topic {} partition {} offset {} as {}: "
          "{}; fix the producer of that message, or format= in the source URI",
          topic, m->partition, m->offset, FormatName(options_.format), st.message());
    }
  }
  // Every row must carry its key: it is applied, partitioned and deleted by it. (Without the
  // check the database sink would blame a binlog setting for the hole.)
  for (const auto& ev : decoded_.events) {
    if (ev.kind != model::ChangeEvent::Kind::kRow) continue;
    const auto& row = ev.row;
    const auto& t = *row.table;
    for (const auto* image : {&row.before, &row.after}) {
      if (image->empty()) continue;
      for (size_t k : t.primary_key) {
        if (k < image->size() && !(*image)[k].is_absent()) continue;
        return base::InvalidArgument(
            "kafka source: the message at topic {} partition {} offset {} ({}) holds {} row of "
            "{}.{} whose {} image lacks key column '{}'; every row needs its key columns: fix "
            "the producer of that message{}",
            topic, m->partition, m->offset, FormatName(options_.format),
            row.op == model::RowOp::kInsert   ? "an INSERT"
            : row.op == model::RowOp::kUpdate ? "an UPDATE"
                                              : "a DELETE",
            t.schema, t.table, image == &row.before ? "old" : "new", t.columns[k].name,
            options_.format == Format::kJson ? ", or key-columns= in the source URI" : "");
      }
    }
  }

  model::KafkaPartition tp{topic, m->partition};
  std::optional<model::KafkaOffset> previous;
  if (auto it = position_.find(tp); it != position_.end()) previous = it->second;
  position_[tp] = model::KafkaOffset{m->offset + 1};

  model::TxnInfo txn;
  txn.commit_time_ms = rec.timestamp_ms > 0 ? static_cast<uint64_t>(rec.timestamp_ms) : 0;
  if (!decoded_.events.empty() && decoded_.events.front().txn.commit_time_ms > 0) {
    txn.commit_time_ms = decoded_.events.front().txn.commit_time_ms;
  }
  txn.commit_ts = std::max(last_commit_ts_ + 1, txn.commit_time_ms << 18);
  last_commit_ts_ = txn.commit_ts;

  if (decoded_.events.empty()) {
    model::ChangeEvent hb;
    hb.kind = model::ChangeEvent::Kind::kHeartbeat;
    hb.txn = txn;
    hb.position.kafka = position_;
    out->push_back(std::move(hb));
    return base::Status::Ok();
  }
  size_t n = decoded_.events.size();
  for (size_t i = 0; i < n; ++i) {
    auto& ev = decoded_.events[i];
    ev.txn = txn;
    if (ev.kind == model::ChangeEvent::Kind::kDdl) {
      // A DDL is a commit point: only the last event of the message may carry the position
      // past it; an earlier one resumes at this message again.
      ev.position.kafka = position_;
      if (i + 1 < n) {
        if (previous) {
          ev.position.kafka[tp] = *previous;
        } else {
          ev.position.kafka.erase(tp);
        }
      }
    }
    out->push_back(std::move(ev));
  }
  if (out->back().kind != model::ChangeEvent::Kind::kDdl) {
    model::ChangeEvent commit;
    commit.kind = model::ChangeEvent::Kind::kCommit;
    commit.txn = txn;
    commit.position.kafka = position_;
    out->push_back(std::move(commit));
  }
  return base::Status::Ok();
}

base::Status KafkaSource::Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                               std::chrono::milliseconds wait) {
  if (!rk_) return base::FailedPrecondition("kafka source: Read() before Open()");
  int timeout = static_cast<int>(wait.count());
  while (out->size() < max_events) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout);
    timeout = 0;
    if (!rebalance_error_.ok()) {
      if (m) rd_kafka_message_destroy(m);
      return rebalance_error_;
    }
    if (!m) break;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> hold(
        m, rd_kafka_message_destroy);
    if (m->err) {
      switch (m->err) {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
          continue;
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
          return base::NotFound(
              "kafka source: topic {} does not exist ({}); create it or fix "
              "topics= in the source URI",
              m->rkt ? rd_kafka_topic_name(m->rkt) : TopicList(options_),
              rd_kafka_message_errstr(m));
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
          return base::FailedPrecondition(
              "kafka source: not authorized to read topic {}; grant Read and Describe on it "
              "to the source URI's user",
              m->rkt ? rd_kafka_topic_name(m->rkt) : TopicList(options_));
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
          return base::FailedPrecondition(
              "kafka source: not authorized to use consumer group {}; grant Read on the group "
              "to the source URI's user",
              options_.group_id);
        default: {
          char buf[256];
          if (rd_kafka_fatal_error(rk_, buf, sizeof(buf)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return base::Internal("kafka source: fatal consumer error: {}", buf);
          }
          // Transient (broker down, leader change): librdkafka retries by itself.
          Log()->warn("kafka source: {}", rd_kafka_message_errstr(m));
          continue;
        }
      }
    }
    SLUICE_RETURN_IF_ERROR(HandleMessage(m, out));
  }
  return base::Status::Ok();
}

void KafkaSource::Acknowledge(const model::SourcePosition& durable) {
  if (!rk_) return;
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(durable.kafka.size())));
  for (const auto& [tp, offset] : durable.kafka) {
    if (!assigned_.count(tp)) continue;  // another member owns it now
    auto it = committed_.find(tp);
    if (it != committed_.end() && it->second == offset) continue;
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
        offset.value;
  }
  if (list->cnt == 0) return;
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), /*async=*/0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // The checkpoint is stored; the next Acknowledge retries. A restart before that re-reads
    // from the older committed offsets (at-least-once).
    Log()->warn(
        "kafka source: committing offsets of group {} failed: {} (retried at the next "
        "checkpoint)",
        options_.group_id, rd_kafka_err2str(err));
    return;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      committed_[model::KafkaPartition{p.topic, p.partition}] = model::KafkaOffset{p.offset};
    }
  }
}

void KafkaSource::Close() {
  if (!rk_) return;
  rd_kafka_consumer_close(rk_);  // leaves the group; commits nothing (auto commit is off)
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  assigned_.clear();
}

}  // namespace sluice::source::kafka
