#include "codec/canal_json/canal_json_encoder.h"

#include <memory>

#include <gtest/gtest.h>

#include "codec/canal_json/canal_json_decoder.h"

namespace sluice::codec::canal_json {
namespace {

using model::Column;
using model::ColumnType;
using model::RowChange;
using model::RowOp;
using model::TableSchema;
using model::Value;

constexpr int64_t kNowMs = 1639633142960;
constexpr uint64_t kCommitTs = 429918007904436226;

Column Col(std::string name, ColumnType type, bool is_unsigned = false) {
  Column c;
  c.name = std::move(name);
  c.type = type;
  c.is_unsigned = is_unsigned;
  return c;
}

model::TxnInfo Txn() {
  model::TxnInfo t;
  t.commit_time_ms = 1639633141221;
  t.commit_ts = kCommitTs;
  return t;
}

CanalJsonEncoder Encoder(CanalJsonOptions o = {}) {
  return CanalJsonEncoder(std::move(o), [] { return kNowMs; });
}

CanalJsonOptions Ext() {
  CanalJsonOptions o;
  o.enable_tidb_extension = true;
  return o;
}

// tp_int shaped like ticdc.md §3.2.
std::shared_ptr<TableSchema> TpInt() {
  auto t = std::make_shared<TableSchema>();
  t->schema = "test";
  t->table = "tp_int";
  t->columns = {Col("c_bigint", ColumnType::kBigInt), Col("c_int", ColumnType::kInt),
                Col("c_tinyint", ColumnType::kTinyInt), Col("id", ColumnType::kInt)};
  t->columns[3].is_primary_key = true;
  t->primary_key = {3};
  return t;
}

RowChange Row(RowOp op, std::shared_ptr<TableSchema> t, std::vector<Value> before,
              std::vector<Value> after) {
  RowChange r;
  r.op = op;
  r.table = std::move(t);
  r.before = std::move(before);
  r.after = std::move(after);
  return r;
}

std::string Encode(CanalJsonEncoder& e, const RowChange& r) {
  Message m;
  m.key = "stale";
  base::Status st = e.EncodeRow(r, Txn(), &m);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(m.key.has_value());
  return m.value;
}

TEST(CanalJsonEncoder, InsertMatchesTicdcExample) {
  auto e = Encoder(Ext());
  auto r =
      Row(RowOp::kInsert, TpInt(), {},
          {Value::Int(9223372036854775807), Value::Int(2147483647), Value::Null(), Value::Int(2)});
  EXPECT_EQ(Encode(e, r),
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"INSERT","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"c_bigint":-5,"c_int":4,"c_tinyint":-6,"id":4},)"
            R"("mysqlType":{"c_bigint":"bigint","c_int":"int","c_tinyint":"tinyint","id":"int"},)"
            R"("old":null,"data":[{"c_bigint":"9223372036854775807","c_int":"2147483647",)"
            R"("c_tinyint":null,"id":"2"}],"_tidb":{"commitTs":429918007904436226}})");
}

TEST(CanalJsonEncoder, InsertWithoutExtensionHasNoTidbField) {
  auto e = Encoder();
  auto r = Row(RowOp::kInsert, TpInt(), {},
               {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)});
  EXPECT_EQ(Encode(e, r),
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"INSERT","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"c_bigint":-5,"c_int":4,"c_tinyint":-6,"id":4},)"
            R"("mysqlType":{"c_bigint":"bigint","c_int":"int","c_tinyint":"tinyint","id":"int"},)"
            R"("old":null,"data":[{"c_bigint":"1","c_int":"2","c_tinyint":"3","id":"4"}]})");
}

RowChange TpIntUpdate() {
  return Row(
      RowOp::kUpdate, TpInt(),
      {Value::Int(9223372036854775807), Value::Int(2147483647), Value::Int(127), Value::Int(2)},
      {Value::Int(9223372036854775807), Value::Int(0), Value::Int(0), Value::Int(2)});
}

TEST(CanalJsonEncoder, UpdateOldHoldsAllColumnsByDefault) {
  auto e = Encoder(Ext());
  EXPECT_EQ(Encode(e, TpIntUpdate()),
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"UPDATE","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"c_bigint":-5,"c_int":4,"c_tinyint":-6,"id":4},)"
            R"("mysqlType":{"c_bigint":"bigint","c_int":"int","c_tinyint":"tinyint","id":"int"},)"
            R"("old":[{"c_bigint":"9223372036854775807","c_int":"2147483647","c_tinyint":"127",)"
            R"("id":"2"}],"data":[{"c_bigint":"9223372036854775807","c_int":"0",)"
            R"("c_tinyint":"0","id":"2"}],"_tidb":{"commitTs":429918007904436226}})");
}

TEST(CanalJsonEncoder, OnlyOutputUpdatedColumnsTrimsOld) {
  CanalJsonOptions o;
  o.only_output_updated_columns = true;
  auto e = Encoder(o);
  std::string v = Encode(e, TpIntUpdate());
  EXPECT_NE(v.find(R"("old":[{"c_int":"2147483647","c_tinyint":"127"}],"data":[{)"
                   R"("c_bigint":"9223372036854775807","c_int":"0","c_tinyint":"0","id":"2"}]})"),
            std::string::npos)
      << v;
  // NULL -> value and value -> NULL both count as changes.
  auto r =
      Row(RowOp::kUpdate, TpInt(), {Value::Null(), Value::Int(1), Value::Int(5), Value::Int(2)},
          {Value::Int(1), Value::Null(), Value::Int(5), Value::Int(2)});
  v = Encode(e, r);
  EXPECT_NE(v.find(R"("old":[{"c_bigint":null,"c_int":"1"}])"), std::string::npos) << v;
}

TEST(CanalJsonEncoder, DeleteHasNullOldAndDeletedRowInData) {
  auto e = Encoder();
  auto r = Row(RowOp::kDelete, TpInt(),
               {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)}, {});
  EXPECT_EQ(Encode(e, r),
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"DELETE","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"c_bigint":-5,"c_int":4,"c_tinyint":-6,"id":4},)"
            R"("mysqlType":{"c_bigint":"bigint","c_int":"int","c_tinyint":"tinyint","id":"int"},)"
            R"("old":null,"data":[{"c_bigint":"1","c_int":"2","c_tinyint":"3","id":"4"}]})");
}

TEST(CanalJsonEncoder, DeleteOnlyHandleKeyColumns) {
  CanalJsonOptions o;
  o.delete_only_output_handle_key_columns = true;
  auto e = Encoder(o);
  auto r = Row(RowOp::kDelete, TpInt(),
               {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)}, {});
  EXPECT_EQ(Encode(e, r),
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"DELETE","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"id":4},"mysqlType":{"id":"int"},"old":null,"data":[{"id":"4"}]})");
  // Inserts are unaffected.
  auto ins = Row(RowOp::kInsert, TpInt(), {},
                 {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)});
  EXPECT_NE(Encode(e, ins).find(R"("data":[{"c_bigint":"1",)"), std::string::npos);
}

TEST(CanalJsonEncoder, TableWithoutPrimaryKeyHasEmptyPkNames) {
  auto t = TpInt();
  t->primary_key.clear();
  auto e = Encoder();
  auto r = Row(RowOp::kInsert, t, {}, {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)});
  EXPECT_NE(Encode(e, r).find(R"("pkNames":[],)"), std::string::npos);
}

TEST(CanalJsonEncoder, AbsentColumnsAreSkipped) {
  auto e = Encoder();
  auto r = Row(RowOp::kUpdate, TpInt(),
               {Value::Absent(), Value::Absent(), Value::Absent(), Value::Int(4)},
               {Value::Absent(), Value::Int(9), Value::Absent(), Value::Int(4)});
  EXPECT_EQ(Encode(e, r),
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"UPDATE","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"c_int":4,"id":4},"mysqlType":{"c_int":"int","id":"int"},)"
            R"("old":[{"id":"4"}],"data":[{"c_int":"9","id":"4"}]})");
}

TEST(CanalJsonEncoder, MismatchedImageIsInvalidArgument) {
  auto e = Encoder();
  auto r = Row(RowOp::kInsert, TpInt(), {}, {Value::Int(1)});
  Message m;
  base::Status st = e.EncodeRow(r, Txn(), &m);
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
}

TEST(CanalJsonEncoder, UnsignedSqlTypePromotionPerValue) {
  auto t = std::make_shared<TableSchema>();
  t->schema = "d";
  t->table = "u";
  t->columns = {Col("ti", ColumnType::kTinyInt, true), Col("si", ColumnType::kSmallInt, true),
                Col("mi", ColumnType::kMediumInt, true), Col("i", ColumnType::kInt, true),
                Col("bi", ColumnType::kBigInt, true)};
  auto e = Encoder();
  auto low = Row(RowOp::kInsert, t, {},
                 {Value::UInt(127), Value::UInt(32767), Value::UInt(16777215),
                  Value::UInt(2147483647), Value::UInt(9223372036854775807ull)});
  std::string v = Encode(e, low);
  EXPECT_NE(v.find(R"("sqlType":{"ti":-6,"si":5,"mi":4,"i":4,"bi":-5},)"), std::string::npos) << v;
  EXPECT_NE(v.find(R"("mysqlType":{"ti":"tinyint unsigned","si":"smallint unsigned",)"
                   R"("mi":"mediumint unsigned","i":"int unsigned","bi":"bigint unsigned"})"),
            std::string::npos)
      << v;
  auto high = Row(RowOp::kInsert, t, {},
                  {Value::UInt(128), Value::UInt(32768), Value::UInt(16777215),
                   Value::UInt(2147483648u), Value::UInt(18446744073709551615ull)});
  v = Encode(e, high);
  EXPECT_NE(v.find(R"("sqlType":{"ti":5,"si":4,"mi":4,"i":-5,"bi":3},)"), std::string::npos) << v;
  EXPECT_NE(v.find(R"("bi":"18446744073709551615")"), std::string::npos) << v;
  auto nulls = Row(RowOp::kInsert, t, {},
                   {Value::Null(), Value::Null(), Value::Null(), Value::Null(), Value::Null()});
  v = Encode(e, nulls);
  EXPECT_NE(v.find(R"("sqlType":{"ti":-6,"si":5,"mi":4,"i":4,"bi":-5},)"), std::string::npos) << v;
}

// Every type family, default and content-compatible mysqlType.
std::shared_ptr<TableSchema> AllTypes() {
  auto t = std::make_shared<TableSchema>();
  t->schema = "d";
  t->table = "all";
  auto add = [&](Column c) { t->columns.push_back(std::move(c)); };
  Column dec = Col("dec", ColumnType::kDecimal, true);
  dec.precision = 10;
  dec.scale = 4;
  add(dec);
  add(Col("f", ColumnType::kFloat));
  add(Col("db", ColumnType::kDouble));
  Column vc = Col("vc", ColumnType::kVarChar);
  vc.length = 64;
  vc.collation = 45;  // utf8mb4_general_ci: 16 chars
  add(vc);
  Column ch = Col("ch", ColumnType::kChar);
  ch.length = 30;
  ch.collation = 33;  // utf8mb3: 10 chars
  add(ch);
  Column bin = Col("bin", ColumnType::kBinary);
  bin.length = 16;
  bin.collation = model::kBinaryCollation;
  add(bin);
  Column vb = Col("vb", ColumnType::kVarChar);  // varchar with binary collation = varbinary
  vb.length = 8;
  vb.collation = model::kBinaryCollation;
  add(vb);
  Column tx = Col("tx", ColumnType::kText);
  tx.collation = 45;
  add(tx);
  add(Col("bl", ColumnType::kBlob));
  add(Col("js", ColumnType::kJson));
  Column en = Col("en", ColumnType::kEnum);
  en.elements = {"a", "b", "it's"};
  add(en);
  Column st = Col("st", ColumnType::kSet);
  st.elements = {"a", "b", "c"};
  add(st);
  Column bt = Col("bt", ColumnType::kBit);
  bt.length = 7;
  add(bt);
  add(Col("y", ColumnType::kYear));
  add(Col("dt", ColumnType::kDate));
  Column tm = Col("tm", ColumnType::kTime);
  tm.fsp = 2;
  add(tm);
  Column dtt = Col("dtt", ColumnType::kDateTime);
  dtt.fsp = 3;
  add(dtt);
  add(Col("ts", ColumnType::kTimestamp));
  add(Col("id", ColumnType::kBigInt));
  t->columns.back().is_primary_key = true;
  t->primary_key = {t->columns.size() - 1};
  return t;
}

std::vector<Value> AllTypesRow() {
  model::Temporal date{2021, 12, 20, 0, 0, 0, 0, false};
  model::Temporal time{0, 0, 0, 838, 59, 59, 120000, true};
  model::Temporal dt{2021, 12, 20, 1, 2, 3, 456000, false};
  return {Value::Decimal("-12.3400"),
          Value::Float(3.14f),
          Value::Double(2.5),
          Value::String("héllo <b>\"x\"</b>"),
          Value::String("abc"),
          Value::String(std::string("\x00\x01\xff", 3)),
          Value::String("\n\t"),
          Value::String("text\n"),
          Value::String(std::string("\x80\x00", 2)),
          Value::String(R"({"k": [1, "v"]})"),
          Value::UInt(3),
          Value::UInt(5),
          Value::UInt(65),
          Value::UInt(2024),
          Value::Date(date),
          Value::Time(time),
          Value::DateTime(dt),
          Value::Timestamp(1640003696, 0),
          Value::Int(7)};
}

TEST(CanalJsonEncoder, AllTypesGolden) {
  CanalJsonOptions o;
  o.format.time_zone = model::TimeZone::FixedOffset(8 * 3600);
  auto e = Encoder(o);
  auto r = Row(RowOp::kInsert, AllTypes(), {}, AllTypesRow());
  EXPECT_EQ(
      Encode(e, r),
      R"({"id":0,"database":"d","table":"all","pkNames":["id"],"isDdl":false,"type":"INSERT",)"
      R"("es":1639633141221,"ts":1639633142960,"sql":"",)"
      R"("sqlType":{"dec":3,"f":7,"db":8,"vc":12,"ch":1,"bin":2004,"vb":2004,"tx":2005,)"
      R"("bl":2004,"js":12,"en":4,"st":-7,"bt":-7,"y":12,"dt":91,"tm":92,"dtt":93,"ts":93,)"
      R"("id":-5},)"
      R"("mysqlType":{"dec":"decimal unsigned","f":"float","db":"double","vc":"varchar",)"
      R"("ch":"char","bin":"binary","vb":"varbinary","tx":"text","bl":"blob","js":"json",)"
      R"("en":"enum","st":"set","bt":"bit","y":"year","dt":"date","tm":"time",)"
      R"("dtt":"datetime","ts":"timestamp","id":"bigint"},"old":null,)"
      R"("data":[{"dec":"-12.3400","f":"3.14","db":"2.5",)"
      R"("vc":"héllo \u003cb\u003e\"x\"\u003c/b\u003e","ch":"abc","bin":"\u0000\u0001ÿ",)"
      R"("vb":"\n\t","tx":"text\n","bl":")"
      "\xc2\x80"
      R"(\u0000","js":"{\"k\": [1, \"v\"]}",)"
      R"("en":"3","st":"5","bt":"65","y":"2024","dt":"2021-12-20","tm":"-838:59:59.12",)"
      R"("dtt":"2021-12-20 01:02:03.456","ts":"2021-12-20 20:34:56","id":"7"}]})");
}

TEST(CanalJsonEncoder, ContentCompatibleFullMysqlTypeAndTrimmedOld) {
  CanalJsonOptions o;
  o.content_compatible = true;
  auto e = Encoder(o);
  auto before = AllTypesRow();
  auto after = AllTypesRow();
  after[12] = Value::UInt(1);
  auto r = Row(RowOp::kUpdate, AllTypes(), before, after);
  std::string v = Encode(e, r);
  EXPECT_NE(
      v.find(R"j("mysqlType":{"dec":"decimal(10,4) unsigned","f":"float","db":"double",)j"
             R"j("vc":"varchar(16)","ch":"char(10)","bin":"binary(16)","vb":"varbinary(8)",)j"
             R"j("tx":"text","bl":"blob","js":"json","en":"enum('a','b','it''s')",)j"
             R"j("st":"set('a','b','c')","bt":"bit(7)","y":"year(4)","dt":"date","tm":"time(2)",)j"
             R"j("dtt":"datetime(3)","ts":"timestamp","id":"bigint(20)"},)j"
             R"j("old":[{"bt":"65"}],)j"),
      std::string::npos)
      << v;
  EXPECT_TRUE(e.options().only_output_updated_columns);
}

TEST(CanalJsonEncoder, MysqlTypeIntegerDisplayWidths) {
  std::string s;
  AppendMySqlType(Col("a", ColumnType::kInt), true, &s);
  EXPECT_EQ(s, "int(11)");
  s.clear();
  AppendMySqlType(Col("a", ColumnType::kInt, true), true, &s);
  EXPECT_EQ(s, "int(10) unsigned");
  s.clear();
  AppendMySqlType(Col("a", ColumnType::kTinyInt, true), false, &s);
  EXPECT_EQ(s, "tinyint unsigned");
  s.clear();
  AppendMySqlType(Col("a", ColumnType::kYear, true), false, &s);
  EXPECT_EQ(s, "year");
  EXPECT_EQ(CharsetMaxBytes(63), 1);
  EXPECT_EQ(CharsetMaxBytes(8), 1);
  EXPECT_EQ(CharsetMaxBytes(33), 3);
  EXPECT_EQ(CharsetMaxBytes(255), 4);
  EXPECT_EQ(CharsetMaxBytes(45 + 1024), 4);  // MariaDB utf8mb4_general_nopad_ci
  EXPECT_EQ(CharsetMaxBytes(0), 0);
}

TEST(CanalJsonEncoder, DdlMatchesTicdcExample) {
  auto e = Encoder(Ext());
  model::DdlEvent ddl;
  ddl.schema = "test";
  ddl.sql = "drop database if exists test";
  Message m;
  ASSERT_TRUE(e.EncodeDdl(ddl, Txn(), &m).ok());
  EXPECT_FALSE(m.key.has_value());
  EXPECT_EQ(m.value,
            R"({"id":0,"database":"test","table":"","pkNames":null,"isDdl":true,"type":"QUERY",)"
            R"("es":1639633141221,"ts":1639633142960,"sql":"drop database if exists test",)"
            R"("sqlType":null,"mysqlType":null,"data":null,"old":null,)"
            R"("_tidb":{"commitTs":429918007904436226}})");
}

TEST(CanalJsonEncoder, DdlTableFromEventOrSql) {
  auto e = Encoder();
  model::DdlEvent ddl;
  ddl.schema = "shop";
  ddl.sql = "CREATE TABLE `orders` (id INT PRIMARY KEY, note VARCHAR(10) DEFAULT '<&>')";
  Message m;
  ASSERT_TRUE(e.EncodeDdl(ddl, Txn(), &m).ok());
  EXPECT_EQ(m.value,
            R"j({"id":0,"database":"shop","table":"orders","pkNames":null,"isDdl":true,)j"
            R"j("type":"CREATE","es":1639633141221,"ts":1639633142960,)j"
            R"j("sql":"CREATE TABLE `orders` (id INT PRIMARY KEY, note VARCHAR(10) DEFAULT )j"
            R"j('\u003c\u0026\u003e')","sqlType":null,"mysqlType":null,"data":null,"old":null})j");
  // A qualified name in the SQL wins over the default database.
  ddl.sql = "ALTER TABLE other.t ADD INDEX i (a)";
  ASSERT_TRUE(e.EncodeDdl(ddl, Txn(), &m).ok());
  EXPECT_NE(m.value.find(R"("database":"other","table":"t",)"), std::string::npos);
  EXPECT_NE(m.value.find(R"("type":"CINDEX")"), std::string::npos);
  // An explicit table on the event wins over parsing.
  ddl.table = "explicit";
  ddl.sql = "TRUNCATE TABLE x";
  ASSERT_TRUE(e.EncodeDdl(ddl, Txn(), &m).ok());
  EXPECT_NE(m.value.find(R"("database":"shop","table":"explicit",)"), std::string::npos);
  EXPECT_NE(m.value.find(R"("type":"TRUNCATE")"), std::string::npos);
}

TEST(CanalJsonEncoder, WatermarkOnlyWithExtension) {
  Message m;
  auto plain = Encoder();
  m.value = "untouched";
  EXPECT_FALSE(plain.EncodeWatermark(kCommitTs, &m));
  EXPECT_EQ(m.value, "untouched");
  auto e = Encoder(Ext());
  ASSERT_TRUE(e.EncodeWatermark(kCommitTs, &m));
  EXPECT_FALSE(m.key.has_value());
  EXPECT_EQ(m.value, R"({"id":0,"database":"","table":"","pkNames":null,"isDdl":false,)"
                     R"("type":"TIDB_WATERMARK","es":1640007049196,"ts":1639633142960,"sql":"",)"
                     R"("sqlType":null,"mysqlType":null,"data":null,"old":null,)"
                     R"("_tidb":{"watermarkTs":429918007904436226}})");
}

TEST(CanalJsonEncoder, HandleKeyOnlyVariant) {
  auto e = Encoder(Ext());
  Message m;
  ASSERT_TRUE(e.EncodeRowHandleKeyOnly(TpIntUpdate(), Txn(), &m).ok());
  EXPECT_EQ(m.value,
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"UPDATE","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"id":4},"mysqlType":{"id":"int"},"old":[{"id":"2"}],)"
            R"("data":[{"id":"2"}],"_tidb":{"commitTs":429918007904436226,"onlyHandleKey":true}})");
}

TEST(CanalJsonEncoder, ClaimCheckVariant) {
  auto e = Encoder(Ext());
  Message m;
  auto r = Row(RowOp::kInsert, TpInt(), {},
               {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)});
  ASSERT_TRUE(e.EncodeRowClaimCheck(r, Txn(), "s3://b/p/0f1e.json", &m).ok());
  EXPECT_EQ(m.value,
            R"({"id":0,"database":"test","table":"tp_int","pkNames":["id"],"isDdl":false,)"
            R"("type":"INSERT","es":1639633141221,"ts":1639633142960,"sql":"",)"
            R"("sqlType":{"id":4},"mysqlType":{"id":"int"},"old":null,"data":[{"id":"4"}],)"
            R"("_tidb":{"commitTs":429918007904436226,)"
            R"("claimCheckLocation":"s3://b/p/0f1e.json"}})");
}

TEST(CanalJsonEncoder, LargeMessageVariantsNeedExtensionAndPrimaryKey) {
  Message m;
  auto plain = Encoder();
  EXPECT_EQ(plain.EncodeRowHandleKeyOnly(TpIntUpdate(), Txn(), &m).code(),
            base::Code::kFailedPrecondition);
  auto t = TpInt();
  t->primary_key.clear();
  auto e = Encoder(Ext());
  auto r = Row(RowOp::kInsert, t, {}, {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)});
  EXPECT_EQ(e.EncodeRowClaimCheck(r, Txn(), "x", &m).code(), base::Code::kFailedPrecondition);
}

TEST(CanalJsonEncoder, TsComesFromInjectedClock) {
  int64_t now = 5;
  CanalJsonEncoder e(CanalJsonOptions{}, [&] { return now++; });
  Message m;
  auto r = Row(RowOp::kInsert, TpInt(), {},
               {Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)});
  ASSERT_TRUE(e.EncodeRow(r, Txn(), &m).ok());
  EXPECT_NE(m.value.find(R"("ts":5,)"), std::string::npos);
  ASSERT_TRUE(e.EncodeRow(r, Txn(), &m).ok());
  EXPECT_NE(m.value.find(R"("ts":6,)"), std::string::npos);
  EXPECT_GT(SystemWallClockMs(), 1600000000000);
}

}  // namespace
}  // namespace sluice::codec::canal_json
