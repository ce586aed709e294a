#include "model/value_text.h"

#include <charconv>
#include <cmath>

namespace sluice::model {
namespace {

// Appends v zero-padded to at least `width` digits.
void AppendPadded(uint64_t v, int width, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  int len = static_cast<int>(end - buf);
  for (int i = len; i < width; ++i) out->push_back('0');
  out->append(buf, end);
}

void AppendFraction(uint32_t micros, uint8_t fsp, std::string* out) {
  if (fsp == 0) return;
  if (fsp > 6) fsp = 6;
  char buf[6];
  uint32_t m = micros % 1000000;
  for (int i = 5; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + m % 10);
    m /= 10;
  }
  out->push_back('.');
  out->append(buf, fsp);
}

void AppendHms(uint32_t h, uint32_t m, uint32_t s, std::string* out) {
  AppendPadded(h, 2, out);
  out->push_back(':');
  AppendPadded(m, 2, out);
  out->push_back(':');
  AppendPadded(s, 2, out);
}

// Go strconv.FormatFloat(v, 'f', -1, bits): the shortest digits that round-trip, laid out in
// fixed notation (padding with zeros, never printing digits beyond the shortest ones).
// std::to_chars(fixed) differs for large magnitudes (it prints the exact binary value), so take
// the shortest scientific form and re-layout it.
template <typename F>
void AppendShortestFixed(F v, std::string* out) {
  if (!std::isfinite(v)) {
    out->push_back('0');
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  if (ec != std::errc()) {
    out->push_back('0');
    return;
  }
  // buf: [-]d[.ddd]e(+|-)XX
  const char* p = buf;
  if (*p == '-') out->push_back(*p++);
  char digits[32];
  int nd = 0;
  while (p < end && *p != 'e') {
    if (*p != '.') digits[nd++] = *p;
    ++p;
  }
  int exp = 0;
  std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), end, exp);
  // Value = 0.digits * 10^(exp+1); `point` digits go before the decimal point.
  int point = exp + 1;
  if (point <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-point), '0');
    out->append(digits, static_cast<size_t>(nd));
  } else if (point >= nd) {
    out->append(digits, static_cast<size_t>(nd));
    out->append(static_cast<size_t>(point - nd), '0');
  } else {
    out->append(digits, static_cast<size_t>(point));
    out->push_back('.');
    out->append(digits + point, static_cast<size_t>(nd - point));
  }
}

}  // namespace

void AppendUInt(uint64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendFloat32(float v, std::string* out) { AppendShortestFixed(v, out); }
void AppendFloat64(double v, std::string* out) { AppendShortestFixed(v, out); }

void AppendDoubleRoundTrip(double v, std::string* out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendFloat32RoundTrip(float v, std::string* out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendDoubleScientific(double v, std::string* out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  out->append(buf, ec == std::errc() ? end : buf);
}

float Float32FromDouble(double d) {
  float nearest = static_cast<float>(d);
  if (!std::isfinite(nearest) || static_cast<double>(nearest) == d) return nearest;
  // `d` came from a decimal text; if that text was a float's shortest form, that float prints
  // the same digits. Rounding twice (text -> double -> float) can miss it by one step.
  for (float f : {nearest, std::nextafter(nearest, -INFINITY), std::nextafter(nearest, INFINITY)}) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
    double back = 0;
    if (ec == std::errc() && std::from_chars(buf, end, back).ec == std::errc() && back == d) {
      return f;
    }
  }
  return nearest;
}

void AppendDate(const Temporal& t, std::string* out) {
  if (t.year < 0) out->push_back('-');
  AppendPadded(static_cast<uint64_t>(t.year < 0 ? -static_cast<int64_t>(t.year) : t.year), 4, out);
  out->push_back('-');
  AppendPadded(t.month, 2, out);
  out->push_back('-');
  AppendPadded(t.day, 2, out);
}

void AppendDateTime(const Temporal& t, uint8_t fsp, std::string* out) {
  AppendDate(t, out);
  out->push_back(' ');
  AppendHms(t.hour, t.minute, t.second, out);
  AppendFraction(t.micros, fsp, out);
}

void AppendTime(const Temporal& t, uint8_t fsp, std::string* out) {
  if (t.negative) out->push_back('-');
  AppendHms(t.hour, t.minute, t.second, out);
  AppendFraction(t.micros, fsp, out);
}

void AppendTimestamp(int64_t epoch_seconds, uint32_t micros, uint8_t fsp, const TimeZone& tz,
                     std::string* out) {
  Temporal t;
  if (epoch_seconds == 0 && micros == 0) {
    AppendDateTime(t, fsp, out);  // MySQL zero TIMESTAMP
    return;
  }
  int64_t local = epoch_seconds + tz.OffsetAt(epoch_seconds);
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  t.year = static_cast<int32_t>(y);
  t.month = static_cast<uint8_t>(m);
  t.day = static_cast<uint8_t>(d);
  t.hour = static_cast<uint32_t>(secs / 3600);
  t.minute = static_cast<uint8_t>((secs % 3600) / 60);
  t.second = static_cast<uint8_t>(secs % 60);
  t.micros = micros;
  AppendDateTime(t, fsp, out);
}

// H. Hinnant's algorithms.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

void SetDateFromDays(int64_t days, Temporal* t) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  t->year = static_cast<int32_t>(y);
  t->month = static_cast<uint8_t>(m);
  t->day = static_cast<uint8_t>(d);
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void AppendBase64(std::string_view in, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out->reserve(out->size() + (in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->append("==");
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back('=');
  }
}

void AppendValueText(const Column& column, const Value& value, const FormatOptions& options,
                     std::string* out) {
  using Kind = Value::Kind;
  switch (value.kind()) {
    case Kind::kAbsent:
    case Kind::kNull:
      return;
    case Kind::kInt:
      AppendInt(value.as_int(), out);
      return;
    case Kind::kUInt:
      AppendUInt(value.as_uint(), out);
      return;
    case Kind::kFloat:
      AppendFloat32(static_cast<float>(value.as_double()), out);
      return;
    case Kind::kDouble:
      if (column.type == ColumnType::kFloat) {
        AppendFloat32(static_cast<float>(value.as_double()), out);
      } else {
        AppendFloat64(value.as_double(), out);
      }
      return;
    case Kind::kDecimal:
    case Kind::kString:
      out->append(value.as_string());
      return;
    case Kind::kDate:
      AppendDate(value.as_temporal(), out);
      return;
    case Kind::kTime:
      AppendTime(value.as_temporal(), column.fsp, out);
      return;
    case Kind::kDateTime:
      AppendDateTime(value.as_temporal(), column.fsp, out);
      return;
    case Kind::kTimestamp:
      AppendTimestamp(value.timestamp_seconds(), value.timestamp_micros(), column.fsp,
                      options.time_zone, out);
      return;
  }
}

std::string_view EnumName(const Column& column, uint64_t index) {
  return index >= 1 && index <= column.elements.size()
             ? std::string_view(column.elements[index - 1])
             : std::string_view();
}

void AppendSetNames(const Column& column, uint64_t bits, std::string* out) {
  bool first = true;
  for (size_t i = 0; i < column.elements.size() && i < 64; ++i) {
    if (!(bits >> i & 1)) continue;
    if (!first) out->push_back(',');
    out->append(column.elements[i]);
    first = false;
  }
}

}  // namespace sluice::model
