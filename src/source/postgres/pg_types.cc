#include "source/postgres/pg_types.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "base/byte_reader.h"
#include "model/value_text.h"

namespace sluice::source::postgres {

namespace {

using model::ColumnType;
using model::Temporal;
using model::Value;

// Characters -> bytes for utf8mb4 columns (canal-json prints char/varchar lengths in chars).
constexpr uint32_t kMaxBytesPerChar = 4;

void SetText(model::Column* c, ColumnType type, uint32_t chars) {
  c->type = type;
  c->collation = kUtf8Collation;
  c->length = chars * kMaxBytesPerChar;
}

// A tiny cursor over text.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool Done() const { return i >= s.size(); }
  bool Eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Reads [min_digits, max_digits] decimal digits.
  bool Digits(size_t min_digits, size_t max_digits, uint64_t* out) {
    size_t start = i;
    uint64_t v = 0;
    while (i < s.size() && i - start < max_digits && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      ++i;
    }
    *out = v;
    return i - start >= min_digits;
  }
  // ".ffffff" (1..6 digits) -> microseconds; absent -> 0.
  bool Fraction(uint32_t* micros) {
    *micros = 0;
    if (!Eat('.')) return true;
    size_t start = i;
    uint64_t v = 0;
    if (!Digits(1, 6, &v)) return false;
    for (size_t n = i - start; n < 6; ++n) v *= 10;
    *micros = static_cast<uint32_t>(v);
    return true;
  }
};

bool ParseDatePart(Cursor* c, Temporal* t) {
  uint64_t y, m, d;
  if (!c->Digits(4, 9, &y) || !c->Eat('-') || !c->Digits(2, 2, &m) || !c->Eat('-') ||
      !c->Digits(2, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31) {
    return false;
  }
  t->year = static_cast<int32_t>(y);
  t->month = static_cast<uint8_t>(m);
  t->day = static_cast<uint8_t>(d);
  return true;
}

bool ParseTimePart(Cursor* c, Temporal* t) {
  uint64_t h, mi, s;
  if (!c->Digits(2, 2, &h) || !c->Eat(':') || !c->Digits(2, 2, &mi) || !c->Eat(':') ||
      !c->Digits(2, 2, &s) || h > 24 || mi > 59 || s > 60 || !c->Fraction(&t->micros)) {
    return false;
  }
  t->hour = static_cast<uint32_t>(h);
  t->minute = static_cast<uint8_t>(mi);
  t->second = static_cast<uint8_t>(s);
  return true;
}

// "+HH[:MM[:SS]]" or "-HH..." -> seconds east of UTC.
bool ParseOffset(Cursor* c, int64_t* seconds) {
  int sign = c->Eat('+') ? 1 : c->Eat('-') ? -1 : 0;
  uint64_t h = 0, m = 0, s = 0;
  if (sign == 0 || !c->Digits(2, 2, &h)) return false;
  if (c->Eat(':') && !c->Digits(2, 2, &m)) return false;
  if (c->Eat(':') && !c->Digits(2, 2, &s)) return false;
  *seconds = sign * static_cast<int64_t>(h * 3600 + m * 60 + s);
  return true;
}

template <typename T>
bool ParseInt(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// float4 text is parsed as a float (not a double then narrowed: rounding twice can pick the
// neighbour of the value the server printed).
template <typename F>
bool ParseDouble(std::string_view s, F* out) {
  // from_chars does not take a leading '+', and spells infinity "inf"/"infinity".
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea text output: hex ("\x0102") or the legacy escape format ("a\\001\\\\").
bool DecodeBytea(std::string_view text, std::string* out) {
  out->clear();
  if (text.starts_with("\\x")) {
    if (text.size() % 2 != 0) return false;
    out->reserve((text.size() - 2) / 2);
    for (size_t i = 2; i < text.size(); i += 2) {
      int hi = HexNibble(text[i]), lo = HexNibble(text[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi << 4 | lo));
    }
    return true;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out->push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out->push_back('\\');
      ++i;
    } else if (i + 3 < text.size()) {
      int v = 0;
      for (int k = 1; k <= 3; ++k) {
        char d = text[i + k];
        if (d < '0' || d > '7') return false;
        v = v * 8 + (d - '0');
      }
      out->push_back(static_cast<char>(v));
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

// money with lc_monetary=C: "$1,234.56", "-$1,234.56" -> "1234.56".
bool DecodeMoney(std::string_view text, std::string* out) {
  out->clear();
  for (char c : text) {
    if (c == '-' && out->empty()) {
      out->push_back('-');
    } else if ((c >= '0' && c <= '9') || c == '.') {
      out->push_back(c);
    } else if (c != '$' && c != ',') {
      return false;
    }
  }
  return !out->empty() && *out != "-";
}

Value TextValue(uint32_t oid, std::string_view text) {
  switch (oid) {
    case pg_oid::kBool:
      if (text == "t") return Value::Int(1);
      if (text == "f") return Value::Int(0);
      break;
    case pg_oid::kInt2:
    case pg_oid::kInt4:
    case pg_oid::kInt8: {
      int64_t v;
      if (ParseInt(text, &v)) return Value::Int(v);
      break;
    }
    case pg_oid::kOid: {
      uint64_t v;
      if (ParseInt(text, &v)) return Value::UInt(v);
      break;
    }
    case pg_oid::kFloat4: {
      float v;
      if (ParseDouble(text, &v)) return Value::Float(v);
      break;
    }
    case pg_oid::kFloat8: {
      double v;
      if (ParseDouble(text, &v)) return Value::Double(v);
      break;
    }
    case pg_oid::kNumeric:
      return Value::Decimal(std::string(text));
    case pg_oid::kMoney: {
      std::string d;
      if (DecodeMoney(text, &d)) return Value::Decimal(std::move(d));
      break;
    }
    case pg_oid::kBytea: {
      std::string bytes;
      if (DecodeBytea(text, &bytes)) return Value::String(std::move(bytes));
      break;
    }
    case pg_oid::kDate: {
      Cursor c{text};
      Temporal t;
      if (ParseDatePart(&c, &t) && c.Done()) return Value::Date(t);
      break;
    }
    case pg_oid::kTime: {
      Cursor c{text};
      Temporal t;
      if (ParseTimePart(&c, &t) && c.Done()) return Value::Time(t);
      break;
    }
    case pg_oid::kTimestamp: {
      Cursor c{text};
      Temporal t;
      if (ParseDatePart(&c, &t) && c.Eat(' ') && ParseTimePart(&c, &t) && c.Done()) {
        return Value::DateTime(t);
      }
      break;
    }
    case pg_oid::kTimestamptz: {
      Cursor c{text};
      Temporal t;
      int64_t offset = 0;
      if (ParseDatePart(&c, &t) && c.Eat(' ') && ParseTimePart(&c, &t) &&
          ParseOffset(&c, &offset) && c.Done()) {
        int64_t days = model::DaysFromCivil(t.year, t.month, t.day);
        int64_t secs = days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - offset;
        return Value::Timestamp(secs, t.micros);
      }
      break;
    }
    default:
      break;
  }
  return Value::String(text);
}

// Binary numeric (numeric_send) -> decimal text.
bool NumericBinaryText(base::ByteReader* r, std::string* out) {
  int16_t ndigits = static_cast<int16_t>(r->ReadBE(2));
  int16_t weight = static_cast<int16_t>(r->ReadBE(2));
  uint16_t sign = static_cast<uint16_t>(r->ReadBE(2));
  int16_t dscale = static_cast<int16_t>(r->ReadBE(2));
  if (!r->ok() || ndigits < 0 || dscale < 0) return false;
  std::vector<int> digits(static_cast<size_t>(ndigits));
  for (auto& d : digits) {
    d = static_cast<int16_t>(r->ReadBE(2));
    if (d < 0 || d > 9999) return false;
  }
  if (!r->ok() || !r->empty()) return false;
  out->clear();
  if (sign == 0xC000) {
    *out = "NaN";
    return true;
  }
  if (sign == 0xD000 || sign == 0xF000) {
    *out = sign == 0xD000 ? "Infinity" : "-Infinity";
    return true;
  }
  if (sign != 0x0000 && sign != 0x4000) return false;
  auto digit = [&](int i) { return i >= 0 && i < ndigits ? digits[static_cast<size_t>(i)] : 0; };
  if (sign == 0x4000) out->push_back('-');
  if (weight < 0) {
    out->push_back('0');
  } else {
    fmt::format_to(std::back_inserter(*out), "{}", digit(0));
    for (int i = 1; i <= weight; ++i) fmt::format_to(std::back_inserter(*out), "{:04}", digit(i));
  }
  if (dscale > 0) {
    out->push_back('.');
    std::string frac;
    for (int i = weight + 1; static_cast<int>(frac.size()) < dscale; ++i) {
      fmt::format_to(std::back_inserter(frac), "{:04}", digit(i));
    }
    out->append(frac, 0, static_cast<size_t>(dscale));
  }
  return true;
}

Temporal TemporalFromMicros(int64_t micros_since_pg_epoch, int64_t* unix_seconds,
                            uint32_t* micros) {
  int64_t secs = micros_since_pg_epoch >= 0 ? micros_since_pg_epoch / 1'000'000
                                            : (micros_since_pg_epoch - 999'999) / 1'000'000;
  *micros = static_cast<uint32_t>(micros_since_pg_epoch - secs * 1'000'000);
  *unix_seconds = secs + kPgEpochUnixSeconds;
  int64_t days = *unix_seconds >= 0 ? *unix_seconds / 86400 : (*unix_seconds - 86399) / 86400;
  int64_t rem = *unix_seconds - days * 86400;
  Temporal t;
  model::SetDateFromDays(days, &t);
  t.hour = static_cast<uint32_t>(rem / 3600);
  t.minute = static_cast<uint8_t>(rem % 3600 / 60);
  t.second = static_cast<uint8_t>(rem % 60);
  t.micros = *micros;
  return t;
}

}  // namespace

void MapPgColumnType(uint32_t oid, int32_t typmod, model::Column* c) {
  // varchar/bpchar typmod = length + 4; numeric = ((precision << 16) | scale) + 4;
  // time/timestamp typmod = fractional digits.
  const bool has_mod = typmod >= 0;
  auto fsp = [&] { return static_cast<uint8_t>(has_mod && typmod <= 6 ? typmod : 6); };
  c->collation = 0;
  c->length = 0;
  switch (oid) {
    case pg_oid::kBool:
      c->type = ColumnType::kTinyInt;
      c->length = 1;
      return;
    case pg_oid::kInt2:
      c->type = ColumnType::kSmallInt;
      return;
    case pg_oid::kInt4:
      c->type = ColumnType::kInt;
      return;
    case pg_oid::kInt8:
      c->type = ColumnType::kBigInt;
      return;
    case pg_oid::kOid:
      c->type = ColumnType::kInt;
      c->is_unsigned = true;
      return;
    case pg_oid::kFloat4:
      c->type = ColumnType::kFloat;
      return;
    case pg_oid::kFloat8:
      c->type = ColumnType::kDouble;
      return;
    case pg_oid::kNumeric:
      c->type = ColumnType::kDecimal;
      if (typmod >= 4) {
        int32_t m = typmod - 4;
        c->precision = static_cast<uint8_t>(std::min(m >> 16 & 0xFFFF, 255));
        c->scale = static_cast<uint8_t>(std::min(m & 0xFFFF, 255));
      }
      return;
    case pg_oid::kMoney:
      c->type = ColumnType::kDecimal;
      c->precision = 19;
      c->scale = 2;
      return;
    case pg_oid::kChar:
      SetText(c, ColumnType::kChar, 1);
      return;
    case pg_oid::kName:
      SetText(c, ColumnType::kVarChar, 63);
      return;
    case pg_oid::kBpchar:
      if (typmod >= 4) {
        SetText(c, ColumnType::kChar, static_cast<uint32_t>(typmod - 4));
      } else {
        SetText(c, ColumnType::kLongText, 0);
      }
      return;
    case pg_oid::kVarchar:
      if (typmod >= 4) {
        SetText(c, ColumnType::kVarChar, static_cast<uint32_t>(typmod - 4));
      } else {
        SetText(c, ColumnType::kLongText, 0);
      }
      return;
    case pg_oid::kUuid:
      SetText(c, ColumnType::kChar, 36);
      return;
    case pg_oid::kInet:
    case pg_oid::kCidr:
      SetText(c, ColumnType::kVarChar, 43);
      return;
    case pg_oid::kMacaddr:
      SetText(c, ColumnType::kVarChar, 17);
      return;
    case pg_oid::kMacaddr8:
      SetText(c, ColumnType::kVarChar, 23);
      return;
    case pg_oid::kTimetz:
      SetText(c, ColumnType::kVarChar, 32);
      return;
    case pg_oid::kInterval:
      SetText(c, ColumnType::kVarChar, 64);
      return;
    case pg_oid::kBytea:
      c->type = ColumnType::kLongBlob;
      c->collation = model::kBinaryCollation;
      return;
    case pg_oid::kJson:
    case pg_oid::kJsonb:
      c->type = ColumnType::kJson;
      c->collation = kUtf8Collation;
      return;
    case pg_oid::kDate:
      c->type = ColumnType::kDate;
      return;
    case pg_oid::kTime:
      c->type = ColumnType::kTime;
      c->fsp = fsp();
      return;
    case pg_oid::kTimestamp:
      c->type = ColumnType::kDateTime;
      c->fsp = fsp();
      return;
    case pg_oid::kTimestamptz:
      c->type = ColumnType::kTimestamp;
      c->fsp = fsp();
      return;
    default:
      SetText(c, ColumnType::kLongText, 0);
      return;
  }
}

model::Value PgTextValue(uint32_t type_oid, std::string_view text) {
  return TextValue(type_oid, text);
}

base::Result<model::Value> PgBinaryValue(uint32_t oid, std::span<const uint8_t> bytes) {
  base::ByteReader r(bytes);
  auto whole = [&](size_t n) { return bytes.size() == n; };
  auto bad = [&] {
    return base::DataLoss("pgoutput binary value of type oid {} is malformed ({} bytes)", oid,
                          bytes.size());
  };
  std::string_view as_text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  switch (oid) {
    case pg_oid::kBool:
      if (!whole(1)) return bad();
      return Value::Int(bytes[0] != 0);
    case pg_oid::kInt2:
      if (!whole(2)) return bad();
      return Value::Int(static_cast<int16_t>(r.ReadBE(2)));
    case pg_oid::kInt4:
      if (!whole(4)) return bad();
      return Value::Int(static_cast<int32_t>(r.ReadBE(4)));
    case pg_oid::kInt8:
      if (!whole(8)) return bad();
      return Value::Int(static_cast<int64_t>(r.ReadBE(8)));
    case pg_oid::kOid:
      if (!whole(4)) return bad();
      return Value::UInt(r.ReadBE(4));
    case pg_oid::kFloat4: {
      if (!whole(4)) return bad();
      uint32_t u = static_cast<uint32_t>(r.ReadBE(4));
      float f;
      std::memcpy(&f, &u, 4);
      return Value::Float(f);
    }
    case pg_oid::kFloat8: {
      if (!whole(8)) return bad();
      uint64_t u = r.ReadBE(8);
      double d;
      std::memcpy(&d, &u, 8);
      return Value::Double(d);
    }
    case pg_oid::kNumeric: {
      std::string text;
      if (!NumericBinaryText(&r, &text)) return bad();
      return Value::Decimal(std::move(text));
    }
    case pg_oid::kBytea:
    case pg_oid::kText:
    case pg_oid::kVarchar:
    case pg_oid::kBpchar:
    case pg_oid::kName:
    case pg_oid::kChar:
    case pg_oid::kJson:
    case pg_oid::kXml:
      return Value::String(as_text);
    case pg_oid::kJsonb:
      if (bytes.empty() || bytes[0] != 1) return bad();
      return Value::String(as_text.substr(1));
    case pg_oid::kUuid: {
      if (!whole(16)) return bad();
      std::string s;
      for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        fmt::format_to(std::back_inserter(s), "{:02x}", bytes[i]);
      }
      return Value::String(std::move(s));
    }
    case pg_oid::kDate: {
      if (!whole(4)) return bad();
      int32_t days = static_cast<int32_t>(r.ReadBE(4));
      if (days == INT32_MAX) return Value::String("infinity");
      if (days == INT32_MIN) return Value::String("-infinity");
      Temporal t;
      model::SetDateFromDays(days + kPgEpochUnixSeconds / 86400, &t);
      if (t.year < 1) break;  // BC: no exact model form
      return Value::Date(t);
    }
    case pg_oid::kTime: {
      if (!whole(8)) return bad();
      int64_t us = static_cast<int64_t>(r.ReadBE(8));
      Temporal t;
      t.hour = static_cast<uint32_t>(us / 3'600'000'000);
      t.minute = static_cast<uint8_t>(us / 60'000'000 % 60);
      t.second = static_cast<uint8_t>(us / 1'000'000 % 60);
      t.micros = static_cast<uint32_t>(us % 1'000'000);
      return Value::Time(t);
    }
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz: {
      if (!whole(8)) return bad();
      int64_t us = static_cast<int64_t>(r.ReadBE(8));
      if (us == INT64_MAX) return Value::String("infinity");
      if (us == INT64_MIN) return Value::String("-infinity");
      int64_t secs;
      uint32_t micros;
      Temporal t = TemporalFromMicros(us, &secs, &micros);
      if (t.year < 1) break;
      if (oid == pg_oid::kTimestamptz) return Value::Timestamp(secs, micros);
      return Value::DateTime(t);
    }
    default:
      break;
  }
  return base::Unimplemented(
      "pgoutput sent a binary value of type oid {} that sluice cannot decode; start replication "
      "without the binary option (text values)",
      oid);
}

}  // namespace sluice::source::postgres
