#include "pipeline/builder.h"

#include <optional>

#include "base/logging.h"
#include "codec/avro/avro_encoder.h"
#include "codec/avro/http_schema_registry_client.h"
#include "codec/canal_json/canal_json_encoder.h"
#include "codec/debezium/debezium_json_encoder.h"
#include "base/check_result.h"
#include "model/time_zone.h"
#include "pipeline/format_warnings.h"
#include "pipeline/large_message.h"
#include "pipeline/message_emitter.h"
#include "pipeline/row_emitter.h"
#include "sink/database/database_sink_options.h"
#include "sink/database/row_sink_factory.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/kafka/kafka_sink_uri.h"
#include "source/mysql/mysql_connector.h"
#include "source/registry.h"

namespace sluice::pipeline {

namespace {

struct Parsed {
  std::shared_ptr<const source::SourceSpec> source;  // from the source connector registry
  sink::kafka::KafkaSinkUri sink;
  // Set when the sink URI names a database (mysql://, postgres://): rows go to a RowSink.
  std::optional<sink::database::DatabaseSinkOptions> db_sink;
  codec::canal_json::CanalJsonOptions canal;
  codec::debezium::DebeziumJsonOptions debezium;
  dispatch::TableFilter filter;
};

base::Result<Parsed> Parse(const ChangefeedConfig& config) {
  Parsed p;
  SLUICE_RETURN_IF_ERROR(ValidateChangefeedId(config.id));
  if (config.source_uri.empty()) {
    return base::InvalidArgument(
        "no source given; pass --source mysql://user:password@host:3306/");
  }
  if (config.sink_uri.empty()) {
    return base::InvalidArgument(
        "no sink given; pass --sink 'kafka://host:9092/topic?protocol=canal-json'");
  }
  SLUICE_ASSIGN_OR_RETURN(p.source,
                          source::ParseSourceUri(config.source_uri, {.changefeed_id = config.id}));
  if (sink::database::IsDatabaseSinkUri(config.sink_uri)) {
    SLUICE_ASSIGN_OR_RETURN(p.db_sink, sink::database::ParseDatabaseSinkUri(config.sink_uri));
    // The Kafka source's ignore-write-errors is the same switch (either one turns it on).
    if (p.source->IgnoreWriteErrors()) {
      p.db_sink->ignore_write_errors = true;
    }
    SLUICE_ASSIGN_OR_RETURN(p.filter,
                            dispatch::TableFilter::Parse(config.filter_rules, config.case_sensitive));
    return p;
  }
  auto snk = sink::kafka::ParseKafkaSinkUri(config.sink_uri);
  if (!snk.ok()) return snk.status();
  p.sink = std::move(snk).value();
  if (p.sink.protocol == sink::kafka::Protocol::kDebezium) {
    p.debezium = p.sink.debezium;
    p.debezium.server_name = config.id;
    p.debezium.enable_tidb_extension = p.sink.encoder.enable_tidb_extension;
  } else if (p.sink.protocol != sink::kafka::Protocol::kCanalJson &&
             p.sink.protocol != sink::kafka::Protocol::kAvro) {
    return base::Unimplemented(
        "sink URI: protocol '{}' is not available in this build yet; use protocol=canal-json, "
        "avro or debezium",
        sink::kafka::ProtocolName(p.sink.protocol));
  }
  if (p.sink.protocol == sink::kafka::Protocol::kAvro) {  // registry URL and CA file, up front
    SLUICE_RETURN_IF_ERROR(
        codec::avro::HttpSchemaRegistryClient::Create(
            {.url = p.sink.avro.schema_registry, .ca_file = p.sink.avro.schema_registry_ca})
            .status());
  }
  auto tz = model::TimeZone::Parse(p.sink.encoder.time_zone);
  if (!tz.ok()) return tz.status().WithContext("sink URI time-zone");
  p.canal = p.sink.canal;
  p.canal.enable_tidb_extension = p.sink.encoder.enable_tidb_extension;
  p.canal.format.time_zone = std::move(tz).value();
  auto filter = dispatch::TableFilter::Parse(config.filter_rules, config.case_sensitive);
  if (!filter.ok()) return filter.status().WithContext("filter.rules");
  p.filter = std::move(filter).value();
  auto router = dispatch::EventRouter::Create(p.sink.sink.topic, config.dispatchers);
  if (!router.ok()) return router.status();
  return p;
}

// protocol=avro: the Confluent Avro encoder with its own router (for the subjects' topics) and
// an HTTP schema-registry client.
base::Result<std::unique_ptr<codec::Encoder>> MakeAvroEncoder(
    const Parsed& p, const std::vector<dispatch::DispatchRule>& dispatchers) {
  codec::avro::SchemaRegistryOptions reg;
  reg.url = p.sink.avro.schema_registry;
  reg.ca_file = p.sink.avro.schema_registry_ca;
  SLUICE_ASSIGN_OR_RETURN(auto registry, codec::avro::HttpSchemaRegistryClient::Create(reg));
  SLUICE_ASSIGN_OR_RETURN(auto router,
                          dispatch::EventRouter::Create(p.sink.sink.topic, dispatchers));
  auto shared_router = std::make_shared<dispatch::EventRouter>(std::move(router));
  codec::avro::AvroEncoderOptions o;
  o.schema.enable_tidb_extension = p.sink.encoder.enable_tidb_extension;
  o.schema.decimal_as_string = p.sink.avro.decimal_as_string;
  o.schema.bigint_unsigned_as_string = p.sink.avro.bigint_unsigned_as_string;
  o.format = p.canal.format;
  std::unique_ptr<codec::Encoder> encoder = std::make_unique<codec::avro::AvroEncoder>(
      o, std::shared_ptr<codec::avro::SchemaRegistryClient>(std::move(registry)),
      [shared_router](const std::string& schema, const std::string& table) {
        return shared_router->TopicFor(schema, table);
      });
  return encoder;
}

// The message emitter of a kafka:// sink: the protocol's encoder, the router, the producer and
// the large-message handler.
base::Result<std::unique_ptr<Emitter>> MakeKafkaEmitter(
    const Parsed& p, const std::vector<dispatch::DispatchRule>& dispatchers,
    sink::DeliveryCallback cb) {
  std::unique_ptr<codec::Encoder> encoder;
  if (p.sink.protocol == sink::kafka::Protocol::kDebezium) {
    encoder = std::make_unique<codec::debezium::DebeziumJsonEncoder>(p.debezium);
  } else if (p.sink.protocol == sink::kafka::Protocol::kAvro) {
    SLUICE_ASSIGN_OR_RETURN(encoder, MakeAvroEncoder(p, dispatchers));
  } else {
    encoder = std::make_unique<codec::canal_json::CanalJsonEncoder>(p.canal);
  }
  SLUICE_ASSIGN_OR_RETURN(auto router,
                          dispatch::EventRouter::Create(p.sink.sink.topic, dispatchers));
  SLUICE_ASSIGN_OR_RETURN(auto sink, sink::kafka::KafkaSink::Create(p.sink.sink, std::move(cb)));
  SLUICE_ASSIGN_OR_RETURN(auto large, LargeMessageHandler::Create(p.sink.large_message));
  MessageEmitterOptions o;
  o.broadcast_ddl = false;  // canal-json: DDL to partition 0, as Canal does
  o.split_primary_key_updates = true;  // every protocol (ticdc.md §2.5, §7.3)
  return std::unique_ptr<Emitter>(std::make_unique<MessageEmitter>(
      o, std::move(encoder), std::make_unique<dispatch::EventRouter>(std::move(router)),
      std::move(sink), std::move(large)));
}

}  // namespace

base::Result<BuiltChangefeed> BuildChangefeed(const ChangefeedConfig& config) {
  SLUICE_ASSIGN_OR_RETURN(Parsed parsed, Parse(config));
  BuiltChangefeed built;
  built.options.id = config.id;
  built.options.filter = parsed.filter;
  auto shared = std::make_shared<Parsed>(std::move(parsed));
  auto dispatchers = config.dispatchers;
  built.factory.source = [shared]() -> base::Result<std::unique_ptr<source::Source>> {
    return shared->source->Create();
  };
  built.factory.emitter = [shared, dispatchers](sink::DeliveryCallback cb)
      -> base::Result<std::unique_ptr<Emitter>> {
    if (shared->db_sink) {
      SLUICE_ASSIGN_OR_RETURN(auto row_sink,
                              sink::database::CreateDatabaseRowSink(*shared->db_sink, cb));
      return std::unique_ptr<Emitter>(std::make_unique<RowEmitter>(std::move(row_sink)));
    }
    return MakeKafkaEmitter(*shared, dispatchers, std::move(cb));
  };
  return built;
}

base::Result<model::SourcePosition> ResolveStartPosition(const ChangefeedConfig& config) {
  SLUICE_ASSIGN_OR_RETURN(auto spec,
                          source::ParseSourceUri(config.source_uri, {.changefeed_id = config.id}));
  return spec->ResolveStart();
}

base::Status CheckChangefeed(const ChangefeedConfig& config) {
  SLUICE_ASSIGN_OR_RETURN(Parsed parsed, Parse(config));
  SLUICE_RETURN_IF_ERROR(parsed.source->Check());
  // A MariaDB source feeding a Kafka protocol that wraps BIGINT UNSIGNED: name the columns.
  if (auto* mysql = dynamic_cast<const source::mysql::MySqlSourceSpec*>(parsed.source.get());
      mysql && !parsed.db_sink) {
    WarnUnsignedWrap(mysql->config(), parsed.sink, parsed.filter);
  }
  if (parsed.db_sink) {
    // Connecting (and setting up the session) is the database sink's pre-flight.
    return sink::database::CreateDatabaseRowSink(*parsed.db_sink,
                                                 [](uint64_t, const base::Status&) {})
        .status();
  }
  // Kafka pre-flight (client/kafka/preflight.h): every check is logged; failures are
  // returned together, each with its fix.
  SLUICE_RETURN_IF_ERROR(
      base::LogAndSummarize("sink", "Kafka", sink::kafka::CheckKafkaSink(parsed.sink.sink)));
  if (parsed.sink.protocol == sink::kafka::Protocol::kAvro) {
    SLUICE_ASSIGN_OR_RETURN(auto registry,
                            codec::avro::HttpSchemaRegistryClient::Create(
                                {.url = parsed.sink.avro.schema_registry,
                                 .ca_file = parsed.sink.avro.schema_registry_ca, .retries = 1}));
    SLUICE_RETURN_IF_ERROR(registry->CheckReachable());
    base::Logger("check")->info("PASS schema registry: {} answers", registry->DisplayUrl());
  }
  SLUICE_ASSIGN_OR_RETURN(auto sink, sink::kafka::KafkaSink::Create(
                                         parsed.sink.sink, [](uint64_t, const base::Status&) {}));
  return sink->CheckTopic(parsed.sink.sink.topic);  // a check creates nothing
}

}  // namespace sluice::pipeline
