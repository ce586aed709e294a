#include "base/byte_reader.h"

#include <gtest/gtest.h>

#include "base/crc32.h"

namespace sluice::base {
namespace {

TEST(ByteReader, ReadsLittleAndBigEndian) {
  const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  ByteReader r(bytes, sizeof bytes);
  EXPECT_EQ(r.U16(), 0x0201);
  EXPECT_EQ(r.ReadBE(2), 0x0304u);
  EXPECT_EQ(r.remaining(), 2u);
  EXPECT_TRUE(r.ok());
}

TEST(ByteReader, OverrunIsStickyAndSafe) {
  const uint8_t bytes[] = {0x01, 0x02};
  ByteReader r(bytes, sizeof bytes);
  EXPECT_EQ(r.U32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.U8(), 0u);
  EXPECT_FALSE(r.ok());
}

TEST(ByteReader, LengthEncodedIntegers) {
  const uint8_t bytes[] = {0xFA, 0xFC, 0x34, 0x12, 0xFD, 0x01, 0x02, 0x03, 0xFB};
  ByteReader r(bytes, sizeof bytes);
  EXPECT_EQ(r.LenEnc(), 0xFAu);
  EXPECT_EQ(r.LenEnc(), 0x1234u);
  EXPECT_EQ(r.LenEnc(), 0x030201u);
  EXPECT_TRUE(r.ok());
  r.LenEnc();  // 0xFB is the NULL marker, not a length
  EXPECT_FALSE(r.ok());
}

TEST(Crc32, MatchesKnownVector) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  // Incremental computation equals one-shot.
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xCBF43926u);
}

}  // namespace
}  // namespace sluice::base
