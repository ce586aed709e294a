// AvroEncoder: TiCDC-compatible Confluent Avro (ticdc.md §4).
//
// Each row becomes one message: key = the primary-key record, value = the whole row (the new
// image for INSERT/UPDATE) or a null value (Kafka tombstone, Message::null_value) for DELETE.
// Both are in the Confluent wire format: 0x00, the 4-byte big-endian schema id, Avro binary.
// Schemas are registered under "<topic>-key"/"<topic>-value" ('.' in the topic -> '_') the
// first time a table is seen and again whenever its TableSchema changes (a DDL yields a new
// version); unchanged schema text reuses the cached ids. No DDL and no watermark messages.
//
// Values (ticdc.md §4.4): integers as int/long (INT UNSIGNED long; BIGINT UNSIGNED long, which
// wraps above 2^63-1, or a decimal string), FLOAT float, DOUBLE double, DECIMAL bytes with the
// decimal logical type or a string, text columns string, binary columns bytes, BIT the
// big-endian bytes of its value (fewest bytes, at least one), ENUM/SET member names ("a",
// "x,z"; an invalid ENUM index 0 is ""), JSON and DATE/DATETIME/TIME/TIMESTAMP strings as
// canal-json renders them (TIMESTAMP in the configured zone), YEAR int, GEOMETRY bytes.
//
// Not thread-safe; one encoder per pipeline worker. The registry client may be shared.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "codec/avro/avro_schema.h"
#include "codec/avro/schema_registry_client.h"
#include "codec/encoder.h"
#include "model/value_text.h"

namespace sluice::codec::avro {

class AvroRecord;

struct AvroEncoderOptions {
  AvroSchemaOptions schema;
  model::FormatOptions format;  // TIMESTAMP rendering zone
};

// The Kafka topic a table's rows go to (the subjects are derived from it).
using TopicResolver =
    std::function<std::string(const std::string& schema, const std::string& table)>;

class AvroEncoder : public Encoder {
 public:
  AvroEncoder(AvroEncoderOptions options, std::shared_ptr<SchemaRegistryClient> registry,
              TopicResolver topic_for);
  ~AvroEncoder() override;

  // FailedPrecondition for a table without a primary key; InvalidArgument for a row whose
  // image does not match its schema (absent columns: binlog_row_image must be FULL); registry
  // errors as HttpSchemaRegistryClient returns them (Unavailable is retried by the pipeline).
  base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                         Message* out) override;
  // Avro sends no DDL messages: always FailedPrecondition (the pipeline checks EncodesDdl()).
  base::Status EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                         Message* out) override;
  bool EncodeWatermark(uint64_t commit_ts, Message* out) override { return false; }
  bool EncodesDdl() const override { return false; }

 private:
  struct TableCodec;
  base::Result<TableCodec*> CodecFor(const model::TableSchemaPtr& table);
  base::Status Fill(AvroRecord& record, const model::TableSchema& table,
                    const std::vector<model::Value>& image, const std::vector<size_t>* only,
                    bool extension, const char* op, const model::TxnInfo& txn);

  AvroEncoderOptions options_;
  std::shared_ptr<SchemaRegistryClient> registry_;
  TopicResolver topic_for_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<TableCodec>> tables_;
  std::string scratch_;
};

// Confluent wire-format header: 0x00 then `id` as 4 big-endian bytes.
void AppendWireHeader(int32_t id, std::string* out);

}  // namespace sluice::codec::avro
