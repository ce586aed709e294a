// ProgressTracker: turns per-message delivery acknowledgements into a safe checkpoint.
//
// Every source transaction gets a sequence number (Begin); each message produced for it is
// counted (AddMessages); Seal records the position to resume from once the transaction is
// complete. When a message is acknowledged (Ack), the tracker advances the checkpoint to the
// position of the newest transaction such that it and every earlier transaction are sealed
// and fully acknowledged: the low-water mark. A checkpoint therefore never passes a message
// Kafka has not acknowledged, which is what makes kill -9 at any moment lose nothing.
//
// It also counts what was delivered: the rows of every transaction the checkpoint passes
// (into the counter given at construction), and when an acknowledgement last arrived, so a
// stalled target is visible (waiting_since).
//
// Thread-safe: Begin/AddMessages/CountRow/Seal are called by the pipeline thread, Ack by the
// sink's delivery-report thread, the getters from anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "base/status.h"
#include "model/change_event.h"

namespace sluice::pipeline {

class ProgressTracker {
 public:
  // `rows_delivered` (may be null, must outlive the tracker) gets the rows of each transaction
  // once it is fully acknowledged and sealed.
  explicit ProgressTracker(std::atomic<uint64_t>* rows_delivered = nullptr)
      : rows_delivered_(rows_delivered) {}

  uint64_t Begin();
  void AddMessages(uint64_t txn, uint32_t n = 1);
  // One row change of `txn` was handed to the emitter.
  void CountRow(uint64_t txn);
  void Seal(uint64_t txn, const model::SourcePosition& position, uint64_t commit_ts);
  // Records one delivery result for a message of `txn`. A failure is kept (first wins) and
  // stops the checkpoint from advancing past it.
  void Ack(uint64_t txn, const base::Status& status);

  // The latest safe checkpoint, if it moved since the last call.
  std::optional<model::SourcePosition> TakeCheckpoint();
  // The checkpoint (whether or not already taken) and its commit ts.
  std::optional<model::SourcePosition> checkpoint() const;
  uint64_t checkpoint_commit_ts() const;

  base::Status error() const;
  size_t in_flight_transactions() const;
  uint64_t in_flight_messages() const;
  // While deliveries are outstanding: the later of the last successful acknowledgement and the
  // moment the first outstanding one was announced; nullopt when nothing is outstanding.
  std::optional<std::chrono::steady_clock::time_point> waiting_since() const;

 private:
  struct Txn {
    uint64_t seq = 0;
    uint64_t pending = 0;
    uint64_t rows = 0;
    bool sealed = false;
    uint64_t commit_ts = 0;
    model::SourcePosition position;
  };
  void AdvanceLocked();

  std::atomic<uint64_t>* rows_delivered_;
  mutable std::mutex mu_;
  std::deque<Txn> txns_;
  std::chrono::steady_clock::time_point progress_at_{};  // see waiting_since  // ordered by seq
  uint64_t next_seq_ = 1;
  uint64_t in_flight_messages_ = 0;
  std::optional<model::SourcePosition> checkpoint_;
  uint64_t checkpoint_commit_ts_ = 0;
  bool checkpoint_dirty_ = false;
  base::Status error_;
};

}  // namespace sluice::pipeline
