// SchemaBrowser: the tables discovered on the console's source connections, cached in memory and
// refreshed on a schedule and on demand.
//
// Schedule (NextRefreshMs): hourly; when the last discovery found more than 10,000 tables, once a
// day at a configured UTC time instead (listing that many tables every hour would load the
// server). A background thread wakes every `tick` and refreshes every database connection whose
// next refresh is due (a connection never discovered is due at once); GET of a connection's
// tables discovers it on first use; Refresh() runs now.
//
// Discovery: information_schema.tables (base tables and views) minus the system schemas, for
// MariaDB and PostgreSQL connections. Kafka connections have no tables (FailedPrecondition).
// Threading: all methods are thread-safe; one discovery per connection at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/connection.h"
#include "api/connection_store.h"
#include "api/table_detail.h"
#include "base/status.h"

namespace sluice::api {

struct TableEntry {
  std::string schema;
  std::string table;
  std::string type;   // "BASE TABLE", "VIEW"
  int64_t rows = -1;  // estimate from the catalog, -1 unknown
};

struct TableListing {
  std::vector<TableEntry> tables;
  int64_t refreshed_at_ms = 0;
  int64_t next_refresh_at_ms = 0;
  int64_t duration_ms = 0;
  std::string error;  // last discovery error, "" when it worked
};

struct SchemaBrowserOptions {
  // More tables than this switch the schedule from hourly to daily.
  size_t daily_threshold = 10'000;
  // Minutes after 00:00 UTC of the daily refresh.
  int daily_at_minutes = 2 * 60;
  std::chrono::milliseconds tick{30'000};
  bool run_scheduler = true;
};

// The next refresh after a discovery at `last_ms` that found `table_count` tables.
int64_t NextRefreshMs(int64_t last_ms, size_t table_count, const SchemaBrowserOptions& options);

// Lists the tables of a database connection (blocking).
base::Result<std::vector<TableEntry>> DiscoverTables(const Connection& connection);
// Reads one table's columns, keys, type and the settings its capture depends on (blocking;
// AssessCapture in table_detail.h judges them). NotFound for a table that does not exist.
base::Result<TableDetail> DescribeTable(const Connection& connection, const std::string& schema,
                                        const std::string& table);

class SchemaBrowser {
 public:
  // `store` must outlive the browser. Starts the scheduler thread when options.run_scheduler.
  SchemaBrowser(ConnectionStore* store, SchemaBrowserOptions options);
  ~SchemaBrowser();  // stops the scheduler
  SchemaBrowser(const SchemaBrowser&) = delete;
  SchemaBrowser& operator=(const SchemaBrowser&) = delete;

  // The cached listing, discovering first when there is none. NotFound for an unknown
  // connection, FailedPrecondition for a Kafka connection.
  base::Result<TableListing> Get(const std::string& name);
  // Discovers now and replaces the cache (also when the discovery fails: error is kept).
  base::Result<TableListing> Refresh(const std::string& name);
  // Drops the cache of a deleted or changed connection.
  void Forget(const std::string& name);
  // One scheduler pass: refreshes every due connection (exposed for tests).
  void RunDue(int64_t now_ms);

  std::string ScheduleText(size_t table_count) const;

 private:
  void Loop();

  ConnectionStore* store_;
  SchemaBrowserOptions options_;
  std::mutex mu_;
  std::map<std::string, TableListing> cache_;
  std::mutex refresh_mu_;  // serializes discoveries
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

nlohmann::json TableListingToJson(const TableListing& listing, const std::string& schedule);

}  // namespace sluice::api
