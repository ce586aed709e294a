#include "dispatch/table_filter.h"

#include <gtest/gtest.h>

namespace sluice::dispatch {
namespace {

TEST(TableFilter, LastMatchingRuleDecides) {
  auto f = TableFilter::Parse({"shop.*", "!shop.tmp_*", "shop.tmp_keep"});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->Match("shop", "orders"));
  EXPECT_FALSE(f->Match("shop", "tmp_x"));
  EXPECT_TRUE(f->Match("shop", "tmp_keep"));
  EXPECT_FALSE(f->Match("other", "orders"));
}

TEST(TableFilter, WildcardsClassesAndCase) {
  auto f = TableFilter::Parse({"db?.t[0-9]", "logs.[!a-c]*"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Match("db1", "t7"));
  EXPECT_TRUE(f->Match("DB1", "T7"));  // case-insensitive by default
  EXPECT_FALSE(f->Match("db12", "t7"));
  EXPECT_FALSE(f->Match("db1", "tx"));
  EXPECT_TRUE(f->Match("logs", "daily"));
  EXPECT_FALSE(f->Match("logs", "access"));
  auto cs = TableFilter::Parse({"Shop.*"}, /*case_sensitive=*/true);
  ASSERT_TRUE(cs.ok());
  EXPECT_FALSE(cs->Match("shop", "t"));
  EXPECT_TRUE(cs->Match("Shop", "t"));
}

TEST(TableFilter, RegexParts) {
  auto f = TableFilter::Parse({"/^app_\\d+$/.orders"});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->Match("app_12", "orders"));
  EXPECT_FALSE(f->Match("app_x", "orders"));
}

TEST(TableFilter, BadRuleNamesItself) {
  auto f = TableFilter::Parse({"justaname"});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("'justaname'"), std::string::npos);
  auto r = TableFilter::Parse({"/(/.t"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("regular expression"), std::string::npos);
}

TEST(TableFilter, SchemaLevelMatching) {
  auto f = TableFilter::Parse({"*.*", "!mysql.*", "!test.secret"});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->MatchSchema("mysql"));
  EXPECT_TRUE(f->MatchSchema("test"));
  EXPECT_TRUE(f->MatchSchema("shop"));
}

}  // namespace
}  // namespace sluice::dispatch
