#include "base/uri.h"

#include <charconv>

#include <fmt/format.h>

namespace sluice::base {

std::optional<UriParts> SplitUri(std::string_view uri) {
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  UriParts u;
  u.scheme = uri.substr(0, sep);
  std::string_view body = uri.substr(sep + 3);
  if (size_t q = body.find('?'); q != std::string_view::npos) {
    u.has_query = true;
    u.query = body.substr(q + 1);
    body = body.substr(0, q);
  }
  u.authority = body;
  if (size_t slash = body.find('/'); slash != std::string_view::npos) {
    u.has_path = true;
    u.path = body.substr(slash + 1);
    u.authority = body.substr(0, slash);
  }
  if (size_t at = u.authority.rfind('@'); at != std::string_view::npos) {
    u.has_userinfo = true;
    std::string_view userinfo = u.authority.substr(0, at);
    u.authority = u.authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    u.user = userinfo.substr(0, colon);
    if (colon != std::string_view::npos) u.password = userinfo.substr(colon + 1);
  }
  return u;
}

std::vector<std::string_view> UriParts::QueryItems() const {
  std::vector<std::string_view> out;
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view item = q.substr(0, amp);
    if (!item.empty()) out.push_back(item);
    if (amp == std::string_view::npos) break;
    q = q.substr(amp + 1);
  }
  return out;
}

std::string JoinUri(const UriParts& u, const std::vector<std::string>* query_items) {
  std::string out = fmt::format("{}://", u.scheme);
  if (u.has_userinfo) {
    out += u.user;
    if (u.password) {
      out += ':';
      out += *u.password;
    }
    out += '@';
  }
  out += u.authority;
  if (u.has_path) {
    out += '/';
    out += u.path;
  }
  if (query_items) {
    if (!query_items->empty()) out += '?';
    for (size_t i = 0; i < query_items->size(); ++i) {
      if (i) out += '&';
      out += (*query_items)[i];
    }
  } else if (u.has_query) {
    out += '?';
    out += u.query;
  }
  return out;
}

std::string_view QueryItemName(std::string_view item) { return item.substr(0, item.find('=')); }

std::optional<std::string_view> QueryItemValue(std::string_view item) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return item.substr(eq + 1);
}

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Result<HostPort> ParseHostPort(std::string_view text, uint16_t default_port,
                               std::string_view what) {
  HostPort hp;
  std::string_view host = text;
  std::string_view port;
  bool has_colon = false;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("{} '{}' has an unterminated IPv6 bracket", what, text);
    }
    host = text.substr(1, close - 1);
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return InvalidArgument("{} '{}' is malformed; use [ipv6]:port", what, text);
      }
      has_colon = true;
      port = after.substr(1);
    }
  } else if (size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_colon = true;
    if (host.find(':') != std::string_view::npos) {
      return InvalidArgument("{} '{}' is malformed; write IPv6 as [addr]:port", what, text);
    }
  }
  if (host.empty()) return InvalidArgument("{} '{}' has no host; use host:port", what, text);
  hp.host = std::string(host);
  hp.port = default_port;
  if (has_colon) {
    int p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p < 1 ||
        p > 65535) {
      return InvalidArgument("{} '{}' has an invalid port; use a port from 1 to 65535", what,
                             text);
    }
    hp.port = static_cast<uint16_t>(p);
    hp.port_given = true;
  }
  return hp;
}

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    std::string_view item = text.substr(start, end == std::string_view::npos ? end : end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    out.emplace_back(item);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace sluice::base
