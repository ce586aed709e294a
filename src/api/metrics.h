// Prometheus text exposition (format 0.0.4) of changefeed and process metrics, hand-written.
//
// FormatMetrics is pure (tests feed it values); ReadProcessStats reads /proc and getrusage;
// RowRateTracker keeps ~10 s of row-counter samples per changefeed to expose a rows/s gauge
// (Prometheus computes rate() from the counters itself; the gauge is for humans and curl).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/changefeed_manager.h"

namespace sluice::api {

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

struct ProcessStats {
  double resident_memory_bytes = 0;
  double cpu_seconds = 0;
  double start_time_seconds = 0;  // Unix time
};
ProcessStats ReadProcessStats();

// The changefeed states always exported as sluice_changefeed_state{state=...} (0 or 1).
inline constexpr std::string_view kExportedStates[] = {"normal", "warning", "failed", "stopped"};

// `rows_per_second` maps changefeed id -> rate; ids missing from it get 0.
std::string FormatMetrics(const std::vector<pipeline::ChangefeedInfo>& feeds,
                          const std::map<std::string, double>& rows_per_second,
                          const ProcessStats& process);

// Thread-safe. Record() is called with each changefeed's row counter (by a sampler thread,
// about once a second); Rate() is the increase per second over the samples of the last
// `window`. Counters that go down (a restart of the process' view) reset the history.
class RowRateTracker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RowRateTracker(std::chrono::milliseconds window = std::chrono::seconds(10))
      : window_(window) {}

  void Record(const std::string& id, uint64_t rows, Clock::time_point now);
  // Drops ids not in `live`.
  void Retain(const std::vector<std::string>& live);
  double Rate(const std::string& id) const;
  std::map<std::string, double> Rates() const;

 private:
  struct Sample {
    Clock::time_point at;
    uint64_t rows;
  };
  double RateLocked(const std::deque<Sample>& samples) const;

  std::chrono::milliseconds window_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Sample>> samples_;
};

}  // namespace sluice::api
