#include "sink/database/pg_connection.h"

#include <libpq-fe.h>

namespace sluice::sink::database {
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

base::Status StatusFor(std::string_view sqlstate, std::string message) {
  std::string_view cls = sqlstate.substr(0, 2);
  if (sqlstate.empty() || cls == "08" || cls == "53" || cls == "57") {
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

}  // namespace

std::string PgConnectOptions::Endpoint() const {
  if (!host.empty() && host.front() == '/') return host;
  return host + ":" + std::to_string(port);
}

base::Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const PgConnectOptions& options) {
  std::unique_ptr<PgConnection> c(new PgConnection(options));
  std::string port = std::to_string(options.port);
  std::string timeout = std::to_string(options.connect_timeout_s);
  const char* keys[] = {"host",
                        "port",
                        "user",
                        "password",
                        "dbname",
                        "sslmode",
                        "connect_timeout",
                        "client_encoding",
                        "application_name",
                        "options",
                        nullptr};
  const char* values[] = {options.host.c_str(),
                          port.c_str(),
                          options.user.c_str(),
                          options.password.c_str(),
                          options.database.c_str(),
                          options.sslmode.c_str(),
                          timeout.c_str(),
                          "UTF8",
                          "sluice",
                          "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres "
                          "-c extra_float_digits=1",
                          nullptr};
  c->conn_ = PQconnectdbParams(keys, values, 0);
  if (!c->conn_) return base::ResourceExhausted("PQconnectdbParams: out of memory");
  if (PQstatus(c->conn_) != CONNECTION_OK) {
    std::string msg = Trim(PQerrorMessage(c->conn_));
    // libpq has no SQLSTATE for connection failures; classify by the text.
    if (msg.find("password authentication failed") != std::string::npos ||
        msg.find("no password supplied") != std::string::npos) {
      return base::InvalidArgument(
          "access denied for user '{}' at PostgreSQL {}; check the user and password in the "
          "sink URI",
          options.user, options.Endpoint());
    }
    if (msg.find("does not exist") != std::string::npos) {
      return base::InvalidArgument(
          "cannot connect to PostgreSQL at {}: {}; create it or fix the "
          "sink URI",
          options.Endpoint(), msg);
    }
    return base::Unavailable(
        "cannot connect to PostgreSQL at {}: {}; check host/port and that the server is running",
        options.Endpoint(), msg);
  }
  // Server notices ("schema already exists, skipping") are not errors; keep them off stderr,
  // but record them: some mean the server changed what it was given.
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
      },
      c.get());
  return c;
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

base::Result<PgResult> PgConnection::Query(std::string_view sql,
                                           const std::vector<std::optional<std::string>>& params) {
  last_sqlstate_.clear();
  notices_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) {
    return base::Unavailable("PostgreSQL {}: connection lost: {}", options_.Endpoint(),
                             Trim(PQerrorMessage(conn_)));
  }
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
  std::string text(sql);
  PGresult* res = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state ? state : "";
    std::string msg = Trim(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
    if (msg.empty()) msg = Trim(PQerrorMessage(conn_));
    return StatusFor(last_sqlstate_,
                     fmt::format("PostgreSQL {}: {}{}", options_.Endpoint(), msg,
                                 last_sqlstate_.empty() ? "" : " (" + last_sqlstate_ + ")"));
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

std::string PgConnection::DataChangingNotices() const {
  std::string out;
  for (const auto& n : notices_) {
    if (n.severity != "WARNING" && n.sqlstate != "42622") continue;
    out += fmt::format("{}{}: {} ({})", out.empty() ? "" : "; ", n.severity, n.message,
                       n.sqlstate);
  }
  return out;
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

}  // namespace sluice::sink::database
