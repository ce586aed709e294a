// MySqlRowSink: applies row changes to MariaDB/MySQL (Connector/C), idempotently:
// INSERT ... VALUES (...),(...) ON DUPLICATE KEY UPDATE c=VALUES(c), DELETE ... WHERE key IN.
// See DatabaseRowSink for batching, error handling and acknowledgements.
//
// Session: time_zone '+00:00' (TIMESTAMP values are sent in UTC), sql_mode
// STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION (bad values are errors, a
// replicated 0 in an AUTO_INCREMENT column stays 0, zero dates are accepted), utf8mb4.
// Target database: `database=` (or the URI path), else the source table's database.
// DDL: ddl=skip (default) logs it; ddl=apply runs it with the target database as default
// database and treats "already exists"/"does not exist" errors of a replayed DDL as applied.
#pragma once

#include <memory>

#include "sink/database/database_row_sink.h"
#include "source/mysql/mysql_connection.h"

namespace sluice::sink::database {

class MySqlRowSink : public DatabaseRowSink {
 public:
  // Connects and prepares the session; Unavailable if the server cannot be reached.
  static base::Result<std::unique_ptr<MySqlRowSink>> Create(const DatabaseSinkOptions& options,
                                                            sink::DeliveryCallback callback);

 protected:
  std::string_view TargetName() const override { return "MariaDB/MySQL"; }
  base::Status Exec(const std::string& sql) override;
  std::string TargetNamespace(const model::TableSchema& table) const override;
  std::string QuoteIdent(std::string_view name) const override;
  base::Status LoadTarget(const std::string& ns, const std::string& table,
                          TargetInfo* out) override;
  base::Status CreateTarget(const std::string& ns, const model::TableSchema& table) override;
  base::Status ExecUpsert(const TargetTable& target, const model::TableSchema& table,
                          const std::vector<const std::vector<model::Value>*>& rows) override;
  base::Status ExecDelete(const TargetTable& target, const model::TableSchema& table,
                          const std::vector<const std::vector<model::Value>*>& rows) override;
  base::Status HandleDdl(const model::DdlEvent& ddl) override;
  IdentifierLimit identifier_limit() const override { return {64, false}; }
  bool LastErrorWasPermission() const override;

 private:
  // Runs an INSERT/DELETE; a warning the server raised for it (a value it changed) is an error.
  base::Status ExecWrite(const std::string& sql);
  // MySqlTypeFor of every column, key columns sized to fit InnoDB's key limit.
  base::Result<std::vector<std::string>> KeyFittingTypes(const std::string& ns,
                                                         const model::TableSchema& table);
  using DatabaseRowSink::DatabaseRowSink;
  std::string Literal(const std::string& s) const;  // 'text' via hex, for catalog queries

  std::unique_ptr<source::mysql::MySqlConnection> conn_;
};

}  // namespace sluice::sink::database
