// CRC-32 (IEEE 802.3 polynomial, as zlib computes it): binlog event checksums and the
// TiCDC-compatible partition hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::base {

uint32_t Crc32(const uint8_t* data, size_t n, uint32_t seed = 0);
inline uint32_t Crc32(std::string_view s, uint32_t seed = 0) { return Crc32(reinterpret_cast<const uint8_t*>(s.data()), s.size(), seed); }

}  // namespace sluice::base
