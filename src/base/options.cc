#include "base/options.h"

#include <algorithm>
#include <charconv>
#include <regex>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/secret.h"
#include "base/text.h"

namespace sluice::base {

namespace {

// Tables up to this size list every valid name in an unknown-parameter error.
constexpr size_t kListAllBelow = 12;

std::string Join(const std::vector<std::string_view>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<OptionValue> ParseInt(const OptionSpec& spec, const std::string& raw,
                             const std::string& shown, const OptionContext& ctx) {
  OptionValue v;
  v.s = raw;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v.i);
  if (ec != std::errc() || p != raw.data() + raw.size()) {
    return InvalidArgument("{}: {} {} is not an integer; use an integer from {} to {}", ctx.what,
                           spec.name, shown, spec.min, spec.max);
  }
  if (v.i < spec.min || v.i > spec.max) {
    return InvalidArgument("{}: {} {} is out of range; use an integer from {} to {}", ctx.what,
                           spec.name, shown, spec.min, spec.max);
  }
  return v;
}

Result<OptionValue> ParseDuration(const OptionSpec& spec, const std::string& raw,
                                  const std::string& shown, const OptionContext& ctx) {
  OptionValue v;
  v.s = raw;
  bool ok = false;
  if (spec.bare_number_ms && AllDigits(raw) && raw.size() < 16) {
    v.d = std::chrono::milliseconds(std::stoll(raw));
    ok = true;
  } else {
    ok = ParseGoDuration(raw, &v.d);
  }
  if (!ok) {
    return InvalidArgument("{}: {} {} is not a duration; use a Go duration such as 10s or 500ms{}",
                           ctx.what, spec.name, shown,
                           spec.bare_number_ms ? " (or a number of milliseconds)" : "");
  }
  if (v.d.count() < spec.min || v.d.count() > spec.max) {
    return InvalidArgument("{}: {} {} is out of range; use a duration from {} to {}", ctx.what,
                           spec.name, shown, FormatDurationMs(spec.min),
                           FormatDurationMs(spec.max));
  }
  return v;
}

Result<OptionValue> ParseEnum(const OptionSpec& spec, const std::string& raw,
                              const std::string& shown, const OptionContext& ctx) {
  OptionValue v;
  std::string lower = ToLower(raw);
  for (const auto& [alias, value] : spec.aliases) {
    if (alias == lower) {
      v.s = std::string(value);
      return v;
    }
  }
  for (auto a : spec.allowed) {
    if (a == lower) {
      v.s = lower;
      return v;
    }
  }
  return InvalidArgument("{}: {} {} is not supported; use one of {}", ctx.what, spec.name, shown,
                         Join(spec.allowed, ", "));
}

}  // namespace

std::string_view OptionKindName(OptionKind kind) {
  switch (kind) {
    case OptionKind::kBool:
      return "bool";
    case OptionKind::kInt:
      return "integer";
    case OptionKind::kDuration:
      return "duration";
    case OptionKind::kEnum:
      return "enum";
    case OptionKind::kString:
      return "string";
  }
  return "?";
}

bool GivenOptions::Has(std::string_view name) const {
  return std::any_of(items.begin(), items.end(), [&](const auto& i) { return i.first == name; });
}

Result<OptionValue> ParseOptionValue(const OptionSpec& spec, const std::string& raw,
                                     const OptionContext& ctx) {
  std::string shown = spec.secret == OptionSecret::kNo ? fmt::format("'{}'", raw) : "value";
  switch (spec.kind) {
    case OptionKind::kBool: {
      OptionValue v;
      v.s = raw;
      if (!ParseBool(raw, &v.b)) {
        return InvalidArgument("{}: {} {} is not a boolean; use true or false", ctx.what,
                               spec.name, shown);
      }
      return v;
    }
    case OptionKind::kInt:
      return ParseInt(spec, raw, shown, ctx);
    case OptionKind::kDuration:
      return ParseDuration(spec, raw, shown, ctx);
    case OptionKind::kEnum:
      return ParseEnum(spec, raw, shown, ctx);
    case OptionKind::kString: {
      if (raw.empty()) {
        return InvalidArgument("{}: {} is empty; give a value or leave it out", ctx.what,
                               spec.name);
      }
      if (!spec.pattern.empty() &&
          !std::regex_match(raw, std::regex(std::string(spec.pattern)))) {
        return InvalidArgument("{}: {} {} is invalid; use {}", ctx.what, spec.name, shown,
                               spec.pattern_doc);
      }
      OptionValue v;
      v.s = raw;
      return v;
    }
  }
  return Internal("{}: unhandled kind for {}", ctx.what, spec.name);
}

Status UnknownOptionError(const std::vector<const OptionSpec*>& specs, std::string_view name,
                          const OptionContext& ctx) {
  std::vector<std::pair<size_t, std::string_view>> close;
  for (const OptionSpec* s : specs) {
    size_t d = EditDistance(name, s->name);
    bool related = name.size() >= 3 && (s->name.find(name) != std::string_view::npos ||
                                        name.find(s->name) != std::string_view::npos);
    if (d <= std::max<size_t>(2, s->name.size() / 4) || related) close.emplace_back(d, s->name);
  }
  std::sort(close.begin(), close.end());
  if (close.size() > 3) close.resize(3);
  std::vector<std::string_view> names;
  for (auto& [d, n] : close) names.push_back(n);
  std::string suggestion = names.empty() ? "" : fmt::format("did you mean {}? ", Join(names, " or "));
  if (specs.size() <= kListAllBelow) {
    std::vector<std::string_view> all;
    for (const OptionSpec* s : specs) all.push_back(s->name);
    std::string see = ctx.doc_path.empty() ? "" : fmt::format(" (see {})", ctx.doc_path);
    return InvalidArgument("{}: unknown parameter '{}'; {}valid options: {}{}", ctx.what, name,
                           suggestion, Join(all, ", "), see);
  }
  if (names.empty()) {
    return InvalidArgument("{}: unknown parameter '{}'; see {} for the supported parameters",
                           ctx.what, name, ctx.doc_path);
  }
  return InvalidArgument("{}: unknown parameter '{}'; did you mean {}? (see {})", ctx.what, name,
                         Join(names, " or "), ctx.doc_path);
}

Result<GivenOptions> ParseQueryItems(
    const std::vector<const OptionSpec*>& specs, std::string_view raw_query,
    const OptionContext& ctx, const std::function<Status(size_t, const OptionValue&)>& apply) {
  GivenOptions given;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view item = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string name;
    if (!PercentDecode(item.substr(0, eq), &name, {.plus_is_space = true})) {
      return InvalidArgument("{}: a parameter name has a malformed %-escape; URL-encode '%' as %25",
                             ctx.what);
    }
    size_t index = 0;
    while (index < specs.size() && specs[index]->name != name) ++index;
    if (index == specs.size()) return UnknownOptionError(specs, name, ctx);
    const OptionSpec& spec = *specs[index];
    if (!spec.only_for.empty() && spec.only_for != ctx.target) {
      return InvalidArgument(
          "{}: parameter '{}' applies only to {} targets; remove it from this {}:// URI", ctx.what,
          name, spec.only_for, ctx.scheme);
    }
    if (given.Has(name)) {
      return InvalidArgument("{}: {} is given more than once; keep one", ctx.what, name);
    }
    std::string value;
    if (eq != std::string_view::npos &&
        !PercentDecode(item.substr(eq + 1), &value, {.plus_is_space = !spec.plus_is_literal})) {
      return InvalidArgument("{}: the value of {} has a malformed %-escape; URL-encode '%' as %25",
                             ctx.what, name);
    }
    SLUICE_ASSIGN_OR_RETURN(OptionValue v, ParseOptionValue(spec, value, ctx));
    SLUICE_RETURN_IF_ERROR(apply(index, v));
    given.items.emplace_back(std::move(name), std::move(value));
  }
  return given;
}

std::string RedactQuery(const std::vector<const OptionSpec*>& specs, const GivenOptions& given) {
  std::string out;
  for (const auto& [name, value] : given.items) {
    const OptionSpec* spec = nullptr;
    for (const OptionSpec* s : specs) {
      if (s->name == name) spec = s;
    }
    std::string shown;
    if (spec && spec->secret == OptionSecret::kYes) {
      shown = std::string(kSecretMask);
    } else if (spec && spec->secret == OptionSecret::kUrlCredentials) {
      shown = PercentEncode(MaskUrlCredentials(value), "/:*,");
    } else {
      shown = PercentEncode(value, "/:*,");
    }
    out += fmt::format("{}{}={}", out.empty() ? "" : "&", PercentEncode(name, "/:*,"), shown);
  }
  return out;
}

std::string OptionAllowedText(const OptionSpec& s) {
  switch (s.kind) {
    case OptionKind::kBool:
      return "`true`, `false`";
    case OptionKind::kInt:
      return fmt::format("{} .. {}", s.min, s.max);
    case OptionKind::kDuration:
      return fmt::format("{} .. {}", FormatDurationMs(s.min), FormatDurationMs(s.max));
    case OptionKind::kEnum: {
      std::vector<std::string> parts;
      for (auto a : s.allowed) parts.push_back(fmt::format("`{}`", a));
      for (const auto& [alias, value] : s.aliases) {
        parts.push_back(fmt::format("`{}` (= `{}`)", alias, value));
      }
      return fmt::format("{}", fmt::join(parts, ", "));
    }
    case OptionKind::kString:
      return s.pattern_doc.empty() ? "any" : std::string(s.pattern_doc);
  }
  return "";
}

std::string OptionsMarkdown(const std::vector<const OptionSpec*>& specs) {
  std::string out =
      "| Parameter | Type | Default | Allowed values | Description |\n"
      "|---|---|---|---|---|\n";
  for (const OptionSpec* s : specs) {
    std::string type(OptionKindName(s->kind));
    if (s->kind == OptionKind::kDuration && s->bare_number_ms) type += " (or ms)";
    std::string def =
        s->default_text.empty() ? "—"
        : s->default_text.front() == '(' || s->default_text.find(' ') != std::string_view::npos
            ? std::string(s->default_text)
            : fmt::format("`{}`", s->default_text);
    std::string doc(s->doc);
    if (!s->only_for.empty()) doc += fmt::format(" *{} targets only.*", s->only_for);
    if (s->secret != OptionSecret::kNo) doc += " *Secret: masked in logs and errors.*";
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", s->name, type, def, OptionAllowedText(*s),
                       doc);
  }
  return out;
}

}  // namespace sluice::base
