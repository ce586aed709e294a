#include "dispatch/event_router.h"

#include <gtest/gtest.h>

#include <set>

#include "base/crc32.h"

namespace sluice::dispatch {
namespace {

model::TableSchemaPtr MakeTable(const std::string& schema, const std::string& table) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = schema;
  t->table = table;
  model::Column id;
  id.name = "id";
  id.type = model::ColumnType::kInt;
  id.is_primary_key = true;
  model::Column name;
  name.name = "name";
  name.type = model::ColumnType::kVarChar;
  t->columns = {id, name};
  t->primary_key = {0};
  return t;
}

model::RowChange Insert(model::TableSchemaPtr t, int64_t id, std::string name) {
  model::RowChange r;
  r.op = model::RowOp::kInsert;
  r.table = std::move(t);
  r.after = {model::Value::Int(id), model::Value::String(std::move(name))};
  return r;
}

TEST(TopicExpression, SubstitutesAndSanitizes) {
  auto e = TopicExpression::Parse("cdc_{schema}_{table}");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Substitute("shop", "orders"), "cdc_shop_orders");
  EXPECT_EQ(e->Substitute("my db", "t$1"), "cdc_my_db_t_1");
  EXPECT_EQ(TopicExpression::Sanitize(".."), "__");
  EXPECT_EQ(TopicExpression::Sanitize(std::string(300, 'a')).size(), 249u);
  EXPECT_EQ(TopicExpression::ByTable("p_", ".", "_s"), "p_{schema}.{table}_s");
  EXPECT_EQ(TopicExpression::ByDatabase("", "-cdc"), "{schema}-cdc");
}

TEST(TopicExpression, RejectsBadExpressions) {
  EXPECT_FALSE(TopicExpression::Parse("a b").ok());
  EXPECT_FALSE(TopicExpression::Parse("{table}_{schema}").ok());  // order is schema, table
  EXPECT_FALSE(TopicExpression::Parse("{Schema}").ok());
  EXPECT_FALSE(TopicExpression::Parse("").ok());
}

TEST(EventRouter, FirstMatchingRuleWinsElseDefaultTopic) {
  std::vector<DispatchRule> rules = {
      {{"shop.*"}, "shop_{table}", PartitionRule::kIndexValue, {}},
      {{"*.*"}, "", PartitionRule::kTable, {}},
  };
  auto r = EventRouter::Create("cdc-default", rules);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->TopicFor("shop", "orders"), "shop_orders");
  EXPECT_EQ(r->TopicFor("crm", "users"), "cdc-default");
}

TEST(EventRouter, TablePartitionMatchesTiCdcHash) {
  auto r = EventRouter::Create("t", {});
  ASSERT_TRUE(r.ok());
  auto table = MakeTable("test", "t1");
  model::TxnInfo txn;
  uint32_t expected = base::Crc32("testt1") % 7;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(r->PartitionFor(Insert(table, i, "x"), txn, 7), static_cast<int32_t>(expected));
  }
}

TEST(EventRouter, IndexValueKeepsARowOnOnePartitionAndSpreadsRows) {
  auto r = EventRouter::Create("t", {{{"*.*"}, "", PartitionRule::kIndexValue, {}}});
  ASSERT_TRUE(r.ok());
  auto table = MakeTable("test", "t1");
  model::TxnInfo txn;
  uint32_t h = base::Crc32("testt1") ^ base::Crc32("id42");
  EXPECT_EQ(r->PartitionFor(Insert(table, 42, "a"), txn, 8), static_cast<int32_t>(h % 8));
  // Same key, different non-key values -> same partition; deletes use the before image.
  model::RowChange del;
  del.op = model::RowOp::kDelete;
  del.table = table;
  del.before = {model::Value::Int(42), model::Value::String("zzz")};
  EXPECT_EQ(r->PartitionFor(del, txn, 8), static_cast<int32_t>(h % 8));
  std::set<int32_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(r->PartitionFor(Insert(table, i, "a"), txn, 8));
  EXPECT_EQ(seen.size(), 8u);
}

TEST(EventRouter, ColumnsAndTsPartitioners) {
  auto r = EventRouter::Create(
      "t", {{{"a.*"}, "", PartitionRule::kColumns, {"name"}}, {{"b.*"}, "", PartitionRule::kTs, {}}});
  ASSERT_TRUE(r.ok());
  model::TxnInfo txn;
  txn.commit_ts = 1001;
  auto ta = MakeTable("a", "t");
  uint32_t h = base::Crc32("at") ^ base::Crc32("namebob");
  EXPECT_EQ(r->PartitionFor(Insert(ta, 1, "bob"), txn, 5), static_cast<int32_t>(h % 5));
  EXPECT_EQ(r->PartitionFor(Insert(MakeTable("b", "t"), 1, "bob"), txn, 5), 1001 % 5);
  EXPECT_FALSE(EventRouter::Create("t", {{{"*.*"}, "", PartitionRule::kColumns, {}}}).ok());
  EXPECT_FALSE(ParsePartitionRule("random").ok());
}

}  // namespace
}  // namespace sluice::dispatch
