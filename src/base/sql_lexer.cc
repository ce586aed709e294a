#include "base/sql_lexer.h"

#include <cctype>
#include <iterator>

namespace sluice::base {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Skips whitespace and comments; an executable comment's opening (/*!NNNNN) and closing (*/)
// are skipped too, so its body reads as code.
void SkipSpaceAndComments(std::string_view* sql) {
  std::string_view& s = *sql;
  while (!s.empty()) {
    if (IsSpace(s[0])) {
      s.remove_prefix(1);
    } else if (s.starts_with("/*!")) {
      size_t i = 3;
      while (i < s.size() && IsDigit(s[i])) ++i;
      s.remove_prefix(i);
    } else if (s.starts_with("/*")) {
      size_t end = s.find("*/", 2);
      s.remove_prefix(end == std::string_view::npos ? s.size() : end + 2);
    } else if (s.starts_with("*/")) {
      s.remove_prefix(2);
    } else if (s[0] == '#' || (s.starts_with("--") && (s.size() == 2 || IsSpace(s[2])))) {
      size_t end = s.find('\n');
      s.remove_prefix(end == std::string_view::npos ? s.size() : end + 1);
    } else {
      return;
    }
  }
}

}  // namespace

bool SqlToken::Is(std::string_view keyword) const {
  if (kind != kWord || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

bool NextSqlToken(std::string_view* sql, SqlToken* token) {
  SkipSpaceAndComments(sql);
  std::string_view& s = *sql;
  if (s.empty()) return false;
  char c = s[0];
  token->text.clear();
  if (c == '`' || c == '"' || c == '\'') {
    size_t i = 1;
    while (i < s.size()) {
      if (s[i] == c) {
        if (i + 1 < s.size() && s[i + 1] == c) {  // doubled quote
          token->text.push_back(c);
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      if (s[i] == '\\' && c == '\'' && i + 1 < s.size()) {
        token->text.push_back(s[i + 1]);
        i += 2;
        continue;
      }
      token->text.push_back(s[i++]);
    }
    token->kind = c == '\'' ? SqlToken::kString : SqlToken::kQuotedName;
    s.remove_prefix(i);
  } else if (IsWordChar(c)) {
    size_t i = 1;
    while (i < s.size() && IsWordChar(s[i])) ++i;
    token->kind = SqlToken::kWord;
    token->text.assign(s.substr(0, i));
    s.remove_prefix(i);
  } else {
    token->kind = SqlToken::kPunct;
    token->text.assign(1, c);
    s.remove_prefix(1);
  }
  return true;
}

const SqlToken* SqlCursor::Peek(size_t k) {
  while (ahead_.size() - head_ <= k) {
    SqlToken t;
    if (!NextSqlToken(&rest_, &t)) return nullptr;
    ahead_.push_back(std::move(t));
  }
  return &ahead_[head_ + k];
}

void SqlCursor::Next() {
  if (!Peek()) return;
  if (++head_ == ahead_.size()) {
    ahead_.clear();
    head_ = 0;
  }
}

bool SqlCursor::Accept(std::string_view keyword) {
  const SqlToken* t = Peek();
  if (!t || !t->Is(keyword)) return false;
  Next();
  return true;
}

bool SqlCursor::AcceptPunct(char c) {
  const SqlToken* t = Peek();
  if (!t || !t->IsPunct(c)) return false;
  Next();
  return true;
}

bool SqlCursor::Name(std::string* schema, std::string* name) {
  const SqlToken* first = Peek();
  if (!first || !first->IsName()) return false;
  const SqlToken* dot = Peek(1);
  bool qualified = dot && dot->IsPunct('.') && Peek(2) && Peek(2)->IsName();
  if (qualified) {
    *schema = std::move(ahead_[head_].text);
    *name = std::move(ahead_[head_ + 2].text);
    Next();
    Next();
  } else {
    schema->clear();
    *name = std::move(ahead_[head_].text);
  }
  Next();
  return true;
}

void SqlCursor::SkipIfExists() {
  if (Accept("IF")) {
    Accept("NOT");
    Accept("EXISTS");
  }
}

std::vector<SqlToken> SqlCursor::TakeRest() {
  std::vector<SqlToken> out(std::make_move_iterator(ahead_.begin() + head_),
                            std::make_move_iterator(ahead_.end()));
  ahead_.clear();
  head_ = 0;
  SqlToken t;
  while (NextSqlToken(&rest_, &t)) out.push_back(std::move(t));
  return out;
}

}  // namespace sluice::base
