// Connection: a saved endpoint of the web console (a MariaDB, PostgreSQL or Kafka server used as
// a changefeed source or target), its JSON forms and the URIs it turns into.
//
// JSON (request body of POST/PUT /api/v1/connections):
//   {"name": "maria", "kind": "mariadb|postgresql|kafka", "role": "source|target",
//    "hosts": ["127.0.0.1:3306"], "user": "sluice", "password": "...", "database": "",
//    "topic": "",                       // kafka: default topic / topic expression
//    "auth": {"mechanism": "none|plain|scram-sha-256|scram-sha-512|gssapi", "username": "",
//             "password": "...", "kerberos_principal": "", "kerberos_service_name": "",
//             "kerberos_keytab": ""},
//    "tls": {"enabled": false, "ca": "", "cert": "", "key": "", "insecure_skip_verify": false},
//    "ack_mode": "-1|0|1", "compression": "none|gzip|snappy|lz4|zstd",
//    "ignore_non_json": false, "ignore_write_errors": false,
//    "options": {"param": "value"}}     // extra URI query parameters
// Secrets ("password", "auth.password") are write-only: responses carry "password_set" /
// "auth.password_set" instead, and an update that omits a secret (or sends the mask "****")
// keeps the stored one.
//
// Pure data and functions; thread-safe. Parsing errors are InvalidArgument naming the field.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "client/mysql/mysql_connection.h"
#include "client/postgres/pg_connection.h"

namespace sluice::api {

enum class ConnectionKind { kMariaDb, kPostgreSql, kKafka };
enum class ConnectionRole { kSource, kTarget };

std::string_view ConnectionKindName(ConnectionKind kind);

struct ConnectionAuth {
  std::string mechanism = "none";  // none, plain, scram-sha-256, scram-sha-512, gssapi
  std::string username;
  std::string password;  // secret
  std::string kerberos_principal;
  std::string kerberos_service_name;
  std::string kerberos_keytab;
};

struct ConnectionTls {
  bool enabled = false;
  std::string ca, cert, key;  // file paths on the server
  bool insecure_skip_verify = false;
};

struct Connection {
  std::string name;
  ConnectionKind kind = ConnectionKind::kMariaDb;
  ConnectionRole role = ConnectionRole::kSource;
  std::vector<std::string> hosts;  // "host:port"
  std::string user;
  std::string password;  // secret
  std::string database;
  std::string topic;
  ConnectionAuth auth;
  ConnectionTls tls;
  std::string ack_mode = "-1";
  std::string compression = "none";
  bool ignore_non_json = false;
  bool ignore_write_errors = false;
  std::map<std::string, std::string> options;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;

  bool is_database() const { return kind != ConnectionKind::kKafka; }
};

// Validates a connection name: 1-64 characters of A-Z a-z 0-9 . _ -.
base::Status ValidateConnectionName(std::string_view name);

// Parses a request body. `path_name` (PUT) must equal "name" when both are given.
base::Result<Connection> ParseConnectionJson(const nlohmann::json& body,
                                             std::string_view path_name = {});
// Replaces secrets that `incoming` left empty or masked with those of `stored`.
void KeepStoredSecrets(const Connection& stored, Connection* incoming);

// The full JSON with secrets (for the state store only).
nlohmann::json ConnectionToStoredJson(const Connection& c);
base::Result<Connection> ConnectionFromStoredJson(std::string_view text);
// The JSON shown by the API: secrets removed, "*_set" flags and the redacted URI added.
nlohmann::json ConnectionToPublicJson(const Connection& c);

// The URI of the connection (with secrets), plus `extra` query parameters that override the
// connection's own. `path` replaces the topic/database part when non-empty.
//   mariadb source/target:  mysql://user:pass@host:port/[db]?...
//   postgresql:             postgres://user:pass@host:port/db?...
//   kafka:                  kafka://host:port,.../topic?sasl-...&enable-tls=...
std::string ConnectionUri(const Connection& c, const std::map<std::string, std::string>& extra = {},
                          std::string_view path = {});

// The client settings of a MariaDB / PostgreSQL connection (its one host); PostgreSQL connects
// to `database`, else to "postgres".
client::mysql::ConnectOptions MySqlConnectOptionsFor(const Connection& c,
                                                     std::chrono::milliseconds connect_timeout);
client::postgres::PgConnectOptions PgConnectOptionsFor(const Connection& c,
                                                       std::chrono::milliseconds connect_timeout);

// Every secret of the connection, to scrub messages echoed back.
std::vector<std::string> ConnectionSecrets(const Connection& c);

}  // namespace sluice::api
