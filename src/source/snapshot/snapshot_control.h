// SnapshotControl: the outside's handle on a changefeed's snapshots, shared by the snapshot
// source (the changefeed's thread) and whoever asks for or shows them (REST API, metrics, the
// console, `sluice run`'s terminal).
//
// Requests: Request() queues tables for an on-demand snapshot; the source takes them between
// transactions. Progress: the source publishes per-table rows copied after every chunk; the
// readers get rows/s (over the last 10 s) and an ETA from the estimate.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "source/snapshot/snapshot_database.h"
#include "source/snapshot/snapshot_state.h"

namespace sluice::source::snapshot {

struct TableStatus {
  std::string schema;
  std::string table;
  TableState state = TableState::kPending;
  uint64_t rows = 0;       // rows copied
  uint64_t estimated = 0;  // the database's estimate (0 = unknown)
  double rows_per_second = 0;
  std::optional<double> eta_seconds;  // while copying, when rows/s and the estimate allow
  std::string note;                   // e.g. why it is copied in one pass
};

struct SnapshotStatus {
  bool active = false;  // a snapshot is under way
  uint64_t id = 0;
  bool initial = false;
  std::vector<TableStatus> tables;  // the current (or last) snapshot's tables
  uint64_t rows = 0;                // sum of tables[].rows
  uint64_t estimated = 0;           // sum of the estimates
  double rows_per_second = 0;
  std::optional<double> eta_seconds;
  size_t pending_requests = 0;  // tables asked for and not yet taken by the source
};

class SnapshotControl {
 public:
  using Clock = std::chrono::steady_clock;

  // Queues an on-demand snapshot of `tables` (duplicates are harmless).
  void Request(const std::vector<TableId>& tables);
  bool has_requests() const { return has_requests_.load(std::memory_order_relaxed); }
  std::vector<TableId> TakeRequests();

  // The source's view after each change of `state` (active = not done). `notes` by table name.
  void Publish(const SnapshotState& state, bool active,
               const std::map<std::string, std::string>& notes = {});
  SnapshotStatus Status() const;

  // For tests: the clock used for rates.
  void SetClockForTesting(std::function<Clock::time_point()> now) { now_ = std::move(now); }

 private:
  struct Samples {
    std::deque<std::pair<Clock::time_point, uint64_t>> points;  // (time, rows)
  };
  double RateLocked(const std::string& name) const;

  mutable std::mutex mu_;
  std::atomic<bool> has_requests_{false};
  std::vector<TableId> requests_;
  SnapshotStatus status_;
  std::map<std::string, Samples> samples_;  // by table name
  std::function<Clock::time_point()> now_ = [] { return Clock::now(); };
};

}  // namespace sluice::source::snapshot
