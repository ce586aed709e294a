// Options every message encoder shares (canal-json, Avro, Debezium JSON), declared once for the
// sink URIs that carry them (sink/kafka/kafka_sink_uri.h).
#pragma once

#include <string>

#include "base/options.h"

namespace sluice::codec {

struct EncoderCommonOptions {
  // canal-json: the _tidb object and WATERMARK events; avro: _tidb_* fields; debezium:
  // source.commit_ts and checkpoint events.
  bool enable_tidb_extension = false;
  // TIMESTAMP rendering zone (canal-json, avro): UTC, an offset, an IANA name or System.
  std::string time_zone = "System";
};

// enable-tidb-extension, time-zone.
const base::OptionSet<EncoderCommonOptions>& EncoderCommonOptionSet();

}  // namespace sluice::codec
