// KafkaSinkUri: the parsed, validated form of a TiCDC-compatible Kafka sink URI
//
//   kafka://[user:pass@]host1:port1[,host2:port2]/<topic>?protocol=canal-json&...
//   kafka+ssl://...   (TLS on, like enable-tls=true)
//
// It composes what each part declares once on the option engine (base/options.h): the producer
// and connection parameters (KafkaSinkOptions, client/kafka), the message protocol, the codecs'
// own parameters (codec/encoder_options.h, canal_json_options.h, avro_options.h,
// debezium_options.h) and the large-message parameters. The same table validates, redacts and
// generates docs/kafka-sink-options.md (KafkaSinkOptionsDoc()). Parsing is pure (no I/O);
// whether the brokers answer is checked by KafkaSink::Create.
#pragma once

#include <string>
#include <string_view>

#include "base/options.h"
#include "base/status.h"
#include "codec/avro/avro_options.h"
#include "codec/canal_json/canal_json_encoder.h"
#include "codec/debezium/debezium_json_encoder.h"
#include "codec/encoder_options.h"
#include "sink/kafka/kafka_sink_options.h"
#include "sink/kafka/large_message_options.h"

namespace sluice::sink::kafka {

enum class Protocol { kCanalJson, kAvro, kDebezium, kOpenProtocol, kSimple };
// Canonical names as written in the URI ("canal-json", "avro", ...).
std::string_view ProtocolName(Protocol p);

struct KafkaSinkUri {
  std::string scheme = "kafka";  // kafka or kafka+ssl, lower case
  KafkaSinkOptions sink;         // producer + connection
  Protocol protocol = Protocol::kCanalJson;
  codec::EncoderCommonOptions encoder;          // enable-tidb-extension, time-zone
  codec::canal_json::CanalJsonOptions canal;    // canal-json's own flags
  codec::avro::AvroOptions avro;                // schema registry, avro-*-handling-mode
  codec::debezium::DebeziumJsonOptions debezium;  // debezium-*
  LargeMessageOptions large_message;
  base::GivenOptions given;  // the query parameters as given, for Redacted()

  // The URI with every secret (userinfo password, sasl-password, credentials inside
  // schema-registry, ...) replaced by base::kSecretMask; safe for logs, errors and the API.
  std::string Redacted() const;
};

// Every parameter of a Kafka sink URI, in documentation order.
const base::OptionSet<KafkaSinkUri>& KafkaSinkUriOptionSet();

// Parses and validates a Kafka sink URI. Errors are InvalidArgument with one line naming the
// parameter and the fix, e.g.
//   sink URI: compression 'brotli' is not supported; use one of none, gzip, snappy, lz4, zstd
// and never contain a secret.
base::Result<KafkaSinkUri> ParseKafkaSinkUri(std::string_view uri);

// Markdown reference of every URI parameter (name, default, allowed values, description),
// generated from the same table the parser uses; committed as docs/kafka-sink-options.md.
std::string KafkaSinkOptionsDoc();

}  // namespace sluice::sink::kafka
