// JsonWriter: a small, allocation-free (beyond the output buffer) JSON writer.
//
// Escaping matches Go's encoding/json and easyjson, which TiCDC uses, so output is byte-for-byte
// comparable with TiCDC: `"` and `\` are backslash-escaped; control characters become \u00XX
// except \n, \r, \t; `<`, `>`, `&` become \u003c, \u003e, \u0026; U+2028/U+2029 become
// \u2028/\u2029; each byte of invalid UTF-8 becomes \ufffd. Hex digits are lower case.
//
// The writer does not validate structure beyond inserting commas: callers pair Begin/End and
// call Key before each object member. Not thread-safe; one writer per output string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::codec {

// Appends `s` (UTF-8 text) as a quoted JSON string.
void AppendJsonString(std::string_view s, std::string* out);
// Appends raw bytes as a quoted JSON string, each byte mapped to the code point of the same value
// (ISO-8859-1 decoding), then escaped as above. TiCDC's encoding of binary column values.
void AppendJsonLatin1String(std::string_view bytes, std::string* out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // Object member name; the next value call writes its value.
  void Key(std::string_view name);
  // As Key, for a name already rendered by AppendJsonString (quotes included); lets an encoder
  // escape a table's column names once instead of once per row.
  void EscapedKey(std::string_view quoted_name);

  void String(std::string_view utf8);
  void Latin1String(std::string_view bytes);
  void Int(int64_t v);
  void UInt(uint64_t v);
  void Bool(bool v);
  void Null();
  // Writes already-encoded JSON text as one value.
  void Raw(std::string_view json);

  std::string* out() { return out_; }

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();

  std::string* out_;
  // Bit i set = the container at depth i already has an element. Depth is bounded by 64.
  uint64_t has_element_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace sluice::codec
