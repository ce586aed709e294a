#include "api/changefeed_history.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

using pipeline::ChangefeedInfo;

ChangefeedInfo Info(uint64_t rows, int64_t lag_ms = 0) {
  ChangefeedInfo i;
  i.id = "cf";
  i.state = "normal";
  i.rows_read = rows;
  i.lag_ms = lag_ms;
  return i;
}

HistoryOptions FiveSecondsForAMinute() {
  HistoryOptions o;
  o.interval = std::chrono::seconds(5);
  o.span = std::chrono::seconds(60);
  o.max_events = 3;
  return o;
}

TEST(ChangefeedHistory, SamplesRatePerIntervalAndTheLargestLagInIt) {
  ChangefeedHistory h(FiveSecondsForAMinute());
  int64_t t = 1'700'000'000'000;
  // Observed once a second: 100 rows/s for 5 s, a lag spike of 4 s in the middle.
  for (int s = 0; s <= 5; ++s) h.Observe({Info(100 * s, s == 2 ? 4000 : 300)}, t + s * 1000);
  // Then 10 rows/s.
  for (int s = 6; s <= 10; ++s) h.Observe({Info(500 + 10 * (s - 5), 0)}, t + s * 1000);
  auto v = h.Get("cf");
  ASSERT_EQ(v.samples.size(), 2u);
  EXPECT_EQ(v.samples[0].at_ms, t + 5000);
  EXPECT_DOUBLE_EQ(v.samples[0].rows_per_second, 100.0);
  EXPECT_EQ(v.samples[0].lag_ms, 4000);  // the spike is not lost between samples
  EXPECT_EQ(v.samples[0].rows, 500u);
  EXPECT_DOUBLE_EQ(v.samples[1].rows_per_second, 10.0);
  EXPECT_EQ(v.samples[1].lag_ms, 0);
  EXPECT_TRUE(v.events.empty());

  auto j = HistoryToJson(v, h.options());
  EXPECT_EQ(j["interval_ms"], 5000);
  EXPECT_EQ(j["samples"]["at_ms"].size(), 2u);
  EXPECT_EQ(j["samples"]["rows_per_second"][0], 100.0);
  EXPECT_EQ(j["samples"]["lag_ms"][0], 4000);
}

TEST(ChangefeedHistory, KeepsOnlyTheSpanAndAtMostMaxEvents) {
  ChangefeedHistory h(FiveSecondsForAMinute());
  int64_t t = 0;
  for (int s = 0; s <= 600; ++s) {  // ten minutes, an error every second
    ChangefeedInfo i = Info(s);
    i.errors = s;
    i.error = "broker down " + std::to_string(s);
    h.Observe({i}, t + s * 1000);
  }
  auto v = h.Get("cf");
  EXPECT_EQ(v.samples.size(), 12u);  // 60 s of 5 s samples
  EXPECT_GE(v.samples.front().at_ms, 540'000);
  ASSERT_EQ(v.events.size(), 3u);  // max_events, the newest kept
  EXPECT_EQ(v.events.back().kind, "error");
  EXPECT_EQ(v.events.back().detail, "broker down 600");
}

TEST(ChangefeedHistory, MarksErrorsRestartsPauseResumeAndFailure) {
  HistoryOptions o = FiveSecondsForAMinute();
  o.max_events = 100;
  ChangefeedHistory h(o);
  ChangefeedInfo i = Info(10);
  h.Observe({i}, 1000);
  i.rows_read = 20;
  i.errors = 1;
  i.restarts = 1;
  i.state = "warning";
  i.error = "all brokers down";
  h.Observe({i}, 2000);
  i.desired = pipeline::DesiredState::kPaused;
  i.state = "stopped";
  h.Observe({i}, 3000);
  // Resumed: a new run counts from 0 again; that is not an error or a restart.
  i = Info(3);
  h.Observe({i}, 4000);
  i.state = "failed";
  i.errors = 1;
  i.error = "table db.t has no primary key";
  h.Observe({i}, 5000);

  auto v = h.Get("cf");
  std::vector<std::string> kinds;
  for (const auto& e : v.events) kinds.push_back(e.kind + "@" + std::to_string(e.at_ms));
  EXPECT_EQ(kinds, (std::vector<std::string>{"error@2000", "restart@2000", "paused@3000",
                                             "resumed@4000", "failed@5000"}));
  EXPECT_EQ(v.events[0].detail, "all brokers down");
  EXPECT_EQ(v.events[4].detail, "table db.t has no primary key");
  // The rows of both runs count towards the interval (10 -> 20, then 0 -> 3).
  ASSERT_EQ(v.samples.size(), 0u);
  h.Observe({i}, 6000);
  v = h.Get("cf");
  ASSERT_EQ(v.samples.size(), 1u);
  EXPECT_DOUBLE_EQ(v.samples[0].rows_per_second, 13.0 / 5);
}

TEST(ChangefeedHistory, APauseShorterThanASampleIsMarkedOnce) {
  ChangefeedHistory h(FiveSecondsForAMinute());
  ChangefeedInfo i = Info(5);
  h.Observe({i}, 1000);
  h.MarkDesired("cf", pipeline::DesiredState::kPaused, 1200);
  h.MarkDesired("cf", pipeline::DesiredState::kPaused, 1250);  // paused again: no new event
  h.MarkDesired("cf", pipeline::DesiredState::kRunning, 1400);
  h.Observe({i}, 2000);  // the sampler never saw it paused
  i.desired = pipeline::DesiredState::kPaused;
  h.MarkDesired("cf", pipeline::DesiredState::kPaused, 2500);
  h.Observe({i}, 3000);  // sees the pause the route already marked
  std::vector<std::string> kinds;
  for (const auto& e : h.Get("cf").events) kinds.push_back(e.kind + "@" + std::to_string(e.at_ms));
  EXPECT_EQ(kinds, (std::vector<std::string>{"paused@1200", "resumed@1400", "paused@2500"}));
}

TEST(ChangefeedHistory, ForgetsRemovedChangefeeds) {
  ChangefeedHistory h(FiveSecondsForAMinute());
  ChangefeedInfo other = Info(0);
  other.id = "other";
  h.Observe({Info(0), other}, 0);
  h.Observe({Info(50), other}, 5000);
  EXPECT_EQ(h.Get("cf").samples.size(), 1u);
  h.Observe({other}, 10000);
  EXPECT_TRUE(h.Get("cf").samples.empty());
  EXPECT_EQ(h.Get("other").samples.size(), 2u);  // observed at 0, 5000 and 10000
}

}  // namespace
}  // namespace sluice::api
