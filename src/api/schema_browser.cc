#include "api/schema_browser.h"

#include <libpq-fe.h>

#include <algorithm>

#include "base/logging.h"
#include "source/mysql/mysql_connection.h"

namespace sluice::api {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kHourMs = 3600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

void SplitHost(const std::string& hp, std::string* host, std::string* port) {
  size_t colon = hp.rfind(':');
  *host = hp.substr(0, colon);
  *port = hp.substr(colon + 1);
}

base::Result<std::unique_ptr<source::mysql::MySqlConnection>> ConnectMariaDb(
    const Connection& c) {
  source::mysql::ConnectOptions o;
  std::string host, port;
  SplitHost(c.hosts.front(), &host, &port);
  o.host = host;
  o.port = static_cast<uint16_t>(std::stoi(port));
  o.user = c.user;
  o.password = c.password;
  o.connect_timeout = std::chrono::milliseconds(5000);
  o.read_timeout = std::chrono::milliseconds(60000);
  return source::mysql::MySqlConnection::Connect(o);
}

base::Result<std::vector<TableEntry>> DiscoverMariaDb(const Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(auto conn, ConnectMariaDb(c));
  SLUICE_ASSIGN_OR_RETURN(
      auto r, conn->Query("SELECT table_schema, table_name, table_type, table_rows "
                          "FROM information_schema.tables WHERE table_schema NOT IN "
                          "('mysql', 'information_schema', 'performance_schema', 'sys') "
                          "ORDER BY table_schema, table_name"));
  std::vector<TableEntry> out;
  for (const auto& row : r.rows) {
    TableEntry t;
    t.schema = row[0].value_or("");
    t.table = row[1].value_or("");
    t.type = row[2].value_or("");
    t.rows = row[3] ? std::strtoll(row[3]->c_str(), nullptr, 10) : -1;
    out.push_back(std::move(t));
  }
  return out;
}

// A libpq connection to the connection's database; the caller PQfinish()es it.
base::Result<PGconn*> ConnectPostgres(const Connection& c) {
  std::string host, port;
  SplitHost(c.hosts.front(), &host, &port);
  const char* keys[] = {"host", "port", "user", "password", "dbname", "connect_timeout", nullptr};
  std::string db = c.database.empty() ? "postgres" : c.database;
  const char* vals[] = {host.c_str(), port.c_str(), c.user.c_str(), c.password.c_str(),
                        db.c_str(),   "5",          nullptr};
  PGconn* pg = PQconnectdbParams(keys, vals, 0);
  if (PQstatus(pg) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(pg);
    PQfinish(pg);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return base::Unavailable("cannot connect to {}: {}", c.hosts.front(), msg);
  }
  return pg;
}

base::Result<std::vector<TableEntry>> DiscoverPostgres(const Connection& c) {
  SLUICE_ASSIGN_OR_RETURN(PGconn * pg, ConnectPostgres(c));
  PGresult* r =
      PQexec(pg,
             "SELECT t.table_schema, t.table_name, t.table_type, "
             "COALESCE(c.reltuples::bigint, -1) FROM information_schema.tables t "
             "LEFT JOIN pg_namespace n ON n.nspname = t.table_schema "
             "LEFT JOIN pg_class c ON c.relname = t.table_name AND c.relnamespace = n.oid "
             "WHERE t.table_schema NOT IN ('pg_catalog', 'information_schema') "
             "ORDER BY 1, 2");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string msg = PQerrorMessage(pg);
    PQclear(r);
    PQfinish(pg);
    return base::FailedPrecondition("listing tables on {}: {}", c.hosts.front(), msg);
  }
  std::vector<TableEntry> out;
  for (int i = 0; i < PQntuples(r); ++i) {
    out.push_back({PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                   std::strtoll(PQgetvalue(r, i, 3), nullptr, 10)});
  }
  PQclear(r);
  PQfinish(pg);
  return out;
}

// --- Table detail (DescribeTable). One query per fact, each a small function.

base::Status NoSuchTable(const Connection& c, const std::string& schema, const std::string& table) {
  return base::NotFound("no table {}.{} on connection '{}'; refresh the table list", schema, table,
                        c.name);
}

base::Result<TableDetail> DescribeMariaDb(const Connection& c, const std::string& schema,
                                          const std::string& table) {
  SLUICE_ASSIGN_OR_RETURN(auto conn, ConnectMariaDb(c));
  std::string where = fmt::format("table_schema = '{}' AND table_name = '{}'",
                                  conn->Escape(schema), conn->Escape(table));
  TableDetail d;
  d.schema = schema;
  d.table = table;
  SLUICE_ASSIGN_OR_RETURN(
      auto t, conn->Query("SELECT table_type, table_rows FROM information_schema.tables WHERE " +
                          where));
  if (t.rows.empty()) return NoSuchTable(c, schema, table);
  d.type = t.rows[0][0].value_or("");
  d.rows = t.rows[0][1] ? std::strtoll(t.rows[0][1]->c_str(), nullptr, 10) : -1;
  SLUICE_ASSIGN_OR_RETURN(
      auto cols, conn->Query("SELECT column_name, column_type, data_type, is_nullable "
                             "FROM information_schema.columns WHERE " +
                             where + " ORDER BY ordinal_position"));
  for (const auto& r : cols.rows) {
    ColumnDetail col;
    col.name = r[0].value_or("");
    col.type = r[1].value_or("");
    col.data_type = r[2].value_or("");
    col.nullable = r[3].value_or("") == "YES";
    d.columns.push_back(std::move(col));
  }
  // Every index (the primary key first); a column's key mark is the strongest index it is in:
  // PRI, UNI (a unique key), MUL (another index), as for PostgreSQL below.
  SLUICE_ASSIGN_OR_RETURN(
      auto idx, conn->Query("SELECT index_name, non_unique, column_name FROM "
                            "information_schema.statistics WHERE " +
                            where +
                            " ORDER BY index_name <> 'PRIMARY', non_unique, index_name, "
                            "seq_in_index"));
  for (const auto& r : idx.rows) {
    std::string name = r[0].value_or("");
    bool primary = name == "PRIMARY";
    bool unique = r[1].value_or("1") == "0";
    std::string column = r[2].value_or("");
    for (auto& col : d.columns) {
      if (col.name != column || !col.key.empty()) continue;
      col.key = primary ? "PRI" : unique ? "UNI" : "MUL";
    }
    if (!primary && !unique) continue;
    if (d.keys.empty() || d.keys.back().name != name) d.keys.push_back({name, primary, {}});
    d.keys.back().columns.push_back(column);
  }
  // Server-wide settings; readable by any user.
  if (auto v = conn->Query("SELECT @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image");
      v.ok() && !v->rows.empty()) {
    d.settings["binlog_format"] = v->rows[0][0].value_or("");
    d.settings["binlog_row_image"] = v->rows[0][1].value_or("");
  }
  return d;
}

// Runs a parameterized query; the result is the caller's to PQclear.
base::Result<PGresult*> PgQuery(PGconn* pg, const char* sql, std::vector<std::string> params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(pg, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string msg = PQerrorMessage(pg);
    PQclear(r);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return base::FailedPrecondition("reading the catalog: {}", msg);
  }
  return r;
}

std::string PgRelkindName(const std::string& relkind) {
  if (relkind == "r") return "BASE TABLE";
  if (relkind == "p") return "partitioned table";
  if (relkind == "v") return "VIEW";
  if (relkind == "m") return "materialized view";
  if (relkind == "f") return "foreign table";
  return relkind;
}

base::Status DescribePostgresOn(PGconn* pg, const Connection& c, TableDetail* d) {
  SLUICE_ASSIGN_OR_RETURN(
      PGresult * t,
      PgQuery(pg,
              "SELECT c.oid, c.relkind, c.relreplident, c.reltuples::bigint, "
              "COALESCE((SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = "
              "i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident), '') "
              "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "WHERE n.nspname = $1 AND c.relname = $2",
              {d->schema, d->table}));
  if (PQntuples(t) == 0) {
    PQclear(t);
    return NoSuchTable(c, d->schema, d->table);
  }
  std::string oid = PQgetvalue(t, 0, 0);
  d->type = PgRelkindName(PQgetvalue(t, 0, 1));
  d->settings["replica_identity"] = PQgetvalue(t, 0, 2);
  d->rows = std::strtoll(PQgetvalue(t, 0, 3), nullptr, 10);
  d->settings["replica_identity_index"] = PQgetvalue(t, 0, 4);
  PQclear(t);

  SLUICE_ASSIGN_OR_RETURN(
      PGresult * cols,
      PgQuery(pg,
              "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.atttypid, "
              "a.atttypmod, NOT a.attnotnull FROM pg_attribute a JOIN pg_type t ON t.oid = "
              "a.atttypid WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
              "ORDER BY a.attnum",
              {oid}));
  for (int i = 0; i < PQntuples(cols); ++i) {
    ColumnDetail col;
    col.name = PQgetvalue(cols, i, 0);
    col.type = PQgetvalue(cols, i, 1);
    col.data_type = PQgetvalue(cols, i, 2);
    col.type_oid = static_cast<uint32_t>(std::strtoul(PQgetvalue(cols, i, 3), nullptr, 10));
    col.type_mod = static_cast<int32_t>(std::strtol(PQgetvalue(cols, i, 4), nullptr, 10));
    col.nullable = std::string_view(PQgetvalue(cols, i, 5)) == "t";
    d->columns.push_back(std::move(col));
  }
  PQclear(cols);

  // Every index with its columns (separated by \x1f), the primary key first.
  SLUICE_ASSIGN_OR_RETURN(
      PGresult * idx,
      PgQuery(pg,
              "SELECT ic.relname, i.indisprimary, i.indisunique, array_to_string(ARRAY("
              "SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(num, ord) "
              "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num "
              "ORDER BY k.ord), E'\\x1f') FROM pg_index i JOIN pg_class ic ON ic.oid = "
              "i.indexrelid WHERE i.indrelid = $1::oid ORDER BY NOT i.indisprimary, ic.relname",
              {oid}));
  for (int i = 0; i < PQntuples(idx); ++i) {
    bool primary = std::string_view(PQgetvalue(idx, i, 1)) == "t";
    bool unique = std::string_view(PQgetvalue(idx, i, 2)) == "t";
    std::vector<std::string> names;
    for (std::string_view rest = PQgetvalue(idx, i, 3); !rest.empty();) {
      size_t sep = rest.find('\x1f');
      names.emplace_back(rest.substr(0, sep));
      rest = sep == std::string_view::npos ? std::string_view() : rest.substr(sep + 1);
    }
    std::string mark = primary ? "PRI" : unique ? "UNI" : "MUL";
    for (auto& col : d->columns) {
      bool in = std::find(names.begin(), names.end(), col.name) != names.end();
      // The strongest mark wins: PRI over UNI over MUL (the primary key comes first).
      if (in && col.key.empty()) col.key = mark;
    }
    if (primary || unique) d->keys.push_back({PQgetvalue(idx, i, 0), primary, std::move(names)});
  }
  PQclear(idx);
  return base::Status::Ok();
}

base::Result<TableDetail> DescribePostgres(const Connection& c, const std::string& schema,
                                           const std::string& table) {
  SLUICE_ASSIGN_OR_RETURN(PGconn * pg, ConnectPostgres(c));
  TableDetail d;
  d.schema = schema;
  d.table = table;
  base::Status st = DescribePostgresOn(pg, c, &d);
  PQfinish(pg);
  if (!st.ok()) return st;
  return d;
}

}  // namespace

int64_t NextRefreshMs(int64_t last_ms, size_t table_count, const SchemaBrowserOptions& options) {
  if (table_count <= options.daily_threshold) return last_ms + kHourMs;
  int64_t at = static_cast<int64_t>(options.daily_at_minutes) * 60'000;
  int64_t day_start = last_ms - (last_ms % kDayMs);
  int64_t next = day_start + at;
  if (next <= last_ms) next += kDayMs;
  return next;
}

base::Result<std::vector<TableEntry>> DiscoverTables(const Connection& c) {
  switch (c.kind) {
    case ConnectionKind::kMariaDb:
      return DiscoverMariaDb(c);
    case ConnectionKind::kPostgreSql:
      return DiscoverPostgres(c);
    case ConnectionKind::kKafka:
      break;
  }
  return base::FailedPrecondition(
      "connection '{}' is a Kafka connection; the schema browser lists tables of MariaDB and "
      "PostgreSQL connections",
      c.name);
}

base::Result<TableDetail> DescribeTable(const Connection& c, const std::string& schema,
                                        const std::string& table) {
  switch (c.kind) {
    case ConnectionKind::kMariaDb:
      return DescribeMariaDb(c, schema, table);
    case ConnectionKind::kPostgreSql:
      return DescribePostgres(c, schema, table);
    case ConnectionKind::kKafka:
      break;
  }
  return base::FailedPrecondition(
      "connection '{}' is a Kafka connection; the schema browser describes tables of MariaDB and "
      "PostgreSQL connections",
      c.name);
}

SchemaBrowser::SchemaBrowser(ConnectionStore* store, SchemaBrowserOptions options)
    : store_(store), options_(options) {
  if (options_.run_scheduler) thread_ = std::thread([this] { Loop(); });
}

SchemaBrowser::~SchemaBrowser() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string SchemaBrowser::ScheduleText(size_t table_count) const {
  if (table_count <= options_.daily_threshold) return "hourly";
  return fmt::format("daily at {:02}:{:02} UTC", options_.daily_at_minutes / 60,
                     options_.daily_at_minutes % 60);
}

base::Result<TableListing> SchemaBrowser::Get(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  }
  return Refresh(name);
}

base::Result<TableListing> SchemaBrowser::Refresh(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(auto conn, store_->Get(name));
  if (!conn) {
    return base::NotFound("no connection named '{}'; GET /api/v1/connections lists them", name);
  }
  if (!conn->is_database()) return DiscoverTables(*conn).status();
  std::lock_guard serial(refresh_mu_);
  int64_t start = NowMs();
  auto tables = DiscoverTables(*conn);
  TableListing listing;
  listing.refreshed_at_ms = NowMs();
  listing.duration_ms = listing.refreshed_at_ms - start;
  std::lock_guard lock(mu_);
  if (tables.ok()) {
    listing.tables = std::move(tables).value();
  } else {
    // Keep the previous tables, record the error; retry at the next tick's schedule.
    if (auto it = cache_.find(name); it != cache_.end()) listing.tables = it->second.tables;
    listing.error = tables.status().message();
  }
  listing.next_refresh_at_ms =
      NextRefreshMs(listing.refreshed_at_ms, listing.tables.size(), options_);
  cache_[name] = listing;
  return listing;
}

void SchemaBrowser::Forget(const std::string& name) {
  std::lock_guard lock(mu_);
  cache_.erase(name);
}

void SchemaBrowser::RunDue(int64_t now_ms) {
  auto conns = store_->List();
  if (!conns.ok()) return;
  for (const auto& c : *conns) {
    if (!c.is_database() || c.role != ConnectionRole::kSource) continue;
    bool due = true;
    {
      std::lock_guard lock(mu_);
      if (auto it = cache_.find(c.name); it != cache_.end()) {
        due = it->second.next_refresh_at_ms <= now_ms;
      }
    }
    if (!due) continue;
    auto r = Refresh(c.name);
    if (r.ok()) {
      base::Logger("schema")->info("discovered {} tables on connection '{}' in {} ms{}",
                                   r->tables.size(), c.name, r->duration_ms,
                                   r->error.empty() ? "" : " (error: " + r->error + ")");
    }
  }
}

void SchemaBrowser::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    RunDue(NowMs());
    lock.lock();
    cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
  }
}

nlohmann::json TableListingToJson(const TableListing& l, const std::string& schedule) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : l.tables) {
    tables.push_back(
        {{"schema", t.schema}, {"table", t.table}, {"type", t.type}, {"rows", t.rows}});
  }
  return {{"tables", tables},
          {"count", l.tables.size()},
          {"refreshed_at_ms", l.refreshed_at_ms},
          {"next_refresh_at_ms", l.next_refresh_at_ms},
          {"duration_ms", l.duration_ms},
          {"schedule", schedule},
          {"error", l.error}};
}

}  // namespace sluice::api
