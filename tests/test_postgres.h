// PostgreSQL for integration tests: a connection to the `servers` fixture's PostgreSQL as the
// fixture's user, and its URI (one copy instead of one per test file). Needs
// sluice::sink_database.
//
// Everything throws std::runtime_error on failure, which fails the calling test.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "sink/database/pg_connection.h"
#include "test_env.h"

namespace sluice::testing {

inline std::unique_ptr<sink::database::PgConnection> ConnectPostgres() {
  sink::database::PgConnectOptions o;
  o.host = Env("SLUICE_POSTGRES_HOST");
  o.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_POSTGRES_PORT")));
  o.user = Env("SLUICE_POSTGRES_USER");
  o.password = Env("SLUICE_POSTGRES_PASSWORD");
  o.database = Env("SLUICE_POSTGRES_DATABASE");
  auto c = sink::database::PgConnection::Connect(o);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}

// postgres://user:password@host:port/<database><query>
inline std::string PostgresUri(const std::string& query = "") {
  return "postgres://" + Env("SLUICE_POSTGRES_USER") + ":" + Env("SLUICE_POSTGRES_PASSWORD") + "@" +
         Env("SLUICE_POSTGRES_HOST") + ":" + Env("SLUICE_POSTGRES_PORT") + "/" +
         Env("SLUICE_POSTGRES_DATABASE") + query;
}

}  // namespace sluice::testing
