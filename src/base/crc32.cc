#include "base/crc32.h"

#include <zlib.h>

namespace sluice::base {

uint32_t Crc32(const uint8_t* data, size_t n, uint32_t seed) {
  return static_cast<uint32_t>(
      crc32_z(seed, data, static_cast<z_size_t>(n)));
}

}  // namespace sluice::base
