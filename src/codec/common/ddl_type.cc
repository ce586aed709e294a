#include "codec/common/ddl_type.h"

#include <vector>

#include "base/sql_lexer.h"

namespace sluice::codec {
namespace {

using base::SqlCursor;
using base::SqlToken;

// Splits the ALTER TABLE specification list (the tokens after the table name) at top-level
// commas and classifies it.
DdlType ClassifyAlterSpecs(const std::vector<SqlToken>& t) {
  std::vector<std::pair<size_t, size_t>> specs;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].IsPunct('(')) ++depth;
    if (t[i].IsPunct(')')) --depth;
    if ((depth == 0 && t[i].IsPunct(',')) || t[i].IsPunct(';')) {
      specs.emplace_back(start, i);
      start = i + 1;
      if (t[i].IsPunct(';')) break;
    }
  }
  if (start < t.size() && !(start > 0 && t[start - 1].IsPunct(';'))) {
    specs.emplace_back(start, t.size());
  }
  // Drop empty specs.
  std::vector<std::pair<size_t, size_t>> nonempty;
  for (auto s : specs) {
    if (s.second > s.first) nonempty.push_back(s);
  }
  if (nonempty.empty()) return DdlType::kAlter;
  auto is = [&](size_t i, std::string_view keyword) { return i < t.size() && t[i].Is(keyword); };
  bool any_rename_table = false;
  for (auto [b, e] : nonempty) {
    if (is(b, "RENAME") && !is(b + 1, "COLUMN") && !is(b + 1, "INDEX") && !is(b + 1, "KEY")) {
      any_rename_table = true;
    }
  }
  if (any_rename_table && nonempty.size() == 1) return DdlType::kRename;
  if (nonempty.size() != 1) return DdlType::kAlter;
  auto [b, e] = nonempty[0];
  if (is(b, "ADD")) {
    size_t k = b + 1;
    if (is(b + 1, "CONSTRAINT")) {
      k = b + 2;
      // optional constraint symbol
      if (!is(k, "PRIMARY") && !is(k, "UNIQUE") && !is(k, "FOREIGN") && !is(k, "CHECK")) ++k;
    }
    if (is(k, "INDEX") || is(k, "KEY") || is(k, "UNIQUE") || is(k, "PRIMARY") || is(k, "FOREIGN") ||
        is(k, "FULLTEXT") || is(k, "SPATIAL")) {
      return DdlType::kCIndex;
    }
    return DdlType::kAlter;
  }
  if (is(b, "DROP")) {
    if (is(b + 1, "INDEX") || is(b + 1, "KEY") || is(b + 1, "PRIMARY") || is(b + 1, "FOREIGN")) {
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
  SqlCursor c(sql);
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
      std::vector<SqlToken> specs = c.TakeRest();
      info.type = ClassifyAlterSpecs(specs);
      if (info.type == DdlType::kRename) {
        // ALTER TABLE a RENAME [TO|AS] b: report the new name.
        SqlCursor r(std::move(specs));
        while (!r.AtEnd() && !r.Accept("RENAME")) r.Next();
        if (!r.Accept("TO")) r.Accept("AS");
        std::string s, t;
        if (r.Name(&s, &t)) {
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

DdlTarget TargetOf(const model::DdlEvent& ddl, const DdlInfo& info) {
  DdlTarget t{ddl.schema, ddl.table};
  if (t.table.empty()) {
    t.table = info.table;
    if (!info.schema.empty()) t.database = info.schema;
  }
  return t;
}

}  // namespace sluice::codec
