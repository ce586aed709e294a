#include "client/kafka/topic_reader.h"

#include <algorithm>
#include <map>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "client/kafka/kafka_conf.h"

namespace sluice::client::kafka {

using Clock = std::chrono::steady_clock;

base::Result<std::unique_ptr<TopicReader>> TopicReader::Create(const std::string& bootstrap) {
  ConnectionOptions o;
  o.brokers = {bootstrap};
  o.kafka_client_id = "sluice_topic_reader";
  return Create(o);
}

base::Result<std::unique_ptr<TopicReader>> TopicReader::Create(const ConnectionOptions& options) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_t* c = conf.get();
  SLUICE_RETURN_IF_ERROR(ApplyConnectionConf(c, options));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "group.id", "sluice-topic-reader"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "enable.auto.commit", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "enable.auto.offset.store", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "auto.offset.reset", "earliest"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "enable.partition.eof", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "allow.auto.create.topics", "false"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "fetch.max.bytes", "134217728"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "max.partition.fetch.bytes", "16777216"));
  SLUICE_RETURN_IF_ERROR(SetConf(c, "log_level", "3"));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
  if (!rk) return base::InvalidArgument("cannot create the Kafka consumer: {}", err);
  conf.release();
  return std::unique_ptr<TopicReader>(new TopicReader(rk));
}

TopicReader::~TopicReader() {
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
}

base::Result<std::vector<ConsumedMessage>> TopicReader::ReadAll(const std::string& topic,
                                                                const ReadLimits& limits) {
  auto deadline = Clock::now() + limits.timeout;
  auto remaining_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
  };

  // Partitions of the topic.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t merr = rd_kafka_metadata(rk_, 0, rkt, &md, remaining_ms());
  rd_kafka_topic_destroy(rkt);
  if (merr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Unavailable("metadata of topic '{}': {}", topic, rd_kafka_err2str(merr));
  }
  std::vector<int32_t> partitions;
  rd_kafka_resp_err_t terr =
      md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (terr == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topics[0].partition_cnt; ++i)
      partitions.push_back(md->topics[0].partitions[i].id);
  }
  rd_kafka_metadata_destroy(md);
  if (terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return base::NotFound("topic '{}' does not exist", topic);
  }
  if (terr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Status(CodeFor(terr),
                        fmt::format("topic '{}': {}", topic, rd_kafka_err2str(terr)));
  }
  if (limits.partition) {
    if (std::find(partitions.begin(), partitions.end(), *limits.partition) == partitions.end()) {
      return base::NotFound("topic '{}' has no partition {}", topic, *limits.partition);
    }
    partitions = {*limits.partition};
  }

  // End offsets now; assign every non-empty partition from its low watermark.
  std::map<int32_t, int64_t> end;  // partition -> high watermark still to reach
  rd_kafka_topic_partition_list_t* assign =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e;
    // Retry transient errors (a new topic's leader may not serve it yet) until the deadline.
    while ((e = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lo, &hi,
                                                 remaining_ms())) != RD_KAFKA_RESP_ERR_NO_ERROR &&
           CodeFor(e) == base::Code::kUnavailable && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_topic_partition_list_destroy(assign);
      return base::Status(
          CodeFor(e) == base::Code::kInternal ? base::Code::kUnavailable : CodeFor(e),
          fmt::format("offsets of '{}' partition {}: {}", topic, p, rd_kafka_err2str(e)));
    }
    if (hi > lo) {
      end[p] = hi;
      rd_kafka_topic_partition_list_add(assign, topic.c_str(), p)->offset = lo;
    }
  }
  std::vector<ConsumedMessage> out;
  if (end.empty()) {
    rd_kafka_topic_partition_list_destroy(assign);
    return out;
  }
  rd_kafka_resp_err_t aerr = rd_kafka_assign(rk_, assign);
  rd_kafka_topic_partition_list_destroy(assign);
  if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Internal("assign '{}': {}", topic, rd_kafka_err2str(aerr));
  }

  base::Status result = base::Status::Ok();
  while (!end.empty()) {
    if (limits.max_messages && out.size() >= limits.max_messages) break;
    if (Clock::now() >= deadline) {
      result = base::DeadlineExceeded(
          "read {} messages of topic '{}' but {} partitions did not reach their end within {} ms",
          out.size(), topic, end.size(), limits.timeout.count());
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, std::min(remaining_ms(), 200));
    if (!m) {
      // Idle: a partition whose last offsets are control records (transactions) never delivers
      // offset end-1, but its position moves past it.
      rd_kafka_topic_partition_list_t* pos =
          rd_kafka_topic_partition_list_new(static_cast<int>(end.size()));
      for (auto& [p, hi] : end) rd_kafka_topic_partition_list_add(pos, topic.c_str(), p);
      if (rd_kafka_position(rk_, pos) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < pos->cnt; ++i) {
          auto e = end.find(pos->elems[i].partition);
          if (e != end.end() && pos->elems[i].offset >= e->second) end.erase(e);
        }
      }
      rd_kafka_topic_partition_list_destroy(pos);
      continue;
    }
    if (m->err) {
      rd_kafka_resp_err_t e = m->err;
      std::string reason = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      if (e == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (CodeFor(e) == base::Code::kUnavailable) continue;  // transient; librdkafka retries
      result = base::Status(CodeFor(e), fmt::format("reading '{}': {}", topic, reason));
      break;
    }
    auto it = end.find(m->partition);
    if (it != end.end() && m->offset < it->second) {
      ConsumedMessage cm;
      cm.partition = m->partition;
      cm.offset = m->offset;
      if (m->key) cm.key.emplace(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) {
        cm.value.assign(static_cast<const char*>(m->payload), m->len);
      } else {
        cm.null_value = true;
      }
      rd_kafka_timestamp_type_t tstype;
      cm.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
      out.push_back(std::move(cm));
      if (m->offset + 1 >= it->second) end.erase(it);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk_, nullptr);
  if (!result.ok()) return result;
  return out;
}

}  // namespace sluice::client::kafka
