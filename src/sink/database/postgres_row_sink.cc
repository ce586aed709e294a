#include "sink/database/postgres_row_sink.h"

#include <algorithm>

#include "base/logging.h"
#include "sink/database/sql_value.h"

namespace sluice::sink::database {
namespace {

auto Log() {
  static auto log = base::Logger("sink.database");
  return log;
}

// PostgreSQL's limit on bind parameters per statement.
constexpr size_t kMaxParams = 65535;

}  // namespace

base::Result<std::unique_ptr<PostgresRowSink>> PostgresRowSink::Create(
    const DatabaseSinkOptions& options, sink::DeliveryCallback callback) {
  std::unique_ptr<PostgresRowSink> sink(new PostgresRowSink(options, std::move(callback)));
  PgConnectOptions c;
  c.host = options.host;
  c.port = options.port;
  c.user = options.user;
  c.password = options.password;
  c.database = options.database;
  c.sslmode = options.sslmode;
  c.connect_timeout_s =
      static_cast<int>(std::max<int64_t>(1, options.connect_timeout.count() / 1000));
  auto conn = PgConnection::Connect(c);
  if (!conn.ok()) return conn.status().WithContext("sink");
  sink->conn_ = std::move(conn).value();
  return sink;
}

base::Status PostgresRowSink::Exec(const std::string& sql) { return conn_->Exec(sql); }

base::Status PostgresRowSink::ExecChecked(const std::string& sql,
                                          const std::vector<std::optional<std::string>>& params) {
  SLUICE_RETURN_IF_ERROR(conn_->Exec(sql, params));
  std::string changed = conn_->DataChangingNotices();
  if (changed.empty()) return base::Status::Ok();
  return base::FailedPrecondition(
      "PostgreSQL {} did not store what it was given ({}); the target would differ from the "
      "source",
      options().Endpoint(), changed);
}

std::string PostgresRowSink::TargetNamespace(const model::TableSchema& table) const {
  return options().schema.empty() ? table.schema : options().schema;
}

std::string PostgresRowSink::QuoteIdent(std::string_view name) const {
  return PgConnection::QuoteIdent(name);
}

base::Status PostgresRowSink::LoadTarget(const std::string& ns, const std::string& table,
                                         TargetInfo* out) {
  // The catalog, not information_schema: that one hides tables the user has no privilege on,
  // which made an unreadable table look missing.
  SLUICE_ASSIGN_OR_RETURN(
      auto cols, conn_->Query("SELECT a.attname FROM pg_catalog.pg_attribute a "
                              "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE n.nspname=$1 AND c.relname=$2 AND c.relkind IN ('r', 'p') "
                              "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                              {ns, table}));
  out->exists = !cols.rows.empty();
  for (auto& r : cols.rows) out->columns.push_back(r[0].value_or(""));
  if (out->exists) {
    // Upserts need INSERT and UPDATE, deletes DELETE, both SELECT (the key in WHERE / ON
    // CONFLICT), and the schema USAGE.
    SLUICE_ASSIGN_OR_RETURN(
        auto priv,
        conn_->Query("SELECT has_schema_privilege(n.oid, 'USAGE'), "
                     "has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'), "
                     "has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'), "
                     "current_user FROM pg_catalog.pg_class c "
                     "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE n.nspname=$1 AND c.relname=$2",
                     {ns, table}));
    if (!priv.rows.empty() && priv.rows[0].size() == 6) {
      const auto& r = priv.rows[0];
      std::string user = QuoteIdent(r[5].value_or(options().user));
      std::string missing;
      const char* names[] = {"SELECT", "INSERT", "UPDATE", "DELETE"};
      for (size_t i = 0; i < 4; ++i) {
        if (r[i + 1].value_or("f") != "t") missing += (missing.empty() ? "" : ", ") + std::string(names[i]);
      }
      std::string problem;
      if (r[0].value_or("f") != "t") {
        problem = fmt::format("user {} lacks USAGE on schema {} (GRANT USAGE ON SCHEMA {} TO {})",
                              user, QuoteIdent(ns), QuoteIdent(ns), user);
      }
      if (!missing.empty()) {
        problem += fmt::format("{}user {} lacks {} on it (GRANT {} ON {}.{} TO {})",
                               problem.empty() ? "" : "; ", user, missing, missing,
                               QuoteIdent(ns), QuoteIdent(table), user);
      }
      out->access_problem = std::move(problem);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(
      auto keys,
      conn_->Query("SELECT i.indexrelid::text, a.attname FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indrelid "
                   "JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                   "WHERE n.nspname=$1 AND c.relname=$2 AND i.indisunique AND i.indpred IS NULL "
                   "ORDER BY 1",
                   {ns, table}));
  out->AddUniqueKeys(keys.rows);
  return base::Status::Ok();
}

base::Status PostgresRowSink::CreateTarget(const std::string& ns, const model::TableSchema& t) {
  SLUICE_RETURN_IF_ERROR(ExecChecked("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(ns)));
  std::string sql =
      "CREATE TABLE IF NOT EXISTS " + QuoteIdent(ns) + "." + QuoteIdent(t.table) + " (";
  for (const auto& c : t.columns) {
    sql += QuoteIdent(c.name) + " " + PostgresTypeFor(c) + (c.nullable ? "" : " NOT NULL") + ", ";
  }
  sql += "PRIMARY KEY (";
  for (size_t i = 0; i < t.primary_key.size(); ++i) {
    sql += (i ? ", " : "") + QuoteIdent(t.columns[t.primary_key[i]].name);
  }
  sql += "))";
  return ExecChecked(sql);
}

base::Status PostgresRowSink::ExecUpsert(
    const TargetTable& target, const model::TableSchema& t,
    const std::vector<const std::vector<model::Value>*>& rows) {
  const size_t ncols = t.columns.size();
  const size_t per_stmt = std::max<size_t>(1, kMaxParams / std::max<size_t>(1, ncols));
  std::string head = "INSERT INTO " + target.name + " (";
  for (size_t i = 0; i < ncols; ++i) head += (i ? "," : "") + target.columns[i];
  head += ") VALUES ";
  std::string tail = " ON CONFLICT (";
  for (size_t k = 0; k < target.key.size(); ++k)
    tail += (k ? "," : "") + target.columns[target.key[k]];
  tail += ") DO ";
  std::string set;
  for (size_t i = 0; i < ncols; ++i) {
    if (std::find(target.key.begin(), target.key.end(), i) != target.key.end()) continue;
    set += (set.empty() ? "" : ",") + target.columns[i] + "=EXCLUDED." + target.columns[i];
  }
  tail += set.empty() ? "NOTHING" : "UPDATE SET " + set;

  for (size_t start = 0; start < rows.size(); start += per_stmt) {
    size_t end = std::min(rows.size(), start + per_stmt);
    std::string sql = head;
    std::vector<std::optional<std::string>> params;
    params.reserve((end - start) * ncols);
    for (size_t r = start; r < end; ++r) {
      sql += r > start ? ",(" : "(";
      for (size_t i = 0; i < ncols; ++i) {
        SLUICE_ASSIGN_OR_RETURN(auto p, PostgresParam(t.columns[i], (*rows[r])[i]));
        params.push_back(std::move(p));
        sql += (i ? ",$" : "$") + std::to_string(params.size());
      }
      sql += ')';
    }
    SLUICE_RETURN_IF_ERROR(ExecChecked(sql + tail, params));
  }
  return base::Status::Ok();
}

base::Status PostgresRowSink::ExecDelete(
    const TargetTable& target, const model::TableSchema& t,
    const std::vector<const std::vector<model::Value>*>& rows) {
  const size_t nkey = target.key.size();
  const size_t per_stmt = std::max<size_t>(1, kMaxParams / nkey);
  for (size_t start = 0; start < rows.size(); start += per_stmt) {
    size_t end = std::min(rows.size(), start + per_stmt);
    std::string sql = "DELETE FROM " + target.name + " WHERE ";
    std::vector<std::optional<std::string>> params;
    for (size_t r = start; r < end; ++r) {
      sql += r > start ? " OR (" : "(";
      for (size_t k = 0; k < nkey; ++k) {
        size_t i = target.key[k];
        SLUICE_ASSIGN_OR_RETURN(auto p, PostgresParam(t.columns[i], (*rows[r])[i]));
        params.push_back(std::move(p));
        sql += (k ? " AND " : "") + target.columns[i] + "=$" + std::to_string(params.size());
      }
      sql += ')';
    }
    SLUICE_RETURN_IF_ERROR(ExecChecked(sql, params));
  }
  return base::Status::Ok();
}

bool PostgresRowSink::LastErrorWasPermission() const {
  return conn_->last_sqlstate() == "42501";  // insufficient_privilege
}

base::Status PostgresRowSink::HandleDdl(const model::DdlEvent& ddl) {
  Log()->info(
      "PostgreSQL target: skipping upstream DDL on {}.{} (MySQL DDL is not applied; "
      "change the target table by hand if needed): {}",
      ddl.schema, ddl.table, ddl.sql);
  return base::Status::Ok();
}

}  // namespace sluice::sink::database
