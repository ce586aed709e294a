#include "model/value_text.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace sluice::model {
namespace {

Column Col(ColumnType t, uint8_t fsp = 0, bool is_unsigned = false) {
  Column c;
  c.name = "c";
  c.type = t;
  c.fsp = fsp;
  c.is_unsigned = is_unsigned;
  return c;
}

std::string Text(const Column& c, const Value& v, const FormatOptions& o = {}) {
  std::string out = "|";
  AppendValueText(c, v, o, &out);
  return out.substr(1);
}

Temporal Dt(int y, int mo, int d, int h = 0, int mi = 0, int s = 0, uint32_t us = 0,
            bool neg = false) {
  Temporal t;
  t.year = y;
  t.month = static_cast<uint8_t>(mo);
  t.day = static_cast<uint8_t>(d);
  t.hour = static_cast<uint32_t>(h);
  t.minute = static_cast<uint8_t>(mi);
  t.second = static_cast<uint8_t>(s);
  t.micros = us;
  t.negative = neg;
  return t;
}

TEST(ValueFormat, AppendsToExistingBuffer) {
  std::string out = "x=";
  AppendValueText(Col(ColumnType::kInt), Value::Int(-5), {}, &out);
  EXPECT_EQ(out, "x=-5");
}

TEST(ValueFormat, Integers) {
  EXPECT_EQ(Text(Col(ColumnType::kBigInt), Value::Int(std::numeric_limits<int64_t>::min())),
            "-9223372036854775808");
  EXPECT_EQ(Text(Col(ColumnType::kBigInt), Value::Int(9223372036854775807)), "9223372036854775807");
  EXPECT_EQ(Text(Col(ColumnType::kBigInt, 0, true), Value::UInt(18446744073709551615ull)),
            "18446744073709551615");
  EXPECT_EQ(Text(Col(ColumnType::kTinyInt, 0, true), Value::UInt(255)), "255");
  EXPECT_EQ(Text(Col(ColumnType::kInt), Value::Int(0)), "0");
}

TEST(ValueFormat, NullAndAbsentAppendNothing) {
  EXPECT_EQ(Text(Col(ColumnType::kInt), Value::Null()), "");
  EXPECT_EQ(Text(Col(ColumnType::kInt), Value::Absent()), "");
}

TEST(ValueFormat, FloatUsesShortest32BitRepresentation) {
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Float(3.14f)), "3.14");
  // A float stored as a double value still renders with 32-bit shortest digits.
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Double(static_cast<float>(0.1f))), "0.1");
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Float(-1.5f)), "-1.5");
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Float(1e-7f)), "0.0000001");
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Float(1e20f)), "100000000000000000000");
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Float(16777216.0f)), "16777216");
}

TEST(ValueFormat, DoubleUsesShortestFixedWithoutExponent) {
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(3.14)), "3.14");
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(1e21)), "1000000000000000000000");
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(1.5e-10)), "0.00000000015");
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(-2)), "-2");
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(0)), "0");
  // Go strconv.FormatFloat(math.MaxFloat64,'f',-1,64): shortest digits padded with zeros.
  std::string max = Text(Col(ColumnType::kDouble), Value::Double(1.7976931348623157e308));
  EXPECT_EQ(max.size(), 309u);
  EXPECT_EQ(max.substr(0, 17), "17976931348623157");
  EXPECT_EQ(max.find_first_not_of('0', 17), std::string::npos);
}

// The round-trip forms the database sinks and the Debezium encoder use: shortest digits that
// parse back to the same bits, with an exponent where that is shorter (or always, for MySQL).
TEST(ValueFormat, RoundTripFormsParseBackToTheSameBits) {
  auto rt = [](double v) {
    std::string s;
    AppendDoubleRoundTrip(v, &s);
    return s;
  };
  auto sci = [](double v) {
    std::string s;
    AppendDoubleScientific(v, &s);
    return s;
  };
  EXPECT_EQ(rt(1e300), "1e+300");
  EXPECT_EQ(rt(0.1), "0.1");
  EXPECT_EQ(rt(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(sci(1e300), "1e+300");
  EXPECT_EQ(sci(1.5), "1.5e+00");
  EXPECT_EQ(sci(-1e-300), "-1e-300");
  for (double v : {1e300, 1e-300, -1.5e70, 0.1, 5e-324, 1.7976931348623157e308}) {
    for (const std::string& s : {rt(v), sci(v)}) {
      double back = 0;
      std::from_chars(s.data(), s.data() + s.size(), back);
      EXPECT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(v)) << s;
    }
  }
  std::string f;
  AppendFloat32RoundTrip(3e38f, &f);
  EXPECT_EQ(f, "3e+38");
}

// A float32 text read as a double, then narrowed, can land next to the float it was printed
// from; Float32FromDouble returns the float whose shortest text that double came from.
TEST(ValueFormat, Float32FromDoubleFindsThePrintedFloat) {
  for (float f : {866.9985f, 3e38f, 1.5e-38f, 1e-30f, 0.1f, 16777216.0f, 1e-45f,
                  std::numeric_limits<float>::max()}) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), f);
    double d = 0;
    std::from_chars(buf, r.ptr, d);
    EXPECT_EQ(std::bit_cast<uint32_t>(Float32FromDouble(d)), std::bit_cast<uint32_t>(f))
        << std::string(buf, r.ptr);
  }
  // The exact double of a float gives that float back.
  EXPECT_EQ(Float32FromDouble(static_cast<double>(866.9985f)), 866.9985f);
}

TEST(ValueFormat, NanAndInfinityRenderAsZero) {
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(std::nan(""))), "0");
  EXPECT_EQ(Text(Col(ColumnType::kDouble), Value::Double(INFINITY)), "0");
  EXPECT_EQ(Text(Col(ColumnType::kFloat), Value::Float(-INFINITY)), "0");
}

TEST(ValueFormat, DecimalIsVerbatim) {
  EXPECT_EQ(Text(Col(ColumnType::kDecimal), Value::Decimal("-1234.5600")), "-1234.5600");
  EXPECT_EQ(Text(Col(ColumnType::kDecimal), Value::Decimal("0.000")), "0.000");
}

TEST(ValueFormat, DateAndZeroDate) {
  EXPECT_EQ(Text(Col(ColumnType::kDate), Value::Date(Dt(2024, 2, 29))), "2024-02-29");
  EXPECT_EQ(Text(Col(ColumnType::kDate), Value::Date(Dt(0, 0, 0))), "0000-00-00");
  EXPECT_EQ(Text(Col(ColumnType::kDate), Value::Date(Dt(33, 1, 5))), "0033-01-05");
}

TEST(ValueFormat, DateTimeHasExactlyFspFractionDigits) {
  Temporal t = Dt(2021, 12, 31, 23, 59, 58, 123456);
  const char* want[] = {"2021-12-31 23:59:58",       "2021-12-31 23:59:58.1",
                        "2021-12-31 23:59:58.12",    "2021-12-31 23:59:58.123",
                        "2021-12-31 23:59:58.1234",  "2021-12-31 23:59:58.12345",
                        "2021-12-31 23:59:58.123456"};
  for (uint8_t fsp = 0; fsp <= 6; ++fsp) {
    EXPECT_EQ(Text(Col(ColumnType::kDateTime, fsp), Value::DateTime(t)), want[fsp]) << int(fsp);
  }
  EXPECT_EQ(Text(Col(ColumnType::kDateTime, 3), Value::DateTime(Dt(2021, 1, 2, 3, 4, 5, 7000))),
            "2021-01-02 03:04:05.007");
  EXPECT_EQ(Text(Col(ColumnType::kDateTime, 2), Value::DateTime(Dt(0, 0, 0))),
            "0000-00-00 00:00:00.00");
}

TEST(ValueFormat, TimeRangeAndSign) {
  EXPECT_EQ(Text(Col(ColumnType::kTime), Value::Time(Dt(0, 0, 0, 838, 59, 59))), "838:59:59");
  EXPECT_EQ(Text(Col(ColumnType::kTime), Value::Time(Dt(0, 0, 0, 838, 59, 59, 0, true))),
            "-838:59:59");
  EXPECT_EQ(Text(Col(ColumnType::kTime, 1), Value::Time(Dt(0, 0, 0, 0, 0, 1, 500000, true))),
            "-00:00:01.5");
  EXPECT_EQ(Text(Col(ColumnType::kTime, 6), Value::Time(Dt(0, 0, 0, 12, 3, 4, 56, true))),
            "-12:03:04.000056");
  EXPECT_EQ(Text(Col(ColumnType::kTime), Value::Time(Dt(0, 0, 0, 0, 0, 0))), "00:00:00");
  EXPECT_EQ(Text(Col(ColumnType::kTime, 3), Value::Time(Dt(0, 0, 0, 100, 0, 0, 999000))),
            "100:00:00.999");
}

TEST(ValueFormat, TimestampInUtcAndOffsets) {
  // 2021-12-20 12:34:56.789 UTC
  Value v = Value::Timestamp(1640003696, 789000);
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp, 3), v), "2021-12-20 12:34:56.789");
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp, 0), v), "2021-12-20 12:34:56");
  FormatOptions plus8{*TimeZone::Parse("+08:00")};
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp, 6), v, plus8), "2021-12-20 20:34:56.789000");
  FormatOptions minus530{*TimeZone::Parse("-05:30")};
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), v, minus530), "2021-12-20 07:04:56");
  // Crossing midnight and a leap day.
  FormatOptions plus14{*TimeZone::Parse("+1400")};
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), Value::Timestamp(951782400, 0), plus14),
            "2000-02-29 14:00:00");
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), Value::Timestamp(951782399, 0), minus530),
            "2000-02-28 18:29:59");
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), Value::Timestamp(2147483647, 0)),
            "2038-01-19 03:14:07");
}

TEST(ValueFormat, ZeroTimestamp) {
  FormatOptions plus8{*TimeZone::Parse("+08:00")};
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), Value::Timestamp(0, 0), plus8),
            "0000-00-00 00:00:00");
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp, 2), Value::Timestamp(0, 0)), "0000-00-00 00:00:00.00");
}

TEST(ValueFormat, TimestampInIanaZoneFollowsDst) {
  auto ny = TimeZone::Parse("America/New_York");
  ASSERT_TRUE(ny.ok()) << ny.status().ToString();
  FormatOptions o{*ny};
  // 2021-07-01 12:00:00 UTC is EDT (-4); 2021-12-01 12:00:00 UTC is EST (-5).
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), Value::Timestamp(1625140800, 0), o),
            "2021-07-01 08:00:00");
  EXPECT_EQ(Text(Col(ColumnType::kTimestamp), Value::Timestamp(1638360000, 0), o),
            "2021-12-01 07:00:00");
  auto sh = TimeZone::Parse("Asia/Shanghai");
  ASSERT_TRUE(sh.ok());
  EXPECT_EQ(sh->OffsetAt(1640003696), 8 * 3600);
}

TEST(TimeZone, RejectsUnknownNames) {
  EXPECT_FALSE(TimeZone::Parse("Mars/Olympus").ok());
  EXPECT_FALSE(TimeZone::Parse("+25:00").ok());
  EXPECT_FALSE(TimeZone::Parse("../etc/passwd").ok());
  EXPECT_EQ(TimeZone::Parse("UTC")->OffsetAt(0), 0);
  EXPECT_EQ(TimeZone::Parse("-03:00")->name(), "-03:00");
}

TEST(ValueFormat, YearEnumSetBitAreIntegerText) {
  EXPECT_EQ(Text(Col(ColumnType::kYear), Value::UInt(2024)), "2024");
  EXPECT_EQ(Text(Col(ColumnType::kYear), Value::UInt(0)), "0");
  EXPECT_EQ(Text(Col(ColumnType::kEnum), Value::UInt(1)), "1");
  EXPECT_EQ(Text(Col(ColumnType::kSet), Value::UInt(3)), "3");
  EXPECT_EQ(Text(Col(ColumnType::kBit), Value::UInt(65)), "65");
  EXPECT_EQ(Text(Col(ColumnType::kBit), Value::UInt(0xFFFFFFFFFFFFFFFFull)),
            "18446744073709551615");
}

TEST(ValueFormat, StringsAreRawBytes) {
  EXPECT_EQ(Text(Col(ColumnType::kVarChar), Value::String("héllo")), "héllo");
  std::string raw("\x00\xff\x10", 3);
  EXPECT_EQ(Text(Col(ColumnType::kBlob), Value::String(raw)), raw);
  EXPECT_EQ(Text(Col(ColumnType::kJson), Value::String(R"({"a": 1})")), R"({"a": 1})");
}

TEST(ValueFormat, BinaryColumnDetection) {
  Column c = Col(ColumnType::kVarChar);
  EXPECT_FALSE(IsBinaryColumn(c));
  c.collation = kBinaryCollation;
  EXPECT_TRUE(IsBinaryColumn(c));
  EXPECT_TRUE(IsBinaryColumn(Col(ColumnType::kVarBinary)));
  EXPECT_TRUE(IsBinaryColumn(Col(ColumnType::kLongBlob)));
  EXPECT_FALSE(IsBinaryColumn(Col(ColumnType::kText)));
  EXPECT_FALSE(IsBinaryColumn(Col(ColumnType::kJson)));
  EXPECT_TRUE(IsBinaryColumn(Col(ColumnType::kGeometry)));
}

TEST(TypeFamily, MembersDifferOnlyInSize) {
  for (auto t : {ColumnType::kTinyInt, ColumnType::kSmallInt, ColumnType::kMediumInt,
                 ColumnType::kInt, ColumnType::kBigInt}) {
    EXPECT_EQ(FamilyOf(t), TypeFamily::kInteger) << ColumnTypeName(t);
  }
  for (auto t : {ColumnType::kChar, ColumnType::kVarChar, ColumnType::kTinyText, ColumnType::kText,
                 ColumnType::kMediumText, ColumnType::kLongText}) {
    EXPECT_EQ(FamilyOf(t), TypeFamily::kText) << ColumnTypeName(t);
  }
  for (auto t : {ColumnType::kBinary, ColumnType::kVarBinary, ColumnType::kTinyBlob,
                 ColumnType::kBlob, ColumnType::kMediumBlob, ColumnType::kLongBlob}) {
    EXPECT_EQ(FamilyOf(t), TypeFamily::kBytes) << ColumnTypeName(t);
  }
  EXPECT_EQ(FamilyOf(ColumnType::kDouble), TypeFamily::kFloatingPoint);
  EXPECT_EQ(FamilyOf(ColumnType::kTimestamp), TypeFamily::kTimestamp);
  EXPECT_EQ(FamilyOf(ColumnType::kDateTime), TypeFamily::kDateTime);
  EXPECT_EQ(FamilyOf(ColumnType::kGeometry), TypeFamily::kGeometry);
}

TEST(ValueFormat, EnumAndSetNames) {
  Column e = Col(ColumnType::kEnum);
  e.elements = {"red", "green"};
  EXPECT_EQ(EnumName(e, 2), "green");
  EXPECT_EQ(EnumName(e, 0), "");  // MySQL's error value
  EXPECT_EQ(EnumName(e, 3), "");
  Column s = Col(ColumnType::kSet);
  s.elements = {"a", "b", "c"};
  std::string out = "x=";
  AppendSetNames(s, 0b101, &out);
  EXPECT_EQ(out, "x=a,c");
  out.clear();
  AppendSetNames(s, 0b1000, &out);  // a bit without a member
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace sluice::model
