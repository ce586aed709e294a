// Avro schema generation for a table (ticdc.md §4.2-§4.5), TiCDC-compatible.
//
// Key schema: a record of the primary-key columns. Value schema: every column, then (with the
// TiDB extension) `_tidb_op`, `_tidb_commit_ts`, `_tidb_commit_physical_time`. Record name =
// sanitized table name, namespace = "<namespace>.<sanitized schema>" ("default.<db>" as in
// TiCDC). Each column type is {"type": <avro>, "connect.parameters": {"tidb_type": ...}};
// nullable columns are ["null", <type>] with default null, NOT NULL value fields carry MySQL's
// implicit default for their type (0, "", empty bytes, decimal 0, "0000-00-00", the first ENUM
// member), so a new version after ADD COLUMN is BACKWARD compatible; key fields carry no
// default. (The column's own DEFAULT clause is not in the source's metadata, so a column added
// with DEFAULT 5 still gets 0 here: docs/avro.md.) The JSON has sorted object keys
// (like Go's encoding of TiCDC's maps), so the text is stable and registry lookups dedupe.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "model/table_schema.h"

namespace sluice::codec::avro {

struct AvroSchemaOptions {
  bool enable_tidb_extension = false;
  // avro-decimal-handling-mode=string: DECIMAL as "string" instead of bytes/decimal.
  bool decimal_as_string = false;
  // avro-bigint-unsigned-handling-mode=string: BIGINT UNSIGNED as "string" instead of "long".
  bool bigint_unsigned_as_string = false;
  // First namespace component (TiCDC: the changefeed namespace, "default").
  std::string namespace_prefix = "default";
};

// Avro name rules: [A-Za-z_][A-Za-z0-9_]*. Invalid characters become '_'; a leading digit gets
// a '_' prefix (TiCDC's sanitizeName). Multi-byte UTF-8 characters become one '_' each.
std::string SanitizeName(std::string_view name);

// "<topic>-key"/"<topic>-value" with '.' in the topic replaced by '_' (TiCDC's subjects).
std::string KeySubject(std::string_view topic);
std::string ValueSubject(std::string_view topic);

// The key schema; FailedPrecondition naming the table if it has no primary key (the Kafka key
// needs one, ticdc.md §4.1).
base::Result<std::string> KeySchemaJson(const model::TableSchema& table,
                                        const AvroSchemaOptions& options);
// The value schema.
std::string ValueSchemaJson(const model::TableSchema& table, const AvroSchemaOptions& options);

}  // namespace sluice::codec::avro
