// Warnings of `sluice check` about values a sink format cannot carry exactly.
#pragma once

#include "dispatch/table_filter.h"
#include "sink/kafka/kafka_sink_options.h"
#include "source/mysql/source_config.h"

namespace sluice::pipeline {

// Logs a warning (logger "check") naming the BIGINT UNSIGNED columns of the tables `filter`
// captures on the MariaDB/MySQL source when the sink writes them as signed 64-bit numbers
// (debezium-bigint-unsigned-handling-mode=long, Debezium's default, or
// avro-bigint-unsigned-handling-mode=long): values above 2^63-1 arrive negative. Returns the
// number of such columns (0 when the format is exact or the source cannot be queried).
size_t WarnUnsignedWrap(const source::mysql::MySqlSourceConfig& source,
                        const sink::kafka::KafkaSinkOptions& sink,
                        const dispatch::TableFilter& filter);

}  // namespace sluice::pipeline
