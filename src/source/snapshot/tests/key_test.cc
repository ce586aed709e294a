#include "source/snapshot/key.h"

#include <gtest/gtest.h>

#include <map>

namespace sluice::source::snapshot {
namespace {

using model::Temporal;
using model::Value;

Temporal T(int y, int mo, int d, unsigned h = 0, int mi = 0, int s = 0, unsigned us = 0,
           bool neg = false) {
  Temporal t;
  t.year = y;
  t.month = static_cast<uint8_t>(mo);
  t.day = static_cast<uint8_t>(d);
  t.hour = h;
  t.minute = static_cast<uint8_t>(mi);
  t.second = static_cast<uint8_t>(s);
  t.micros = us;
  t.negative = neg;
  return t;
}

TEST(SnapshotKey, EncodesEveryKeyKindExactly) {
  Key key = {Value::Int(-9223372036854775807 - 1),
             Value::UInt(18446744073709551615ull),
             Value::Decimal("-12345678901234567890.000100"),
             Value::String(std::string("a,b:\0\xff", 6)),
             Value::Date(T(2024, 2, 29)),
             Value::Time(T(0, 0, 0, 838, 59, 59, 990000, true)),
             Value::DateTime(T(9999, 12, 31, 23, 59, 59, 999999)),
             Value::Timestamp(-1, 500000),
             Value::Null()};
  std::string text = EncodeKey(key);
  auto back = DecodeKey(text);
  ASSERT_TRUE(back.ok()) << back.status().message() << " " << text;
  ASSERT_EQ(back->size(), key.size());
  for (size_t i = 0; i < key.size(); ++i) EXPECT_TRUE((*back)[i] == key[i]) << i << " " << text;
  EXPECT_EQ(EncodeKey(*back), text);
  EXPECT_TRUE(DecodeKey("")->empty());
}

TEST(SnapshotKey, RejectsMalformedText) {
  for (const char* bad : {"x:1", "i:1x", "s:abc", "s:zz", "D:2024-1", "t:1:2", "S:5", "i",
                          "u:-1", "d:1e5"}) {
    auto r = DecodeKey(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_NE(r.status().message().find("malformed"), std::string::npos) << bad;
  }
}

TEST(SnapshotKey, DecimalsCompareNumerically) {
  EXPECT_LT(CompareDecimalText("-10", "-9.5"), 0);
  EXPECT_GT(CompareDecimalText("10", "9.999"), 0);
  EXPECT_EQ(CompareDecimalText("1.50", "001.5"), 0);
  EXPECT_EQ(CompareDecimalText("-0.00", "0"), 0);
  EXPECT_LT(CompareDecimalText("0.09", "0.1"), 0);
  EXPECT_GT(CompareDecimalText("-0.09", "-0.1"), 0);
  EXPECT_LT(CompareDecimalText("99999999999999999999", "100000000000000000000"), 0);
}

TEST(SnapshotKey, PartsCompareInTheDatabasesOrder) {
  EXPECT_LT(ComparePart(PartOrder::kSigned, Value::Int(-5), Value::Int(3)), 0);
  EXPECT_GT(ComparePart(PartOrder::kUnsigned, Value::UInt(18446744073709551615ull),
                        Value::UInt(9223372036854775808ull)),
            0);
  // TIME: negatives first, larger magnitude first among them.
  EXPECT_LT(ComparePart(PartOrder::kTemporal, Value::Time(T(0, 0, 0, 10, 0, 0, 0, true)),
                        Value::Time(T(0, 0, 0, 1, 0, 0, 0, true))),
            0);
  EXPECT_LT(ComparePart(PartOrder::kTemporal, Value::Time(T(0, 0, 0, 1, 0, 0, 0, true)),
                        Value::Time(T(0, 0, 0, 0, 0, 0, 1))),
            0);
  EXPECT_LT(ComparePart(PartOrder::kTemporal, Value::DateTime(T(2024, 1, 1, 23)),
                        Value::DateTime(T(2024, 1, 2))),
            0);
  EXPECT_LT(ComparePart(PartOrder::kTimestamp, Value::Timestamp(5, 1), Value::Timestamp(5, 2)), 0);
  // Binary strings: bytes unsigned, a prefix first.
  EXPECT_LT(ComparePart(PartOrder::kBytes, Value::String("a"), Value::String(std::string("a\0", 2))),
            0);
  EXPECT_GT(ComparePart(PartOrder::kBytes, Value::String("\xff"), Value::String("\x01")), 0);
}

// Case-insensitive "collation" standing in for the database.
class FoldingOracle : public CollationOracle {
 public:
  base::Status Compare(std::span<const TextComparison> cs, std::vector<int>* out) override {
    ++calls;
    out->clear();
    for (const auto& c : cs) {
      std::string a(c.a), b(c.b);
      for (auto& ch : a) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (auto& ch : b) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out->push_back(a < b ? -1 : a > b ? 1 : 0);
    }
    return base::Status::Ok();
  }
  int calls = 0;
};

TEST(SnapshotKey, CompositeKeysCompareLexicographicallyWithCollatedPartsAskedInOneBatch) {
  auto schema = std::make_shared<model::TableSchema>();
  schema->columns.resize(3);
  schema->columns[0].name = "region";
  schema->columns[1].name = "v";
  schema->columns[2].name = "id";
  KeyOrder order(schema, {0, 2}, {PartOrder::kCollated, PartOrder::kSigned});
  FoldingOracle oracle;
  TextOrderCache cache(&oracle);
  Key b = {Value::String("EU"), Value::Int(10)};
  std::vector<Key> keys = {{Value::String("eu"), Value::Int(9)},
                           {Value::String("eu"), Value::Int(11)},
                           {Value::String("ASIA"), Value::Int(99)},
                           {Value::String("us"), Value::Int(-1)}};
  for (const auto& k : keys) order.Want(k, b, &cache);
  ASSERT_TRUE(cache.Resolve().ok());
  EXPECT_EQ(oracle.calls, 1);
  std::vector<int> got;
  for (const auto& k : keys) got.push_back(*order.Compare(k, b, &cache));
  EXPECT_EQ(got, (std::vector<int>{-1, 1, -1, 1}));
  EXPECT_EQ(oracle.calls, 1) << "every comparison came from the batch";
  EXPECT_EQ(*order.Compare({Value::String("Eu"), Value::Int(10)}, b, &cache), 0);
  EXPECT_EQ(oracle.calls, 2) << "an unprepared comparison is asked on its own";

  auto moved = std::make_shared<model::TableSchema>();
  moved->columns.resize(4);
  moved->columns[0].name = "added";
  moved->columns[1].name = "id";
  moved->columns[2].name = "region";
  moved->columns[3].name = "v";
  auto cols = order.ColumnsIn(*moved);
  ASSERT_TRUE(cols);
  EXPECT_EQ(*cols, (std::vector<size_t>{2, 1}));
  moved->columns[1].name = "other";
  EXPECT_FALSE(order.ColumnsIn(*moved));
}

}  // namespace
}  // namespace sluice::source::snapshot
