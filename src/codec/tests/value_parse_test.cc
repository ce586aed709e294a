#include "codec/common/value_parse.h"

#include <gtest/gtest.h>

namespace sluice::codec {
namespace {

using model::Column;
using model::ColumnType;
using model::Value;

Column Typed(std::string_view mysql_type) {
  Column c;
  c.name = "c";
  EXPECT_TRUE(ParseMySqlType(mysql_type, &c).ok()) << mysql_type;
  return c;
}

TEST(ValueParse, MySqlTypeArgumentsAndFlags) {
  Column c = Typed("int(10) unsigned zerofill");
  EXPECT_EQ(c.type, ColumnType::kInt);
  EXPECT_TRUE(c.is_unsigned);
  c = Typed("DECIMAL(12,3)");
  EXPECT_EQ(c.type, ColumnType::kDecimal);
  EXPECT_EQ(c.precision, 12);
  EXPECT_EQ(c.scale, 3);
  c = Typed("datetime(3)");
  EXPECT_EQ(c.fsp, 3);
  c = Typed("varbinary(16)");
  EXPECT_TRUE(c.is_binary());
  EXPECT_EQ(c.length, 16u);
  c = Typed("enum('a','b''c','d,e')");
  EXPECT_EQ(c.elements, (std::vector<std::string>{"a", "b'c", "d,e"}));
  c = Typed("point");
  EXPECT_EQ(c.type, ColumnType::kGeometry);
  Column bad;
  bad.name = "x";
  auto st = ParseMySqlType("varchar(", &bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'x'"), std::string::npos);
}

TEST(ValueParse, TimestampTextIsReadInTheProducersZone) {
  Column c = Typed("timestamp(6)");
  auto v = ParseValueText(c, "2023-11-15 06:13:20.5", *model::TimeZone::Parse("+08:00"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->timestamp_seconds(), 1700000000);  // 2023-11-14 22:13:20 UTC
  EXPECT_EQ(v->timestamp_micros(), 500000u);
  v = ParseValueText(c, "0000-00-00 00:00:00", model::TimeZone());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Value::Timestamp(0, 0));
}

TEST(ValueParse, BadTextNamesColumnAndType) {
  for (auto [type, text] : {std::pair{"int", "1.5"},
                            {"int unsigned", "-1"},
                            {"date", "2024-1-1"},
                            {"time", "10:61:00"},
                            {"decimal(5,2)", "1.2.3"},
                            {"enum('a')", "b"},
                            {"set('a')", "a,z"},
                            {"double", "x"}}) {
    auto v = ParseValueText(Typed(type), text, model::TimeZone());
    EXPECT_FALSE(v.ok()) << type << " " << text;
    if (!v.ok()) EXPECT_NE(v.status().message().find("column 'c'"), std::string::npos);
  }
}

TEST(ValueParse, Base64) {
  std::string out;
  ASSERT_TRUE(Base64Decode("AP+A", &out));
  EXPECT_EQ(out, std::string("\x00\xff\x80", 3));
  ASSERT_TRUE(Base64Decode("YQ==", &out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(Base64Decode("YQ", &out));
  EXPECT_EQ(out, "a");
  EXPECT_FALSE(Base64Decode("Y!==", &out));
  EXPECT_FALSE(Base64Decode("YQ==YQ", &out));
}

}  // namespace
}  // namespace sluice::codec
