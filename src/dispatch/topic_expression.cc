#include "dispatch/topic_expression.h"

#include <regex>

namespace sluice::dispatch {

namespace {
constexpr size_t kMaxTopicLength = 249;

bool IsTopicChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

void Replace(std::string* s, std::string_view from, std::string_view to) {
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}
}  // namespace

base::Result<TopicExpression> TopicExpression::Parse(std::string_view expr) {
  static const std::regex kValid(
      R"(^[A-Za-z0-9\._\-]*(\{schema\})?([A-Za-z0-9\._\-]*\{table\})?[A-Za-z0-9\._\-]*$)");
  if (expr.empty() || !std::regex_match(expr.begin(), expr.end(), kValid)) {
    return base::InvalidArgument(
        "topic expression '{}' is invalid: use [prefix][{{schema}}][middle][{{table}}][suffix] "
        "with only A-Z a-z 0-9 . _ - around the placeholders, e.g. 'cdc_{{schema}}_{{table}}'",
        expr);
  }
  TopicExpression t;
  t.text_ = std::string(expr);
  t.has_schema_ = expr.find("{schema}") != std::string_view::npos;
  t.has_table_ = expr.find("{table}") != std::string_view::npos;
  if (!t.has_schema_ && !t.has_table_ && expr.size() > kMaxTopicLength) {
    return base::InvalidArgument("topic '{}' is longer than Kafka's limit of {} characters", expr,
                                 kMaxTopicLength);
  }
  return t;
}

std::string TopicExpression::ByTable(std::string_view prefix, std::string_view separator,
                                     std::string_view suffix) {
  return std::string(prefix) + "{schema}" + std::string(separator) + "{table}" +
         std::string(suffix);
}

std::string TopicExpression::ByDatabase(std::string_view prefix, std::string_view suffix) {
  return std::string(prefix) + "{schema}" + std::string(suffix);
}

std::string TopicExpression::Sanitize(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!IsTopicChar(c)) c = '_';
  }
  if (out.size() > kMaxTopicLength) out.resize(kMaxTopicLength);
  if (out == ".") return "_";
  if (out == "..") return "__";
  return out;
}

std::string TopicExpression::Substitute(std::string_view schema, std::string_view table) const {
  std::string out = text_;
  if (has_schema_) Replace(&out, "{schema}", schema);
  if (has_table_) Replace(&out, "{table}", table);
  return Sanitize(out);
}

}  // namespace sluice::dispatch
