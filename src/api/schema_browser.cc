#include "api/schema_browser.h"

#include "base/logging.h"
#include "client/mysql/mysql_connection.h"
#include "client/postgres/pg_connection.h"

namespace sluice::api {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kHourMs = 3600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

base::Result<std::vector<TableEntry>> DiscoverMariaDb(const Connection& c) {
  client::mysql::ConnectOptions o = MySqlConnectOptionsFor(c, std::chrono::milliseconds(5000));
  o.read_timeout = std::chrono::milliseconds(60000);
  SLUICE_ASSIGN_OR_RETURN(auto conn, client::mysql::MySqlConnection::Connect(o));
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

base::Result<std::vector<TableEntry>> DiscoverPostgres(const Connection& c) {
  client::postgres::PgConnectOptions o = PgConnectOptionsFor(c, std::chrono::milliseconds(5000));
  SLUICE_ASSIGN_OR_RETURN(auto pg, client::postgres::PgConnection::Connect(o));
  SLUICE_ASSIGN_OR_RETURN(
      auto r, pg->Query("SELECT t.table_schema, t.table_name, t.table_type, "
                        "COALESCE(c.reltuples::bigint, -1) FROM information_schema.tables t "
                        "LEFT JOIN pg_namespace n ON n.nspname = t.table_schema "
                        "LEFT JOIN pg_class c ON c.relname = t.table_name AND c.relnamespace = "
                        "n.oid WHERE t.table_schema NOT IN ('pg_catalog', 'information_schema') "
                        "ORDER BY 1, 2"));
  std::vector<TableEntry> out;
  for (const auto& row : r.rows) {
    out.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or(""),
                   row[3] ? std::strtoll(row[3]->c_str(), nullptr, 10) : -1});
  }
  return out;
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
