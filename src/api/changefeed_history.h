// ChangefeedHistory: what the console's changefeed charts show — rows/s and lag over the last
// hour, and the errors, restarts, pauses and resumes on that timeline — kept in memory by the
// server (GET /api/v1/changefeeds/{id}/history).
//
// Observe() is called by the API server's sampler thread about once a second with every
// changefeed's info. Events (an error counted, a restart, a state change) are found on each
// call; a sample is stored every `interval`: the rows/s over that interval (from the row
// counter; a counter that went down — a new run — counts from 0) and the largest lag seen in
// it. Memory is bounded: `span / interval` samples (720 for an hour of 5 s samples) and at most
// `max_events` events per changefeed, older ones dropped first; removed changefeeds are
// forgotten. Times are wall-clock Unix milliseconds (the browser labels its axes with them).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/changefeed_manager.h"

namespace sluice::api {

struct HistoryOptions {
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds span{3600 * 1000};
  size_t max_events = 200;
};

struct HistorySample {
  int64_t at_ms = 0;  // end of the interval
  double rows_per_second = 0;
  int64_t lag_ms = 0;  // the largest lag observed during the interval
  uint64_t rows = 0;   // the row counter at at_ms
};

struct HistoryEvent {
  int64_t at_ms = 0;
  std::string kind;    // "error", "restart", "paused", "resumed", "failed"
  std::string detail;  // the error message, or the state change
};

struct HistoryView {
  std::vector<HistorySample> samples;  // oldest first
  std::vector<HistoryEvent> events;    // oldest first
};

class ChangefeedHistory {
 public:
  explicit ChangefeedHistory(HistoryOptions options = {}) : options_(options) {}

  // Records the changefeeds' state at `now_ms`; forgets changefeeds not in `feeds`.
  void Observe(const std::vector<pipeline::ChangefeedInfo>& feeds, int64_t now_ms);
  // Records a pause or resume made through the API at once ("paused" / "resumed"): a pause
  // shorter than the sampling period would otherwise go unseen.
  void MarkDesired(const std::string& id, pipeline::DesiredState desired, int64_t now_ms);
  // The history of one changefeed (empty when it has not been observed yet).
  HistoryView Get(const std::string& id) const;
  const HistoryOptions& options() const { return options_; }

 private:
  struct Feed {
    std::deque<HistorySample> samples;
    std::deque<HistoryEvent> events;
    // The previous observation, to find events and counter deltas.
    std::optional<pipeline::ChangefeedInfo> last;
    // The open interval: its start, its rows and the largest lag seen so far.
    int64_t interval_start_ms = 0;
    uint64_t interval_rows = 0;  // rows counted since the interval started
    int64_t interval_max_lag_ms = 0;
  };
  void ObserveOne(Feed& feed, const pipeline::ChangefeedInfo& info, int64_t now_ms);
  void AddEvent(Feed& feed, int64_t at_ms, std::string kind, std::string detail);

  HistoryOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Feed> feeds_;
};

// {"interval_ms", "span_ms", "samples": {"at_ms": [...], "rows_per_second": [...],
//  "lag_ms": [...], "rows": [...]}, "events": [{"at_ms", "kind", "detail"}]} — columns, as
// charting libraries take them.
nlohmann::json HistoryToJson(const HistoryView& view, const HistoryOptions& options);

}  // namespace sluice::api
