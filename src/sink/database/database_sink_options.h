// DatabaseSinkOptions: the parsed, validated form of a database sink URI
//
//   mysql://user:pass@host:3306/[?database=shop_copy&batch-rows=256&...]   (also mariadb://)
//   postgres://user:pass@host:5432/<database>[?schema=public&...]         (also postgresql://)
//
// Every query parameter is declared once in a table (database_sink_options.cc) with its doc,
// default, bounds and the targets it applies to; the same table generates the reference
// docs/database-sink-options.md (DatabaseSinkOptionsDoc()). Parsing is pure (no I/O).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::sink::database {

enum class TargetKind { kMySql, kPostgres };
enum class DdlMode { kSkip, kApply };

struct DatabaseSinkOptions {
  TargetKind kind = TargetKind::kMySql;
  std::string scheme;  // as written: mysql, mariadb, postgres, postgresql
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string user;
  std::string password;  // secret: never logged, never in errors; see Redacted()
  // MySQL: the target database for every table (empty: the source table's database).
  // PostgreSQL: the database to connect to (the URI path; required).
  std::string database;
  // PostgreSQL: the schema for every table (empty: the source table's database name).
  std::string schema;
  std::string sslmode = "prefer";  // PostgreSQL only

  size_t batch_rows = 512;
  std::chrono::milliseconds batch_interval{100};
  std::chrono::milliseconds connect_timeout{10000};
  int max_retries = 3;  // in-sink retries of a batch after a deadlock / lock-wait timeout
  bool ignore_write_errors = false;
  bool create_tables = false;
  // Map names over the target's identifier limit to a shortened name + hash (else: an error).
  bool truncate_identifiers = false;
  DdlMode ddl = DdlMode::kSkip;
  std::string query;  // the query string as given (no secrets), for Redacted()

  // "host:port" for messages.
  std::string Endpoint() const;
  // The URI (path and parameters too) with the password replaced by "******".
  std::string Redacted() const;
};

// True if `uri` names a database sink (mysql://, mariadb://, postgres://, postgresql://).
bool IsDatabaseSinkUri(std::string_view uri);

// Parses and validates a database sink URI. Errors are InvalidArgument naming the parameter
// and the fix, and never contain the password.
base::Result<DatabaseSinkOptions> ParseDatabaseSinkUri(std::string_view uri);

// Markdown reference of every URI parameter, generated from the parser's table.
std::string DatabaseSinkOptionsDoc();

}  // namespace sluice::sink::database
