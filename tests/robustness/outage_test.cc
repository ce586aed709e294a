// Robustness: what a changefeed does while its Kafka broker or its MariaDB source is down (issue
// 22), against real servers it owns: a private Kafka broker (scripts/kafka.sh) or a private
// MariaDB (scripts/mariadb.sh) on free ports, killed with SIGKILL and started again, while the
// other side is the `servers` fixture's. The changefeed runs in-process (BuildChangefeed, as
// `sluice run` builds it) so the test reads its state, reason and counters directly.
//
// BrokerOutage: a steady workload; the broker is killed: the state turns `warning` ("all brokers
// down since ...") within seconds, rows delivered stand still while rows read go on, and after
// the broker is back deliveries resume (the delay after the broker was ready is printed, not
// asserted: a figure for docs/robustness.md), the state is `normal` again and every row is in
// the topic.
// DatabaseOutages: MariaDB is killed twice with a healthy period between: the retry delays of
// the second outage start again from the first delay, the Kafka producer is created once for
// the whole run, and every row is in the topic.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include "base/logging.h"
#include "codec/canal_json/canal_json_decoder.h"
#include "model/position.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "client/kafka/topic_reader.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice::robustness {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Env;
using testing::Exec;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

// `n` consecutive free loopback ports (the private servers must not collide with another
// worktree's).
int FreePorts(int n) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 100; ++attempt) {
    int base = 20000 + static_cast<int>(rng() % 20000);
    bool free = true;
    for (int i = 0; i < n && free; ++i) free = PortFree(base + i);
    if (free) return base;
  }
  throw std::runtime_error("no free ports");
}

int Shell(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A server of our own started by a repo script, killed with SIGKILL and started again on the
// same port and data directory.
class PrivateServer {
 public:
  // `script`: "kafka.sh" or "mariadb.sh"; `pidfile`: relative to the directory.
  PrivateServer(std::string script, std::string pidfile, int port)
      : script_(std::move(script)), pidfile_(std::move(pidfile)), port_(port) {
    char tmpl[] = "/tmp/sluice-outage-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~PrivateServer() {
    Shell(fmt::format("{}/{} stop {} >/dev/null 2>&1", Env("SLUICE_SCRIPTS"), script_, dir_));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Starts (or restarts) the server and waits until the script says it is ready.
  bool Start() {
    // A generous deadline: on a loaded 2-core machine the JVM broker has needed over 60 s.
    int rc = Shell(fmt::format(
        "SLUICE_KAFKA_START_TIMEOUT=${{SLUICE_KAFKA_START_TIMEOUT:-300}} {}/{} start {} {} "
        ">>{}/start.log 2>&1",
        Env("SLUICE_SCRIPTS"), script_, dir_, port_, dir_));
    return rc == 0;
  }
  void Kill9() {
    std::string pid = ReadText(dir_ + "/" + pidfile_);
    if (!pid.empty()) ::kill(std::stoi(pid), SIGKILL);
    // Wait until the port is released, so a later start really starts a new process.
    auto until = Clock::now() + seconds(30);
    while (!PortFree(port_) && Clock::now() < until) std::this_thread::sleep_for(milliseconds(50));
  }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string start_log() const { return ReadText(dir_ + "/start.log"); }

 private:
  std::string script_, pidfile_, dir_;
  int port_;
};

// Keeps every log line of the given loggers (the retry delays, "connected to Kafka").
class LogCapture : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(this->mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

std::shared_ptr<LogCapture> CaptureLogs() {
  auto capture = std::make_shared<LogCapture>();
  for (const char* name : {"pipeline", "sink.kafka"}) {
    auto logger = base::Logger(name);
    logger->sinks().push_back(capture);
    logger->set_level(spdlog::level::info);
  }
  return capture;
}

void StopCapture(const std::shared_ptr<LogCapture>& capture) {
  for (const char* name : {"pipeline", "sink.kafka"}) {
    auto& sinks = base::Logger(name)->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), capture), sinks.end());
  }
}

// Inserts rows (id = 1, 2, ...) into <db>.t at about `per_second`, reconnecting while the
// server is down. `committed` holds the ids whose COMMIT succeeded.
class Workload {
 public:
  Workload(client::mysql::ConnectOptions conn, std::string table, int per_second)
      : conn_(std::move(conn)), table_(std::move(table)), per_second_(per_second) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Workload() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t committed() const { return committed_.load(); }

 private:
  void Run() {
    std::unique_ptr<client::mysql::MySqlConnection> c;
    int64_t next = 1;
    while (!stop_) {
      std::this_thread::sleep_for(milliseconds(1000 / per_second_));
      if (!c) {
        auto made = client::mysql::MySqlConnection::Connect(conn_);
        if (!made.ok()) continue;
        c = std::move(made).value();
      }
      auto st = c->Exec(fmt::format("INSERT INTO {} VALUES ({}, 'row {}')", table_, next, next));
      if (st.ok()) {
        committed_ = next++;
      } else if (st.message().find("Duplicate") != std::string::npos) {
        committed_ = next++;  // the commit went through before the connection broke
      } else {
        c.reset();
      }
    }
  }

  client::mysql::ConnectOptions conn_;
  std::string table_;
  int per_second_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> committed_{0};
  std::thread thread_;
};

// The ids of the canal-json row messages of `topic` (every message, re-deliveries included).
std::set<int64_t> TopicIds(const std::string& brokers, const std::string& topic, size_t* total) {
  auto reader = client::kafka::TopicReader::Create(brokers);
  if (!reader.ok()) throw std::runtime_error(reader.status().message());
  client::kafka::ReadLimits limits;
  limits.timeout = seconds(60);
  auto msgs = (*reader)->ReadAll(topic, limits);
  if (!msgs.ok()) throw std::runtime_error(msgs.status().message());
  std::set<int64_t> ids;
  *total = 0;
  for (const auto& m : *msgs) {
    auto d = codec::canal_json::DecodeCanalJson(m.value);
    if (!d.ok() || d->IsWatermark() || d->is_ddl || !d->data) continue;
    for (const auto& [col, value] : *d->data) {
      if (col == "id" && value) {
        ids.insert(std::stoll(*value));
        ++*total;
      }
    }
  }
  return ids;
}

// A changefeed built as `sluice run` builds it, running on its own thread; counts how often
// its emitter (the Kafka producer) is created.
class Feed {
 public:
  Feed(const pipeline::ChangefeedConfig& config, const std::string& state_dir)
      : store_(state_dir) {
    auto built = pipeline::BuildChangefeed(config);
    if (!built.ok()) throw std::runtime_error(built.status().message());
    auto start = pipeline::ResolveStartPosition(config);
    if (!start.ok()) throw std::runtime_error(start.status().message());
    built->options.start = *start;
    auto make_emitter = built->factory.emitter;
    built->factory.emitter = [this, make_emitter](sink::DeliveryCallback cb) {
      ++emitters_;
      return make_emitter(std::move(cb));
    };
    feed_ = std::make_unique<pipeline::Changefeed>(built->options, built->factory, &store_);
    thread_ = std::thread([this] { result_ = feed_->Run(&stop_); });
  }
  ~Feed() { Stop(); }
  base::Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  pipeline::Changefeed& operator*() { return *feed_; }
  pipeline::Changefeed* operator->() { return feed_.get(); }
  int emitters() const { return emitters_.load(); }
  uint64_t delivered() const { return feed_->stats().rows_delivered.load(); }
  uint64_t read() const { return feed_->stats().rows_read.load(); }

  // Polls `done` every 20 ms until it holds or `limit` passes.
  bool WaitFor(seconds limit, const std::function<bool()>& done) {
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (done()) return true;
      if (feed_->state() == pipeline::ChangefeedState::kFailed) return done();
      std::this_thread::sleep_for(milliseconds(20));
    }
    return done();
  }

 private:
  pipeline::FileCheckpointStore store_;
  std::unique_ptr<pipeline::Changefeed> feed_;
  std::atomic<bool> stop_{false};
  std::atomic<int> emitters_{0};
  base::Status result_;
  std::thread thread_;
};

// True once the changefeed's checkpoint covers the GTID position `target`.
bool CheckpointCovers(pipeline::Changefeed& f, const std::string& target) {
  auto cp = f.checkpoint();
  auto want = model::MariaGtidSet::Parse(target);
  return cp && want.ok() && !cp->gtids.empty() && cp->gtids.Covers(*want);
}

std::string StateText(pipeline::Changefeed& f) {
  return fmt::format("state={} reason='{}' error='{}' read={} delivered={}",
                     pipeline::ChangefeedStateName(f.state()), f.state_reason(), f.last_error(),
                     f.stats().rows_read.load(), f.stats().rows_delivered.load());
}

std::string StateDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/outage-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Outage, BrokerOutageTurnsWarningAndDeliveriesResume) {
  const int kport = FreePorts(2);  // broker and controller
  PrivateServer kafka("kafka.sh", "kafka.pid", kport);
  ASSERT_TRUE(kafka.Start()) << kafka.start_log();
  const std::string brokers = fmt::format("127.0.0.1:{}", kport);

  const std::string db = "outage_broker_" + std::to_string(::getpid());
  auto conn = testing::ConnectMariaDb();
  testing::RecreateDatabase(*conn, db);
  Exec(*conn, "CREATE TABLE " + db + ".t (id BIGINT PRIMARY KEY, s VARCHAR(32))");

  pipeline::ChangefeedConfig config;
  config.id = db;
  config.source_uri = testing::MariaDbUri(
      fmt::format("?start=now&server-id={}", 6000 + ::getpid() % 1000));
  // A long write-timeout keeps the queued messages alive through the outage (message timeout =
  // write-timeout x (max-retry + 1)), so this is the producer reconnecting, not a restart.
  std::string reconnect = std::getenv("SLUICE_OUTAGE_RECONNECT_BACKOFF_MAX")
                              ? std::getenv("SLUICE_OUTAGE_RECONNECT_BACKOFF_MAX")
                              : "";
  config.sink_uri = fmt::format(
      "kafka://{}/{}?protocol=canal-json&partition-num=1&write-timeout=60s&dial-timeout=5s{}",
      brokers, db, reconnect.empty() ? "" : "&reconnect-backoff-max=" + reconnect);
  config.filter_rules = {db + ".*"};

  Feed feed(config, StateDir("broker"));
  client::mysql::ConnectOptions writer;
  writer.host = Env("SLUICE_MARIADB_HOST");
  writer.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_MARIADB_PORT")));
  writer.user = Env("SLUICE_MARIADB_USER");
  writer.password = Env("SLUICE_MARIADB_PASSWORD");
  Workload work(writer, db + ".t", 50);

  ASSERT_TRUE(feed.WaitFor(seconds(90), [&] {
    return feed->state() == pipeline::ChangefeedState::kNormal && feed.delivered() >= 20;
  })) << StateText(*feed);

  // The broker goes away: `warning` with the reason, within seconds.
  kafka.Kill9();
  const auto killed = Clock::now();
  ASSERT_TRUE(feed.WaitFor(seconds(60), [&] {
    return feed->state() == pipeline::ChangefeedState::kWarning &&
           feed->state_reason().find("all brokers down since") != std::string::npos;
  })) << StateText(*feed);
  const double to_warning = Since(killed);
  EXPECT_NE(feed->target_unreachable_since_ms(), 0);

  // Delivered rows stand still while rows read go on (the source keeps reading).
  // Deliveries in flight at the kill may still be reported failed-then-retried; let them settle.
  std::this_thread::sleep_for(seconds(1));
  const uint64_t delivered_down = feed.delivered();
  const uint64_t read_down = feed.read();
  std::this_thread::sleep_for(seconds(4));
  EXPECT_EQ(feed.delivered(), delivered_down) << StateText(*feed);
  EXPECT_GT(feed.read(), read_down) << StateText(*feed);
  EXPECT_EQ(feed->state(), pipeline::ChangefeedState::kWarning) << StateText(*feed);
  // The lag grows while the checkpoint stands still.
  const int64_t lag_down = feed->checkpoint_lag_ms();
  EXPECT_GE(lag_down, 4000) << StateText(*feed);
  EXPECT_NE(feed->state_reason().find("checkpoint lag"), std::string::npos) << StateText(*feed);
  const std::string line = pipeline::StatusLine(*feed, db, 0, 0);
  EXPECT_NE(line.find("state=warning (all brokers down since"), std::string::npos) << line;
  EXPECT_NE(line.find(fmt::format("delivered={} ", delivered_down)), std::string::npos) << line;

  // The broker comes back: deliveries resume and the state is `normal` again.
  ASSERT_TRUE(kafka.Start()) << kafka.start_log();
  const auto ready = Clock::now();
  ASSERT_TRUE(feed.WaitFor(seconds(120), [&] { return feed.delivered() > delivered_down; }))
      << StateText(*feed);
  const double resumed_after = Since(ready);
  ASSERT_TRUE(feed.WaitFor(seconds(60), [&] {
    return feed->state() == pipeline::ChangefeedState::kNormal;
  })) << StateText(*feed);
  EXPECT_EQ(feed->state_reason(), "");
  EXPECT_EQ(feed->target_unreachable_since_ms(), 0);
  EXPECT_EQ(feed.emitters(), 1) << "the producer reconnected; it was not rebuilt";
  std::printf("[outage] broker killed: warning after %.1f s; deliveries resumed %.2f s after "
              "the broker was ready (reconnect-backoff-max=%s); outage %.1f s\n",
              to_warning, resumed_after, reconnect.empty() ? "default" : reconnect.c_str(),
              std::chrono::duration<double>(ready - killed).count());

  // Nothing lost: every committed row reaches the topic.
  work.Stop();
  const int64_t committed = work.committed();
  const std::string end = testing::GtidPos(*conn);
  ASSERT_TRUE(feed.WaitFor(seconds(120), [&] { return CheckpointCovers(*feed, end); }))
      << committed << " committed; " << StateText(*feed);
  ASSERT_TRUE(feed.Stop().ok());
  size_t total = 0;
  auto ids = TopicIds(brokers, db, &total);
  for (int64_t id = 1; id <= committed; ++id) {
    ASSERT_TRUE(ids.count(id)) << "row " << id << " of " << committed << " is not in the topic";
  }
  Exec(*conn, "DROP DATABASE " + db);
}

// The retry delays logged by the changefeed, in order.
std::vector<int64_t> RetryDelays(const std::vector<std::string>& lines) {
  static const std::regex re(R"(retrying from the last checkpoint in (\d+) ms)");
  std::vector<int64_t> out;
  for (const auto& l : lines) {
    std::smatch m;
    if (std::regex_search(l, m, re)) out.push_back(std::stoll(m[1]));
  }
  return out;
}

size_t Count(const std::vector<std::string>& lines, const std::string& what) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(what) != std::string::npos;
  return n;
}

TEST(Outage, DatabaseOutagesKeepTheProducerAndTheBackoffStartsOver) {
  const int mport = FreePorts(1);
  PrivateServer maria("mariadb.sh", "mariadbd.pid", mport);
  ASSERT_TRUE(maria.Start()) << maria.start_log();

  const std::string db = "outage_db_" + std::to_string(::getpid());
  client::mysql::ConnectOptions root;
  root.unix_socket = maria.dir() + "/mysql.sock";
  root.user = "root";
  {
    auto c = client::mysql::MySqlConnection::Connect(root);
    ASSERT_TRUE(c.ok()) << c.status().message();
    Exec(**c, "CREATE DATABASE " + db);
    Exec(**c, "CREATE TABLE " + db + ".t (id BIGINT PRIMARY KEY, s VARCHAR(32))");
  }

  auto capture = CaptureLogs();
  pipeline::ChangefeedConfig config;
  config.id = db;
  config.source_uri = fmt::format(
      "mysql://sluice:sluice@127.0.0.1:{}/?start=now&server-id=77&connect-timeout=2s", mport);
  config.sink_uri = fmt::format("kafka://{}/{}?protocol=canal-json&partition-num=1",
                                Env("SLUICE_KAFKA_BOOTSTRAP"), db);
  config.filter_rules = {db + ".*"};
  Feed feed(config, StateDir("db"));
  client::mysql::ConnectOptions writer;
  writer.port = static_cast<uint16_t>(mport);
  writer.user = "sluice";
  writer.password = "sluice";
  writer.connect_timeout = seconds(2);
  Workload work(writer, db + ".t", 50);

  auto healthy = [&](uint64_t more_than) {
    return feed.WaitFor(seconds(120), [&] {
      return feed->state() == pipeline::ChangefeedState::kNormal && feed.delivered() > more_than;
    });
  };
  ASSERT_TRUE(healthy(20)) << StateText(*feed);

  // Outage 1: down until at least three retries have been logged (about 0.5 + 1 + 2 s).
  maria.Kill9();
  ASSERT_TRUE(feed.WaitFor(seconds(60), [&] { return RetryDelays(capture->Lines()).size() >= 3; }))
      << StateText(*feed);
  ASSERT_TRUE(maria.Start()) << maria.start_log();
  const size_t retries_outage1 = RetryDelays(capture->Lines()).size();
  // A healthy period: streaming again and delivering, for longer than healthy_after (5 s).
  ASSERT_TRUE(healthy(feed.delivered())) << StateText(*feed);
  const uint64_t before_wait = feed.delivered();
  std::this_thread::sleep_for(seconds(7));
  ASSERT_GT(feed.delivered(), before_wait) << StateText(*feed);
  const size_t retries_before_outage2 = RetryDelays(capture->Lines()).size();

  // Outage 2: the delays start again from the first one.
  maria.Kill9();
  ASSERT_TRUE(feed.WaitFor(seconds(60), [&] {
    return RetryDelays(capture->Lines()).size() >= retries_before_outage2 + 2;
  })) << StateText(*feed);
  ASSERT_TRUE(maria.Start()) << maria.start_log();
  ASSERT_TRUE(healthy(feed.delivered())) << StateText(*feed);

  auto delays = RetryDelays(capture->Lines());
  std::string seq;
  for (auto d : delays) seq += std::to_string(d) + " ";
  std::printf("[outage] retry delays (ms): %s(outage 1: the first %zu)\n", seq.c_str(),
              retries_before_outage2);
  ASSERT_GE(retries_outage1, 3u);
  // Outage 1 grows: 500, 1000, 2000 (+-20% jitter).
  EXPECT_LE(delays[0], 600) << seq;
  EXPECT_GE(delays[1], 800) << seq;
  EXPECT_GE(delays[2], 1600) << seq;
  // Outage 2 starts over: the first delay is the first step again, the next one doubles.
  EXPECT_GE(delays[retries_before_outage2], 400) << seq;
  EXPECT_LE(delays[retries_before_outage2], 600) << seq;
  EXPECT_LE(delays[retries_before_outage2 + 1], 1200) << seq;

  // One producer for the whole run: the database outages rebuilt the source only.
  auto lines = capture->Lines();
  EXPECT_EQ(feed.emitters(), 1) << StateText(*feed);
  EXPECT_EQ(Count(lines, "connected to Kafka"), 1u);
  EXPECT_GE(Count(lines, "the source failed: keeping the sink"), retries_outage1);

  // Nothing lost.
  work.Stop();
  const int64_t committed = work.committed();
  std::string end;
  {
    auto c = client::mysql::MySqlConnection::Connect(root);
    ASSERT_TRUE(c.ok()) << c.status().message();
    end = testing::GtidPos(**c);
  }
  ASSERT_TRUE(feed.WaitFor(seconds(120), [&] { return CheckpointCovers(*feed, end); }))
      << committed << " committed; " << StateText(*feed);
  ASSERT_TRUE(feed.Stop().ok());
  StopCapture(capture);
  size_t total = 0;
  auto ids = TopicIds(Env("SLUICE_KAFKA_BOOTSTRAP"), db, &total);
  for (int64_t id = 1; id <= committed; ++id) {
    ASSERT_TRUE(ids.count(id)) << "row " << id << " of " << committed << " is not in the topic";
  }
}

}  // namespace
}  // namespace sluice::robustness
