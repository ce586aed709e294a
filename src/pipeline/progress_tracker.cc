#include "pipeline/progress_tracker.h"

namespace sluice::pipeline {

uint64_t ProgressTracker::Begin() {
  std::lock_guard lock(mu_);
  Txn t;
  t.seq = next_seq_++;
  txns_.push_back(std::move(t));
  return txns_.back().seq;
}

void ProgressTracker::AddMessages(uint64_t txn, uint32_t n) {
  std::lock_guard lock(mu_);
  if (txns_.empty() || txn < txns_.front().seq) return;
  txns_[txn - txns_.front().seq].pending += n;
  if (in_flight_messages_ == 0) progress_at_ = std::chrono::steady_clock::now();
  in_flight_messages_ += n;
}

void ProgressTracker::CountRow(uint64_t txn) {
  std::lock_guard lock(mu_);
  if (txns_.empty() || txn < txns_.front().seq) return;
  txns_[txn - txns_.front().seq].rows++;
}

void ProgressTracker::Seal(uint64_t txn, const model::SourcePosition& position,
                           uint64_t commit_ts) {
  std::lock_guard lock(mu_);
  if (txns_.empty() || txn < txns_.front().seq) return;
  Txn& t = txns_[txn - txns_.front().seq];
  t.sealed = true;
  t.position = position;
  t.commit_ts = commit_ts;
  AdvanceLocked();
}

void ProgressTracker::Ack(uint64_t txn, const base::Status& status) {
  std::lock_guard lock(mu_);
  if (!status.ok()) {
    if (error_.ok()) error_ = status;
    return;  // the failed message stays pending: the checkpoint cannot pass it
  }
  if (txns_.empty() || txn < txns_.front().seq) return;
  Txn& t = txns_[txn - txns_.front().seq];
  if (t.pending > 0) {
    --t.pending;
    --in_flight_messages_;
    progress_at_ = std::chrono::steady_clock::now();
  }
  AdvanceLocked();
}

void ProgressTracker::AdvanceLocked() {
  while (!txns_.empty() && txns_.front().sealed && txns_.front().pending == 0) {
    checkpoint_ = std::move(txns_.front().position);
    checkpoint_commit_ts_ = txns_.front().commit_ts;
    checkpoint_dirty_ = true;
    if (rows_delivered_ && txns_.front().rows) *rows_delivered_ += txns_.front().rows;
    txns_.pop_front();
  }
}

std::optional<model::SourcePosition> ProgressTracker::TakeCheckpoint() {
  std::lock_guard lock(mu_);
  if (!checkpoint_dirty_) return std::nullopt;
  checkpoint_dirty_ = false;
  return checkpoint_;
}

std::optional<model::SourcePosition> ProgressTracker::checkpoint() const {
  std::lock_guard lock(mu_);
  return checkpoint_;
}

uint64_t ProgressTracker::checkpoint_commit_ts() const {
  std::lock_guard lock(mu_);
  return checkpoint_commit_ts_;
}

base::Status ProgressTracker::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

size_t ProgressTracker::in_flight_transactions() const {
  std::lock_guard lock(mu_);
  return txns_.size();
}

uint64_t ProgressTracker::in_flight_messages() const {
  std::lock_guard lock(mu_);
  return in_flight_messages_;
}

std::optional<std::chrono::steady_clock::time_point> ProgressTracker::waiting_since() const {
  std::lock_guard lock(mu_);
  if (in_flight_messages_ == 0) return std::nullopt;
  return progress_at_;
}

}  // namespace sluice::pipeline
