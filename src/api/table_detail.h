// TableDetail: what the schema browser shows when a table is opened — its columns, its primary
// and unique keys, whether sluice can capture it, and which changefeeds capture it
// (GET /api/v1/connections/{name}/tables/{schema}/{table}).
//
// The catalog facts are read by DescribeTable (schema_browser.h, the database access); this
// file holds the data and the pure rules on it, so they are tested without a server:
//   - AssessCapture: row image (MariaDB: binlog_format=ROW and binlog_row_image=FULL;
//     PostgreSQL: the table's REPLICA IDENTITY), key present (a primary key; a unique key alone
//     is not used by sluice), column types the source decodes;
//   - CapturingChangefeeds: changefeeds whose source is this connection's server (and database,
//     for PostgreSQL) and whose table filter matches the table.
// Thread-safe (pure functions over values).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/connection.h"
#include "pipeline/changefeed_manager.h"

namespace sluice::api {

struct ColumnDetail {
  std::string name;
  std::string type;       // as the database prints it: "decimal(10,2)", "character varying(40)"
  std::string data_type;  // MariaDB DATA_TYPE ("decimal"); PostgreSQL: the type's name
  uint32_t type_oid = 0;  // PostgreSQL only
  int32_t type_mod = -1;  // PostgreSQL only
  bool nullable = true;
  std::string key;        // "PRI", "UNI" (part of a unique key), "MUL" (other index), ""
  // Filled by AssessCapture:
  bool supported = true;
  std::string note;       // how the value arrives when it is not the obvious way
};

struct KeyDetail {
  std::string name;
  bool primary = false;  // otherwise unique
  std::vector<std::string> columns;
};

struct CaptureCheck {
  std::string name;    // "row image", "key", "column types", "table type"
  std::string status;  // "pass", "warn", "fail"
  std::string detail;
  std::string fix;     // empty when nothing needs doing
};

struct TableDetail {
  std::string schema;
  std::string table;
  std::string type;   // "BASE TABLE", "VIEW", ...
  int64_t rows = -1;  // catalog estimate, -1 unknown
  std::vector<ColumnDetail> columns;
  std::vector<KeyDetail> keys;  // the primary key first
  // MariaDB: the server's binlog_format and binlog_row_image; PostgreSQL: replica_identity
  // ("d", "f", "i", "n" as in pg_class.relreplident) and replica_identity_index.
  std::map<std::string, std::string> settings;
  // Filled by AssessCapture:
  std::vector<CaptureCheck> checks;
  bool capturable = false;  // no check failed
};

// Fills the columns' `supported`/`note`, `checks` and `capturable`.
void AssessCapture(ConnectionKind kind, TableDetail* detail);

// The changefeeds (of `feeds`) that capture schema.table of `connection`.
std::vector<pipeline::ChangefeedInfo> CapturingChangefeeds(
    const Connection& connection, const std::string& schema, const std::string& table,
    const std::vector<pipeline::ChangefeedInfo>& feeds);

// {"schema", "table", "type", "rows", "columns": [{"name", "type", "nullable", "key",
//  "supported", "note"}], "keys": [{"name", "primary", "columns"}], "settings": {...},
//  "capture": {"capturable", "checks": [{"name", "status", "detail", "fix"}]},
//  "changefeeds": [{"id", "state", "lag_ms"}]}
nlohmann::json TableDetailToJson(const TableDetail& detail,
                                 const std::vector<pipeline::ChangefeedInfo>& capturing);

}  // namespace sluice::api
