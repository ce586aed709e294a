// kill -9 of `sluice run` with a PostgreSQL sink during a random workload: after restarts from
// the checkpoint the target must still converge to the source (the sink applies rows
// idempotently, and the checkpoint only passes rows PostgreSQL has committed). Checked with the
// real `sluice diff` binary, which must exit 0 for the converged table and 3 once a target row
// is changed behind the sink's back.
#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "robustness_util.h"
#include "test_postgres.h"

namespace sluice::robustness {
namespace {

// Runs argv to completion; returns its exit code and puts its output in *out.
int RunToEnd(const std::vector<std::string>& argv, const std::string& log_path, std::string* out) {
  ::unlink(log_path.c_str());
  Child child(argv, log_path);
  auto until = Clock::now() + std::chrono::seconds(120);
  while (child.running() && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *out = ReadFile(log_path);
  return child.exit_code();
}

TEST(DatabaseSinkCrash, KillNineDuringWorkloadStillConverges) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "dbsink_kill_" + suffix;
  const std::string id = "dbsink-kill-" + suffix;
  const std::string state_dir = ::testing::TempDir() + "/dbsink-kill-" + suffix;
  const std::string log_path = state_dir + "/sluice.log";
  ::mkdir(state_dir.c_str(), 0755);
  auto conn = testing::ConnectMariaDb();
  RecreateDatabase(*conn, db);
  Exec(*conn, "CREATE TABLE " + db +
                  ".t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40), b BLOB, "
                  "at DATETIME(6))");
  Exec(*conn, "CREATE TABLE " + db + ".probe (id INT AUTO_INCREMENT PRIMARY KEY)");
  auto pg = testing::ConnectPostgres();
  ASSERT_TRUE(pg->Exec("DROP SCHEMA IF EXISTS " + db + " CASCADE").ok());

  const int server_id = 23000 + ::getpid() % 1000;  // a range no other test uses
  const std::string sink =
      testing::PostgresUri("?create-tables=true&batch-rows=50&batch-interval=50ms");
  auto args = [&](bool first) {
    return std::vector<std::string>{SLUICE_BIN,    "--log-level",
                                    "info",        "run",
                                    "--id",        id,
                                    "--source",    SourceUri(server_id, first),
                                    "--sink",      sink,
                                    "--filter",    db + ".*",
                                    "--state-dir", state_dir};
  };
  auto child = std::make_unique<Child>(args(true), log_path);
  {
    std::string not_ready =
        WaitFirstCheckpoint(*conn, *child, db + ".probe", state_dir, id, log_path);
    ASSERT_TRUE(not_ready.empty()) << not_ready;
  }

  constexpr int kStatements = 6000;
  constexpr int kMinKills = 4;
  std::atomic<int> done{0};
  std::atomic<bool> finished{false};
  std::atomic<int> kills{0};
  std::atomic<bool> abort_workload{false};
  std::thread workload([&] {
    auto c = testing::ConnectMariaDb();
    std::mt19937_64 rng(4242);
    auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<int> live;
    int next_id = 1;
    // At least kStatements, and on until the kills are done, so every kill hits the workload.
    while ((done < kStatements || kills < kMinKills) && !abort_workload) {
      std::string txn = "START TRANSACTION;";
      int n = rnd(1, 10);
      for (int i = 0; i < n; ++i, ++done) {
        int a = rnd(0, 99);
        std::string s = rnd(0, 9) ? "'s" + std::to_string(rnd(0, 1 << 20)) + "'" : "NULL";
        if (a < 45 || live.size() < 10) {
          int key = next_id++;
          txn += "INSERT INTO " + db + ".t VALUES (" + std::to_string(key) + "," +
                 std::to_string(rnd(0, 1 << 30)) + "," + s + ", X'00" +
                 std::to_string(rnd(10, 99)) + "', '2024-01-01 00:00:00." +
                 std::to_string(rnd(0, 999999)) + "');";
          live.push_back(key);
        } else if (a < 75) {
          int key = live[static_cast<size_t>(rnd(0, static_cast<int>(live.size()) - 1))];
          txn += "UPDATE " + db + ".t SET v=v+1, s=" + s + " WHERE id=" + std::to_string(key) + ";";
        } else if (a < 85) {
          size_t at = static_cast<size_t>(rnd(0, static_cast<int>(live.size()) - 1));
          int key = next_id++;
          txn += "UPDATE " + db + ".t SET id=" + std::to_string(key) +
                 " WHERE id=" + std::to_string(live[at]) + ";";
          live[at] = key;
        } else {
          size_t at = static_cast<size_t>(rnd(0, static_cast<int>(live.size()) - 1));
          txn += "DELETE FROM " + db + ".t WHERE id=" + std::to_string(live[at]) + ";";
          live.erase(live.begin() + static_cast<long>(at));
        }
      }
      Exec(*c, txn + "COMMIT");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    finished = true;
  });

  // Whatever way this test leaves the kill loop (an assertion included), the workload ends.
  struct JoinGuard {
    std::atomic<bool>* abort;
    std::thread* thread;
    ~JoinGuard() {
      *abort = true;
      if (thread->joinable()) thread->join();
    }
  } guard{&abort_workload, &workload};
  std::mt19937 kill_rng(99);
  const auto deadline = Clock::now() + std::chrono::seconds(150);
  while ((!finished || kills < kMinKills) && Clock::now() < deadline) {
    auto wake = Clock::now() +
                std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(kill_rng));
    while (Clock::now() < wake) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(child->running()) << "sluice exited on its own (" << child->exit_code()
                                  << "): " << Tail(log_path);
    ASSERT_TRUE(child->Kill(SIGKILL));
    ++kills;
    std::fprintf(stderr, "[dbsink-kill] kill %d at %d/%d statements\n", kills.load(), done.load(),
                 kStatements);
    child = std::make_unique<Child>(args(false), log_path);
  }
  workload.join();
  ASSERT_GE(kills, kMinKills);

  // A change after the workload: the last instance has caught up (and installed its signal
  // handlers) once its own checkpoint covers it.
  Exec(*conn, "INSERT INTO " + db + ".probe VALUES ()");
  std::string final_gtid = GtidPos(*conn);
  auto until = Clock::now() + std::chrono::seconds(120);
  while (!CheckpointReached(state_dir, id, final_gtid) && Clock::now() < until) {
    ASSERT_TRUE(child->running()) << Tail(log_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(CheckpointReached(state_dir, id, final_gtid)) << Tail(log_path);
  ASSERT_TRUE(child->Kill(SIGTERM));
  EXPECT_EQ(child->exit_code(), 0) << Tail(log_path);

  std::string out;
  std::vector<std::string> diff = {
      SLUICE_BIN, "diff",   "--left", testing::MariaDbUri(), "--right", testing::PostgresUri(),
      "--table",  db + ".t"};
  EXPECT_EQ(RunToEnd(diff, state_dir + "/diff.log", &out), 0) << out;
  EXPECT_NE(out.find("EQUAL"), std::string::npos) << out;
  auto rows = pg->Query("SELECT count(*) FROM " + db + ".t");
  ASSERT_TRUE(rows.ok());
  EXPECT_GT(std::stoi(*rows->rows[0][0]), 100);

  ASSERT_TRUE(
      pg->Exec("UPDATE " + db + ".t SET v = v + 1 WHERE id = (SELECT max(id) FROM " + db + ".t)")
          .ok());
  EXPECT_EQ(RunToEnd(diff, state_dir + "/diff.log", &out), 3) << out;
  EXPECT_NE(out.find("1 different"), std::string::npos) << out;
  EXPECT_NE(out.find("column v"), std::string::npos) << out;

  Exec(*conn, "DROP DATABASE IF EXISTS " + db);
  static_cast<void>(pg->Exec("DROP SCHEMA IF EXISTS " + db + " CASCADE"));
}

}  // namespace
}  // namespace sluice::robustness
