// MariaDB for integration tests: connections to the `servers` fixture's MariaDB and the few
// statements every test runs (one copy instead of one per test file). Needs sluice::source_mysql.
//
// Everything throws std::runtime_error on failure, which fails the calling test.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "source/mysql/mysql_connection.h"
#include "test_env.h"

namespace sluice::testing {

// The fixture's replication user over TCP.
inline std::unique_ptr<source::mysql::MySqlConnection> ConnectMariaDb() {
  source::mysql::ConnectOptions o;
  o.host = Env("SLUICE_MARIADB_HOST");
  o.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_MARIADB_PORT")));
  o.user = Env("SLUICE_MARIADB_USER");
  o.password = Env("SLUICE_MARIADB_PASSWORD");
  auto c = source::mysql::MySqlConnection::Connect(o);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}

// root over the Unix socket (the fixture's root has no password): to create users, grant and
// set globals.
inline std::unique_ptr<source::mysql::MySqlConnection> ConnectMariaDbRoot() {
  source::mysql::ConnectOptions o;
  o.unix_socket = Env("SLUICE_MARIADB_SOCKET");
  o.user = "root";
  auto c = source::mysql::MySqlConnection::Connect(o);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}

inline void Exec(source::mysql::MySqlConnection& c, const std::string& sql) {
  auto st = c.Exec(sql);
  if (!st.ok()) throw std::runtime_error(sql.substr(0, 200) + ": " + st.message());
}

// Drops `db` if it exists and creates it empty.
inline void RecreateDatabase(source::mysql::MySqlConnection& c, const std::string& db) {
  Exec(c, "DROP DATABASE IF EXISTS " + db);
  Exec(c, "CREATE DATABASE " + db);
}

// A writer: ConnectMariaDb() with the session pinned to ROW format (so a concurrent test
// flipping the global format cannot turn its writes into statement events), UTC and strict mode.
inline std::unique_ptr<source::mysql::MySqlConnection> ConnectMariaDbWriter() {
  auto conn = ConnectMariaDb();
  Exec(*conn, "SET SESSION binlog_format='ROW', time_zone='+00:00', sql_mode='STRICT_ALL_TABLES'");
  return conn;
}

// The server's @@gtid_binlog_pos: where a changefeed has caught up with everything written.
inline std::string GtidPos(source::mysql::MySqlConnection& c) {
  auto r = c.Query("SELECT @@gtid_binlog_pos");
  if (!r.ok() || r->rows.empty() || !r->rows[0][0]) {
    throw std::runtime_error("cannot read @@gtid_binlog_pos");
  }
  return *r->rows[0][0];
}

// mysql://user:password@host:port/<query> for the fixture's replication user.
inline std::string MariaDbUri(const std::string& query = "") {
  return "mysql://" + Env("SLUICE_MARIADB_USER") + ":" + Env("SLUICE_MARIADB_PASSWORD") + "@" +
         Env("SLUICE_MARIADB_HOST") + ":" + Env("SLUICE_MARIADB_PORT") + "/" + query;
}

}  // namespace sluice::testing
