#include "base/secret.h"

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

std::optional<std::string_view> UrlPassword(const std::string& url) {
  auto u = SplitUri(url);
  if (!u) return std::nullopt;
  return u->password;
}

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
  for (std::string_view word : {"password", "passwd", "secret", "token"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
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
    } else if (auto inner = SplitUri(decoded); inner && inner->password) {
      if (!IsSecretMask(*inner->password)) continue;
      auto old_value = old.Param(name);
      std::string old_decoded = old_value ? Decode(*old_value) : std::string();
      auto old_password = UrlPassword(old_decoded);
      if (!old_value || !old_password || IsSecretMask(*old_password)) {
        return InvalidArgument(
            "{}: the credentials in {} are masked but none are stored; give the real password",
            what, Decode(name));
      }
      inner->password = old_password;
      item = fmt::format("{}={}", name, Encode(JoinUri(*inner)));
    }
  }
  return u.Join();
}

std::string MaskUriSecrets(std::string_view uri) {
  Split u(uri);
  if (u.uri && u.uri->password && !u.uri->password->empty()) u.uri->password = kSecretMask;
  for (auto& item : u.items) {
    auto value = QueryItemValue(item);
    if (!value) continue;
    std::string name(QueryItemName(item));
    std::string decoded = Decode(*value);
    if (IsSecretName(name)) {
      item = fmt::format("{}={}", name, kSecretMask);
    } else if (auto inner = SplitUri(decoded); inner && inner->password) {
      inner->password = kSecretMask;
      item = fmt::format("{}={}", name, Encode(JoinUri(*inner)));
    }
  }
  return u.Join();
}

std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 3 || s == kSecretMask) continue;
    for (size_t pos = text.find(s); pos != std::string::npos;
         pos = text.find(s, pos + kSecretMask.size())) {
      text.replace(pos, s.size(), kSecretMask);
    }
  }
  return text;
}

}  // namespace sluice::base
