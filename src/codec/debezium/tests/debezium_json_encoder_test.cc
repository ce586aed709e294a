#include "codec/debezium/debezium_json_encoder.h"

#include <gtest/gtest.h>

#include <bit>
#include <memory>
#include <tuple>
#include <nlohmann/json.hpp>

#include "codec/debezium/debezium_decoder.h"
#include "model/value_text.h"

namespace sluice::codec::debezium {
namespace {

using model::Column;
using model::ColumnType;
using model::RowOp;
using model::Temporal;
using model::Value;
using nlohmann::json;

Column Col(std::string name, ColumnType type, bool nullable = true) {
  Column c;
  c.name = std::move(name);
  c.type = type;
  c.nullable = nullable;
  return c;
}

// A table with one column of every type, `id` the primary key.
std::shared_ptr<model::TableSchema> EveryTypeTable() {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = "db";
  t->table = "t";
  auto add = [&](Column c) { t->columns.push_back(std::move(c)); };
  Column id = Col("id", ColumnType::kInt, false);
  id.is_primary_key = true;
  add(id);
  t->primary_key = {0};
  add(Col("c_tinyint", ColumnType::kTinyInt));
  Column ut = Col("c_utinyint", ColumnType::kTinyInt);
  ut.is_unsigned = true;
  add(ut);
  add(Col("c_smallint", ColumnType::kSmallInt));
  Column us = Col("c_usmallint", ColumnType::kSmallInt);
  us.is_unsigned = true;
  add(us);
  add(Col("c_mediumint", ColumnType::kMediumInt));
  Column ui = Col("c_uint", ColumnType::kInt);
  ui.is_unsigned = true;
  add(ui);
  add(Col("c_bigint", ColumnType::kBigInt));
  Column ub = Col("c_ubigint", ColumnType::kBigInt);
  ub.is_unsigned = true;
  add(ub);
  Column dec = Col("c_dec", ColumnType::kDecimal);
  dec.precision = 10;
  dec.scale = 2;
  add(dec);
  add(Col("c_float", ColumnType::kFloat));
  add(Col("c_double", ColumnType::kDouble));
  add(Col("c_date", ColumnType::kDate));
  Column dt3 = Col("c_dt3", ColumnType::kDateTime);
  dt3.fsp = 3;
  add(dt3);
  Column dt6 = Col("c_dt6", ColumnType::kDateTime);
  dt6.fsp = 6;
  add(dt6);
  Column ts3 = Col("c_ts3", ColumnType::kTimestamp);
  ts3.fsp = 3;
  add(ts3);
  Column tm = Col("c_time2", ColumnType::kTime);
  tm.fsp = 2;
  add(tm);
  add(Col("c_year", ColumnType::kYear));
  Column vc = Col("c_varchar", ColumnType::kVarChar);
  vc.collation = 45;
  add(vc);
  Column vb = Col("c_varbinary", ColumnType::kVarBinary);
  vb.collation = model::kBinaryCollation;
  add(vb);
  add(Col("c_blob", ColumnType::kBlob));
  Column tx = Col("c_text", ColumnType::kText);
  tx.collation = 45;
  add(tx);
  add(Col("c_json", ColumnType::kJson));
  Column e = Col("c_enum", ColumnType::kEnum);
  e.elements = {"a", "b", "c"};
  add(e);
  Column s = Col("c_set", ColumnType::kSet);
  s.elements = {"x", "y", "z"};
  add(s);
  Column b1 = Col("c_bit1", ColumnType::kBit);
  b1.length = 1;
  add(b1);
  Column b10 = Col("c_bit10", ColumnType::kBit);
  b10.length = 10;
  add(b10);
  add(Col("c_geo", ColumnType::kGeometry));
  return t;
}

Temporal Date(int y, int m, int d) {
  Temporal t;
  t.year = y;
  t.month = static_cast<uint8_t>(m);
  t.day = static_cast<uint8_t>(d);
  return t;
}

Temporal DateTime(int y, int m, int d, int hh, int mm, int ss, uint32_t us) {
  Temporal t = Date(y, m, d);
  t.hour = static_cast<uint32_t>(hh);
  t.minute = static_cast<uint8_t>(mm);
  t.second = static_cast<uint8_t>(ss);
  t.micros = us;
  return t;
}

std::vector<Value> TypicalRow(int64_t id) {
  Temporal neg_time;
  neg_time.micros = 10000;
  neg_time.negative = true;
  std::string geo("\0\0\0\0\x01\x01\x00\x00\x00", 9);  // SRID 0 + WKB point header
  geo.append(16, '\0');
  return {Value::Int(id),
          Value::Int(-1),
          Value::UInt(255),
          Value::Int(-2),
          Value::UInt(65535),
          Value::Int(-3),
          Value::UInt(4294967295u),
          Value::Int(-5),
          Value::UInt(18446744073709551615ull),
          Value::Decimal("12.34"),
          Value::Float(-1.5f),
          Value::Double(3.141592653589793),
          Value::Date(Date(2024, 2, 29)),
          Value::DateTime(DateTime(2024, 2, 29, 12, 0, 0, 123000)),
          Value::DateTime(DateTime(1969, 12, 31, 23, 59, 59, 999999)),
          Value::Timestamp(1709208000, 123000),
          Value::Time(neg_time),
          Value::UInt(2024),
          Value::String("emoji 😀"),
          Value::String(std::string("\x00\xff", 2)),
          Value::String(std::string("\x01\x02\x03", 3)),
          Value::String("text"),
          Value::String(R"({"k": [1, 2]})"),
          Value::UInt(2),
          Value::UInt(5),
          Value::UInt(1),
          Value::UInt(0x201),
          Value::String(geo)};
}

model::TxnInfo Txn() {
  model::TxnInfo txn;
  txn.commit_time_ms = 1700000000000;
  txn.commit_ts = (1700000000000ull << 18) | 7;
  txn.gtid = "0-11-27";
  return txn;
}

DebeziumJsonEncoder Encoder(DebeziumJsonOptions o = {}) {
  o.server_name = "srv";
  return DebeziumJsonEncoder(o, [] { return int64_t{1234}; });
}

json Parse(const std::string& s) { return json::parse(s); }

// The schema of the field `name` inside the envelope's `after` struct.
json AfterFieldSchema(const json& value, const std::string& name) {
  for (const auto& f : value["schema"]["fields"]) {
    if (f["field"] != "after") continue;
    for (const auto& c : f["fields"]) {
      if (c["field"] == name) return c;
    }
  }
  return json();
}

TEST(DebeziumJsonEncoder, InsertRendersEveryTypeLikeDebeziumMySql) {
  auto table = EveryTypeTable();
  model::RowChange row{RowOp::kInsert, table, {}, TypicalRow(4)};
  auto enc = Encoder();
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json v = Parse(msg.value);
  const json& p = v["payload"];
  EXPECT_EQ(p["op"], "c");
  EXPECT_TRUE(p["before"].is_null());
  EXPECT_EQ(p["ts_ms"], 1234);
  EXPECT_TRUE(p["transaction"].is_null());
  const json& a = p["after"];
  EXPECT_EQ(a["id"], 4);
  EXPECT_EQ(a["c_tinyint"], -1);
  EXPECT_EQ(a["c_utinyint"], 255);
  EXPECT_EQ(a["c_smallint"], -2);
  EXPECT_EQ(a["c_usmallint"], 65535);
  EXPECT_EQ(a["c_mediumint"], -3);
  EXPECT_EQ(a["c_uint"], 4294967295u);
  EXPECT_EQ(a["c_bigint"], -5);
  EXPECT_EQ(a["c_ubigint"], -1) << "bigint.unsigned.handling.mode=long wraps like Java's long";
  EXPECT_EQ(a["c_dec"], "BNI=") << "precise: unscaled 1234 as big-endian bytes";
  EXPECT_EQ(a["c_float"], -1.5);
  EXPECT_EQ(a["c_double"], 3.141592653589793);
  EXPECT_EQ(a["c_date"], 19782);
  EXPECT_EQ(a["c_dt3"], int64_t{1709208000123});
  EXPECT_EQ(a["c_dt6"], -1);
  EXPECT_EQ(a["c_ts3"], "2024-02-29T12:00:00.123Z");
  EXPECT_EQ(a["c_time2"], -10000);
  EXPECT_EQ(a["c_year"], 2024);
  EXPECT_EQ(a["c_varchar"], "emoji 😀");
  EXPECT_EQ(a["c_varbinary"], "AP8=");
  EXPECT_EQ(a["c_blob"], "AQID");
  EXPECT_EQ(a["c_text"], "text");
  EXPECT_EQ(a["c_json"], R"({"k": [1, 2]})");
  EXPECT_EQ(a["c_enum"], "b");
  EXPECT_EQ(a["c_set"], "x,z");
  EXPECT_EQ(a["c_bit1"], true);
  EXPECT_EQ(a["c_bit10"], "AQI=") << "BIT(10) = 0x201 little-endian in 2 bytes";
  EXPECT_EQ(a["c_geo"]["srid"], 0);
  EXPECT_EQ(a["c_geo"]["wkb"], "AQEAAAAAAAAAAAAAAAAAAAAAAAAA");

  const json& src = p["source"];
  EXPECT_EQ(src["connector"], "mysql");
  EXPECT_EQ(src["name"], "srv");
  EXPECT_EQ(src["ts_ms"], int64_t{1700000000000});
  EXPECT_EQ(src["db"], "db");
  EXPECT_EQ(src["table"], "t");
  EXPECT_EQ(src["server_id"], 11);
  EXPECT_EQ(src["gtid"], "0-11-27");
  EXPECT_EQ(src["snapshot"], "false");
  EXPECT_FALSE(src.contains("commit_ts"));

  // Schema: names, Connect types, logical types and parameters.
  EXPECT_EQ(v["schema"]["name"], "srv.db.t.Envelope");
  auto type_of = [&](const std::string& c) { return AfterFieldSchema(v, c)["type"]; };
  auto name_of = [&](const std::string& c) { return AfterFieldSchema(v, c).value("name", ""); };
  EXPECT_EQ(type_of("id"), "int32");
  EXPECT_FALSE(AfterFieldSchema(v, "id")["optional"].get<bool>());
  EXPECT_TRUE(AfterFieldSchema(v, "c_int8").is_null());
  EXPECT_EQ(type_of("c_tinyint"), "int16");
  EXPECT_EQ(type_of("c_utinyint"), "int16");
  EXPECT_EQ(type_of("c_smallint"), "int16");
  EXPECT_EQ(type_of("c_usmallint"), "int32");
  EXPECT_EQ(type_of("c_mediumint"), "int32");
  EXPECT_EQ(type_of("c_uint"), "int64");
  EXPECT_EQ(type_of("c_bigint"), "int64");
  EXPECT_EQ(type_of("c_ubigint"), "int64");
  EXPECT_EQ(type_of("c_dec"), "bytes");
  EXPECT_EQ(name_of("c_dec"), "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(AfterFieldSchema(v, "c_dec")["parameters"]["scale"], "2");
  EXPECT_EQ(AfterFieldSchema(v, "c_dec")["parameters"]["connect.decimal.precision"], "10");
  EXPECT_EQ(type_of("c_float"), "float");
  EXPECT_EQ(type_of("c_double"), "double");
  EXPECT_EQ(name_of("c_date"), "io.debezium.time.Date");
  EXPECT_EQ(type_of("c_date"), "int32");
  EXPECT_EQ(name_of("c_dt3"), "io.debezium.time.Timestamp");
  EXPECT_EQ(name_of("c_dt6"), "io.debezium.time.MicroTimestamp");
  EXPECT_EQ(name_of("c_ts3"), "io.debezium.time.ZonedTimestamp");
  EXPECT_EQ(type_of("c_ts3"), "string");
  EXPECT_EQ(name_of("c_time2"), "io.debezium.time.MicroTime");
  EXPECT_EQ(type_of("c_time2"), "int64");
  EXPECT_EQ(name_of("c_year"), "io.debezium.time.Year");
  EXPECT_EQ(type_of("c_varchar"), "string");
  EXPECT_EQ(type_of("c_varbinary"), "bytes");
  EXPECT_EQ(type_of("c_blob"), "bytes");
  EXPECT_EQ(name_of("c_json"), "io.debezium.data.Json");
  EXPECT_EQ(name_of("c_enum"), "io.debezium.data.Enum");
  EXPECT_EQ(AfterFieldSchema(v, "c_enum")["parameters"]["allowed"], "a,b,c");
  EXPECT_EQ(name_of("c_set"), "io.debezium.data.EnumSet");
  EXPECT_EQ(AfterFieldSchema(v, "c_set")["parameters"]["allowed"], "x,y,z");
  EXPECT_EQ(type_of("c_bit1"), "boolean");
  EXPECT_EQ(name_of("c_bit10"), "io.debezium.data.Bits");
  EXPECT_EQ(AfterFieldSchema(v, "c_bit10")["parameters"]["length"], "10");
  EXPECT_EQ(name_of("c_geo"), "io.debezium.data.geometry.Geometry");
  EXPECT_EQ(type_of("c_geo"), "struct");

  // Key: primary key with its own schema.
  ASSERT_TRUE(msg.key.has_value());
  json k = Parse(*msg.key);
  EXPECT_EQ(k["payload"], json({{"id", 4}}));
  EXPECT_EQ(k["schema"]["name"], "srv.db.t.Key");
  EXPECT_EQ(k["schema"]["fields"][0]["field"], "id");
  EXPECT_EQ(k["schema"]["fields"][0]["type"], "int32");
  EXPECT_FALSE(msg.null_value);
  // Member order: schema before payload, payload in Debezium's order.
  EXPECT_EQ(msg.value.rfind(R"({"schema":{"type":"struct","fields":[)", 0), 0u);
  EXPECT_NE(msg.value.find(R"(},"op":"c","ts_ms":1234,"transaction":null}})"), std::string::npos);
  EXPECT_FALSE(enc.EncodeRowFollowUp(row, &msg)) << "no tombstone after an insert";
}

TEST(DebeziumJsonEncoder, NullsAndZeroDatesAreNull) {
  auto table = EveryTypeTable();
  std::vector<Value> row_values(table->columns.size(), Value::Null());
  row_values[0] = Value::Int(1);
  row_values[12] = Value::Date(Date(0, 0, 0));
  row_values[13] = Value::DateTime(DateTime(0, 0, 0, 0, 0, 0, 0));
  row_values[15] = Value::Timestamp(0, 0);
  model::RowChange row{RowOp::kInsert, table, {}, row_values};
  auto enc = Encoder();
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json a = Parse(msg.value)["payload"]["after"];
  for (auto& [name, val] : a.items()) {
    if (name == "id") continue;
    EXPECT_TRUE(val.is_null()) << name << " = " << val.dump();
  }
}

TEST(DebeziumJsonEncoder, UpdateCarriesBeforeAndAfterUnlessOldValueIsOff) {
  auto table = EveryTypeTable();
  auto before = TypicalRow(4);
  auto after = TypicalRow(4);
  after[1] = Value::Int(42);
  model::RowChange row{RowOp::kUpdate, table, before, after};
  Message msg;
  auto enc = Encoder();
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json p = Parse(msg.value)["payload"];
  EXPECT_EQ(p["op"], "u");
  EXPECT_EQ(p["before"]["c_tinyint"], -1);
  EXPECT_EQ(p["after"]["c_tinyint"], 42);
  EXPECT_EQ(Parse(*msg.key)["payload"]["id"], 4);

  DebeziumJsonOptions o;
  o.output_old_value = false;
  auto enc2 = Encoder(o);
  ASSERT_TRUE(enc2.EncodeRow(row, Txn(), &msg).ok());
  p = Parse(msg.value)["payload"];
  EXPECT_TRUE(p["before"].is_null());
  EXPECT_EQ(p["after"]["c_tinyint"], 42);
}

TEST(DebeziumJsonEncoder, DeleteIsFollowedByATombstoneWithTheSameKey) {
  auto table = EveryTypeTable();
  model::RowChange row{RowOp::kDelete, table, TypicalRow(9), {}};
  auto enc = Encoder();
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json p = Parse(msg.value)["payload"];
  EXPECT_EQ(p["op"], "d");
  EXPECT_TRUE(p["after"].is_null());
  EXPECT_EQ(p["before"]["id"], 9);
  EXPECT_EQ(p["before"]["c_enum"], "b");
  std::string key = *msg.key;

  Message tomb;
  ASSERT_TRUE(enc.EncodeRowFollowUp(row, &tomb));
  EXPECT_TRUE(tomb.null_value);
  EXPECT_TRUE(tomb.value.empty());
  ASSERT_TRUE(tomb.key.has_value());
  EXPECT_EQ(*tomb.key, key);

  DebeziumJsonOptions o;
  o.tombstone_on_delete = false;
  auto enc2 = Encoder(o);
  EXPECT_FALSE(enc2.EncodeRowFollowUp(row, &tomb));
}

TEST(DebeziumJsonEncoder, PrimaryKeyChangeIsDeleteTombstoneCreate) {
  auto table = EveryTypeTable();
  auto after = TypicalRow(5);
  after[1] = Value::Int(42);
  model::RowChange row{RowOp::kUpdate, table, TypicalRow(4), after};
  auto enc = Encoder();
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json p = Parse(msg.value)["payload"];
  EXPECT_EQ(p["op"], "d");
  EXPECT_EQ(p["before"]["id"], 4);
  EXPECT_TRUE(p["after"].is_null());
  EXPECT_EQ(Parse(*msg.key)["payload"]["id"], 4);

  Message tomb;
  ASSERT_TRUE(enc.EncodeRowFollowUp(row, &tomb));
  EXPECT_TRUE(tomb.null_value);
  EXPECT_EQ(*tomb.key, *msg.key);

  Message create;
  ASSERT_TRUE(enc.EncodeRowFollowUp(row, &create));
  p = Parse(create.value)["payload"];
  EXPECT_EQ(p["op"], "c");
  EXPECT_TRUE(p["before"].is_null());
  EXPECT_EQ(p["after"]["id"], 5);
  EXPECT_EQ(p["after"]["c_tinyint"], 42);
  EXPECT_EQ(p["source"]["gtid"], "0-11-27");
  EXPECT_EQ(Parse(*create.key)["payload"]["id"], 5);
  EXPECT_FALSE(create.null_value);
  EXPECT_FALSE(enc.EncodeRowFollowUp(row, &create));

  DebeziumJsonOptions o;
  o.tombstone_on_delete = false;
  auto enc2 = Encoder(o);
  ASSERT_TRUE(enc2.EncodeRow(row, Txn(), &msg).ok());
  EXPECT_EQ(Parse(msg.value)["payload"]["op"], "d");
  ASSERT_TRUE(enc2.EncodeRowFollowUp(row, &create));
  EXPECT_EQ(Parse(create.value)["payload"]["op"], "c");
  EXPECT_FALSE(enc2.EncodeRowFollowUp(row, &create));

  // An update that keeps the key has no follow-up.
  model::RowChange same{RowOp::kUpdate, table, TypicalRow(4), TypicalRow(4)};
  ASSERT_TRUE(enc.EncodeRow(same, Txn(), &msg).ok());
  EXPECT_EQ(Parse(msg.value)["payload"]["op"], "u");
  EXPECT_FALSE(enc.EncodeRowFollowUp(same, &create));
}

TEST(DebeziumJsonEncoder, SnapshotReadsAreOpRWithSourceSnapshotTrueThenLast) {
  auto table = EveryTypeTable();
  auto enc = Encoder();
  for (auto [mark, op, snapshot] :
       {std::tuple{model::SnapshotRead::kNo, "c", "false"},
        std::tuple{model::SnapshotRead::kYes, "r", "true"},
        std::tuple{model::SnapshotRead::kLast, "r", "last"}}) {
    model::RowChange row{RowOp::kInsert, table, {}, TypicalRow(4)};
    row.snapshot = mark;
    Message msg;
    ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
    json v = Parse(msg.value);
    EXPECT_EQ(v["payload"]["op"], op);
    EXPECT_EQ(v["payload"]["source"]["snapshot"], snapshot);
    EXPECT_TRUE(v["payload"]["before"].is_null());
    EXPECT_EQ(v["payload"]["after"]["id"], 4);
  }
}

TEST(DebeziumJsonEncoder, TableWithoutPrimaryKeyHasNullKeyAndNoTombstone) {
  auto table = EveryTypeTable();
  table->primary_key.clear();
  model::RowChange row{RowOp::kDelete, table, TypicalRow(9), {}};
  auto enc = Encoder();
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  EXPECT_FALSE(msg.key.has_value());
  EXPECT_FALSE(enc.EncodeRowFollowUp(row, &msg));
}

TEST(DebeziumJsonEncoder, DisableSchemaDropsTheSchemaOfKeyAndValue) {
  DebeziumJsonOptions o;
  o.disable_schema = true;
  auto enc = Encoder(o);
  model::RowChange row{RowOp::kInsert, EveryTypeTable(), {}, TypicalRow(1)};
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json v = Parse(msg.value);
  EXPECT_FALSE(v.contains("schema"));
  EXPECT_EQ(v["payload"]["after"]["id"], 1);
  json k = Parse(*msg.key);
  EXPECT_FALSE(k.contains("schema"));
  EXPECT_EQ(k["payload"]["id"], 1);
}

TEST(DebeziumJsonEncoder, DecimalHandlingModes) {
  auto table = EveryTypeTable();
  auto values = TypicalRow(1);
  values[9] = Value::Decimal("-0.5");
  model::RowChange row{RowOp::kInsert, table, {}, values};
  Message msg;
  auto precise = Encoder();
  ASSERT_TRUE(precise.EncodeRow(row, Txn(), &msg).ok());
  EXPECT_EQ(Parse(msg.value)["payload"]["after"]["c_dec"], "zg==") << "-50 = 0xCE";

  DebeziumJsonOptions o;
  o.decimal_handling = DecimalHandling::kString;
  auto str = Encoder(o);
  ASSERT_TRUE(str.EncodeRow(row, Txn(), &msg).ok());
  json v = Parse(msg.value);
  EXPECT_EQ(v["payload"]["after"]["c_dec"], "-0.5");
  EXPECT_EQ(AfterFieldSchema(v, "c_dec")["type"], "string");

  o.decimal_handling = DecimalHandling::kDouble;
  auto dbl = Encoder(o);
  ASSERT_TRUE(dbl.EncodeRow(row, Txn(), &msg).ok());
  v = Parse(msg.value);
  EXPECT_EQ(v["payload"]["after"]["c_dec"], -0.5);
  EXPECT_EQ(AfterFieldSchema(v, "c_dec")["type"], "double");

  values[9] = Value::Decimal("12x");
  model::RowChange bad{RowOp::kInsert, table, {}, values};
  auto st = precise.EncodeRow(bad, Txn(), &msg);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("12x"), std::string::npos);
}

TEST(DebeziumJsonEncoder, BigintUnsignedPreciseIsDecimalBytes) {
  DebeziumJsonOptions o;
  o.bigint_unsigned_handling = BigintUnsignedHandling::kPrecise;
  auto enc = Encoder(o);
  model::RowChange row{RowOp::kInsert, EveryTypeTable(), {}, TypicalRow(1)};
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json v = Parse(msg.value);
  EXPECT_EQ(v["payload"]["after"]["c_ubigint"], "AP//////////");
  EXPECT_EQ(AfterFieldSchema(v, "c_ubigint")["name"], "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(AfterFieldSchema(v, "c_ubigint")["parameters"]["scale"], "0");
}

// Long mode (Debezium's default) wraps BIGINT UNSIGNED above 2^63-1; the field says so with the
// parameter of Debezium's column.propagate.source.type, and the decoder restores the value.
TEST(DebeziumJsonEncoder, BigintUnsignedLongIsMarkedAndRestoredByTheDecoder) {
  auto enc = Encoder(DebeziumJsonOptions());
  model::RowChange row{RowOp::kInsert, EveryTypeTable(), {}, TypicalRow(1)};
  Message msg;
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json v = Parse(msg.value);
  EXPECT_EQ(v["payload"]["after"]["c_ubigint"], -1);  // 18446744073709551615 as Java's long
  EXPECT_EQ(AfterFieldSchema(v, "c_ubigint")["parameters"]["__debezium.source.column.type"],
            "BIGINT UNSIGNED");
  DebeziumDecoder dec;
  KafkaRecord rec;
  rec.topic = "t";
  rec.key = *msg.key;
  rec.value = msg.value;
  DecodeResult out;
  ASSERT_TRUE(dec.Decode(rec, &out).ok());
  ASSERT_EQ(out.events.size(), 1u);
  const auto& t = *out.events[0].row.table;
  size_t i = 0;
  while (i < t.columns.size() && t.columns[i].name != "c_ubigint") ++i;
  ASSERT_LT(i, t.columns.size());
  EXPECT_TRUE(t.columns[i].is_unsigned);
  EXPECT_EQ(out.events[0].row.after[i], Value::UInt(18446744073709551615ull));
}

// FLOAT/DOUBLE are JSON numbers in their shortest round-trip form (not 301 digits for 1e300),
// and decode to the same bits.
TEST(DebeziumJsonEncoder, FloatsAreShortestRoundTripNumbers) {
  auto table = std::make_shared<model::TableSchema>();
  table->schema = "db";
  table->table = "fd";
  model::Column id = Col("id", ColumnType::kInt);
  id.is_primary_key = true;
  table->columns = {id, Col("d", ColumnType::kDouble), Col("f", ColumnType::kFloat)};
  table->primary_key = {0};
  auto enc = Encoder(DebeziumJsonOptions());
  DebeziumDecoder dec;
  const std::vector<std::pair<double, float>> values = {
      {1e300, 3e38f}, {1e-300, 1.5e-38f}, {0.1, 866.9985f}, {-1.5e70, 1e-30f}};
  for (const auto& [d, f] : values) {
    model::RowChange row{RowOp::kInsert, table, {}, {Value::Int(1), Value::Double(d), Value::Float(f)}};
    Message msg;
    ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
    EXPECT_LT(msg.value.size() - msg.value.find("\"payload\""), 600u)
        << "no fixed-point expansion: " << msg.value;
    KafkaRecord rec;
    rec.topic = "t";
    rec.key = *msg.key;
    rec.value = msg.value;
    DecodeResult out;
    ASSERT_TRUE(dec.Decode(rec, &out).ok()) << msg.value;
    const auto& after = out.events.at(0).row.after;
    EXPECT_EQ(std::bit_cast<uint64_t>(after[1].as_double()), std::bit_cast<uint64_t>(d)) << d;
    EXPECT_EQ(std::bit_cast<uint32_t>(static_cast<float>(after[2].as_double())),
              std::bit_cast<uint32_t>(f))
        << f;
  }
  Message msg;
  model::RowChange row{RowOp::kInsert, table, {}, {Value::Int(1), Value::Double(1e300), Value::Float(3e38f)}};
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  EXPECT_NE(msg.value.find(R"("d":1e+300)"), std::string::npos) << msg.value;
  EXPECT_NE(msg.value.find(R"("f":3e+38)"), std::string::npos) << msg.value;
}

TEST(DebeziumJsonEncoder, TidbExtensionAddsCommitTsAndWatermarks) {
  auto plain = Encoder();
  Message msg;
  EXPECT_FALSE(plain.EncodeWatermark(123, &msg));

  DebeziumJsonOptions o;
  o.enable_tidb_extension = true;
  auto enc = Encoder(o);
  model::RowChange row{RowOp::kInsert, EveryTypeTable(), {}, TypicalRow(1)};
  ASSERT_TRUE(enc.EncodeRow(row, Txn(), &msg).ok());
  json v = Parse(msg.value);
  EXPECT_EQ(v["payload"]["source"]["commit_ts"], Txn().commit_ts);

  uint64_t ts = (1700000001000ull << 18) | 3;
  ASSERT_TRUE(enc.EncodeWatermark(ts, &msg));
  v = Parse(msg.value);
  EXPECT_EQ(v["payload"]["op"], "m");
  EXPECT_EQ(v["payload"]["source"]["commit_ts"], ts);
  EXPECT_EQ(v["payload"]["source"]["ts_ms"], int64_t{1700000001000});
  EXPECT_EQ(v["schema"]["name"], "srv.watermark.Envelope");
}

TEST(DebeziumJsonEncoder, DdlIsASchemaChangeEvent) {
  auto enc = Encoder();
  model::DdlEvent ddl{"db", "t", "ALTER TABLE t ADD COLUMN x INT"};
  Message msg;
  ASSERT_TRUE(enc.EncodeDdl(ddl, Txn(), &msg).ok());
  json v = Parse(msg.value);
  EXPECT_EQ(v["schema"]["name"], "io.debezium.connector.mysql.SchemaChangeValue");
  json p = v["payload"];
  EXPECT_EQ(p["databaseName"], "db");
  EXPECT_TRUE(p["schemaName"].is_null());
  EXPECT_EQ(p["ddl"], "ALTER TABLE t ADD COLUMN x INT");
  ASSERT_EQ(p["tableChanges"].size(), 1u);
  EXPECT_EQ(p["tableChanges"][0]["type"], "ALTER");
  EXPECT_EQ(p["tableChanges"][0]["id"], "\"db\".\"t\"");
  EXPECT_EQ(p["source"]["db"], "db");
  EXPECT_EQ(p["source"]["table"], "t");
  json k = Parse(*msg.key);
  EXPECT_EQ(k["payload"]["databaseName"], "db");
  EXPECT_EQ(k["schema"]["name"], "io.debezium.connector.mysql.SchemaChangeKey");

  model::DdlEvent create{"db", "", "CREATE TABLE db.u (id INT PRIMARY KEY)"};
  ASSERT_TRUE(enc.EncodeDdl(create, Txn(), &msg).ok());
  p = Parse(msg.value)["payload"];
  EXPECT_EQ(p["tableChanges"][0]["type"], "CREATE");
  EXPECT_EQ(p["tableChanges"][0]["id"], "\"db\".\"u\"");

  model::DdlEvent drop{"db", "u", "DROP TABLE u"};
  ASSERT_TRUE(enc.EncodeDdl(drop, Txn(), &msg).ok());
  EXPECT_EQ(Parse(msg.value)["payload"]["tableChanges"][0]["type"], "DROP");

  model::DdlEvent dbddl{"", "", "CREATE DATABASE d2"};
  ASSERT_TRUE(enc.EncodeDdl(dbddl, Txn(), &msg).ok());
  p = Parse(msg.value)["payload"];
  EXPECT_EQ(p["databaseName"], "d2");
  EXPECT_TRUE(p["tableChanges"].empty());
}

TEST(DebeziumJsonEncoder, MismatchedImageIsAnError) {
  auto table = EveryTypeTable();
  model::RowChange row{RowOp::kInsert, table, {}, {Value::Int(1)}};
  auto enc = Encoder();
  Message msg;
  auto st = enc.EncodeRow(row, Txn(), &msg);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("db.t"), std::string::npos);
}

}  // namespace
}  // namespace sluice::codec::debezium
