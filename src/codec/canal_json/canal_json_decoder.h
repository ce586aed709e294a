// Canal-JSON decoding: parses one TiCDC canal-json message value into a neutral struct.
//
// Used by the Kafka source's canal-json row decoder (canal_json_row_decoder.h), round-trip
// tests and the end-to-end tests that compare Kafka content with the database. Values stay
// text, as on the wire; values of binary columns (mysqlType containing "binary", "blob" or
// "geometry") are decoded back from ISO-8859-1 to the original bytes. Column order is preserved as
// written. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::codec::canal_json {

// One row image: column name -> text value (nullopt = SQL NULL), in message order.
using CanalRow = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct CanalJsonMessage {
  int64_t id = 0;
  std::string database;
  std::string table;
  std::optional<std::vector<std::string>> pk_names;  // nullopt = JSON null
  bool is_ddl = false;
  std::string type;  // INSERT/UPDATE/DELETE, CREATE/.../QUERY, TIDB_WATERMARK
  int64_t es = 0;
  int64_t ts = 0;
  std::string sql;
  std::vector<std::pair<std::string, int32_t>> sql_type;        // empty if null
  std::vector<std::pair<std::string, std::string>> mysql_type;  // empty if null
  std::optional<CanalRow> data;  // first (only) element of `data`; nullopt if null
  std::optional<CanalRow> old;   // first (only) element of `old`; nullopt if null
  // Every element of `data` / `old` (official Canal puts all rows of one statement in one
  // message; TiCDC writes one).
  std::vector<CanalRow> data_rows;
  std::vector<CanalRow> old_rows;

  struct TidbExtension {
    std::optional<uint64_t> commit_ts;
    std::optional<uint64_t> watermark_ts;
    bool only_handle_key = false;
    std::string claim_check_location;
  };
  std::optional<TidbExtension> tidb;  // nullopt if `_tidb` is absent

  bool IsWatermark() const { return !is_ddl && type == "TIDB_WATERMARK"; }
  bool IsDml() const { return !is_ddl && !IsWatermark(); }
  // mysqlType of a column, or nullptr.
  const std::string* MySqlTypeOf(std::string_view column) const;
};

// Looks up a column in a row; nullptr if the column is not present.
const std::optional<std::string>* FindColumn(const CanalRow& row, std::string_view column);

// True for mysqlType strings whose values are ISO-8859-1-escaped bytes.
bool IsBinaryMySqlType(std::string_view mysql_type);

// Parses a message value. DataLoss if it is not valid canal-json (bad JSON, wrong field types,
// a binary value with a code point above U+00FF).
base::Result<CanalJsonMessage> DecodeCanalJson(std::string_view value);

}  // namespace sluice::codec::canal_json
