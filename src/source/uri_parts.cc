#include "source/uri_parts.h"

#include <charconv>
#include <limits>

#include "base/percent_encoding.h"
#include "base/text.h"

namespace sluice::source {

namespace {

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

base::Result<UriAuthority> ParseUriAuthority(std::string_view userinfo, std::string_view hostport) {
  UriAuthority a;
  size_t colon = userinfo.find(':');
  if (!base::PercentDecode(userinfo.substr(0, colon), &a.user) || a.user.empty()) {
    return base::InvalidArgument("source URI user is empty or badly percent-encoded");
  }
  if (colon != std::string_view::npos &&
      !base::PercentDecode(userinfo.substr(colon + 1), &a.password)) {
    return base::InvalidArgument("source URI password for user '{}' is badly percent-encoded",
                                 a.user);
  }

  // host[:port], [v6]:port
  std::string_view host = hostport;
  std::string_view port;
  if (hostport.starts_with('[')) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("source URI host '{}' has an unterminated '['", hostport);
    }
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return base::InvalidArgument("source URI host '{}' is malformed", hostport);
      }
      port = after.substr(1);
    }
  } else if (size_t pc = hostport.rfind(':'); pc != std::string_view::npos) {
    host = hostport.substr(0, pc);
    port = hostport.substr(pc + 1);
  }
  if (host.empty()) return base::InvalidArgument("source URI has an empty host");
  a.host = std::string(host);
  if (!port.empty() || hostport.ends_with(':')) {
    uint16_t p = 0;
    if (!ParseNumber(port, &p) || p == 0) {
      return base::InvalidArgument("source URI port '{}' is not a number in 1..65535", port);
    }
    a.port = p;
  }
  return a;
}

base::Status ParseDurationOption(std::string_view name, std::string_view text,
                                 std::chrono::milliseconds min, std::chrono::milliseconds max,
                                 std::chrono::milliseconds* out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  uint64_t n = 0;
  std::string_view unit = text.substr(digits);
  int64_t scale = unit == "ms"  ? 1
                  : unit == "s" ? 1000
                  : unit == "m" ? 60'000
                  : unit == "h" ? 3'600'000
                                : 0;
  if (digits == 0 || scale == 0 || !ParseNumber(text.substr(0, digits), &n) ||
      n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / scale)) {
    return base::InvalidArgument("option {}='{}' is not a duration; use e.g. 500ms, 10s, 2m or 1h",
                                 name, text);
  }
  std::chrono::milliseconds d(static_cast<int64_t>(n) * scale);
  if (d < min || d > max) {
    return base::InvalidArgument("option {}={} is out of range; allowed {}..{}", name, text,
                                 base::FormatDurationMs(min.count()),
                                 base::FormatDurationMs(max.count()));
  }
  *out = d;
  return base::Status::Ok();
}

}  // namespace sluice::source
