#include "client/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/logging.h"

namespace sluice::client::postgres {

namespace {

// One line: libpq messages end in a newline, may carry DETAIL/CONTEXT lines, and server errors
// start with "ERROR:  ".
std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.rfind("ERROR:  ", 0) == 0) s.erase(0, 8);
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "; ";
    } else if (c != '\t') {
      out += c;
    }
  }
  return out;
}

// conninfo value quoting: 'value' with \ and ' escaped.
std::string ConnValue(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

bool Has(const std::string& msg, std::string_view what) {
  return msg.find(what) != std::string::npos;
}

// libpq has no SQLSTATE for connection failures; classify by the text.
base::Status ConnectError(const PgConnectOptions& o, const std::string& msg) {
  if (Has(msg, "password authentication failed") || Has(msg, "no password supplied")) {
    return base::InvalidArgument(
        "PostgreSQL at {} refused the login of user '{}': {}; check the user and password in "
        "the {}",
        o.Endpoint(), o.user, msg, o.configured_by);
  }
  if (Has(msg, "pg_hba.conf")) {
    return base::FailedPrecondition(
        "PostgreSQL at {} has no pg_hba.conf entry for user '{}' and database '{}'{}: {}; add a "
        "'host {} {} <client address> scram-sha-256' line and reload",
        o.Endpoint(), o.user, o.database,
        o.replication ? " (replication=database connections use the database lines)" : "", msg,
        o.database, o.user);
  }
  if (Has(msg, "must be superuser or replication role") ||
      Has(msg, "permission denied to start WAL sender")) {
    return base::FailedPrecondition(
        "user '{}' may not open a replication connection on {}: {}; run ALTER ROLE {} WITH "
        "REPLICATION",
        o.user, o.Endpoint(), msg, o.user);
  }
  if (Has(msg, "does not exist")) {
    return base::FailedPrecondition(
        "PostgreSQL at {}: {}; create it or fix the database or user in the {}", o.Endpoint(),
        msg, o.configured_by);
  }
  return base::Unavailable(
      "cannot connect to PostgreSQL at {}: {}; check host/port and that the server is running",
      o.Endpoint(), msg);
}

}  // namespace

base::Status StatusForSqlState(std::string_view sqlstate, std::string message) {
  std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate.empty() || cls == "08" || cls == "53" || cls == "57" || sqlstate == "55006") {
    // 55006: a replication slot still active for a previous connection; retrying succeeds
    // once the server notices it is gone.
    return base::Unavailable("{}", message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    return base::Aborted("{}", message);
  }
  if (cls == "28") return base::InvalidArgument("{}", message);
  if (sqlstate == "42P01" || sqlstate == "42703" || sqlstate == "3F000") {
    return base::NotFound("{}", message);
  }
  return base::FailedPrecondition("{}", message);
}

std::string PgConnectOptions::Endpoint() const {
  if (!host.empty() && host.front() == '/') return host;
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string PgConnectOptions::ConnInfo() const {
  std::string s = fmt::format(
      "host={} port={} user={} password={} dbname={} sslmode={} connect_timeout={} "
      "client_encoding={} application_name={}",
      ConnValue(host), port, ConnValue(user), ConnValue(password), ConnValue(database),
      ConnValue(sslmode), std::max<int64_t>(1, connect_timeout.count() / 1000), ConnValue("UTF8"),
      ConnValue("sluice"));
  if (!session_options.empty()) s += " options=" + ConnValue(session_options);
  if (replication) s += " replication=database";
  return s;
}

base::Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const PgConnectOptions& options) {
  std::unique_ptr<PgConnection> c(new PgConnection(options));
  c->conn_ = PQconnectdb(options.ConnInfo().c_str());
  if (!c->conn_) return base::ResourceExhausted("libpq could not allocate a connection");
  if (PQstatus(c->conn_) != CONNECTION_OK) {
    return ConnectError(options, Trim(PQerrorMessage(c->conn_)));
  }
  // Server notices ("schema already exists, skipping") are not errors: they go to the debug log,
  // not to stderr, and are recorded: some mean the server changed what it was given.
  PQsetNoticeReceiver(
      c->conn_,
      [](void* arg, const PGresult* res) {
        auto* self = static_cast<PgConnection*>(arg);
        auto field = [res](int code) {
          const char* v = PQresultErrorField(res, code);
          return std::string(v ? v : "");
        };
        std::string severity = field(PG_DIAG_SEVERITY_NONLOCALIZED);
        if (severity.empty()) severity = field(PG_DIAG_SEVERITY);
        self->notices_.push_back(
            {severity, field(PG_DIAG_SQLSTATE), field(PG_DIAG_MESSAGE_PRIMARY)});
        base::Logger("client.postgres")
            ->debug("server notice: {}", Trim(PQresultErrorMessage(res)));
      },
      c.get());
  return c;
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

std::string PgConnection::DataChangingNotices() const {
  std::string out;
  for (const auto& n : notices_) {
    if (n.severity != "WARNING" && n.sqlstate != "42622") continue;
    out += fmt::format("{}{}: {} ({})", out.empty() ? "" : "; ", n.severity, n.message,
                       n.sqlstate);
  }
  return out;
}

std::string PgConnection::ParameterStatus(const char* name) const {
  const char* v = conn_ ? PQparameterStatus(conn_, name) : nullptr;
  return v ? v : "";
}

base::Status PgConnection::ResultError(const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string msg = Trim(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (msg.empty()) msg = Trim(PQerrorMessage(conn_));
  std::string text =
      fmt::format("PostgreSQL at {}: {} failed: {}{}", endpoint(), what, msg,
                  last_sqlstate_.empty() ? "" : fmt::format(" (SQLSTATE {})", last_sqlstate_));
  if (PQstatus(conn_) != CONNECTION_OK) return base::Unavailable("{}", text);
  return StatusForSqlState(last_sqlstate_, std::move(text));
}

base::Result<PgResult> PgConnection::Query(std::string_view sql,
                                           const std::vector<std::optional<std::string>>& params) {
  last_sqlstate_.clear();
  notices_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) {
    return base::Unavailable("PostgreSQL at {}: connection lost: {}", endpoint(),
                             Trim(PQerrorMessage(conn_)));
  }
  std::string text(sql);
  PGresult* res = nullptr;
  if (params.empty()) {
    res = PQexec(conn_, text.c_str());
  } else {
    std::vector<const char*> values(params.size());
    for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
    res = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                       values.data(), nullptr, nullptr, 0);
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return ResultError(res, text.substr(0, text.find(' ', 40)));
  }
  PgResult out;
  if (st == PGRES_TUPLES_OK) {
    int nf = PQnfields(res);
    int nr = PQntuples(res);
    for (int f = 0; f < nf; ++f) out.columns.emplace_back(PQfname(res, f));
    out.rows.reserve(static_cast<size_t>(nr));
    for (int r = 0; r < nr; ++r) {
      std::vector<std::optional<std::string>> row(static_cast<size_t>(nf));
      for (int f = 0; f < nf; ++f) {
        if (!PQgetisnull(res, r, f)) {
          row[static_cast<size_t>(f)].emplace(PQgetvalue(res, r, f),
                                              static_cast<size_t>(PQgetlength(res, r, f)));
        }
      }
      out.rows.push_back(std::move(row));
    }
  }
  return out;
}

base::Status PgConnection::Exec(std::string_view sql,
                                const std::vector<std::optional<std::string>>& params) {
  auto r = Query(sql, params);
  return r.ok() ? base::Status::Ok() : r.status();
}

std::string PgConnection::QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string PgConnection::QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace sluice::client::postgres
