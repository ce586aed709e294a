// PgConnection: one libpq connection — plain SQL, or a replication=database walsender
// connection that also accepts replication commands — for the PostgreSQL source, the PostgreSQL
// row sink, the table diff, the API's connection test and schema browser, and tests.
//
// Lifecycle: Connect() returns a connected object; the destructor disconnects (PQfinish).
// Threading: one thread at a time.
// Errors: one SQLSTATE -> Status mapping (StatusForSqlState) for every user:
//   no SQLSTATE (connection lost), class 08 / 53 / 57, 55006 (slot in use) -> Unavailable
//   40001, 40P01, 55P03 (serialization, deadlock, lock timeout)            -> Aborted
//   class 28 (bad credentials)                                             -> InvalidArgument
//   42P01, 42703, 3F000 (missing table, column, schema)                    -> NotFound
//   anything else (data errors 22xxx, constraints 23xxx, 42501, ...)       -> FailedPrecondition
// Connect failures are classified by libpq's text (it has no SQLSTATE for them): a refused
// login is InvalidArgument, a missing pg_hba entry, database, user or REPLICATION attribute is
// FailedPrecondition naming the fix, anything else Unavailable. Messages name the endpoint and
// the server error, never a password.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace sluice::client::postgres {

struct PgConnectOptions {
  std::string host = "127.0.0.1";  // or a Unix socket directory (starts with '/')
  uint16_t port = 5432;
  std::string user;
  std::string password;  // secret
  std::string database;
  std::string sslmode = "prefer";
  std::chrono::milliseconds connect_timeout{10'000};
  bool replication = false;  // replication=database (walsender) connection
  // libpq `options`: the session settings that pin the text formats the caller parses. The
  // default suits plain SQL (the row sink, the diff, tests); the source sets its own.
  std::string session_options =
      "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=1";
  // Where the settings come from, for "check the user and password in the <...>".
  std::string configured_by = "URI";

  std::string Endpoint() const;  // "host:port", "[v6]:port" or the socket directory
  // libpq conninfo (keyword='value', quoted); contains the password.
  std::string ConnInfo() const;
};

// Rows of a result set in text form; NULL is std::nullopt.
struct PgResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// A server message that is not an error (NOTICE, WARNING, ...) raised by the last call.
struct PgNotice {
  std::string severity;  // "WARNING", "NOTICE", ... (non-localized)
  std::string sqlstate;  // e.g. "42622" (an identifier was truncated)
  std::string message;
};

// The one SQLSTATE -> Status mapping (see above).
base::Status StatusForSqlState(std::string_view sqlstate, std::string message);

class PgConnection {
 public:
  static base::Result<std::unique_ptr<PgConnection>> Connect(const PgConnectOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement and returns its rows (empty for commands). Without parameters the
  // simple-query protocol is used (replication commands need it); with parameters ($1, $2, ...;
  // nullopt = NULL, text, typed by the server) the extended one.
  base::Result<PgResult> Query(std::string_view sql,
                               const std::vector<std::optional<std::string>>& params = {});
  base::Status Exec(std::string_view sql,
                    const std::vector<std::optional<std::string>>& params = {});

  // The SQLSTATE of the last failed call ("" if none or not a server error).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // Notices and warnings the server sent during the last Query/Exec.
  const std::vector<PgNotice>& notices() const { return notices_; }
  // The notices of the last call that mean the server did not store what it was given: any
  // WARNING, and a truncated identifier (42622). Empty when there were none.
  std::string DataChangingNotices() const;
  const PgConnectOptions& options() const { return options_; }
  std::string endpoint() const { return options_.Endpoint(); }
  // A server parameter reported at login ("server_version", ...); "" if unknown.
  std::string ParameterStatus(const char* name) const;

  // "name" with embedded quotes doubled.
  static std::string QuoteIdent(std::string_view name);
  // 'text' with embedded quotes doubled (standard_conforming_strings is on since PG 9.1).
  static std::string QuoteLiteral(std::string_view text);

  // The underlying handle (COPY BOTH streaming of the replication protocol). Owned by this.
  PGconn* raw() { return conn_; }
  // Status for a failed result (or the connection's error when `result` is null); `what` names
  // the statement.
  base::Status ResultError(const PGresult* result, std::string_view what);

 private:
  explicit PgConnection(PgConnectOptions options) : options_(std::move(options)) {}

  PgConnectOptions options_;
  PGconn* conn_ = nullptr;
  std::string last_sqlstate_;
  std::vector<PgNotice> notices_;
};

}  // namespace sluice::client::postgres
