// PgConnection: a plain SQL connection to PostgreSQL (libpq) for the PostgreSQL row sink and
// the table diff tool.
//
// Lifecycle: Connect() returns a connected object; the destructor disconnects. The session
// runs with client_encoding=UTF8 and TimeZone=UTC.
// Threading: one thread at a time.
// Errors are classified by SQLSTATE: connection problems (class 08, 57P0x, 53xxx) are
// Unavailable, deadlocks / serialization failures / lock timeouts (40001, 40P01, 55P03) are
// Aborted, bad credentials (28xxx) are InvalidArgument, a missing table or column (42P01,
// 42703) is NotFound, everything else (data errors 22xxx, constraints 23xxx, ...) is
// FailedPrecondition. Messages name the endpoint and the server error, never a password.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct pg_conn;  // PGconn from <libpq-fe.h>

namespace sluice::sink::database {

struct PgConnectOptions {
  std::string host = "127.0.0.1";  // or a Unix socket directory (starts with '/')
  uint16_t port = 5432;
  std::string user;
  std::string password;
  std::string database;
  std::string sslmode = "prefer";
  int connect_timeout_s = 10;

  std::string Endpoint() const;
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

class PgConnection {
 public:
  static base::Result<std::unique_ptr<PgConnection>> Connect(const PgConnectOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with text parameters ($1, $2, ...; nullopt = NULL) whose types the
  // server infers from the statement; returns its rows (empty for commands).
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

  // "name" with embedded quotes doubled.
  static std::string QuoteIdent(std::string_view name);
  // 'text' with embedded quotes doubled (standard_conforming_strings is on since PG 9.1).
  static std::string QuoteLiteral(std::string_view text);

 private:
  explicit PgConnection(PgConnectOptions options) : options_(std::move(options)) {}

  PgConnectOptions options_;
  pg_conn* conn_ = nullptr;
  std::string last_sqlstate_;
  std::vector<PgNotice> notices_;
};

}  // namespace sluice::sink::database
