#include "base/check_result.h"

#include <gtest/gtest.h>

#include "base/secret.h"
#include "base/tcp_probe.h"

namespace sluice::base {
namespace {

TEST(CheckResult, FormatAndSummary) {
  std::vector<CheckResult> rs = {CheckPass("reachable h:1", "TCP connect ok"),
                                 CheckSkip("write t", "topic missing"),
                                 CheckFail("connect", "refused", "start it")};
  EXPECT_FALSE(AllPassed(rs));
  EXPECT_EQ(FormatCheckResults(rs),
            "PASS reachable h:1: TCP connect ok\nSKIP write t: topic missing\nFAIL connect: "
            "refused\n  fix: start it\n");
  Status st = LogAndSummarize("sink", "Kafka", rs);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_EQ(st.message(), "sink: 1 of 3 Kafka checks failed: connect: refused (fix: start it)");
  rs.pop_back();
  EXPECT_TRUE(AllPassed(rs));
  EXPECT_TRUE(LogAndSummarize("sink", "Kafka", rs).ok());
}

TEST(ProbeTcp, RefusedAndUnresolvable) {
  // Port 1 on loopback: nothing listens there.
  EXPECT_EQ(ProbeTcp("127.0.0.1", 1, std::chrono::seconds(5)), "Connection refused");
  EXPECT_EQ(ProbeTcp("no-such-host.invalid", 1, std::chrono::seconds(5)).rfind("cannot resolve", 0),
            0u);
}

TEST(Secrets, OneMaskEverywhere) {
  EXPECT_EQ(kSecretMask, "****");
  EXPECT_EQ(MaskUrlCredentials("https://u:pw@reg:8081/x"), "https://u:****@reg:8081/x");
  EXPECT_EQ(MaskUrlCredentials("http://reg:8081"), "http://reg:8081");
  EXPECT_EQ(ScrubSecrets("a hunter22 b", {"hunter22", "x"}), "a **** b");
  EXPECT_TRUE(IsSecretName("sasl-password"));
  EXPECT_TRUE(IsSecretName("API-TOKEN"));
  EXPECT_FALSE(IsSecretName("sasl-user"));
}

}  // namespace
}  // namespace sluice::base
