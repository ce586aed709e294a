// RowDecoder: turns one Kafka message into row changes and DDL for the Kafka source.
//
// The inverse of codec::Encoder, for the formats sluice reads from Kafka: plain JSON objects
// (plain_json/), Canal-JSON (canal_json/canal_json_row_decoder.h) and Debezium JSON
// (debezium/debezium_decoder.h). Every decoder produces canonical model::Values (see
// model/value.h and common/value_parse.h) with a model::TableSchema (database, table, typed
// columns, key columns), so database sinks never look at the wire format.
//
// Decoders keep a schema cache (one TableSchemaPtr per table, replaced when the columns
// change), so they are not thread-safe: one per source.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"

namespace sluice::codec {

// One consumed Kafka message (views into the consumer's buffer, valid during Decode only).
struct KafkaRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string_view> key;    // nullopt = null key
  std::optional<std::string_view> value;  // nullopt = null value (a tombstone)
  int64_t timestamp_ms = -1;              // -1 if the message has none
};

struct DecodeResult {
  // kRow events (op, table, before/after, txn.commit_time_ms) and kDdl events in message
  // order. No kCommit: the source frames transactions. Empty for messages that carry no
  // change (watermarks, tombstones of formats that have no delete-by-tombstone).
  std::vector<model::ChangeEvent> events;
  // Set (with a non-OK status) when the value is not a JSON object at all; the source skips
  // exactly these messages when ignore-non-json=true.
  bool not_json = false;
};

class RowDecoder {
 public:
  virtual ~RowDecoder() = default;

  // Decodes one message into `out` (cleared first). Errors are InvalidArgument naming the
  // field and what was expected; the caller adds topic/partition/offset.
  virtual base::Status Decode(const KafkaRecord& record, DecodeResult* out) = 0;
};

}  // namespace sluice::codec
