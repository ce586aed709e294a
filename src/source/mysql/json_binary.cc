#include "source/mysql/json_binary.h"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "base/byte_reader.h"
#include "model/value_text.h"
#include "source/mysql/row_decoder.h"

namespace sluice::source::mysql {
namespace {

enum JsonType : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUInt16 = 0x06,
  kInt32 = 0x07,
  kUInt32 = 0x08,
  kInt64 = 0x09,
  kUInt64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};

constexpr int kMaxDepth = 100;

base::Status Malformed(const char* what) {
  return base::DataLoss("malformed MySQL binary JSON: {}", what);
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<uint8_t>(ch);
    switch (ch) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

// Variable-length length: 7 bits per byte, high bit = more bytes follow (max 5 bytes).
bool ReadVarLen(base::ByteReader& r, uint64_t* len) {
  *len = 0;
  for (int i = 0; i < 5; ++i) {
    uint8_t b = r.U8();
    if (!r.ok()) return false;
    *len |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Shortest round-trip form, as MySQL prints JSON doubles: "2.5", "3.0", "1.5e300", "1e-7".
void AppendDouble(double d, std::string* out) {
  size_t start = out->size();
  fmt::format_to(std::back_inserter(*out), "{}", d);
  size_t e = out->find_first_of("eE", start);
  if (e != std::string::npos) {
    if (e + 1 < out->size() && (*out)[e + 1] == '+') out->erase(e + 1, 1);
  } else if (out->find_first_of(".n", start) == std::string::npos) {
    out->append(".0");
  }
}

// Opaque values: DECIMAL and temporal types as MySQL prints them, others as base64.
base::Status AppendOpaque(uint8_t mysql_type, std::span<const uint8_t> data, std::string* out) {
  base::ByteReader r(data);
  switch (mysql_type) {
    case 246: {  // NEWDECIMAL: precision, scale, binary decimal
      uint8_t precision = r.U8();
      uint8_t scale = r.U8();
      std::string text;
      if (!r.ok() || !DecodeDecimal(r, precision, scale, &text)) {
        return Malformed("opaque DECIMAL");
      }
      out->append(text);
      return base::Status::Ok();
    }
    case 10:    // DATE
    case 12:    // DATETIME
    case 7:     // TIMESTAMP
    case 11: {  // TIME: packed 8-byte integers
      if (data.size() < 8) return Malformed("opaque temporal");
      int64_t packed = static_cast<int64_t>(r.U64());
      bool negative = packed < 0;
      if (negative) packed = -packed;
      int64_t frac = packed % (1LL << 24);
      int64_t intpart = packed >> 24;
      std::string text;
      if (mysql_type == 11) {
        int64_t hour = (intpart >> 12) % (1 << 10);
        text = fmt::format("{}{:02}:{:02}:{:02}", negative ? "-" : "", hour, (intpart >> 6) % 64,
                           intpart % 64);
      } else {
        int64_t ymd = intpart >> 17, hms = intpart % (1 << 17);
        int64_t ym = ymd >> 5;
        text = fmt::format("{:04}-{:02}-{:02}", ym / 13, ym % 13, ymd % 32);
        if (mysql_type != 10) {
          text += fmt::format(" {:02}:{:02}:{:02}", hms >> 12, (hms >> 6) % 64, hms % 64);
        }
      }
      if (mysql_type != 10 && frac != 0) text += fmt::format(".{:06}", frac);
      AppendQuoted(text, out);
      return base::Status::Ok();
    }
    default: {
      std::string text = fmt::format("base64:type{}:", mysql_type);
      model::AppendBase64({reinterpret_cast<const char*>(data.data()), data.size()}, &text);
      AppendQuoted(text, out);
      return base::Status::Ok();
    }
  }
}

base::Status AppendValue(uint8_t type, std::span<const uint8_t> doc, size_t offset, int depth,
                         std::string* out);

// Object or array at doc[offset...].
base::Status AppendContainer(uint8_t type, std::span<const uint8_t> doc, size_t offset, int depth,
                             std::string* out) {
  if (depth > kMaxDepth) return Malformed("nesting too deep");
  if (offset > doc.size()) return Malformed("container offset out of range");
  const bool large = type == kLargeObject || type == kLargeArray;
  const bool object = type == kSmallObject || type == kLargeObject;
  const size_t w = large ? 4 : 2;
  auto body = doc.subspan(offset);
  base::ByteReader r(body);
  uint64_t count = r.ReadLE(w);
  uint64_t size = r.ReadLE(w);
  if (!r.ok() || size > body.size()) return Malformed("container size out of range");
  body = body.first(size);
  const size_t key_entry = w + 2;
  const size_t value_entry = 1 + w;
  const size_t header = 2 * w + (object ? count * key_entry : 0) + count * value_entry;
  if (header > size) return Malformed("container header out of range");
  out->push_back(object ? '{' : '[');
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0) out->append(", ");
    if (object) {
      base::ByteReader kr(body.subspan(2 * w + i * key_entry));
      uint64_t key_off = kr.ReadLE(w);
      uint64_t key_len = kr.U16();
      if (key_off + key_len > size) return Malformed("key out of range");
      AppendQuoted(std::string_view(reinterpret_cast<const char*>(body.data()) + key_off, key_len),
                   out);
      out->append(": ");
    }
    size_t entry = 2 * w + (object ? count * key_entry : 0) + i * value_entry;
    base::ByteReader vr(body.subspan(entry));
    uint8_t vtype = vr.U8();
    bool inlined = vtype == kLiteral || vtype == kInt16 || vtype == kUInt16 ||
                   (large && (vtype == kInt32 || vtype == kUInt32));
    if (inlined) {
      uint64_t raw = vr.ReadLE(w);
      switch (vtype) {
        case kLiteral:
          if ((raw & 0xff) == 0) {
            out->append("null");
          } else if ((raw & 0xff) == 1) {
            out->append("true");
          } else if ((raw & 0xff) == 2) {
            out->append("false");
          } else {
            return Malformed("unknown literal");
          }
          break;
        case kInt16:
          fmt::format_to(std::back_inserter(*out), "{}", static_cast<int16_t>(raw));
          break;
        case kUInt16:
          fmt::format_to(std::back_inserter(*out), "{}", static_cast<uint16_t>(raw));
          break;
        case kInt32:
          fmt::format_to(std::back_inserter(*out), "{}", static_cast<int32_t>(raw));
          break;
        default:
          fmt::format_to(std::back_inserter(*out), "{}", static_cast<uint32_t>(raw));
          break;
      }
    } else {
      uint64_t value_off = vr.ReadLE(w);
      if (value_off >= size) return Malformed("value out of range");
      SLUICE_RETURN_IF_ERROR(AppendValue(vtype, body, value_off, depth + 1, out));
    }
  }
  out->push_back(object ? '}' : ']');
  return base::Status::Ok();
}

base::Status AppendValue(uint8_t type, std::span<const uint8_t> doc, size_t offset, int depth,
                         std::string* out) {
  if (offset > doc.size()) return Malformed("offset out of range");
  base::ByteReader r(doc.subspan(offset));
  switch (type) {
    case kSmallObject:
    case kLargeObject:
    case kSmallArray:
    case kLargeArray:
      return AppendContainer(type, doc, offset, depth, out);
    case kLiteral: {
      uint8_t v = r.U8();
      if (!r.ok() || v > 2) return Malformed("bad literal");
      out->append(v == 0 ? "null" : v == 1 ? "true" : "false");
      return base::Status::Ok();
    }
    case kInt16:
      fmt::format_to(std::back_inserter(*out), "{}", static_cast<int16_t>(r.U16()));
      break;
    case kUInt16:
      fmt::format_to(std::back_inserter(*out), "{}", r.U16());
      break;
    case kInt32:
      fmt::format_to(std::back_inserter(*out), "{}", static_cast<int32_t>(r.U32()));
      break;
    case kUInt32:
      fmt::format_to(std::back_inserter(*out), "{}", r.U32());
      break;
    case kInt64:
      fmt::format_to(std::back_inserter(*out), "{}", static_cast<int64_t>(r.U64()));
      break;
    case kUInt64:
      fmt::format_to(std::back_inserter(*out), "{}", r.U64());
      break;
    case kDouble:
      AppendDouble(std::bit_cast<double>(r.U64()), out);
      break;
    case kString: {
      uint64_t len = 0;
      if (!ReadVarLen(r, &len)) return Malformed("string length");
      std::string_view s = r.String(len);
      if (!r.ok()) return Malformed("string out of range");
      AppendQuoted(s, out);
      return base::Status::Ok();
    }
    case kOpaque: {
      uint8_t mysql_type = r.U8();
      uint64_t len = 0;
      if (!r.ok() || !ReadVarLen(r, &len)) return Malformed("opaque length");
      auto data = r.Bytes(len);
      if (!r.ok()) return Malformed("opaque out of range");
      return AppendOpaque(mysql_type, data, out);
    }
    default:
      return Malformed("unknown value type");
  }
  if (!r.ok()) return Malformed("scalar out of range");
  return base::Status::Ok();
}

}  // namespace

base::Status DecodeMysqlJson(std::span<const uint8_t> doc, std::string* out) {
  if (doc.empty()) {
    out->append("null");
    return base::Status::Ok();
  }
  return AppendValue(doc[0], doc.subspan(1), 0, 0, out);
}

}  // namespace sluice::source::mysql
