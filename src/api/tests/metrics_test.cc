#include "api/metrics.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

bool HasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("plain-id_1.x"), "plain-id_1.x");
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(Metrics, FormatsCountersGaugesAndStates) {
  pipeline::ChangefeedInfo a;
  a.id = "orders";
  a.state = "normal";
  a.rows_read = 42;
  a.rows_delivered = 30;
  a.messages = 40;
  a.bytes = 12345;
  a.errors = 1;
  a.restarts = 2;
  a.lag_ms = 1500;
  a.checkpoint_time_ms = 1700000000250;
  a.target_unreachable_since_ms = 1;  // long ago
  pipeline::ChangefeedInfo b;
  b.id = "we\"ird";
  b.state = "stopped";
  ProcessStats p{1048576, 1.5, 1700000000};
  std::string text = FormatMetrics({a, b}, {{"orders", 2.5}}, p);

  EXPECT_TRUE(HasLine(text, "# TYPE sluice_changefeed_rows_total counter")) << text;
  EXPECT_NE(text.find("# HELP sluice_changefeed_rows_total "), std::string::npos);
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_rows_total{changefeed=\"orders\"} 42")) << text;
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_rows_delivered_total{changefeed=\"orders\"} 30"))
      << text;
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_messages_total{changefeed=\"orders\"} 40"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_bytes_total{changefeed=\"orders\"} 12345"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_errors_total{changefeed=\"orders\"} 1"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_restarts_total{changefeed=\"orders\"} 2"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_rows_per_second{changefeed=\"orders\"} 2.5"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_rows_per_second{changefeed=\"we\\\"ird\"} 0"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_checkpoint_lag_seconds{changefeed=\"orders\"} 1.5"));
  EXPECT_TRUE(HasLine(
      text, "sluice_changefeed_checkpoint_time_seconds{changefeed=\"orders\"} 1700000000.25"))
      << text;
  EXPECT_NE(text.find("sluice_changefeed_target_unreachable_seconds{changefeed=\"orders\"} 17"),
            std::string::npos)
      << text;
  EXPECT_TRUE(HasLine(text,
                      "sluice_changefeed_target_unreachable_seconds{changefeed=\"we\\\"ird\"} 0"))
      << text;
  EXPECT_TRUE(HasLine(text, "# TYPE sluice_changefeed_state gauge"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_state{changefeed=\"orders\",state=\"normal\"} 1"));
  EXPECT_TRUE(HasLine(text, "sluice_changefeed_state{changefeed=\"orders\",state=\"stopped\"} 0"));
  EXPECT_TRUE(
      HasLine(text, "sluice_changefeed_state{changefeed=\"we\\\"ird\",state=\"stopped\"} 1"));
  EXPECT_TRUE(HasLine(text, "process_resident_memory_bytes 1048576"));
  EXPECT_TRUE(HasLine(text, "process_cpu_seconds_total 1.5"));
  EXPECT_TRUE(HasLine(text, "process_start_time_seconds 1700000000"));
  EXPECT_EQ(text.back(), '\n');
  // Every sample line's metric has a TYPE line before it.
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_NE(text.find("# TYPE " + name + " "), std::string::npos) << name;
  }
}

TEST(Metrics, CheckpointTimeIsExact) {
  pipeline::ChangefeedInfo a;
  a.id = "x";
  a.state = "normal";
  a.checkpoint_time_ms = 1700000000250;
  std::string text = FormatMetrics({a}, {}, {});
  auto pos = text.find("sluice_changefeed_checkpoint_time_seconds{changefeed=\"x\"} ");
  ASSERT_NE(pos, std::string::npos);
  double v = std::stod(text.substr(text.find("} ", pos) + 2));
  EXPECT_NEAR(v, 1700000000.25, 0.001);
}

TEST(Metrics, ProcessStatsAreReal) {
  auto p = ReadProcessStats();
  EXPECT_GT(p.resident_memory_bytes, 1e5);
  EXPECT_GE(p.cpu_seconds, 0);
  auto now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(p.start_time_seconds, now - 3600);
  EXPECT_LE(p.start_time_seconds, now + 5);
}

TEST(RowRateTracker, RateOverWindow) {
  RowRateTracker t(std::chrono::seconds(10));
  auto t0 = RowRateTracker::Clock::now();
  EXPECT_EQ(t.Rate("a"), 0);
  t.Record("a", 0, t0);
  EXPECT_EQ(t.Rate("a"), 0);
  for (int i = 1; i <= 20; ++i) t.Record("a", i * 100, t0 + std::chrono::seconds(i));
  // 100 rows/s throughout.
  EXPECT_NEAR(t.Rate("a"), 100, 1e-9);
  // Stops: after the window passes, the rate falls to 0.
  for (int i = 21; i <= 32; ++i) t.Record("a", 2000, t0 + std::chrono::seconds(i));
  EXPECT_NEAR(t.Rate("a"), 0, 1e-9);
  // A counter that goes down resets history instead of giving a negative rate.
  t.Record("a", 5, t0 + std::chrono::seconds(33));
  EXPECT_EQ(t.Rate("a"), 0);
  t.Retain({});
  EXPECT_TRUE(t.Rates().empty());
}

}  // namespace
}  // namespace sluice::api
