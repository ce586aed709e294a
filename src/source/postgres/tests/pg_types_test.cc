#include "source/postgres/pg_types.h"

#include <gtest/gtest.h>

namespace sluice::source::postgres {
namespace {

using model::ColumnType;
using model::Value;

model::Column Map(uint32_t oid, int32_t typmod = -1) {
  model::Column c;
  MapPgColumnType(oid, typmod, &c);
  return c;
}

TEST(PgTypes, ColumnMapping) {
  EXPECT_EQ(Map(pg_oid::kBool).type, ColumnType::kTinyInt);
  EXPECT_EQ(Map(pg_oid::kInt2).type, ColumnType::kSmallInt);
  EXPECT_EQ(Map(pg_oid::kInt4).type, ColumnType::kInt);
  EXPECT_EQ(Map(pg_oid::kInt8).type, ColumnType::kBigInt);
  auto num = Map(pg_oid::kNumeric, ((10 << 16) | 2) + 4);
  EXPECT_EQ(num.type, ColumnType::kDecimal);
  EXPECT_EQ(num.precision, 10);
  EXPECT_EQ(num.scale, 2);
  EXPECT_EQ(Map(pg_oid::kFloat4).type, ColumnType::kFloat);
  EXPECT_EQ(Map(pg_oid::kFloat8).type, ColumnType::kDouble);
  EXPECT_EQ(Map(pg_oid::kVarchar, 24).length, 80u);  // varchar(20), 4 bytes per char
  EXPECT_EQ(Map(pg_oid::kVarchar).type, ColumnType::kLongText);
  EXPECT_EQ(Map(pg_oid::kBpchar, 9).type, ColumnType::kChar);
  EXPECT_EQ(Map(pg_oid::kText).type, ColumnType::kLongText);
  EXPECT_TRUE(Map(pg_oid::kBytea).is_binary());
  EXPECT_EQ(Map(pg_oid::kTime, 3).fsp, 3);
  EXPECT_EQ(Map(pg_oid::kTimestamp).fsp, 6);
  EXPECT_EQ(Map(pg_oid::kTimestamptz).type, ColumnType::kTimestamp);
  EXPECT_EQ(Map(pg_oid::kUuid).type, ColumnType::kChar);
  EXPECT_EQ(Map(pg_oid::kJsonb).type, ColumnType::kJson);
  EXPECT_EQ(Map(pg_oid::kMoney).scale, 2);
  EXPECT_EQ(Map(1007).type, ColumnType::kLongText);   // int4[]
  EXPECT_EQ(Map(99999).type, ColumnType::kLongText);  // a user type
}

TEST(PgTypes, TextValues) {
  EXPECT_EQ(PgTextValue(pg_oid::kBool, "f"), Value::Int(0));
  EXPECT_EQ(PgTextValue(pg_oid::kInt8, "9223372036854775807"), Value::Int(INT64_MAX));
  EXPECT_EQ(PgTextValue(pg_oid::kOid, "4294967295"), Value::UInt(4294967295u));
  EXPECT_EQ(PgTextValue(pg_oid::kFloat8, "1e+300"), Value::Double(1e300));
  EXPECT_EQ(PgTextValue(pg_oid::kMoney, "$1,234,567.89"), Value::Decimal("1234567.89"));
  EXPECT_EQ(PgTextValue(pg_oid::kBytea, "\\x"), Value::String(""));
  EXPECT_EQ(PgTextValue(pg_oid::kBytea, "a\\\\b\\001"), Value::String(std::string("a\\b\x01")));
  model::Temporal y10k{10000, 1, 2, 3, 4, 5, 6};
  EXPECT_EQ(PgTextValue(pg_oid::kTimestamp, "10000-01-02 03:04:05.000006"), Value::DateTime(y10k));
  // Offsets with minutes and seconds.
  EXPECT_EQ(PgTextValue(pg_oid::kTimestamptz, "1970-01-01 05:30:00+05:30"), Value::Timestamp(0, 0));
  EXPECT_EQ(PgTextValue(pg_oid::kTimestamptz, "1969-12-31 23:59:59.999999+00"),
            Value::Timestamp(-1, 999999));
  // Not representable: kept as PostgreSQL's text.
  EXPECT_EQ(PgTextValue(pg_oid::kTimestamptz, "infinity"), Value::String("infinity"));
  EXPECT_EQ(PgTextValue(pg_oid::kDate, "2024-01-01 BC"), Value::String("2024-01-01 BC"));
  EXPECT_EQ(PgTextValue(pg_oid::kInt4, "garbage"), Value::String("garbage"));
}

TEST(PgTypes, BinaryValues) {
  auto b = [](std::initializer_list<uint8_t> v) { return std::vector<uint8_t>(v); };
  auto bytes = b({0, 0, 0, 42});
  EXPECT_EQ(*PgBinaryValue(pg_oid::kInt4, bytes), Value::Int(42));
  auto date = b({0xFF, 0xFF, 0xFF, 0xFF});  // 1999-12-31
  model::Temporal d{1999, 12, 31};
  EXPECT_EQ(*PgBinaryValue(pg_oid::kDate, date), Value::Date(d));
  auto f8 = b({0x3F, 0xF8, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(*PgBinaryValue(pg_oid::kFloat8, f8), Value::Double(1.5));
  auto jsonb = b({1, '{', '}'});
  EXPECT_EQ(*PgBinaryValue(pg_oid::kJsonb, jsonb), Value::String("{}"));
  // numeric 0.0012: ndigits 1, weight -1, sign +, dscale 4, digit 12
  auto num = b({0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 12});
  EXPECT_EQ(*PgBinaryValue(pg_oid::kNumeric, num), Value::Decimal("0.0012"));
  auto time = b({0, 0, 0, 0x0B, 0xEB, 0xC2, 0x00, 0x01});  // 51200000001 us = 14:13:20.000001
  model::Temporal t{0, 0, 0, 14, 13, 20, 1};
  EXPECT_EQ(*PgBinaryValue(pg_oid::kTime, time), Value::Time(t));
  EXPECT_EQ(PgBinaryValue(pg_oid::kInt4, b({1, 2})).status().code(), base::Code::kDataLoss);
  EXPECT_EQ(PgBinaryValue(pg_oid::kInet, b({1})).status().code(), base::Code::kUnimplemented);
}

}  // namespace
}  // namespace sluice::source::postgres
