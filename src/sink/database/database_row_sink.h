// DatabaseRowSink: the batching, idempotent apply logic shared by the MySQL and PostgreSQL row
// sinks (sink::RowSink). Subclasses supply the dialect: connection, SQL for upserts and deletes,
// target table discovery and creation, and what to do with DDL.
//
// Apply queues a copy of the row. A batch (at most batch-rows rows, or whatever is queued when
// batch-interval has passed since its first row, or at Flush/ApplyDdl) is applied in ONE target
// transaction:
//   INSERT          -> upsert of the after image
//   UPDATE          -> upsert of the after image; if the key changed, DELETE of the old key first
//   DELETE          -> DELETE by the key of the before image
// Consecutive upserts (or deletes) of one table become one multi-row statement as long as no key
// repeats inside it, so the statement order equals the source order. Because every statement is
// an upsert or a delete by key, replaying rows after a restart converges to the same content.
// After COMMIT every token of the batch is acknowledged OK through the DeliveryCallback.
//
// Errors: a deadlock or lock-wait timeout (Aborted) retries the batch up to max-retries times; a
// lost connection (Unavailable) fails the batch so the changefeed restarts from its checkpoint;
// any other error (data error, constraint, missing column) re-applies the batch row by row with
// a savepoint per row to find the rows at fault: without ignore-write-errors the first one stops
// the changefeed with a message naming the table, the key and the fix; with it, each such row is
// logged, counted (ignored_rows()) and skipped, and its token acknowledged (data-loss risk).
// A failed batch acknowledges its tokens with the error; the sink then stays failed.
//
// Tables need a primary key upstream (rows are applied by key); the target table must exist with
// the same column names (matched case-insensitively) and a PRIMARY KEY or UNIQUE index on the key
// columns, unless create-tables=true creates it.
//
// Threading: one thread (the changefeed's); callbacks run on it, inside Apply/Poll/Flush.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"
#include "sink/database/database_sink_options.h"
#include "sink/row_sink.h"
#include "sink/sink.h"

namespace sluice::sink::database {

// A source table resolved to its target.
struct TargetTable {
  std::string display;               // db.t / schema.t, unquoted, for messages
  std::string name;                  // quoted, qualified SQL name
  std::vector<std::string> columns;  // quoted target column names, aligned with the source's
  std::vector<size_t> key;           // indexes of the key columns in the source schema
};

// What exists on the target for one table.
struct TargetInfo {
  bool exists = false;
  std::vector<std::string> columns;                   // column names
  std::vector<std::vector<std::string>> unique_keys;  // PRIMARY KEY / UNIQUE column lists
  // Why the sink user cannot write the table (a missing grant, with the GRANT that fixes it),
  // or why it cannot tell whether the table exists; empty when writing is allowed.
  std::string access_problem;

  // Fills unique_keys from catalog rows (index name, column name) ordered by index, then by
  // position in the index.
  void AddUniqueKeys(const std::vector<std::vector<std::optional<std::string>>>& rows);
};

class DatabaseRowSink : public sink::RowSink {
 public:
  DatabaseRowSink(DatabaseSinkOptions options, sink::DeliveryCallback callback);
  ~DatabaseRowSink() override = default;

  base::Status Apply(const model::RowChange& row, const model::TxnInfo& txn,
                     uint64_t token) override;
  base::Status ApplyDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                        uint64_t token) override;
  void Poll(int timeout_ms) override;
  base::Status Flush(int timeout_ms) override;

  // Rows skipped under ignore-write-errors since the sink was created.
  uint64_t ignored_rows() const { return ignored_rows_; }
  // Target transactions committed.
  uint64_t committed_batches() const { return committed_batches_; }

 protected:
  const DatabaseSinkOptions& options() const { return options_; }

  // --- dialect ---
  virtual std::string_view TargetName() const = 0;  // "MariaDB/MySQL", "PostgreSQL"
  // Runs a statement without parameters (BEGIN, COMMIT, SAVEPOINT ...).
  virtual base::Status Exec(const std::string& sql) = 0;
  // The namespace (MySQL database / PostgreSQL schema) the source table goes to.
  virtual std::string TargetNamespace(const model::TableSchema& table) const = 0;
  virtual std::string QuoteIdent(std::string_view name) const = 0;
  virtual base::Status LoadTarget(const std::string& ns, const std::string& table,
                                  TargetInfo* out) = 0;
  virtual base::Status CreateTarget(const std::string& ns, const model::TableSchema& table) = 0;
  // One statement (or several, split by size) for `rows` (after images / before images).
  virtual base::Status ExecUpsert(const TargetTable& target, const model::TableSchema& table,
                                  const std::vector<const std::vector<model::Value>*>& rows) = 0;
  virtual base::Status ExecDelete(const TargetTable& target, const model::TableSchema& table,
                                  const std::vector<const std::vector<model::Value>*>& rows) = 0;
  // Applies or skips a DDL statement (the batch before it is committed).
  virtual base::Status HandleDdl(const model::DdlEvent& ddl) = 0;
  // The target's identifier limit: PostgreSQL 63 bytes, MariaDB/MySQL 64 characters.
  struct IdentifierLimit {
    size_t max;
    bool in_bytes;  // else UTF-8 characters
  };
  virtual IdentifierLimit identifier_limit() const = 0;
  // True if the last failed statement was refused for missing privileges.
  virtual bool LastErrorWasPermission() const = 0;

 private:
  struct Pending {
    model::RowOp op;
    model::TableSchemaPtr table;
    std::vector<model::Value> before;
    std::vector<model::Value> after;
    uint64_t token;
  };
  struct Op {
    bool upsert;
    const model::TableSchema* table;
    const TargetTable* target;
    std::vector<const std::vector<model::Value>*> rows;
    std::vector<std::string> keys;  // encoded keys of `rows`
  };

  base::Status FlushBatch();
  base::Status ResolveTables();
  base::Result<const TargetTable*> Resolve(const model::TableSchemaPtr& table);
  base::Status ApplyAll();
  base::Status ApplyRowByRow();
  base::Status RunOp(const Op& op);
  // The ops of one row: [delete old key,] upsert, or delete.
  std::vector<Op> OpsFor(const Pending& p, const TargetTable* target) const;
  std::string KeyText(const model::TableSchema& t, const std::vector<model::Value>& image) const;
  std::string DescribeRow(const Pending& p) const;
  base::Status Fail(base::Status st);
  // `name` as the target can hold it: unchanged when within identifier_limit(), else the
  // documented shortened form with truncate-identifiers=true, else an error naming it.
  // `what` ("column", "table", ...) and `source` ("db.t") name it in the error.
  base::Result<std::string> TargetIdentifier(std::string_view what, const std::string& name,
                                             const model::TableSchema& source) const;

  DatabaseSinkOptions options_;
  sink::DeliveryCallback callback_;
  std::vector<Pending> pending_;
  std::chrono::steady_clock::time_point first_pending_at_;
  // Resolved targets by source table identity (schema pointer), and by "schema.table" with a
  // signature of the columns and key, so a source that hands out a new TableSchema object per
  // row (e.g. decoded from messages) does not query the target catalog per row.
  std::map<const model::TableSchema*, std::pair<model::TableSchemaPtr, TargetTable>> targets_;
  std::map<std::string, std::pair<std::string, TargetTable>> targets_by_name_;
  // Target table (after truncate-identifiers) -> the source table mapped to it.
  std::map<std::string, std::string> source_of_target_;
  base::Status failed_;
  uint64_t ignored_rows_ = 0;
  uint64_t committed_batches_ = 0;
};

}  // namespace sluice::sink::database
