// TableFilter: TiDB table-filter syntax for choosing tables ("db.table" patterns).
//
// Each rule is `schema.table` where either part may use wildcards `*`, `?`, character classes
// `[a-z]` / `[!a-z]`, or a regular expression `/.../`. A leading `!` makes a rule exclude.
// When several rules match a table, the LAST matching rule decides; a table no rule matches is
// excluded. Matching is case-insensitive unless case_sensitive is set.
// Examples: ['*.*'] (everything), ['shop.*', '!shop.tmp_*'], ['/^app_\d+$/.orders'].
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sluice::dispatch {

class TableFilter {
 public:
  // Parses `rules`; errors name the offending rule and show the expected syntax.
  static base::Result<TableFilter> Parse(const std::vector<std::string>& rules,
                                         bool case_sensitive = false);
  // A filter that accepts every table.
  static TableFilter All();

  bool Match(std::string_view schema, std::string_view table) const;
  // True if some table in `schema` may match (used for schema-level DDL).
  bool MatchSchema(std::string_view schema) const;

 private:
  struct Pattern {
    bool is_regex = false;
    std::string glob;  // lower-cased unless case-sensitive
    std::regex regex;
  };
  struct Rule {
    bool exclude = false;
    Pattern schema;
    Pattern table;
  };
  bool MatchPattern(const Pattern& p, std::string_view text) const;

  std::vector<Rule> rules_;
  bool case_sensitive_ = false;
};

}  // namespace sluice::dispatch
