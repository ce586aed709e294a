// KafkaSource against the real broker of the `servers` fixture: regex subscriptions, the
// non-JSON policy, and consumer-group offsets committed only after the checkpoint (through a
// real pipeline::Changefeed with a test RowSink standing in for a database).
#include "source/kafka/kafka_source.h"

#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "codec/canal_json/canal_json_decoder.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "pipeline/row_emitter.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/kafka/topic_reader.h"
#include "test_env.h"

namespace sluice::source::kafka {
namespace {

using namespace std::chrono_literals;

std::string Unique(std::string_view prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}_{:x}", prefix, rng() & 0xFFFFFFFFFFull);
}

std::string Bootstrap() { return testing::Env("SLUICE_KAFKA_BOOTSTRAP"); }

// Produces `values` (key, value; "" key = null) to partition 0 of `topic` (created with one
// partition) and waits for every delivery.
void ProduceAll(const std::string& topic,
                const std::vector<std::pair<std::string, std::string>>& values) {
  auto opts = sink::kafka::ParseKafkaSinkUri(
      fmt::format("kafka://{}/{}?protocol=canal-json&partition-num=1", Bootstrap(), topic));
  ASSERT_TRUE(opts.ok()) << opts.status().message();
  std::atomic<int> acked{0};
  auto sink = sink::kafka::KafkaSink::Create(*opts, [&](uint64_t, const base::Status& st) {
    EXPECT_TRUE(st.ok()) << st.message();
    acked++;
  });
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->PrepareTopic(topic).ok());
  uint64_t token = 0;
  for (const auto& [k, v] : values) {
    codec::Message m;
    if (!k.empty()) m.key = k;
    m.value = v;
    ASSERT_TRUE((*sink)->Produce(topic, 0, std::move(m), token++).ok());
  }
  ASSERT_TRUE((*sink)->Flush(30000).ok());
  EXPECT_EQ(acked.load(), static_cast<int>(values.size()));
}

KafkaSourceOptions Options(const std::string& query) {
  auto o = ParseKafkaSourceUri(fmt::format("kafka://{}/?{}", Bootstrap(), query));
  EXPECT_TRUE(o.ok()) << o.status().message();
  return o.ok() ? *o : KafkaSourceOptions();
}

// Reads until `rows` row events arrived (or 30 s), then keeps reading for `settle` to catch
// anything unexpected. Returns the first error, if any.
base::Status ReadRows(KafkaSource& src, size_t rows, std::chrono::milliseconds settle,
                      std::vector<model::ChangeEvent>* out) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  auto count = [&] {
    size_t n = 0;
    for (const auto& e : *out) n += e.kind == model::ChangeEvent::Kind::kRow;
    return n;
  };
  while (count() < rows && std::chrono::steady_clock::now() < deadline) {
    SLUICE_RETURN_IF_ERROR(src.Read(out, 1024, 200ms));
  }
  auto until = std::chrono::steady_clock::now() + settle;
  while (std::chrono::steady_clock::now() < until) {
    SLUICE_RETURN_IF_ERROR(src.Read(out, 1024, 100ms));
  }
  return base::Status::Ok();
}

// The group's committed offset of partition 0 of `topic` (negative = none).
int64_t CommittedOffset(const std::string& group, const std::string& topic) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", Bootstrap().c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  if (!rk) return -2;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0);
  rd_kafka_resp_err_t e = rd_kafka_committed(rk, list, 10000);
  EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  int64_t offset = list->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return offset;
}

std::string JsonRow(int id) { return fmt::format(R"({{"id":{},"name":"n{}"}})", id, id); }

TEST(KafkaSourceIT, RegexSubscriptionReadsOnlyMatchingTopics) {
  std::string base = Unique("ks_regex");
  std::string a = base + "_orders.a", b = base + "_orders.b", other = base + "_other.c";
  ProduceAll(a, {{"", JsonRow(1)}, {"", JsonRow(2)}});
  ProduceAll(b, {{"", JsonRow(3)}});
  ProduceAll(other, {{"", JsonRow(4)}});
  KafkaSource src(Options(fmt::format("topics=^{}_orders\\..*&group-id={}", base, base)));
  ASSERT_TRUE(src.Open({}).ok());
  std::vector<model::ChangeEvent> events;
  base::Status st = ReadRows(src, 3, 3s, &events);
  ASSERT_TRUE(st.ok()) << st.message();
  std::multiset<std::string> tables;
  model::SourcePosition last;
  for (const auto& e : events) {
    if (e.kind == model::ChangeEvent::Kind::kRow) {
      tables.insert(e.row.table->schema + "." + e.row.table->table);
      EXPECT_EQ(e.row.op, model::RowOp::kInsert);
    }
    if (e.kind == model::ChangeEvent::Kind::kCommit) last = e.position;
  }
  EXPECT_EQ(tables, (std::multiset<std::string>{base + "_orders.a", base + "_orders.a",
                                                base + "_orders.b"}));
  // The last commit's position holds the next offset of both partitions read.
  EXPECT_EQ(last.kafka.size(), 2u);
  EXPECT_EQ(last.kafka.at({a, 0}).value, 2);
  EXPECT_EQ(last.kafka.at({b, 0}).value, 1);
  EXPECT_FALSE(last.kafka.count({other, 0}));
  src.Close();
}

TEST(KafkaSourceIT, NonJsonMessageStopsWithTopicPartitionOffset) {
  std::string topic = Unique("ks_nonjson") + ".t";
  ProduceAll(topic, {{"", JsonRow(1)}, {"", "plain text, not JSON"}, {"", JsonRow(3)}});
  {
    KafkaSource src(Options(fmt::format("topics={}&group-id={}", topic, Unique("g"))));
    ASSERT_TRUE(src.Open({}).ok());
    std::vector<model::ChangeEvent> events;
    base::Status st = ReadRows(src, 3, 0ms, &events);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.action(), base::Action::kStop);
    EXPECT_NE(st.message().find(fmt::format("topic {} partition 0 offset 1", topic)),
              std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("ignore-non-json=true"), std::string::npos);
    EXPECT_NE(st.message().find("plain text"), std::string::npos);
  }
  {
    KafkaSource src(
        Options(fmt::format("topics={}&group-id={}&ignore-non-json=true", topic, Unique("g"))));
    ASSERT_TRUE(src.Open({}).ok());
    std::vector<model::ChangeEvent> events;
    base::Status st = ReadRows(src, 2, 1s, &events);
    ASSERT_TRUE(st.ok()) << st.message();
    std::vector<int64_t> ids;
    model::SourcePosition last;
    for (const auto& e : events) {
      if (e.kind == model::ChangeEvent::Kind::kRow) ids.push_back(e.row.after[0].as_int());
      if (!e.position.kafka.empty()) last = e.position;
    }
    EXPECT_EQ(ids, (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(src.skipped_non_json(), 1u);
    EXPECT_EQ(last.kafka.at({topic, 0}).value, 3);  // the skipped offset is passed too
  }
}

TEST(KafkaSourceIT, GroupWithoutCommitsStartsAtTheCheckpointOffset) {
  std::string topic = Unique("ks_fallback") + ".t";
  ProduceAll(topic, {{"", JsonRow(1)}, {"", JsonRow(2)}, {"", JsonRow(3)}});
  KafkaSource src(Options(fmt::format("topics={}&group-id={}", topic, Unique("g"))));
  model::SourcePosition checkpoint;
  checkpoint.kafka[{topic, 0}] = model::KafkaOffset{2};
  ASSERT_TRUE(src.Open(checkpoint).ok());
  std::vector<model::ChangeEvent> events;
  ASSERT_TRUE(ReadRows(src, 1, 1s, &events).ok());
  std::vector<int64_t> ids;
  for (const auto& e : events) {
    if (e.kind == model::ChangeEvent::Kind::kRow) ids.push_back(e.row.after[0].as_int());
  }
  EXPECT_EQ(ids, std::vector<int64_t>{3});
}

TEST(KafkaSourceIT, CanalJsonAndDebeziumTopicsDecodeToTypedRows) {
  std::string canal = Unique("ks_canal");
  std::string dbz = Unique("ks_dbz");
  ProduceAll(canal, {{"", R"j({"database":"shop","table":"t","pkNames":["id"],"isDdl":false,)j"
                          R"j("type":"INSERT","es":1700000000000,"mysqlType":{"id":"bigint",)j"
                          R"j("price":"decimal(6,2)"},"data":[{"id":"5","price":"9.50"}],)j"
                          R"j("old":null})j"},
                     {"", R"j({"id":0,"database":"","table":"","pkNames":null,"isDdl":false,)j"
                          R"j("type":"TIDB_WATERMARK","es":1,"ts":1,"sql":"","sqlType":null,)j"
                          R"j("mysqlType":null,"data":null,"old":null,)j"
                          R"j("_tidb":{"watermarkTs":1}})j"}});
  ProduceAll(dbz, {{R"j({"id":6})j", R"j({"before":{"id":6,"v":"x"},"after":null,)j"
                                     R"j("source":{"db":"inv","table":"c"},"op":"d"})j"},
                   {R"j({"id":6})j", ""}});  // tombstone
  struct Case {
    std::string topic, format;
    model::RowOp op;
    std::string table;
    model::Value first;
  } cases[] = {{canal, "canal-json", model::RowOp::kInsert, "shop.t", model::Value::Int(5)},
               {dbz, "debezium", model::RowOp::kDelete, "inv.c", model::Value::Int(6)}};
  for (const auto& c : cases) {
    KafkaSource src(
        Options(fmt::format("topics={}&group-id={}&format={}", c.topic, Unique("g"), c.format)));
    ASSERT_TRUE(src.Open({}).ok());
    std::vector<model::ChangeEvent> events;
    ASSERT_TRUE(ReadRows(src, 1, 1s, &events).ok());
    std::vector<model::ChangeEvent> rows;
    model::SourcePosition last;
    for (const auto& e : events) {
      if (e.kind == model::ChangeEvent::Kind::kRow) rows.push_back(e);
      if (!e.position.kafka.empty()) last = e.position;
    }
    ASSERT_EQ(rows.size(), 1u) << c.format;
    EXPECT_EQ(rows[0].row.op, c.op);
    EXPECT_EQ(rows[0].row.table->schema + "." + rows[0].row.table->table, c.table);
    const auto& image = c.op == model::RowOp::kDelete ? rows[0].row.before : rows[0].row.after;
    EXPECT_EQ(image.at(0), c.first) << c.format;
    EXPECT_EQ(rows[0].row.table->primary_key, std::vector<size_t>{0});
    // The watermark / tombstone carries no row but its offset is passed (heartbeat).
    EXPECT_EQ(last.kafka.at({c.topic, 0}).value, 2) << c.format;
  }
}

// A row without its key column, or with a column its mysqlType does not list: one error naming
// the message (topic, partition, offset) and the producer as the thing to fix, once, with no
// hint meant for another source (binlog_row_image).
TEST(KafkaSourceIT, RowErrorsNameTheMessageAndTheProducer) {
  std::string topic = Unique("ks_rowerr") + ".t";
  const std::string head =
      R"j({"database":"shop","table":"t","pkNames":["id"],"isDdl":false,"type":"INSERT",)j"
      R"j("es":1700000000000,"mysqlType":{"id":"int","v":"varchar"},)j";
  ProduceAll(topic, {{"", head + R"j("data":[{"id":"1","v":"a"}],"old":null})j"},
                     {"", head + R"j("data":[{"v":"no key"}],"old":null})j"},
                     {"", head + R"j("data":[{"id":"3","v":"c","extra":"x"}],"old":null})j"}});
  for (int64_t bad : {1, 2}) {
    KafkaSource src(Options(fmt::format("topics={}&group-id={}&format=canal-json", topic,
                                        Unique("g"))));
    model::SourcePosition from;
    from.kafka[{topic, 0}] = model::KafkaOffset{bad};
    ASSERT_TRUE(src.Open(from).ok());
    std::vector<model::ChangeEvent> events;
    base::Status st = ReadRows(src, 1, 0ms, &events);
    ASSERT_FALSE(st.ok()) << "offset " << bad;
    EXPECT_EQ(st.action(), base::Action::kStop);
    const std::string& m = st.message();
    EXPECT_NE(m.find(fmt::format("topic {} partition 0 offset {}", topic, bad)), std::string::npos)
        << m;
    EXPECT_EQ(m.find("binlog_row_image"), std::string::npos) << m;
    size_t first = m.find("fix the producer");
    ASSERT_NE(first, std::string::npos) << m;
    EXPECT_EQ(m.find("fix the producer", first + 1), std::string::npos) << "said twice: " << m;
    EXPECT_NE(m.find(bad == 1 ? "lacks key column 'id'" : "column 'extra' is in the row but not "
                                                          "in mysqlType"),
              std::string::npos)
        << m;
  }
}

TEST(KafkaSourceIT, MissingListedTopicIsNotFound) {
  KafkaSource src(Options(fmt::format("topics={}&group-id=g", Unique("ks_missing"))));
  base::Status st = src.Open({});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kNotFound);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos);
}

// A RowSink standing in for a database: records rows; acknowledges (= "commits") them on
// Poll/Flush only when `commit` is true.
class RecordingRowSink : public sink::RowSink {
 public:
  RecordingRowSink(sink::DeliveryCallback cb, bool commit) : cb_(std::move(cb)), commit_(commit) {}
  base::Status Apply(const model::RowChange& row, const model::TxnInfo&, uint64_t token) override {
    std::lock_guard lock(mu_);
    ids_.push_back(row.after.at(0).as_int());
    pending_.push_back(token);
    return base::Status::Ok();
  }
  base::Status ApplyDdl(const model::DdlEvent&, const model::TxnInfo&, uint64_t token) override {
    pending_.push_back(token);
    return base::Status::Ok();
  }
  void Poll(int) override {
    if (!commit_) return;
    for (uint64_t t : pending_) cb_(t, base::Status::Ok());
    pending_.clear();
  }
  base::Status Flush(int) override {
    Poll(0);
    return base::Status::Ok();
  }
  static std::vector<int64_t> Ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }
  static void Reset() {
    std::lock_guard lock(mu_);
    ids_.clear();
  }

 private:
  sink::DeliveryCallback cb_;
  bool commit_;
  std::vector<uint64_t> pending_;
  static inline std::mutex mu_;
  static inline std::vector<int64_t> ids_;
};

// Runs a changefeed until the sink saw `rows` rows (and, with `commit`, the group committed
// `want_committed`), then stops it.
void RunChangefeed(const KafkaSourceOptions& opts, pipeline::CheckpointStore* store, bool commit,
                   size_t rows, int64_t want_committed, const std::string& topic) {
  RecordingRowSink::Reset();
  pipeline::ChangefeedOptions co;
  co.id = "kafka_source_it";
  co.checkpoint_interval = 100ms;
  pipeline::Changefeed cf(
      co,
      pipeline::PartsFactory{
          .source = [&]() -> base::Result<std::unique_ptr<source::Source>> {
            return std::unique_ptr<source::Source>(std::make_unique<KafkaSource>(opts));
          },
          .emitter = [&](sink::DeliveryCallback cb)
              -> base::Result<std::unique_ptr<pipeline::Emitter>> {
            return std::unique_ptr<pipeline::Emitter>(std::make_unique<pipeline::RowEmitter>(
                std::make_unique<RecordingRowSink>(cb, commit)));
          }},
      store);
  std::atomic<bool> stop{false};
  base::Status result;
  std::thread t([&] { result = cf.Run(&stop); });
  auto deadline = std::chrono::steady_clock::now() + 40s;
  while (std::chrono::steady_clock::now() < deadline &&
         (RecordingRowSink::Ids().size() < rows ||
          (commit && CommittedOffset(opts.group_id, topic) != want_committed))) {
    std::this_thread::sleep_for(200ms);
  }
  std::this_thread::sleep_for(1s);  // anything beyond `rows` would show up now
  stop = true;
  t.join();
  EXPECT_TRUE(result.ok()) << result.message() << " / " << cf.last_error();
}

TEST(KafkaSourceIT, OffsetsAreCommittedOnlyAfterTheCheckpoint) {
  std::string topic = Unique("ks_commit") + ".t";
  std::string group = Unique("ks_group");
  ProduceAll(topic, {{"", JsonRow(1)}, {"", JsonRow(2)}, {"", JsonRow(3)}});
  KafkaSourceOptions opts = Options(fmt::format("topics={}&group-id={}", topic, group));
  auto dir = std::filesystem::temp_directory_path() / Unique("ks_store");
  std::filesystem::create_directories(dir);
  pipeline::FileCheckpointStore store(dir.string());

  // 1. The "database" never commits: no checkpoint, nothing committed for the group.
  RunChangefeed(opts, &store, /*commit=*/false, 3, -1, topic);
  EXPECT_EQ(RecordingRowSink::Ids(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_LT(CommittedOffset(group, topic), 0);
  auto saved = store.Load("kafka_source_it");
  ASSERT_TRUE(saved.ok());
  EXPECT_FALSE(saved->has_value());

  // 2. A restart sees the rows again; once they are committed, the group's offset is 3.
  RunChangefeed(opts, &store, /*commit=*/true, 3, 3, topic);
  EXPECT_EQ(RecordingRowSink::Ids(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(CommittedOffset(group, topic), 3);
  saved = store.Load("kafka_source_it");
  ASSERT_TRUE(saved.ok());
  ASSERT_TRUE(saved->has_value());
  EXPECT_EQ((*saved)->kafka.at({topic, 0}).value, 3);

  // 3. After the checkpoint nothing is redelivered: only the new message arrives.
  ProduceAll(topic, {{"", JsonRow(4)}});
  RunChangefeed(opts, &store, /*commit=*/true, 1, 4, topic);
  EXPECT_EQ(RecordingRowSink::Ids(), (std::vector<int64_t>{4}));
  EXPECT_EQ(CommittedOffset(group, topic), 4);
  std::filesystem::remove_all(dir);
}

// The builder wires kafka:// sources: a Kafka -> Kafka relay re-encodes plain JSON rows as
// canal-json with the table and key taken from the topic and the message key.
TEST(KafkaSourceIT, BuilderRunsAKafkaSourceChangefeed) {
  std::string db = Unique("ks_relay");
  std::string in = db + ".items";
  std::string out = Unique("ks_relay_out");
  ProduceAll(in, {{R"({"id":1})", R"({"id":1,"name":"a"})"}});
  pipeline::ChangefeedConfig cfg;
  cfg.id = "relay";
  cfg.source_uri = fmt::format("kafka://{}/?topics={}&group-id={}", Bootstrap(), in, db);
  cfg.sink_uri = fmt::format("kafka://{}/{}?protocol=canal-json&partition-num=1", Bootstrap(), out);
  auto start = pipeline::ResolveStartPosition(cfg);
  ASSERT_TRUE(start.ok()) << start.status().message();
  EXPECT_TRUE(start->empty());
  auto built = pipeline::BuildChangefeed(cfg);
  ASSERT_TRUE(built.ok()) << built.status().message();
  auto dir = std::filesystem::temp_directory_path() / Unique("ks_store");
  std::filesystem::create_directories(dir);
  pipeline::FileCheckpointStore store(dir.string());
  pipeline::Changefeed cf(built->options, built->factory, &store);
  std::atomic<bool> stop{false};
  base::Status result;
  std::thread t([&] { result = cf.Run(&stop); });
  auto reader = sink::kafka::TopicReader::Create(Bootstrap());
  ASSERT_TRUE(reader.ok());
  std::vector<sink::kafka::ConsumedMessage> msgs;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (msgs.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
    auto r = (*reader)->ReadAll(out, {.timeout = 5s});
    if (r.ok()) msgs = *r;
  }
  // Wait for the checkpoint to reach the group.
  while (CommittedOffset(db, in) != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
  }
  stop = true;
  t.join();
  EXPECT_TRUE(result.ok()) << result.message();
  ASSERT_EQ(msgs.size(), 1u);
  auto m = codec::canal_json::DecodeCanalJson(msgs[0].value);
  ASSERT_TRUE(m.ok()) << msgs[0].value;
  EXPECT_EQ(m->database, db);
  EXPECT_EQ(m->table, "items");
  EXPECT_EQ(m->type, "INSERT");
  ASSERT_TRUE(m->pk_names.has_value());
  EXPECT_EQ(*m->pk_names, std::vector<std::string>{"id"});
  ASSERT_TRUE(m->data.has_value());
  EXPECT_EQ(*codec::canal_json::FindColumn(*m->data, "name"), std::optional<std::string>("a"));
  EXPECT_EQ(CommittedOffset(db, in), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::source::kafka
