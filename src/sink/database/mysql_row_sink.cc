#include "sink/database/mysql_row_sink.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <mariadb/mysql.h>
#include <mariadb/mysqld_error.h>

#include "base/logging.h"
#include "sink/database/sql_value.h"

namespace sluice::sink::database {
namespace {

auto Log() {
  static auto log = base::Logger("sink.database");
  return log;
}

// Upper bound of one multi-row statement's text (well under the default max_allowed_packet of
// 16 MiB); a larger group is split.
constexpr size_t kMaxStatementBytes = 4 << 20;

// Errors a replayed DDL statement raises when it was already applied.
bool AlreadyApplied(unsigned int err) {
  switch (err) {
    case ER_TABLE_EXISTS_ERROR:      // 1050
    case ER_DUP_FIELDNAME:           // 1060
    case ER_DUP_KEYNAME:             // 1061
    case ER_CANT_DROP_FIELD_OR_KEY:  // 1091
    case ER_BAD_TABLE_ERROR:         // 1051
    case ER_DB_CREATE_EXISTS:        // 1007
    case ER_DB_DROP_EXISTS:          // 1008
    case ER_NO_SUCH_TABLE:           // 1146
    case ER_BAD_FIELD_ERROR:         // 1054
      return true;
    default:
      return false;
  }
}

// Warnings that do not mean a changed value: deprecated syntax (VALUES() in ON DUPLICATE KEY
// UPDATE on MySQL 8) and statement-binlog safety notes of the target.
bool BenignWarning(unsigned int code) {
  return code == 1287 /* ER_WARN_DEPRECATED_SYNTAX */ ||
         code == 1592 /* ER_BINLOG_UNSAFE_STATEMENT */;
}

// InnoDB's limit on the bytes of one index key (DYNAMIC row format, the default).
constexpr size_t kMaxKeyBytes = 3072;

bool IsStringType(const std::string& type) {
  for (std::string_view s : {"char", "text", "binary", "blob"}) {
    if (type.find(s) != std::string::npos) return true;
  }
  return false;
}

// Index bytes of a key column of `type` (utf8mb4: 4 per character); numbers and dates are
// counted generously.
size_t KeyBytes(const std::string& type) {
  auto open = type.find('(');
  size_t n = open == std::string::npos ? 0 : std::strtoul(type.c_str() + open + 1, nullptr, 10);
  if (type.rfind("binary", 0) == 0 || type.rfind("varbinary", 0) == 0) return n;
  if (type.rfind("char", 0) == 0 || type.rfind("varchar", 0) == 0) return 4 * n;
  if (type.rfind("decimal", 0) == 0) return 32;
  return 16;
}

std::string KeyList(const model::TableSchema& t) {
  std::string out;
  for (size_t k : t.primary_key) out += (out.empty() ? "" : ", ") + t.columns[k].name;
  return out;
}

}  // namespace

// The column types of an auto-created table, with key columns that fit InnoDB's key limit:
// a key column of unknown or unbounded length (TEXT/BLOB, canal-json's "varchar" without a
// length) becomes a VARCHAR/VARBINARY sharing the bytes the other key columns leave.
base::Result<std::vector<std::string>> MySqlRowSink::KeyFittingTypes(const std::string& ns,
                                                                    const model::TableSchema& t) {
  std::vector<std::string> types;
  for (const auto& c : t.columns) types.push_back(MySqlTypeFor(c));
  size_t fixed = 0;
  std::vector<size_t> open;  // key columns without a usable length
  for (size_t k : t.primary_key) {
    const std::string& type = types[k];
    if (IsStringType(type) && type.find('(') == std::string::npos) {
      open.push_back(k);
    } else {
      fixed += KeyBytes(type);
    }
  }
  size_t left = fixed < kMaxKeyBytes ? kMaxKeyBytes - fixed : 0;
  size_t share = open.empty() ? 0 : left / open.size();
  if (fixed > kMaxKeyBytes || (!open.empty() && share < 4 * 16)) {
    std::string detail;
    for (size_t k : t.primary_key) {
      detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ", t.columns[k].name, types[k]);
    }
    return base::FailedPrecondition(
        "cannot create target table {}.{} on {}: its primary key ({}) needs more than the {} "
        "bytes an InnoDB key may have (utf8mb4 counts 4 bytes per character); create the "
        "table yourself with shorter key columns (or a key character set with fewer bytes per "
        "character), or shorten the key upstream",
        ns, t.table, options().Endpoint(), detail, kMaxKeyBytes);
  }
  for (size_t k : open) {
    bool bin = types[k].find("blob") != std::string::npos ||
               types[k].find("binary") != std::string::npos;
    types[k] = bin ? fmt::format("varbinary({})", std::min<size_t>(share, kMaxKeyBytes))
                   : fmt::format("varchar({})", std::min<size_t>(share / 4, 768));
  }
  return types;
}

base::Result<std::unique_ptr<MySqlRowSink>> MySqlRowSink::Create(const DatabaseSinkOptions& options,
                                                                 sink::DeliveryCallback callback) {
  std::unique_ptr<MySqlRowSink> sink(new MySqlRowSink(options, std::move(callback)));
  source::mysql::ConnectOptions c;
  c.host = options.host;
  c.port = options.port;
  c.user = options.user;
  c.password = options.password;
  c.connect_timeout = options.connect_timeout;
  auto conn = source::mysql::MySqlConnection::Connect(c);
  if (!conn.ok()) return conn.status().WithContext("sink");
  sink->conn_ = std::move(conn).value();
  SLUICE_RETURN_IF_ERROR(sink->conn_->Exec(
      "SET SESSION time_zone='+00:00', "
      "sql_mode='STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', autocommit=1"));
  return sink;
}

base::Status MySqlRowSink::Exec(const std::string& sql) { return conn_->Exec(sql); }

base::Status MySqlRowSink::ExecWrite(const std::string& sql) {
  SLUICE_RETURN_IF_ERROR(conn_->Exec(sql));
  if (mysql_warning_count(conn_->handle()) == 0) return base::Status::Ok();
  // Even in strict mode some changes are only warnings or notes (1916: a literal over
  // DECIMAL's 65 digits becomes 1e65; 1265: a DECIMAL rounded to a smaller target scale).
  // Stored data must equal the source, so each one fails the write.
  SLUICE_ASSIGN_OR_RETURN(auto warnings, conn_->Query("SHOW WARNINGS"));
  std::string text;
  for (const auto& w : warnings.rows) {
    // Notes too: a DECIMAL rounded to the target's scale is only Note 1265.
    if (w.size() < 3) continue;
    unsigned int code = static_cast<unsigned int>(std::strtoul(w[1].value_or("0").c_str(),
                                                               nullptr, 10));
    if (BenignWarning(code)) continue;
    text += fmt::format("{}{} {}: {}", text.empty() ? "" : "; ", w[0].value_or(""), code,
                        w[2].value_or(""));
  }
  if (text.empty()) return base::Status::Ok();
  return base::FailedPrecondition(
      "{} {} changed a value while writing it ({}); the target would not hold the source's "
      "value",
      TargetName(), options().Endpoint(), text);
}

std::string MySqlRowSink::TargetNamespace(const model::TableSchema& table) const {
  return options().database.empty() ? table.schema : options().database;
}

std::string MySqlRowSink::QuoteIdent(std::string_view name) const {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string MySqlRowSink::Literal(const std::string& s) const {
  return "'" + conn_->Escape(s) + "'";
}

base::Status MySqlRowSink::LoadTarget(const std::string& ns, const std::string& table,
                                      TargetInfo* out) {
  std::string where = fmt::format("table_schema={} AND table_name={}", Literal(ns), Literal(table));
  SLUICE_ASSIGN_OR_RETURN(
      auto cols, conn_->Query("SELECT column_name FROM information_schema.columns WHERE " + where +
                              " ORDER BY ordinal_position"));
  out->exists = !cols.rows.empty();
  for (auto& r : cols.rows) out->columns.push_back(r[0].value_or(""));
  if (!out->exists) {
    // information_schema hides tables the user has no privilege on: ask the table itself.
    base::Status probe =
        conn_->Exec("SELECT 1 FROM " + QuoteIdent(ns) + "." + QuoteIdent(table) + " LIMIT 0");
    if (!probe.ok() && LastErrorWasPermission()) {
      out->access_problem = fmt::format(
          "user '{}' has no privilege on it, so whether it exists cannot be told ({}); GRANT "
          "SELECT, INSERT, UPDATE, DELETE ON {}.{} TO '{}'{}",
          options().user, probe.message(), QuoteIdent(ns), QuoteIdent(table), options().user,
          options().create_tables ? fmt::format(" (and CREATE ON {}.* for create-tables=true)",
                                                QuoteIdent(ns))
                                  : "");
      return base::Status::Ok();
    }
  }
  SLUICE_ASSIGN_OR_RETURN(
      auto keys, conn_->Query("SELECT index_name, column_name FROM information_schema.statistics "
                              "WHERE non_unique=0 AND " +
                              where + " ORDER BY index_name, seq_in_index"));
  out->AddUniqueKeys(keys.rows);
  return base::Status::Ok();
}

base::Status MySqlRowSink::CreateTarget(const std::string& ns, const model::TableSchema& t) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> types, KeyFittingTypes(ns, t));
  SLUICE_RETURN_IF_ERROR(conn_->Exec("CREATE DATABASE IF NOT EXISTS " + QuoteIdent(ns)));
  std::string sql =
      "CREATE TABLE IF NOT EXISTS " + QuoteIdent(ns) + "." + QuoteIdent(t.table) + " (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const auto& c = t.columns[i];
    bool key = std::find(t.primary_key.begin(), t.primary_key.end(), i) != t.primary_key.end();
    sql += QuoteIdent(c.name) + " " + types[i] + (c.nullable && !key ? "" : " NOT NULL") + ", ";
  }
  sql += "PRIMARY KEY (";
  for (size_t i = 0; i < t.primary_key.size(); ++i) {
    sql += (i ? ", " : "") + QuoteIdent(t.columns[t.primary_key[i]].name);
  }
  sql += ")) DEFAULT CHARSET=utf8mb4";
  base::Status st = conn_->Exec(sql);
  if (!st.ok() && conn_->last_errno() == ER_TOO_LONG_KEY) {
    return base::FailedPrecondition(
        "cannot create target table {}.{} on {}: its primary key ({}) is longer than the "
        "server allows ({}); create the table yourself with shorter key columns (or a key "
        "character set with fewer bytes per character) and restart",
        ns, t.table, options().Endpoint(), KeyList(t), st.message());
  }
  return st;
}

base::Status MySqlRowSink::ExecUpsert(const TargetTable& target, const model::TableSchema& t,
                                      const std::vector<const std::vector<model::Value>*>& rows) {
  std::string head = "INSERT INTO " + target.name + " (";
  for (size_t i = 0; i < target.columns.size(); ++i) head += (i ? "," : "") + target.columns[i];
  head += ") VALUES ";
  std::string tail = " ON DUPLICATE KEY UPDATE ";
  bool any = false;
  for (size_t i = 0; i < target.columns.size(); ++i) {
    if (std::find(target.key.begin(), target.key.end(), i) != target.key.end()) continue;
    tail += (any ? "," : "") + target.columns[i] + "=VALUES(" + target.columns[i] + ")";
    any = true;
  }
  if (!any) tail += target.columns[target.key[0]] + "=" + target.columns[target.key[0]];
  std::string sql = head;
  size_t in_stmt = 0;
  for (const auto* row : rows) {
    if (in_stmt > 0 && sql.size() > kMaxStatementBytes) {
      SLUICE_RETURN_IF_ERROR(ExecWrite(sql + tail));
      sql = head;
      in_stmt = 0;
    }
    sql += in_stmt++ ? ",(" : "(";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (i) sql += ',';
      base::Status st = AppendMySqlLiteral(t.columns[i], (*row)[i], &sql);
      if (!st.ok()) return st;
    }
    sql += ')';
  }
  return ExecWrite(sql + tail);
}

base::Status MySqlRowSink::ExecDelete(const TargetTable& target, const model::TableSchema& t,
                                      const std::vector<const std::vector<model::Value>*>& rows) {
  std::string head = "DELETE FROM " + target.name + " WHERE ";
  std::string sql = head;
  size_t in_stmt = 0;
  for (const auto* row : rows) {
    if (in_stmt > 0 && sql.size() > kMaxStatementBytes) {
      SLUICE_RETURN_IF_ERROR(ExecWrite(sql));
      sql = head;
      in_stmt = 0;
    }
    sql += in_stmt++ ? " OR (" : "(";
    for (size_t k = 0; k < target.key.size(); ++k) {
      size_t i = target.key[k];
      sql += (k ? " AND " : "") + target.columns[i] + "=";
      SLUICE_RETURN_IF_ERROR(AppendMySqlLiteral(t.columns[i], (*row)[i], &sql));
    }
    sql += ')';
  }
  return ExecWrite(sql);
}

bool MySqlRowSink::LastErrorWasPermission() const {
  switch (conn_->last_errno()) {
    case ER_DBACCESS_DENIED_ERROR:      // 1044
    case ER_TABLEACCESS_DENIED_ERROR:   // 1142
    case ER_COLUMNACCESS_DENIED_ERROR:  // 1143
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:  // 1227
      return true;
    default:
      return false;
  }
}

base::Status MySqlRowSink::HandleDdl(const model::DdlEvent& ddl) {
  if (options().ddl == DdlMode::kSkip) {
    Log()->info("skipping DDL on {}.{} (ddl=skip): {}", ddl.schema, ddl.table, ddl.sql);
    return base::Status::Ok();
  }
  if (ddl.table.empty() && !options().database.empty()) {
    Log()->info("skipping database-level DDL (the sink maps every table to database {}): {}",
                options().database, ddl.sql);
    return base::Status::Ok();
  }
  std::string ns = options().database.empty() ? ddl.schema : options().database;
  if (!ns.empty() && !conn_->Exec("USE " + QuoteIdent(ns)).ok()) {
    Log()->info("target database {} does not exist (yet); running the DDL without it", ns);
  }
  base::Status st = conn_->Exec(ddl.sql);
  if (!st.ok() && AlreadyApplied(conn_->last_errno())) {
    Log()->warn("DDL looks already applied on the target ({}); continuing: {}", st.message(),
                ddl.sql);
    return base::Status::Ok();
  }
  if (!st.ok()) {
    return base::Status(st.code(), fmt::format("applying DDL `{}` to {}: {}; fix the target or "
                                               "set ddl=skip and apply it by hand",
                                               ddl.sql, options().Endpoint(), st.message()));
  }
  Log()->info("applied DDL on {}: {}", options().Endpoint(), ddl.sql);
  return base::Status::Ok();
}

}  // namespace sluice::sink::database
