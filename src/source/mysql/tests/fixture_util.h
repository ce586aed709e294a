// Test helpers: load a captured binlog file and run it through a BinlogParser.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "model/change_event.h"
#include "source/mysql/binlog_parser.h"

namespace sluice::source::mysql::testing {

inline std::vector<uint8_t> ReadFixture(const std::string& name) {
  std::ifstream in(std::string(SLUICE_PARSER_FIXTURES) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Splits a binlog file (4-byte magic + events) into events using each header's event_length.
inline std::vector<std::span<const uint8_t>> SplitEvents(const std::vector<uint8_t>& file) {
  std::vector<std::span<const uint8_t>> events;
  size_t pos = 4;
  while (pos + 19 <= file.size()) {
    uint32_t len = file[pos + 9] | file[pos + 10] << 8 | file[pos + 11] << 16 |
                   static_cast<uint32_t>(file[pos + 12]) << 24;
    if (len < 19 || pos + len > file.size()) break;
    events.emplace_back(file.data() + pos, len);
    pos += len;
  }
  return events;
}

}  // namespace sluice::source::mysql::testing
