// Wall-clock time as Unix milliseconds: what checkpoint commit times, API timestamps and
// "since" fields are compared with.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice::base {

inline int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice::base
