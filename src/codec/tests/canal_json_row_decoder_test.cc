#include "codec/canal_json/canal_json_row_decoder.h"

#include <memory>

#include <gtest/gtest.h>

#include "codec/canal_json/canal_json_encoder.h"

namespace sluice::codec::canal_json {
namespace {

using model::Column;
using model::ColumnType;
using model::RowChange;
using model::RowOp;
using model::TableSchema;
using model::Temporal;
using model::Value;

Column Col(std::string name, ColumnType type, bool is_unsigned = false) {
  Column c;
  c.name = std::move(name);
  c.type = type;
  c.is_unsigned = is_unsigned;
  return c;
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

// One column of every ColumnType sluice models (except kNull), with a value each.
std::shared_ptr<TableSchema> AllTypes(std::vector<Value>* values) {
  auto t = std::make_shared<TableSchema>();
  t->schema = "shop";
  t->table = "all_types";
  auto add = [&](Column c, Value v) {
    t->columns.push_back(std::move(c));
    values->push_back(std::move(v));
  };
  add(Col("id", ColumnType::kInt), Value::Int(7));
  t->columns[0].is_primary_key = true;
  t->columns[0].nullable = false;
  t->primary_key = {0};
  add(Col("c_tinyint", ColumnType::kTinyInt), Value::Int(-128));
  add(Col("c_tinyint_u", ColumnType::kTinyInt, true), Value::UInt(255));
  add(Col("c_smallint", ColumnType::kSmallInt), Value::Int(-32768));
  add(Col("c_mediumint_u", ColumnType::kMediumInt, true), Value::UInt(16777215));
  add(Col("c_int", ColumnType::kInt), Value::Int(-2147483648LL));
  add(Col("c_bigint", ColumnType::kBigInt), Value::Int(INT64_MIN));
  add(Col("c_bigint_u", ColumnType::kBigInt, true), Value::UInt(UINT64_MAX));
  add(Col("c_float", ColumnType::kFloat), Value::Float(3.14f));
  add(Col("c_double", ColumnType::kDouble), Value::Double(-2.718281828459045));
  Column dec = Col("c_decimal", ColumnType::kDecimal);
  dec.precision = 10;
  dec.scale = 4;
  add(dec, Value::Decimal("-123456.7890"));
  add(Col("c_year", ColumnType::kYear), Value::UInt(2024));
  add(Col("c_date", ColumnType::kDate), Value::Date(T(2024, 2, 29)));
  Column tm = Col("c_time", ColumnType::kTime);
  tm.fsp = 3;
  Temporal neg = T(0, 0, 0, 838, 59, 58, 123000);
  neg.negative = true;
  add(tm, Value::Time(neg));
  Column dt = Col("c_datetime", ColumnType::kDateTime);
  dt.fsp = 6;
  add(dt, Value::DateTime(T(1999, 12, 31, 23, 59, 59, 999999)));
  Column ts = Col("c_timestamp", ColumnType::kTimestamp);
  ts.fsp = 2;
  add(ts, Value::Timestamp(1700000000, 120000));
  Column ch = Col("c_char", ColumnType::kChar);
  ch.length = 4;
  add(ch, Value::String("ab"));
  Column vc = Col("c_varchar", ColumnType::kVarChar);
  vc.length = 20;
  add(vc, Value::String("héllo \"q\" \n"));
  Column bin = Col("c_binary", ColumnType::kBinary);
  bin.length = 3;
  bin.collation = model::kBinaryCollation;
  add(bin, Value::String(std::string("\x00\xff\x80", 3)));
  Column vb = Col("c_varbinary", ColumnType::kVarBinary);
  vb.length = 8;
  vb.collation = model::kBinaryCollation;
  add(vb, Value::String(std::string("\x01\x02", 2)));
  for (auto [name, type] : {std::pair{"c_tinytext", ColumnType::kTinyText},
                            {"c_text", ColumnType::kText},
                            {"c_mediumtext", ColumnType::kMediumText},
                            {"c_longtext", ColumnType::kLongText}}) {
    add(Col(name, type), Value::String(std::string("text of ") + name));
  }
  for (auto [name, type] : {std::pair{"c_tinyblob", ColumnType::kTinyBlob},
                            {"c_blob", ColumnType::kBlob},
                            {"c_mediumblob", ColumnType::kMediumBlob},
                            {"c_longblob", ColumnType::kLongBlob}}) {
    Column b = Col(name, type);
    b.collation = model::kBinaryCollation;
    add(b, Value::String(std::string("\xde\xad\x00\xbe\xef", 5)));
  }
  add(Col("c_json", ColumnType::kJson), Value::String(R"({"a": [1, 2]})"));
  Column en = Col("c_enum", ColumnType::kEnum);
  en.elements = {"small", "medium", "it's large"};
  add(en, Value::UInt(3));
  Column st = Col("c_set", ColumnType::kSet);
  st.elements = {"r", "g", "b"};
  add(st, Value::UInt(5));
  Column bit = Col("c_bit", ColumnType::kBit);
  bit.length = 12;
  add(bit, Value::UInt(0xABC));
  Column geo = Col("c_geometry", ColumnType::kGeometry);
  geo.collation = model::kBinaryCollation;
  add(geo, Value::String(std::string("\x00\x00\x00\x00\x01\x01\x00\x00\x00", 9)));
  add(Col("c_null", ColumnType::kVarChar), Value::Null());
  return t;
}

KafkaRecord Rec(std::string_view value) {
  KafkaRecord r;
  r.topic = "cdc";
  r.value = value;
  r.timestamp_ms = 1700000000000;
  return r;
}

TEST(CanalJsonRowDecoder, EveryMySqlTypeRoundTripsThroughTheEncoder) {
  std::vector<Value> values;
  auto table = AllTypes(&values);
  CanalJsonOptions eo;
  eo.content_compatible = true;  // full mysqlType: decimal(10,4), enum('...'), datetime(6)
  eo.format.time_zone = *model::TimeZone::Parse("+08:00");
  CanalJsonEncoder enc(eo, [] { return int64_t{1}; });
  RowChange row;
  row.op = RowOp::kInsert;
  row.table = table;
  row.after = values;
  model::TxnInfo txn;
  txn.commit_time_ms = 1700000000123;
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, txn, &msg).ok());

  CanalJsonRowDecoderOptions dopt;
  dopt.time_zone = *model::TimeZone::Parse("+08:00");
  CanalJsonRowDecoder dec(dopt);
  DecodeResult out;
  auto st = dec.Decode(Rec(msg.value), &out);
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << msg.value;
  ASSERT_EQ(out.events.size(), 1u);
  const auto& ev = out.events[0];
  EXPECT_EQ(ev.kind, model::ChangeEvent::Kind::kRow);
  EXPECT_EQ(ev.txn.commit_time_ms, 1700000000123u);
  EXPECT_EQ(ev.row.op, RowOp::kInsert);
  const TableSchema& got = *ev.row.table;
  EXPECT_EQ(got.schema, "shop");
  EXPECT_EQ(got.table, "all_types");
  EXPECT_EQ(got.primary_key, std::vector<size_t>{0});
  ASSERT_EQ(got.columns.size(), table->columns.size());
  ASSERT_EQ(ev.row.after.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const Column& want = table->columns[i];
    const Column& have = got.columns[i];
    EXPECT_EQ(have.name, want.name);
    EXPECT_EQ(have.type, want.type) << want.name;
    EXPECT_EQ(have.is_unsigned, want.is_unsigned) << want.name;
    EXPECT_EQ(have.is_binary(), want.is_binary()) << want.name;
    EXPECT_EQ(have.elements, want.elements) << want.name;
    if (want.type == ColumnType::kDecimal) {
      EXPECT_EQ(have.precision, 10);
      EXPECT_EQ(have.scale, 4);
    }
    if (want.fsp) EXPECT_EQ(have.fsp, want.fsp) << want.name;
    EXPECT_TRUE(ev.row.after[i] == values[i]) << want.name << " in " << msg.value;
  }
}

TEST(CanalJsonRowDecoder, OfficialCanalMultiRowUpdateWithPartialOldAndEnumNames) {
  const char* msg =
      R"j({"data":[{"id":"1","name":"new","size":"medium","tags":"a,c"},)j"
      R"j({"id":"2","name":"two","size":"small","tags":""}],"database":"shop","es":1600000000000,)j"
      R"j("id":3,"isDdl":false,"mysqlType":{"id":"int(11)","name":"varchar(32)",)j"
      R"j("size":"enum('small','medium')","tags":"set('a','b','c')"},)j"
      R"j("old":[{"name":"old"},{"size":"medium"}],"pkNames":["id"],"sql":"",)j"
      R"j("sqlType":{"id":4,"name":12,"size":4,"tags":-7},"table":"items","ts":1,"type":"UPDATE"})j";
  CanalJsonRowDecoder dec({});
  DecodeResult out;
  ASSERT_TRUE(dec.Decode(Rec(msg), &out).ok());
  ASSERT_EQ(out.events.size(), 2u);
  const auto& r0 = out.events[0].row;
  EXPECT_EQ(r0.op, RowOp::kUpdate);
  EXPECT_EQ(r0.after, (std::vector<Value>{Value::Int(1), Value::String("new"), Value::UInt(2),
                                          Value::UInt(5)}));
  EXPECT_EQ(r0.before, (std::vector<Value>{Value::Int(1), Value::String("old"), Value::UInt(2),
                                           Value::UInt(5)}));
  const auto& r1 = out.events[1].row;
  EXPECT_EQ(r1.after[2], Value::UInt(1));
  EXPECT_EQ(r1.after[3], Value::UInt(0));
  EXPECT_EQ(r1.before[2], Value::UInt(2));
  EXPECT_EQ(r0.table, r1.table);  // one schema object for both rows
  EXPECT_EQ(out.events[0].txn.commit_time_ms, 1600000000000u);
}

TEST(CanalJsonRowDecoder, DeleteDdlAndWatermark) {
  CanalJsonRowDecoder dec({});
  DecodeResult out;
  ASSERT_TRUE(dec.Decode(Rec(R"({"database":"shop","table":"t","pkNames":["id"],"isDdl":false,)"
                             R"("type":"DELETE","es":5,"mysqlType":{"id":"bigint unsigned"},)"
                             R"("data":[{"id":"18446744073709551615"}],"old":null})"),
                         &out)
                  .ok());
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].row.op, RowOp::kDelete);
  EXPECT_EQ(out.events[0].row.before, std::vector<Value>{Value::UInt(UINT64_MAX)});
  EXPECT_TRUE(out.events[0].row.after.empty());

  ASSERT_TRUE(dec.Decode(Rec(R"({"database":"shop","table":"t","isDdl":true,"type":"ALTER",)"
                             R"("es":5,"sql":"ALTER TABLE t ADD c INT","data":null,"old":null})"),
                         &out)
                  .ok());
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, model::ChangeEvent::Kind::kDdl);
  EXPECT_EQ(out.events[0].ddl.schema, "shop");
  EXPECT_EQ(out.events[0].ddl.table, "t");
  EXPECT_EQ(out.events[0].ddl.sql, "ALTER TABLE t ADD c INT");

  ASSERT_TRUE(dec.Decode(Rec(R"({"id":0,"database":"","table":"","pkNames":null,"isDdl":false,)"
                             R"("type":"TIDB_WATERMARK","es":1,"ts":1,"sql":"","sqlType":null,)"
                             R"("mysqlType":null,"data":null,"old":null,)"
                             R"("_tidb":{"watermarkTs":429918007904436226}})"),
                         &out)
                  .ok());
  EXPECT_TRUE(out.events.empty());
}

TEST(CanalJsonRowDecoder, ErrorsNameTheProblem) {
  CanalJsonRowDecoder dec({});
  DecodeResult out;
  auto st = dec.Decode(Rec("not json"), &out);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(out.not_json);

  st = dec.Decode(Rec(R"({"database":"s","table":"t","isDdl":false,"type":"INSERT",)"
                      R"("mysqlType":{"id":"int"},"data":[{"id":"x1"}]})"),
                  &out);
  EXPECT_FALSE(out.not_json);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("column 'id'"), std::string::npos) << st.message();

  st = dec.Decode(Rec(R"({"database":"s","table":"t","isDdl":false,"type":"INSERT",)"
                      R"("mysqlType":{"id":"int"},"data":[{"id":"1"}],)"
                      R"("_tidb":{"onlyHandleKey":true}})"),
                  &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("handle-key-only"), std::string::npos);

  st = dec.Decode(Rec(R"({"database":"s","table":"t","isDdl":false,"type":"INSERT",)"
                      R"("mysqlType":{"id":"money"},"data":[{"id":"1"}]})"),
                  &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'money'"), std::string::npos);
}

}  // namespace
}  // namespace sluice::codec::canal_json
