// Parts of a database source URI (`mysql://`, `postgres://`) that every source parses the same
// way: the `user[:password]@host[:port]` authority and duration options. One implementation, so
// both sources accept the same spellings and give the same errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::source {

struct UriAuthority {
  std::string user;      // percent-decoded, never empty
  std::string password;  // percent-decoded; empty when the URI gives none
  std::string host;      // without the brackets of an IPv6 literal
  std::optional<uint16_t> port;
};

// Parses the two halves of `user[:password]@host[:port]` (split at the last '@'); the host
// may be an IPv6 literal in brackets. Errors start with "source URI" and never echo the
// password.
base::Result<UriAuthority> ParseUriAuthority(std::string_view userinfo, std::string_view hostport);

// Option `name` as "500ms", "10s", "2m" or "1h", within [min, max].
base::Status ParseDurationOption(std::string_view name, std::string_view text,
                                 std::chrono::milliseconds min, std::chrono::milliseconds max,
                                 std::chrono::milliseconds* out);

}  // namespace sluice::source
