#include "base/status.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("{} is odd; pass an even number", x);
  return x / 2;
}

Result<int> Quarter(int x) {
  SLUICE_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, ActionFollowsCode) {
  EXPECT_EQ(Unavailable("broker down").action(), Action::kRetry);
  EXPECT_EQ(DeadlineExceeded("slow").action(), Action::kRetry);
  EXPECT_EQ(FailedPrecondition("binlog_format").action(), Action::kStop);
  EXPECT_EQ(InvalidArgument("bad").action(), Action::kStop);
  EXPECT_EQ(DataLoss("crc").action(), Action::kFatal);
  EXPECT_EQ(Status::Ok().action(), Action::kNone);
}

TEST(Status, ResultPropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "3 is odd; pass an even number");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(Status, WithContextPrefixesMessage) {
  Status s = NotFound("table t").WithContext("changefeed cf1");
  EXPECT_EQ(s.message(), "changefeed cf1: table t");
  EXPECT_EQ(CodeName(s.code()), "NOT_FOUND");
}

}  // namespace
}  // namespace sluice::base
