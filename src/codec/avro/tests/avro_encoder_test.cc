#include "codec/avro/avro_encoder.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sluice::codec::avro {
namespace {

using model::Column;
using model::ColumnType;
using model::Value;

// In-memory registry: ids from 1 in registration order, one id per distinct (subject, schema).
class MemoryRegistry : public SchemaRegistryClient {
 public:
  base::Result<int32_t> Register(const std::string& subject, const std::string& schema) override {
    calls++;
    auto [it, fresh] = ids.emplace(std::make_pair(subject, schema), next_id);
    if (fresh) ++next_id;
    return it->second;
  }
  base::Result<std::string> SchemaById(int32_t) override { return base::NotFound("unused"); }
  std::string DisplayUrl() const override { return "memory"; }
  std::map<std::pair<std::string, std::string>, int32_t> ids;
  int32_t next_id = 1;
  int calls = 0;
};

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

model::TableSchemaPtr Table(bool with_extra = false) {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = "db";
  t->table = "t";
  Column id;
  id.name = "id";
  id.type = ColumnType::kInt;
  id.nullable = false;
  id.is_primary_key = true;
  t->columns.push_back(id);
  t->primary_key = {0};
  Column name;
  name.name = "name";
  name.type = ColumnType::kVarChar;
  name.collation = 45;
  t->columns.push_back(name);
  Column dec;
  dec.name = "d";
  dec.type = ColumnType::kDecimal;
  dec.precision = 5;
  dec.scale = 2;
  t->columns.push_back(dec);
  Column bit;
  bit.name = "b";
  bit.type = ColumnType::kBit;
  bit.length = 16;
  t->columns.push_back(bit);
  Column e;
  e.name = "e";
  e.type = ColumnType::kSet;
  e.elements = {"x", "y", "z"};
  t->columns.push_back(e);
  if (with_extra) {
    Column x;
    x.name = "extra";
    x.type = ColumnType::kBigInt;
    x.is_unsigned = true;
    t->columns.push_back(x);
  }
  return t;
}

struct Fixture {
  std::shared_ptr<MemoryRegistry> registry = std::make_shared<MemoryRegistry>();
  std::string topic_asked;
  AvroEncoder Make(bool extension) {
    AvroEncoderOptions o;
    o.schema.enable_tidb_extension = extension;
    return AvroEncoder(o, registry, [this](const std::string& s, const std::string& t) {
      topic_asked = s + "." + t;
      return std::string("cdc.") + t;
    });
  }
};

TEST(AvroEncoder, InsertIsConfluentFramedAvroBinary) {
  Fixture f;
  AvroEncoder enc = f.Make(true);
  model::RowChange row;
  row.op = model::RowOp::kInsert;
  row.table = Table();
  row.after = {Value::Int(-2), Value::String("hé"), Value::Decimal("-1.50"), Value::UInt(0x0102),
               Value::UInt(5)};
  model::TxnInfo txn;
  txn.commit_ts = (uint64_t{1700000000000} << 18) | 3;
  Message m;
  ASSERT_TRUE(enc.EncodeRow(row, txn, &m).ok());
  EXPECT_EQ(f.topic_asked, "db.t");
  std::set<std::string> subjects;
  for (const auto& [k, id] : f.registry->ids) subjects.insert(k.first);
  EXPECT_EQ(subjects, (std::set<std::string>{"cdc_t-key", "cdc_t-value"}));
  ASSERT_TRUE(m.key);
  // key: magic 0, id 1, zigzag(-2) = 03.
  EXPECT_EQ(Hex(*m.key), "000000000103");
  EXPECT_FALSE(m.null_value);
  // value: magic, id 2; id 03; name branch 1 (02), len 3 (06) "hé"; d branch 1, len 1 (02),
  // -150 = ff6a (len 2 -> 04); b branch 1, 0102 (len 2); set branch 1 "x,z" (06 782c7a);
  // _tidb_op "c"; commit_ts and physical time as zigzag longs.
  std::string v = Hex(m.value);
  EXPECT_EQ(v.substr(0, 10), "0000000002");
  EXPECT_EQ(v.substr(10),
            "03"
            "02"
            "06"
            "68c3a9"
            "02"
            "04"
            "ff6a"
            "02"
            "04"
            "0102"
            "02"
            "06"
            "782c7a"
            "02"
            "63" +
                v.substr(10 + 42));
  // The two longs: decode the zigzag varints back.
  auto read_varint = [&](size_t& pos) {
    uint64_t u = 0;
    int shift = 0;
    while (true) {
      uint8_t b = static_cast<uint8_t>(m.value[pos++]);
      u |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  };
  size_t pos = 5 + 21;
  EXPECT_EQ(read_varint(pos), static_cast<int64_t>(txn.commit_ts));
  EXPECT_EQ(read_varint(pos), 1700000000000);
  EXPECT_EQ(pos, m.value.size());
}

TEST(AvroEncoder, NullsUpdatesAndDeleteTombstones) {
  Fixture f;
  AvroEncoder enc = f.Make(false);
  model::RowChange row;
  row.op = model::RowOp::kUpdate;
  row.table = Table();
  row.before = {Value::Int(7), Value::Null(), Value::Null(), Value::Null(), Value::Null()};
  row.after = {Value::Int(7), Value::Null(), Value::Null(), Value::UInt(0), Value::Null()};
  Message m;
  ASSERT_TRUE(enc.EncodeRow(row, {}, &m).ok());
  // id 7 -> 0e; three nulls (branch 0 = 00); BIT 0 -> branch 1, one byte 00; null set.
  EXPECT_EQ(Hex(m.value),
            "0000000002"
            "0e"
            "00"
            "00"
            "02"
            "02"
            "00"
            "00");
  row.op = model::RowOp::kDelete;
  Message del;
  ASSERT_TRUE(enc.EncodeRow(row, {}, &del).ok());
  EXPECT_TRUE(del.null_value);
  EXPECT_TRUE(del.value.empty());
  EXPECT_EQ(Hex(*del.key), "00000000010e");
  EXPECT_EQ(f.registry->calls, 2);  // key + value once
}

TEST(AvroEncoder, SchemaChangeRegistersNewVersionsOnlyWhenTheSchemaTextChanges) {
  Fixture f;
  AvroEncoder enc = f.Make(false);
  model::RowChange row;
  row.op = model::RowOp::kInsert;
  row.table = Table();
  row.after = {Value::Int(1), Value::Null(), Value::Null(), Value::Null(), Value::Null()};
  Message m;
  ASSERT_TRUE(enc.EncodeRow(row, {}, &m).ok());
  // Same definition in a new TableSchema object (e.g. after a no-op DDL): no new id.
  row.table = Table();
  ASSERT_TRUE(enc.EncodeRow(row, {}, &m).ok());
  EXPECT_EQ(Hex(m.value.substr(0, 5)), "0000000002");
  EXPECT_EQ(f.registry->next_id, 3);
  // ADD COLUMN: the value schema changes (new id 3), the key schema does not.
  row.table = Table(true);
  row.after.push_back(Value::UInt(18446744073709551615ull));
  ASSERT_TRUE(enc.EncodeRow(row, {}, &m).ok());
  EXPECT_EQ(Hex(m.key->substr(0, 5)), "0000000001");
  EXPECT_EQ(Hex(m.value.substr(0, 5)), "0000000003");
  // BIGINT UNSIGNED max in long mode wraps to -1 (zigzag 01), as in TiCDC.
  EXPECT_EQ(Hex(m.value.substr(m.value.size() - 2)), "0201");
  EXPECT_EQ(f.registry->ids.size(), 3u);
}

TEST(AvroEncoder, RowsOfTablesWithoutPrimaryKeyFailClearly) {
  Fixture f;
  AvroEncoder enc = f.Make(false);
  auto t = std::make_shared<model::TableSchema>(*Table());
  t->primary_key.clear();
  model::RowChange row;
  row.table = t;
  row.after = {Value::Int(1), Value::Null(), Value::Null(), Value::Null(), Value::Null()};
  Message m;
  auto st = enc.EncodeRow(row, {}, &m);
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_FALSE(enc.EncodesDdl());
  EXPECT_FALSE(enc.EncodeWatermark(1, &m));
}

}  // namespace
}  // namespace sluice::codec::avro
