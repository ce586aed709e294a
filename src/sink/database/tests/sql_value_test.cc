#include "sink/database/sql_value.h"

#include <gtest/gtest.h>

namespace sluice::sink::database {
namespace {

using model::Column;
using model::ColumnType;
using model::Value;

Column Col(ColumnType t) {
  Column c;
  c.name = "c";
  c.type = t;
  return c;
}

std::string My(const Column& c, const Value& v) {
  std::string out;
  auto st = AppendMySqlLiteral(c, v, &out);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

std::optional<std::string> Pg(const Column& c, const Value& v) {
  auto r = PostgresParam(c, v);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::nullopt;
}

TEST(SqlValue, MySqlLiterals) {
  EXPECT_EQ(My(Col(ColumnType::kInt), Value::Null()), "NULL");
  EXPECT_EQ(My(Col(ColumnType::kBigInt), Value::Int(-5)), "-5");
  EXPECT_EQ(My(Col(ColumnType::kBigInt), Value::UInt(18446744073709551615ull)),
            "18446744073709551615");
  EXPECT_EQ(My(Col(ColumnType::kVarChar), Value::String("it's")), "_utf8mb4 X'69742773'");
  Column bin = Col(ColumnType::kVarBinary);
  EXPECT_EQ(My(bin, Value::String(std::string("\0\xff", 2))), "X'00FF'");
  Column e = Col(ColumnType::kEnum);
  e.elements = {"red", "green"};
  EXPECT_EQ(My(e, Value::UInt(2)), "_utf8mb4 X'677265656E'");
  EXPECT_EQ(My(Col(ColumnType::kYear), Value::UInt(0)), "'0000'");
  EXPECT_EQ(My(Col(ColumnType::kSet), Value::UInt(5)), "5");
  // FLOAT/DOUBLE: approximate-value literals (with an exponent) that parse back to the same bits;
  // a FLOAT as its exact double.
  EXPECT_EQ(My(Col(ColumnType::kFloat), Value::Float(3.14f)), "3.140000104904175e+00");
  EXPECT_EQ(My(Col(ColumnType::kDouble), Value::Double(1e300)), "1e+300");
  EXPECT_EQ(My(Col(ColumnType::kDouble), Value::Double(-1e-300)), "-1e-300");
  EXPECT_EQ(My(Col(ColumnType::kDouble), Value::Double(0.1)), "1e-01");
  EXPECT_EQ(My(Col(ColumnType::kDecimal), Value::Decimal("-12.50")), "-12.50");
  model::Temporal t{
      .year = 2024, .month = 2, .day = 29, .hour = 13, .minute = 5, .second = 7, .micros = 120000};
  EXPECT_EQ(My(Col(ColumnType::kDateTime), Value::DateTime(t)), "'2024-02-29 13:05:07.120000'");
  EXPECT_EQ(My(Col(ColumnType::kTimestamp), Value::Timestamp(86400, 0)), "'1970-01-02 00:00:00'");
  EXPECT_EQ(My(Col(ColumnType::kTimestamp), Value::Timestamp(0, 0)), "'0000-00-00 00:00:00'");
  std::string out;
  EXPECT_FALSE(AppendMySqlLiteral(Col(ColumnType::kDecimal), Value::Decimal("1;DROP"), &out).ok());
  EXPECT_FALSE(AppendMySqlLiteral(Col(ColumnType::kInt), Value::Absent(), &out).ok());
}

TEST(SqlValue, PostgresParams) {
  EXPECT_EQ(Pg(Col(ColumnType::kInt), Value::Null()), std::nullopt);
  EXPECT_EQ(Pg(Col(ColumnType::kBlob), Value::String(std::string("\x01\xab", 2))), "\\x01AB");
  Column s = Col(ColumnType::kSet);
  s.elements = {"a", "b", "c"};
  EXPECT_EQ(Pg(s, Value::UInt(5)), "a,c");
  Column b = Col(ColumnType::kBit);
  b.length = 5;
  EXPECT_EQ(Pg(b, Value::UInt(5)), "00101");
  model::Temporal neg{.hour = 838, .minute = 59, .second = 59, .negative = true};
  EXPECT_EQ(Pg(Col(ColumnType::kTime), Value::Time(neg)), "-838:59:59");
  EXPECT_EQ(Pg(Col(ColumnType::kTimestamp), Value::Timestamp(1, 500)),
            "1970-01-01 00:00:01.000500+00");
  EXPECT_EQ(Pg(Col(ColumnType::kDouble), Value::Double(std::nan(""))), "NaN");
  EXPECT_EQ(Pg(Col(ColumnType::kDouble), Value::Double(1e300)), "1e+300");
  EXPECT_EQ(Pg(Col(ColumnType::kDouble), Value::Double(0.1)), "0.1");
  EXPECT_EQ(Pg(Col(ColumnType::kFloat), Value::Float(866.9985f)), "866.9984741210938");
  EXPECT_FALSE(PostgresParam(Col(ColumnType::kDate), Value::Date({})).ok());
  auto nul = PostgresParam(Col(ColumnType::kText), Value::String(std::string("a\0b", 3)));
  ASSERT_FALSE(nul.ok());
  EXPECT_NE(nul.status().message().find("bytea"), std::string::npos);
}

TEST(SqlValue, TypeMapping) {
  Column u = Col(ColumnType::kBigInt);
  u.is_unsigned = true;
  EXPECT_EQ(PostgresTypeFor(u), "numeric(20,0)");
  EXPECT_EQ(MySqlTypeFor(u), "bigint unsigned");
  Column d = Col(ColumnType::kDecimal);
  d.precision = 10;
  d.scale = 2;
  EXPECT_EQ(PostgresTypeFor(d), "numeric(10,2)");
  Column ts = Col(ColumnType::kTimestamp);
  ts.fsp = 3;
  EXPECT_EQ(PostgresTypeFor(ts), "timestamp(3) with time zone");
  EXPECT_EQ(PostgresTypeFor(Col(ColumnType::kTime)), "interval");
  // Unknown fraction digits (fsp 0) keep microseconds.
  EXPECT_EQ(PostgresTypeFor(Col(ColumnType::kDateTime)), "timestamp(6) without time zone");
  EXPECT_EQ(MySqlTypeFor(Col(ColumnType::kDateTime)), "datetime(6)");
  EXPECT_EQ(PostgresTypeFor(Col(ColumnType::kJson)), "jsonb");
  Column e = Col(ColumnType::kEnum);
  e.elements = {"a", "it's"};
  EXPECT_EQ(MySqlTypeFor(e), "enum('a','it''s')");
}

}  // namespace
}  // namespace sluice::sink::database
