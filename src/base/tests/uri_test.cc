#include "base/uri.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

TEST(SplitUri, CutsEveryPart) {
  auto u = SplitUri("kafka+ssl://al%40ice:p@ss@h1:9092,h2/topic/x?a=1&b=%2F&&c");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "kafka+ssl");
  EXPECT_TRUE(u->has_userinfo);
  EXPECT_EQ(u->user, "al%40ice");
  ASSERT_TRUE(u->password.has_value());
  EXPECT_EQ(*u->password, "p@ss");  // split at the last '@' of the authority
  EXPECT_EQ(u->authority, "h1:9092,h2");
  EXPECT_TRUE(u->has_path);
  EXPECT_EQ(u->path, "topic/x");
  EXPECT_TRUE(u->has_query);
  EXPECT_EQ(u->QueryItems(), (std::vector<std::string_view>{"a=1", "b=%2F", "c"}));
  EXPECT_EQ(JoinUri(*u), "kafka+ssl://al%40ice:p@ss@h1:9092,h2/topic/x?a=1&b=%2F&&c");
}

TEST(SplitUri, OptionalParts) {
  auto u = SplitUri("mysql://h");
  ASSERT_TRUE(u.has_value());
  EXPECT_FALSE(u->has_userinfo);
  EXPECT_FALSE(u->password.has_value());
  EXPECT_EQ(u->authority, "h");
  EXPECT_FALSE(u->has_path);
  EXPECT_FALSE(u->has_query);
  auto v = SplitUri("mysql://u@h/?x=1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->user, "u");
  EXPECT_FALSE(v->password.has_value());
  EXPECT_TRUE(v->has_path);
  EXPECT_EQ(v->path, "");
  EXPECT_EQ(QueryItemName("a=b=c"), "a");
  EXPECT_EQ(*QueryItemValue("a=b=c"), "b=c");
  EXPECT_FALSE(QueryItemValue("flag").has_value());
  EXPECT_FALSE(SplitUri("no-scheme").has_value());
}

TEST(ParseHostPort, FormsAndErrors) {
  auto a = ParseHostPort("db.example:3307", 3306, "host");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "db.example");
  EXPECT_EQ(a->port, 3307);
  EXPECT_TRUE(a->port_given);
  auto b = ParseHostPort("[::1]", 9092, "broker");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 9092);
  EXPECT_FALSE(b->port_given);
  EXPECT_EQ(b->ToString(), "[::1]:9092");
  EXPECT_EQ(ParseHostPort("h:99999", 1, "sink URI: broker").status().message(),
            "sink URI: broker 'h:99999' has an invalid port; use a port from 1 to 65535");
  for (const char* bad : {"h:", ":1", "[::1", "[::1]x", "a:b:c", "h:0", "h:x"}) {
    EXPECT_FALSE(ParseHostPort(bad, 1, "host").ok()) << bad;
  }
}

TEST(SplitList, TrimsAndKeepsEmptyItems) {
  EXPECT_EQ(SplitList("a, b ,,c"), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(SplitList(""), (std::vector<std::string>{""}));
}

}  // namespace
}  // namespace sluice::base
