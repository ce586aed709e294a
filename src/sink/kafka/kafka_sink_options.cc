#include "sink/kafka/kafka_sink_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "base/text.h"
#include "base/percent_encoding.h"

namespace sluice::sink::kafka {
namespace {

using base::FormatDurationMs;
using base::ParseBool;
using base::ParseGoDuration;
using base::ToLower;

using std::chrono::milliseconds;

constexpr std::string_view kMask = "******";
constexpr std::string_view kDocPath = "docs/kafka-sink-options.md";

enum class Kind { kBool, kInt, kDuration, kEnum, kString };
enum class Secret { kNo, kYes, kUrlCredentials };

// A parameter value after kind-specific parsing and bounds checks.
struct Parsed {
  bool b = false;
  int64_t i = 0;
  milliseconds d{0};
  std::string s;  // kEnum: the canonical value; kString: the value
};

// One URI query parameter. The parser validates against these fields and the doc table is
// generated from them, so the two cannot drift apart.
struct OptionSpec {
  std::string_view name;
  Kind kind;
  std::string_view default_text;  // as shown in the docs
  std::string_view doc;
  int64_t min = 0;  // kInt: value bounds; kDuration: bounds in milliseconds
  int64_t max = 0;
  std::vector<std::string_view> allowed;  // kEnum: canonical values (matched case-insensitively)
  std::vector<std::pair<std::string_view, std::string_view>> aliases;  // kEnum: alias -> value
  std::string_view pattern;  // kString: ECMAScript regex the whole value must match
  std::string_view pattern_doc;
  Secret secret = Secret::kNo;
  void (*apply)(KafkaSinkOptions&, const Parsed&) = nullptr;
};

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = {
      {.name = "protocol",
       .kind = Kind::kEnum,
       .default_text = "(required)",
       .doc = "Message encoding protocol. canal-json is recommended in most cases.",
       .allowed = {"canal-json", "avro", "debezium", "open-protocol", "simple"},
       .aliases = {{"default", "open-protocol"}, {"flat-avro", "avro"}},
       .apply =
           [](KafkaSinkOptions& o, const Parsed& v) {
             static const std::pair<std::string_view, Protocol> kMap[] = {
                 {"canal-json", Protocol::kCanalJson},
                 {"avro", Protocol::kAvro},
                 {"debezium", Protocol::kDebezium},
                 {"open-protocol", Protocol::kOpenProtocol},
                 {"simple", Protocol::kSimple}};
             for (auto& [n, p] : kMap)
               if (n == v.s) o.protocol = p;
           }},
      {.name = "partition-num",
       .kind = Kind::kInt,
       .default_text = "existing topic's partition count; 3 when the sink creates the topic",
       .doc = "Number of partitions written to. Must not exceed the partitions of an existing "
              "topic; if smaller, only partitions 0..partition-num-1 receive data.",
       .min = 1,
       .max = 65536,
       .apply = [](KafkaSinkOptions& o,
                   const Parsed& v) { o.partition_num = static_cast<int32_t>(v.i); }},
      {.name = "replication-factor",
       .kind = Kind::kInt,
       .default_text = "1",
       .doc = "Replication factor of topics the sink creates (ignored for existing topics). "
              "With required-acks=-1 it must be >= the broker's min.insync.replicas.",
       .min = 1,
       .max = 32767,
       .apply = [](KafkaSinkOptions& o,
                   const Parsed& v) { o.replication_factor = static_cast<int16_t>(v.i); }},
      {.name = "compression",
       .kind = Kind::kEnum,
       .default_text = "none",
       .doc = "Producer (batch-level) compression codec.",
       .allowed = {"none", "gzip", "snappy", "lz4", "zstd"},
       .apply =
           [](KafkaSinkOptions& o, const Parsed& v) {
             static const std::pair<std::string_view, Compression> kMap[] = {
                 {"none", Compression::kNone},
                 {"gzip", Compression::kGzip},
                 {"snappy", Compression::kSnappy},
                 {"lz4", Compression::kLz4},
                 {"zstd", Compression::kZstd}};
             for (auto& [n, c] : kMap)
               if (n == v.s) o.compression = c;
           }},
      {.name = "required-acks",
       .kind = Kind::kEnum,
       .default_text = "-1",
       .doc = "Acknowledgements a write waits for: -1 all in-sync replicas (enables the "
              "idempotent producer), 1 the partition leader, 0 none.",
       .allowed = {"-1", "0", "1"},
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.required_acks = std::stoi(v.s); }},
      {.name = "max-message-bytes",
       .kind = Kind::kInt,
       .default_text = "10485760",
       .doc = "Largest message (key + value + 36 bytes overhead) the sink sends; clamped to the "
              "topic's max.message.bytes (or broker message.max.bytes) minus 128.",
       .min = 1,
       .max = 104857600,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.max_message_bytes = v.i; }},
      {.name = "auto-create-topic",
       .kind = Kind::kBool,
       .default_text = "true",
       .doc = "Create missing topics (with partition-num and replication-factor). If false, a "
              "missing topic is an error. Existing topics are never altered.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.auto_create_topic = v.b; }},
      {.name = "kafka-client-id",
       .kind = Kind::kString,
       .default_text = "sluice_producer",
       .doc = "Kafka client.id of the producer.",
       .pattern = "^[A-Za-z0-9._-]+$",
       .pattern_doc = "letters, digits, '.', '_' and '-'",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.kafka_client_id = v.s; }},
      {.name = "kafka-version",
       .kind = Kind::kString,
       .default_text = "(probed from the broker)",
       .doc = "Kafka version of the cluster. Accepted for TiCDC compatibility and stored as a "
              "hint; the client negotiates API versions with the broker.",
       .pattern = "^[0-9]+(\\.[0-9]+){1,3}$",
       .pattern_doc = "a version such as 2.4.0",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.kafka_version = v.s; }},
      {.name = "dial-timeout",
       .kind = Kind::kDuration,
       .default_text = "10s",
       .doc = "Timeout for connecting to a broker and for the reachability check at start.",
       .min = 1,
       .max = 3600000,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.dial_timeout = v.d; }},
      {.name = "read-timeout",
       .kind = Kind::kDuration,
       .default_text = "10s",
       .doc = "Timeout for a broker response (socket timeout).",
       .min = 1,
       .max = 3600000,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.read_timeout = v.d; }},
      {.name = "write-timeout",
       .kind = Kind::kDuration,
       .default_text = "10s",
       .doc = "Timeout of one produce request; a message is failed after "
              "write-timeout x (max-retry + 1).",
       .min = 1,
       .max = 3600000,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.write_timeout = v.d; }},
      {.name = "max-retry",
       .kind = Kind::kInt,
       .default_text = "5",
       .doc = "Retries of a failed produce request before the message is reported failed.",
       .min = 0,
       .max = 1000,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.max_retry = static_cast<int>(v.i); }},
      {.name = "reconnect-backoff-max",
       .kind = Kind::kDuration,
       .default_text = "500ms",
       .doc = "Longest wait between attempts to reconnect to a broker that went away (starts at "
              "100 ms or this value, whichever is less, and doubles; librdkafka adds -25%..+50% "
              "jitter). It bounds how soon deliveries resume after a broker is back; "
              "librdkafka's own default is 10s.",
       .min = 10,
       .max = 3600000,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.reconnect_backoff_max = v.d; }},
      {.name = "enable-tidb-extension",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "canal-json: add the _tidb object and WATERMARK events; avro: _tidb_* fields; "
              "debezium: checkpoint events.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.enable_tidb_extension = v.b; }},
      {.name = "sasl-user",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "SASL user name (PLAIN, SCRAM). May also be given as URI userinfo.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.sasl_user = v.s; }},
      {.name = "sasl-password",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "SASL password; URL-encode special characters. Never logged.",
       .secret = Secret::kYes,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.sasl_password = v.s; }},
      {.name = "sasl-mechanism",
       .kind = Kind::kEnum,
       .default_text = "plain when sasl-user is set",
       .doc = "SASL mechanism (case-insensitive).",
       .allowed = {"plain", "scram-sha-256", "scram-sha-512", "gssapi"},
       .apply =
           [](KafkaSinkOptions& o, const Parsed& v) {
             static const std::pair<std::string_view, SaslMechanism> kMap[] = {
                 {"plain", SaslMechanism::kPlain},
                 {"scram-sha-256", SaslMechanism::kScramSha256},
                 {"scram-sha-512", SaslMechanism::kScramSha512},
                 {"gssapi", SaslMechanism::kGssapi}};
             for (auto& [n, m] : kMap)
               if (n == v.s) o.sasl_mechanism = m;
           }},
      {.name = "sasl-gssapi-auth-type",
       .kind = Kind::kEnum,
       .default_text = "keytab when sasl-gssapi-keytab-path is set, else user",
       .doc = "GSSAPI (Kerberos) login: user runs kinit with sasl-gssapi-password, keytab with "
              "sasl-gssapi-keytab-path. Needs sasl-mechanism=gssapi.",
       .allowed = {"user", "keytab"},
       .apply =
           [](KafkaSinkOptions& o, const Parsed& v) {
             o.gssapi_auth_type = v.s == "keytab" ? GssapiAuthType::kKeytab : GssapiAuthType::kUser;
           }},
      {.name = "sasl-gssapi-user",
       .kind = Kind::kString,
       .default_text = "(required for gssapi)",
       .doc = "Kerberos principal without the realm (alice/for-kafka for "
              "alice/for-kafka@EXAMPLE.COM); librdkafka sasl.kerberos.principal.",
       .pattern = "^[A-Za-z0-9._/-]+$",
       .pattern_doc = "letters, digits, '.', '_', '-' and '/'",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_user = v.s; }},
      {.name = "sasl-gssapi-password",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Kerberos password (auth type user); handed to kinit on stdin, never on a command "
              "line. Never logged.",
       .secret = Secret::kYes,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_password = v.s; }},
      {.name = "sasl-gssapi-realm",
       .kind = Kind::kString,
       .default_text = "default_realm of krb5.conf",
       .doc = "Kerberos realm, appended to sasl-gssapi-user as user@realm (case-sensitive).",
       .pattern = "^[A-Za-z0-9._-]+$",
       .pattern_doc = "letters, digits, '.', '_' and '-'",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_realm = v.s; }},
      {.name = "sasl-gssapi-keytab-path",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Keytab file (auth type keytab); librdkafka sasl.kerberos.keytab.",
       .pattern = "^/[^'\\n]*$",
       .pattern_doc = "an absolute path without single quotes",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_keytab_path = v.s; }},
      {.name = "sasl-gssapi-kerberos-config-path",
       .kind = Kind::kString,
       .default_text = "/etc/krb5.conf",
       .doc = "krb5.conf to use; set as KRB5_CONFIG for the process (one per sluice process) "
              "and for kinit.",
       .pattern = "^/[^'\\n]*$",
       .pattern_doc = "an absolute path without single quotes",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_kerberos_config_path = v.s; }},
      {.name = "sasl-gssapi-service-name",
       .kind = Kind::kString,
       .default_text = "kafka",
       .doc = "Kerberos service name of the brokers (their principal's first part); librdkafka "
              "sasl.kerberos.service.name.",
       .pattern = "^[A-Za-z0-9._-]+$",
       .pattern_doc = "letters, digits, '.', '_' and '-'",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_service_name = v.s; }},
      {.name = "sasl-gssapi-disable-pafxfast",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "Accepted for TiCDC compatibility. MIT kinit uses PA-FX-FAST only with an armor "
              "cache (kinit -T), which sluice never passes, so true and false behave alike.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.gssapi_disable_pafxfast = v.b; }},
      {.name = "enable-tls",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "Connect with TLS (1.2+). Turned on automatically when ca/cert/key are given; "
              "without them the system trust store is used.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.enable_tls = v.b; }},
      {.name = "ca",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Path of the CA certificate (PEM) that signed the brokers' certificates.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.ca = v.s; }},
      {.name = "cert",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Path of the client certificate (PEM) for mutual TLS; requires key.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.cert = v.s; }},
      {.name = "key",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Path of the client private key (PEM) for mutual TLS; requires cert.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.key = v.s; }},
      {.name = "insecure-skip-verify",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "Do not verify the brokers' certificates and host names (TLS only; testing).",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.insecure_skip_verify = v.b; }},
      {.name = "schema-registry",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Schema registry URL (required for avro), e.g. https://user:pass@host:8081; "
              "credentials are never logged.",
       .pattern = "^https?://.+$",
       .pattern_doc = "an http:// or https:// URL",
       .secret = Secret::kUrlCredentials,
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.schema_registry = v.s; }},
      {.name = "schema-registry-ca",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "avro: CA certificate file (PEM) that verifies an https:// schema registry; "
              "without it the system trust store is used. Basic auth goes in the registry URL "
              "as user:password@ (URL-encoded).",
       .pattern = "^.+$",
       .pattern_doc = "a file path",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.schema_registry_ca = v.s; }},
      {.name = "avro-decimal-handling-mode",
       .kind = Kind::kEnum,
       .default_text = "precise",
       .doc = "avro: DECIMAL as bytes with the decimal logical type (precise) or as a string.",
       .allowed = {"precise", "string"},
       .apply = [](KafkaSinkOptions& o,
                   const Parsed& v) { o.avro_decimal_as_string = v.s == "string"; }},
      {.name = "avro-bigint-unsigned-handling-mode",
       .kind = Kind::kEnum,
       .default_text = "long",
       .doc = "avro: BIGINT UNSIGNED as long (values above 2^63-1 wrap to negative, as in TiCDC) "
              "or as a decimal string.",
       .allowed = {"long", "string"},
       .apply = [](KafkaSinkOptions& o,
                   const Parsed& v) { o.avro_bigint_unsigned_as_string = v.s == "string"; }},
      {.name = "only-output-updated-columns",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "canal-json / open-protocol: the old image of an UPDATE holds only changed "
              "columns.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.only_output_updated_columns = v.b; }},
      {.name = "content-compatible",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "canal-json: content compatible with official Canal; forces "
              "only-output-updated-columns=true.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.content_compatible = v.b; }},
      {.name = "delete-only-output-handle-key-columns",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "canal-json / open-protocol: DELETE events carry only the handle-key columns.",
       .apply = [](KafkaSinkOptions& o,
                   const Parsed& v) { o.delete_only_output_handle_key_columns = v.b; }},
      {.name = "time-zone",
       .kind = Kind::kString,
       .default_text = "System",
       .doc = "Time zone used to render TIMESTAMP values (IANA name such as Asia/Shanghai, "
              "UTC, or System).",
       .pattern = "^[A-Za-z0-9_+/-]+$",
       .pattern_doc = "an IANA time zone name",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.time_zone = v.s; }},
      {.name = "large-message-handle-option",
       .kind = Kind::kEnum,
       .default_text = "none",
       .doc = "What to do with a row message over the max message size: none fails the "
              "changefeed, handle-key-only sends only the primary-key columns, claim-check "
              "stores the full message under claim-check-storage-uri and sends the key columns "
              "with its location. Needs enable-tidb-extension=true.",
       .allowed = {"none", "handle-key-only", "claim-check"},
       .apply =
           [](KafkaSinkOptions& o, const Parsed& v) {
             o.large_message_handle = v.s == "handle-key-only" ? LargeMessageHandle::kHandleKeyOnly
                                      : v.s == "claim-check"   ? LargeMessageHandle::kClaimCheck
                                                               : LargeMessageHandle::kNone;
           }},
      {.name = "claim-check-storage-uri",
       .kind = Kind::kString,
       .default_text = "",
       .doc = "Where claim-check stores full messages (one <uuid>.json file each, holding "
              "base64 key and value). Only local directories are supported.",
       .pattern = "^file:///.*$",
       .pattern_doc = "a file:///absolute/dir URI",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.claim_check_storage_uri = v.s; }},
      {.name = "large-message-handle-compression",
       .kind = Kind::kEnum,
       .default_text = "none",
       .doc = "Compression of the stored claim-check message. Only none is supported so far.",
       .allowed = {"none"},
       .apply = [](KafkaSinkOptions&, const Parsed&) {}},
      {.name = "debezium-disable-schema",
       .kind = Kind::kBool,
       .default_text = "false",
       .doc = "debezium: leave out the Kafka Connect `schema` of keys and values (like "
              "JsonConverter schemas.enable=false).",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.debezium_disable_schema = v.b; }},
      {.name = "debezium-output-old-value",
       .kind = Kind::kBool,
       .default_text = "true",
       .doc = "debezium: UPDATE events carry the old row in `before` (Flink's debezium-json "
              "needs it).",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.debezium_output_old_value = v.b; }},
      {.name = "debezium-tombstone-on-delete",
       .kind = Kind::kBool,
       .default_text = "true",
       .doc = "debezium: follow every DELETE with a tombstone (same key, null value) for log "
              "compaction, as Debezium's tombstones.on.delete.",
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.debezium_tombstone_on_delete = v.b; }},
      {.name = "debezium-decimal-handling-mode",
       .kind = Kind::kEnum,
       .default_text = "precise",
       .doc = "debezium: DECIMAL as precise (Connect Decimal: base64 two's-complement bytes), "
              "string, or double, as Debezium's decimal.handling.mode.",
       .allowed = {"precise", "string", "double"},
       .apply = [](KafkaSinkOptions& o, const Parsed& v) { o.debezium_decimal_handling = v.s; }},
      {.name = "debezium-bigint-unsigned-handling-mode",
       .kind = Kind::kEnum,
       .default_text = "long",
       .doc = "debezium: BIGINT UNSIGNED as long (int64; values above 2^63-1 wrap) or precise "
              "(Connect Decimal bytes), as Debezium's bigint.unsigned.handling.mode.",
       .allowed = {"long", "precise"},
       .apply = [](KafkaSinkOptions& o,
                   const Parsed& v) { o.debezium_bigint_unsigned_handling = v.s; }},
  };
  return specs;
}

const OptionSpec* FindSpec(std::string_view name) {
  for (auto& s : Specs())
    if (s.name == name) return &s;
  return nullptr;
}

std::string Join(const std::vector<std::string_view>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Percent-decodes `in`; '+' becomes a space when `plus_is_space` (query strings).
base::Result<std::string> Decode(std::string_view in, bool plus_is_space, std::string_view what) {
  std::string out;
  if (!base::PercentDecode(in, &out, {.plus_is_space = plus_is_space})) {
    return base::InvalidArgument("sink URI: {} has a malformed %-escape; URL-encode '%' as %25",
                                 what);
  }
  return out;
}

std::string Encode(std::string_view in) { return base::PercentEncode(in, "/:*,"); }

// "https://user:pass@host" -> "https://user:******@host".
std::string MaskUrlCredentials(std::string_view url) {
  auto scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  auto at = url.rfind('@', end);
  if (at == std::string_view::npos || at < start) return std::string(url);
  auto colon = url.find(':', start);
  size_t user_end = (colon != std::string_view::npos && colon < at) ? colon : at;
  return fmt::format("{}:{}{}", url.substr(0, user_end), kMask, url.substr(at));
}

// Validates `raw` against `spec`; the error never echoes a secret value.
base::Result<Parsed> ParseValue(const OptionSpec& spec, const std::string& raw) {
  std::string shown = spec.secret == Secret::kNo ? fmt::format("'{}'", raw) : "value";
  Parsed v;
  switch (spec.kind) {
    case Kind::kBool:
      if (!ParseBool(raw, &v.b)) {
        return base::InvalidArgument("sink URI: {} {} is not a boolean; use true or false",
                                     spec.name, shown);
      }
      return v;
    case Kind::kInt: {
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v.i);
      if (ec != std::errc() || p != raw.data() + raw.size()) {
        return base::InvalidArgument(
            "sink URI: {} {} is not an integer; use an integer from {} "
            "to {}",
            spec.name, shown, spec.min, spec.max);
      }
      if (v.i < spec.min || v.i > spec.max) {
        return base::InvalidArgument(
            "sink URI: {} {} is out of range; use an integer from {} to {}", spec.name, shown,
            spec.min, spec.max);
      }
      return v;
    }
    case Kind::kDuration:
      if (!ParseGoDuration(raw, &v.d)) {
        return base::InvalidArgument(
            "sink URI: {} {} is not a duration; use a Go duration such as 10s or 500ms", spec.name,
            shown);
      }
      if (v.d.count() < spec.min || v.d.count() > spec.max) {
        return base::InvalidArgument(
            "sink URI: {} {} is out of range; use a duration from {} to {}", spec.name, shown,
            FormatDurationMs(spec.min), FormatDurationMs(spec.max));
      }
      return v;
    case Kind::kEnum: {
      std::string lower = ToLower(raw);
      for (auto& [alias, value] : spec.aliases) {
        if (alias == lower) {
          v.s = std::string(value);
          return v;
        }
      }
      for (auto a : spec.allowed) {
        if (a == lower) {
          v.s = lower;
          return v;
        }
      }
      return base::InvalidArgument("sink URI: {} {} is not supported; use one of {}", spec.name,
                                   shown, Join(spec.allowed, ", "));
    }
    case Kind::kString:
      if (raw.empty()) {
        return base::InvalidArgument("sink URI: {} is empty; give a value or leave it out",
                                     spec.name);
      }
      if (!spec.pattern.empty() && !std::regex_match(raw, std::regex(std::string(spec.pattern)))) {
        return base::InvalidArgument("sink URI: {} {} is invalid; use {}", spec.name, shown,
                                     spec.pattern_doc);
      }
      v.s = raw;
      return v;
  }
  return base::Internal("sink URI: unhandled kind for {}", spec.name);
}

base::Status UnknownParameter(std::string_view name) {
  std::vector<std::pair<size_t, std::string_view>> close;
  for (auto& s : Specs()) {
    size_t d = EditDistance(name, s.name);
    bool related = name.size() >= 3 && (s.name.find(name) != std::string_view::npos ||
                                        name.find(s.name) != std::string_view::npos);
    if (d <= std::max<size_t>(2, s.name.size() / 4) || related) close.emplace_back(d, s.name);
  }
  std::sort(close.begin(), close.end());
  if (close.size() > 3) close.resize(3);
  if (close.empty()) {
    return base::InvalidArgument(
        "sink URI: unknown parameter '{}'; see {} for the supported "
        "parameters",
        name, kDocPath);
  }
  std::vector<std::string_view> names;
  for (auto& [d, n] : close) names.push_back(n);
  return base::InvalidArgument("sink URI: unknown parameter '{}'; did you mean {}? (see {})", name,
                               Join(names, " or "), kDocPath);
}

base::Status ParseBroker(std::string_view hp, std::string* out) {
  if (hp.empty()) {
    return base::InvalidArgument(
        "sink URI: empty broker address in the host list; use host1:port1,host2:port2");
  }
  std::string_view host, port;
  if (hp.front() == '[') {
    auto close = hp.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("sink URI: broker '{}' has an unterminated IPv6 bracket", hp);
    }
    host = hp.substr(0, close + 1);
    auto rest = hp.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return base::InvalidArgument("sink URI: broker '{}' is malformed; use [ipv6]:port", hp);
      }
      port = rest.substr(1);
    }
  } else {
    auto colon = hp.rfind(':');
    host = hp.substr(0, colon);
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return base::InvalidArgument("sink URI: broker '{}' is malformed; write IPv6 as [addr]:port",
                                   hp);
    }
  }
  if (host.empty() || host == "[]") {
    return base::InvalidArgument("sink URI: broker '{}' has no host; use host:port", hp);
  }
  int port_num = 9092;
  if (!port.empty() || hp.back() == ':') {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), port_num);
    if (ec != std::errc() || p != port.data() + port.size() || port_num < 1 || port_num > 65535) {
      return base::InvalidArgument(
          "sink URI: broker '{}' has an invalid port; use a port from 1 "
          "to 65535",
          hp);
    }
  }
  *out = fmt::format("{}:{}", host, port_num);
  return base::Status::Ok();
}

bool ValidTopicName(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kCanalJson:
      return "canal-json";
    case Protocol::kAvro:
      return "avro";
    case Protocol::kDebezium:
      return "debezium";
    case Protocol::kOpenProtocol:
      return "open-protocol";
    case Protocol::kSimple:
      return "simple";
  }
  return "?";
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

std::string_view SaslMechanismName(SaslMechanism m) {
  switch (m) {
    case SaslMechanism::kNone:
      return "none";
    case SaslMechanism::kPlain:
      return "plain";
    case SaslMechanism::kScramSha256:
      return "scram-sha-256";
    case SaslMechanism::kScramSha512:
      return "scram-sha-512";
    case SaslMechanism::kGssapi:
      return "gssapi";
  }
  return "?";
}

std::string_view LargeMessageHandleName(LargeMessageHandle h) {
  switch (h) {
    case LargeMessageHandle::kNone:
      return "none";
    case LargeMessageHandle::kHandleKeyOnly:
      return "handle-key-only";
    case LargeMessageHandle::kClaimCheck:
      return "claim-check";
  }
  return "?";
}

std::string KafkaSinkOptions::GssapiPrincipal() const {
  return gssapi_realm.empty() ? gssapi_user : gssapi_user + "@" + gssapi_realm;
}

std::string KafkaSinkOptions::BrokerList() const {
  std::string out;
  for (size_t i = 0; i < brokers.size(); ++i) {
    if (i) out += ',';
    out += brokers[i];
  }
  return out;
}

std::string KafkaSinkOptions::Redacted() const {
  std::string out = "kafka://";
  if (userinfo_given) out += fmt::format("{}:{}@", Encode(sasl_user), kMask);
  out += BrokerList();
  out += '/';
  out += Encode(topic);
  char sep = '?';
  for (auto& [name, value] : params) {
    const OptionSpec* spec = FindSpec(name);
    std::string shown;
    if (spec && spec->secret == Secret::kYes) {
      shown = std::string(kMask);
    } else if (spec && spec->secret == Secret::kUrlCredentials) {
      shown = Encode(MaskUrlCredentials(value));
    } else {
      shown = Encode(value);
    }
    out += fmt::format("{}{}={}", sep, Encode(name), shown);
    sep = '&';
  }
  return out;
}

namespace {

// sasl-gssapi-* rules: only with sasl-mechanism=gssapi, which takes its principal from them.
base::Status ValidateGssapi(KafkaSinkOptions& o, const std::set<std::string>& seen) {
  std::string first;
  for (auto& name : seen)
    if (name.starts_with("sasl-gssapi-") && first.empty()) first = name;
  if (o.sasl_mechanism != SaslMechanism::kGssapi) {
    if (!first.empty()) {
      return base::InvalidArgument(
          "sink URI: {} only applies to Kerberos; add sasl-mechanism=gssapi or remove the "
          "sasl-gssapi-* parameters",
          first);
    }
    return base::Status::Ok();
  }
  if (!o.sasl_user.empty() || !o.sasl_password.empty()) {
    return base::InvalidArgument(
        "sink URI: sasl-mechanism=gssapi takes the Kerberos principal from sasl-gssapi-user and "
        "sasl-gssapi-realm, not from sasl-user/sasl-password or user:password@; move them");
  }
  if (o.gssapi_user.empty()) {
    return base::InvalidArgument(
        "sink URI: sasl-mechanism=gssapi needs sasl-gssapi-user (the Kerberos principal without "
        "the realm, e.g. alice/for-kafka); add it");
  }
  if (!seen.count("sasl-gssapi-auth-type") && !o.gssapi_keytab_path.empty()) {
    o.gssapi_auth_type = GssapiAuthType::kKeytab;
  }
  if (o.gssapi_auth_type == GssapiAuthType::kUser) {
    if (o.gssapi_password.empty()) {
      return base::InvalidArgument(
          "sink URI: sasl-gssapi-auth-type=user needs sasl-gssapi-password; add it, or use "
          "sasl-gssapi-auth-type=keytab with sasl-gssapi-keytab-path");
    }
    if (!o.gssapi_keytab_path.empty()) {
      return base::InvalidArgument(
          "sink URI: sasl-gssapi-keytab-path is only used with sasl-gssapi-auth-type=keytab; "
          "remove it or set the auth type to keytab");
    }
  } else {
    if (o.gssapi_keytab_path.empty()) {
      return base::InvalidArgument(
          "sink URI: sasl-gssapi-auth-type=keytab needs sasl-gssapi-keytab-path; add it");
    }
    if (!o.gssapi_password.empty()) {
      return base::InvalidArgument(
          "sink URI: sasl-gssapi-password is not used with sasl-gssapi-auth-type=keytab; "
          "remove it");
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Result<KafkaSinkOptions> ParseKafkaSinkUri(std::string_view uri) {
  KafkaSinkOptions o;
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return base::InvalidArgument(
        "sink URI: missing scheme; use kafka://host:port/<topic>?protocol=canal-json");
  }
  std::string scheme = ToLower(uri.substr(0, sep));
  if (scheme != "kafka" && scheme != "kafka+ssl") {
    return base::InvalidArgument(
        "sink URI: scheme '{}' is not supported here; use kafka://host:port/<topic>?protocol=...",
        scheme);
  }
  bool scheme_tls = scheme == "kafka+ssl";
  std::string_view rest = uri.substr(sep + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    return base::InvalidArgument("sink URI: '#' is not allowed; URL-encode it as %23");
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }

  // userinfo: the SASL user and password.
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    std::string_view user = userinfo, pass;
    auto colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      pass = userinfo.substr(colon + 1);
    }
    SLUICE_ASSIGN_OR_RETURN(o.sasl_user, Decode(user, false, "the user name"));
    SLUICE_ASSIGN_OR_RETURN(o.sasl_password, Decode(pass, false, "the password"));
    if (o.sasl_user.empty()) {
      return base::InvalidArgument("sink URI: userinfo has an empty user name; use user:password@");
    }
    o.userinfo_given = true;
  }

  if (authority.empty()) {
    return base::InvalidArgument(
        "sink URI: no broker address; use kafka://host1:port1[,host2:port2]/<topic>");
  }
  size_t start = 0;
  while (true) {
    auto comma = authority.find(',', start);
    std::string_view hp = authority.substr(start, comma - start);
    std::string broker;
    SLUICE_RETURN_IF_ERROR(ParseBroker(hp, &broker));
    o.brokers.push_back(std::move(broker));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }

  SLUICE_ASSIGN_OR_RETURN(o.topic, Decode(path, false, "the topic"));
  if (o.topic.empty()) {
    return base::InvalidArgument(
        "sink URI: the topic is missing; put the default topic in the path: "
        "kafka://host:port/<topic>?protocol=canal-json");
  }
  if (!ValidTopicName(o.topic)) {
    return base::InvalidArgument(
        "sink URI: topic '{}' is not a valid Kafka topic name; use at most 249 letters, digits, "
        "'.', '_' and '-'",
        o.topic);
  }

  std::set<std::string> seen;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    auto amp = query.find('&', pos);
    std::string_view pair = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    SLUICE_ASSIGN_OR_RETURN(std::string name, Decode(pair.substr(0, eq), true, "a parameter name"));
    std::string value;
    if (eq != std::string_view::npos) {
      SLUICE_ASSIGN_OR_RETURN(
          value, Decode(pair.substr(eq + 1), true, fmt::format("the value of {}", name)));
    }
    const OptionSpec* spec = FindSpec(name);
    if (!spec) return UnknownParameter(name);
    if (!seen.insert(name).second) {
      return base::InvalidArgument("sink URI: {} is given more than once; keep one", name);
    }
    SLUICE_ASSIGN_OR_RETURN(Parsed parsed, ParseValue(*spec, value));
    spec->apply(o, parsed);
    o.params.emplace_back(std::move(name), std::move(value));
  }

  // Cross-parameter rules.
  if (!seen.count("protocol")) {
    return base::InvalidArgument(
        "sink URI: protocol is required; add protocol=canal-json (or avro, debezium, "
        "open-protocol, simple)");
  }
  if (o.userinfo_given && seen.count("sasl-user")) {
    return base::InvalidArgument(
        "sink URI: the SASL user is given both as userinfo and as sasl-user; keep one");
  }
  if (o.userinfo_given && seen.count("sasl-password")) {
    return base::InvalidArgument(
        "sink URI: the SASL password is given both as userinfo and as sasl-password; keep one");
  }
  if (!o.sasl_user.empty() && o.sasl_mechanism == SaslMechanism::kNone) {
    o.sasl_mechanism = SaslMechanism::kPlain;
  }
  if ((o.sasl_mechanism == SaslMechanism::kPlain ||
       o.sasl_mechanism == SaslMechanism::kScramSha256 ||
       o.sasl_mechanism == SaslMechanism::kScramSha512) &&
      (o.sasl_user.empty() || o.sasl_password.empty())) {
    return base::InvalidArgument(
        "sink URI: sasl-mechanism={} needs sasl-user and sasl-password; add both",
        SaslMechanismName(o.sasl_mechanism));
  }
  SLUICE_RETURN_IF_ERROR(ValidateGssapi(o, seen));
  if (o.sasl_user.empty() && !o.sasl_password.empty()) {
    return base::InvalidArgument("sink URI: sasl-password is set without sasl-user; add sasl-user");
  }
  bool any_file = !o.ca.empty() || !o.cert.empty() || !o.key.empty();
  if (any_file) {
    if (seen.count("enable-tls") && !o.enable_tls) {
      return base::InvalidArgument(
          "sink URI: ca/cert/key are given but enable-tls=false; remove enable-tls=false or the "
          "certificate files");
    }
    // ca alone: verify the brokers (server-side TLS); cert + key: also a client certificate.
    if (o.cert.empty() != o.key.empty()) {
      return base::InvalidArgument(
          "sink URI: cert and key must be given together (client certificate and its private "
          "key); add the missing one");
    }
    o.enable_tls = true;
  }
  if (scheme_tls) {
    if (seen.count("enable-tls") && !o.enable_tls) {
      return base::InvalidArgument(
          "sink URI: scheme kafka+ssl conflicts with enable-tls=false; use kafka:// or remove "
          "enable-tls=false");
    }
    o.enable_tls = true;
  }
  if (o.insecure_skip_verify && !o.enable_tls) {
    return base::InvalidArgument(
        "sink URI: insecure-skip-verify only applies to TLS; add enable-tls=true or remove it");
  }
  if (o.protocol == Protocol::kAvro && o.schema_registry.empty()) {
    return base::InvalidArgument(
        "sink URI: protocol=avro needs schema-registry; add schema-registry=http://host:8081");
  }
  if (!o.schema_registry_ca.empty() && !o.schema_registry.starts_with("https://")) {
    return base::InvalidArgument(
        "sink URI: schema-registry-ca needs an https:// schema-registry; use https:// or remove "
        "schema-registry-ca");
  }
  if (o.protocol == Protocol::kAvro && o.large_message_handle != LargeMessageHandle::kNone) {
    return base::InvalidArgument(
        "sink URI: large-message-handle-option={} is not supported with protocol=avro (as in "
        "TiCDC); remove it and raise max-message-bytes instead",
        LargeMessageHandleName(o.large_message_handle));
  }
  if (o.content_compatible) o.only_output_updated_columns = true;
  if (o.large_message_handle != LargeMessageHandle::kNone && o.protocol == Protocol::kDebezium) {
    return base::InvalidArgument(
        "sink URI: large-message-handle-option={} is not supported with protocol=debezium (a "
        "Debezium event has no handle-key-only form); remove it, or raise max-message-bytes",
        LargeMessageHandleName(o.large_message_handle));
  }
  if (o.large_message_handle != LargeMessageHandle::kNone && !o.enable_tidb_extension) {
    return base::InvalidArgument(
        "sink URI: large-message-handle-option={} needs enable-tidb-extension=true (consumers "
        "read the _tidb marker); add enable-tidb-extension=true",
        LargeMessageHandleName(o.large_message_handle));
  }
  if (o.large_message_handle == LargeMessageHandle::kClaimCheck) {
    if (o.claim_check_storage_uri.empty()) {
      return base::InvalidArgument(
          "sink URI: large-message-handle-option=claim-check needs claim-check-storage-uri; add "
          "claim-check-storage-uri=file:///path/to/dir");
    }
    std::string dir = o.claim_check_storage_uri.substr(std::string_view("file://").size());
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (dir.find("/../") != std::string::npos || dir.ends_with("/..")) {
      return base::InvalidArgument(
          "sink URI: claim-check-storage-uri must not contain '..'; give an absolute directory");
    }
    o.claim_check_dir = std::move(dir);
  } else if (!o.claim_check_storage_uri.empty()) {
    return base::InvalidArgument(
        "sink URI: claim-check-storage-uri is only used with "
        "large-message-handle-option=claim-check; set that option or remove the URI");
  }
  return o;
}

std::string KafkaSinkOptionsDoc() {
  std::string out;
  out +=
      "# Kafka sink URI parameters\n"
      "\n"
      "<!-- Generated from the option table in src/sink/kafka/kafka_sink_options.cc; do not "
      "edit.\n"
      "     Regenerate: SLUICE_UPDATE_DOCS=1 <build>/src/sink/kafka/sink_kafka_test "
      "--gtest_filter='KafkaSinkOptionsDoc.*' -->\n"
      "\n"
      "```\n"
      "kafka://[user:password@]host1:port1[,host2:port2,...]/<topic>?protocol=canal-json"
      "&<parameter>=<value>...\n"
      "```\n"
      "\n"
      "- The path is the default topic. `kafka+ssl://` turns TLS on like `enable-tls=true`.\n"
      "- `user:password@` sets the SASL user and password (mechanism `plain` unless "
      "`sasl-mechanism` says otherwise).\n"
      "- URL-encode special characters in user names, passwords and values (`%40` for `@`).\n"
      "- Unknown parameters, repeated parameters and out-of-range values are errors.\n"
      "- Durations are Go durations: `500ms`, `10s`, `1m30s`.\n"
      "\n"
      "| Parameter | Type | Default | Allowed values | Description |\n"
      "|---|---|---|---|---|\n";
  for (auto& s : Specs()) {
    std::string type, allowed;
    switch (s.kind) {
      case Kind::kBool:
        type = "bool";
        allowed = "`true`, `false`";
        break;
      case Kind::kInt:
        type = "integer";
        allowed = fmt::format("{} .. {}", s.min, s.max);
        break;
      case Kind::kDuration:
        type = "duration";
        allowed = fmt::format("{} .. {}", FormatDurationMs(s.min), FormatDurationMs(s.max));
        break;
      case Kind::kEnum: {
        type = "enum";
        std::vector<std::string> parts;
        for (auto a : s.allowed) parts.push_back(fmt::format("`{}`", a));
        for (auto& [alias, value] : s.aliases)
          parts.push_back(fmt::format("`{}` (= `{}`)", alias, value));
        allowed = fmt::format("{}", fmt::join(parts, ", "));
        break;
      }
      case Kind::kString:
        type = "string";
        allowed = s.pattern_doc.empty() ? "any" : std::string(s.pattern_doc);
        break;
    }
    std::string def =
        s.default_text.empty() ? "—"
        : s.default_text.front() == '(' || s.default_text.find(' ') != std::string_view::npos
            ? std::string(s.default_text)
            : fmt::format("`{}`", s.default_text);
    std::string doc(s.doc);
    if (s.secret != Secret::kNo) doc += " *Secret: masked in logs and errors.*";
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", s.name, type, def, allowed, doc);
  }
  return out;
}

}  // namespace sluice::sink::kafka
