#include "sink/database/row_sink_factory.h"

#include "sink/database/mysql_row_sink.h"
#include "sink/database/postgres_row_sink.h"

namespace sluice::sink::database {

base::Result<std::unique_ptr<sink::RowSink>> CreateDatabaseRowSink(
    const DatabaseSinkOptions& options, sink::DeliveryCallback callback) {
  if (options.kind == TargetKind::kMySql) {
    SLUICE_ASSIGN_OR_RETURN(auto s, MySqlRowSink::Create(options, std::move(callback)));
    return std::unique_ptr<sink::RowSink>(std::move(s));
  }
  SLUICE_ASSIGN_OR_RETURN(auto s, PostgresRowSink::Create(options, std::move(callback)));
  return std::unique_ptr<sink::RowSink>(std::move(s));
}

}  // namespace sluice::sink::database
