#include "pipeline/table_counters.h"

#include <gtest/gtest.h>

#include <thread>

namespace sluice::pipeline {
namespace {

model::TableSchemaPtr Table(const std::string& schema, const std::string& table,
                            uint64_t version = 0) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = schema;
  t->table = table;
  t->version = version;
  return t;
}

model::RowChange Row(model::TableSchemaPtr table, model::RowOp op) {
  model::RowChange r;
  r.op = op;
  r.table = std::move(table);
  return r;
}

TEST(TableCounters, CountsEachOperationPerTableAcrossSchemaVersions) {
  TableCounters counters;
  auto orders = Table("shop", "orders");
  auto items = Table("shop", "items");
  counters.Count(Row(orders, model::RowOp::kInsert));
  counters.Count(Row(orders, model::RowOp::kInsert));
  counters.Count(Row(items, model::RowOp::kDelete));
  counters.Count(Row(orders, model::RowOp::kUpdate));
  // A new definition of the same table (after an ALTER) is a new schema object: same entry.
  counters.Count(Row(Table("shop", "orders", 1), model::RowOp::kDelete));

  auto snap = counters.Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(snap[0].table, "items");  // ordered by schema, table
  EXPECT_EQ(snap[0].deletes, 1u);
  EXPECT_EQ(snap[0].inserts, 0u);
  EXPECT_EQ(snap[1].schema, "shop");
  EXPECT_EQ(snap[1].table, "orders");
  EXPECT_EQ(snap[1].inserts, 2u);
  EXPECT_EQ(snap[1].updates, 1u);
  EXPECT_EQ(snap[1].deletes, 1u);
}

TEST(TableCounters, SnapshotWhileCountingSeesConsistentTables) {
  TableCounters counters;
  constexpr int kRows = 200000;
  std::thread writer([&] {
    std::vector<model::TableSchemaPtr> tables;
    for (int i = 0; i < 50; ++i) tables.push_back(Table("db", "t" + std::to_string(i)));
    for (int i = 0; i < kRows; ++i) {
      counters.Count(Row(tables[(i / 7) % tables.size()], model::RowOp::kInsert));
    }
  });
  uint64_t last_total = 0;
  for (int i = 0; i < 200; ++i) {
    uint64_t total = 0;
    for (const auto& t : counters.Snapshot()) total += t.inserts;
    EXPECT_GE(total, last_total);  // counters only grow
    last_total = total;
  }
  writer.join();
  uint64_t total = 0;
  for (const auto& t : counters.Snapshot()) total += t.inserts;
  EXPECT_EQ(total, static_cast<uint64_t>(kRows));
  EXPECT_EQ(counters.Snapshot().size(), 50u);
}

}  // namespace
}  // namespace sluice::pipeline
