#include "base/text.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

namespace sluice::base {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool ParseBool(std::string_view s, bool* out) {
  static const std::set<std::string_view> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static const std::set<std::string_view> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
  if (kTrue.count(s)) return *out = true, true;
  if (kFalse.count(s)) return *out = false, true;
  return false;
}

bool ParseGoDuration(std::string_view s, std::chrono::milliseconds* out) {
  if (s.empty()) return false;
  if (s == "0") return *out = std::chrono::milliseconds(0), true;
  long double total_ns = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start) return false;
    std::string num(s.substr(start, i - start));
    if (std::count(num.begin(), num.end(), '.') > 1 || num == ".") return false;
    long double value = std::stold(num);
    size_t ustart = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    long double mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e3;
    } else if (unit == "ms") {
      mult = 1e6;
    } else if (unit == "s") {
      mult = 1e9;
    } else if (unit == "m") {
      mult = 60e9;
    } else if (unit == "h") {
      mult = 3600e9;
    } else {
      return false;
    }
    total_ns += value * mult;
  }
  if (total_ns > 1e18L) return false;
  *out = std::chrono::milliseconds(static_cast<int64_t>(total_ns / 1e6L));
  return true;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms != 0 && ms % 3600000 == 0) return fmt::format("{}h", ms / 3600000);
  if (ms != 0 && ms % 60000 == 0) return fmt::format("{}m", ms / 60000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

}  // namespace sluice::base
