// KafkaSinkOptions: the parsed, validated form of a TiCDC-compatible Kafka sink URI
//
//   kafka://[user:pass@]host1:port1[,host2:port2]/<topic>?protocol=canal-json&...
//
// Every query parameter is declared once in a table (kafka_sink_options.cc) that drives both
// validation and the generated reference docs/kafka-sink-options.md (KafkaSinkOptionsDoc()).
// Parsing is pure (no I/O); whether the brokers answer is checked by KafkaSink::Create.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sluice::sink::kafka {

enum class Protocol { kCanalJson, kAvro, kDebezium, kOpenProtocol, kSimple };
enum class Compression { kNone, kGzip, kSnappy, kLz4, kZstd };
enum class SaslMechanism { kNone, kPlain, kScramSha256, kScramSha512, kGssapi };
// How a GSSAPI (Kerberos) client gets its ticket: kinit with a password, or with a keytab.
enum class GssapiAuthType { kUser, kKeytab };
// What the pipeline does with a message over the effective max message size (ticdc.md §6).
enum class LargeMessageHandle { kNone, kHandleKeyOnly, kClaimCheck };

// Canonical names as written in the URI ("canal-json", "zstd", "scram-sha-256").
std::string_view ProtocolName(Protocol p);
std::string_view CompressionName(Compression c);
std::string_view SaslMechanismName(SaslMechanism m);
std::string_view LargeMessageHandleName(LargeMessageHandle h);

struct KafkaSinkOptions {
  std::vector<std::string> brokers;  // "host:port", at least one
  std::string topic;                 // default topic (URI path)

  Protocol protocol = Protocol::kCanalJson;
  std::optional<int32_t> partition_num;  // nullopt: existing topic's count, or 3 when created
  int16_t replication_factor = 1;        // only used when the sink creates the topic
  Compression compression = Compression::kNone;
  int required_acks = -1;                // -1 (all), 0 (none) or 1 (leader)
  int64_t max_message_bytes = 10485760;  // before clamping to the topic/broker limit
  bool auto_create_topic = true;
  std::string kafka_client_id = "sluice_producer";
  std::string kafka_version;  // hint only; empty = not given
  std::chrono::milliseconds dial_timeout{10000};
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  int max_retry = 5;
  // librdkafka reconnect.backoff.max.ms (reconnect.backoff.ms = min(100 ms, this)).
  std::chrono::milliseconds reconnect_backoff_max{500};

  // Security.
  std::string sasl_user;
  std::string sasl_password;  // secret
  SaslMechanism sasl_mechanism = SaslMechanism::kNone;
  bool enable_tls = false;
  std::string ca;  // file paths
  std::string cert;
  std::string key;
  bool insecure_skip_verify = false;

  // SASL/GSSAPI (Kerberos), sasl-mechanism=gssapi; see docs/kafka-security.md.
  GssapiAuthType gssapi_auth_type = GssapiAuthType::kUser;
  std::string gssapi_user;      // principal without the realm, e.g. "alice/for-kafka"
  std::string gssapi_password;  // secret; auth type user
  std::string gssapi_realm;     // empty: krb5.conf's default_realm
  std::string gssapi_keytab_path;
  std::string gssapi_kerberos_config_path;  // KRB5_CONFIG
  std::string gssapi_service_name = "kafka";
  bool gssapi_disable_pafxfast = false;
  // "user@REALM" (or "user" without a realm).
  std::string GssapiPrincipal() const;

  // Codec-facing options (stored for the encoders; the sink itself ignores them).
  bool enable_tidb_extension = false;
  std::string schema_registry;  // may hold credentials; secret
  std::string schema_registry_ca;  // CA file verifying an https:// schema registry
  bool avro_decimal_as_string = false;          // avro-decimal-handling-mode=string
  bool avro_bigint_unsigned_as_string = false;  // avro-bigint-unsigned-handling-mode=string
  bool only_output_updated_columns = false;
  bool content_compatible = false;  // forces only_output_updated_columns
  bool delete_only_output_handle_key_columns = false;
  std::string time_zone = "System";

  // Debezium (protocol=debezium).
  bool debezium_disable_schema = false;
  bool debezium_output_old_value = true;
  bool debezium_tombstone_on_delete = true;
  std::string debezium_decimal_handling = "precise";       // precise | string | double
  std::string debezium_bigint_unsigned_handling = "long";  // long | precise

  // Large messages (applied by the pipeline's produce path; require enable-tidb-extension).
  LargeMessageHandle large_message_handle = LargeMessageHandle::kNone;
  std::string claim_check_storage_uri;  // "file:///dir" as given; claim-check only
  std::string claim_check_dir;          // the local directory of claim_check_storage_uri

  // The query parameters as given (URL-decoded), in order; used by Redacted().
  std::vector<std::pair<std::string, std::string>> params;
  bool userinfo_given = false;

  // "host1:port1,host2:port2" for bootstrap.servers.
  std::string BrokerList() const;

  // The URI with every secret (userinfo password, sasl-password, credentials inside
  // schema-registry, ...) replaced by "******"; safe for logs, errors and the API.
  std::string Redacted() const;
};

// Parses and validates a Kafka sink URI. Errors are InvalidArgument with one line naming the
// parameter and the fix, e.g.
//   sink URI: compression 'brotli' is not supported; use one of none, gzip, snappy, lz4, zstd
// and never contain a secret.
base::Result<KafkaSinkOptions> ParseKafkaSinkUri(std::string_view uri);

// Markdown reference of every URI parameter (name, default, allowed values, description),
// generated from the same table the parser uses; committed as docs/kafka-sink-options.md.
std::string KafkaSinkOptionsDoc();

}  // namespace sluice::sink::kafka
