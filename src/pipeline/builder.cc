#include "pipeline/builder.h"

#include <optional>

#include "base/logging.h"
#include "codec/avro/avro_encoder.h"
#include "codec/avro/http_schema_registry_client.h"
#include "codec/canal_json/canal_json_encoder.h"
#include "codec/debezium/debezium_json_encoder.h"
#include "model/time_zone.h"
#include "pipeline/format_warnings.h"
#include "pipeline/large_message.h"
#include "pipeline/message_emitter.h"
#include "pipeline/row_emitter.h"
#include "sink/database/database_sink_options.h"
#include "sink/database/row_sink_factory.h"
#include "sink/kafka/connection_test.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/kafka/kafka_sink_options.h"
#include "source/kafka/kafka_source.h"
#include "source/mysql/binlog_client.h"
#include "source/mysql/binlog_source.h"
#include "source/mysql/source_config.h"
#include "source/postgres/pg_source.h"
#include "source/postgres/replication_client.h"
#include "source/postgres/source_config.h"

namespace sluice::pipeline {

namespace {

struct Parsed {
  source::mysql::MySqlSourceConfig source;
  std::optional<source::postgres::PgSourceConfig> pg;  // set for postgres:// sources
  // Set for kafka:// sources (then `source` is unused). Its ignore_write_errors is meant for
  // database row sinks (docs/kafka-source.md).
  std::optional<source::kafka::KafkaSourceOptions> kafka_source;
  sink::kafka::KafkaSinkOptions sink;
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
  if (source::postgres::IsPgSourceUri(config.source_uri)) {
    auto pg = source::postgres::ParsePgSourceUri(config.source_uri,
                                                 source::postgres::DefaultSlotName(config.id));
    if (!pg.ok()) return pg.status().WithContext("source URI");
    p.pg = std::move(pg).value();
  } else if (source::kafka::IsKafkaSourceUri(config.source_uri)) {
    auto ks = source::kafka::ParseKafkaSourceUri(config.source_uri);
    if (!ks.ok()) return ks.status();
    p.kafka_source = std::move(ks).value();
  } else {
    auto src = source::mysql::ParseMySqlSourceUri(config.source_uri);
    if (!src.ok()) return src.status().WithContext("source URI");
    p.source = std::move(src).value();
  }
  if (sink::database::IsDatabaseSinkUri(config.sink_uri)) {
    SLUICE_ASSIGN_OR_RETURN(p.db_sink, sink::database::ParseDatabaseSinkUri(config.sink_uri));
    // The Kafka source's ignore-write-errors is the same switch (either one turns it on).
    if (p.kafka_source && p.kafka_source->ignore_write_errors) {
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
    using codec::debezium::BigintUnsignedHandling;
    using codec::debezium::DecimalHandling;
    p.debezium.server_name = config.id;
    p.debezium.disable_schema = p.sink.debezium_disable_schema;
    p.debezium.output_old_value = p.sink.debezium_output_old_value;
    p.debezium.tombstone_on_delete = p.sink.debezium_tombstone_on_delete;
    p.debezium.enable_tidb_extension = p.sink.enable_tidb_extension;
    const auto& dec = p.sink.debezium_decimal_handling;
    p.debezium.decimal_handling = dec == "string"   ? DecimalHandling::kString
                                  : dec == "double" ? DecimalHandling::kDouble
                                                    : DecimalHandling::kPrecise;
    p.debezium.bigint_unsigned_handling = p.sink.debezium_bigint_unsigned_handling == "precise"
                                              ? BigintUnsignedHandling::kPrecise
                                              : BigintUnsignedHandling::kLong;
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
            {.url = p.sink.schema_registry, .ca_file = p.sink.schema_registry_ca})
            .status());
  }
  auto tz = model::TimeZone::Parse(p.sink.time_zone);
  if (!tz.ok()) return tz.status().WithContext("sink URI time-zone");
  p.canal.enable_tidb_extension = p.sink.enable_tidb_extension;
  p.canal.only_output_updated_columns = p.sink.only_output_updated_columns;
  p.canal.content_compatible = p.sink.content_compatible;
  p.canal.delete_only_output_handle_key_columns = p.sink.delete_only_output_handle_key_columns;
  p.canal.format.time_zone = std::move(tz).value();
  auto filter = dispatch::TableFilter::Parse(config.filter_rules, config.case_sensitive);
  if (!filter.ok()) return filter.status().WithContext("filter.rules");
  p.filter = std::move(filter).value();
  auto router = dispatch::EventRouter::Create(p.sink.topic, config.dispatchers);
  if (!router.ok()) return router.status();
  return p;
}

// protocol=avro: the Confluent Avro encoder with its own router (for the subjects' topics) and
// an HTTP schema-registry client.
base::Result<std::unique_ptr<codec::Encoder>> MakeAvroEncoder(
    const Parsed& p, const std::vector<dispatch::DispatchRule>& dispatchers) {
  codec::avro::SchemaRegistryOptions reg;
  reg.url = p.sink.schema_registry;
  reg.ca_file = p.sink.schema_registry_ca;
  SLUICE_ASSIGN_OR_RETURN(auto registry, codec::avro::HttpSchemaRegistryClient::Create(reg));
  SLUICE_ASSIGN_OR_RETURN(auto router, dispatch::EventRouter::Create(p.sink.topic, dispatchers));
  auto shared_router = std::make_shared<dispatch::EventRouter>(std::move(router));
  codec::avro::AvroEncoderOptions o;
  o.schema.enable_tidb_extension = p.sink.enable_tidb_extension;
  o.schema.decimal_as_string = p.sink.avro_decimal_as_string;
  o.schema.bigint_unsigned_as_string = p.sink.avro_bigint_unsigned_as_string;
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
  SLUICE_ASSIGN_OR_RETURN(auto router, dispatch::EventRouter::Create(p.sink.topic, dispatchers));
  SLUICE_ASSIGN_OR_RETURN(auto sink, sink::kafka::KafkaSink::Create(p.sink, std::move(cb)));
  SLUICE_ASSIGN_OR_RETURN(auto large, LargeMessageHandler::Create(p.sink));
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
    std::unique_ptr<source::Source> source;
    if (shared->pg) {
      source = std::make_unique<source::postgres::PgSource>(*shared->pg);
    } else if (shared->kafka_source) {
      source = std::make_unique<source::kafka::KafkaSource>(*shared->kafka_source);
    } else {
      source = std::make_unique<source::mysql::BinlogSource>(shared->source);
    }
    return source;
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
  if (source::postgres::IsPgSourceUri(config.source_uri)) {
    // Creates the slot when missing, so the WAL after this point is kept for the changefeed.
    auto pg = source::postgres::ParsePgSourceUri(config.source_uri,
                                                 source::postgres::DefaultSlotName(config.id));
    if (!pg.ok()) return pg.status().WithContext("source URI");
    source::postgres::ReplicationClient client(*pg);
    SLUICE_RETURN_IF_ERROR(client.Connect());
    SLUICE_ASSIGN_OR_RETURN(model::Lsn lsn, client.ResolveStart());
    model::SourcePosition pos;
    pos.lsn = lsn;
    return pos;
  } else if (source::kafka::IsKafkaSourceUri(config.source_uri)) {
    // Kafka resumes from the consumer group's committed offsets (else start=earliest|latest).
    auto ks = source::kafka::ParseKafkaSourceUri(config.source_uri);
    if (!ks.ok()) return ks.status();
    return model::SourcePosition();
  }
  auto src = source::mysql::ParseMySqlSourceUri(config.source_uri);
  if (!src.ok()) return src.status().WithContext("source URI");
  source::mysql::BinlogClient client(*src);
  SLUICE_RETURN_IF_ERROR(client.Connect());
  auto pos = client.ResolveStart(src->start);
  client.Close();
  return pos;
}

base::Status CheckChangefeed(const ChangefeedConfig& config) {
  SLUICE_ASSIGN_OR_RETURN(Parsed parsed, Parse(config));
  if (parsed.pg) {
    // Settings, privileges, publication and slot, each failure naming its fix; creates nothing.
    source::postgres::ReplicationClient client(*parsed.pg);
    SLUICE_RETURN_IF_ERROR(client.Check());
  } else if (parsed.kafka_source) {
    SLUICE_RETURN_IF_ERROR(source::kafka::KafkaSource::Check(*parsed.kafka_source));
  } else {
    source::mysql::BinlogSource source(parsed.source);
    SLUICE_RETURN_IF_ERROR(source.Open(model::SourcePosition()));
    source.Close();
    if (!parsed.db_sink) WarnUnsignedWrap(parsed.source, parsed.sink, parsed.filter);
  }
  if (parsed.db_sink) {
    // Connecting (and setting up the session) is the database sink's pre-flight.
    return sink::database::CreateDatabaseRowSink(*parsed.db_sink,
                                                 [](uint64_t, const base::Status&) {})
        .status();
  }
  // Kafka pre-flight (sink/kafka/connection_test.h): every check is logged; failures are
  // returned together, each with its fix.
  auto checks = sink::kafka::TestKafkaConnection(parsed.sink);
  std::string failed;
  size_t n_failed = 0;
  for (const auto& c : checks) {
    if (c.passed) {
      base::Logger("check")->info("{} {}: {}", c.skipped ? "SKIP" : "PASS", c.name, c.detail);
    } else {
      base::Logger("check")->error("FAIL {}: {} (fix: {})", c.name, c.detail, c.fix);
      failed += fmt::format("{}{}: {} (fix: {})", n_failed++ ? "; " : "", c.name, c.detail, c.fix);
    }
  }
  if (n_failed > 0) {
    return base::FailedPrecondition("sink: {} of {} Kafka checks failed: {}", n_failed,
                                    checks.size(), failed);
  }
  if (parsed.sink.protocol == sink::kafka::Protocol::kAvro) {
    SLUICE_ASSIGN_OR_RETURN(auto registry,
                            codec::avro::HttpSchemaRegistryClient::Create(
                                {.url = parsed.sink.schema_registry,
                                 .ca_file = parsed.sink.schema_registry_ca, .retries = 1}));
    SLUICE_RETURN_IF_ERROR(registry->CheckReachable());
    base::Logger("check")->info("PASS schema registry: {} answers", registry->DisplayUrl());
  }
  SLUICE_ASSIGN_OR_RETURN(auto sink, sink::kafka::KafkaSink::Create(
                                         parsed.sink, [](uint64_t, const base::Status&) {}));
  return sink->CheckTopic(parsed.sink.topic);  // a check creates nothing
}

}  // namespace sluice::pipeline
