// Large messages end to end on the real broker of the `servers` fixture: a Changefeed with a
// scripted source, the canal-json encoder and the KafkaSink, max-message-bytes=2000, one row of
// ~5 KB and one small row. Checks what lands in the topic (and the claim-check directory).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "codec/canal_json/canal_json_encoder.h"
#include "pipeline/changefeed.h"
#include "pipeline/large_message.h"
#include "pipeline/message_emitter.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/kafka/topic_reader.h"
#include "test_env.h"

namespace sluice::pipeline {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<model::TableSchema> Table() {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = "db";
  t->table = "docs";
  model::Column id, body;
  id.name = "id";
  id.type = model::ColumnType::kInt;
  id.is_primary_key = true;
  body.name = "body";
  body.type = model::ColumnType::kText;
  t->columns = {id, body};
  t->primary_key = {0};
  return t;
}

// One transaction: a ~5 KB row (id 1) and a small row (id 2); then raises *stop.
class ScriptSource : public source::Source {
 public:
  explicit ScriptSource(std::atomic<bool>* stop) : stop_(stop) {}
  base::Status Open(const model::SourcePosition&) override { return base::Status::Ok(); }
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t,
                    std::chrono::milliseconds) override {
    if (done_) {
      stop_->store(true);
      return base::Status::Ok();
    }
    done_ = true;
    auto t = Table();
    for (auto [id, body] : {std::pair<int, std::string>{1, std::string(5000, 'x')},
                            std::pair<int, std::string>{2, "small"}}) {
      model::ChangeEvent ev;
      ev.kind = model::ChangeEvent::Kind::kRow;
      ev.txn.commit_ts = 429918007904436226;
      ev.txn.commit_time_ms = 1639633141221;
      ev.row.op = model::RowOp::kInsert;
      ev.row.table = t;
      ev.row.after = {model::Value::Int(id), model::Value::String(body)};
      out->push_back(std::move(ev));
    }
    model::ChangeEvent commit;
    commit.kind = model::ChangeEvent::Kind::kCommit;
    commit.txn.commit_ts = 429918007904436226;
    commit.position.binlog = {"bin.000001", 100};
    out->push_back(std::move(commit));
    return base::Status::Ok();
  }
  void Close() override {}

 private:
  std::atomic<bool>* stop_;
  bool done_ = false;
};

class MemoryStore : public CheckpointStore {
 public:
  base::Result<std::optional<model::SourcePosition>> Load(const std::string&) override {
    return std::optional<model::SourcePosition>();
  }
  base::Status Save(const std::string&, const model::SourcePosition&) override {
    return base::Status::Ok();
  }
  base::Status Remove(const std::string&) override { return base::Status::Ok(); }
};

std::string UniqueTopic(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}-{:x}", prefix, rng() & 0xffffffffULL);
}

struct RunResult {
  base::Status status;
  std::vector<sink::kafka::ConsumedMessage> messages;
};

// Runs the changefeed once with the given extra sink URI parameters (a MessageEmitter wired like
// pipeline/builder.cc) and reads the topic back.
RunResult RunOnce(const std::string& topic, const std::string& params) {
  std::string bootstrap = testing::Env("SLUICE_KAFKA_BOOTSTRAP");
  auto opts = sink::kafka::ParseKafkaSinkUri(
      fmt::format("kafka://{}/{}?protocol=canal-json&partition-num=1&enable-tidb-extension=true"
                  "&max-message-bytes=2000{}",
                  bootstrap, topic, params));
  EXPECT_TRUE(opts.ok()) << opts.status().message();
  std::atomic<bool> stop{false};
  PartsFactory factory;
  factory.source = [&]() -> base::Result<std::unique_ptr<source::Source>> {
    return std::unique_ptr<source::Source>(std::make_unique<ScriptSource>(&stop));
  };
  factory.emitter = [&](sink::DeliveryCallback cb) -> base::Result<std::unique_ptr<Emitter>> {
    codec::canal_json::CanalJsonOptions co;
    co.enable_tidb_extension = true;
    auto encoder = std::make_unique<codec::canal_json::CanalJsonEncoder>(co);
    SLUICE_ASSIGN_OR_RETURN(auto router, dispatch::EventRouter::Create(topic, {}));
    SLUICE_ASSIGN_OR_RETURN(auto sink, sink::kafka::KafkaSink::Create(*opts, cb));
    SLUICE_ASSIGN_OR_RETURN(auto large, LargeMessageHandler::Create(*opts));
    MessageEmitterOptions mo;
    mo.watermark_interval = std::chrono::hours(1);
    return std::unique_ptr<Emitter>(std::make_unique<MessageEmitter>(
        mo, std::move(encoder), std::make_unique<dispatch::EventRouter>(std::move(router)),
        std::move(sink), std::move(large)));
  };
  ChangefeedOptions co;
  co.id = "large";
  MemoryStore store;
  Changefeed feed(co, factory, &store);
  RunResult out;
  out.status = feed.Run(&stop);
  auto reader = sink::kafka::TopicReader::Create(bootstrap);
  EXPECT_TRUE(reader.ok());
  auto read = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(10)});
  if (read.ok()) out.messages = std::move(read).value();
  return out;
}

TEST(LargeMessageKafka, HandleKeyOnly) {
  std::string topic = UniqueTopic("large-hko");
  auto r = RunOnce(topic, "&large-message-handle-option=handle-key-only");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_NE(r.messages[0].value.find(R"("data":[{"id":"1"}])"), std::string::npos)
      << r.messages[0].value;
  EXPECT_NE(r.messages[0].value.find(R"("onlyHandleKey":true)"), std::string::npos);
  EXPECT_NE(r.messages[1].value.find(R"("data":[{"id":"2","body":"small"}])"), std::string::npos)
      << r.messages[1].value;
  EXPECT_EQ(r.messages[1].value.find("onlyHandleKey"), std::string::npos);
}

TEST(LargeMessageKafka, ClaimCheck) {
  std::string topic = UniqueTopic("large-cc");
  std::string dir =
      fmt::format("{}/sluice-claim-{}-{}", fs::temp_directory_path().string(), getpid(), topic);
  auto r = RunOnce(
      topic, "&large-message-handle-option=claim-check&claim-check-storage-uri=file://" + dir);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.messages.size(), 2u);
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(r.messages[0].value.find(R"("claimCheckLocation":"file://)" + files[0].string() + "\""),
            std::string::npos)
      << r.messages[0].value;
  EXPECT_NE(r.messages[0].value.find(R"("data":[{"id":"1"}])"), std::string::npos);
  std::ifstream in(files[0]);
  std::string body((std::istreambuf_iterator<char>(in)), {});
  // The stored value is the full canal-json message of row 1, with the 5000-byte body.
  EXPECT_EQ(body.rfind(R"({"key":null,"value":")", 0), 0u) << body.substr(0, 80);
  EXPECT_GT(body.size(), 5000u * 4 / 3);
  EXPECT_NE(r.messages[1].value.find(R"("body":"small")"), std::string::npos);
  fs::remove_all(dir);
}

TEST(LargeMessageKafka, NoneStopsWithAClearError) {
  std::string topic = UniqueTopic("large-none");
  auto r = RunOnce(topic, "");
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), base::Code::kResourceExhausted) << r.status.message();
  EXPECT_NE(r.status.message().find("set large-message-handle-option=handle-key-only or "
                                    "claim-check"),
            std::string::npos)
      << r.status.message();
  EXPECT_TRUE(r.messages.empty());
}

}  // namespace
}  // namespace sluice::pipeline
