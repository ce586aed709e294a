#include "pipeline/retry_backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice::pipeline {
namespace {

using std::chrono::milliseconds;

TEST(RetryBackoff, DoublesUpToTheMaximumWithinTheJitter) {
  RetryBackoff b(milliseconds(500), milliseconds(30000), 0.2, 7);
  const int64_t steps[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (int64_t step : steps) {
    int64_t d = b.Next().count();
    EXPECT_GE(d, step * 8 / 10) << step;
    EXPECT_LE(d, std::min<int64_t>(step * 12 / 10, 30000)) << step;
  }
}

TEST(RetryBackoff, ResetStartsAgainFromTheFirstDelay) {
  RetryBackoff b(milliseconds(500), milliseconds(30000), 0.2, 7);
  for (int i = 0; i < 6; ++i) (void)b.Next();
  EXPECT_GE(b.Next().count(), 16000 * 8 / 10);
  b.Reset();
  int64_t d = b.Next().count();
  EXPECT_GE(d, 400);
  EXPECT_LE(d, 600);
  EXPECT_GE(b.Next().count(), 800);  // and doubles again from there
}

TEST(RetryBackoff, JitterSpreadsTheDelays) {
  // Changefeeds restarting after the same outage do not retry in lockstep.
  std::set<int64_t> first;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    first.insert(RetryBackoff(milliseconds(500), milliseconds(30000), 0.2, seed).Next().count());
  }
  EXPECT_GT(first.size(), 10u);
  RetryBackoff none(milliseconds(500), milliseconds(30000), 0.0, 1);
  EXPECT_EQ(none.Next().count(), 500);
  EXPECT_EQ(none.Next().count(), 1000);
}

}  // namespace
}  // namespace sluice::pipeline
