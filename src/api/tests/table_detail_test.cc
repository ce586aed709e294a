#include "api/table_detail.h"

#include <gtest/gtest.h>

#include "source/postgres/pg_types.h"

namespace sluice::api {
namespace {

ColumnDetail Col(std::string name, std::string data_type, std::string key = "") {
  ColumnDetail c;
  c.name = std::move(name);
  c.type = data_type;
  c.data_type = std::move(data_type);
  c.key = std::move(key);
  return c;
}

TableDetail MariaOrders() {
  TableDetail d;
  d.schema = "shop";
  d.table = "orders";
  d.type = "BASE TABLE";
  d.columns = {Col("id", "int", "PRI"), Col("note", "varchar"), Col("place", "point"),
               Col("addr", "inet6")};
  d.keys = {{"PRIMARY", true, {"id"}}};
  d.settings = {{"binlog_format", "ROW"}, {"binlog_row_image", "FULL"}};
  return d;
}

const CaptureCheck& Check(const TableDetail& d, const std::string& name) {
  for (const auto& c : d.checks) {
    if (c.name == name) return c;
  }
  static CaptureCheck none{"missing", "missing", "", ""};
  return none;
}

TEST(AssessCapture, MariaDbTableWithKeyAndFullRowImageIsCapturable) {
  TableDetail d = MariaOrders();
  AssessCapture(ConnectionKind::kMariaDb, &d);
  EXPECT_TRUE(d.capturable);
  EXPECT_EQ(Check(d, "table type").status, "pass");
  EXPECT_EQ(Check(d, "row image").status, "pass");
  EXPECT_EQ(Check(d, "key").status, "pass");
  EXPECT_EQ(Check(d, "key").detail, "primary key (id)");
  EXPECT_EQ(Check(d, "column types").status, "pass");
  EXPECT_EQ(Check(d, "column types").detail, "all 4 columns are decoded (2 with a note)");
  EXPECT_EQ(d.columns[2].note, "arrives as SRID + WKB bytes");
  EXPECT_EQ(d.columns[3].note, "arrives as its 16-byte binary form");
}

TEST(AssessCapture, MariaDbMinimalRowImageFailsWithTheFix) {
  TableDetail d = MariaOrders();
  d.settings["binlog_row_image"] = "MINIMAL";
  AssessCapture(ConnectionKind::kMariaDb, &d);
  EXPECT_FALSE(d.capturable);
  EXPECT_EQ(Check(d, "row image").status, "fail");
  EXPECT_NE(Check(d, "row image").fix.find("binlog_row_image=FULL"), std::string::npos);
  d.settings["binlog_format"] = "MIXED";
  AssessCapture(ConnectionKind::kMariaDb, &d);
  EXPECT_NE(Check(d, "row image").fix.find("binlog_format=ROW"), std::string::npos);
}

TEST(AssessCapture, NoPrimaryKeyWarnsAndNamesTheUniqueKey) {
  TableDetail d = MariaOrders();
  d.columns[0].key = "UNI";
  d.keys = {{"uk_id", false, {"id", "note"}}};
  AssessCapture(ConnectionKind::kMariaDb, &d);
  EXPECT_TRUE(d.capturable);  // a warning, not a failure: Kafka targets work without a key
  EXPECT_EQ(Check(d, "key").status, "warn");
  EXPECT_NE(Check(d, "key").detail.find("uk_id (id, note)"), std::string::npos);
  EXPECT_EQ(Check(d, "key").fix, "ALTER TABLE shop.orders ADD PRIMARY KEY (...)");
}

TEST(AssessCapture, UnknownTypeAndViewFail) {
  TableDetail d = MariaOrders();
  d.columns.push_back(Col("embedding", "vector"));
  AssessCapture(ConnectionKind::kMariaDb, &d);
  EXPECT_FALSE(d.capturable);
  EXPECT_EQ(Check(d, "column types").status, "fail");
  EXPECT_FALSE(d.columns.back().supported);
  d = MariaOrders();
  d.type = "VIEW";
  AssessCapture(ConnectionKind::kMariaDb, &d);
  EXPECT_FALSE(d.capturable);
  EXPECT_EQ(Check(d, "table type").status, "fail");
}

TEST(AssessCapture, PostgresReplicaIdentity) {
  TableDetail d;
  d.schema = "public";
  d.table = "t";
  d.type = "BASE TABLE";
  ColumnDetail id = Col("id", "int4", "PRI");
  id.type_oid = source::postgres::pg_oid::kInt4;
  ColumnDetail tags = Col("tags", "_text");
  tags.type_oid = 1009;  // text[]: not mapped, arrives as text
  ColumnDetail name = Col("name", "text");
  name.type_oid = source::postgres::pg_oid::kText;
  d.columns = {id, tags, name};
  d.keys = {{"t_pkey", true, {"id"}}};
  d.settings = {{"replica_identity", "d"}};
  AssessCapture(ConnectionKind::kPostgreSql, &d);
  EXPECT_TRUE(d.capturable);
  EXPECT_EQ(Check(d, "row image").status, "pass");
  EXPECT_EQ(d.columns[1].note, "arrives as its text form");
  EXPECT_EQ(d.columns[2].note, "");

  d.keys.clear();  // DEFAULT without a primary key: UPDATE/DELETE fail on the server
  AssessCapture(ConnectionKind::kPostgreSql, &d);
  EXPECT_FALSE(d.capturable);
  EXPECT_EQ(Check(d, "row image").fix,
            "ALTER TABLE public.t REPLICA IDENTITY FULL (or add a primary key)");
  d.settings["replica_identity"] = "f";
  AssessCapture(ConnectionKind::kPostgreSql, &d);
  EXPECT_TRUE(d.capturable);
  d.settings["replica_identity"] = "n";
  AssessCapture(ConnectionKind::kPostgreSql, &d);
  EXPECT_FALSE(d.capturable);
}

pipeline::ChangefeedInfo Feed(std::string id, std::string source_uri,
                              std::vector<std::string> rules) {
  pipeline::ChangefeedInfo f;
  f.id = std::move(id);
  f.source_uri = std::move(source_uri);
  f.filter_rules = std::move(rules);
  f.state = "normal";
  return f;
}

TEST(CapturingChangefeeds, SameServerAndMatchingFilter) {
  Connection maria;
  maria.name = "maria";
  maria.kind = ConnectionKind::kMariaDb;
  maria.hosts = {"localhost:3306"};
  std::vector<pipeline::ChangefeedInfo> feeds = {
      Feed("all", "mysql://sluice:****@127.0.0.1:3306/?start=now", {"*.*"}),
      Feed("shop", "mysql://sluice:****@127.0.0.1/?start=now", {"shop.*", "!shop.tmp_*"}),
      Feed("tmp-excluded", "mysql://u@127.0.0.1:3306/", {"shop.*", "!shop.ord*"}),
      Feed("other-port", "mysql://u@127.0.0.1:3307/", {"*.*"}),
      Feed("other-host", "mysql://u@10.0.0.5:3306/", {"*.*"}),
      Feed("postgres", "postgres://u@127.0.0.1:3306/db", {"*.*"}),
  };
  std::vector<std::string> ids;
  for (const auto& f : CapturingChangefeeds(maria, "shop", "orders", feeds)) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"all", "shop"}));

  Connection pg;
  pg.kind = ConnectionKind::kPostgreSql;
  pg.hosts = {"[::1]:5432"};
  pg.database = "app";
  feeds = {Feed("app", "postgres://u:****@127.0.0.1:5432/app?slot=s", {"public.*"}),
           Feed("other-db", "postgresql://u@127.0.0.1:5432/other", {"*.*"})};
  ids.clear();
  for (const auto& f : CapturingChangefeeds(pg, "public", "t", feeds)) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"app"}));
}

}  // namespace
}  // namespace sluice::api
