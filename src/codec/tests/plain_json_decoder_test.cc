#include "codec/plain_json/plain_json_decoder.h"

#include <gtest/gtest.h>

namespace sluice::codec::plain_json {
namespace {

using model::ColumnType;
using model::RowOp;
using model::Value;

KafkaRecord Rec(std::string_view topic, std::optional<std::string_view> key,
                std::optional<std::string_view> value) {
  KafkaRecord r;
  r.topic = topic;
  r.key = key;
  r.value = value;
  r.timestamp_ms = 1700000000000;
  return r;
}

TEST(PlainJsonDecoder, ObjectIsAnUpsertWithJsonTypedValuesAndTheKeyFromTheMessageKey) {
  PlainJsonDecoder dec({});
  DecodeResult out;
  auto st = dec.Decode(Rec("shop.orders", R"({"id":5})",
                           R"({"id":5,"name":"pen","price":1.5,"paid":true,"n":null,)"
                           R"("big":18446744073709551615,"neg":-3,"meta":{"a":[1,2]}})"),
                       &out);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(out.events.size(), 1u);
  const auto& row = out.events[0].row;
  EXPECT_EQ(row.op, RowOp::kInsert);
  EXPECT_EQ(out.events[0].txn.commit_time_ms, 1700000000000u);
  EXPECT_EQ(row.table->schema, "shop");
  EXPECT_EQ(row.table->table, "orders");
  EXPECT_EQ(row.table->primary_key, std::vector<size_t>{0});
  EXPECT_TRUE(row.table->columns[0].is_primary_key);
  std::vector<ColumnType> types;
  for (const auto& c : row.table->columns) types.push_back(c.type);
  EXPECT_EQ(types,
            (std::vector<ColumnType>{ColumnType::kBigInt, ColumnType::kLongText,
                                     ColumnType::kDouble, ColumnType::kTinyInt, ColumnType::kNull,
                                     ColumnType::kBigInt, ColumnType::kBigInt, ColumnType::kJson}));
  EXPECT_TRUE(row.table->columns[5].is_unsigned);
  EXPECT_EQ(row.after, (std::vector<Value>{Value::Int(5), Value::String("pen"), Value::Double(1.5),
                                           Value::Int(1), Value::Null(), Value::UInt(UINT64_MAX),
                                           Value::Int(-3), Value::String(R"({"a":[1,2]})")}));
}

TEST(PlainJsonDecoder, MappingDatabaseAndConfiguredKeyColumns) {
  PlainJsonOptions o;
  o.table_mapping["raw_orders"] = {"shop", "orders"};
  o.database = "landing";
  o.key_columns = {"tenant", "id"};
  PlainJsonDecoder dec(o);
  DecodeResult out;
  ASSERT_TRUE(
      dec.Decode(Rec("raw_orders", std::nullopt, R"({"id":1,"tenant":"a","x":2})"), &out).ok());
  EXPECT_EQ(out.events[0].row.table->schema, "shop");
  EXPECT_EQ(out.events[0].row.table->table, "orders");
  EXPECT_EQ(out.events[0].row.table->primary_key, (std::vector<size_t>{1, 0}));
  ASSERT_TRUE(dec.Decode(Rec("events", std::nullopt, R"({"id":1,"tenant":"a"})"), &out).ok());
  EXPECT_EQ(out.events[0].row.table->schema, "landing");
  EXPECT_EQ(out.events[0].row.table->table, "events");
  auto st = dec.Decode(Rec("events", std::nullopt, R"({"id":1})"), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("key column 'tenant'"), std::string::npos) << st.message();
}

TEST(PlainJsonDecoder, TombstoneWithJsonKeyDeletesAndOthersAreIgnored) {
  PlainJsonDecoder dec({});
  DecodeResult out;
  ASSERT_TRUE(dec.Decode(Rec("shop.orders", R"({"id":9})", std::nullopt), &out).ok());
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].row.op, RowOp::kDelete);
  EXPECT_EQ(out.events[0].row.before, std::vector<Value>{Value::Int(9)});
  ASSERT_TRUE(dec.Decode(Rec("shop.orders", "plain-key", std::nullopt), &out).ok());
  EXPECT_TRUE(out.events.empty());
}

TEST(PlainJsonDecoder, NotJsonAndUnmappableTopicsAreErrors) {
  PlainJsonDecoder dec({});
  DecodeResult out;
  for (std::string_view bad : {"hello", "[1,2]", "42", "{\"a\":"}) {
    auto st = dec.Decode(Rec("shop.orders", std::nullopt, bad), &out);
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(out.not_json) << bad;
  }
  auto st = dec.Decode(Rec("orders", std::nullopt, R"({"id":1})"), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(out.not_json);
  EXPECT_NE(st.message().find("database=<name>"), std::string::npos);
}

TEST(PlainJsonDecoder, SchemaIsSharedUntilColumnsChange) {
  PlainJsonDecoder dec({});
  DecodeResult a, b, c;
  ASSERT_TRUE(dec.Decode(Rec("s.t", std::nullopt, R"({"id":1})"), &a).ok());
  ASSERT_TRUE(dec.Decode(Rec("s.t", std::nullopt, R"({"id":2})"), &b).ok());
  ASSERT_TRUE(dec.Decode(Rec("s.t", std::nullopt, R"({"id":2,"x":"y"})"), &c).ok());
  EXPECT_EQ(a.events[0].row.table, b.events[0].row.table);
  EXPECT_NE(b.events[0].row.table, c.events[0].row.table);
  EXPECT_EQ(c.events[0].row.table->version, a.events[0].row.table->version + 1);
}

}  // namespace
}  // namespace sluice::codec::plain_json
