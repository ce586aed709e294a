#include "diff/table_diff.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/text.h"
#include "sink/database/database_sink_options.h"
#include "sink/database/pg_connection.h"
#include "source/mysql/mysql_connection.h"

namespace sluice::diff {
namespace {

using sink::database::DatabaseSinkOptions;
using sink::database::ParseDatabaseSinkUri;
using sink::database::PgConnection;
using sink::database::PgConnectOptions;
using sink::database::TargetKind;

using base::ToLower;

using Text = std::optional<std::string>;
using RowTexts = std::vector<Text>;

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

// The category one side's declared type suggests (data_type from information_schema).
DiffCategory SideCategory(const std::string& type) {
  std::string t = ToLower(type);
  if (t == "json" || t == "jsonb") return DiffCategory::kJson;
  if (t == "boolean") return DiffCategory::kBool;
  if (t == "bit" || t == "bit varying") return DiffCategory::kBit;
  if (t == "binary" || t == "varbinary" || t.find("blob") != std::string::npos || t == "bytea" ||
      t == "geometry" || t == "point" || t == "linestring" || t == "polygon" ||
      t.find("multi") == 0 || t == "geometrycollection") {
    return DiffCategory::kBinary;
  }
  if (t == "float" || t == "real") return DiffCategory::kFloat;
  if (t == "double" || t == "double precision") return DiffCategory::kDouble;
  if (t == "date" || t == "datetime" || t == "time" || t.find("timestamp") == 0 ||
      t.find("time ") == 0 || t == "interval") {
    return DiffCategory::kTemporal;
  }
  if (t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" || t == "integer" ||
      t == "bigint" || t == "decimal" || t == "numeric" || t == "year") {
    return DiffCategory::kNumeric;
  }
  return DiffCategory::kText;
}

// Combines both sides' categories: the more specific one wins.
DiffCategory Combine(DiffCategory a, DiffCategory b) {
  static const DiffCategory kOrder[] = {
      DiffCategory::kJson,  DiffCategory::kBool,   DiffCategory::kBit,     DiffCategory::kBinary,
      DiffCategory::kFloat, DiffCategory::kDouble, DiffCategory::kNumeric, DiffCategory::kTemporal};
  for (auto c : kOrder)
    if (a == c || b == c) return c;
  return DiffCategory::kText;
}

std::string NormalizeNumeric(const std::string& raw) {
  std::string s = raw;
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::string digits = s.substr(i);
  if (digits.find_first_not_of("0123456789.") != std::string::npos) return raw;
  auto dot = digits.find('.');
  std::string ip = dot == std::string::npos ? digits : digits.substr(0, dot);
  std::string fp = dot == std::string::npos ? "" : digits.substr(dot + 1);
  ip.erase(0, std::min(ip.find_first_not_of('0'), ip.size()));
  while (!fp.empty() && fp.back() == '0') fp.pop_back();
  if (ip.empty()) ip = "0";
  std::string out = ip + (fp.empty() ? "" : "." + fp);
  if (neg && out != "0") out = "-" + out;
  return out;
}

// The shortest text of the value as a float (single) or double: equal values compare equal,
// different ones never do (both servers print floats and doubles in a round-trip form; a
// MariaDB FLOAT is read as CAST(.. AS DOUBLE), its exact value).
template <typename F>
std::string NormalizeFloat(const std::string& raw) {
  std::string_view s = raw;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  F v;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return raw;
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string NormalizeTemporal(std::string s) {
  if (s.size() > 3 && (s.ends_with("+00") || s.ends_with("-00"))) s.resize(s.size() - 3);
  auto dot = s.rfind('.');
  if (dot != std::string::npos && s.find_first_not_of("0123456789", dot + 1) == std::string::npos) {
    while (s.size() > dot + 1 && s.back() == '0') s.pop_back();
    if (s.size() == dot + 1) s.pop_back();
  }
  return s;
}

// Numeric-aware ordering of normalized key texts, for a stable report order.
bool NumericLess(const std::string& a, const std::string& b) {
  bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
  if (na != nb) return na;
  auto ia = a.find('.'), ib = b.find('.');
  size_t la = (ia == std::string::npos ? a.size() : ia) - na;
  size_t lb = (ib == std::string::npos ? b.size() : ib) - nb;
  if (la != lb) return na ? la > lb : la < lb;
  return na ? a > b : a < b;
}

struct Side {
  std::string name;  // "left" / "right"
  DatabaseSinkOptions options;
  std::string ns;
  std::string table;
  std::unique_ptr<source::mysql::MySqlConnection> mysql;
  std::unique_ptr<PgConnection> pg;
  std::vector<std::string> columns;
  std::vector<std::string> types;
  std::vector<std::string> primary_key;

  bool is_pg() const { return options.kind == TargetKind::kPostgres; }
  std::string Display() const { return ns + "." + table + " on " + options.Endpoint(); }

  base::Result<std::vector<RowTexts>> Query(const std::string& sql,
                                            const std::vector<std::string>& params) {
    std::vector<RowTexts> rows;
    if (is_pg()) {
      std::vector<Text> p(params.begin(), params.end());
      SLUICE_ASSIGN_OR_RETURN(auto r, pg->Query(sql, p));
      rows = std::move(r.rows);
    } else {
      std::string text = sql;
      for (const auto& p : params) {
        auto pos = text.find('?');
        text.replace(pos, 1, "'" + mysql->Escape(p) + "'");
      }
      SLUICE_ASSIGN_OR_RETURN(auto r, mysql->Query(text));
      rows = std::move(r.rows);
    }
    return rows;
  }

  std::string Quote(const std::string& id) const {
    if (is_pg()) return PgConnection::QuoteIdent(id);
    std::string out = "`";
    for (char c : id) out += c == '`' ? std::string("``") : std::string(1, c);
    return out + "`";
  }

  base::Status Open(const std::string& uri, const std::string& db, const std::string& tbl) {
    auto parsed = ParseDatabaseSinkUri(uri);
    if (!parsed.ok()) return parsed.status().WithContext("--" + name);
    options = std::move(parsed).value();
    table = tbl;
    if (is_pg()) {
      ns = options.schema.empty() ? db : options.schema;
      PgConnectOptions c;
      c.host = options.host;
      c.port = options.port;
      c.user = options.user;
      c.password = options.password;
      c.database = options.database;
      c.sslmode = options.sslmode;
      auto conn = PgConnection::Connect(c);
      if (!conn.ok()) return conn.status().WithContext("--" + name);
      pg = std::move(conn).value();
    } else {
      ns = options.database.empty() ? db : options.database;
      source::mysql::ConnectOptions c;
      c.host = options.host;
      c.port = options.port;
      c.user = options.user;
      c.password = options.password;
      auto conn = source::mysql::MySqlConnection::Connect(c);
      if (!conn.ok()) return conn.status().WithContext("--" + name);
      mysql = std::move(conn).value();
      SLUICE_RETURN_IF_ERROR(mysql->Exec("SET SESSION time_zone='+00:00'"));
    }
    std::string p = is_pg() ? "$1" : "?";
    std::string p2 = is_pg() ? "$2" : "?";
    SLUICE_ASSIGN_OR_RETURN(
        auto cols, Query("SELECT column_name, data_type FROM information_schema.columns WHERE "
                         "table_schema=" +
                             p + " AND table_name=" + p2 + " ORDER BY ordinal_position",
                         {ns, table}));
    if (cols.empty()) {
      return base::NotFound("--{}: table {} does not exist (or has no columns you may read)", name,
                            Display());
    }
    for (auto& r : cols) {
      columns.push_back(r[0].value_or(""));
      types.push_back(r[1].value_or(""));
    }
    std::vector<RowTexts> pk;
    if (is_pg()) {
      SLUICE_ASSIGN_OR_RETURN(
          pk, Query("SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
                    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                    "WHERE n.nspname=$1 AND c.relname=$2 AND i.indisprimary ORDER BY k.ord",
                    {ns, table}));
    } else {
      SLUICE_ASSIGN_OR_RETURN(
          pk, Query("SELECT column_name FROM information_schema.statistics WHERE table_schema=? "
                    "AND table_name=? AND index_name='PRIMARY' ORDER BY seq_in_index",
                    {ns, table}));
    }
    for (auto& r : pk) primary_key.push_back(r[0].value_or(""));
    return base::Status::Ok();
  }

  int Find(const std::string& column) const {
    for (size_t i = 0; i < columns.size(); ++i)
      if (ToLower(columns[i]) == ToLower(column)) return static_cast<int>(i);
    return -1;
  }
};

struct Compared {
  std::string name;
  int left;
  int right;
  DiffCategory category;
};

std::string KeyDisplay(const std::vector<Compared>& key_cols, const std::vector<Text>& key) {
  std::string out = "(";
  for (size_t i = 0; i < key.size(); ++i) {
    out += (i ? ", " : "") + key_cols[i].name + "=" + key[i].value_or("NULL");
  }
  return out + ")";
}

std::string Shown(const Text& t) {
  if (!t) return "NULL";
  std::string s = *t;
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return "'" + s + "'";
}

// The columns both sides have (minus the ignored ones), with the category their values are
// compared in; a column on one side only is a schema problem.
std::vector<Compared> MatchColumns(const Side& left, const Side& right, const DiffOptions& options,
                                   DiffReport* report) {
  std::vector<Compared> cols;
  auto ignored = [&](const std::string& name) {
    for (const auto& c : options.ignore_columns)
      if (ToLower(c) == ToLower(name)) return true;
    return false;
  };
  for (size_t i = 0; i < left.columns.size(); ++i) {
    if (ignored(left.columns[i])) continue;
    int r = right.Find(left.columns[i]);
    if (r < 0) {
      report->schema_problems.push_back(
          fmt::format("column {} exists only on the left ({})", left.columns[i], left.Display()));
      continue;
    }
    cols.push_back(
        {left.columns[i], static_cast<int>(i), r,
         Combine(SideCategory(left.types[i]), SideCategory(right.types[static_cast<size_t>(r)]))});
  }
  for (size_t i = 0; i < right.columns.size(); ++i) {
    if (left.Find(right.columns[i]) < 0 && !ignored(right.columns[i])) {
      report->schema_problems.push_back(fmt::format("column {} exists only on the right ({})",
                                                    right.columns[i], right.Display()));
    }
  }
  return cols;
}

}  // namespace

std::string NormalizeValue(DiffCategory category, bool from_postgres, const std::string& raw) {
  switch (category) {
    case DiffCategory::kText:
      return raw;
    case DiffCategory::kBinary: {
      std::string out;
      if (from_postgres && raw.starts_with("\\x")) {
        out = raw.substr(2);
        for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else {
        AppendHex(raw, &out);
      }
      return out;
    }
    case DiffCategory::kNumeric:
      return NormalizeNumeric(raw);
    case DiffCategory::kFloat:
      return NormalizeFloat<float>(raw);
    case DiffCategory::kDouble:
      return NormalizeFloat<double>(raw);
    case DiffCategory::kBool: {
      std::string l = ToLower(raw);
      if (l == "t" || l == "true") return "1";
      if (l == "f" || l == "false") return "0";
      return NormalizeNumeric(raw);
    }
    case DiffCategory::kBit: {
      uint64_t v = 0;
      if (from_postgres && raw.find_first_not_of("01") == std::string::npos) {
        for (char c : raw) v = (v << 1) | static_cast<uint64_t>(c == '1');
      } else if (from_postgres) {
        return NormalizeNumeric(raw);
      } else {
        for (unsigned char c : raw) v = (v << 8) | c;
      }
      return std::to_string(v);
    }
    case DiffCategory::kJson: {
      auto j = nlohmann::json::parse(raw, nullptr, false);
      if (j.is_discarded()) return raw;
      return j.dump();
    }
    case DiffCategory::kTemporal:
      return NormalizeTemporal(raw);
  }
  return raw;
}

std::string DiffReport::ToString() const {
  std::string out = fmt::format(
      "left {} rows, right {} rows: {} missing on the right, {} extra on the right, {} "
      "different",
      left_rows, right_rows, missing, extra, different);
  for (const auto& p : schema_problems) out += "\n  schema: " + p;
  for (const auto& d : details) out += "\n  " + d;
  size_t total = missing + extra + different;
  if (total > details.size()) {
    out += fmt::format("\n  ... and {} more", total - details.size());
  }
  return out;
}

base::Result<DiffReport> DiffTables(const DiffOptions& options) {
  auto dot = options.table.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == options.table.size()) {
    return base::InvalidArgument("--table '{}' must be database.table (e.g. shop.orders)",
                                 options.table);
  }
  std::string db = options.table.substr(0, dot);
  std::string tbl = options.table.substr(dot + 1);
  Side left{.name = "left"}, right{.name = "right"};
  SLUICE_RETURN_IF_ERROR(left.Open(options.left_uri, db, tbl));
  SLUICE_RETURN_IF_ERROR(right.Open(options.right_uri, db, tbl));

  DiffReport report;
  std::vector<Compared> cols = MatchColumns(left, right, options, &report);
  std::vector<std::string> key_names = options.key.empty() ? left.primary_key : options.key;
  if (key_names.empty()) {
    return base::InvalidArgument(
        "table {} has no primary key; name the columns that identify a row with --key",
        left.Display());
  }
  std::vector<size_t> key_idx;  // into cols
  for (const auto& k : key_names) {
    auto it = std::find_if(cols.begin(), cols.end(),
                           [&](const Compared& c) { return ToLower(c.name) == ToLower(k); });
    if (it == cols.end()) {
      return base::NotFound("key column {} is not a column of both tables; check --key", k);
    }
    key_idx.push_back(static_cast<size_t>(it - cols.begin()));
  }
  std::vector<Compared> key_cols;
  for (size_t k : key_idx) key_cols.push_back(cols[k]);

  auto select = [&](Side& s, bool use_left) {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < cols.size(); ++i) {
      auto idx = static_cast<size_t>(use_left ? cols[i].left : cols[i].right);
      std::string col = s.Quote(s.columns[idx]);
      // MariaDB prints a FLOAT with 6 digits (866.998 for 866.9985): read its exact value.
      if (!s.is_pg() && ToLower(s.types[idx]) == "float") col = "CAST(" + col + " AS DOUBLE)";
      sql += (i ? ", " : "") + col;
    }
    return sql + " FROM " + s.Quote(s.ns) + "." + s.Quote(s.table);
  };
  auto key_less = [&](const std::vector<Text>& a, const std::vector<Text>& b) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] == b[i]) continue;
      if (!a[i] || !b[i]) return !a[i];
      if (key_cols[i].category == DiffCategory::kNumeric) return NumericLess(*a[i], *b[i]);
      return *a[i] < *b[i];
    }
    return false;
  };
  using Table = std::map<std::vector<Text>, RowTexts, decltype(key_less)>;
  auto load = [&](Side& s, bool use_left, Table* out) -> base::Status {
    SLUICE_ASSIGN_OR_RETURN(auto rows, s.Query(select(s, use_left), {}));
    for (auto& r : rows) {
      for (size_t i = 0; i < cols.size(); ++i) {
        if (!r[i]) continue;
        // PostgreSQL char(n) pads with spaces where MySQL CHAR strips them.
        int idx = use_left ? cols[i].left : cols[i].right;
        if (s.is_pg() && ToLower(s.types[static_cast<size_t>(idx)]) == "character") {
          while (!r[i]->empty() && r[i]->back() == ' ') r[i]->pop_back();
        }
        r[i] = NormalizeValue(cols[i].category, s.is_pg(), *r[i]);
      }
      std::vector<Text> key;
      for (size_t k : key_idx) key.push_back(r[k]);
      if (!out->emplace(std::move(key), std::move(r)).second) {
        return base::InvalidArgument("--key ({}) does not identify rows of {}: a key repeats",
                                     fmt::join(key_names, ", "), s.Display());
      }
    }
    return base::Status::Ok();
  };
  Table lrows(key_less), rrows(key_less);
  SLUICE_RETURN_IF_ERROR(load(left, true, &lrows));
  SLUICE_RETURN_IF_ERROR(load(right, false, &rrows));
  report.left_rows = lrows.size();
  report.right_rows = rrows.size();

  auto note = [&](std::string line) {
    if (report.details.size() < options.max_report) report.details.push_back(std::move(line));
  };
  auto li = lrows.begin();
  auto ri = rrows.begin();
  while (li != lrows.end() || ri != rrows.end()) {
    if (ri == rrows.end() || (li != lrows.end() && key_less(li->first, ri->first))) {
      ++report.missing;
      note("missing on the right: key " + KeyDisplay(key_cols, li->first));
      ++li;
    } else if (li == lrows.end() || key_less(ri->first, li->first)) {
      ++report.extra;
      note("extra on the right: key " + KeyDisplay(key_cols, ri->first));
      ++ri;
    } else {
      for (size_t i = 0; i < cols.size(); ++i) {
        if (li->second[i] != ri->second[i]) {
          ++report.different;
          note(fmt::format("different: key {} column {}: left {} right {}",
                           KeyDisplay(key_cols, li->first), cols[i].name, Shown(li->second[i]),
                           Shown(ri->second[i])));
          break;
        }
      }
      ++li;
      ++ri;
    }
  }
  return report;
}

}  // namespace sluice::diff
