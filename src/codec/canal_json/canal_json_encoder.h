// CanalJsonEncoder: TiCDC-compatible Canal-JSON (ticdc.md §3).
//
// One message per row, DDL or watermark; the Kafka key is always null. DML key order is exactly
// TiCDC's hand-written writer: id, database, table, pkNames, isDdl, type, es, ts, sql, sqlType,
// mysqlType, old, data[, _tidb]. DDL and WATERMARK messages follow TiCDC's struct order, which
// puts data before old: ..., sqlType, mysqlType, data, old[, _tidb]. Values are JSON strings
// rendered by model::AppendValueText; binary columns are ISO-8859-1 escaped; absent (kAbsent)
// columns are skipped everywhere. Columns appear in table order in sqlType, mysqlType, old and
// data.
//
// Not thread-safe (reuses an internal buffer); one encoder per pipeline worker.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/common/json_writer.h"
#include "codec/encoder.h"
#include "model/value_text.h"

namespace sluice::codec::canal_json {

struct CanalJsonOptions {
  // `_tidb` field on DML/DDL and TIDB_WATERMARK messages; required by the large-message variants.
  bool enable_tidb_extension = false;
  // UPDATE `old` keeps only columns whose value changed (official Canal behaviour).
  bool only_output_updated_columns = false;
  // Full mysqlType (`decimal(10,4)`, `varchar(16)`, `enum('a','b')`); implies
  // only_output_updated_columns, as in TiCDC.
  bool content_compatible = false;
  // DELETE `data` (and sqlType/mysqlType) only carry the primary-key columns. A table without a
  // primary key keeps all columns.
  bool delete_only_output_handle_key_columns = false;
  // TIMESTAMP rendering zone.
  model::FormatOptions format;
};

// Milliseconds since the Unix epoch, for the `ts` field. Injectable for tests.
using WallClockMs = std::function<int64_t()>;
int64_t SystemWallClockMs();

class CanalJsonEncoder : public Encoder {
 public:
  explicit CanalJsonEncoder(CanalJsonOptions options, WallClockMs clock = SystemWallClockMs);

  // INSERT/UPDATE/DELETE. `es` = txn.commit_time_ms, `_tidb.commitTs` = txn.commit_ts.
  // InvalidArgument if the row's images do not match its schema's column count.
  base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                         Message* out) override;
  // DDL; type from ClassifyDdl(ddl.sql); database/table from ddl, else parsed from the SQL.
  base::Status EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                         Message* out) override;
  // TIDB_WATERMARK with `_tidb.watermarkTs`; returns false without the TiDB extension.
  bool EncodeWatermark(uint64_t commit_ts, Message* out) override;

  // Large-message variant (large-message-handle-option=handle-key-only): only primary-key
  // columns, `_tidb.onlyHandleKey=true`. FailedPrecondition without the TiDB extension or if the
  // table has no primary key.
  bool HasLargeRowVariants() const override { return true; }
  base::Status EncodeRowHandleKeyOnly(const model::RowChange& row, const model::TxnInfo& txn,
                                      Message* out) override;
  // Claim-check variant: only primary-key columns and `_tidb.claimCheckLocation = location`
  // (the external object holding the full message). Same preconditions as EncodeRowHandleKeyOnly.
  base::Status EncodeRowClaimCheck(const model::RowChange& row, const model::TxnInfo& txn,
                                   std::string_view location, Message* out) override;

  const CanalJsonOptions& options() const { return options_; }

 private:
  enum class LargeMode { kNone, kHandleKeyOnly, kClaimCheck };
  base::Status EncodeRowImpl(const model::RowChange& row, const model::TxnInfo& txn, LargeMode mode,
                             std::string_view location, Message* out);

  CanalJsonOptions options_;
  WallClockMs clock_;
  std::string scratch_;  // reused for value text and mysqlType, so encoding does not allocate
  // Renderings that depend only on the table: its escaped column names and its whole mysqlType
  // object (when every column is listed). Rebuilt when a row of another table schema comes;
  // holding the schema pointer keeps it from being freed and its address reused.
  struct TableCache {
    model::TableSchemaPtr table;
    std::vector<std::string> keys;  // AppendJsonString(column name), quotes included
    std::string mysql_types;        // {"col":"type",...} over all columns
  };
  const TableCache& CacheFor(const model::TableSchemaPtr& table);
  // "sqlType" and "mysqlType" over the columns of `image` that are present (and keys, with
  // only_key).
  void WriteColumnTypes(const model::TableSchema& table, const std::vector<model::Value>& image,
                        bool only_key, const TableCache& cache, JsonWriter* w);
  TableCache cache_;
  // Size of the previous row message plus slack: a fresh output string is reserved to it once
  // instead of growing through ~7 reallocations (measured: bench/micro encode/canal_json/*).
  size_t size_hint_ = 0;
};

// Canal sqlType (java.sql.Types) for a column and the value it carries in this row (unsigned
// integers are promoted per value, ticdc.md §3.5; NULL/absent values get the base type).
int32_t JavaSqlType(const model::Column& column, const model::Value& value);

// Canal mysqlType: base name with " unsigned" (default), or the full type (content-compatible).
void AppendMySqlType(const model::Column& column, bool full, std::string* out);

// Max bytes per character of the character set of a collation id (1 for binary/latin1, 3 for
// utf8mb3, 4 for utf8mb4, ...); 0 if unknown.
int CharsetMaxBytes(uint32_t collation);

}  // namespace sluice::codec::canal_json
