#include "dispatch/table_filter.h"

#include <algorithm>
#include <cctype>

#include "base/text.h"

namespace sluice::dispatch {

namespace {

using base::ToLower;

// Glob match supporting *, ?, [abc], [a-z], [!a-z], and backslash escapes.
bool GlobMatch(std::string_view pat, std::string_view s) {
  size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  auto match_one = [&](size_t& pi, char c) -> bool {
    char pc = pat[pi];
    if (pc == '?') {
      ++pi;
      return true;
    }
    if (pc == '\\' && pi + 1 < pat.size()) {
      bool ok = pat[pi + 1] == c;
      pi += 2;
      return ok;
    }
    if (pc == '[') {
      size_t i = pi + 1;
      bool negate = false;
      if (i < pat.size() && (pat[i] == '!' || pat[i] == '^')) {
        negate = true;
        ++i;
      }
      bool matched = false;
      bool first = true;
      while (i < pat.size() && (first || pat[i] != ']')) {
        first = false;
        char lo = pat[i];
        char hi = lo;
        if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
          hi = pat[i + 2];
          i += 3;
        } else {
          ++i;
        }
        if (c >= lo && c <= hi) matched = true;
      }
      pi = i < pat.size() ? i + 1 : i;
      return matched != negate;
    }
    ++pi;
    return pc == c;
  };
  while (t < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star_p = p++;
      star_t = t;
      continue;
    }
    size_t before = p;
    if (p < pat.size() && match_one(p, s[t])) {
      ++t;
      continue;
    }
    p = before;
    if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
      continue;
    }
    return false;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

// Splits "schema.table" at the first dot that is not inside a /regex/ or escaped.
bool SplitRule(std::string_view rule, std::string_view* schema, std::string_view* table) {
  bool in_regex = false;
  for (size_t i = 0; i < rule.size(); ++i) {
    char c = rule[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '/') in_regex = !in_regex;
    if (c == '.' && !in_regex) {
      *schema = rule.substr(0, i);
      *table = rule.substr(i + 1);
      return !schema->empty() && !table->empty();
    }
  }
  return false;
}

}  // namespace

base::Result<TableFilter> TableFilter::Parse(const std::vector<std::string>& rules,
                                             bool case_sensitive) {
  TableFilter f;
  f.case_sensitive_ = case_sensitive;
  for (const auto& raw : rules) {
    std::string_view text = raw;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
      text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.remove_suffix(1);
    if (text.empty() || text.front() == '#') continue;
    Rule rule;
    if (text.front() == '!') {
      rule.exclude = true;
      text.remove_prefix(1);
    }
    std::string_view schema, table;
    if (!SplitRule(text, &schema, &table)) {
      return base::InvalidArgument(
          "filter rule '{}' is not of the form <schema>.<table> (wildcards * ? [a-z], regex "
          "/.../, '!' to exclude), e.g. 'shop.*' or '!shop.tmp_*'",
          raw);
    }
    auto make = [&](std::string_view part, Pattern* out) -> base::Status {
      if (part.size() >= 2 && part.front() == '/' && part.back() == '/') {
        out->is_regex = true;
        try {
          auto flags = std::regex::ECMAScript;
          if (!case_sensitive) flags |= std::regex::icase;
          out->regex = std::regex(std::string(part.substr(1, part.size() - 2)), flags);
        } catch (const std::regex_error& e) {
          return base::InvalidArgument("filter rule '{}': invalid regular expression {}: {}", raw,
                                       part, e.what());
        }
      } else {
        out->glob = case_sensitive ? std::string(part) : ToLower(part);
      }
      return base::Status::Ok();
    };
    SLUICE_RETURN_IF_ERROR(make(schema, &rule.schema));
    SLUICE_RETURN_IF_ERROR(make(table, &rule.table));
    f.rules_.push_back(std::move(rule));
  }
  return f;
}

TableFilter TableFilter::All() { return *Parse({"*.*"}); }

bool TableFilter::MatchPattern(const Pattern& p, std::string_view text) const {
  if (p.is_regex) return std::regex_search(text.begin(), text.end(), p.regex);
  if (case_sensitive_) return GlobMatch(p.glob, text);
  return GlobMatch(p.glob, ToLower(text));
}

bool TableFilter::Match(std::string_view schema, std::string_view table) const {
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    if (MatchPattern(it->schema, schema) && MatchPattern(it->table, table)) return !it->exclude;
  }
  return false;
}

bool TableFilter::MatchSchema(std::string_view schema) const {
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    if (!MatchPattern(it->schema, schema)) continue;
    // An exclusion only excludes the whole schema if it covers every table.
    bool all_tables = !it->table.is_regex && it->table.glob == "*";
    if (!it->exclude) return true;
    if (all_tables) return false;
  }
  return false;
}

}  // namespace sluice::dispatch
