#include "codec/debezium/debezium_decoder.h"

#include <gtest/gtest.h>

namespace sluice::codec::debezium {
namespace {

using model::ColumnType;
using model::RowOp;
using model::Temporal;
using model::Value;

KafkaRecord Rec(std::optional<std::string_view> key, std::optional<std::string_view> value) {
  KafkaRecord r;
  r.topic = "dbserver1.inventory.customers";
  r.key = key;
  r.value = value;
  r.timestamp_ms = 1;
  return r;
}

Temporal T(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, int us = 0) {
  Temporal t;
  t.year = y;
  t.month = static_cast<uint8_t>(mo);
  t.day = static_cast<uint8_t>(d);
  t.hour = static_cast<uint32_t>(h);
  t.minute = static_cast<uint8_t>(mi);
  t.second = static_cast<uint8_t>(s);
  t.micros = static_cast<uint32_t>(us);
  return t;
}

// A Debezium MySQL update event with schemas.enable=true (shape of the Debezium docs).
constexpr const char* kSchemaKey =
    R"j({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],)j"
    R"j("optional":false,"name":"dbserver1.inventory.customers.Key"},"payload":{"id":1004}})j";

constexpr const char* kSchemaValue = R"j({
  "schema": {"type": "struct", "name": "dbserver1.inventory.customers.Envelope", "fields": [
    {"type": "struct", "optional": true, "field": "before", "name": "dbserver1.inventory.customers.Value", "fields": [
      {"type": "int32", "optional": false, "field": "id"},
      {"type": "string", "optional": false, "field": "email"},
      {"type": "bytes", "optional": true, "field": "price", "name": "org.apache.kafka.connect.data.Decimal",
       "parameters": {"scale": "2", "connect.decimal.precision": "10"}},
      {"type": "int32", "optional": true, "field": "born", "name": "io.debezium.time.Date"},
      {"type": "int64", "optional": true, "field": "seen", "name": "io.debezium.time.MicroTimestamp"},
      {"type": "int64", "optional": true, "field": "dt3", "name": "io.debezium.time.Timestamp"},
      {"type": "int64", "optional": true, "field": "tod", "name": "io.debezium.time.MicroTime"},
      {"type": "string", "optional": true, "field": "ts", "name": "io.debezium.time.ZonedTimestamp"},
      {"type": "string", "optional": true, "field": "size", "name": "io.debezium.data.Enum",
       "parameters": {"allowed": "S,M,L"}},
      {"type": "string", "optional": true, "field": "tags", "name": "io.debezium.data.EnumSet",
       "parameters": {"allowed": "a,b,c"}},
      {"type": "bytes", "optional": true, "field": "flags", "name": "io.debezium.data.Bits",
       "parameters": {"length": "12"}},
      {"type": "int32", "optional": true, "field": "yr", "name": "io.debezium.time.Year"},
      {"type": "boolean", "optional": true, "field": "active"},
      {"type": "int64", "optional": true, "field": "big"},
      {"type": "double", "optional": true, "field": "score"},
      {"type": "bytes", "optional": true, "field": "blob"},
      {"type": "string", "optional": true, "field": "doc", "name": "io.debezium.data.Json"},
      {"type": "struct", "optional": true, "field": "dec2", "name": "io.debezium.data.VariableScaleDecimal",
       "fields": [{"type": "int32", "field": "scale"}, {"type": "bytes", "field": "value"}]}
    ]},
    {"type": "struct", "optional": true, "field": "after", "name": "dbserver1.inventory.customers.Value", "fields": []},
    {"type": "struct", "optional": false, "field": "source", "fields": []},
    {"type": "string", "optional": false, "field": "op"},
    {"type": "int64", "optional": true, "field": "ts_ms"}
  ]},
  "payload": {
    "before": {"id": 1004, "email": "old@example.com", "price": "AOI=", "born": 19000,
               "seen": 1700000000123456, "dt3": -1000, "tod": 45296789012,
               "ts": "2023-11-15T06:13:20.5+08:00", "size": "M", "tags": "a,c", "flags": "vAo=",
               "yr": 2024, "active": true, "big": -9223372036854775808, "score": 2.5,
               "blob": "AP+A", "doc": "{\"k\":1}", "dec2": {"scale": 3, "value": "/w=="}},
    "after": {"id": 1004, "email": "new@example.com", "price": null, "born": null,
              "seen": null, "dt3": null, "tod": null, "ts": null, "size": null, "tags": null,
              "flags": null, "yr": null, "active": false, "big": null, "score": null,
              "blob": null, "doc": null, "dec2": null},
    "source": {"version": "2.5.0.Final", "connector": "mysql", "name": "dbserver1",
               "ts_ms": 1700000000000, "db": "inventory", "table": "customers"},
    "op": "u", "ts_ms": 1700000000999
  }
})j";

TEST(DebeziumDecoder, WithSchemaUsesConnectTypesAndLogicalNames) {
  DebeziumDecoder dec;
  DecodeResult out;
  auto st = dec.Decode(Rec(kSchemaKey, kSchemaValue), &out);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(out.events.size(), 1u);
  const auto& ev = out.events[0];
  EXPECT_EQ(ev.txn.commit_time_ms, 1700000000000u);
  EXPECT_EQ(ev.row.op, RowOp::kUpdate);
  const auto& t = *ev.row.table;
  EXPECT_EQ(t.schema, "inventory");
  EXPECT_EQ(t.table, "customers");
  EXPECT_EQ(t.primary_key, std::vector<size_t>{0});
  std::vector<ColumnType> types;
  for (const auto& c : t.columns) types.push_back(c.type);
  EXPECT_EQ(types,
            (std::vector<ColumnType>{
                ColumnType::kInt, ColumnType::kLongText, ColumnType::kDecimal, ColumnType::kDate,
                ColumnType::kDateTime, ColumnType::kDateTime, ColumnType::kTime,
                ColumnType::kTimestamp, ColumnType::kEnum, ColumnType::kSet, ColumnType::kBit,
                ColumnType::kYear, ColumnType::kTinyInt, ColumnType::kBigInt, ColumnType::kDouble,
                ColumnType::kLongBlob, ColumnType::kJson, ColumnType::kDecimal}));
  EXPECT_EQ(t.columns[2].scale, 2);
  EXPECT_EQ(t.columns[2].precision, 10);
  EXPECT_EQ(t.columns[10].length, 12u);
  EXPECT_TRUE(t.columns[15].is_binary());
  Temporal tod = T(0, 0, 0, 12, 34, 56, 789012);
  const std::vector<Value> want_before = {
      Value::Int(1004),
      Value::String("old@example.com"),
      Value::Decimal("2.26"),      // 0x00E2 = 226, scale 2
      Value::Date(T(2022, 1, 8)),  // 19000 days after 1970-01-01
      Value::DateTime(T(2023, 11, 14, 22, 13, 20, 123456)),
      Value::DateTime(T(1969, 12, 31, 23, 59, 59)),
      Value::Time(tod),
      Value::Timestamp(1700000000, 500000),
      Value::UInt(2),
      Value::UInt(5),
      Value::UInt(0x0ABC),  // little-endian bytes BC 0A
      Value::UInt(2024),
      Value::Int(1),
      Value::Int(INT64_MIN),
      Value::Double(2.5),
      Value::String(std::string("\x00\xff\x80", 3)),
      Value::String(R"({"k":1})"),
      Value::Decimal("-0.001"),  // 0xFF = -1, scale 3
  };
  ASSERT_EQ(ev.row.before.size(), want_before.size());
  for (size_t i = 0; i < want_before.size(); ++i) {
    EXPECT_TRUE(ev.row.before[i] == want_before[i]) << t.columns[i].name;
  }
  EXPECT_EQ(ev.row.after[1], Value::String("new@example.com"));
  EXPECT_EQ(ev.row.after[2], Value::Null());
  EXPECT_EQ(ev.row.after[12], Value::Int(0));
}

TEST(DebeziumDecoder, WithoutSchemaKeepsJsonTypes) {
  DebeziumDecoder dec;
  DecodeResult out;
  ASSERT_TRUE(dec.Decode(Rec(R"({"id":7})",
                             R"({"before":null,"after":{"id":7,"name":"x","w":1.25,"ok":true},)"
                             R"("source":{"db":"shop","table":"items","ts_ms":99},"op":"c",)"
                             R"("ts_ms":100})"),
                         &out)
                  .ok());
  ASSERT_EQ(out.events.size(), 1u);
  const auto& row = out.events[0].row;
  EXPECT_EQ(row.op, RowOp::kInsert);
  EXPECT_TRUE(row.before.empty());
  EXPECT_EQ(out.events[0].txn.commit_time_ms, 99u);
  EXPECT_EQ(row.table->schema, "shop");
  EXPECT_EQ(row.table->primary_key, std::vector<size_t>{0});
  EXPECT_EQ(row.after, (std::vector<Value>{Value::Int(7), Value::String("x"), Value::Double(1.25),
                                           Value::Int(1)}));

  ASSERT_TRUE(dec.Decode(Rec(R"({"id":7})",
                             R"({"before":{"id":7,"name":"x","w":1.25,"ok":true},"after":null,)"
                             R"("source":{"db":"shop","table":"items"},"op":"d"})"),
                         &out)
                  .ok());
  EXPECT_EQ(out.events[0].row.op, RowOp::kDelete);
  EXPECT_EQ(out.events[0].row.before[0], Value::Int(7));
  EXPECT_TRUE(out.events[0].row.after.empty());
}

TEST(DebeziumDecoder, TombstonesTruncateAndSnapshotReads) {
  DebeziumDecoder dec;
  DecodeResult out;
  ASSERT_TRUE(dec.Decode(Rec(R"({"id":7})", std::nullopt), &out).ok());
  EXPECT_TRUE(out.events.empty());
  ASSERT_TRUE(dec.Decode(Rec(R"({"id":7})", R"({"schema":null,"payload":null})"), &out).ok());
  EXPECT_TRUE(out.events.empty());
  ASSERT_TRUE(
      dec.Decode(Rec(std::nullopt, R"({"source":{"db":"s","table":"t"},"op":"t"})"), &out).ok());
  EXPECT_TRUE(out.events.empty());
  ASSERT_TRUE(dec.Decode(Rec(std::nullopt, R"({"after":{"id":1},"source":{"db":"s","table":"t"},)"
                                           R"("op":"r"})"),
                         &out)
                  .ok());
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].row.op, RowOp::kInsert);
}

TEST(DebeziumDecoder, SchemaChangeEventIsDdl) {
  DebeziumDecoder dec;
  DecodeResult out;
  ASSERT_TRUE(
      dec.Decode(Rec(std::nullopt, R"({"source":{"db":"inventory"},"databaseName":"inventory",)"
                                   R"("ddl":"ALTER TABLE customers ADD c INT","tableChanges":[]})"),
                 &out)
          .ok());
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, model::ChangeEvent::Kind::kDdl);
  EXPECT_EQ(out.events[0].ddl.schema, "inventory");
  EXPECT_EQ(out.events[0].ddl.sql, "ALTER TABLE customers ADD c INT");
}

TEST(DebeziumDecoder, ErrorsNameTheField) {
  DebeziumDecoder dec;
  DecodeResult out;
  auto st = dec.Decode(Rec(std::nullopt, "<xml/>"), &out);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(out.not_json);
  st = dec.Decode(Rec(std::nullopt, R"({"after":{"id":1},"op":"c"})"), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(out.not_json);
  EXPECT_NE(st.message().find("source.db"), std::string::npos);
  st = dec.Decode(Rec(std::nullopt, R"({"id":1})"), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'op'"), std::string::npos);
  st =
      dec.Decode(Rec(std::nullopt,
                     R"({"schema":{"fields":[{"field":"after","fields":[)"
                     R"({"type":"int32","field":"id","name":"io.debezium.time.Date"}]}]},)"
                     R"("payload":{"after":{"id":"x"},"source":{"db":"s","table":"t"},"op":"c"}})"),
                 &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("field 'id'"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sluice::codec::debezium
