#include "pipeline/changefeed.h"

#include <gtest/gtest.h>

#include "pipeline/message_emitter.h"
#include "pipeline/row_emitter.h"

#include <map>
#include <thread>

namespace sluice::pipeline {
namespace {

model::SourcePosition Pos(uint64_t off) {
  model::SourcePosition p;
  p.binlog = {"bin.000001", off};
  return p;
}

// A scripted source: transactions of `rows_per_txn` rows, each followed by a commit at
// offset 100*txn. Open() starts after the given position; when the script is exhausted it
// raises *stop.
// What a FakeSource does besides its script: fail one Read (Unavailable) after `fail_after_reads`
// successful ones (once per Harness), start each open with a heartbeat at the start position,
// stamp events with wall-clock commit times, sleep `pace` per Read.
struct SourceQuirks {
  int fail_after_reads = -1;
  bool heartbeat_on_open = false;
  bool wall_times = false;
  std::chrono::milliseconds pace{0};
};

class FakeSource : public source::Source {
 public:
  FakeSource(int txns, int rows_per_txn, std::atomic<bool>* stop, std::vector<uint64_t>* opens,
             std::vector<uint64_t>* acked = nullptr, SourceQuirks* quirks = nullptr)
      : txns_(txns), rows_(rows_per_txn), stop_(stop), opens_(opens), acked_(acked),
        quirks_(quirks) {
    auto t = std::make_shared<model::TableSchema>();
    t->schema = "db";
    t->table = "t";
    t->columns.resize(1);
    t->columns[0].name = "id";
    table_ = t;
    auto other = std::make_shared<model::TableSchema>(*t);
    other->table = "skipped";
    other_ = other;
  }
  base::Status Open(const model::SourcePosition& start) override {
    next_txn_ = start.empty() ? 1 : static_cast<int>(start.binlog.offset / 100) + 1;
    opens_->push_back(start.empty() ? 0 : start.binlog.offset);
    start_ = start;
    return base::Status::Ok();
  }
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t,
                    std::chrono::milliseconds) override {
    SourceQuirks none;
    SourceQuirks& q = quirks_ ? *quirks_ : none;
    if (q.pace.count()) std::this_thread::sleep_for(q.pace);
    if (q.heartbeat_on_open && !heartbeat_sent_) {
      heartbeat_sent_ = true;
      model::ChangeEvent hb;
      hb.kind = model::ChangeEvent::Kind::kHeartbeat;
      hb.position = start_.empty() ? Pos(1) : start_;
      out->push_back(std::move(hb));
      return base::Status::Ok();
    }
    if (q.fail_after_reads == 0) {
      q.fail_after_reads = -1;
      return base::Unavailable("lost connection to MariaDB");
    }
    if (q.fail_after_reads > 0) --q.fail_after_reads;
    if (next_txn_ > txns_) {
      stop_->store(true);
      return base::Status::Ok();
    }
    int txn = next_txn_++;
    uint64_t ms = q.wall_times ? static_cast<uint64_t>(
                                     std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count())
                               : 0;
    uint64_t ts = q.wall_times ? (ms << 18) + static_cast<uint64_t>(txn) : static_cast<uint64_t>(txn);
    for (int r = 0; r < rows_; ++r) {
      model::ChangeEvent ev;
      ev.kind = model::ChangeEvent::Kind::kRow;
      ev.txn.commit_ts = ts;
      ev.txn.commit_time_ms = ms;
      ev.row.table = (r == 0) ? other_ : table_;
      ev.row.after = {model::Value::Int(txn * 1000 + r)};
      out->push_back(std::move(ev));
    }
    model::ChangeEvent commit;
    commit.kind = model::ChangeEvent::Kind::kCommit;
    commit.txn.commit_ts = ts;
    commit.txn.commit_time_ms = ms;
    commit.position = Pos(static_cast<uint64_t>(txn) * 100);
    out->push_back(std::move(commit));
    return base::Status::Ok();
  }
  void Acknowledge(const model::SourcePosition& durable) override {
    if (acked_) acked_->push_back(durable.binlog.offset);
  }
  void Close() override {}

 private:
  int txns_, rows_, next_txn_ = 1;
  std::atomic<bool>* stop_;
  std::vector<uint64_t>* opens_;
  std::vector<uint64_t>* acked_;
  SourceQuirks* quirks_;
  model::SourcePosition start_;
  bool heartbeat_sent_ = false;
  model::TableSchemaPtr table_, other_;
};

class FakeEncoder : public codec::Encoder {
 public:
  base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo&,
                         codec::Message* out) override {
    out->value = std::to_string(row.after[0].as_int());
    pending_ = 2;
    return base::Status::Ok();
  }
  base::Status EncodeDdl(const model::DdlEvent&, const model::TxnInfo&, codec::Message*) override {
    return base::Status::Ok();
  }
  bool EncodeWatermark(uint64_t, codec::Message*) override { return false; }
  // With follow_up, every row is followed by "<value>+" and "<value>++" (like Debezium's
  // tombstone and the create after a key change).
  bool EncodeRowFollowUp(const model::RowChange& row, codec::Message* out) override {
    if (!follow_up || pending_ == 0) return false;
    out->value = std::to_string(row.after[0].as_int()) + std::string(3 - pending_--, '+');
    return true;
  }
  bool follow_up = false;

 private:
  int pending_ = 0;
};

// What a FakeSink's broker does: unreachable since (Unix ms, 0 = reachable); `hold`: accept
// messages but acknowledge none (a stalled target).
struct Broker {
  std::atomic<int64_t> unreachable_since_ms{0};
  std::atomic<bool> hold{false};
};

// Records delivered values; fails every delivery after `fail_after` messages (once).
class FakeSink : public sink::Sink {
 public:
  FakeSink(sink::DeliveryCallback cb, std::vector<std::string>* delivered, int* fail_after,
           Broker* broker)
      : cb_(std::move(cb)), delivered_(delivered), fail_after_(fail_after), broker_(broker) {}
  int64_t UnreachableSinceMs() const override { return broker_->unreachable_since_ms.load(); }
  base::Result<int32_t> PrepareTopic(const std::string&) override { return 3; }
  base::Status Produce(const std::string&, int32_t, codec::Message msg, uint64_t token) override {
    queue_.emplace_back(token, std::move(msg.value));
    return base::Status::Ok();
  }
  void Poll(int) override {
    if (broker_->hold) return;
    for (auto& [token, value] : queue_) {
      if (*fail_after_ == 0) {
        cb_(token, base::Unavailable("broker went away"));
        continue;
      }
      if (*fail_after_ > 0) --*fail_after_;
      delivered_->push_back(value);
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
  std::vector<std::pair<uint64_t, std::string>> queue_;
  std::vector<std::string>* delivered_;
  int* fail_after_;
  Broker* broker_;
};

// A database-like row sink: rows are committed in batches at Poll() time; a failed batch
// reports every token in it as failed.
class FakeRowSink : public sink::RowSink {
 public:
  FakeRowSink(sink::DeliveryCallback cb, std::vector<std::string>* applied)
      : cb_(std::move(cb)), applied_(applied) {}
  base::Status Apply(const model::RowChange& row, const model::TxnInfo&,
                     uint64_t token) override {
    batch_.emplace_back(token, std::to_string(row.after[0].as_int()));
    return base::Status::Ok();
  }
  base::Status ApplyDdl(const model::DdlEvent& ddl, const model::TxnInfo&,
                        uint64_t token) override {
    batch_.emplace_back(token, "DDL " + ddl.sql);
    return base::Status::Ok();
  }
  void Poll(int) override {
    for (auto& [token, v] : batch_) {
      applied_->push_back(v);
      cb_(token, base::Status::Ok());
    }
    batch_.clear();
  }
  base::Status Flush(int) override {
    Poll(0);
    return base::Status::Ok();
  }

 private:
  sink::DeliveryCallback cb_;
  std::vector<std::pair<uint64_t, std::string>> batch_;
  std::vector<std::string>* applied_;
};

class MemoryStore : public CheckpointStore {
 public:
  base::Result<std::optional<model::SourcePosition>> Load(const std::string& id) override {
    auto it = saved.find(id);
    if (it == saved.end()) return std::optional<model::SourcePosition>();
    return std::optional<model::SourcePosition>(it->second);
  }
  base::Status Save(const std::string& id, const model::SourcePosition& p) override {
    saved[id] = p;
    return base::Status::Ok();
  }
  base::Status Remove(const std::string& id) override {
    saved.erase(id);
    return base::Status::Ok();
  }
  std::map<std::string, model::SourcePosition> saved;
};

struct Harness {
  std::atomic<bool> stop{false};
  std::vector<uint64_t> opens;
  std::vector<std::string> delivered;
  int fail_after = -1;
  int attempts = 0;
  bool follow_up = false;
  SourceQuirks quirks;
  Broker broker;
  MemoryStore store;

  PartsFactory Factory(int txns, int rows) {
    PartsFactory f;
    f.source = [this, txns, rows]() -> base::Result<std::unique_ptr<source::Source>> {
      return std::unique_ptr<source::Source>(
          std::make_unique<FakeSource>(txns, rows, &stop, &opens, nullptr, &quirks));
    };
    f.emitter = [this](sink::DeliveryCallback cb) -> base::Result<std::unique_ptr<Emitter>> {
      if (++attempts > 1) fail_after = -1;  // the broker is back after a restart
      auto encoder = std::make_unique<FakeEncoder>();
      encoder->follow_up = follow_up;
      return std::unique_ptr<Emitter>(std::make_unique<MessageEmitter>(
          MessageEmitterOptions{}, std::move(encoder),
          std::make_unique<dispatch::EventRouter>(*dispatch::EventRouter::Create("t", {})),
          std::make_unique<FakeSink>(std::move(cb), &delivered, &fail_after, &broker), nullptr));
    };
    return f;
  }
};

ChangefeedOptions Options() {
  ChangefeedOptions o;
  o.id = "cf";
  o.filter = *dispatch::TableFilter::Parse({"db.*", "!db.skipped"});
  o.checkpoint_interval = std::chrono::milliseconds(0);
  o.max_backoff = std::chrono::milliseconds(1);
  return o;
}

TEST(Changefeed, DeliversFilteredRowsAndCheckpointsLastCommit) {
  Harness h;
  Changefeed cf(Options(), h.Factory(5, 3), &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  // 5 txns x 3 rows, the first row of each is in an excluded table.
  ASSERT_EQ(h.delivered.size(), 10u);
  EXPECT_EQ(h.delivered.front(), "1001");
  EXPECT_EQ(h.delivered.back(), "5002");
  EXPECT_EQ(h.store.saved["cf"].binlog.offset, 500u);
  EXPECT_EQ(cf.stats().rows_read.load(), 10u);
  EXPECT_EQ(cf.stats().rows_delivered.load(), 10u);
  EXPECT_EQ(cf.state(), ChangefeedState::kStopped);
}

TEST(Changefeed, FollowUpMessagesAreProducedRightAfterTheirRow) {
  Harness h;
  h.follow_up = true;
  Changefeed cf(Options(), h.Factory(2, 2), &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  EXPECT_EQ(h.delivered, (std::vector<std::string>{"1001", "1001+", "1001++", "2001", "2001+",
                                                   "2001++"}));
  EXPECT_EQ(h.store.saved["cf"].binlog.offset, 200u);
  EXPECT_EQ(cf.stats().rows_read.load(), 2u);
  EXPECT_EQ(cf.stats().messages.load(), 6u);
}

TEST(Changefeed, RetriesFromCheckpointWithoutLosingRows) {
  Harness h;
  h.fail_after = 5;  // deliveries 6.. of the first attempt fail
  Changefeed cf(Options(), h.Factory(6, 3), &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  EXPECT_GE(cf.stats().restarts.load(), 1u);
  ASSERT_GE(h.opens.size(), 2u);
  EXPECT_EQ(h.attempts, 2) << "failed deliveries rebuild the emitter";
  // Every expected row was delivered at least once.
  for (int txn = 1; txn <= 6; ++txn) {
    for (int r = 1; r < 3; ++r) {
      std::string v = std::to_string(txn * 1000 + r);
      EXPECT_NE(std::find(h.delivered.begin(), h.delivered.end(), v), h.delivered.end()) << v;
    }
  }
  EXPECT_EQ(h.store.saved["cf"].binlog.offset, 600u);
}

TEST(Changefeed, ResumesFromStoredCheckpoint) {
  Harness h;
  h.store.saved["cf"] = Pos(300);
  Changefeed cf(Options(), h.Factory(5, 2), &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  ASSERT_EQ(h.opens.size(), 1u);
  EXPECT_EQ(h.opens[0], 300u);
  ASSERT_EQ(h.delivered.size(), 2u);  // txns 4 and 5, one kept row each
  EXPECT_EQ(h.delivered[0], "4001");
}

TEST(Changefeed, RowSinkAppliesRowsAndSourceIsAcknowledgedOnlyAfterCheckpoint) {
  Harness h;
  std::vector<uint64_t> acked;
  std::vector<std::string> applied;
  PartsFactory factory;
  factory.source = [&]() -> base::Result<std::unique_ptr<source::Source>> {
    return std::unique_ptr<source::Source>(
        std::make_unique<FakeSource>(4, 3, &h.stop, &h.opens, &acked));
  };
  factory.emitter = [&](sink::DeliveryCallback cb) -> base::Result<std::unique_ptr<Emitter>> {
    return std::unique_ptr<Emitter>(
        std::make_unique<RowEmitter>(std::make_unique<FakeRowSink>(std::move(cb), &applied)));
  };
  Changefeed cf(Options(), factory, &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  ASSERT_EQ(applied.size(), 8u);  // 4 txns x 2 kept rows
  EXPECT_EQ(applied.front(), "1001");
  EXPECT_EQ(applied.back(), "4002");
  EXPECT_EQ(h.store.saved["cf"].binlog.offset, 400u);
  // The source hears of each checkpoint after it was stored, never of a position beyond it.
  ASSERT_FALSE(acked.empty());
  EXPECT_EQ(acked.back(), 400u);
  EXPECT_TRUE(std::is_sorted(acked.begin(), acked.end()));
}

TEST(Changefeed, NonRetriableErrorFails) {
  Harness h;
  PartsFactory factory;
  factory.source = []() -> base::Result<std::unique_ptr<source::Source>> {
    return base::FailedPrecondition("binlog_format is MIXED; SET GLOBAL binlog_format=ROW");
  };
  Changefeed cf(Options(), factory, &h.store);
  auto st = cf.Run(&h.stop);
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(cf.state(), ChangefeedState::kFailed);
  EXPECT_NE(cf.last_error().find("binlog_format"), std::string::npos);
}

TEST(Changefeed, SourceFailureRebuildsOnlyTheSource) {
  Harness h;
  h.quirks.fail_after_reads = 2;  // the source drops after two transactions
  Changefeed cf(Options(), h.Factory(5, 3), &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  EXPECT_EQ(cf.stats().restarts.load(), 1u);
  ASSERT_EQ(h.opens.size(), 2u);
  EXPECT_EQ(h.opens[1], 200u) << "resumed at the checkpoint";
  EXPECT_EQ(h.attempts, 1) << "the emitter (the Kafka producer) was kept";
  EXPECT_EQ(h.delivered.size(), 10u);
  EXPECT_EQ(h.store.saved["cf"].binlog.offset, 500u);
}

// Runs the changefeed on a thread until the test raises h.stop.
struct Background {
  Background(Changefeed& cf, Harness& h) : h_(h) {
    thread = std::thread([this, &cf, &h] { result = cf.Run(&h.stop); });
  }
  ~Background() {
    h_.stop = true;
    thread.join();
  }
  template <typename Pred>
  static bool WaitFor(Pred pred) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!pred() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }
  Harness& h_;
  base::Status result;
  std::thread thread;
};

TEST(Changefeed, UnreachableTargetTurnsWarningWithTheReasonAndBack) {
  Harness h;
  h.quirks.pace = std::chrono::milliseconds(5);
  h.quirks.wall_times = true;
  Changefeed cf(Options(), h.Factory(1000000, 2), &h.store);
  Background run(cf, h);
  ASSERT_TRUE(Background::WaitFor([&] { return cf.stats().rows_delivered.load() > 5; }));
  EXPECT_EQ(cf.state(), ChangefeedState::kNormal);
  EXPECT_EQ(cf.state_reason(), "");

  // The broker goes away: messages are held, the sink says since when.
  h.broker.hold = true;
  h.broker.unreachable_since_ms = 1796300000000;  // 2026-12-03T12:13:20Z
  ASSERT_TRUE(Background::WaitFor([&] { return cf.state() == ChangefeedState::kWarning; }));
  EXPECT_EQ(cf.state_reason().rfind("all brokers down since 2026-12-03T12:13:20Z (", 0), 0u)
      << cf.state_reason();
  EXPECT_EQ(cf.target_unreachable_since_ms(), 1796300000000);
  // Rows are still read; none is delivered; the checkpoint lag grows.
  uint64_t delivered = cf.stats().rows_delivered.load();
  uint64_t read = cf.stats().rows_read.load();
  ASSERT_TRUE(Background::WaitFor([&] {
    return cf.stats().rows_read.load() > read + 10 && cf.checkpoint_lag_ms() >= 50;
  }));
  EXPECT_EQ(cf.stats().rows_delivered.load(), delivered);
  EXPECT_NE(cf.state_reason().find("; checkpoint lag "), std::string::npos) << cf.state_reason();
  std::string line = StatusLine(cf, "cf", 0, 0);
  EXPECT_NE(line.find("state=warning (all brokers down since 2026-12-03T12:13:20Z"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(fmt::format("delivered={} (+{})", delivered, delivered)),
            std::string::npos)
      << line;

  // Back: deliveries resume, the state is normal again.
  h.broker.unreachable_since_ms = 0;
  h.broker.hold = false;
  ASSERT_TRUE(Background::WaitFor([&] {
    return cf.state() == ChangefeedState::kNormal && cf.stats().rows_delivered.load() > delivered;
  }));
  EXPECT_EQ(cf.state_reason(), "");
  EXPECT_EQ(h.attempts, 1);
}

TEST(Changefeed, StalledDeliveriesTurnWarning) {
  Harness h;
  h.quirks.pace = std::chrono::milliseconds(5);
  ChangefeedOptions o = Options();
  o.stall_after = std::chrono::milliseconds(200);
  Changefeed cf(o, h.Factory(1000000, 2), &h.store);
  Background run(cf, h);
  ASSERT_TRUE(Background::WaitFor([&] { return cf.stats().rows_delivered.load() > 5; }));
  h.broker.hold = true;  // reachable, but nothing is acknowledged
  ASSERT_TRUE(Background::WaitFor([&] { return cf.state() == ChangefeedState::kWarning; }));
  EXPECT_EQ(cf.state_reason().rfind("no delivery acknowledged for ", 0), 0u) << cf.state_reason();
  h.broker.hold = false;
  ASSERT_TRUE(Background::WaitFor([&] { return cf.state() == ChangefeedState::kNormal; }));
}

TEST(Changefeed, CheckpointCommitTimeSurvivesARetry) {
  // After a retry the source starts with a heartbeat at the checkpoint, which carries no commit
  // time: the checkpoint's commit time (and with it the lag) must not drop to 0.
  Harness h;
  h.quirks.wall_times = true;
  h.quirks.heartbeat_on_open = true;
  h.quirks.fail_after_reads = 3;
  Changefeed cf(Options(), h.Factory(3, 2), &h.store);
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  ASSERT_EQ(h.opens.size(), 2u);
  EXPECT_GT(cf.stats().checkpoint_commit_ms.load(), 1700000000000u);
  EXPECT_GT(cf.stats().last_event_commit_ms.load(), 1700000000000u);
}

TEST(Changefeed, BackoffStartsOverAfterAHealthyAttempt) {
  // Two attempts fail at once (no progress): the delay doubles. Then an attempt that moves the
  // checkpoint fails: the next delay is the first one again.
  Harness h;
  ChangefeedOptions o = Options();
  o.initial_backoff = std::chrono::milliseconds(300);
  o.max_backoff = std::chrono::milliseconds(5000);
  o.backoff_jitter = 0;
  std::vector<uint64_t> delays;
  int opens = 0;
  PartsFactory f = h.Factory(4, 2);
  auto make_source = f.source;
  f.source = [&]() -> base::Result<std::unique_ptr<source::Source>> {
    ++opens;
    if (opens == 1 || opens == 2 || opens == 4) return base::Unavailable("MariaDB is down");
    if (opens == 3) h.quirks.fail_after_reads = 2;  // streams two transactions, then drops
    return make_source();
  };
  Changefeed cf(o, f, &h.store);
  std::thread watch([&] {
    uint64_t seen = 0;
    while (!h.stop) {
      uint64_t r = cf.stats().restarts.load();
      if (r != seen) {
        delays.push_back(cf.stats().retry_delay_ms.load());
        seen = r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_TRUE(cf.Run(&h.stop).ok());
  watch.join();
  EXPECT_EQ(delays, (std::vector<uint64_t>{300, 600, 300, 600}));
  EXPECT_EQ(h.delivered.size(), 4u);  // one kept row per transaction, none lost
}

}  // namespace
}  // namespace sluice::pipeline
