#include "source/postgres/source_config.h"

#include <gtest/gtest.h>

namespace sluice::source::postgres {
namespace {

TEST(PgSourceConfig, ParsesEveryPart) {
  auto c = ParsePgSourceUri(
      "postgresql://us%40er:p%40ss@db.example:6543/app?slot=s1&publication=pub1&"
      "tables=public.t1,Sales.%22Order%20Items%22,t3&start=now&connect-timeout=3s&"
      "status-interval=500ms");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->scheme, "postgresql");
  EXPECT_EQ(c->user, "us@er");
  EXPECT_EQ(c->password, "p@ss");
  EXPECT_EQ(c->host, "db.example");
  EXPECT_EQ(c->port, 6543);
  EXPECT_EQ(c->database, "app");
  EXPECT_EQ(c->slot, "s1");
  EXPECT_EQ(c->publication, "pub1");
  ASSERT_EQ(c->tables.size(), 3u);
  EXPECT_EQ(c->tables[0], (PgTableName{"public", "t1"}));
  EXPECT_EQ(c->tables[1], (PgTableName{"sales", "Order Items"}));
  EXPECT_EQ(c->tables[2], (PgTableName{"public", "t3"}));
  EXPECT_EQ(c->tables[1].ToString(), "sales.\"Order Items\"");
  EXPECT_EQ(c->start, PgSourceConfig::Start::kNow);
  EXPECT_EQ(c->connect_timeout.count(), 3000);
  EXPECT_EQ(c->status_interval.count(), 500);
  std::string r = c->Redacted();
  EXPECT_EQ(r.find("p@ss"), std::string::npos);
  EXPECT_EQ(r.find("p%40ss"), std::string::npos);
  EXPECT_NE(r.find("us%40er:****@db.example:6543/app?slot=s1"), std::string::npos) << r;
}

TEST(PgSourceConfig, DefaultsComeFromTheChangefeed) {
  auto c = ParsePgSourceUri("postgres://u@h/db", DefaultSlotName("Orders-EU.1"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->port, 5432);
  EXPECT_EQ(c->slot, "sluice_orders_eu_1");
  EXPECT_EQ(c->publication, "sluice_orders_eu_1");
  EXPECT_EQ(c->start, PgSourceConfig::Start::kSlot);
  EXPECT_TRUE(c->tables.empty());
  EXPECT_EQ(DefaultSlotName(std::string(100, 'a')).size(), 63u);
}

TEST(PgSourceConfig, ErrorsNameThePart) {
  auto err = [](std::string_view uri) {
    auto c = ParsePgSourceUri(uri, "dflt");
    EXPECT_FALSE(c.ok()) << uri;
    EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument);
    return c.status().message();
  };
  EXPECT_NE(err("mysql://u@h/db").find("postgres://"), std::string::npos);
  EXPECT_NE(err("postgres://h/db").find("no user"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/").find("database"), std::string::npos);
  EXPECT_NE(err("postgres://u@h:0/db").find("port"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/db?slot=Bad-Name").find("slot"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/db?start=earliest").find("slot, now"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/db?bogus=1").find("valid options: slot"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/db?tables=a..b").find("tables"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/db?status-interval=1ms").find("out of range"), std::string::npos);
  EXPECT_NE(err("postgres://u@h/db?slot=a&slot=b").find("twice"), std::string::npos);
  std::string m = err("postgres://u:sec%ret@h/db");
  EXPECT_EQ(m.find("sec"), std::string::npos);
  EXPECT_FALSE(ParsePgSourceUri("postgres://u@h/db").ok());  // no slot and no default
}

TEST(PgSourceConfig, ConnInfoPinsOutputFormatsAndQuotes) {
  auto c = ParsePgSourceUri("postgres://u:it's@h:1/db", "s");
  ASSERT_TRUE(c.ok());
  std::string ci = c->ConnInfo(true);
  EXPECT_NE(ci.find("password='it\\'s'"), std::string::npos) << ci;
  EXPECT_NE(ci.find("DateStyle=ISO"), std::string::npos);
  EXPECT_NE(ci.find("replication=database"), std::string::npos);
  EXPECT_EQ(c->ConnInfo(false).find("replication"), std::string::npos);
}

}  // namespace
}  // namespace sluice::source::postgres
