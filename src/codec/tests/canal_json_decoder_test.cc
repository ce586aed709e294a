#include "codec/canal_json/canal_json_decoder.h"

#include <memory>

#include <gtest/gtest.h>

#include "codec/canal_json/canal_json_encoder.h"

namespace sluice::codec::canal_json {
namespace {

using model::Column;
using model::ColumnType;
using model::Value;

Column Col(std::string name, ColumnType type) {
  Column c;
  c.name = std::move(name);
  c.type = type;
  return c;
}

TEST(CanalJsonDecoder, RoundTripsBinaryBytes0To255AndText) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = "d";
  t->table = "b";
  t->columns = {Col("id", ColumnType::kInt), Col("vb", ColumnType::kVarBinary),
                Col("bl", ColumnType::kLongBlob), Col("txt", ColumnType::kVarChar),
                Col("n", ColumnType::kVarChar)};
  t->columns[3].collation = 45;
  t->primary_key = {0};
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string reversed(all.rbegin(), all.rend());
  model::RowChange r;
  r.op = model::RowOp::kUpdate;
  r.table = t;
  r.before = {Value::Int(1), Value::String(reversed), Value::String(""), Value::String("<é>\n\"\\"),
              Value::Null()};
  r.after = {Value::Int(1), Value::String(all), Value::String(all), Value::String("世界 \u2028 &"),
             Value::Null()};
  model::TxnInfo txn;
  txn.commit_time_ms = 1700000000123;
  txn.commit_ts = (uint64_t{1700000000123} << 18) | 5;
  CanalJsonOptions o;
  o.enable_tidb_extension = true;
  CanalJsonEncoder enc(o, [] { return 42; });
  Message m;
  ASSERT_TRUE(enc.EncodeRow(r, txn, &m).ok());

  auto d = DecodeCanalJson(m.value);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->database, "d");
  EXPECT_EQ(d->table, "b");
  EXPECT_EQ(d->type, "UPDATE");
  EXPECT_FALSE(d->is_ddl);
  EXPECT_TRUE(d->IsDml());
  EXPECT_EQ(d->es, 1700000000123);
  EXPECT_EQ(d->ts, 42);
  ASSERT_TRUE(d->pk_names.has_value());
  EXPECT_EQ(*d->pk_names, std::vector<std::string>{"id"});
  ASSERT_EQ(d->sql_type.size(), 5u);
  EXPECT_EQ(d->sql_type[1], (std::pair<std::string, int32_t>{"vb", 2004}));
  ASSERT_NE(d->MySqlTypeOf("bl"), nullptr);
  EXPECT_EQ(*d->MySqlTypeOf("bl"), "longblob");
  ASSERT_TRUE(d->data.has_value());
  ASSERT_TRUE(d->old.has_value());
  EXPECT_EQ(*FindColumn(*d->data, "id"), "1");
  EXPECT_EQ(*FindColumn(*d->data, "vb"), all);
  EXPECT_EQ(*FindColumn(*d->data, "bl"), all);
  EXPECT_EQ(*FindColumn(*d->data, "txt"), "世界 \u2028 &");
  EXPECT_EQ(*FindColumn(*d->data, "n"), std::nullopt);
  EXPECT_EQ(*FindColumn(*d->old, "vb"), reversed);
  EXPECT_EQ(*FindColumn(*d->old, "bl"), "");
  EXPECT_EQ(*FindColumn(*d->old, "txt"), "<é>\n\"\\");
  EXPECT_EQ(FindColumn(*d->old, "missing"), nullptr);
  // Column order is preserved.
  EXPECT_EQ((*d->data)[0].first, "id");
  EXPECT_EQ((*d->data)[4].first, "n");
  ASSERT_TRUE(d->tidb.has_value());
  EXPECT_EQ(d->tidb->commit_ts, txn.commit_ts);
  EXPECT_FALSE(d->tidb->only_handle_key);
}

TEST(CanalJsonDecoder, DocBinaryExampleDecodesToBytes) {
  std::string msg =
      R"({"id":0,"database":"d","table":"t","pkNames":[],"isDdl":false,"type":"INSERT",)"
      R"j("es":1,"ts":2,"sql":"","sqlType":{"b":2004},"mysqlType":{"b":"varbinary(16)"},)j"
      R"("old":null,"data":[{"b":"\u0005\u0007\n\u000f$2+cx\u003c\u0026)"
      "\xc3\xbf\xc3\xbe"
      R"(-7F"}]})";
  auto d = DecodeCanalJson(msg);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const unsigned char want[] = {5, 7, 10, 15, 36, 50, 43, 99, 120, 60, 38, 255, 254, 45, 55, 70};
  EXPECT_EQ(*FindColumn(*d->data, "b"),
            std::string(reinterpret_cast<const char*>(want), sizeof(want)));
  EXPECT_EQ(d->old, std::nullopt);
  EXPECT_FALSE(d->tidb.has_value());
  EXPECT_TRUE(d->pk_names->empty());
}

TEST(CanalJsonDecoder, DdlAndWatermark) {
  CanalJsonOptions o;
  o.enable_tidb_extension = true;
  CanalJsonEncoder enc(o, [] { return 7; });
  Message m;
  model::DdlEvent ddl;
  ddl.schema = "s";
  ddl.sql = "ALTER TABLE t ADD COLUMN c INT";
  model::TxnInfo txn;
  txn.commit_time_ms = 10;
  txn.commit_ts = 10 << 18;
  ASSERT_TRUE(enc.EncodeDdl(ddl, txn, &m).ok());
  auto d = DecodeCanalJson(m.value);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->is_ddl);
  EXPECT_EQ(d->type, "ALTER");
  EXPECT_EQ(d->table, "t");
  EXPECT_EQ(d->sql, ddl.sql);
  EXPECT_FALSE(d->pk_names.has_value());
  EXPECT_FALSE(d->data.has_value());
  EXPECT_EQ(d->tidb->commit_ts, uint64_t{10} << 18);

  ASSERT_TRUE(enc.EncodeWatermark(uint64_t{99} << 18, &m));
  d = DecodeCanalJson(m.value);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->IsWatermark());
  EXPECT_EQ(d->es, 99);
  EXPECT_EQ(d->tidb->watermark_ts, uint64_t{99} << 18);
  EXPECT_FALSE(d->tidb->commit_ts.has_value());
}

TEST(CanalJsonDecoder, HandleKeyOnlyAndClaimCheckFields) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = "d";
  t->table = "t";
  t->columns = {Col("id", ColumnType::kBigInt), Col("v", ColumnType::kLongText)};
  t->primary_key = {0};
  model::RowChange r;
  r.op = model::RowOp::kDelete;
  r.table = t;
  r.before = {Value::Int(9), Value::String(std::string(1000, 'x'))};
  CanalJsonOptions o;
  o.enable_tidb_extension = true;
  CanalJsonEncoder enc(o, [] { return 1; });
  Message m;
  ASSERT_TRUE(enc.EncodeRowHandleKeyOnly(r, {}, &m).ok());
  auto d = DecodeCanalJson(m.value);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->tidb->only_handle_key);
  ASSERT_EQ(d->data->size(), 1u);
  EXPECT_EQ(*FindColumn(*d->data, "id"), "9");
  ASSERT_TRUE(enc.EncodeRowClaimCheck(r, {}, "file:///tmp/x.json", &m).ok());
  d = DecodeCanalJson(m.value);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->tidb->claim_check_location, "file:///tmp/x.json");
  EXPECT_FALSE(d->tidb->only_handle_key);
}

TEST(CanalJsonDecoder, RejectsMalformedMessages) {
  EXPECT_EQ(DecodeCanalJson("{not json").status().code(), base::Code::kDataLoss);
  EXPECT_EQ(DecodeCanalJson("[1]").status().code(), base::Code::kDataLoss);
  EXPECT_EQ(DecodeCanalJson(R"({"isDdl":"yes"})").status().code(), base::Code::kDataLoss);
  EXPECT_EQ(DecodeCanalJson(R"({"data":5})").status().code(), base::Code::kDataLoss);
  // A binary column with a character outside Latin-1 cannot be turned back into bytes.
  EXPECT_EQ(
      DecodeCanalJson(R"({"mysqlType":{"b":"blob"},"data":[{"b":"\u4e16"}]})").status().code(),
      base::Code::kDataLoss);
}

TEST(CanalJsonDecoder, BinaryMySqlTypes) {
  EXPECT_TRUE(IsBinaryMySqlType("binary(16)"));
  EXPECT_TRUE(IsBinaryMySqlType("varbinary"));
  EXPECT_TRUE(IsBinaryMySqlType("mediumblob"));
  EXPECT_FALSE(IsBinaryMySqlType("varchar(16)"));
  EXPECT_FALSE(IsBinaryMySqlType("text"));
}

}  // namespace
}  // namespace sluice::codec::canal_json
