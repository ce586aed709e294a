// CheckResult: one requirement verified by a pre-flight check (`sluice check`, the console's
// "Test" button, a connector's Check()), with what was observed and the fix. Every pre-flight
// in sluice returns a list of these, so the CLI, the API and the logs show them alike.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::base {

struct CheckResult {
  std::string name;  // e.g. "write topic-a"
  bool passed = false;
  std::string detail;    // what was observed
  std::string fix;       // what to do when !passed (empty when passed)
  bool skipped = false;  // not verified (detail says why); passed is true then
};

CheckResult CheckPass(std::string name, std::string detail);
CheckResult CheckFail(std::string name, std::string detail, std::string fix);
CheckResult CheckSkip(std::string name, std::string why);

// One line per check: "PASS name: detail", "SKIP ...", "FAIL name: detail\n  fix: ...".
std::string FormatCheckResults(const std::vector<CheckResult>& results);

// True when no check failed.
bool AllPassed(const std::vector<CheckResult>& results);

// Logs every check (logger "check": PASS/SKIP at info, FAIL at error) and returns OK, or
// FailedPrecondition "<what>: N of M <kind> checks failed: name: detail (fix: ...); ..." naming
// every failure with its fix.
Status LogAndSummarize(std::string_view what, std::string_view kind,
                       const std::vector<CheckResult>& results);

}  // namespace sluice::base
