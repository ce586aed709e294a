// Collation ids → character sets, and conversion of column bytes to UTF-8.
//
// The binlog carries collation ids (TABLE_MAP DEFAULT_CHARSET/COLUMN_CHARSET metadata). The
// table covers every collation of MariaDB 10.11 (including the uca1400 ids ≥ 2048) plus the
// MySQL 8 ids that MariaDB does not use (76, 248-250 gb18030, 255-323 utf8mb4_0900_*).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::source::mysql {

// Character set name ("utf8mb4", "latin1", "binary", ...) of a collation id; empty if unknown.
std::string_view CharsetOfCollation(uint32_t collation);

// iconv name for a MySQL character set name; empty if there is no usable conversion.
std::string_view IconvNameOfCharset(std::string_view charset);

// True if bytes in this charset are already valid UTF-8 (utf8mb3, utf8mb4, ascii).
bool IsUtf8Compatible(std::string_view charset);

// Converts text in a column's charset to UTF-8. Caches one iconv descriptor per charset.
// Invalid byte sequences become U+FFFD. Not thread-safe; one per parser.
class Utf8Converter {
 public:
  Utf8Converter() = default;
  ~Utf8Converter();
  Utf8Converter(const Utf8Converter&) = delete;
  Utf8Converter& operator=(const Utf8Converter&) = delete;

  // True if `collation` can be converted (known charset with a converter, or pass-through).
  static bool Supported(uint32_t collation);

  // Replaces *out with `in` converted to UTF-8. collation 63 (binary) and 0 (unknown, e.g.
  // a table map without charset metadata) copy the bytes unchanged. Unimplemented if the
  // charset has no converter on this system.
  base::Status Convert(uint32_t collation, std::string_view in, std::string* out);

 private:
  void* Descriptor(std::string_view iconv_name);  // iconv_t or nullptr

  std::vector<std::pair<std::string, void*>> descriptors_;
};

}  // namespace sluice::source::mysql
