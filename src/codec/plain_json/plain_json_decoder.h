// PlainJsonDecoder: Kafka messages whose value is one flat JSON object = one row.
//
// Table: `table_mapping[topic]` if configured, else `<database>.<topic>` if `database` is set,
// else the topic split at its first '.' ("shop.orders" -> database shop, table orders).
// Key columns: `key_columns` if configured, else the field names of the message key when the
// key is a JSON object (key fields missing from the value are added to the row); none
// otherwise. Every message is an upsert (RowOp::kInsert; database sinks apply rows by key). A
// tombstone (null value) with a JSON-object key is a delete of that key; other tombstones are
// ignored.
//
// Values keep their JSON types (there is no column type information in plain JSON):
//   null -> kNull (type kNull), true/false -> kInt 1/0 (kTinyInt), integers -> kInt (kBigInt;
//   kUInt with is_unsigned above INT64_MAX), other numbers -> kDouble (kDouble), strings ->
//   kString (kLongText), objects and arrays -> kString with their JSON text (kJson).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "codec/common/schema_cache.h"
#include "codec/decoder.h"

namespace sluice::codec::plain_json {

struct PlainJsonOptions {
  std::string database;
  std::map<std::string, std::pair<std::string, std::string>> table_mapping;  // topic -> db, table
  std::vector<std::string> key_columns;
};

class PlainJsonDecoder : public RowDecoder {
 public:
  explicit PlainJsonDecoder(PlainJsonOptions options) : options_(std::move(options)) {}
  base::Status Decode(const KafkaRecord& record, DecodeResult* out) override;

 private:
  PlainJsonOptions options_;
  SchemaCache schemas_;
};

// The (database, table) a topic maps to under `options`; InvalidArgument naming the fix if the
// topic has no '.' and neither a mapping nor a database is configured.
base::Result<std::pair<std::string, std::string>> TableForTopic(const PlainJsonOptions& options,
                                                                std::string_view topic);

}  // namespace sluice::codec::plain_json
