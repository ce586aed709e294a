#include "api/changefeed_history.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace sluice::api {

using pipeline::ChangefeedInfo;
using pipeline::DesiredState;

void ChangefeedHistory::Observe(const std::vector<ChangefeedInfo>& feeds, int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::set<std::string> live;
  for (const auto& info : feeds) {
    live.insert(info.id);
    ObserveOne(feeds_[info.id], info, now_ms);
  }
  std::erase_if(feeds_, [&](const auto& entry) { return !live.contains(entry.first); });
}

void ChangefeedHistory::AddEvent(Feed& feed, int64_t at_ms, std::string kind,
                                 std::string detail) {
  feed.events.push_back({at_ms, std::move(kind), std::move(detail)});
  while (feed.events.size() > options_.max_events) feed.events.pop_front();
}

void ChangefeedHistory::ObserveOne(Feed& feed, const ChangefeedInfo& info, int64_t now_ms) {
  if (!feed.last) {
    feed.interval_start_ms = now_ms;
    feed.interval_rows = 0;
    feed.interval_max_lag_ms = info.lag_ms;
    if (info.state == "failed") AddEvent(feed, now_ms, "failed", info.error);
    feed.last = info;
    return;
  }
  const ChangefeedInfo& prev = *feed.last;
  // Counters count the current run: one that went down means a new run started from 0.
  bool new_run =
      info.rows_read < prev.rows_read || info.errors < prev.errors || info.restarts < prev.restarts;
  uint64_t base_rows = new_run ? 0 : prev.rows_read;
  uint64_t base_errors = new_run ? 0 : prev.errors;
  uint64_t base_restarts = new_run ? 0 : prev.restarts;

  if (prev.desired != info.desired) {
    AddEvent(feed, now_ms, info.desired == DesiredState::kPaused ? "paused" : "resumed", "");
  }
  if (info.state == "failed" && prev.state != "failed") {
    AddEvent(feed, now_ms, "failed", info.error);
  } else if (info.errors > base_errors) {
    uint64_t n = info.errors - base_errors;
    AddEvent(feed, now_ms, "error",
             n == 1 ? info.error : fmt::format("{} errors, the last: {}", n, info.error));
  }
  if (info.restarts > base_restarts) {
    uint64_t n = info.restarts - base_restarts;
    AddEvent(feed, now_ms, "restart",
             n == 1 ? "retried from the last checkpoint"
                    : fmt::format("retried {} times from the last checkpoint", n));
  }

  feed.interval_rows += info.rows_read - base_rows;
  feed.interval_max_lag_ms = std::max(feed.interval_max_lag_ms, info.lag_ms);
  int64_t elapsed = now_ms - feed.interval_start_ms;
  if (elapsed >= options_.interval.count()) {
    HistorySample s;
    s.at_ms = now_ms;
    s.rows_per_second = static_cast<double>(feed.interval_rows) * 1000.0 / elapsed;
    s.lag_ms = feed.interval_max_lag_ms;
    s.rows = info.rows_read;
    feed.samples.push_back(s);
    feed.interval_start_ms = now_ms;
    feed.interval_rows = 0;
    feed.interval_max_lag_ms = 0;
  }
  int64_t oldest = now_ms - options_.span.count();
  size_t max_samples =
      static_cast<size_t>(options_.span.count() / std::max<int64_t>(1, options_.interval.count()));
  while (!feed.samples.empty() &&
         (feed.samples.front().at_ms <= oldest || feed.samples.size() > max_samples)) {
    feed.samples.pop_front();
  }
  while (!feed.events.empty() && feed.events.front().at_ms < oldest) feed.events.pop_front();
  feed.last = info;
}

void ChangefeedHistory::MarkDesired(const std::string& id, DesiredState desired,
                                    int64_t now_ms) {
  std::lock_guard lock(mu_);
  Feed& feed = feeds_[id];
  if (feed.last && feed.last->desired == desired) return;
  AddEvent(feed, now_ms, desired == DesiredState::kPaused ? "paused" : "resumed", "");
  if (feed.last) feed.last->desired = desired;  // so Observe does not mark it again
}

HistoryView ChangefeedHistory::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  HistoryView view;
  auto it = feeds_.find(id);
  if (it == feeds_.end()) return view;
  view.samples.assign(it->second.samples.begin(), it->second.samples.end());
  view.events.assign(it->second.events.begin(), it->second.events.end());
  return view;
}

nlohmann::json HistoryToJson(const HistoryView& view, const HistoryOptions& options) {
  nlohmann::json at = nlohmann::json::array(), rate = nlohmann::json::array(),
                 lag = nlohmann::json::array(), rows = nlohmann::json::array();
  for (const auto& s : view.samples) {
    at.push_back(s.at_ms);
    // Two decimals are plenty for a chart and keep the body small.
    rate.push_back(std::round(s.rows_per_second * 100) / 100);
    lag.push_back(s.lag_ms);
    rows.push_back(s.rows);
  }
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : view.events) {
    events.push_back({{"at_ms", e.at_ms}, {"kind", e.kind}, {"detail", e.detail}});
  }
  return {{"interval_ms", options.interval.count()},
          {"span_ms", options.span.count()},
          {"samples", {{"at_ms", at}, {"rows_per_second", rate}, {"lag_ms", lag}, {"rows", rows}}},
          {"events", events}};
}

}  // namespace sluice::api
