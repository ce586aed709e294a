// Encoder: turns change events into Kafka message keys and values for one protocol.
//
// Encoders are pure (no I/O) and not thread-safe; the pipeline owns one per worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "model/change_event.h"

namespace sluice::codec {

struct Message {
  std::optional<std::string> key;  // nullopt = null key
  std::string value;
  // True for a Kafka tombstone: the record's value is null (not empty); `value` is ignored.
  bool null_value = false;
};

class Encoder {
 public:
  virtual ~Encoder() = default;

  virtual base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                                 Message* out) = 0;
  virtual base::Status EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                 Message* out) = 0;
  // Watermark/checkpoint message, if the protocol and options produce one. Returns false if
  // this encoder emits no watermarks (then `out` is untouched).
  virtual bool EncodeWatermark(uint64_t commit_ts, Message* out) = 0;
  // Messages to send right after `row`'s own message (the last EncodeRow), to the same topic
  // and partition, if the protocol wants any (Debezium: the tombstone after a delete, same key
  // and null value; the create after a primary-key change). Called until it returns false
  // (leaving `out` untouched).
  virtual bool EncodeRowFollowUp(const model::RowChange& row, Message* out) { return false; }
  // False if this protocol sends no DDL messages (Avro): the pipeline then skips EncodeDdl.
  virtual bool EncodesDdl() const { return true; }
};

}  // namespace sluice::codec
