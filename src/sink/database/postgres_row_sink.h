// PostgresRowSink: applies row changes to PostgreSQL (libpq), idempotently:
// INSERT ... VALUES ($1,..),(..) ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, and
// DELETE ... WHERE key = $n OR ...; values are text parameters typed by the server from the
// target columns (sql_value.h). See DatabaseRowSink for batching, errors and acknowledgements.
//
// Target: database = the URI path; schema = `schema=`, else the source table's database name.
// Session: TimeZone UTC, client_encoding UTF8.
// DDL is never applied (MySQL DDL does not run on PostgreSQL): it is logged and skipped; a later
// row with a new column then stops the changefeed with the ALTER TABLE that fixes the target.
#pragma once

#include <memory>

#include "sink/database/database_row_sink.h"
#include "sink/database/pg_connection.h"

namespace sluice::sink::database {

class PostgresRowSink : public DatabaseRowSink {
 public:
  // Connects; Unavailable if the server cannot be reached.
  static base::Result<std::unique_ptr<PostgresRowSink>> Create(const DatabaseSinkOptions& options,
                                                               sink::DeliveryCallback callback);

 protected:
  std::string_view TargetName() const override { return "PostgreSQL"; }
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
  IdentifierLimit identifier_limit() const override { return {63, true}; }  // NAMEDATALEN - 1
  bool LastErrorWasPermission() const override;

 private:
  using DatabaseRowSink::DatabaseRowSink;
  // Runs a statement; a server WARNING or truncated identifier it raised is an error.
  base::Status ExecChecked(const std::string& sql,
                           const std::vector<std::optional<std::string>>& params = {});

  std::unique_ptr<PgConnection> conn_;
};

}  // namespace sluice::sink::database
