#include "codec/common/decimal_bytes.h"

#include <gtest/gtest.h>

#include "model/value_text.h"

namespace sluice::codec {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string Bytes(std::string_view text, uint8_t scale) {
  std::string out;
  auto st = AppendDecimalBytes(text, scale, &out);
  EXPECT_TRUE(st.ok()) << st.message();
  return Hex(out);
}

TEST(DecimalBytes, TwosComplementInFewestBytes) {
  EXPECT_EQ(Bytes("0", 0), "00");
  EXPECT_EQ(Bytes("-0.00", 2), "00");
  EXPECT_EQ(Bytes("1", 0), "01");
  EXPECT_EQ(Bytes("-1", 0), "ff");
  EXPECT_EQ(Bytes("127", 0), "7f");
  EXPECT_EQ(Bytes("128", 0), "0080");
  EXPECT_EQ(Bytes("-128", 0), "80");
  EXPECT_EQ(Bytes("-129", 0), "ff7f");
  EXPECT_EQ(Bytes("255", 0), "00ff");
  EXPECT_EQ(Bytes("1.5", 1), "0f");
  EXPECT_EQ(Bytes("12.3", 3), "300c");  // unscaled 12300
  EXPECT_EQ(Bytes("-0.5", 4), "ec78");  // -5000
  EXPECT_EQ(Bytes("-0.000000000000000000000000000001", 30), "ff");
  // 10^65 - 1: 216 bits plus a sign bit.
  EXPECT_EQ(Bytes("99999999999999999999999999999999999.999999999999999999999999999999", 30),
            "00f316271c7fc3908a8bef464e3945ef7a253609ffffffffffffffff");
}

TEST(DecimalBytes, TrailingZerosBeyondScaleAreDroppedOtherDigitsAreErrors) {
  EXPECT_EQ(Bytes("1.50", 1), "0f");
  std::string out;
  auto st = AppendDecimalBytes("1.23", 1, &out);
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("1.23"), std::string::npos);
  EXPECT_FALSE(AppendDecimalBytes("abc", 0, &out).ok());
  EXPECT_FALSE(AppendDecimalBytes("", 0, &out).ok());
}

// Kafka Connect's Decimal (Debezium) reads the same bytes as Java's BigInteger.
TEST(DecimalBytes, MatchJavaBigInteger) {
  auto b64 = [](std::string_view text, uint8_t scale) {
    std::string bytes, out;
    EXPECT_TRUE(AppendDecimalBytes(text, scale, &bytes).ok()) << text;
    model::AppendBase64(bytes, &out);
    return out;
  };
  EXPECT_EQ(b64("12.34", 2), "BNI=");
  EXPECT_EQ(b64("0", 0), "AA==");
  EXPECT_EQ(b64("-0.00", 2), "AA==");
  EXPECT_EQ(b64("1.28", 2), "AIA=");
  EXPECT_EQ(b64("-1.28", 2), "gA==");
  EXPECT_EQ(b64("-1.29", 2), "/38=");
  EXPECT_EQ(b64("1.5", 3), "Bdw=") << "scale pads: 1500";
  // 10^65 - 1 (DECIMAL(65,30) max) round-trips through base-256.
  std::string nines(35, '9');
  nines += "." + std::string(30, '9');
  std::string bytes;
  ASSERT_TRUE(AppendDecimalBytes(nines, 30, &bytes).ok());
  ASSERT_EQ(bytes.size(), 28u);  // 216 bits + a sign byte
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), 0x00);
  EXPECT_EQ(static_cast<uint8_t>(bytes[1]), 0xF3);
}

TEST(DecimalBytes, UnsignedIntegersGetASignByteWhenTheTopBitIsSet) {
  auto hex = [](uint64_t v) {
    std::string out;
    AppendUnsignedBytes(v, &out);
    return Hex(out);
  };
  EXPECT_EQ(hex(0), "00");
  EXPECT_EQ(hex(127), "7f");
  EXPECT_EQ(hex(128), "0080");
  EXPECT_EQ(hex(65535), "00ffff");
  EXPECT_EQ(hex(18446744073709551615ull), "00ffffffffffffffff");
  std::string text;
  ASSERT_TRUE(AppendDecimalBytes("18446744073709551615", 0, &text).ok());
  EXPECT_EQ(hex(18446744073709551615ull), Hex(text));
}

}  // namespace
}  // namespace sluice::codec
