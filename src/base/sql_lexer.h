// SqlLexer: the one tokenizer for MySQL/MariaDB SQL text, used wherever sluice reads a statement
// (the binlog parser's transaction-control and DDL-target detection, the codecs' DDL
// classification).
//
// Tolerant and case-insensitive: whitespace and comments (/* */, "-- ", #) are skipped, MySQL
// executable comments (/*!40101 ... */) are read as code, `backquoted` and "double-quoted"
// names are unquoted (doubled quotes kept once), 'strings' unquoted (backslash escapes and
// doubled quotes resolved). Every other character is one punctuation token. Pure and
// thread-safe; tokens are produced one at a time, so reading the first word of a long
// statement does not tokenize the rest.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::base {

struct SqlToken {
  enum Kind { kWord, kQuotedName, kString, kPunct };
  Kind kind = kPunct;
  std::string text;  // as written for words, unquoted for names and strings

  // A word equal to `keyword` (upper-case ASCII) ignoring case.
  bool Is(std::string_view keyword) const;
  bool IsPunct(char c) const { return kind == kPunct && text.size() == 1 && text[0] == c; }
  // A word or a quoted name: what may name a schema, table or index.
  bool IsName() const { return kind == kWord || kind == kQuotedName; }
};

// Reads the next token of `*sql` into `*token` and advances `*sql` past it; false at the end.
bool NextSqlToken(std::string_view* sql, SqlToken* token);

// A cursor over the tokens of one statement, with look-ahead.
class SqlCursor {
 public:
  explicit SqlCursor(std::string_view sql) : rest_(sql) {}
  // Over tokens already read (e.g. from TakeRest()).
  explicit SqlCursor(std::vector<SqlToken> tokens) : ahead_(std::move(tokens)) {}

  bool AtEnd() { return Peek() == nullptr; }
  void Next();
  // The token `k` positions ahead, or null past the end.
  const SqlToken* Peek(size_t k = 0);
  // Consumes the next token if it is the word `keyword` / the punctuation `c`.
  bool Accept(std::string_view keyword);
  bool AcceptPunct(char c);
  // Consumes `[schema.]name`; false (nothing consumed) if no name follows. `*schema` is cleared
  // when the name is not qualified.
  bool Name(std::string* schema, std::string* name);
  // Consumes `IF [NOT] EXISTS` if present.
  void SkipIfExists();
  // Consumes and returns every remaining token.
  std::vector<SqlToken> TakeRest();

 private:
  std::string_view rest_;
  std::vector<SqlToken> ahead_;  // tokens read; ahead_[head_] is the next one
  size_t head_ = 0;
};

}  // namespace sluice::base
