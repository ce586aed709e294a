// The one URI splitter: every parser of source/sink URIs, the secret masking and the registry
// URL handling split `scheme://[user[:password]@]authority[/path][?query]` here, so they all
// agree on where the userinfo ends and the query starts.
//
// SplitUri only cuts (no percent-decoding, no validation); the pieces are views into the
// input. The authority is everything up to the first '/' or '?', the userinfo what precedes its
// last '@' (so a password may contain '@' only percent-encoded), the query everything after the
// first '?'. ParseHostPort validates one `host[:port]` of an authority. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::base {

struct UriParts {
  std::string_view scheme;  // as written (callers compare case-insensitively)
  bool has_userinfo = false;
  std::string_view user;                     // raw (percent-encoded)
  std::optional<std::string_view> password;  // raw; nullopt when the userinfo has no ':'
  std::string_view authority;                // host list, without the userinfo
  bool has_path = false;                     // a '/' follows the authority
  std::string_view path;                     // raw, without the leading '/'
  bool has_query = false;
  std::string_view query;  // raw, without the '?'

  // The raw "name=value" items of the query in order (empty items skipped).
  std::vector<std::string_view> QueryItems() const;
};

// Splits `uri`; nullopt when it has no "://".
std::optional<UriParts> SplitUri(std::string_view uri);

// Reassembles parts (the inverse of SplitUri for unchanged parts). `query_items` replaces the
// query when given.
std::string JoinUri(const UriParts& parts,
                    const std::vector<std::string>* query_items = nullptr);

// "name=value" -> name / value (nullopt when there is no '=').
std::string_view QueryItemName(std::string_view item);
std::optional<std::string_view> QueryItemValue(std::string_view item);

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  uint16_t port = 0;
  bool port_given = false;
  // "host:port", "[v6]:port".
  std::string ToString() const;
};

// Parses `host`, `host:port`, `[v6]` or `[v6]:port`. Errors are InvalidArgument:
//   "<what> '<text>' has an invalid port; use a port from 1 to 65535"
// where `what` names the piece ("sink URI: broker", "source URI host").
Result<HostPort> ParseHostPort(std::string_view text, uint16_t default_port, std::string_view what);

// Splits a comma-separated list (items trimmed of spaces; empty items kept so callers can
// reject them).
std::vector<std::string> SplitList(std::string_view text, char sep = ',');

}  // namespace sluice::base
