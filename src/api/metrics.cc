#include "api/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/clock.h"

namespace sluice::api {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ProcessStats ReadProcessStats() {
  ProcessStats s;
  long page = sysconf(_SC_PAGESIZE);
  if (std::ifstream statm("/proc/self/statm"); statm) {
    uint64_t size = 0, resident = 0;
    if (statm >> size >> resident) s.resident_memory_bytes = static_cast<double>(resident) * page;
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    s.cpu_seconds =
        ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  }
  // Start time: field 22 of /proc/self/stat (ticks after boot) + btime of /proc/stat.
  double btime = 0;
  if (std::ifstream stat("/proc/stat"); stat) {
    for (std::string line; std::getline(stat, line);) {
      if (line.rfind("btime ", 0) == 0) btime = std::stod(line.substr(6));
    }
  }
  if (std::ifstream self("/proc/self/stat"); self && btime > 0) {
    std::string text((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
    size_t paren = text.rfind(')');  // the command name may contain spaces
    if (paren != std::string::npos) {
      std::istringstream rest(text.substr(paren + 2));
      std::string field;
      // Fields after the name start at 3 (state); starttime is field 22.
      for (int i = 3; i <= 22 && (rest >> field); ++i) {
        if (i == 22) s.start_time_seconds = btime + std::stod(field) / sysconf(_SC_CLK_TCK);
      }
    }
  }
  return s;
}

namespace {

void Header(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(*out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string Num(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  return fmt::format("{}", v);
}

}  // namespace

std::string FormatMetrics(const std::vector<pipeline::ChangefeedInfo>& feeds,
                          const std::map<std::string, double>& rows_per_second,
                          const ProcessStats& process) {
  std::string out;
  struct Counter {
    const char* name;
    const char* help;
    uint64_t pipeline::ChangefeedInfo::*field;
  };
  static const Counter kCounters[] = {
      {"sluice_changefeed_rows_total",
       "Row changes read from the source (those the filter keeps; replays after a restart count "
       "again).",
       &pipeline::ChangefeedInfo::rows_read},
      {"sluice_changefeed_rows_delivered_total",
       "Row changes delivered: their transactions fully acknowledged by the target.",
       &pipeline::ChangefeedInfo::rows_delivered},
      {"sluice_changefeed_messages_total", "Messages produced to the sink.",
       &pipeline::ChangefeedInfo::messages},
      {"sluice_changefeed_bytes_total", "Bytes of message values produced to the sink.",
       &pipeline::ChangefeedInfo::bytes},
      {"sluice_changefeed_errors_total", "Errors seen by the changefeed (each attempt).",
       &pipeline::ChangefeedInfo::errors},
      {"sluice_changefeed_restarts_total", "Restarts of the changefeed after retriable errors.",
       &pipeline::ChangefeedInfo::restarts},
  };
  for (const auto& c : kCounters) {
    Header(&out, c.name, "counter", c.help);
    for (const auto& f : feeds) {
      fmt::format_to(std::back_inserter(out), "{}{{changefeed=\"{}\"}} {}\n", c.name,
                     EscapeLabelValue(f.id), f.*(c.field));
    }
  }

  Header(&out, "sluice_changefeed_rows_per_second", "gauge",
         "Rows per second over the last ~10 s (use rate() on rows_total for alerting).");
  for (const auto& f : feeds) {
    auto it = rows_per_second.find(f.id);
    fmt::format_to(std::back_inserter(out),
                   "sluice_changefeed_rows_per_second{{changefeed=\"{}\"}} {}\n",
                   EscapeLabelValue(f.id), Num(it == rows_per_second.end() ? 0 : it->second));
  }

  Header(&out, "sluice_changefeed_checkpoint_lag_seconds", "gauge",
         "Now minus the commit time of the checkpointed transaction (0 when idle).");
  for (const auto& f : feeds) {
    fmt::format_to(std::back_inserter(out),
                   "sluice_changefeed_checkpoint_lag_seconds{{changefeed=\"{}\"}} {}\n",
                   EscapeLabelValue(f.id), Num(static_cast<double>(f.lag_ms) / 1000.0));
  }

  Header(&out, "sluice_changefeed_checkpoint_time_seconds", "gauge",
         "Commit time (Unix seconds) of the checkpointed transaction; 0 if none yet.");
  for (const auto& f : feeds) {
    fmt::format_to(std::back_inserter(out),
                   "sluice_changefeed_checkpoint_time_seconds{{changefeed=\"{}\"}} {}\n",
                   EscapeLabelValue(f.id), Num(static_cast<double>(f.checkpoint_time_ms) / 1000.0));
  }

  Header(&out, "sluice_changefeed_target_unreachable_seconds", "gauge",
         "How long every broker of the sink has been unreachable; 0 while one answers.");
  const int64_t now_ms = base::UnixNowMs();
  for (const auto& f : feeds) {
    int64_t down_ms = f.target_unreachable_since_ms > 0
                          ? std::max<int64_t>(0, now_ms - f.target_unreachable_since_ms)
                          : 0;
    fmt::format_to(std::back_inserter(out),
                   "sluice_changefeed_target_unreachable_seconds{{changefeed=\"{}\"}} {}\n",
                   EscapeLabelValue(f.id), Num(static_cast<double>(down_ms) / 1000.0));
  }

  Header(&out, "sluice_changefeed_state", "gauge",
         "1 for the changefeed's current state, 0 for the others.");
  for (const auto& f : feeds) {
    std::vector<std::string_view> states(std::begin(kExportedStates), std::end(kExportedStates));
    if (std::find(states.begin(), states.end(), f.state) == states.end()) {
      states.push_back(f.state);
    }
    for (auto s : states) {
      fmt::format_to(std::back_inserter(out),
                     "sluice_changefeed_state{{changefeed=\"{}\",state=\"{}\"}} {}\n",
                     EscapeLabelValue(f.id), EscapeLabelValue(s), s == f.state ? 1 : 0);
    }
  }

  Header(&out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  fmt::format_to(std::back_inserter(out), "process_resident_memory_bytes {}\n",
                 Num(process.resident_memory_bytes));
  Header(&out, "process_cpu_seconds_total", "counter",
         "Total user and system CPU time in seconds.");
  fmt::format_to(std::back_inserter(out), "process_cpu_seconds_total {}\n",
                 Num(process.cpu_seconds));
  Header(&out, "process_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch in seconds.");
  fmt::format_to(std::back_inserter(out), "process_start_time_seconds {}\n",
                 Num(process.start_time_seconds));
  return out;
}

void RowRateTracker::Record(const std::string& id, uint64_t rows, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& q = samples_[id];
  if (!q.empty() && rows < q.back().rows) q.clear();
  q.push_back({now, rows});
  // Keep one sample at or beyond the window edge so the rate spans the whole window.
  while (q.size() > 2 && now - q[1].at >= window_) q.pop_front();
}

void RowRateTracker::Retain(const std::vector<std::string>& live) {
  std::set<std::string> keep(live.begin(), live.end());
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = samples_.begin(); it != samples_.end();) {
    it = keep.count(it->first) ? std::next(it) : samples_.erase(it);
  }
}

double RowRateTracker::RateLocked(const std::deque<Sample>& q) const {
  if (q.size() < 2) return 0;
  double secs = std::chrono::duration<double>(q.back().at - q.front().at).count();
  if (secs <= 0) return 0;
  return static_cast<double>(q.back().rows - q.front().rows) / secs;
}

double RowRateTracker::Rate(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = samples_.find(id);
  return it == samples_.end() ? 0 : RateLocked(it->second);
}

std::map<std::string, double> RowRateTracker::Rates() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, double> out;
  for (const auto& [id, q] : samples_) out[id] = RateLocked(q);
  return out;
}

}  // namespace sluice::api
