#include "codec/avro/avro_schema.h"

#include <gtest/gtest.h>

#include "codec/avro/avro_record.h"

namespace sluice::codec::avro {
namespace {

using model::Column;
using model::ColumnType;

Column Col(std::string name, ColumnType t, bool nullable = true) {
  Column c;
  c.name = std::move(name);
  c.type = t;
  c.nullable = nullable;
  c.collation = 45;  // utf8mb4_general_ci
  return c;
}

// A table with one column of every model::ColumnType (and the unsigned variants).
model::TableSchema EveryType() {
  model::TableSchema t;
  t.schema = "shop-db";
  t.table = "1orders";
  Column id = Col("id", ColumnType::kInt, false);
  id.is_primary_key = true;
  t.columns.push_back(id);
  t.primary_key = {0};
  for (auto type : {ColumnType::kTinyInt, ColumnType::kSmallInt, ColumnType::kMediumInt,
                    ColumnType::kInt, ColumnType::kBigInt}) {
    t.columns.push_back(Col(std::string(model::ColumnTypeName(type)), type));
    Column u = Col("u" + std::string(model::ColumnTypeName(type)), type);
    u.is_unsigned = true;
    t.columns.push_back(u);
  }
  Column dec = Col("dec", ColumnType::kDecimal);
  dec.precision = 65;
  dec.scale = 30;
  t.columns.push_back(dec);
  Column bit = Col("bit", ColumnType::kBit);
  bit.length = 10;
  t.columns.push_back(bit);
  Column e = Col("e", ColumnType::kEnum);
  e.elements = {"a", "b,c"};
  t.columns.push_back(e);
  Column s = Col("s", ColumnType::kSet);
  s.elements = {"x", "y"};
  t.columns.push_back(s);
  Column bin = Col("vb", ColumnType::kVarChar);
  bin.collation = model::kBinaryCollation;
  t.columns.push_back(bin);
  for (auto type : {ColumnType::kFloat,     ColumnType::kDouble,     ColumnType::kYear,
                    ColumnType::kDate,      ColumnType::kTime,       ColumnType::kDateTime,
                    ColumnType::kTimestamp, ColumnType::kChar,       ColumnType::kVarChar,
                    ColumnType::kBinary,    ColumnType::kVarBinary,  ColumnType::kTinyText,
                    ColumnType::kText,      ColumnType::kMediumText, ColumnType::kLongText,
                    ColumnType::kTinyBlob,  ColumnType::kBlob,       ColumnType::kMediumBlob,
                    ColumnType::kLongBlob,  ColumnType::kJson,       ColumnType::kGeometry}) {
    t.columns.push_back(Col("c_" + std::string(model::ColumnTypeName(type)), type));
  }
  return t;
}

TEST(AvroSchema, SanitizeNameFollowsTiCdc) {
  EXPECT_EQ(SanitizeName("orders"), "orders");
  EXPECT_EQ(SanitizeName("1abc"), "_1abc");
  EXPECT_EQ(SanitizeName("a-b.c d"), "a_b_c_d");
  EXPECT_EQ(SanitizeName("café"), "caf_");
  EXPECT_EQ(KeySubject("cdc.orders"), "cdc_orders-key");
  EXPECT_EQ(ValueSubject("cdc-orders"), "cdc-orders-value");
}

TEST(AvroSchema, ValueSchemaTypesNamesAndExtensionFields) {
  model::TableSchema t;
  t.schema = "db";
  t.table = "t";
  Column id = Col("id", ColumnType::kBigInt, false);
  id.is_unsigned = true;
  t.columns.push_back(id);
  t.primary_key = {0};
  Column d = Col("amount", ColumnType::kDecimal, false);
  d.precision = 10;
  d.scale = 2;
  t.columns.push_back(d);
  t.columns.push_back(Col("note", ColumnType::kVarChar));
  Column e = Col("state", ColumnType::kEnum);
  e.elements = {"new", "done"};
  t.columns.push_back(e);
  AvroSchemaOptions o;
  o.enable_tidb_extension = true;
  EXPECT_EQ(
      ValueSchemaJson(t, o),
      R"({"type":"record","name":"t","namespace":"default.db","fields":[)"
      R"({"default":0,"name":"id","type":{"connect.parameters":{"tidb_type":"BIGINT UNSIGNED"},"type":"long"}},)"
      R"({"default":"\u0000","name":"amount","type":{"connect.parameters":{"tidb_type":"DECIMAL"},"logicalType":"decimal","precision":10,"scale":2,"type":"bytes"}},)"
      R"({"default":null,"name":"note","type":["null",{"connect.parameters":{"tidb_type":"TEXT"},"type":"string"}]},)"
      R"({"default":null,"name":"state","type":["null",{"connect.parameters":{"allowed":"new,done","tidb_type":"ENUM"},"type":"string"}]},)"
      R"({"default":"","name":"_tidb_op","type":"string"},)"
      R"({"default":0,"name":"_tidb_commit_ts","type":"long"},)"
      R"({"default":0,"name":"_tidb_commit_physical_time","type":"long"}]})");
  o.enable_tidb_extension = false;
  o.decimal_as_string = true;
  o.bigint_unsigned_as_string = true;
  auto key = KeySchemaJson(t, o);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(
      *key,
      R"({"type":"record","name":"t","namespace":"default.db","fields":[)"
      R"({"name":"id","type":{"connect.parameters":{"tidb_type":"BIGINT UNSIGNED"},"type":"string"}}]})");
  EXPECT_NE(ValueSchemaJson(t, o).find(R"({"tidb_type":"DECIMAL"},"type":"string")"),
            std::string::npos);
}

TEST(AvroSchema, EveryColumnTypeParsesWithAvroC) {
  model::TableSchema t = EveryType();
  for (bool str : {false, true}) {
    AvroSchemaOptions o;
    o.enable_tidb_extension = true;
    o.decimal_as_string = str;
    o.bigint_unsigned_as_string = str;
    std::string value = ValueSchemaJson(t, o);
    auto rec = AvroRecord::Parse(value);
    ASSERT_TRUE(rec.ok()) << rec.status().message();
    auto key = KeySchemaJson(t, o);
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE(AvroRecord::Parse(*key).ok());
    EXPECT_NE(value.find(R"("name":"_1orders","namespace":"default.shop_db")"), std::string::npos)
        << value;
  }
  std::string v = ValueSchemaJson(t, {});
  EXPECT_NE(v.find(R"({"connect.parameters":{"tidb_type":"INT UNSIGNED"},"type":"long"})"),
            std::string::npos);  // INT UNSIGNED -> long
  EXPECT_NE(v.find(R"({"connect.parameters":{"tidb_type":"INT UNSIGNED"},"type":"int"})"),
            std::string::npos);  // smaller unsigned -> int
  EXPECT_NE(v.find(R"({"connect.parameters":{"length":"10","tidb_type":"BIT"},"type":"bytes"})"),
            std::string::npos);
  EXPECT_NE(v.find(R"({"allowed":"a,b\\,c","tidb_type":"ENUM"})"), std::string::npos) << v;
  EXPECT_NE(
      v.find(
          R"("name":"vb","type":["null",{"connect.parameters":{"tidb_type":"BLOB"},"type":"bytes"}])"),
      std::string::npos);
  EXPECT_NE(v.find(R"({"tidb_type":"FLOAT"},"type":"float")"), std::string::npos);
  EXPECT_NE(v.find(R"({"tidb_type":"TIMESTAMP"},"type":"string")"), std::string::npos);
  EXPECT_NE(v.find(R"({"tidb_type":"YEAR"},"type":"int")"), std::string::npos);
  EXPECT_NE(v.find(R"({"tidb_type":"JSON"},"type":"string")"), std::string::npos);
  EXPECT_NE(v.find(R"({"tidb_type":"GEOMETRY"},"type":"bytes")"), std::string::npos);
}

// Every NOT NULL value field carries MySQL's implicit default in its Avro encoding (so ADD COLUMN
// is BACKWARD compatible), avro-c accepts each default, and key fields carry none.
TEST(AvroSchema, NotNullValueFieldsCarryTheImplicitDefault) {
  model::TableSchema t = EveryType();
  for (auto& c : t.columns) c.nullable = false;
  for (bool str : {false, true}) {
    AvroSchemaOptions o;
    o.decimal_as_string = str;
    o.bigint_unsigned_as_string = str;
    std::string v = ValueSchemaJson(t, o);
    auto rec = AvroRecord::Parse(v);
    ASSERT_TRUE(rec.ok()) << rec.status().message() << "\n" << v;
    EXPECT_EQ(v.find(R"(["null")"), std::string::npos) << v;
    auto field = [&](const std::string& name) {
      auto at = v.find(R"("name":")" + name + R"(")");
      return at == std::string::npos ? std::string() : v.substr(v.rfind('{', at), at - v.rfind('{', at));
    };
    EXPECT_EQ(field("id"), R"({"default":0,)");
    EXPECT_EQ(field("c_float"), R"({"default":0.0,)");
    EXPECT_EQ(field("e"), R"({"default":"a",)");
    EXPECT_EQ(field("s"), R"({"default":"",)");
    EXPECT_EQ(field("c_date"), R"({"default":"0000-00-00",)");
    EXPECT_EQ(field("c_datetime"), R"({"default":"0000-00-00 00:00:00",)");
    EXPECT_EQ(field("c_time"), R"({"default":"00:00:00",)");
    EXPECT_EQ(field("c_json"), R"({"default":"null",)");
    EXPECT_EQ(field("vb"), R"({"default":"",)");
    EXPECT_EQ(field("dec"), str ? R"({"default":"0",)" : R"({"default":"\u0000",)");
    EXPECT_EQ(field("ubigint"), str ? R"({"default":"0",)" : R"({"default":0,)");
    auto key = KeySchemaJson(t, o);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->find(R"("default":)"), std::string::npos) << *key;
  }
}

TEST(AvroSchema, TableWithoutPrimaryKeyHasNoKeySchema) {
  model::TableSchema t;
  t.schema = "db";
  t.table = "nopk";
  t.columns.push_back(Col("a", ColumnType::kInt));
  auto key = KeySchemaJson(t, {});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(key.status().message().find("`db`.`nopk` has no primary key"), std::string::npos);
}

}  // namespace
}  // namespace sluice::codec::avro
