#include "base/check_result.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/logging.h"

namespace sluice::base {

CheckResult CheckPass(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail), "", false};
}

CheckResult CheckFail(std::string name, std::string detail, std::string fix) {
  return {std::move(name), false, std::move(detail), std::move(fix), false};
}

CheckResult CheckSkip(std::string name, std::string why) {
  return {std::move(name), true, std::move(why), "", true};
}

std::string FormatCheckResults(const std::vector<CheckResult>& results) {
  std::string out;
  for (const auto& r : results) {
    out += fmt::format("{} {}: {}\n",
                       r.skipped  ? "SKIP"
                       : r.passed ? "PASS"
                                  : "FAIL",
                       r.name, r.detail);
    if (!r.passed && !r.fix.empty()) out += fmt::format("  fix: {}\n", r.fix);
  }
  return out;
}

bool AllPassed(const std::vector<CheckResult>& results) {
  return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.passed; });
}

Status LogAndSummarize(std::string_view what, std::string_view kind,
                       const std::vector<CheckResult>& results) {
  std::string failed;
  size_t n_failed = 0;
  for (const auto& c : results) {
    if (c.passed) {
      Logger("check")->info("{} {}: {}", c.skipped ? "SKIP" : "PASS", c.name, c.detail);
    } else {
      Logger("check")->error("FAIL {}: {} (fix: {})", c.name, c.detail, c.fix);
      failed += fmt::format("{}{}: {} (fix: {})", n_failed++ ? "; " : "", c.name, c.detail, c.fix);
    }
  }
  if (n_failed == 0) return Status::Ok();
  return FailedPrecondition("{}: {} of {} {} checks failed: {}", what, n_failed, results.size(),
                            kind, failed);
}

}  // namespace sluice::base
