#include "pipeline/changefeed_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "pipeline/builder.h"
#include "pipeline/message_emitter.h"
#include "pipeline/sqlite_state_store.h"
#include "source/mysql/source_config.h"

namespace sluice::pipeline {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kSourcePassword = "src-Secret-1";
constexpr const char* kSinkPassword = "sink-Secret-2";

uint64_t WallMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// What the fake parts of every changefeed did, shared by all of them.
struct World {
  std::mutex mu;
  std::map<std::string, std::vector<uint64_t>> opens;      // id -> start offsets (0 = empty)
  std::map<std::string, std::vector<uint64_t>> delivered;  // id -> txn numbers delivered
  std::atomic<int> builds{0};

  std::vector<uint64_t> Opens(const std::string& id) {
    std::lock_guard lock(mu);
    return opens[id];
  }
  std::vector<uint64_t> Delivered(const std::string& id) {
    std::lock_guard lock(mu);
    return delivered[id];
  }
};

// An endless source: one transaction (one row + commit at offset 100*txn) every 5 ms, starting
// after the position given to Open().
class SlowSource : public source::Source {
 public:
  SlowSource(World* world, std::string id) : world_(world), id_(std::move(id)) {
    auto t = std::make_shared<model::TableSchema>();
    t->schema = "db";
    t->table = "t";
    t->columns.resize(1);
    t->columns[0].name = "id";
    table_ = t;
  }
  base::Status Open(const model::SourcePosition& start) override {
    next_txn_ = start.empty() ? 1 : start.binlog.offset / 100 + 1;
    std::lock_guard lock(world_->mu);
    world_->opens[id_].push_back(start.empty() ? 0 : start.binlog.offset);
    return base::Status::Ok();
  }
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t,
                    std::chrono::milliseconds) override {
    std::this_thread::sleep_for(5ms);
    uint64_t txn = next_txn_++;
    uint64_t now = WallMs();
    model::ChangeEvent row;
    row.kind = model::ChangeEvent::Kind::kRow;
    row.txn.commit_time_ms = now;
    row.txn.commit_ts = now << 18;
    row.row.table = table_;
    row.row.after = {model::Value::Int(static_cast<int64_t>(txn))};
    out->push_back(std::move(row));
    model::ChangeEvent commit;
    commit.kind = model::ChangeEvent::Kind::kCommit;
    commit.txn.commit_time_ms = now;
    commit.txn.commit_ts = now << 18;
    commit.position.binlog = {"bin.000001", txn * 100};
    out->push_back(std::move(commit));
    return base::Status::Ok();
  }
  void Close() override {}

 private:
  World* world_;
  std::string id_;
  uint64_t next_txn_ = 1;
  model::TableSchemaPtr table_;
};

class FakeEncoder : public codec::Encoder {
 public:
  base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo&,
                         codec::Message* out) override {
    out->value = std::to_string(row.after[0].as_int());
    return base::Status::Ok();
  }
  base::Status EncodeDdl(const model::DdlEvent&, const model::TxnInfo&, codec::Message*) override {
    return base::Status::Ok();
  }
  bool EncodeWatermark(uint64_t, codec::Message*) override { return false; }
};

// Acknowledges every message on Poll/Flush and records it.
class FakeSink : public sink::Sink {
 public:
  FakeSink(sink::DeliveryCallback cb, World* world, std::string id)
      : cb_(std::move(cb)), world_(world), id_(std::move(id)) {}
  base::Result<int32_t> PrepareTopic(const std::string&) override { return 1; }
  base::Status Produce(const std::string&, int32_t, codec::Message msg, uint64_t token) override {
    queue_.emplace_back(token, std::stoull(msg.value));
    return base::Status::Ok();
  }
  void Poll(int) override {
    for (auto& [token, txn] : queue_) {
      {
        std::lock_guard lock(world_->mu);
        world_->delivered[id_].push_back(txn);
      }
      cb_(token, base::Status::Ok());
    }
    queue_.clear();
  }
  base::Status Flush(int) override {
    Poll(0);
    return base::Status::Ok();
  }

 private:
  sink::DeliveryCallback cb_;
  World* world_;
  std::string id_;
  std::vector<std::pair<uint64_t, uint64_t>> queue_;
};

// Validates like the real builder (BuildChangefeed parses the URIs, filter and dispatchers
// without connecting), then swaps in fake parts. Ids starting with "broken" get parts that fail
// with a non-retriable error, as a source with binlog_format=MIXED would.
ChangefeedFactory FakeFactory(World* world) {
  return [world](const ChangefeedConfig& config) -> base::Result<BuiltChangefeed> {
    SLUICE_ASSIGN_OR_RETURN(BuiltChangefeed built, BuildChangefeed(config));
    world->builds++;
    built.options.checkpoint_interval = 10ms;
    built.options.max_backoff = 10ms;
    std::string id = config.id;
    built.factory.source = [world, id]() -> base::Result<std::unique_ptr<source::Source>> {
      if (id.rfind("broken", 0) == 0) {
        return base::FailedPrecondition(
            "binlog_format is MIXED on 127.0.0.1:3306; sluice needs ROW: SET GLOBAL "
            "binlog_format=ROW");
      }
      return std::unique_ptr<source::Source>(std::make_unique<SlowSource>(world, id));
    };
    built.factory.emitter = [world,
                             id](sink::DeliveryCallback cb) -> base::Result<std::unique_ptr<Emitter>> {
      return std::unique_ptr<Emitter>(std::make_unique<MessageEmitter>(
          MessageEmitterOptions{}, std::make_unique<FakeEncoder>(),
          std::make_unique<dispatch::EventRouter>(*dispatch::EventRouter::Create("cdc", {})),
          std::make_unique<FakeSink>(std::move(cb), world, id), nullptr));
    };
    return built;
  };
}

ChangefeedConfig Config(const std::string& id) {
  ChangefeedConfig c;
  c.id = id;
  c.source_uri = fmt::format("mysql://sluice:{}@127.0.0.1:3306/?start=now", kSourcePassword);
  c.sink_uri =
      fmt::format("kafka://127.0.0.1:9092/cdc?protocol=canal-json&sasl-user=bob&sasl-password={}",
                  kSinkPassword);
  c.filter_rules = {"db.*"};
  return c;
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout = 5000ms) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

void ExpectNoSecrets(const ChangefeedInfo& info) {
  for (const std::string& s : {info.source_uri, info.sink_uri, info.error}) {
    EXPECT_EQ(s.find(kSourcePassword), std::string::npos) << s;
    EXPECT_EQ(s.find(kSinkPassword), std::string::npos) << s;
  }
}

class ChangefeedManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sluice-mgr-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto store = SqliteStateStore::Open(DbPath());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::string DbPath() const { return (dir_ / "sluice.db").string(); }
  std::string State(ChangefeedManager& m, const std::string& id) {
    auto info = m.Get(id);
    return info.ok() ? info->state : info.status().message();
  }
  uint64_t Rows(ChangefeedManager& m, const std::string& id) {
    auto info = m.Get(id);
    return info.ok() ? info->rows_read : 0;
  }

  fs::path dir_;
  std::unique_ptr<SqliteStateStore> store_;
  World world_;
};

TEST_F(ChangefeedManagerTest, LifecycleCreatePauseResumeUpdateRemove) {
  ChangefeedManager m(store_.get(), FakeFactory(&world_));
  auto created = m.Create(Config("orders"));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->id, "orders");
  EXPECT_EQ(created->desired, DesiredState::kRunning);
  EXPECT_GT(created->created_at_ms, 0);
  ExpectNoSecrets(*created);

  // Running: rows flow, the state is normal and a checkpoint with a commit time exists.
  ASSERT_TRUE(WaitFor([&] { return Rows(m, "orders") >= 5; }));
  ASSERT_TRUE(WaitFor([&] { return !m.Get("orders")->checkpoint.empty(); }));
  auto running = m.Get("orders");
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->state, "normal");
  EXPECT_GT(running->checkpoint_time_ms, 0u);
  EXPECT_GE(running->lag_ms, 0);
  EXPECT_LT(running->lag_ms, 60000);
  EXPECT_GE(running->messages, running->rows_read);
  EXPECT_EQ(running->filter_rules, std::vector<std::string>{"db.*"});
  EXPECT_NE(running->source_uri.find("sluice:****@127.0.0.1:3306"), std::string::npos)
      << running->source_uri;
  EXPECT_NE(running->sink_uri.find("sasl-password=****"), std::string::npos) << running->sink_uri;
  ExpectNoSecrets(*running);

  // Update is refused while running.
  auto refused = m.Update(Config("orders"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(refused.status().message().rfind("pause the changefeed first", 0), 0u)
      << refused.status().message();

  // Pause: final checkpoint persisted, state stopped, nothing more delivered.
  ASSERT_TRUE(m.Pause("orders").ok());
  auto paused = m.Get("orders");
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(paused->state, "stopped");
  EXPECT_EQ(paused->desired, DesiredState::kPaused);
  EXPECT_EQ(paused->lag_ms, 0);
  auto delivered = world_.Delivered("orders");
  ASSERT_FALSE(delivered.empty());
  // A paused changefeed shows what its run did (not zeros): every row read was delivered.
  EXPECT_EQ(paused->rows_read, delivered.size());
  EXPECT_EQ(paused->rows_delivered, delivered.size());
  EXPECT_EQ(paused->messages, delivered.size());
  auto saved = store_->Load("orders");
  ASSERT_TRUE(saved.ok() && saved->has_value());
  // The final checkpoint covers every delivered transaction (txn n commits at offset 100n).
  EXPECT_EQ((*saved)->binlog.offset, delivered.back() * 100);
  EXPECT_EQ(paused->checkpoint, (*saved)->Serialize());
  EXPECT_EQ(store_->GetChangefeed("orders")->value().desired, DesiredState::kPaused);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(world_.Delivered("orders").size(), delivered.size());
  EXPECT_TRUE(m.Pause("orders").ok()) << "pausing twice is fine";

  // Update while paused: a bad config is rejected and changes nothing.
  ChangefeedConfig bad = Config("orders");
  bad.sink_uri = "kafka://127.0.0.1:9092/cdc?protocol=canal-json&compression=brotli";
  auto rejected = m.Update(bad);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), base::Code::kInvalidArgument);
  EXPECT_NE(store_->GetChangefeed("orders")->value().config.sink_uri.find(kSinkPassword),
            std::string::npos);

  // Update with the redacted URIs the API showed: the stored passwords are kept.
  ChangefeedConfig edit = Config("orders");
  edit.source_uri = paused->source_uri;
  edit.sink_uri = paused->sink_uri + "&compression=lz4";
  edit.filter_rules = {"db.*", "!db.tmp"};
  auto updated = m.Update(edit);
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  ExpectNoSecrets(*updated);
  EXPECT_EQ(updated->filter_rules, edit.filter_rules);
  EXPECT_EQ(updated->state, "stopped");
  auto stored = store_->GetChangefeed("orders")->value();
  auto src = source::mysql::ParseMySqlSourceUri(stored.config.source_uri);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(src->password, kSourcePassword);
  EXPECT_NE(stored.config.sink_uri.find(std::string("sasl-password=") + kSinkPassword),
            std::string::npos)
      << "stored sink URI keeps the SASL password";
  EXPECT_NE(stored.config.sink_uri.find("compression=lz4"), std::string::npos);
  EXPECT_EQ(stored.config.filter_rules, edit.filter_rules);
  EXPECT_EQ(stored.desired, DesiredState::kPaused);
  EXPECT_EQ(stored.created_at_ms, created->created_at_ms);

  // Resume continues from the checkpoint.
  uint64_t checkpoint_offset = (*saved)->binlog.offset;
  ASSERT_TRUE(m.Resume("orders").ok());
  ASSERT_TRUE(WaitFor([&] { return world_.Delivered("orders").size() > delivered.size() + 3; }));
  auto opens = world_.Opens("orders");
  ASSERT_EQ(opens.size(), 2u);
  EXPECT_EQ(opens[0], 0u);
  EXPECT_EQ(opens[1], checkpoint_offset);
  auto after = world_.Delivered("orders");
  EXPECT_EQ(after[delivered.size()], delivered.back() + 1) << "no transaction skipped or repeated";
  EXPECT_EQ(m.Get("orders")->state, "normal");
  EXPECT_EQ(store_->GetChangefeed("orders")->value().desired, DesiredState::kRunning);
  EXPECT_TRUE(m.Resume("orders").ok()) << "resuming a running changefeed is a no-op";
  EXPECT_EQ(world_.Opens("orders").size(), 2u);

  // Remove: record and checkpoint are gone.
  ASSERT_TRUE(m.Remove("orders").ok());
  EXPECT_FALSE(store_->GetChangefeed("orders")->has_value());
  EXPECT_FALSE(store_->Load("orders")->has_value());
  auto gone = m.Get("orders");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), base::Code::kNotFound);
  EXPECT_EQ(m.Remove("orders").code(), base::Code::kNotFound);
  EXPECT_EQ(m.Pause("orders").code(), base::Code::kNotFound);
  EXPECT_TRUE(m.List().empty());
  size_t final_count = world_.Delivered("orders").size();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(world_.Delivered("orders").size(), final_count) << "the thread has stopped";
}

TEST_F(ChangefeedManagerTest, CreateValidatesBeforeStoring) {
  ChangefeedManager m(store_.get(), FakeFactory(&world_));
  ChangefeedConfig bad_id = Config("no spaces please");
  auto r1 = m.Create(bad_id);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), base::Code::kInvalidArgument);

  ChangefeedConfig bad_sink = Config("x");
  bad_sink.sink_uri = "kafka://127.0.0.1:9092/cdc?protocol=canal-json&sasl-password=" +
                      std::string(kSinkPassword);  // sasl-password without sasl-user
  auto r2 = m.Create(bad_sink);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().message().find(kSinkPassword), std::string::npos);
  ChangefeedConfig bad_filter = Config("y");
  bad_filter.filter_rules = {"justaname"};
  EXPECT_FALSE(m.Create(bad_filter).ok());
  EXPECT_TRUE(store_->ListChangefeeds()->empty()) << "nothing stored after a failed validation";
  EXPECT_EQ(world_.builds.load(), 0);

  ASSERT_TRUE(m.Create(Config("dup"), /*paused=*/true).ok());
  auto dup = m.Create(Config("dup"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), base::Code::kInvalidArgument);
  EXPECT_NE(dup.status().message().find("changefeed 'dup' already exists"), std::string::npos)
      << dup.status().message();
  EXPECT_EQ(store_->ListChangefeeds()->size(), 1u);
}

TEST_F(ChangefeedManagerTest, CreatePausedDoesNotStartAndIgnoresStaleCheckpoint) {
  model::SourcePosition stale;
  stale.binlog = {"bin.000001", 5000};
  ASSERT_TRUE(store_->Save("fresh", stale).ok());
  ChangefeedManager m(store_.get(), FakeFactory(&world_));
  auto created = m.Create(Config("fresh"), /*paused=*/true);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->state, "stopped");
  EXPECT_EQ(created->desired, DesiredState::kPaused);
  EXPECT_TRUE(created->checkpoint.empty());
  std::this_thread::sleep_for(30ms);
  EXPECT_TRUE(world_.Opens("fresh").empty());
  ASSERT_TRUE(m.Resume("fresh").ok());
  ASSERT_TRUE(WaitFor([&] { return !world_.Opens("fresh").empty(); }));
  EXPECT_EQ(world_.Opens("fresh")[0], 0u) << "a new changefeed starts at its start= position";
}

TEST_F(ChangefeedManagerTest, FailingPartsShowFailedWithTheErrorUntilResumed) {
  ChangefeedManager m(store_.get(), FakeFactory(&world_));
  ASSERT_TRUE(m.Create(Config("broken-1")).ok());
  ASSERT_TRUE(WaitFor([&] { return State(m, "broken-1") == "failed"; })) << State(m, "broken-1");
  auto info = m.Get("broken-1");
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->error.find("binlog_format=ROW"), std::string::npos) << info->error;
  EXPECT_EQ(info->errors, 1u);
  EXPECT_EQ(info->desired, DesiredState::kRunning);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(State(m, "broken-1"), "failed") << "a failure is not retried by itself";
  int builds = world_.builds.load();
  ASSERT_TRUE(m.Resume("broken-1").ok());
  EXPECT_EQ(world_.builds.load(), builds + 1) << "Resume starts a fresh run";
  ASSERT_TRUE(WaitFor([&] { return State(m, "broken-1") == "failed"; }));
  // Pausing a failed changefeed stops it for good (until resumed).
  ASSERT_TRUE(m.Pause("broken-1").ok());
  EXPECT_EQ(State(m, "broken-1"), "stopped");
  EXPECT_FALSE(m.Get("broken-1")->error.empty()) << "the last error stays visible";
}

TEST_F(ChangefeedManagerTest, FactoryFailureAtRecoverShowsFailed) {
  {
    ChangefeedManager m(store_.get(), FakeFactory(&world_));
    ASSERT_TRUE(m.Create(Config("a"), /*paused=*/true).ok());
    ASSERT_TRUE(m.Resume("a").ok());
  }
  ChangefeedManager m(store_.get(), [](const ChangefeedConfig&) -> base::Result<BuiltChangefeed> {
    return base::InvalidArgument("sink URI: protocol 'avro' is not available in this build yet");
  });
  ASSERT_TRUE(m.Recover().ok());
  auto info = m.Get("a");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->state, "failed");
  EXPECT_NE(info->error.find("avro"), std::string::npos);
  ExpectNoSecrets(*info);
}

TEST_F(ChangefeedManagerTest, RecoverRestartsRunningOnesFromTheirCheckpoints) {
  std::map<std::string, uint64_t> checkpoints;
  {
    ChangefeedManager m(store_.get(), FakeFactory(&world_));
    ASSERT_TRUE(m.Create(Config("run1")).ok());
    ASSERT_TRUE(m.Create(Config("run2")).ok());
    ASSERT_TRUE(m.Create(Config("paused1"), /*paused=*/true).ok());
    ASSERT_TRUE(m.Create(Config("paused2")).ok());
    ASSERT_TRUE(WaitFor(
        [&] { return Rows(m, "run1") > 3 && Rows(m, "run2") > 3 && Rows(m, "paused2") > 3; }));
    ASSERT_TRUE(m.Pause("paused2").ok());
    // The manager goes away without pausing: desired stays running (like a restart).
    m.Shutdown();
    for (const auto& info : m.List()) {
      EXPECT_EQ(info.state, "stopped") << info.id;
    }
    for (std::string id : {"run1", "run2", "paused2"}) {
      auto cp = store_->Load(id);
      ASSERT_TRUE(cp.ok() && cp->has_value()) << id;
      checkpoints[id] = (*cp)->binlog.offset;
      EXPECT_EQ(checkpoints[id], world_.Delivered(id).back() * 100) << id;
    }
    EXPECT_EQ(m.Resume("run1").code(), base::Code::kUnavailable) << "no starts after Shutdown";
  }
  // A new process: a new store connection on the same file, a new manager.
  store_.reset();
  auto reopened = SqliteStateStore::Open(DbPath());
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  store_ = std::move(reopened).value();
  ChangefeedManager m(store_.get(), FakeFactory(&world_));
  EXPECT_EQ(m.Get("run1")->state, "stopped") << "nothing runs before Recover";
  ASSERT_TRUE(m.Recover().ok());
  ASSERT_TRUE(WaitFor([&] { return Rows(m, "run1") > 0 && Rows(m, "run2") > 0; }));
  EXPECT_EQ(m.Get("run1")->state, "normal");
  EXPECT_EQ(m.Get("run2")->state, "normal");
  EXPECT_EQ(m.Get("paused1")->state, "stopped");
  EXPECT_EQ(m.Get("paused2")->state, "stopped");
  EXPECT_TRUE(world_.Opens("paused1").empty());
  EXPECT_EQ(world_.Opens("paused2").size(), 1u) << "the paused one was not restarted";
  for (std::string id : {"run1", "run2"}) {
    auto opens = world_.Opens(id);
    ASSERT_EQ(opens.size(), 2u) << id;
    EXPECT_EQ(opens[1], checkpoints[id]) << id;
  }
  ASSERT_TRUE(m.Recover().ok());
  EXPECT_EQ(world_.Opens("run1").size(), 2u) << "Recover does not restart running changefeeds";
  auto list = m.List();
  ASSERT_EQ(list.size(), 4u);
  for (const auto& info : list) ExpectNoSecrets(info);
}

TEST_F(ChangefeedManagerTest, ConcurrentApiCallsAreSafe) {
  ChangefeedManager m(store_.get(), FakeFactory(&world_));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(m.Create(Config("c" + std::to_string(i))).ok());
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      for (const auto& info : m.List()) ExpectNoSecrets(info);
      (void)m.Get("c0");
    }
  });
  std::vector<std::thread> ops;
  for (int i = 0; i < 3; ++i) {
    ops.emplace_back([&, i] {
      std::string id = "c" + std::to_string(i);
      for (int k = 0; k < 5; ++k) {
        EXPECT_TRUE(m.Pause(id).ok());
        EXPECT_TRUE(m.Resume(id).ok());
      }
    });
  }
  for (auto& t : ops) t.join();
  done = true;
  reader.join();
  for (int i = 0; i < 3; ++i) {
    std::string id = "c" + std::to_string(i);
    ASSERT_TRUE(WaitFor([&] { return State(m, id) == "normal"; })) << State(m, id);
    ASSERT_TRUE(WaitFor([&] { return world_.Delivered(id).size() >= 3; }));
    // Every run resumed exactly where the previous one's final checkpoint was: the delivered
    // transactions are 1, 2, 3, ... without a gap or a repeat, across all the restarts.
    auto delivered = world_.Delivered(id);
    for (size_t k = 0; k < delivered.size(); ++k) {
      ASSERT_EQ(delivered[k], k + 1) << id << " at " << k;
    }
    EXPECT_GE(world_.Opens(id).size(), 2u) << id;
  }
}

}  // namespace
}  // namespace sluice::pipeline

namespace sluice::pipeline {
namespace {

TEST_F(ChangefeedManagerTest, StartResolverPinsTheStartAtCreate) {
  model::SourcePosition pinned;
  pinned.binlog = {"bin.000001", 700};
  int resolved = 0;
  StartResolver resolver = [&](const ChangefeedConfig&) -> base::Result<model::SourcePosition> {
    ++resolved;
    return pinned;
  };
  ChangefeedManager m(store_.get(), FakeFactory(&world_), resolver);
  // Created paused: the position is pinned even though nothing runs yet.
  auto created = m.Create(Config("pinned"), /*paused=*/true);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(resolved, 1);
  auto saved = store_->Load("pinned");
  ASSERT_TRUE(saved.ok() && saved->has_value());
  EXPECT_EQ((*saved)->binlog.offset, 700u);
  ASSERT_TRUE(m.Resume("pinned").ok());
  ASSERT_TRUE(WaitFor([&] { return !world_.Opens("pinned").empty(); }));
  EXPECT_EQ(world_.Opens("pinned")[0], 700u) << "the run starts at the position pinned at create";

  // An unreachable source fails the create and stores nothing.
  StartResolver failing = [](const ChangefeedConfig&) -> base::Result<model::SourcePosition> {
    return base::Unavailable("cannot connect to MariaDB at 127.0.0.1:1: Connection refused");
  };
  ChangefeedManager m2(store_.get(), FakeFactory(&world_), failing);
  auto bad = m2.Create(Config("unpinned"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("resolving the start position"), std::string::npos);
  auto record = store_->GetChangefeed("unpinned");
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->has_value());
}

}  // namespace
}  // namespace sluice::pipeline
