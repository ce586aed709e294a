#include "codec/common/ddl_type.h"

#include <cctype>
#include <vector>

namespace sluice::codec {
namespace {

struct Token {
  enum Kind { kWord, kQuotedName, kString, kPunct } kind;
  std::string text;  // words upper-cased; names unquoted
  bool Is(std::string_view w) const { return kind == kWord && text == w; }
  bool IsPunct(char c) const { return kind == kPunct && text.size() == 1 && text[0] == c; }
};

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0, n = s.size();
  while (i < n) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      if (i + 2 < n && s[i + 2] == '!') {  // executable comment: read its body as code
        i += 3;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      } else {
        size_t end = s.find("*/", i + 2);
        i = end == std::string_view::npos ? n : end + 2;
      }
    } else if (c == '*' && i + 1 < n && s[i + 1] == '/') {
      i += 2;  // end of an executable comment
    } else if (c == '#' || (c == '-' && s.substr(i, 2) == "--" &&
                            (i + 2 == n || std::isspace(static_cast<unsigned char>(s[i + 2]))))) {
      size_t end = s.find('\n', i);
      i = end == std::string_view::npos ? n : end + 1;
    } else if (c == '`' || c == '"' || c == '\'') {
      std::string text;
      ++i;
      while (i < n) {
        if (s[i] == c) {
          if (i + 1 < n && s[i + 1] == c) {  // doubled quote
            text.push_back(c);
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (s[i] == '\\' && c == '\'' && i + 1 < n) {
          text.push_back(s[i + 1]);
          i += 2;
          continue;
        }
        text.push_back(s[i++]);
      }
      out.push_back({c == '\'' ? Token::kString : Token::kQuotedName, std::move(text)});
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
               static_cast<unsigned char>(c) >= 0x80) {
      size_t start = i;
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                       s[i] == '$' || static_cast<unsigned char>(s[i]) >= 0x80)) {
        ++i;
      }
      std::string text(s.substr(start, i - start));
      Token t{Token::kWord, text};
      for (auto& ch : t.text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      // Words carry "UPPER\0original"; Cursor splits them so Is() compares the upper form.
      t.text += '\0';
      t.text += text;
      out.push_back(std::move(t));
    } else {
      out.push_back({Token::kPunct, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::vector<Token> toks) : t_(std::move(toks)) {
    for (auto& tok : t_) {
      if (tok.kind == Token::kWord) {
        size_t z = tok.text.find('\0');
        original_.push_back(tok.text.substr(z + 1));
        tok.text.resize(z);
      } else {
        original_.push_back(tok.text);
      }
    }
  }
  bool AtEnd() const { return i_ >= t_.size(); }
  void Next() { ++i_; }
  const Token* Peek(size_t k = 0) const { return i_ + k < t_.size() ? &t_[i_ + k] : nullptr; }
  bool Accept(std::string_view w) {
    if (Peek() && Peek()->Is(w)) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AcceptPunct(char c) {
    if (Peek() && Peek()->IsPunct(c)) {
      ++i_;
      return true;
    }
    return false;
  }
  // [schema.]name; returns false if no name follows.
  bool Name(std::string* schema, std::string* name) {
    if (!IsNameTok(Peek())) return false;
    std::string first = original_[i_++];
    if (Peek() && Peek()->IsPunct('.') && IsNameTok(Peek(1))) {
      ++i_;
      *schema = first;
      *name = original_[i_++];
    } else {
      schema->clear();
      *name = first;
    }
    return true;
  }
  void SkipIfExists() {
    if (Accept("IF")) {
      Accept("NOT");
      Accept("EXISTS");
    }
  }
  size_t pos() const { return i_; }
  const std::vector<Token>& tokens() const { return t_; }

 private:
  static bool IsNameTok(const Token* t) {
    return t && (t->kind == Token::kWord || t->kind == Token::kQuotedName);
  }
  std::vector<Token> t_;
  std::vector<std::string> original_;
  size_t i_ = 0;
};

// Splits the ALTER TABLE specification list (tokens from `from`) at top-level commas and
// classifies it.
DdlType ClassifyAlterSpecs(const std::vector<Token>& t, size_t from) {
  std::vector<std::pair<size_t, size_t>> specs;
  int depth = 0;
  size_t start = from;
  for (size_t i = from; i < t.size(); ++i) {
    if (t[i].IsPunct('(')) ++depth;
    if (t[i].IsPunct(')')) --depth;
    if ((depth == 0 && t[i].IsPunct(',')) || t[i].IsPunct(';')) {
      specs.emplace_back(start, i);
      start = i + 1;
      if (t[i].IsPunct(';')) break;
    }
  }
  if (start < t.size() && !(start > from && t[start - 1].IsPunct(';'))) {
    specs.emplace_back(start, t.size());
  }
  // Drop empty specs.
  std::vector<std::pair<size_t, size_t>> nonempty;
  for (auto s : specs) {
    if (s.second > s.first) nonempty.push_back(s);
  }
  if (nonempty.empty()) return DdlType::kAlter;
  auto word = [&](size_t i) -> std::string_view {
    return i < t.size() && t[i].kind == Token::kWord ? std::string_view(t[i].text)
                                                     : std::string_view();
  };
  bool any_rename_table = false;
  for (auto [b, e] : nonempty) {
    if (word(b) == "RENAME" && word(b + 1) != "COLUMN" && word(b + 1) != "INDEX" &&
        word(b + 1) != "KEY") {
      any_rename_table = true;
    }
  }
  if (any_rename_table && nonempty.size() == 1) return DdlType::kRename;
  if (nonempty.size() != 1) return DdlType::kAlter;
  auto [b, e] = nonempty[0];
  std::string_view w0 = word(b), w1 = word(b + 1);
  if (w0 == "ADD") {
    size_t k = b + 1;
    if (w1 == "CONSTRAINT") {
      k = b + 2;
      // optional constraint symbol
      if (word(k) != "PRIMARY" && word(k) != "UNIQUE" && word(k) != "FOREIGN" &&
          word(k) != "CHECK") {
        ++k;
      }
    }
    std::string_view w = word(k);
    if (w == "INDEX" || w == "KEY" || w == "UNIQUE" || w == "PRIMARY" || w == "FOREIGN" ||
        w == "FULLTEXT" || w == "SPATIAL") {
      return DdlType::kCIndex;
    }
    return DdlType::kAlter;
  }
  if (w0 == "DROP") {
    if (w1 == "INDEX" || w1 == "KEY" || w1 == "PRIMARY" || w1 == "FOREIGN") {
      return DdlType::kDIndex;
    }
    return DdlType::kAlter;
  }
  return DdlType::kAlter;
}

}  // namespace

std::string_view DdlTypeName(DdlType type) {
  switch (type) {
    case DdlType::kCreate:
      return "CREATE";
    case DdlType::kRename:
      return "RENAME";
    case DdlType::kCIndex:
      return "CINDEX";
    case DdlType::kDIndex:
      return "DINDEX";
    case DdlType::kAlter:
      return "ALTER";
    case DdlType::kErase:
      return "ERASE";
    case DdlType::kTruncate:
      return "TRUNCATE";
    case DdlType::kQuery:
      return "QUERY";
  }
  return "QUERY";
}

DdlInfo ClassifyDdl(std::string_view sql) {
  DdlInfo info;
  Cursor c(Tokenize(sql));
  auto database_stmt = [&] {
    c.SkipIfExists();
    std::string ignored;
    c.Name(&ignored, &info.schema);
    info.type = DdlType::kQuery;
    return info;
  };
  if (c.Accept("CREATE")) {
    if (c.Accept("OR")) c.Accept("REPLACE");
    c.Accept("TEMPORARY");
    if (c.Accept("DATABASE") || c.Accept("SCHEMA")) return database_stmt();
    if (c.Accept("TABLE")) {
      c.SkipIfExists();
      c.Name(&info.schema, &info.table);
      info.type = DdlType::kCreate;
      return info;
    }
    c.Accept("ONLINE");
    c.Accept("OFFLINE");
    if (!c.Accept("UNIQUE") && !c.Accept("FULLTEXT")) c.Accept("SPATIAL");
    if (c.Accept("INDEX")) {
      c.SkipIfExists();
      std::string s, idx;
      c.Name(&s, &idx);
      while (!c.AtEnd() && !c.Accept("ON")) c.Next();
      c.Name(&info.schema, &info.table);
      info.type = DdlType::kCIndex;
      return info;
    }
    return info;  // views, sequences, functions, ... -> QUERY
  }
  if (c.Accept("DROP")) {
    c.Accept("TEMPORARY");
    if (c.Accept("DATABASE") || c.Accept("SCHEMA")) return database_stmt();
    if (c.Accept("TABLE") || c.Accept("TABLES")) {
      c.SkipIfExists();
      c.Name(&info.schema, &info.table);
      info.type = DdlType::kErase;
      return info;
    }
    c.Accept("ONLINE");
    c.Accept("OFFLINE");
    if (c.Accept("INDEX")) {
      c.SkipIfExists();
      std::string s, idx;
      c.Name(&s, &idx);
      if (c.Accept("ON")) c.Name(&info.schema, &info.table);
      info.type = DdlType::kDIndex;
      return info;
    }
    return info;
  }
  if (c.Accept("TRUNCATE")) {
    c.Accept("TABLE");
    c.Name(&info.schema, &info.table);
    info.type = DdlType::kTruncate;
    return info;
  }
  if (c.Accept("RENAME")) {
    if (c.Accept("TABLE") || c.Accept("TABLES")) {
      std::string s, t;
      c.Name(&s, &t);
      if (c.Accept("TO") || c.Accept("AS")) c.Name(&info.schema, &info.table);
      info.type = DdlType::kRename;
    }
    return info;
  }
  if (c.Accept("ALTER")) {
    c.Accept("ONLINE");
    c.Accept("OFFLINE");
    c.Accept("IGNORE");
    if (c.Accept("DATABASE") || c.Accept("SCHEMA")) return database_stmt();
    if (c.Accept("TABLE")) {
      c.SkipIfExists();
      c.Name(&info.schema, &info.table);
      info.type = ClassifyAlterSpecs(c.tokens(), c.pos());
      if (info.type == DdlType::kRename) {
        // ALTER TABLE a RENAME [TO|AS] b: report the new name.
        while (!c.AtEnd() && !c.Accept("RENAME")) c.Next();
        if (!c.Accept("TO")) c.Accept("AS");
        std::string s, t;
        if (c.Name(&s, &t)) {
          if (!s.empty()) info.schema = s;
          info.table = t;
        }
      }
      return info;
    }
    return info;
  }
  return info;
}

}  // namespace sluice::codec
