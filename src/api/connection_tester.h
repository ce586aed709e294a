// TestConnection: the console's "Test" button. Runs each requirement of a connection as its own
// check, with what was observed and the fix, so the operator sees everything at once.
//
//   MariaDB source: reachable <host:port> (TCP), authentication, settings log_bin /
//     binlog_format / binlog_row_image / binlog_row_metadata, privileges (REPLICATION SLAVE,
//     BINLOG MONITOR, SELECT), replication preflight (the exact check a changefeed runs:
//     source::mysql::BinlogClient::Connect).
//   MariaDB target: reachable, authentication, privileges (INSERT, UPDATE, DELETE, CREATE).
//   PostgreSQL: reachable, authentication (libpq), wal_level=logical and the REPLICATION role
//     attribute (source).
//   Kafka: sink::kafka::CheckKafkaSink (reachability of every broker, TLS/SASL connect,
//     describe / create / write ACLs on the connection's topic, describe-configs).
// Later checks are skipped (passed=false is never claimed for them) when the connection itself
// fails. Blocking (bounded by the connect timeouts); thread-safe; never contains a secret.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "api/connection.h"
#include "base/check_result.h"

namespace sluice::api {

using CheckResult = base::CheckResult;

std::vector<CheckResult> TestConnection(const Connection& connection);

// {"passed": bool, "checks": [{"name", "passed", "skipped", "detail", "fix"}]}
nlohmann::json CheckResultsToJson(const std::vector<CheckResult>& checks);

}  // namespace sluice::api
