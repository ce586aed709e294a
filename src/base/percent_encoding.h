// Percent-encoding (RFC 3986 %XX escapes) for the URIs sluice parses: source URIs, sink URIs
// and the secret-masking helpers. One implementation, so every URI agrees on what decodes.
#pragma once

#include <string>
#include <string_view>

namespace sluice::base {

struct PercentDecodeOptions {
  bool plus_is_space = false;  // '+' decodes to ' ' (query strings)
  bool lenient = false;        // keep a malformed escape literally instead of failing
};

// Decodes `in` into `*out`. Returns false on a malformed escape ('%' not followed by two hex
// digits) unless options.lenient is set.
bool PercentDecode(std::string_view in, std::string* out, PercentDecodeOptions options = {});

// Escapes every byte except A-Z a-z 0-9 - _ . ~ and the characters in `also_safe`.
std::string PercentEncode(std::string_view in, std::string_view also_safe = {});

}  // namespace sluice::base
