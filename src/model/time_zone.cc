#include "model/time_zone.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace sluice::model {
namespace {

bool ParseFixedOffset(std::string_view s, int32_t* out) {
  // [+-]HH[:MM] or [+-]HHMM
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return false;
  int sign = s[0] == '-' ? -1 : 1;
  std::string digits;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':' && i == 3) continue;
    if (c < '0' || c > '9') return false;
    digits.push_back(c);
  }
  if (digits.size() != 2 && digits.size() != 4) return false;
  int hh = (digits[0] - '0') * 10 + (digits[1] - '0');
  int mm = digits.size() == 4 ? (digits[2] - '0') * 10 + (digits[3] - '0') : 0;
  if (hh > 14 || mm > 59) return false;
  *out = sign * (hh * 3600 + mm * 60);
  return true;
}

uint32_t BE32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
int64_t BE64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t{BE32(p)} << 32) | BE32(p + 4));
}

}  // namespace

TimeZone TimeZone::FixedOffset(int32_t offset_seconds) {
  TimeZone tz;
  tz.fixed_offset_ = offset_seconds;
  int32_t a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char buf[16];
  snprintf(buf, sizeof(buf), "%c%02d:%02d", offset_seconds < 0 ? '-' : '+', a / 3600,
           (a % 3600) / 60);
  tz.name_ = buf;
  return tz;
}

base::Result<TimeZone> TimeZone::Parse(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "utc" || name == "Z" || name == "Etc/UTC") {
    return TimeZone();
  }
  int32_t off = 0;
  if (ParseFixedOffset(name, &off)) return FixedOffset(off);
  std::string path;
  if (name == "System" || name == "system" || name == "Local" || name == "local") {
    // TiCDC's default: the server's zone, from $TZ or /etc/localtime (UTC if neither exists).
    const char* tz = std::getenv("TZ");
    if (tz && *tz && *tz != ':') return Parse(tz);
    path = "/etc/localtime";
    if (!std::ifstream(path)) return TimeZone();
  }
  if (path.empty() && (name.find("..") != std::string_view::npos || name.front() == '/')) {
    return base::InvalidArgument(
        "time zone '{}' is not valid; use UTC, an offset like +08:00 or an IANA name", name);
  }
  if (path.empty()) {
    const char* dir = std::getenv("TZDIR");
    path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  }
  std::ifstream f(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&] {
    return base::InvalidArgument(
        "time zone '{}' is not in the TZ database ({}); use UTC, an offset like +08:00 or an "
        "IANA name such as Asia/Shanghai",
        name, path);
  };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  if (n < 44 || data.compare(0, 4, "TZif") != 0) return bad();
  // Header counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt at offset 20.
  auto counts = [&](size_t at, uint32_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = BE32(p + at + 20 + 4 * i);
  };
  uint32_t c[6];
  counts(0, c);
  size_t at = 0;
  int time_size = 4;
  if (data[4] >= '2') {
    size_t v1 = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (n < v1 + 44 || data.compare(v1, 4, "TZif") != 0) return bad();
    at = v1;
    counts(at, c);
    time_size = 8;
  }
  uint32_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4], chars = c[5];
  size_t body = at + 44;
  size_t need = body + timecnt * time_size + timecnt + typecnt * 6 + chars +
                leap * (time_size + 4) + isstd + isut;
  if (n < need || typecnt == 0) return bad();
  const unsigned char* times = p + body;
  const unsigned char* idx = times + timecnt * time_size;
  const unsigned char* types = idx + timecnt;
  auto type_offset = [&](uint32_t t) -> int32_t {
    return static_cast<int32_t>(BE32(types + 6 * std::min(t, typecnt - 1)));
  };
  auto tr = std::make_shared<Transitions>();
  // Initial offset: the first non-DST type (RFC 8536 3.2), else type 0.
  tr->initial_offset = type_offset(0);
  for (uint32_t t = 0; t < typecnt; ++t) {
    if (types[6 * t + 4] == 0) {
      tr->initial_offset = type_offset(t);
      break;
    }
  }
  for (uint32_t i = 0; i < timecnt; ++i) {
    int64_t when = time_size == 8 ? BE64(times + 8 * i) : static_cast<int32_t>(BE32(times + 4 * i));
    tr->times.push_back(when);
    tr->offsets.push_back(type_offset(idx[i]));
  }
  TimeZone tz;
  tz.name_ = std::string(name);
  tz.transitions_ = std::move(tr);
  return tz;
}

int32_t TimeZone::OffsetAt(int64_t epoch_seconds) const {
  if (!transitions_) return fixed_offset_;
  const auto& t = *transitions_;
  auto it = std::upper_bound(t.times.begin(), t.times.end(), epoch_seconds);
  if (it == t.times.begin()) return t.initial_offset;
  return t.offsets[static_cast<size_t>(it - t.times.begin()) - 1];
}

}  // namespace sluice::model
