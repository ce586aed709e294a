#include "base/secret.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/text.h"
#include "base/uri.h"

namespace sluice::base {

namespace {

// Percent-decodes; a malformed escape is kept literally (this is only used to recognize masks,
// names and embedded URLs; the real parsers validate).
std::string Decode(std::string_view in) {
  std::string out;
  PercentDecode(in, &out, {.lenient = true});
  return out;
}

std::string Encode(std::string_view in) { return PercentEncode(in, "/:*,"); }

// A URI, or (without "://") a bare query, split for masking.
struct Split {
  std::optional<UriParts> uri;
  std::vector<std::string> items;  // query items, rewritten in place

  explicit Split(std::string_view s) : uri(SplitUri(s)) {
    if (!uri) {
      // No scheme: only a query can hold secrets.
      size_t q = s.find('?');
      if (q == std::string_view::npos) {
        bare_ = std::string(s);
        return;
      }
      bare_ = std::string(s.substr(0, q + 1));
      UriParts p;
      p.query = s.substr(q + 1);
      for (auto item : p.QueryItems()) items.emplace_back(item);
      return;
    }
    for (auto item : uri->QueryItems()) items.emplace_back(item);
  }

  std::string Join() const {
    if (!uri) {
      std::string out = bare_;
      for (size_t i = 0; i < items.size(); ++i) out += (i ? "&" : "") + items[i];
      return out;
    }
    if (!uri->has_query) return JoinUri(*uri);
    std::string out = JoinUri(*uri, &items);
    if (items.empty()) out += '?';
    return out;
  }

  std::optional<std::string_view> Param(std::string_view name) const {
    for (const auto& item : items) {
      if (Decode(QueryItemName(item)) == Decode(name)) return QueryItemValue(item);
    }
    return std::nullopt;
  }

 private:
  std::string bare_;
};

}  // namespace

bool IsSecretMask(std::string_view value) {
  std::string v = Decode(value);
  if (v.size() < 4) return false;
  for (char c : v) {
    if (c != '*') return false;
  }
  return true;
}

bool IsSecretName(std::string_view raw_name) {
  std::string n = ToLower(Decode(raw_name));
  for (std::string_view word : {"password", "passwd", "secret", "token", "credential", "api-key",
                                "apikey", "access-key", "private-key"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string MaskSecretValue(std::string_view name, std::string_view value) {
  if (value.empty() || IsSecretMask(value)) return std::string(value);
  if (IsSecretName(name)) return std::string(kSecretMask);
  if (value.find("://") != std::string_view::npos) return MaskUriSecrets(value);
  return std::string(value);
}

std::vector<std::string> SecretsIn(std::string_view name, std::string_view value) {
  std::vector<std::string> out;
  auto add = [&out](std::string_view s) {
    if (s.empty() || IsSecretMask(s)) return;
    for (std::string form : {std::string(s), Decode(s), PercentEncode(s)}) {
      if (std::find(out.begin(), out.end(), form) == out.end()) out.push_back(std::move(form));
    }
  };
  if (IsSecretName(name)) {
    add(value);
    return out;
  }
  if (value.find("://") == std::string_view::npos) return out;
  Split u(value);
  if (u.uri && u.uri->password) {
    add(*u.uri->password);
    add(Decode(*u.uri->password));
  }
  for (const auto& item : u.items) {
    auto v = QueryItemValue(item);
    if (!v) continue;
    for (auto& s : SecretsIn(Decode(QueryItemName(item)), Decode(*v))) out.push_back(std::move(s));
  }
  return out;
}

std::string MaskUrlCredentials(std::string_view url) {
  auto u = SplitUri(url);
  if (!u || !u->has_userinfo) return std::string(url);
  u->password = kSecretMask;
  return JoinUri(*u);
}

Result<std::string> MergeMaskedSecrets(std::string_view uri, std::string_view stored,
                                       std::string_view what) {
  Split u(uri);
  Split old(stored);
  if (u.uri && u.uri->password && IsSecretMask(*u.uri->password)) {
    std::optional<std::string_view> old_password = old.uri ? old.uri->password : std::nullopt;
    if (!old_password || old_password->empty()) {
      return InvalidArgument(
          "{}: the password is the mask '{}' but no password is stored; give the real password",
          what, *u.uri->password);
    }
    u.uri->password = old_password;
  }
  for (auto& item : u.items) {
    auto value = QueryItemValue(item);
    if (!value) continue;
    std::string name(QueryItemName(item));
    std::string decoded = Decode(*value);
    if (IsSecretName(name) && IsSecretMask(*value)) {
      auto old_value = old.Param(name);
      if (!old_value || IsSecretMask(*old_value)) {
        return InvalidArgument("{}: {} is the mask '{}' but no {} is stored; give the real value",
                               what, Decode(name), decoded, Decode(name));
      }
      item = fmt::format("{}={}", name, *old_value);
    } else if (decoded.find("://") != std::string::npos) {
      // A URL value, maybe with masked secrets in it: merge it with the stored URL.
      auto old_value = old.Param(name);
      std::string old_decoded = old_value ? Decode(*old_value) : std::string();
      Split inner(decoded);
      Split old_inner(old_decoded);
      bool masked = inner.uri && inner.uri->password && IsSecretMask(*inner.uri->password);
      bool stored = old_inner.uri && old_inner.uri->password &&
                    !IsSecretMask(*old_inner.uri->password);
      if (masked && (!old_value || !stored)) {
        return InvalidArgument(
            "{}: the credentials in {} are masked but none are stored; give the real password",
            what, Decode(name));
      }
      SLUICE_ASSIGN_OR_RETURN(
          std::string merged,
          MergeMaskedSecrets(decoded, old_decoded, fmt::format("{} {}", what, Decode(name))));
      if (merged == decoded) continue;
      item = fmt::format("{}={}", name, Encode(merged));
    }
  }
  return u.Join();
}

std::string MaskUriSecrets(std::string_view uri) {
  Split u(uri);
  if (u.uri && u.uri->password && !u.uri->password->empty() && !IsSecretMask(*u.uri->password)) {
    u.uri->password = kSecretMask;
  }
  for (auto& item : u.items) {
    auto value = QueryItemValue(item);
    if (!value) continue;
    std::string name(QueryItemName(item));
    std::string decoded = Decode(*value);
    std::string masked = MaskSecretValue(Decode(name), decoded);
    if (masked == decoded) continue;
    item = fmt::format("{}={}", name, IsSecretMask(masked) ? masked : Encode(masked));
  }
  return u.Join();
}

std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 3 || IsSecretMask(s)) continue;
    for (size_t pos = text.find(s); pos != std::string::npos;
         pos = text.find(s, pos + kSecretMask.size())) {
      text.replace(pos, s.size(), kSecretMask);
    }
  }
  return text;
}

}  // namespace sluice::base
