// KafkaSourceOptions: the parsed, validated form of a Kafka source URI
//
//   kafka://[user:pass@]host1:port1[,host2:port2]/?topics=^shop\..*&group-id=sluice-shop
//       &format=canal-json&ignore-non-json=true&start=earliest
//
// Every source parameter is declared once in a table (kafka_source_options.cc) that drives
// validation, error messages and the reference table in docs/kafka-source.md
// (KafkaSourceOptionsDoc()). Connection and security parameters (sasl-*, enable-tls, ca, cert,
// key, insecure-skip-verify, dial-timeout, read-timeout, kafka-client-id, user:pass@,
// kafka+ssl://) are those of the Kafka sink and are validated by the sink's parser
// (sink/kafka/kafka_sink_options.h), so both ends accept exactly the same settings.
// Parsing is pure (no I/O).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "codec/plain_json/plain_json_decoder.h"
#include "sink/kafka/kafka_sink_options.h"

namespace sluice::source::kafka {

enum class Format { kJson, kCanalJson, kDebezium };
enum class StartFrom { kEarliest, kLatest };

std::string_view FormatName(Format f);

struct KafkaSourceOptions {
  // Brokers, client id, timeouts, TLS and SASL (the sink's fields; topic/protocol unused).
  sink::kafka::KafkaSinkOptions connection;

  // The subscription: exact topic names, or one regular expression (an entry starting with
  // '^', matched by librdkafka against every topic of the cluster, including topics created
  // later).
  std::vector<std::string> topics;
  bool topics_is_regex = false;
  std::string group_id;
  Format format = Format::kJson;
  bool ignore_non_json = false;
  // Sink-side behaviour plumbed through the source URI (same as the database sink URI's
  // ignore-write-errors; the builder ORs both): database sinks skip (and log) a row
  // whose write fails instead of stopping; the row's offset is still committed. DATA-LOSS
  // RISK: such rows are never written. See docs/kafka-source.md.
  bool ignore_write_errors = false;
  StartFrom start = StartFrom::kEarliest;
  std::string time_zone = "System";          // canal-json TIMESTAMP text
  codec::plain_json::PlainJsonOptions json;  // format=json: database, table-mapping, key-columns
  int64_t session_timeout_ms = 45000;

  // The URI with secrets masked; safe for logs, errors and the API.
  std::string redacted_uri;
};

// Parses and validates a Kafka source URI. Errors are InvalidArgument with one line naming the
// parameter and the fix ("source URI: format 'avro' is not supported; use one of json,
// canal-json, debezium") and never contain a secret.
base::Result<KafkaSourceOptions> ParseKafkaSourceUri(std::string_view uri);

// True for URIs this source handles (kafka:// and kafka+ssl://).
bool IsKafkaSourceUri(std::string_view uri);

// Markdown table of the source-specific parameters (name, default, description), generated
// from the parser's table; docs/kafka-source.md embeds it.
std::string KafkaSourceOptionsDoc();

}  // namespace sluice::source::kafka
