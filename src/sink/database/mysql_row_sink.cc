#include "sink/database/mysql_row_sink.h"

#include <algorithm>

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

}  // namespace

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
  SLUICE_ASSIGN_OR_RETURN(
      auto keys, conn_->Query("SELECT index_name, column_name FROM information_schema.statistics "
                              "WHERE non_unique=0 AND " +
                              where + " ORDER BY index_name, seq_in_index"));
  out->AddUniqueKeys(keys.rows);
  return base::Status::Ok();
}

base::Status MySqlRowSink::CreateTarget(const std::string& ns, const model::TableSchema& t) {
  SLUICE_RETURN_IF_ERROR(conn_->Exec("CREATE DATABASE IF NOT EXISTS " + QuoteIdent(ns)));
  std::string sql =
      "CREATE TABLE IF NOT EXISTS " + QuoteIdent(ns) + "." + QuoteIdent(t.table) + " (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const auto& c = t.columns[i];
    std::string type = MySqlTypeFor(c);
    bool key = std::find(t.primary_key.begin(), t.primary_key.end(), i) != t.primary_key.end();
    // A key cannot be a TEXT/BLOB column (no prefix length here): use a VARCHAR/VARBINARY of
    // 2048 bytes, which leaves room for other key columns under InnoDB's 3072-byte limit.
    if (key && (type.find("text") != std::string::npos || type.find("blob") != std::string::npos)) {
      type = type.find("blob") != std::string::npos ? "varbinary(2048)" : "varchar(512)";
    }
    sql += QuoteIdent(c.name) + " " + type + (c.nullable && !key ? "" : " NOT NULL") + ", ";
  }
  sql += "PRIMARY KEY (";
  for (size_t i = 0; i < t.primary_key.size(); ++i) {
    sql += (i ? ", " : "") + QuoteIdent(t.columns[t.primary_key[i]].name);
  }
  sql += ")) DEFAULT CHARSET=utf8mb4";
  return conn_->Exec(sql);
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
      SLUICE_RETURN_IF_ERROR(conn_->Exec(sql + tail));
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
  return conn_->Exec(sql + tail);
}

base::Status MySqlRowSink::ExecDelete(const TargetTable& target, const model::TableSchema& t,
                                      const std::vector<const std::vector<model::Value>*>& rows) {
  std::string head = "DELETE FROM " + target.name + " WHERE ";
  std::string sql = head;
  size_t in_stmt = 0;
  for (const auto* row : rows) {
    if (in_stmt > 0 && sql.size() > kMaxStatementBytes) {
      SLUICE_RETURN_IF_ERROR(conn_->Exec(sql));
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
  return conn_->Exec(sql);
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
