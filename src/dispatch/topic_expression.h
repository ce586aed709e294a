// TopicExpression: a Kafka topic name template, TiCDC-compatible.
//
// Form: [prefix][{schema}][middle][{table}][suffix], where prefix/middle/suffix use only
// A-Z a-z 0-9 . _ -. Substitution replaces other characters of schema/table names with '_',
// truncates to 249 characters, and turns the reserved names "." and ".." into "_" and "__".
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::dispatch {

class TopicExpression {
 public:
  static base::Result<TopicExpression> Parse(std::string_view expr);
  // Builds the expression for TiDB Cloud-style distribution modes.
  static std::string ByTable(std::string_view prefix, std::string_view separator,
                             std::string_view suffix);
  static std::string ByDatabase(std::string_view prefix, std::string_view suffix);

  std::string Substitute(std::string_view schema, std::string_view table) const;
  bool has_schema() const { return has_schema_; }
  bool has_table() const { return has_table_; }
  const std::string& text() const { return text_; }

  // Replaces characters Kafka does not allow in topic names and applies the length limit.
  static std::string Sanitize(std::string_view name);

 private:
  std::string text_;
  bool has_schema_ = false;
  bool has_table_ = false;
};

}  // namespace sluice::dispatch
