// TimeZone: converts UTC instants to wall-clock offsets for rendering TIMESTAMP columns.
//
// Supports "UTC", fixed offsets ("+08:00", "-05:30", "+0800") and IANA names ("Asia/Shanghai")
// read from the system TZ database (TZif files under /usr/share/zoneinfo or $TZDIR). For an IANA
// zone, instants after the last transition in the file use the last transition's offset (Debian
// ships "fat" TZif files with transitions until 2037). Immutable and cheap to copy (shared
// transition table); safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::model {

class TimeZone {
 public:
  // UTC.
  TimeZone() = default;

  // Parses a zone name. InvalidArgument if it is neither UTC, a fixed offset nor a readable
  // IANA zone.
  static base::Result<TimeZone> Parse(std::string_view name);
  static TimeZone FixedOffset(int32_t offset_seconds);

  // Seconds to add to a UTC instant to get local wall-clock time at that instant.
  int32_t OffsetAt(int64_t epoch_seconds) const;

  const std::string& name() const { return name_; }

 private:
  struct Transitions {
    std::vector<int64_t> times;    // ascending UTC instants
    std::vector<int32_t> offsets;  // offset in effect from times[i]
    int32_t initial_offset = 0;    // before times[0]
  };

  std::string name_ = "UTC";
  int32_t fixed_offset_ = 0;
  std::shared_ptr<const Transitions> transitions_;  // null for fixed offsets
};

}  // namespace sluice::model
