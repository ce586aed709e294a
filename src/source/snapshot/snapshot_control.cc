#include "source/snapshot/snapshot_control.h"

namespace sluice::source::snapshot {

namespace {
constexpr auto kRateWindow = std::chrono::seconds(10);
}

void SnapshotControl::Request(const std::vector<TableId>& tables) {
  std::lock_guard lock(mu_);
  for (const auto& t : tables) requests_.push_back(t);
  status_.pending_requests = requests_.size();
  has_requests_ = !requests_.empty();
}

std::vector<TableId> SnapshotControl::TakeRequests() {
  std::lock_guard lock(mu_);
  std::vector<TableId> out;
  out.swap(requests_);
  status_.pending_requests = 0;
  has_requests_ = false;
  return out;
}

double SnapshotControl::RateLocked(const std::string& name) const {
  auto it = samples_.find(name);
  if (it == samples_.end() || it->second.points.size() < 2) return 0;
  const auto& first = it->second.points.front();
  const auto& last = it->second.points.back();
  double secs = std::chrono::duration<double>(last.first - first.first).count();
  if (secs <= 0) return 0;
  return static_cast<double>(last.second - first.second) / secs;
}

void SnapshotControl::Publish(const SnapshotState& state, bool active,
                              const std::map<std::string, std::string>& notes) {
  std::lock_guard lock(mu_);
  auto now = now_();
  if (status_.id != state.id) samples_.clear();
  status_.active = active;
  status_.id = state.id;
  status_.initial = state.initial;
  status_.tables.clear();
  status_.rows = status_.estimated = 0;
  status_.rows_per_second = 0;
  status_.eta_seconds.reset();
  for (const auto& t : state.tables) {
    TableStatus ts;
    ts.schema = t.schema;
    ts.table = t.table;
    ts.state = t.state;
    ts.rows = t.rows;
    ts.estimated = t.estimated;
    std::string name = t.Name();
    if (auto n = notes.find(name); n != notes.end()) ts.note = n->second;
    auto& s = samples_[name];
    if (t.state == TableState::kCopying || (t.state == TableState::kDone && !s.points.empty())) {
      if (s.points.empty() || s.points.back().second != t.rows || t.state == TableState::kDone) {
        s.points.emplace_back(now, t.rows);
      }
      while (s.points.size() > 2 && now - s.points[1].first > kRateWindow) s.points.pop_front();
    }
    if (t.state == TableState::kCopying) {
      ts.rows_per_second = RateLocked(name);
      status_.rows_per_second += ts.rows_per_second;
      if (ts.rows_per_second > 0 && ts.estimated > ts.rows) {
        ts.eta_seconds = static_cast<double>(ts.estimated - ts.rows) / ts.rows_per_second;
      } else if (ts.estimated <= ts.rows) {
        ts.eta_seconds = 0.0;  // past the estimate: about to finish
      }
    }
    status_.rows += ts.rows;
    status_.estimated += ts.estimated;
    status_.tables.push_back(std::move(ts));
  }
  // The whole snapshot: what the estimates leave, at the current rate.
  if (active && status_.rows_per_second > 0) {
    uint64_t left = status_.estimated > status_.rows ? status_.estimated - status_.rows : 0;
    status_.eta_seconds = static_cast<double>(left) / status_.rows_per_second;
  }
  status_.pending_requests = requests_.size();
}

SnapshotStatus SnapshotControl::Status() const {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace sluice::source::snapshot
