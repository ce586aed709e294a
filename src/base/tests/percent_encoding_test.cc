#include "base/percent_encoding.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

TEST(PercentEncoding, DecodesEscapesAndOptionallyPlus) {
  std::string out;
  ASSERT_TRUE(PercentDecode("p%40ss%2Fw+rd", &out));
  EXPECT_EQ(out, "p@ss/w+rd");
  ASSERT_TRUE(PercentDecode("a+b", &out, {.plus_is_space = true}));
  EXPECT_EQ(out, "a b");
}

TEST(PercentEncoding, MalformedEscapeFailsUnlessLenient) {
  std::string out;
  EXPECT_FALSE(PercentDecode("100%", &out));
  EXPECT_FALSE(PercentDecode("%zz", &out));
  ASSERT_TRUE(PercentDecode("100%-%41", &out, {.lenient = true}));
  EXPECT_EQ(out, "100%-A");
}

TEST(PercentEncoding, EncodesAllButUnreservedAndAlsoSafe) {
  EXPECT_EQ(PercentEncode("a b@c/d~"), "a%20b%40c%2Fd~");
  EXPECT_EQ(PercentEncode("a b@c/d,*:", "/:*,"), "a%20b%40c/d,*:");
  std::string back;
  ASSERT_TRUE(PercentDecode(PercentEncode("\x01\xff%"), &back));
  EXPECT_EQ(back, "\x01\xff%");
}

}  // namespace
}  // namespace sluice::base
