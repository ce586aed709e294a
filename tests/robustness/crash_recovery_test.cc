// Robustness: kill -9 of the real `sluice run` process at random moments loses no row change.
//
// A workload thread writes exactly kChanges single-row changes (INSERT/UPDATE/DELETE in
// transactions of 1..120 statements, seeded RNG) into a fresh database while the main thread
// SIGKILLs the sluice process group at random moments (0.3-2 s apart, at least kMinKills times)
// and restarts it at once; restarts resume from the checkpoint file in --state-dir. After the
// workload, the last instance catches up (its checkpoint file reaches @@gtid_binlog_pos) and is
// stopped with SIGTERM.
//
// Every change is identifiable: each INSERT/UPDATE writes v = its statement number (unique), a
// DELETE carries the row's last v, and ids are never reused. Reading the whole topic back, for
// each primary key the messages (all in one partition) are mapped to positions k in that key's
// upstream change list; in partition order each message must be the next change (k = prev+1) or
// a re-delivery after a restart (k <= prev, the replayed suffix). So no change is skipped, the
// last message of every key is its last change, and replaying ends in exactly the row SELECT
// returns (or no row). Duplicates are counted and bounded.
//
// KillNineServerLosesNoRowChange repeats this against `sluice server`: the changefeed is created
// once through the REST API and each restarted server must recover it from <state-dir>/sluice.db.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <thread>
#include <tuple>

#include "codec/canal_json/canal_json_decoder.h"
#include "robustness_util.h"
#include "client/kafka/topic_reader.h"

namespace sluice::robustness {
namespace {

constexpr int kChanges = 100000;
constexpr int kMinKills = 5;

enum class Op { kInsert, kUpdate, kDelete };
const char* OpName(Op op) {
  return op == Op::kInsert ? "INSERT" : op == Op::kUpdate ? "UPDATE" : "DELETE";
}

struct Change {
  Op op;
  int64_t v;  // v written (INSERT/UPDATE) or the deleted row's v (DELETE)
};

// What the workload did: per id, its changes in commit order.
struct Workload {
  std::map<int64_t, std::vector<Change>> changes;
  int statements = 0;
  int transactions = 0;
  std::string error;  // non-empty if the workload failed
};

void RunWorkload(const std::string& db, Workload* w, std::atomic<int>* done_statements) {
  try {
    auto conn = testing::ConnectMariaDb();
    std::mt19937_64 rng(20260307);
    auto rand_int = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<int64_t> live;
    std::map<int64_t, int64_t> value_of;  // id -> current v
    int64_t next_id = 1;
    int64_t seq = 0;
    auto pad = [&] {
      return std::string(static_cast<size_t>(rand_int(0, 40)), 'a' + rand_int(0, 25));
    };
    while (w->statements < kChanges) {
      // Mostly small transactions, sometimes a larger one.
      int size = rand_int(0, 9) == 0 ? rand_int(40, 120) : rand_int(1, 12);
      size = std::min(size, kChanges - w->statements);
      Exec(*conn, "BEGIN");
      std::vector<std::pair<int64_t, Change>> pending;
      for (int i = 0; i < size; ++i) {
        int op = rand_int(0, 99);
        ++seq;
        if (live.size() < 200 || op < 45) {
          int64_t id = next_id++;
          Exec(*conn, "INSERT INTO " + db + ".t VALUES (" + std::to_string(id) + "," +
                          std::to_string(seq) + ",'" + pad() + "')");
          live.push_back(id);
          value_of[id] = seq;
          pending.push_back({id, {Op::kInsert, seq}});
        } else if (op < 80) {
          int64_t id = live[static_cast<size_t>(rand_int(0, static_cast<int>(live.size()) - 1))];
          Exec(*conn, "UPDATE " + db + ".t SET v=" + std::to_string(seq) + ", s='" + pad() +
                          "' WHERE id=" + std::to_string(id));
          value_of[id] = seq;
          pending.push_back({id, {Op::kUpdate, seq}});
        } else {
          size_t idx = static_cast<size_t>(rand_int(0, static_cast<int>(live.size()) - 1));
          int64_t id = live[idx];
          Exec(*conn, "DELETE FROM " + db + ".t WHERE id=" + std::to_string(id));
          pending.push_back({id, {Op::kDelete, value_of[id]}});
          value_of.erase(id);
          live[idx] = live.back();
          live.pop_back();
        }
      }
      Exec(*conn, "COMMIT");
      for (auto& [id, c] : pending) w->changes[id].push_back(c);
      w->statements += size;
      ++w->transactions;
      done_statements->store(w->statements);
    }
  } catch (const std::exception& e) {
    w->error = e.what();
  }
}

// Reads the whole topic back and checks it against the workload (see the file comment): no
// change lost, final rows equal SELECT, one partition per key, bounded duplicates. Prints the
// statistics prefixed with `tag`.
void VerifyTopic(client::mysql::MySqlConnection& conn, const std::string& db,
                 const std::string& topic, Workload& work, int kills, Clock::time_point t0,
                 double workload_s, const char* tag) {
  auto reader = client::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  client::kafka::ReadLimits limits;
  limits.timeout = std::chrono::seconds(120);
  auto msgs = (*reader)->ReadAll(topic, limits);
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();

  struct KeyState {
    int32_t partition = -1;
    int prev = -1;      // position of the previous message in the key's change list
    int max_seen = -1;  // highest position delivered so far
    std::map<std::string, std::optional<std::string>> last_data;
  };
  std::map<int64_t, KeyState> keys;
  // (commitTs, id, type, v): commitTs is derived from the GTID, so a re-delivered change
  // carries the same commitTs as its first delivery and this set counts each change once.
  std::set<std::tuple<uint64_t, int64_t, std::string, int64_t>> distinct_commit_ts;
  uint64_t dml = 0, redelivered = 0, replays = 0;
  int errors = 0;
  auto fail = [&](const std::string& what) {
    if (++errors <= 20) ADD_FAILURE() << what;
  };
  for (const auto& m : *msgs) {
    auto decoded = codec::canal_json::DecodeCanalJson(m.value);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    const auto& msg = *decoded;
    if (msg.IsWatermark() || msg.table != "t") continue;
    ASSERT_FALSE(msg.is_ddl) << msg.sql;
    ASSERT_TRUE(msg.data.has_value());
    ++dml;
    std::map<std::string, std::optional<std::string>> data(msg.data->begin(), msg.data->end());
    if (!data["id"] || !data["v"]) {
      fail("message without id or v");
      continue;
    }
    int64_t key = std::stoll(*data["id"]);
    int64_t v = std::stoll(*data["v"]);
    if (msg.tidb && msg.tidb->commit_ts) {
      distinct_commit_ts.insert({*msg.tidb->commit_ts, key, msg.type, v});
    }
    auto it = work.changes.find(key);
    if (it == work.changes.end()) {
      fail("message for id " + std::to_string(key) + " that was never written");
      continue;
    }
    const auto& list = it->second;
    int k = -1;
    for (size_t i = 0; i < list.size(); ++i) {
      if (OpName(list[i].op) == msg.type && list[i].v == v) k = static_cast<int>(i);
    }
    if (k < 0) {
      fail("id " + std::to_string(key) + ": " + msg.type + " v=" + std::to_string(v) +
           " matches no upstream change");
      continue;
    }
    KeyState& ks = keys[key];
    if (ks.partition >= 0 && ks.partition != m.partition) {
      fail("id " + std::to_string(key) + " moved from partition " + std::to_string(ks.partition) +
           " to " + std::to_string(m.partition));
    }
    ks.partition = m.partition;
    if (k == ks.prev + 1) {
      // the next change (or, below max_seen, the continuation of a replay)
    } else if (k <= ks.prev) {
      ++replays;  // a restart replays from the checkpoint
    } else {
      fail("id " + std::to_string(key) + ": change " + std::to_string(k) + " (" + msg.type +
           ") follows change " + std::to_string(ks.prev) + " at p" + std::to_string(m.partition) +
           "@" + std::to_string(m.offset) + ": changes in between were lost");
    }
    if (k <= ks.max_seen) ++redelivered;
    if (msg.type == "UPDATE" && k > 0) {
      const auto* old_v = msg.old ? codec::canal_json::FindColumn(*msg.old, "v") : nullptr;
      if (!old_v || !*old_v || **old_v != std::to_string(list[static_cast<size_t>(k) - 1].v)) {
        fail("id " + std::to_string(key) + ": UPDATE old image is not the previous change");
      }
    }
    ks.prev = k;
    ks.max_seen = std::max(ks.max_seen, k);
    ks.last_data = std::move(data);
  }

  // Coverage: every upstream change of every key was delivered, and the last message of each
  // key is its last change.
  uint64_t covered = 0;
  for (const auto& [key, list] : work.changes) {
    auto it = keys.find(key);
    if (it == keys.end()) {
      fail("id " + std::to_string(key) + ": no message at all");
      continue;
    }
    covered += static_cast<uint64_t>(it->second.max_seen + 1);
    if (it->second.max_seen + 1 != static_cast<int>(list.size()) ||
        it->second.prev + 1 != static_cast<int>(list.size())) {
      fail("id " + std::to_string(key) + ": " + std::to_string(list.size()) +
           " changes upstream, highest delivered " + std::to_string(it->second.max_seen + 1) +
           ", last message is change " + std::to_string(it->second.prev + 1));
    }
  }
  EXPECT_EQ(covered, static_cast<uint64_t>(kChanges));
  EXPECT_EQ(distinct_commit_ts.size(), static_cast<size_t>(kChanges));
  EXPECT_EQ(dml, static_cast<uint64_t>(kChanges) + redelivered);

  // Final state: the last message of each key equals SELECT (or the key is gone).
  auto rows = conn.Query("SELECT id, v, s FROM " + db + ".t");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  std::map<int64_t, std::vector<std::optional<std::string>>> table;
  for (const auto& r : rows->rows) table[std::stoll(*r[0])] = r;
  size_t live_rows = 0;
  for (const auto& [key, ks] : keys) {
    bool deleted = work.changes[key].back().op == Op::kDelete;
    auto row = table.find(key);
    if (deleted) {
      if (row != table.end()) fail("id " + std::to_string(key) + " deleted but still in table");
      continue;
    }
    ++live_rows;
    if (row == table.end()) {
      fail("id " + std::to_string(key) + " in Kafka but not in table");
      continue;
    }
    std::map<std::string, std::optional<std::string>> want{
        {"id", row->second[0]}, {"v", row->second[1]}, {"s", row->second[2]}};
    if (ks.last_data != want) fail("id " + std::to_string(key) + ": final row differs from SELECT");
  }
  EXPECT_EQ(live_rows, table.size());

  const double duplicate_ratio = static_cast<double>(redelivered) / kChanges;
  const double total_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "[%s] %d statements in %d transactions, %d kills, %llu messages, %llu re-delivered "
      "(%.1f%%, %llu replay starts), distinct (commitTs,id,type,v)=%zu, workload %.1f s, "
      "total %.1f s\n",
      tag, kChanges, work.transactions, kills, static_cast<unsigned long long>(dml),
      static_cast<unsigned long long>(redelivered), 100.0 * duplicate_ratio,
      static_cast<unsigned long long>(replays), distinct_commit_ts.size(), workload_s, total_s);
  // Each kill may re-deliver what was sent since the last stored checkpoint (saved every
  // 0.5 s) plus what was in flight: bound it in seconds of workload per kill, so the check does
  // not depend on how many kills the random schedule made or how fast the machine is.
  const double rate = kChanges / std::max(workload_s, 0.001);  // statements per second
  const double redelivered_s_per_kill = kills ? (redelivered / static_cast<double>(kills)) / rate : 0;
  std::printf("[%s] re-delivered %.2f s of workload per kill\n", tag, redelivered_s_per_kill);
  EXPECT_LT(redelivered_s_per_kill, 1.5)
      << "too many duplicates: checkpoints lag far behind delivery";
  EXPECT_EQ(errors, 0);
}

TEST(CrashRecovery, KillNineAtRandomMomentsLosesNoRowChange) {
  const auto t0 = Clock::now();
  const RunNames run("crash", "sluice.log");
  const std::string &db = run.db, &topic = run.topic, &id = run.id;
  const std::string &state_dir = run.state_dir, &log_path = run.log_path;

  auto conn = testing::ConnectMariaDb();
  RecreateDatabase(*conn, db);
  Exec(*conn,
       "CREATE TABLE " + db + ".t (id BIGINT PRIMARY KEY, v BIGINT NOT NULL, s VARCHAR(64))");
  Exec(*conn, "CREATE TABLE " + db + ".probe (id INT AUTO_INCREMENT PRIMARY KEY)");

  const std::string config_path = state_dir + "/changefeed.toml";
  WriteFile(config_path, "[filter]\nrules = ['" + db +
                             ".*']\n\n[sink]\ndispatchers = [\n  {matcher = ['" + db +
                             ".*'], partition = \"index-value\"},\n]\n");
  const int server_id = 5000 + ::getpid() % 1000;
  const std::string sink = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
                           "?protocol=canal-json&partition-num=3&compression=lz4"
                           "&enable-tidb-extension=true";
  auto args = [&](bool first) {
    return std::vector<std::string>{SLUICE_BIN,    "--log-level",
                                    "info",        "run",
                                    "--id",        id,
                                    "--source",    SourceUri(server_id, first),
                                    "--sink",      sink,
                                    "--config",    config_path,
                                    "--state-dir", state_dir};
  };

  auto child = std::make_unique<Child>(args(true), log_path);
  {
    std::string not_ready =
        WaitFirstCheckpoint(*conn, *child, db + ".probe", state_dir, id, log_path);
    ASSERT_TRUE(not_ready.empty()) << not_ready;
  }

  Workload work;
  std::atomic<int> done{0};
  std::atomic<bool> workload_finished{false};
  std::thread workload([&] {
    RunWorkload(db, &work, &done);
    workload_finished = true;
  });

  // Kill at random moments while the workload runs (and after, until kMinKills).
  std::mt19937 kill_rng(77);
  int kills = 0;
  size_t last_start_at = 0;  // log size when the current instance was started
  const auto workload_deadline = Clock::now() + std::chrono::seconds(150);
  while ((!workload_finished || kills < kMinKills) && Clock::now() < workload_deadline) {
    auto pause = std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 2000)(kill_rng));
    auto wake = Clock::now() + pause;
    while (Clock::now() < wake && (!workload_finished || kills < kMinKills)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (workload_finished && kills >= kMinKills) break;
    ASSERT_TRUE(child->running()) << "sluice exited on its own (" << child->exit_code()
                                  << "): " << Tail(log_path);
    ASSERT_TRUE(child->Kill(SIGKILL)) << "sluice survived SIGKILL";
    ++kills;
    std::fprintf(stderr, "[crash] kill %d at %d/%d statements, checkpoint %s\n", kills, done.load(),
                 kChanges, CheckpointGtids(state_dir, id).c_str());
    last_start_at = ReadFile(log_path).size();  // the killed instances write nothing more
    child = std::make_unique<Child>(args(false), log_path);
  }
  const bool in_time = Clock::now() < workload_deadline;
  if (!in_time) ::kill(-child->pid(), SIGKILL);  // let the workload thread end fast
  workload.join();
  ASSERT_TRUE(in_time) << "workload did not finish within 150 s (" << done.load() << " done)";
  ASSERT_TRUE(work.error.empty()) << work.error;
  ASSERT_EQ(work.statements, kChanges);
  ASSERT_GE(kills, kMinKills);
  const double workload_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // The last instance catches up, then stops cleanly. The checkpoint file may already have been
  // written by a killed instance, so first wait until the last one has started streaming (its own
  // "started" log line, after the offset where it was started: counting the lines of all
  // instances was wrong whenever an instance was killed before it got that far, e.g. while its
  // Kafka producer was still being set up on a loaded machine, and then the wait never ended; a
  // SIGTERM before its handler is installed would kill it outright). The catch-up may have to
  // read a 1M-row transaction of a concurrent test on a loaded 2-core machine: a generous wait.
  const std::string final_gtid = GtidPos(*conn);
  {
    auto until = Clock::now() + std::chrono::seconds(240);
    auto started = [&] {
      std::string log = ReadFile(log_path);
      return log.find("changefeed " + id + " started", last_start_at) != std::string::npos;
    };
    while (Clock::now() < until && (!started() || !CheckpointReached(state_dir, id, final_gtid))) {
      ASSERT_TRUE(child->running()) << "sluice exited: " << Tail(log_path);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(started()) << "the last instance did not start: " << Tail(log_path);
    ASSERT_TRUE(CheckpointReached(state_dir, id, final_gtid))
        << CheckpointGtids(state_dir, id) << " has not reached " << final_gtid << Tail(log_path);
  }
  ASSERT_TRUE(child->Kill(SIGTERM, std::chrono::seconds(30))) << "no exit after SIGTERM";
  EXPECT_EQ(child->exit_code(), 0) << Tail(log_path);

  VerifyTopic(*conn, db, topic, work, kills, t0, workload_s, "crash");
  if (!HasFailure()) {
    Exec(*conn, "DROP DATABASE " + db);
    std::filesystem::remove_all(state_dir);
  }
}

// The `sluice server` process: waits for its ready line in `log_path` after byte `from` (the
// log is shared by all instances) and returns the base URL, "" if it exited or timed out.
std::string WaitServerReady(Child& child, const std::string& log_path, size_t from) {
  static const std::regex ready(R"(sluice server listening on (http://[0-9.]+:[0-9]+))");
  auto until = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < until) {
    std::string log = ReadFile(log_path);
    std::smatch m;
    if (log.size() > from) {
      std::string tail = log.substr(from);
      if (std::regex_search(tail, m, ready)) return m[1];
    }
    if (!child.running()) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

// GET /api/v1/changefeeds/{id}; a null json on a transport error or non-200 answer.
nlohmann::json GetChangefeed(const std::string& base, const std::string& id) {
  httplib::Client client(base);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  auto r = client.Get(("/api/v1/changefeeds/" + id).c_str());
  if (!r || r->status != 200) return nlohmann::json();
  return nlohmann::json::parse(r->body, nullptr, false);
}

std::string CheckpointOf(const nlohmann::json& info) {
  if (!info.is_object() || !info.contains("checkpoint") || !info["checkpoint"].is_string()) {
    return "";
  }
  return PositionGtids(info["checkpoint"].get<std::string>());
}

// The same workload and verification against `sluice server`: the changefeed is created once
// through the REST API; every restart of the killed server must resume it by itself (Recover)
// from the checkpoint in <state-dir>/sluice.db.
TEST(CrashRecovery, KillNineServerLosesNoRowChange) {
  const auto t0 = Clock::now();
  const RunNames run("srvcrash", "server.log");
  const std::string &db = run.db, &topic = run.topic, &id = run.id;
  const std::string &state_dir = run.state_dir, &log_path = run.log_path;

  auto conn = testing::ConnectMariaDb();
  RecreateDatabase(*conn, db);
  Exec(*conn,
       "CREATE TABLE " + db + ".t (id BIGINT PRIMARY KEY, v BIGINT NOT NULL, s VARCHAR(64))");
  Exec(*conn, "CREATE TABLE " + db + ".probe (id INT AUTO_INCREMENT PRIMARY KEY)");

  const std::vector<std::string> argv = {SLUICE_BIN, "--log-level", "info",        "server",
                                         "--addr",   "127.0.0.1:0", "--state-dir", state_dir};
  auto start_server = [&](std::unique_ptr<Child>& child, std::string& base) {
    size_t from = ReadFile(log_path).size();
    child = std::make_unique<Child>(argv, log_path);
    base = WaitServerReady(*child, log_path, from);
  };
  std::unique_ptr<Child> child;
  std::string base;
  start_server(child, base);
  ASSERT_FALSE(base.empty()) << "sluice server not ready: " << Tail(log_path);

  const int server_id = 7000 + ::getpid() % 1000;
  nlohmann::json body = {
      {"id", id},
      {"source_uri", SourceUri(server_id)},
      {"sink_uri", "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
                       "?protocol=canal-json&partition-num=3&compression=lz4"
                       "&enable-tidb-extension=true"},
      {"filter_rules", {db + ".*"}},
      {"dispatchers", {{{"matcher", {db + ".*"}}, {"partition", "index-value"}}}}};
  {
    httplib::Client client(base);
    client.set_read_timeout(30, 0);
    auto r = client.Post("/api/v1/changefeeds", body.dump(), "application/json");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 201) << r->body;
  }

  // A durable position: probe rows until GET's checkpoint covers @@gtid_binlog_pos, so start=now
  // is resolved and every workload change is after the position a restart resumes from.
  {
    bool ready = false;
    auto until = Clock::now() + std::chrono::seconds(60);
    while (!ready && Clock::now() < until) {
      ASSERT_TRUE(child->running()) << "sluice server exited: " << Tail(log_path);
      Exec(*conn, "INSERT INTO " + db + ".probe VALUES ()");
      std::string gtid = GtidPos(*conn);
      auto probe_until = Clock::now() + std::chrono::seconds(3);
      while (!ready && Clock::now() < probe_until) {
        ready = GtidsCover(CheckpointOf(GetChangefeed(base, id)), gtid);
        if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ASSERT_TRUE(ready) << "no checkpoint within 60 s: " << GetChangefeed(base, id).dump()
                       << Tail(log_path);
  }

  Workload work;
  std::atomic<int> done{0};
  std::atomic<bool> workload_finished{false};
  std::thread workload([&] {
    RunWorkload(db, &work, &done);
    workload_finished = true;
  });

  // Kill at random moments while the workload runs (and after, until kMinKills). Each restart
  // waits for the new instance's ready line, so every instance gets to run.
  std::mt19937 kill_rng(78);
  int kills = 0;
  std::string loop_error;
  const auto workload_deadline = Clock::now() + std::chrono::seconds(150);
  while ((!workload_finished || kills < kMinKills) && Clock::now() < workload_deadline) {
    auto pause = std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 2000)(kill_rng));
    auto wake = Clock::now() + pause;
    while (Clock::now() < wake && (!workload_finished || kills < kMinKills)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (workload_finished && kills >= kMinKills) break;
    std::string cp = CheckpointOf(GetChangefeed(base, id));
    if (!child->running()) {
      loop_error = "sluice server exited on its own (" + std::to_string(child->exit_code()) +
                   "): " + Tail(log_path);
      break;
    }
    if (!child->Kill(SIGKILL)) {
      loop_error = "sluice server survived SIGKILL";
      break;
    }
    ++kills;
    std::fprintf(stderr, "[srvcrash] kill %d at %d/%d statements, checkpoint %s\n", kills,
                 done.load(), kChanges, cp.c_str());
    start_server(child, base);
    if (base.empty()) {
      loop_error = "restarted sluice server not ready: " + Tail(log_path);
      break;
    }
  }
  const bool in_time = Clock::now() < workload_deadline;
  workload.join();
  ASSERT_TRUE(loop_error.empty()) << loop_error;
  ASSERT_TRUE(in_time) << "workload did not finish within 150 s (" << done.load() << " done)";
  ASSERT_TRUE(work.error.empty()) << work.error;
  ASSERT_EQ(work.statements, kChanges);
  ASSERT_GE(kills, kMinKills);
  const double workload_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // The last instance recovers the changefeed by itself and catches up, then stops cleanly.
  // A generous wait: the catch-up may read a concurrent test's 1M-row transaction on a loaded
  // 2-core machine.
  const std::string final_gtid = GtidPos(*conn);
  {
    auto until = Clock::now() + std::chrono::seconds(240);
    nlohmann::json info;
    auto caught_up = [&] {
      info = GetChangefeed(base, id);
      return info.is_object() && info.value("state", "") == "normal" &&
             GtidsCover(CheckpointOf(info), final_gtid);
    };
    while (Clock::now() < until && !caught_up()) {
      ASSERT_TRUE(child->running()) << "sluice server exited: " << Tail(log_path);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(caught_up()) << info.dump() << " has not reached " << final_gtid << Tail(log_path);
  }
  ASSERT_TRUE(child->Kill(SIGTERM, std::chrono::seconds(30))) << "no exit after SIGTERM";
  EXPECT_EQ(child->exit_code(), 0) << Tail(log_path);
  {
    // Every restarted instance brought the changefeed back by itself.
    std::string log = ReadFile(log_path);
    int recovered = 0;
    for (size_t at = 0;
         (at = log.find("recovered 1 of 1 stored changefeeds", at)) != std::string::npos; ++at) {
      ++recovered;
    }
    EXPECT_EQ(recovered, kills) << Tail(log_path);
  }

  VerifyTopic(*conn, db, topic, work, kills, t0, workload_s, "srvcrash");
  if (!HasFailure()) {
    Exec(*conn, "DROP DATABASE " + db);
    std::filesystem::remove_all(state_dir);
  }
}

}  // namespace
}  // namespace sluice::robustness
