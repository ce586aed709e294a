// KafkaSourceOptions: the parsed, validated form of a Kafka source URI
//
//   kafka://[user:pass@]host1:port1[,host2:port2]/?topics=^shop\..*&group-id=sluice-shop
//       &format=canal-json&ignore-non-json=true&start=earliest
//
// Every source parameter is declared once on the option engine (base/options.h) in a table
// that drives validation, error messages, redaction and the reference
// docs/kafka-source-options.md (KafkaSourceOptionsDoc()). The connection and security
// parameters (sasl-*, sasl-gssapi-*, enable-tls, ca, cert, key, insecure-skip-verify,
// dial-timeout, read-timeout, kafka-client-id, user:pass@, kafka+ssl://) are declared once in
// client/kafka/connection_options.h and shared with the Kafka sink, so both ends accept exactly
// the same settings. Parsing is pure (no I/O).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/options.h"
#include "base/status.h"
#include "client/kafka/connection_options.h"
#include "codec/plain_json/plain_json_decoder.h"

namespace sluice::source::kafka {

enum class Format { kJson, kCanalJson, kDebezium };
enum class StartFrom { kEarliest, kLatest };

std::string_view FormatName(Format f);

struct KafkaSourceOptions {
  std::string scheme = "kafka";  // kafka or kafka+ssl, lower case
  // Brokers, client id (default sluice_consumer), timeouts, TLS and SASL.
  client::kafka::ConnectionOptions connection;

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
  std::chrono::milliseconds session_timeout{45000};
  base::GivenOptions given;  // the query parameters as given, for Redacted()

  KafkaSourceOptions() { connection.kafka_client_id = "sluice_consumer"; }

  // The URI with secrets masked; safe for logs, errors and the API.
  std::string Redacted() const;
};

// Every parameter of a Kafka source URI (the source's own and the connection's).
const base::OptionSet<KafkaSourceOptions>& KafkaSourceOptionSet();

// Parses and validates a Kafka source URI. Errors are InvalidArgument with one line naming the
// parameter and the fix ("source URI: format 'avro' is not supported; use one of json,
// canal-json, debezium") and never contain a secret.
base::Result<KafkaSourceOptions> ParseKafkaSourceUri(std::string_view uri);

// True for URIs this source handles (kafka:// and kafka+ssl://).
bool IsKafkaSourceUri(std::string_view uri);

// Markdown reference of every parameter, generated from the parser's table; committed as
// docs/kafka-source-options.md.
std::string KafkaSourceOptionsDoc();

}  // namespace sluice::source::kafka
