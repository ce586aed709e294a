#include "codec/common/decimal_bytes.h"

#include <algorithm>
#include <vector>

namespace sluice::codec {

base::Status AppendDecimalBytes(std::string_view text, uint8_t scale, std::string* out) {
  auto bad = [&] {
    return base::InvalidArgument(
        "DECIMAL value '{}' is not a decimal number with at most {} fraction digits", text, scale);
  };
  bool negative = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::vector<uint8_t> digits;  // unscaled decimal digits, most significant first
  digits.reserve(text.size() + scale);
  size_t frac = 0;
  bool point = false, any = false;
  for (; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '.' && !point) {
      point = true;
    } else if (ch >= '0' && ch <= '9') {
      any = true;
      digits.push_back(static_cast<uint8_t>(ch - '0'));
      if (point) ++frac;
    } else {
      return bad();
    }
  }
  if (!any) return bad();
  while (frac > scale) {
    if (digits.back() != 0) return bad();
    digits.pop_back();
    --frac;
  }
  digits.insert(digits.end(), scale - frac, 0);

  // Base-10 digits -> base-256 magnitude, least significant byte first.
  std::vector<uint8_t> mag;
  size_t start = 0;
  while (start < digits.size() && digits[start] == 0) ++start;
  while (start < digits.size()) {
    unsigned rem = 0;
    for (size_t k = start; k < digits.size(); ++k) {
      unsigned cur = rem * 10 + digits[k];
      digits[k] = static_cast<uint8_t>(cur / 256);
      rem = cur % 256;
    }
    mag.push_back(static_cast<uint8_t>(rem));
    while (start < digits.size() && digits[start] == 0) ++start;
  }
  if (mag.empty()) negative = false;  // -0
  mag.push_back(0);                   // room for the sign bit
  if (negative) {
    unsigned carry = 1;
    for (auto& b : mag) {
      unsigned v = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
  }
  // Drop redundant sign bytes (keep at least one byte).
  uint8_t sign = negative ? 0xFF : 0x00;
  while (mag.size() > 1 && mag.back() == sign && ((mag[mag.size() - 2] & 0x80) == (sign & 0x80))) {
    mag.pop_back();
  }
  std::reverse(mag.begin(), mag.end());
  out->append(reinterpret_cast<const char*>(mag.data()), mag.size());
  return base::Status::Ok();
}

void AppendUnsignedBytes(uint64_t value, std::string* out) {
  int shift = 56;
  while (shift > 0 && (value >> shift) == 0) shift -= 8;
  if ((value >> shift) & 0x80) out->push_back('\0');  // room for the sign bit
  for (; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

}  // namespace sluice::codec
