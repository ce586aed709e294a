// The value normalization behind `sluice diff`: the MariaDB and PostgreSQL text forms of one
// value compare equal, different values do not.
#include <gtest/gtest.h>

#include "diff/table_diff.h"

namespace sluice::diff {
namespace {

TEST(TableDiffNormalize, SameValueInBothDatabasesNormalizesEqually) {
  using C = DiffCategory;
  EXPECT_EQ(NormalizeValue(C::kNumeric, false, "1.50"), NormalizeValue(C::kNumeric, true, "1.5"));
  EXPECT_EQ(NormalizeValue(C::kNumeric, false, "-0.00"), "0");
  EXPECT_EQ(NormalizeValue(C::kBool, false, "1"), NormalizeValue(C::kBool, true, "t"));
  EXPECT_EQ(NormalizeValue(C::kBinary, false, std::string("\x01\xab", 2)),
            NormalizeValue(C::kBinary, true, "\\x01ab"));
  EXPECT_EQ(NormalizeValue(C::kBit, false, std::string("\x00\x05", 2)),
            NormalizeValue(C::kBit, true, "00101"));
  EXPECT_EQ(NormalizeValue(C::kJson, false, "{\"b\": 1, \"a\": [1, 2]}"),
            NormalizeValue(C::kJson, true, "{\"a\": [1, 2], \"b\": 1}"));
  EXPECT_EQ(NormalizeValue(C::kTemporal, false, "2024-01-02 03:04:05.120000"),
            NormalizeValue(C::kTemporal, true, "2024-01-02 03:04:05.12+00"));
  // Single precision compared as single precision: MariaDB's CAST(f AS DOUBLE) text and
  // PostgreSQL's real text of one float are equal; neighbouring floats and doubles are not.
  EXPECT_EQ(NormalizeValue(C::kFloat, false, "866.9984741210938"),
            NormalizeValue(C::kFloat, true, "866.9985"));
  EXPECT_NE(NormalizeValue(C::kFloat, false, "3.14159"),
            NormalizeValue(C::kFloat, true, "3.1415927"));
  EXPECT_EQ(NormalizeValue(C::kDouble, false, "1e300"), NormalizeValue(C::kDouble, true, "1e+300"));
  EXPECT_NE(NormalizeValue(C::kDouble, false, "0.30000000000000004"),
            NormalizeValue(C::kDouble, true, "0.3"));
  EXPECT_NE(NormalizeValue(C::kNumeric, false, "1.5"), NormalizeValue(C::kNumeric, true, "1.51"));
  EXPECT_NE(NormalizeValue(C::kTemporal, false, "2024-01-02 03:04:05"),
            NormalizeValue(C::kTemporal, true, "2024-01-02 03:04:06+00"));
}

}  // namespace
}  // namespace sluice::diff
