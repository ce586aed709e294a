// MySQL 5.7+/8 binary JSON (column type 245) → JSON text, formatted as MySQL prints it
// ({"a": 1, "b": [true, null]}). MariaDB stores JSON as text and never produces this.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"

namespace sluice::source::mysql {

// Appends the JSON text of `doc` to *out. An empty document is JSON null.
// DataLoss if the document is malformed (offsets out of range, unknown type byte).
base::Status DecodeMysqlJson(std::span<const uint8_t> doc, std::string* out);

}  // namespace sluice::source::mysql
