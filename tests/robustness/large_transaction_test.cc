// Robustness: one transaction of 1,000,000 rows streams through the real `sluice run` process
// in bounded memory.
//
// sluice runs as a child; MariaDB executes ONE transaction inserting kRows rows (INSERT ...
// SELECT from the SEQUENCE engine, or a recursive CTE where it is missing). While sluice
// streams it to Kafka (lz4), the test samples the child's VmRSS/VmHWM from /proc; it waits until
// the checkpoint file passes the transaction, then asserts the peak RSS stays under kMaxRssMb
// and that the topic holds an INSERT message for every one of the kRows ids. The topic is read
// one partition at a time so the test itself never holds all messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "codec/canal_json/canal_json_decoder.h"
#include "robustness_util.h"
#include "sink/kafka/topic_reader.h"

namespace sluice::robustness {
namespace {

constexpr int64_t kRows = 1000000;
constexpr uint64_t kMaxRssMb = 256;
constexpr int kPartitions = 8;

TEST(LargeTransaction, MillionRowTransactionStreamsInBoundedMemory) {
  const auto t0 = Clock::now();
  const RunNames run("large", "sluice.log");
  const std::string &db = run.db, &topic = run.topic, &id = run.id;
  const std::string &state_dir = run.state_dir, &log_path = run.log_path;

  auto conn = testing::ConnectMariaDb();
  RecreateDatabase(*conn, db);
  Exec(*conn, "CREATE TABLE " + db +
                  ".t (id BIGINT PRIMARY KEY, a INT, b VARCHAR(64), c DOUBLE, d DATETIME)");
  Exec(*conn, "CREATE TABLE " + db + ".probe (id INT AUTO_INCREMENT PRIMARY KEY)");

  const std::string config_path = state_dir + "/changefeed.toml";
  WriteFile(config_path, "[filter]\nrules = ['" + db +
                             ".*']\n\n[sink]\ndispatchers = [\n  {matcher = ['" + db +
                             ".*'], partition = \"index-value\"},\n]\n");
  const std::string sink = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
                           "?protocol=canal-json&partition-num=" + std::to_string(kPartitions) +
                           "&compression=lz4";
  Child child({SLUICE_BIN, "--log-level", "info", "run", "--id", id, "--source",
               SourceUri(6000 + ::getpid() % 1000), "--sink", sink, "--config", config_path,
               "--state-dir", state_dir},
              log_path);
  {
    std::string not_ready =
        WaitFirstCheckpoint(*conn, child, db + ".probe", state_dir, id, log_path);
    ASSERT_TRUE(not_ready.empty()) << not_ready;
  }
  const uint64_t idle_rss_kb = ProcStatusKb(child.pid(), "VmRSS");

  // The row source: the SEQUENCE engine if available, else a recursive CTE.
  std::string rows_from = db + ".seq_1_to_" + std::to_string(kRows);
  if (!conn->Query("SELECT COUNT(*) FROM " + rows_from).ok()) {
    std::fprintf(stderr, "[large] SEQUENCE engine unavailable; using a recursive CTE\n");
    rows_from = "(WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < " +
                std::to_string(kRows) + ") SELECT seq FROM s) AS g";
  }

  // One transaction with kRows rows, written by another thread while this one samples memory.
  std::atomic<bool> committed{false};
  std::string write_error;
  Clock::time_point commit_at;
  std::thread writer([&] {
    try {
      auto w = testing::ConnectMariaDb();
      Exec(*w, "SET SESSION max_recursive_iterations = " + std::to_string(kRows + 10));
      Exec(*w, "BEGIN");
      Exec(*w, "INSERT INTO " + db +
                   ".t SELECT seq, seq % 100000, CONCAT('row-', seq, '-', REPEAT('x', seq % 40)), "
                   "seq / 7, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND FROM " +
                   rows_from);
      Exec(*w, "COMMIT");
    } catch (const std::exception& e) {
      write_error = e.what();
    }
    commit_at = Clock::now();
    committed = true;
  });

  uint64_t peak_rss_kb = 0, peak_hwm_kb = 0;
  auto sample = [&] {
    peak_rss_kb = std::max(peak_rss_kb, ProcStatusKb(child.pid(), "VmRSS"));
    peak_hwm_kb = std::max(peak_hwm_kb, ProcStatusKb(child.pid(), "VmHWM"));
  };
  auto deadline = Clock::now() + std::chrono::seconds(300);
  while (!committed && Clock::now() < deadline) {
    sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  writer.join();
  ASSERT_TRUE(write_error.empty()) << write_error;
  const double insert_s = std::chrono::duration<double>(commit_at - t0).count();

  const std::string final_gtid = GtidPos(*conn);
  while (Clock::now() < deadline && !CheckpointReached(state_dir, id, final_gtid)) {
    ASSERT_TRUE(child.running()) << "sluice exited: " << Tail(log_path);
    sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(CheckpointReached(state_dir, id, final_gtid))
      << CheckpointGtids(state_dir, id) << " has not reached " << final_gtid
      << "checkpoint did not pass the transaction within the deadline: " << Tail(log_path);
  const double stream_s = std::chrono::duration<double>(Clock::now() - commit_at).count();
  sample();
  ASSERT_TRUE(child.Kill(SIGTERM, std::chrono::seconds(30))) << "no exit after SIGTERM";
  EXPECT_EQ(child.exit_code(), 0) << Tail(log_path);

  // Count INSERTs per id, one partition at a time.
  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  std::vector<bool> seen(static_cast<size_t>(kRows) + 1, false);
  uint64_t inserts = 0, distinct = 0, other = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    sink::kafka::ReadLimits limits;
    limits.timeout = std::chrono::seconds(120);
    limits.partition = p;
    auto msgs = (*reader)->ReadAll(topic, limits);
    ASSERT_TRUE(msgs.ok()) << msgs.status().message();
    for (const auto& m : *msgs) {
      auto decoded = codec::canal_json::DecodeCanalJson(m.value);
      ASSERT_TRUE(decoded.ok()) << decoded.status().message();
      if (decoded->table != "t" || decoded->type != "INSERT" || !decoded->data) {
        ++other;
        continue;
      }
      ++inserts;
      const auto* v = codec::canal_json::FindColumn(*decoded->data, "id");
      ASSERT_TRUE(v && *v);
      int64_t row_id = std::stoll(**v);
      ASSERT_TRUE(row_id >= 1 && row_id <= kRows) << row_id;
      if (!seen[static_cast<size_t>(row_id)]) {
        seen[static_cast<size_t>(row_id)] = true;
        ++distinct;
      }
    }
  }

  const double peak_mb = static_cast<double>(std::max(peak_rss_kb, peak_hwm_kb)) / 1024.0;
  std::printf(
      "[large] %lld rows in one transaction: insert+commit %.1f s, streamed in %.1f s after "
      "commit (%.0f rows/s); sluice RSS idle %.1f MB, peak %.1f MB (VmHWM %.1f MB); Kafka: %llu "
      "INSERTs, %llu distinct ids, %llu other messages\n",
      static_cast<long long>(kRows), insert_s, stream_s, kRows / stream_s, idle_rss_kb / 1024.0,
      peak_mb, peak_hwm_kb / 1024.0, static_cast<unsigned long long>(inserts),
      static_cast<unsigned long long>(distinct), static_cast<unsigned long long>(other));
  EXPECT_GT(peak_hwm_kb, 0u) << "could not read /proc/" << child.pid() << "/status";
  EXPECT_LT(peak_mb, static_cast<double>(kMaxRssMb));
  EXPECT_GE(inserts, static_cast<uint64_t>(kRows));
  EXPECT_EQ(distinct, static_cast<uint64_t>(kRows));
  if (!HasFailure()) {
    Exec(*conn, "DROP DATABASE " + db);
    std::filesystem::remove_all(state_dir);
  }
}

}  // namespace
}  // namespace sluice::robustness
