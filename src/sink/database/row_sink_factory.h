// CreateDatabaseRowSink: builds the row sink a parsed database sink URI names (MySQL/MariaDB or
// PostgreSQL), connected and ready. Unavailable if the target cannot be reached.
#pragma once

#include <memory>

#include "base/status.h"
#include "sink/database/database_sink_options.h"
#include "sink/row_sink.h"
#include "sink/sink.h"

namespace sluice::sink::database {

base::Result<std::unique_ptr<sink::RowSink>> CreateDatabaseRowSink(
    const DatabaseSinkOptions& options, sink::DeliveryCallback callback);

}  // namespace sluice::sink::database
