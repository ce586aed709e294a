#include "api/auth.h"

#include <arpa/inet.h>

#include <charconv>

namespace sluice::api {

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr v4{};
  std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

base::Status CheckListenSecurity(std::string_view host, std::string_view token) {
  if (!token.empty() || IsLoopbackHost(host)) return base::Status::Ok();
  return base::InvalidArgument(
      "--addr {} is reachable from other machines and no API token is set; pass --token "
      "(or set SLUICE_API_TOKEN) so clients must send 'Authorization: Bearer <token>', or "
      "listen on 127.0.0.1",
      host);
}

bool BearerTokenMatches(std::string_view authorization, std::string_view token) {
  if (token.empty()) return true;
  constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return false;
    }
  }
  std::string_view given = authorization.substr(kPrefix.size());
  if (given.size() != token.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  }
  return diff == 0;
}

bool IsProtectedPath(std::string_view path) {
  return path.substr(0, 5) == "/api/" || path == "/api" || path == "/metrics";
}

namespace {

// Standard base64 (RFC 4648) decoding; false on a malformed input.
bool Base64Decode(std::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

}  // namespace

bool AuthorizationMatches(std::string_view authorization, std::string_view token) {
  if (BearerTokenMatches(authorization, token)) return true;
  constexpr std::string_view kBasic = "Basic ";
  if (authorization.size() <= kBasic.size()) return false;
  for (size_t i = 0; i < kBasic.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kBasic[i]))) {
      return false;
    }
  }
  std::string decoded;
  if (!Base64Decode(authorization.substr(kBasic.size()), &decoded)) return false;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  return BearerTokenMatches("Bearer " + decoded.substr(colon + 1), token);
}

base::Status SplitHostPort(std::string_view addr, std::string_view flag, std::string* host,
                           int* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == addr.size()) {
    return base::InvalidArgument("{} '{}' must be host:port, e.g. 127.0.0.1:8300", flag, addr);
  }
  std::string_view h = addr.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string_view p = addr.substr(colon + 1);
  int value = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value < 0 || value > 65535) {
    return base::InvalidArgument("{} '{}' has a bad port; use 0-65535, e.g. 127.0.0.1:8300", flag,
                                 addr);
  }
  *host = std::string(h);
  *port = value;
  return base::Status::Ok();
}

}  // namespace sluice::api
