#include "source/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <fmt/format.h>

#include "base/logging.h"

namespace sluice::source::postgres {

namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

}  // namespace

base::Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const PgSourceConfig& config,
                                                                  bool replication) {
  PGconn* conn = PQconnectdb(config.ConnInfo(replication).c_str());
  if (conn == nullptr) return base::ResourceExhausted("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = Trim(PQerrorMessage(conn));
    PQfinish(conn);
    if (msg.find("password authentication failed") != std::string::npos ||
        msg.find("no password supplied") != std::string::npos) {
      return base::InvalidArgument(
          "PostgreSQL at {} refused the login of user '{}': {}; check the user and password in "
          "the source URI",
          config.Endpoint(), config.user, msg);
    }
    if (msg.find("pg_hba.conf") != std::string::npos) {
      return base::FailedPrecondition(
          "PostgreSQL at {} has no pg_hba.conf entry for user '{}' and database '{}'{}: {}; add a "
          "'host {} {} <client address> scram-sha-256' line and reload",
          config.Endpoint(), config.user, config.database,
          replication ? " (replication=database connections use the database lines)" : "", msg,
          config.database, config.user);
    }
    if (msg.find("does not exist") != std::string::npos) {
      return base::FailedPrecondition("PostgreSQL at {}: {}; fix the database or user in the URI",
                                      config.Endpoint(), msg);
    }
    if (msg.find("must be superuser or replication role") != std::string::npos ||
        msg.find("permission denied to start WAL sender") != std::string::npos) {
      return base::FailedPrecondition(
          "user '{}' may not open a replication connection on {}: {}; run ALTER ROLE {} WITH "
          "REPLICATION",
          config.user, config.Endpoint(), msg, config.user);
    }
    return base::Unavailable(
        "cannot connect to PostgreSQL at {}: {}; check host/port and that the server is running",
        config.Endpoint(), msg);
  }
  // Server NOTICEs go to the debug log instead of libpq's default (stderr).
  PQsetNoticeProcessor(
      conn,
      [](void*, const char* message) {
        base::Logger("source.postgres")->debug("server notice: {}", Trim(message));
      },
      nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, config.Endpoint()));
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

base::Status PgConnection::ResultError(const PGresult* result, std::string_view what) const {
  std::string msg = Trim(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (msg.empty()) msg = Trim(PQerrorMessage(conn_));
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state ? state : "";
  if (PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P") || sqlstate == "55006") {
    // 55006: the slot is still active for a previous connection; retrying succeeds once the
    // server notices it is gone.
    return base::Unavailable("PostgreSQL at {}: {} failed: {}", endpoint_, what, msg);
  }
  return base::FailedPrecondition("PostgreSQL at {}: {} failed: {}{}", endpoint_, what, msg,
                                  sqlstate.empty() ? "" : fmt::format(" (SQLSTATE {})", sqlstate));
}

base::Result<PgRows> PgConnection::Query(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string what = sql.substr(0, sql.find(' ', 40));
    base::Status err = ResultError(res, what);
    PQclear(res);
    return err;
  }
  PgRows out;
  int n = PQntuples(res), m = PQnfields(res);
  out.rows.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& row = out.rows[static_cast<size_t>(i)];
    for (int j = 0; j < m; ++j) {
      if (PQgetisnull(res, i, j)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(res, i, j), static_cast<size_t>(PQgetlength(res, i, j))));
      }
    }
  }
  PQclear(res);
  return out;
}

std::string PgConnection::Literal(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');  // standard_conforming_strings (on since 9.1): '\' is literal
  return out;
}

std::string PgConnection::Ident(std::string_view text) const {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace sluice::source::postgres
