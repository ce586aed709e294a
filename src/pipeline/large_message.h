// LargeMessageHandler: what the produce path does with a row message over the sink's effective
// max message size (sink URI large-message-handle-option, ticdc.md §6).
//
// It works through the codec::Encoder interface, so it applies to every protocol; protocols
// without large-message variants (Avro, Debezium: their URI parser rejects the option) only
// get the clear error of `none`.
//
//   none             ResourceExhausted naming the options to set (the limits only, for a
//                    protocol without variants).
//   handle-key-only  re-encode with only the handle-key columns (`_tidb.onlyHandleKey=true`).
//   claim-check      write the full message to <claim-check dir>/<uuid>.json as
//                    {"key":"<base64>","value":"<base64>"} (fsync'd, key null -> JSON null), then
//                    send the key-only variant with `_tidb.claimCheckLocation` =
//                    file:///<dir>/<uuid>.json.
// A shrunk message still over the limit is ResourceExhausted. Not thread-safe (one per worker).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "codec/encoder.h"
#include "sink/kafka/kafka_sink_options.h"

namespace sluice::pipeline {

class LargeMessageHandler {
 public:
  // Creates the claim-check directory if needed (FailedPrecondition if it cannot).
  static base::Result<std::unique_ptr<LargeMessageHandler>> Create(
      const sink::kafka::KafkaSinkOptions& options);

  // If key + value + 36 bytes of *msg exceed `limit`, replaces *msg per the option (see above).
  // Leaves *msg untouched when it fits.
  base::Status Handle(codec::Encoder& encoder, const model::RowChange& row,
                      const model::TxnInfo& txn, const std::string& topic, int64_t limit,
                      codec::Message* msg);

  // Files written by claim-check so far.
  uint64_t claim_check_files() const { return claim_check_files_; }

 private:
  explicit LargeMessageHandler(const sink::kafka::KafkaSinkOptions& options);
  base::Result<std::string> WriteClaimCheck(const codec::Message& msg);

  sink::kafka::LargeMessageHandle mode_;
  std::string dir_;
  uint64_t claim_check_files_ = 0;
};

// Standard base64 with padding.
std::string Base64Encode(std::string_view in);

}  // namespace sluice::pipeline
