#include "sink/kafka/kafka_sink_options.h"

#include <string>

namespace sluice::sink::kafka {

namespace {

using base::OptionKind;
using base::SetField;
using O = KafkaSinkOptions;

base::OptionSet<O> Make() {
  base::OptionSet<O> s = {
      {{.name = "partition-num",
        .kind = OptionKind::kInt,
        .default_text = "existing topic's partition count; 3 when the sink creates the topic",
        .doc = "Number of partitions written to. Must not exceed the partitions of an existing "
               "topic; if smaller, only partitions 0..partition-num-1 receive data.",
        .min = 1,
        .max = 65536},
       SetField(&O::partition_num)},
      {{.name = "replication-factor",
        .kind = OptionKind::kInt,
        .default_text = "1",
        .doc = "Replication factor of topics the sink creates (ignored for existing topics). "
               "With required-acks=-1 it must be >= the broker's min.insync.replicas.",
        .min = 1,
        .max = 32767},
       SetField(&O::replication_factor)},
      {{.name = "compression",
        .kind = OptionKind::kEnum,
        .default_text = "none",
        .doc = "Producer (batch-level) compression codec.",
        .allowed = CompressionNames().Names()},
       base::SetEnum(&O::compression, CompressionNames())},
      {{.name = "required-acks",
        .kind = OptionKind::kEnum,
        .default_text = "-1",
        .doc = "Acknowledgements a write waits for: -1 all in-sync replicas (enables the "
               "idempotent producer), 1 the partition leader, 0 none.",
        .allowed = {"-1", "0", "1"}},
       [](O& o, const base::OptionValue& v) {
         o.required_acks = std::stoi(v.s);
         return base::Status::Ok();
       }},
      {{.name = "max-message-bytes",
        .kind = OptionKind::kInt,
        .default_text = "10485760",
        .doc = "Largest message (key + value + 36 bytes overhead) the sink sends; clamped to the "
               "topic's max.message.bytes (or broker message.max.bytes) minus 128.",
        .min = 1,
        .max = 104857600},
       SetField(&O::max_message_bytes)},
      {{.name = "auto-create-topic",
        .kind = OptionKind::kBool,
        .default_text = "true",
        .doc = "Create missing topics (with partition-num and replication-factor). If false, a "
               "missing topic is an error. Existing topics are never altered."},
       SetField(&O::auto_create_topic)},
      {{.name = "kafka-version",
        .kind = OptionKind::kString,
        .default_text = "(probed from the broker)",
        .doc = "Kafka version of the cluster. Accepted for TiCDC compatibility and stored as a "
               "hint; the client negotiates API versions with the broker.",
        .pattern = "^[0-9]+(\\.[0-9]+){1,3}$",
        .pattern_doc = "a version such as 2.4.0"},
       SetField(&O::kafka_version)},
      {{.name = "write-timeout",
        .kind = OptionKind::kDuration,
        .default_text = "10s",
        .doc = "Timeout of one produce request; a message is failed after "
               "write-timeout x (max-retry + 1).",
        .min = 1,
        .max = 3600000},
       SetField(&O::write_timeout)},
      {{.name = "max-retry",
        .kind = OptionKind::kInt,
        .default_text = "5",
        .doc = "Retries of a failed produce request before the message is reported failed.",
        .min = 0,
        .max = 1000},
       SetField(&O::max_retry)},
  };
  s.Include(client::kafka::ConnectionOptionSet(), &O::connection);
  return s;
}

}  // namespace

const base::EnumNames<Compression>& CompressionNames() {
  static const base::EnumNames<Compression> names{{{"none", Compression::kNone},
                                                   {"gzip", Compression::kGzip},
                                                   {"snappy", Compression::kSnappy},
                                                   {"lz4", Compression::kLz4},
                                                   {"zstd", Compression::kZstd}}};
  return names;
}

std::string_view CompressionName(Compression c) { return CompressionNames().Name(c); }

const base::OptionSet<KafkaSinkOptions>& KafkaSinkOptionSet() {
  static const base::OptionSet<KafkaSinkOptions> set = Make();
  return set;
}

}  // namespace sluice::sink::kafka
