// KafkaSinkOptions: what the Kafka producer (KafkaSink) needs — the connection (brokers, TLS,
// SASL: client/kafka/connection_options.h), the default topic and the producer parameters of a
// TiCDC-compatible sink URI (partition-num, replication-factor, compression, required-acks,
// max-message-bytes, auto-create-topic, kafka-version, write-timeout, max-retry).
//
// KafkaSinkOptionSet() declares the producer parameters once on the option engine
// (base/options.h) and includes the connection parameters. The whole sink URI, with the codec
// and large-message parameters, is parsed by ParseKafkaSinkUri (kafka_sink_uri.h). Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/options.h"
#include "client/kafka/connection_options.h"

namespace sluice::sink::kafka {

enum class Compression { kNone, kGzip, kSnappy, kLz4, kZstd };

// The librdkafka/URI names: "none", "gzip", "snappy", "lz4", "zstd".
const base::EnumNames<Compression>& CompressionNames();
std::string_view CompressionName(Compression c);

struct KafkaSinkOptions {
  client::kafka::ConnectionOptions connection;  // kafka_client_id defaults to sluice_producer
  std::string topic;                            // default topic (URI path)

  std::optional<int32_t> partition_num;  // nullopt: existing topic's count, or 3 when created
  int16_t replication_factor = 1;        // only used when the sink creates the topic
  Compression compression = Compression::kNone;
  int required_acks = -1;                // -1 (all), 0 (none) or 1 (leader)
  int64_t max_message_bytes = 10485760;  // before clamping to the topic/broker limit
  bool auto_create_topic = true;
  std::string kafka_version;  // hint only; empty = not given
  std::chrono::milliseconds write_timeout{10000};
  int max_retry = 5;

  KafkaSinkOptions() { connection.kafka_client_id = "sluice_producer"; }

  // "host1:port1,host2:port2" (bootstrap.servers).
  std::string BrokerList() const { return connection.BrokerList(); }
};

// The producer parameters and the connection parameters.
const base::OptionSet<KafkaSinkOptions>& KafkaSinkOptionSet();

}  // namespace sluice::sink::kafka
