#include "base/text.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

using std::chrono::milliseconds;

TEST(Text, ToLowerIsAscii) { EXPECT_EQ(ToLower("Shop.ORDERS_1"), "shop.orders_1"); }
TEST(Text, ToUpperIsAscii) { EXPECT_EQ(ToUpper("datetime_é"), "DATETIME_é"); }

TEST(Text, ParseBoolTakesGoSpellingsOnly) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    bool b = false;
    EXPECT_TRUE(ParseBool(t, &b)) << t;
    EXPECT_TRUE(b) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    bool b = true;
    EXPECT_TRUE(ParseBool(f, &b)) << f;
    EXPECT_FALSE(b) << f;
  }
  bool b = true;
  for (const char* bad : {"", "yes", "tRuE", "2", " true"}) EXPECT_FALSE(ParseBool(bad, &b)) << bad;
  EXPECT_TRUE(b);  // untouched
}

TEST(Text, ParseGoDuration) {
  milliseconds d{};
  ASSERT_TRUE(ParseGoDuration("1m30s", &d));
  EXPECT_EQ(d, milliseconds(90000));
  ASSERT_TRUE(ParseGoDuration("1.5s", &d));
  EXPECT_EQ(d, milliseconds(1500));
  ASSERT_TRUE(ParseGoDuration("250ms", &d));
  EXPECT_EQ(d, milliseconds(250));
  ASSERT_TRUE(ParseGoDuration("0", &d));
  EXPECT_EQ(d, milliseconds(0));
  for (const char* bad : {"", "10", "1x", "s", "1..2s", "-1s"})
    EXPECT_FALSE(ParseGoDuration(bad, &d)) << bad;
}

TEST(Text, FormatDurationMsPicksTheLargestExactUnit) {
  EXPECT_EQ(FormatDurationMs(7200000), "2h");
  EXPECT_EQ(FormatDurationMs(300000), "5m");
  EXPECT_EQ(FormatDurationMs(10000), "10s");
  EXPECT_EQ(FormatDurationMs(250), "250ms");
  EXPECT_EQ(FormatDurationMs(0), "0s");
}

}  // namespace
}  // namespace sluice::base
