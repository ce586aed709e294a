#include "source/snapshot/key.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace sluice::source::snapshot {
namespace {

using model::Value;

constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string_view bytes, std::string* out) {
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <typename T>
bool ParseNum(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

void AppendTemporal(const model::Temporal& t, bool with_date, bool with_time, std::string* out) {
  if (with_date) fmt::format_to(std::back_inserter(*out), "{}-{}-{}", t.year, t.month, t.day);
  if (with_date && with_time) out->push_back('T');
  if (with_time) {
    fmt::format_to(std::back_inserter(*out), "{}{}:{}:{}.{}", t.negative ? "-" : "", t.hour,
                   t.minute, t.second, t.micros);
  }
}

// Parses "y-m-d", "[-]h:m:s.us" or "y-m-dTh:m:s.us".
bool ParseTemporal(std::string_view s, bool with_date, bool with_time, model::Temporal* t) {
  std::string_view date = s, time;
  if (with_date && with_time) {
    size_t tpos = s.find('T');
    if (tpos == std::string_view::npos) return false;
    date = s.substr(0, tpos);
    time = s.substr(tpos + 1);
  } else if (with_time) {
    time = s;
  }
  if (with_date) {
    size_t a = date.find('-', 1);
    size_t b = a == std::string_view::npos ? a : date.find('-', a + 1);
    unsigned month = 0, day = 0;
    if (b == std::string_view::npos || !ParseNum(date.substr(0, a), &t->year) ||
        !ParseNum(date.substr(a + 1, b - a - 1), &month) || !ParseNum(date.substr(b + 1), &day)) {
      return false;
    }
    t->month = static_cast<uint8_t>(month);
    t->day = static_cast<uint8_t>(day);
  }
  if (with_time) {
    if (!time.empty() && time.front() == '-') {
      t->negative = true;
      time.remove_prefix(1);
    }
    size_t a = time.find(':');
    size_t b = a == std::string_view::npos ? a : time.find(':', a + 1);
    size_t c = b == std::string_view::npos ? b : time.find('.', b + 1);
    unsigned minute = 0, second = 0;
    if (c == std::string_view::npos || !ParseNum(time.substr(0, a), &t->hour) ||
        !ParseNum(time.substr(a + 1, b - a - 1), &minute) ||
        !ParseNum(time.substr(b + 1, c - b - 1), &second) ||
        !ParseNum(time.substr(c + 1), &t->micros)) {
      return false;
    }
    t->minute = static_cast<uint8_t>(minute);
    t->second = static_cast<uint8_t>(second);
  }
  return true;
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareTemporal(const model::Temporal& a, const model::Temporal& b) {
  // TIME may be negative: a negative value sorts before every positive one, and among negatives
  // a larger magnitude sorts first.
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  auto tie = [](const model::Temporal& t) {
    return std::make_tuple(t.year, t.month, t.day, t.hour, t.minute, t.second, t.micros);
  };
  int c = Cmp(tie(a), tie(b));
  return a.negative ? -c : c;
}

int CompareBytes(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c < 0 ? -1 : 1;
  return Cmp(a.size(), b.size());
}

}  // namespace

std::string EncodeKey(const Key& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out.push_back(',');
    const Value& v = key[i];
    switch (v.kind()) {
      case Value::Kind::kAbsent:
        out += "a";
        break;
      case Value::Kind::kNull:
        out += "n";
        break;
      case Value::Kind::kInt:
        fmt::format_to(std::back_inserter(out), "i:{}", v.as_int());
        break;
      case Value::Kind::kUInt:
        fmt::format_to(std::back_inserter(out), "u:{}", v.as_uint());
        break;
      case Value::Kind::kFloat:
        fmt::format_to(std::back_inserter(out), "f:{}", static_cast<float>(v.as_double()));
        break;
      case Value::Kind::kDouble:
        fmt::format_to(std::back_inserter(out), "F:{}", v.as_double());
        break;
      case Value::Kind::kDecimal:
        out += "d:" + v.as_string();
        break;
      case Value::Kind::kString:
        out += "s:";
        AppendHex(v.as_string(), &out);
        break;
      case Value::Kind::kDate:
        out += "D:";
        AppendTemporal(v.as_temporal(), true, false, &out);
        break;
      case Value::Kind::kTime:
        out += "t:";
        AppendTemporal(v.as_temporal(), false, true, &out);
        break;
      case Value::Kind::kDateTime:
        out += "T:";
        AppendTemporal(v.as_temporal(), true, true, &out);
        break;
      case Value::Kind::kTimestamp:
        fmt::format_to(std::back_inserter(out), "S:{}.{}", v.timestamp_seconds(),
                       v.timestamp_micros());
        break;
    }
  }
  return out;
}

base::Result<Key> DecodeKey(std::string_view text) {
  Key key;
  if (text.empty()) return key;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    auto bad = [&] {
      return base::InvalidArgument("snapshot key '{}': part '{}' is malformed", text, part);
    };
    if (part == "a") {
      key.push_back(Value::Absent());
    } else if (part == "n") {
      key.push_back(Value::Null());
    } else {
      size_t colon = part.find(':');
      if (colon == std::string_view::npos) return bad();
      std::string_view tag = part.substr(0, colon);
      std::string_view body = part.substr(colon + 1);
      if (tag == "i") {
        int64_t x;
        if (!ParseNum(body, &x)) return bad();
        key.push_back(Value::Int(x));
      } else if (tag == "u") {
        uint64_t x;
        if (!ParseNum(body, &x)) return bad();
        key.push_back(Value::UInt(x));
      } else if (tag == "f" || tag == "F") {
        std::string s(body);
        char* e = nullptr;
        double d = std::strtod(s.c_str(), &e);
        if (s.empty() || *e != '\0') return bad();
        key.push_back(tag == "f" ? Value::Float(std::strtof(s.c_str(), nullptr)) : Value::Double(d));
      } else if (tag == "d") {
        if (body.empty() || body.find_first_not_of("+-0123456789.") != std::string_view::npos) {
          return bad();
        }
        key.push_back(Value::Decimal(std::string(body)));
      } else if (tag == "s") {
        if (body.size() % 2 != 0) return bad();
        std::string bytes(body.size() / 2, '\0');
        for (size_t i = 0; i < bytes.size(); ++i) {
          int hi = HexDigit(body[2 * i]), lo = HexDigit(body[2 * i + 1]);
          if (hi < 0 || lo < 0) return bad();
          bytes[i] = static_cast<char>(hi << 4 | lo);
        }
        key.push_back(Value::String(std::move(bytes)));
      } else if (tag == "D" || tag == "t" || tag == "T") {
        model::Temporal t;
        bool date = tag != "t", time = tag != "D";
        if (!ParseTemporal(body, date, time, &t)) return bad();
        key.push_back(tag == "D" ? Value::Date(t) : tag == "t" ? Value::Time(t) : Value::DateTime(t));
      } else if (tag == "S") {
        size_t dot = body.find('.');
        int64_t sec;
        uint32_t us;
        if (dot == std::string_view::npos || !ParseNum(body.substr(0, dot), &sec) ||
            !ParseNum(body.substr(dot + 1), &us)) {
          return bad();
        }
        key.push_back(Value::Timestamp(sec, us));
      } else {
        return bad();
      }
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return key;
}

std::string DisplayKey(const Key& key) {
  std::string out = "(";
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += ", ";
    const Value& v = key[i];
    switch (v.kind()) {
      case Value::Kind::kInt:
        out += std::to_string(v.as_int());
        break;
      case Value::Kind::kUInt:
        out += std::to_string(v.as_uint());
        break;
      case Value::Kind::kDecimal:
        out += v.as_string();
        break;
      case Value::Kind::kString: {
        std::string s = v.as_string().substr(0, 64);
        bool printable = std::all_of(s.begin(), s.end(), [](unsigned char c) {
          return c >= 0x20 && c != 0x7f;
        });
        if (printable) {
          out += "'" + s + "'";
        } else {
          out += "0x";
          AppendHex(s, &out);
        }
        break;
      }
      default: {
        std::string enc = EncodeKey(Key{v});
        out += enc.substr(enc.find(':') + 1);
      }
    }
  }
  return out + ")";
}

int CompareDecimalText(std::string_view a, std::string_view b) {
  auto split = [](std::string_view s, bool* neg, std::string_view* ip, std::string_view* fp) {
    *neg = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
      *neg = s[0] == '-';
      s.remove_prefix(1);
    }
    size_t dot = s.find('.');
    *ip = s.substr(0, dot);
    *fp = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    while (!ip->empty() && ip->front() == '0') ip->remove_prefix(1);
    while (!fp->empty() && fp->back() == '0') fp->remove_suffix(1);
    if (ip->empty() && fp->empty()) *neg = false;  // -0 == 0
  };
  bool na, nb;
  std::string_view ia, fa, ib, fb;
  split(a, &na, &ia, &fa);
  split(b, &nb, &ib, &fb);
  if (na != nb) return na ? -1 : 1;
  int mag = ia.size() != ib.size() ? Cmp(ia.size(), ib.size()) : Cmp(ia, ib);
  if (mag == 0) mag = Cmp(fa, fb);  // no trailing zeros: lexicographic is numeric
  return na ? -mag : mag;
}

int ComparePart(PartOrder order, const model::Value& a, const model::Value& b) {
  switch (order) {
    case PartOrder::kSigned:
      return Cmp(a.as_int(), b.as_int());
    case PartOrder::kUnsigned:
      return Cmp(a.as_uint(), b.as_uint());
    case PartOrder::kDecimal:
      return CompareDecimalText(a.as_string(), b.as_string());
    case PartOrder::kTemporal:
      return CompareTemporal(a.as_temporal(), b.as_temporal());
    case PartOrder::kTimestamp: {
      int c = Cmp(a.timestamp_seconds(), b.timestamp_seconds());
      return c != 0 ? c : Cmp(a.timestamp_micros(), b.timestamp_micros());
    }
    case PartOrder::kBytes:
    case PartOrder::kCollated:  // not used for kCollated (the oracle decides); bytes as a fallback
      return CompareBytes(a.as_string(), b.as_string());
  }
  return 0;
}

void TextOrderCache::Want(const TextComparison& c) {
  if (known_.count(IdOf(c))) return;
  wanted_text_.emplace_back(std::string(c.a), std::string(c.b));
  wanted_.push_back(c);
}

base::Status TextOrderCache::Resolve() {
  if (wanted_.empty()) return base::Status::Ok();
  // wanted_text_ may have reallocated since the views were taken: point them at its strings.
  for (size_t i = 0; i < wanted_.size(); ++i) {
    wanted_[i].a = wanted_text_[i].first;
    wanted_[i].b = wanted_text_[i].second;
  }
  std::vector<int> results;
  base::Status st = oracle_->Compare(wanted_, &results);
  if (st.ok()) {
    for (size_t i = 0; i < wanted_.size() && i < results.size(); ++i) {
      known_[IdOf(wanted_[i])] = results[i];
    }
  }
  wanted_.clear();
  wanted_text_.clear();
  return st;
}

base::Result<int> TextOrderCache::Compare(const TextComparison& c) {
  auto it = known_.find(IdOf(c));
  if (it != known_.end()) return it->second;
  Want(c);
  SLUICE_RETURN_IF_ERROR(Resolve());
  it = known_.find(IdOf(c));
  if (it == known_.end()) return base::Internal("the collation oracle gave no answer");
  return it->second;
}

TextOrderCache::Id TextOrderCache::IdOf(const TextComparison& c) {
  return Id(c.table, c.column, std::string(c.a), std::string(c.b));
}

KeyOrder::KeyOrder(model::TableSchemaPtr table, std::vector<size_t> columns,
                   std::vector<PartOrder> parts)
    : table_(std::move(table)), columns_(std::move(columns)), parts_(std::move(parts)) {}

Key KeyOrder::KeyOf(const std::vector<model::Value>& row) const {
  Key key;
  key.reserve(columns_.size());
  for (size_t c : columns_) key.push_back(c < row.size() ? row[c] : model::Value::Absent());
  return key;
}

std::optional<std::vector<size_t>> KeyOrder::ColumnsIn(const model::TableSchema& schema) const {
  std::vector<size_t> out;
  for (size_t c : columns_) {
    const std::string& name = table_->columns[c].name;
    auto it = std::find_if(schema.columns.begin(), schema.columns.end(),
                           [&](const model::Column& col) { return col.name == name; });
    if (it == schema.columns.end()) return std::nullopt;
    out.push_back(static_cast<size_t>(it - schema.columns.begin()));
  }
  return out;
}

bool KeyOrder::has_collated() const {
  return std::find(parts_.begin(), parts_.end(), PartOrder::kCollated) != parts_.end();
}

void KeyOrder::Want(const Key& a, const Key& b, TextOrderCache* text) const {
  for (size_t i = 0; i < parts_.size() && i < a.size() && i < b.size(); ++i) {
    if (parts_[i] == PartOrder::kCollated) {
      text->Want({table_.get(), columns_[i], a[i].as_string(), b[i].as_string()});
    } else if (ComparePart(parts_[i], a[i], b[i]) != 0) {
      return;
    }
  }
}

base::Result<int> KeyOrder::Compare(const Key& a, const Key& b, TextOrderCache* text) const {
  if (a.size() != parts_.size() || b.size() != parts_.size()) {
    return base::Internal("comparing keys of {} and {} parts with a {}-part key order", a.size(),
                          b.size(), parts_.size());
  }
  for (size_t i = 0; i < parts_.size(); ++i) {
    int c;
    if (parts_[i] == PartOrder::kCollated) {
      SLUICE_ASSIGN_OR_RETURN(c, text->Compare({table_.get(), columns_[i], a[i].as_string(),
                                                b[i].as_string()}));
    } else {
      c = ComparePart(parts_[i], a[i], b[i]);
    }
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

}  // namespace sluice::source::snapshot
