#include "sink/kafka/kafka_sink_uri.h"

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/text.h"
#include "base/uri.h"
#include "codec/canal_json/canal_json_options.h"
#include "codec/debezium/debezium_options.h"

namespace sluice::sink::kafka {

namespace {

constexpr base::OptionContext kContext{.what = "sink URI",
                                       .doc_path = "docs/kafka-sink-options.md"};

const base::EnumNames<Protocol>& ProtocolNames() {
  static const base::EnumNames<Protocol> names{{{"canal-json", Protocol::kCanalJson},
                                                {"avro", Protocol::kAvro},
                                                {"debezium", Protocol::kDebezium},
                                                {"open-protocol", Protocol::kOpenProtocol},
                                                {"simple", Protocol::kSimple}}};
  return names;
}

// Rules across the parts: the protocol is required and decides which other parameters work.
base::Status ValidateProtocol(KafkaSinkUri& o, const base::GivenOptions& given,
                              const base::OptionContext& ctx) {
  if (!given.Has("protocol")) {
    return base::InvalidArgument(
        "{}: protocol is required; add protocol=canal-json (or avro, debezium, open-protocol, "
        "simple)",
        ctx.what);
  }
  if (o.protocol == Protocol::kAvro && o.avro.schema_registry.empty()) {
    return base::InvalidArgument(
        "{}: protocol=avro needs schema-registry; add schema-registry=http://host:8081", ctx.what);
  }
  LargeMessageHandle large = o.large_message.handle;
  if (large == LargeMessageHandle::kNone) return base::Status::Ok();
  if (o.protocol == Protocol::kAvro) {
    return base::InvalidArgument(
        "{}: large-message-handle-option={} is not supported with protocol=avro (as in TiCDC); "
        "remove it and raise max-message-bytes instead",
        ctx.what, LargeMessageHandleName(large));
  }
  if (o.protocol == Protocol::kDebezium) {
    return base::InvalidArgument(
        "{}: large-message-handle-option={} is not supported with protocol=debezium (a Debezium "
        "event has no handle-key-only form); remove it, or raise max-message-bytes",
        ctx.what, LargeMessageHandleName(large));
  }
  if (!o.encoder.enable_tidb_extension) {
    return base::InvalidArgument(
        "{}: large-message-handle-option={} needs enable-tidb-extension=true (consumers read the "
        "_tidb marker); add enable-tidb-extension=true",
        ctx.what, LargeMessageHandleName(large));
  }
  return base::Status::Ok();
}

base::OptionSet<KafkaSinkUri> Make() {
  using O = KafkaSinkUri;
  base::OptionSet<O> s;
  s.Add({.name = "protocol",
         .kind = base::OptionKind::kEnum,
         .default_text = "(required)",
         .doc = "Message encoding protocol. canal-json is recommended in most cases.",
         .allowed = ProtocolNames().Names(),
         .aliases = {{"default", "open-protocol"}, {"flat-avro", "avro"}}},
        base::SetEnum(&O::protocol, ProtocolNames()));
  s.AddValidator(ValidateProtocol);
  s.Include(KafkaSinkOptionSet(), &O::sink);
  s.Include(codec::EncoderCommonOptionSet(), &O::encoder);
  s.Include(codec::canal_json::CanalJsonOptionSet(), &O::canal);
  s.Include(codec::avro::AvroOptionSet(), &O::avro);
  s.Include(LargeMessageOptionSet(), &O::large_message);
  s.Include(codec::debezium::DebeziumOptionSet(), &O::debezium);
  return s;
}

base::Result<std::string> DecodePath(std::string_view path, const base::OptionContext& ctx) {
  std::string out;
  if (!base::PercentDecode(path, &out)) {
    return base::InvalidArgument("{}: the topic has a malformed %-escape; URL-encode '%' as %25",
                                 ctx.what);
  }
  return out;
}

}  // namespace

std::string_view ProtocolName(Protocol p) { return ProtocolNames().Name(p); }

const base::OptionSet<KafkaSinkUri>& KafkaSinkUriOptionSet() {
  static const base::OptionSet<KafkaSinkUri> set = Make();
  return set;
}

std::string KafkaSinkUri::Redacted() const {
  std::string out = fmt::format("{}://{}{}/{}", scheme, sink.connection.RedactedUserinfo(),
                                sink.BrokerList(), base::PercentEncode(sink.topic, "/:*,"));
  std::string query = base::RedactQuery(KafkaSinkUriOptionSet().specs(), given);
  if (!query.empty()) out += "?" + query;
  return out;
}

base::Result<KafkaSinkUri> ParseKafkaSinkUri(std::string_view uri) {
  const base::OptionContext& ctx = kContext;
  KafkaSinkUri o;
  auto parts = base::SplitUri(uri);
  if (!parts) {
    return base::InvalidArgument(
        "sink URI: missing scheme; use kafka://host:port/<topic>?protocol=canal-json");
  }
  o.scheme = base::ToLower(parts->scheme);
  if (!client::kafka::IsKafkaScheme(o.scheme)) {
    return base::InvalidArgument(
        "sink URI: scheme '{}' is not supported here; use kafka://host:port/<topic>?protocol=...",
        o.scheme);
  }
  if (uri.find('#') != std::string_view::npos) {
    return base::InvalidArgument("sink URI: '#' is not allowed; URL-encode it as %23");
  }
  SLUICE_RETURN_IF_ERROR(client::kafka::ApplyAuthority(
      *parts, "kafka://host1:port1[,host2:port2]/<topic>", &o.sink.connection, ctx));
  SLUICE_ASSIGN_OR_RETURN(o.sink.topic, DecodePath(parts->path, ctx));
  if (o.sink.topic.empty()) {
    return base::InvalidArgument(
        "sink URI: the topic is missing; put the default topic in the path: "
        "kafka://host:port/<topic>?protocol=canal-json");
  }
  if (!client::kafka::ValidTopicName(o.sink.topic)) {
    return base::InvalidArgument(
        "sink URI: topic '{}' is not a valid Kafka topic name; use at most 249 letters, digits, "
        "'.', '_' and '-'",
        o.sink.topic);
  }
  SLUICE_ASSIGN_OR_RETURN(o.given, KafkaSinkUriOptionSet().ParseQuery(parts->query, o, ctx));
  return o;
}

std::string KafkaSinkOptionsDoc() {
  return "# Kafka sink URI parameters\n"
         "\n"
         "<!-- Generated from the option tables (src/sink/kafka/kafka_sink_uri.cc and the parts "
         "it includes); do not edit.\n"
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
         "- The connection parameters (`sasl-*`, `enable-tls`, `ca`, `cert`, `key`, "
         "`insecure-skip-verify`, `dial-timeout`, `read-timeout`, `kafka-client-id`) are the "
         "Kafka source's too ([kafka-source-options.md](kafka-source-options.md)).\n"
         "\n" +
         base::OptionsMarkdown(KafkaSinkUriOptionSet().specs());
}

}  // namespace sluice::sink::kafka
