// Encoder: turns change events into Kafka message keys and values for one protocol.
//
// Encoders are pure (no I/O) and not thread-safe; the pipeline owns one per worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

  // Large-message variants of a row (sink option large-message-handle-option, ticdc.md §6), for
  // a row whose full message is over the target's size limit: the row with only its handle-key
  // columns, marked as such; the claim-check variant also carries `location`, where the full
  // message was stored. Protocols without them keep the defaults (false / Unimplemented).
  virtual bool HasLargeRowVariants() const { return false; }
  virtual base::Status EncodeRowHandleKeyOnly(const model::RowChange& row,
                                              const model::TxnInfo& txn, Message* out) {
    return base::Unimplemented("this protocol has no handle-key-only message variant");
  }
  virtual base::Status EncodeRowClaimCheck(const model::RowChange& row, const model::TxnInfo& txn,
                                           std::string_view location, Message* out) {
    return base::Unimplemented("this protocol has no claim-check message variant");
  }
};

}  // namespace sluice::codec
