// Builder: the composition root that turns a ChangefeedConfig into concrete parts: a source
// (MariaDB binlog, PostgreSQL pgoutput, Kafka consumer) and an emitter (MessageEmitter over the
// protocol's encoder, the event router and the Kafka sink; RowEmitter over a database row sink).
#pragma once

#include "base/status.h"
#include "pipeline/changefeed.h"
#include "pipeline/changefeed_config.h"

namespace sluice::pipeline {

// Validates the whole config (URIs, filter, dispatchers, protocol) without connecting, and
// returns the options and a factory for the changefeed's parts.
struct BuiltChangefeed {
  ChangefeedOptions options;
  PartsFactory factory;
};
base::Result<BuiltChangefeed> BuildChangefeed(const ChangefeedConfig& config);

// Connects to the source and resolves its configured start (`start=now`, `earliest`, a GTID
// or file:pos) to a concrete position: used when a changefeed is created, so that rows written
// after the create call are never skipped however late the changefeed thread starts.
base::Result<model::SourcePosition> ResolveStartPosition(const ChangefeedConfig& config);

// Connects to the source and the sink and checks what a changefeed needs (server settings,
// privileges, broker reachability, the default topic). Returns the first problem found.
base::Status CheckChangefeed(const ChangefeedConfig& config);

}  // namespace sluice::pipeline
