#include "pipeline/uri_secrets.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/percent_encoding.h"

namespace sluice::pipeline {

namespace {

constexpr std::string_view kMask = "****";

// Percent-decodes; a malformed escape is kept literally (this is only used to recognize masks,
// names and embedded URLs; the real parsers validate).
std::string Decode(std::string_view in) {
  std::string out;
  base::PercentDecode(in, &out, {.lenient = true});
  return out;
}

std::string Encode(std::string_view in) { return base::PercentEncode(in, "/:*,"); }


// scheme://[user[:password]@]host.../path[?query]
struct Uri {
  std::string_view head;  // "scheme://" (empty when there is none)
  bool has_userinfo = false;
  std::string_view user;
  std::optional<std::string_view> password;  // raw
  std::string_view rest;                     // host, port, path
  bool has_query = false;
  std::vector<std::string_view> params;  // raw "name=value" items

  static Uri Split(std::string_view s) {
    Uri u;
    size_t start = 0;
    if (auto sep = s.find("://"); sep != std::string_view::npos) {
      start = sep + 3;
      u.head = s.substr(0, start);
    }
    std::string_view body = s.substr(start);
    if (auto q = body.find('?'); q != std::string_view::npos) {
      u.has_query = true;
      std::string_view query = body.substr(q + 1);
      body = body.substr(0, q);
      size_t from = 0;
      while (true) {
        auto amp = query.find('&', from);
        u.params.push_back(query.substr(from, amp - from));
        if (amp == std::string_view::npos) break;
        from = amp + 1;
      }
    }
    size_t auth_end = body.find('/');
    if (auth_end == std::string_view::npos) auth_end = body.size();
    auto at = body.substr(0, auth_end).rfind('@');
    if (!u.head.empty() && at != std::string_view::npos) {
      u.has_userinfo = true;
      std::string_view userinfo = body.substr(0, at);
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
        u.user = userinfo.substr(0, colon);
        u.password = userinfo.substr(colon + 1);
      } else {
        u.user = userinfo;
      }
      body = body.substr(at + 1);
    }
    u.rest = body;
    return u;
  }

  std::string Join() const {
    std::string out(head);
    if (has_userinfo) {
      out += user;
      if (password) {
        out += ':';
        out += *password;
      }
      out += '@';
    }
    out += rest;
    if (has_query) {
      out += '?';
      for (size_t i = 0; i < params.size(); ++i) {
        if (i) out += '&';
        out += params[i];
      }
    }
    return out;
  }
};

std::string_view ParamName(std::string_view item) { return item.substr(0, item.find('=')); }
std::optional<std::string_view> ParamValue(std::string_view item) {
  auto eq = item.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return item.substr(eq + 1);
}

// The raw value of parameter `name` in `u` (first occurrence).
std::optional<std::string_view> FindParam(const Uri& u, std::string_view name) {
  for (auto item : u.params) {
    if (Decode(ParamName(item)) == Decode(name)) return ParamValue(item);
  }
  return std::nullopt;
}

}  // namespace

bool IsSecretName(std::string_view raw_name) {
  std::string n = Decode(raw_name);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view word :
       {"password", "passwd", "secret", "token", "credential", "api-key", "apikey", "access-key",
        "private-key"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string MaskSecretValue(std::string_view name, std::string_view value) {
  if (value.empty() || IsSecretMask(value)) return std::string(value);
  if (IsSecretName(name)) return std::string(kMask);
  if (value.find("://") != std::string_view::npos) return MaskUriSecrets(value);
  return std::string(value);
}

std::vector<std::string> SecretsIn(std::string_view name, std::string_view value) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view s) {
    if (s.empty() || IsSecretMask(s)) return;
    for (std::string form : {std::string(s), Decode(s), base::PercentEncode(s)}) {
      if (std::find(out.begin(), out.end(), form) == out.end()) out.push_back(std::move(form));
    }
  };
  if (IsSecretName(name)) {
    add(value);
    return out;
  }
  if (value.find("://") == std::string_view::npos) return out;
  Uri u = Uri::Split(value);
  if (u.password) {
    add(*u.password);
    add(Decode(*u.password));
  }
  for (auto item : u.params) {
    auto v = ParamValue(item);
    if (!v) continue;
    for (auto& s : SecretsIn(Decode(ParamName(item)), Decode(*v))) out.push_back(std::move(s));
  }
  return out;
}

std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 3 || IsSecretMask(s)) continue;
    for (size_t pos = text.find(s); pos != std::string::npos;
         pos = text.find(s, pos + kMask.size())) {
      text.replace(pos, s.size(), kMask);
    }
  }
  return text;
}

bool IsSecretMask(std::string_view value) {
  std::string v = Decode(value);
  if (v.size() < 4) return false;
  for (char c : v) {
    if (c != '*') return false;
  }
  return true;
}

base::Result<std::string> MergeMaskedSecrets(std::string_view uri, std::string_view stored,
                                             std::string_view what) {
  Uri u = Uri::Split(uri);
  Uri old = Uri::Split(stored);
  if (u.password && IsSecretMask(*u.password)) {
    if (!old.password || old.password->empty()) {
      return base::InvalidArgument(
          "{}: the password is the mask '{}' but no password is stored; give the real password",
          what, *u.password);
    }
    u.password = old.password;
  }
  std::vector<std::string> owned;  // storage for rebuilt parameters
  owned.reserve(u.params.size());
  for (auto& item : u.params) {
    auto value = ParamValue(item);
    if (!value) continue;
    std::string_view name = ParamName(item);
    std::string decoded = Decode(*value);
    if (IsSecretName(name) && IsSecretMask(*value)) {
      auto old_value = FindParam(old, name);
      if (!old_value || IsSecretMask(*old_value)) {
        return base::InvalidArgument(
            "{}: {} is the mask '{}' but no {} is stored; give the real value", what, Decode(name),
            decoded, Decode(name));
      }
      owned.push_back(fmt::format("{}={}", name, *old_value));
      item = owned.back();
    } else if (decoded.find("://") != std::string::npos) {
      // A URL value, maybe with masked secrets in it: merge it with the stored URL.
      auto old_value = FindParam(old, name);
      std::string old_decoded = old_value ? Decode(*old_value) : std::string();
      Uri inner = Uri::Split(decoded);
      Uri old_inner = Uri::Split(old_decoded);
      if (inner.password && IsSecretMask(*inner.password) &&
          (!old_value || !old_inner.password || IsSecretMask(*old_inner.password))) {
        return base::InvalidArgument(
            "{}: the credentials in {} are masked but none are stored; give the real password",
            what, Decode(name));
      }
      SLUICE_ASSIGN_OR_RETURN(
          std::string merged,
          MergeMaskedSecrets(decoded, old_decoded, fmt::format("{} {}", what, Decode(name))));
      if (merged == decoded) continue;
      owned.push_back(fmt::format("{}={}", name, Encode(merged)));
      item = owned.back();
    }
  }
  return u.Join();
}

std::string MaskUriSecrets(std::string_view uri) {
  Uri u = Uri::Split(uri);
  if (u.password && !u.password->empty() && !IsSecretMask(*u.password)) u.password = kMask;
  std::vector<std::string> owned;
  owned.reserve(u.params.size());
  for (auto& item : u.params) {
    auto value = ParamValue(item);
    if (!value) continue;
    std::string_view name = ParamName(item);
    std::string decoded = Decode(*value);
    std::string masked = MaskSecretValue(Decode(name), decoded);
    if (masked == decoded) continue;
    owned.push_back(fmt::format("{}={}", name, IsSecretMask(masked) ? masked : Encode(masked)));
    item = owned.back();
  }
  return u.Join();
}

}  // namespace sluice::pipeline
