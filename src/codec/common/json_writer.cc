#include "codec/common/json_writer.h"

#include "model/value_text.h"

namespace sluice::codec {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Escape action for ASCII bytes: 0 = copy, otherwise the short escape char or 'u'.
struct EscapeTable {
  char action[128];
  constexpr EscapeTable() : action() {
    for (int c = 0; c < 0x20; ++c) action[c] = 'u';
    action['\n'] = 'n';
    action['\r'] = 'r';
    action['\t'] = 't';
    action['"'] = '"';
    action['\\'] = '\\';
    action['<'] = 'u';
    action['>'] = 'u';
    action['&'] = 'u';
  }
};
constexpr EscapeTable kEscape;

inline void AppendU(uint32_t cp, std::string* out) {
  char buf[6] = {
      '\\',          'u', kHex[(cp >> 12) & 0xF], kHex[(cp >> 8) & 0xF], kHex[(cp >> 4) & 0xF],
      kHex[cp & 0xF]};
  out->append(buf, 6);
}

// Escapes one ASCII byte c that needs escaping.
inline void AppendAsciiEscape(unsigned char c, std::string* out) {
  char a = kEscape.action[c];
  if (a == 'u') {
    AppendU(c, out);
  } else {
    out->push_back('\\');
    out->push_back(a);
  }
}

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0 if invalid.
inline size_t Utf8SeqLen(const unsigned char* s, size_t n, size_t i, uint32_t* cp) {
  unsigned char c = s[i];
  size_t len;
  uint32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i + k] & 0x3F);
  }
  if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
      (len == 4 && (v < 0x10000 || v > 0x10FFFF))) {
    return 0;
  }
  *cp = v;
  return len;
}

}  // namespace

void AppendJsonString(std::string_view str, std::string* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(str.data());
  size_t n = str.size();
  out->push_back('"');
  size_t start = 0;  // start of the pending run of bytes to copy verbatim
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (kEscape.action[c] == 0) {
        ++i;
        continue;
      }
      out->append(str.data() + start, i - start);
      AppendAsciiEscape(c, out);
      start = ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = Utf8SeqLen(s, n, i, &cp);
    if (len == 0) {
      out->append(str.data() + start, i - start);
      out->append("\\ufffd");
      start = ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out->append(str.data() + start, i - start);
      AppendU(cp, out);
      i += len;
      start = i;
      continue;
    }
    i += len;
  }
  out->append(str.data() + start, n - start);
  out->push_back('"');
}

void AppendJsonLatin1String(std::string_view bytes, std::string* out) {
  out->push_back('"');
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      if (kEscape.action[c] == 0) {
        out->push_back(static_cast<char>(c));
      } else {
        AppendAsciiEscape(c, out);
      }
    } else {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  out->push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    uint64_t bit = uint64_t{1} << (depth_ - 1);
    if (has_element_ & bit) out_->push_back(',');
    has_element_ |= bit;
  }
}

void JsonWriter::Open(char c) {
  BeforeValue();
  out_->push_back(c);
  ++depth_;
  has_element_ &= ~(uint64_t{1} << (depth_ - 1));
}

void JsonWriter::Close(char c) {
  out_->push_back(c);
  --depth_;
}

void JsonWriter::Key(std::string_view name) {
  BeforeValue();
  AppendJsonString(name, out_);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::EscapedKey(std::string_view quoted_name) {
  BeforeValue();
  out_->append(quoted_name);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view utf8) {
  BeforeValue();
  AppendJsonString(utf8, out_);
}

void JsonWriter::Latin1String(std::string_view bytes) {
  BeforeValue();
  AppendJsonLatin1String(bytes, out_);
}

void JsonWriter::Int(int64_t v) {
  BeforeValue();
  model::AppendInt(v, out_);
}

void JsonWriter::UInt(uint64_t v) {
  BeforeValue();
  model::AppendUInt(v, out_);
}

void JsonWriter::Bool(bool v) {
  BeforeValue();
  out_->append(v ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
}

void JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
}

}  // namespace sluice::codec
