#include "codec/common/value_parse.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "base/text.h"
#include "model/value_text.h"

namespace sluice::codec {
namespace {

using base::ToLower;

using model::Column;
using model::ColumnType;
using model::Temporal;
using model::Value;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

template <typename T>
bool Number(std::string_view s, T* out) {
  if (s.empty()) return false;
  if constexpr (std::is_unsigned_v<T>) {
    if (s.front() == '+') s.remove_prefix(1);
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Fixed-width digits at s[pos..pos+n); false unless all digits.
bool Digits(std::string_view s, size_t pos, size_t n, uint32_t* out) {
  if (pos + n > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  *out = v;
  return true;
}

// ".ffffff" (1..9 digits, more than 6 truncated) at the end of `s` starting at pos.
bool Fraction(std::string_view s, size_t pos, uint32_t* micros) {
  *micros = 0;
  if (pos == s.size()) return true;
  if (s[pos] != '.' || pos + 1 == s.size() || s.size() - pos - 1 > 9) return false;
  uint32_t v = 0;
  size_t n = 0;
  for (size_t i = pos + 1; i < s.size(); ++i, ++n) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (n < 6) v = v * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  for (; n < 6; ++n) v *= 10;
  *micros = v;
  return true;
}

// "'a','b''c'" -> {"a", "b'c"}.
bool ParseElements(std::string_view s, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '\'') return false;
    std::string e;
    ++i;
    while (true) {
      if (i >= s.size()) return false;
      if (s[i] == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          e.push_back('\'');
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      e.push_back(s[i++]);
    }
    out->push_back(std::move(e));
    if (i < s.size()) {
      if (s[i] != ',') return false;
      ++i;
    }
  }
  return true;
}

struct TypeName {
  std::string_view name;
  ColumnType type;
};

constexpr TypeName kTypes[] = {
    {"tinyint", ColumnType::kTinyInt},
    {"bool", ColumnType::kTinyInt},
    {"boolean", ColumnType::kTinyInt},
    {"smallint", ColumnType::kSmallInt},
    {"mediumint", ColumnType::kMediumInt},
    {"int", ColumnType::kInt},
    {"integer", ColumnType::kInt},
    {"bigint", ColumnType::kBigInt},
    {"float", ColumnType::kFloat},
    {"double", ColumnType::kDouble},
    {"real", ColumnType::kDouble},
    {"decimal", ColumnType::kDecimal},
    {"numeric", ColumnType::kDecimal},
    {"dec", ColumnType::kDecimal},
    {"fixed", ColumnType::kDecimal},
    {"year", ColumnType::kYear},
    {"date", ColumnType::kDate},
    {"time", ColumnType::kTime},
    {"datetime", ColumnType::kDateTime},
    {"timestamp", ColumnType::kTimestamp},
    {"char", ColumnType::kChar},
    {"varchar", ColumnType::kVarChar},
    {"binary", ColumnType::kBinary},
    {"varbinary", ColumnType::kVarBinary},
    {"tinytext", ColumnType::kTinyText},
    {"text", ColumnType::kText},
    {"mediumtext", ColumnType::kMediumText},
    {"longtext", ColumnType::kLongText},
    {"tinyblob", ColumnType::kTinyBlob},
    {"blob", ColumnType::kBlob},
    {"mediumblob", ColumnType::kMediumBlob},
    {"longblob", ColumnType::kLongBlob},
    {"json", ColumnType::kJson},
    {"enum", ColumnType::kEnum},
    {"set", ColumnType::kSet},
    {"bit", ColumnType::kBit},
    {"geometry", ColumnType::kGeometry},
    {"point", ColumnType::kGeometry},
    {"linestring", ColumnType::kGeometry},
    {"polygon", ColumnType::kGeometry},
    {"multipoint", ColumnType::kGeometry},
    {"multilinestring", ColumnType::kGeometry},
    {"multipolygon", ColumnType::kGeometry},
    {"geometrycollection", ColumnType::kGeometry},
    {"geomcollection", ColumnType::kGeometry},
};

base::Status BadValue(const Column& c, std::string_view text, std::string_view want) {
  return base::InvalidArgument("column '{}' ({}): value '{}' is not {}", c.name,
                               model::ColumnTypeName(c.type), text.substr(0, 64), want);
}

}  // namespace

base::Status ParseMySqlType(std::string_view mysql_type, Column* c) {
  std::string t = ToLower(Trim(mysql_type));
  std::string_view s = t;
  // Base name: up to '(' or space.
  size_t end = s.find_first_of("( ");
  std::string_view base = s.substr(0, end);
  std::string_view args, rest;
  if (end != std::string_view::npos && s[end] == '(') {
    size_t close = s.rfind(')');
    if (close == std::string_view::npos || close < end) {
      return base::InvalidArgument("mysqlType '{}' of column '{}' has an unterminated '('",
                                   mysql_type, c->name);
    }
    args = s.substr(end + 1, close - end - 1);
    rest = s.substr(close + 1);
  } else if (end != std::string_view::npos) {
    rest = s.substr(end);
  }
  const TypeName* found = nullptr;
  for (const auto& tn : kTypes) {
    if (tn.name == base) found = &tn;
  }
  if (!found) {
    return base::InvalidArgument(
        "mysqlType '{}' of column '{}' is not a MySQL type sluice knows",
        mysql_type, c->name);
  }
  c->type = found->type;
  c->is_unsigned = rest.find("unsigned") != std::string_view::npos;
  if (model::FamilyOf(c->type) == model::TypeFamily::kBytes || c->type == ColumnType::kGeometry) {
    c->collation = model::kBinaryCollation;
  }
  if (args.empty()) return base::Status::Ok();
  // Elements of ENUM/SET are taken from the original (not lower-cased) text.
  if (c->type == ColumnType::kEnum || c->type == ColumnType::kSet) {
    std::string_view orig = Trim(mysql_type);
    size_t open = orig.find('(');
    size_t close = orig.rfind(')');
    if (!ParseElements(orig.substr(open + 1, close - open - 1), &c->elements)) {
      return base::InvalidArgument(
          "mysqlType '{}' of column '{}' has a malformed member list; use enum('a','b')",
          mysql_type, c->name);
    }
    return base::Status::Ok();
  }
  uint32_t a = 0, b = 0;
  size_t comma = args.find(',');
  bool ok = Number(Trim(args.substr(0, comma)), &a) &&
            (comma == std::string_view::npos || Number(Trim(args.substr(comma + 1)), &b));
  if (!ok) {
    return base::InvalidArgument("mysqlType '{}' of column '{}' has malformed arguments",
                                 mysql_type, c->name);
  }
  switch (c->type) {
    case ColumnType::kDecimal:
      c->precision = static_cast<uint8_t>(std::min<uint32_t>(a, 255));
      c->scale = static_cast<uint8_t>(std::min<uint32_t>(b, 255));
      break;
    case ColumnType::kTime:
    case ColumnType::kDateTime:
    case ColumnType::kTimestamp:
      c->fsp = static_cast<uint8_t>(std::min<uint32_t>(a, 6));
      break;
    case ColumnType::kChar:
    case ColumnType::kVarChar:
    case ColumnType::kBinary:
    case ColumnType::kVarBinary:
    case ColumnType::kBit:
      c->length = a;
      break;
    default:
      break;  // display widths
  }
  return base::Status::Ok();
}

bool ParseDateText(std::string_view s, Temporal* t) {
  uint32_t y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) ||
      !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d) || m > 12 || d > 31) {
    return false;
  }
  *t = Temporal();
  t->year = static_cast<int32_t>(y);
  t->month = static_cast<uint8_t>(m);
  t->day = static_cast<uint8_t>(d);
  return true;
}

bool ParseDateTimeText(std::string_view s, Temporal* t) {
  if (s.size() < 19 || (s[10] != ' ' && s[10] != 'T')) return false;
  if (!ParseDateText(s.substr(0, 10), t)) return false;
  uint32_t h, mi, se;
  if (s[13] != ':' || s[16] != ':' || !Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) ||
      !Digits(s, 17, 2, &se) || h > 23 || mi > 59 || se > 59) {
    return false;
  }
  t->hour = h;
  t->minute = static_cast<uint8_t>(mi);
  t->second = static_cast<uint8_t>(se);
  return Fraction(s, 19, &t->micros);
}

bool ParseTimeText(std::string_view s, Temporal* t) {
  *t = Temporal();
  if (!s.empty() && s.front() == '-') {
    t->negative = true;
    s.remove_prefix(1);
  }
  size_t c1 = s.find(':');
  if (c1 == std::string_view::npos || c1 == 0 || c1 > 3) return false;
  uint32_t h, mi, se;
  if (!Digits(s, 0, c1, &h) || s.size() < c1 + 6 || s[c1 + 3] != ':' ||
      !Digits(s, c1 + 1, 2, &mi) || !Digits(s, c1 + 4, 2, &se) || mi > 59 || se > 59 || h > 838) {
    return false;
  }
  t->hour = h;
  t->minute = static_cast<uint8_t>(mi);
  t->second = static_cast<uint8_t>(se);
  return Fraction(s, c1 + 6, &t->micros);
}

int64_t LocalToEpochSeconds(const Temporal& t, const model::TimeZone& tz) {
  int64_t local = model::DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600LL +
                  t.minute * 60LL + t.second;
  // The offset in effect at the instant; a second lookup settles wall times near transitions.
  int64_t guess = local - tz.OffsetAt(local);
  return local - tz.OffsetAt(guess);
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') {
      v = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      v = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      v = ch - '0' + 52;
    } else if (ch == '+') {
      v = 62;
    } else if (ch == '/') {
      v = 63;
    } else if (ch == '=') {
      ++pad;
      continue;
    } else {
      return false;
    }
    if (pad) return false;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return pad <= 2 && bits < 6;
}

base::Result<Value> ParseValueText(const Column& c, std::string_view text,
                                   const model::TimeZone& tz) {
  switch (c.type) {
    case ColumnType::kNull:
      return Value::Null();
    case ColumnType::kTinyInt:
    case ColumnType::kSmallInt:
    case ColumnType::kMediumInt:
    case ColumnType::kInt:
    case ColumnType::kBigInt: {
      if (c.is_unsigned) {
        uint64_t u;
        if (!Number(text, &u)) return BadValue(c, text, "an unsigned integer");
        return Value::UInt(u);
      }
      int64_t i;
      if (!Number(text, &i)) return BadValue(c, text, "an integer");
      return Value::Int(i);
    }
    case ColumnType::kYear:
    case ColumnType::kBit: {
      uint64_t u;
      if (!Number(text, &u)) return BadValue(c, text, "an unsigned integer");
      return Value::UInt(u);
    }
    case ColumnType::kFloat: {
      float f;  // parsed as a float: text -> double -> float could round twice
      if (!Number(text, &f)) return BadValue(c, text, "a number");
      return Value::Float(f);
    }
    case ColumnType::kDouble: {
      double d;
      if (!Number(text, &d)) return BadValue(c, text, "a number");
      return Value::Double(d);
    }
    case ColumnType::kDecimal: {
      std::string_view s = text;
      if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
      size_t dots = 0, digits = 0;
      for (char ch : s) {
        if (ch == '.') {
          ++dots;
        } else if (ch >= '0' && ch <= '9') {
          ++digits;
        } else {
          digits = 0;
          break;
        }
      }
      if (digits == 0 || dots > 1) return BadValue(c, text, "a decimal number");
      return Value::Decimal(std::string(text.front() == '+' ? text.substr(1) : text));
    }
    case ColumnType::kDate: {
      Temporal t;
      if (!ParseDateText(text, &t)) return BadValue(c, text, "a date YYYY-MM-DD");
      return Value::Date(t);
    }
    case ColumnType::kDateTime: {
      Temporal t;
      if (!ParseDateTimeText(text, &t)) {
        return BadValue(c, text, "a datetime YYYY-MM-DD HH:MM:SS[.ffffff]");
      }
      return Value::DateTime(t);
    }
    case ColumnType::kTimestamp: {
      Temporal t;
      if (!ParseDateTimeText(text, &t)) {
        return BadValue(c, text, "a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]");
      }
      if (t.year == 0 && t.month == 0 && t.day == 0) return Value::Timestamp(0, 0);
      return Value::Timestamp(LocalToEpochSeconds(t, tz), t.micros);
    }
    case ColumnType::kTime: {
      Temporal t;
      if (!ParseTimeText(text, &t)) return BadValue(c, text, "a time [-]HH:MM:SS[.ffffff]");
      return Value::Time(t);
    }
    case ColumnType::kEnum: {
      uint64_t u;
      if (Number(text, &u)) return Value::UInt(u);
      if (text.empty()) return Value::UInt(0);
      for (size_t i = 0; i < c.elements.size(); ++i) {
        if (c.elements[i] == text) return Value::UInt(i + 1);
      }
      return BadValue(c, text, "a member of the enum");
    }
    case ColumnType::kSet: {
      uint64_t u;
      if (Number(text, &u)) return Value::UInt(u);
      uint64_t mask = 0;
      size_t start = 0;
      while (start <= text.size() && !text.empty()) {
        size_t comma = text.find(',', start);
        std::string_view name = text.substr(start, comma - start);
        auto it = std::find(c.elements.begin(), c.elements.end(), name);
        if (it == c.elements.end() || it - c.elements.begin() >= 64) {
          return BadValue(c, text, "a list of members of the set");
        }
        mask |= uint64_t{1} << (it - c.elements.begin());
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return Value::UInt(mask);
    }
    default:
      return Value::String(text);
  }
}

}  // namespace sluice::codec
