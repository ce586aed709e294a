// PgConnection: one libpq connection (plain SQL, or a replication=database walsender
// connection that also accepts replication commands), with errors mapped to base::Status.
//
// Error codes: unreachable server / lost connection (SQLSTATE class 08, 57P) -> Unavailable;
// bad password -> InvalidArgument; no pg_hba entry, missing privilege (42501) and other SQL
// errors -> FailedPrecondition. Messages never contain the password.
// Threading: one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "source/postgres/source_config.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace sluice::source::postgres {

struct PgRows {
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = NULL
};

class PgConnection {
 public:
  static base::Result<std::unique_ptr<PgConnection>> Connect(const PgSourceConfig& config,
                                                             bool replication);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with the simple-query protocol and returns its rows (text format).
  base::Result<PgRows> Query(const std::string& sql);
  base::Status Exec(const std::string& sql) { return Query(sql).status(); }
  // 'text' with quotes escaped, for building SQL.
  std::string Literal(std::string_view text) const;
  // "ident" with quotes escaped.
  std::string Ident(std::string_view text) const;

  PGconn* raw() { return conn_; }
  const std::string& endpoint() const { return endpoint_; }
  // Status for a failed result (or connection error when `result` is null).
  base::Status ResultError(const PGresult* result, std::string_view what) const;

 private:
  PgConnection(PGconn* conn, std::string endpoint) : conn_(conn), endpoint_(std::move(endpoint)) {}
  PGconn* conn_;
  std::string endpoint_;
};

}  // namespace sluice::source::postgres
