#include "source/kafka/kafka_source_options.h"

#include <regex>

#include <fmt/format.h>

#include "base/text.h"
#include "base/uri.h"
#include "model/time_zone.h"

namespace sluice::source::kafka {
namespace {

using base::OptionKind;
using base::SetField;
using O = KafkaSourceOptions;

constexpr base::OptionContext kContext{.what = "source URI",
                                       .doc_path = "docs/kafka-source-options.md"};

bool ValidName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && s.find('`') == std::string_view::npos &&
         s.find('"') == std::string_view::npos;
}

base::Status Bad(std::string_view name, const std::string& value, std::string_view fix) {
  return base::InvalidArgument("source URI: {} '{}' is invalid; {}", name, value, fix);
}

const base::EnumNames<Format>& FormatNames() {
  static const base::EnumNames<Format> names{{{"json", Format::kJson},
                                              {"canal-json", Format::kCanalJson},
                                              {"debezium", Format::kDebezium}}};
  return names;
}

const base::EnumNames<StartFrom>& StartNames() {
  static const base::EnumNames<StartFrom> names{
      {{"earliest", StartFrom::kEarliest}, {"latest", StartFrom::kLatest}}};
  return names;
}

base::Status ApplyTopics(O& o, const base::OptionValue& v) {
  if (v.s.front() == '^') {
    try {
      std::regex re(v.s, std::regex::extended);
    } catch (const std::regex_error& e) {
      return Bad("topics", v.s,
                 fmt::format("the regular expression does not compile ({})", e.what()));
    }
    o.topics = {v.s};
    o.topics_is_regex = true;
    return base::Status::Ok();
  }
  for (auto& t : base::SplitList(v.s)) {
    if (!client::kafka::ValidTopicName(t)) {
      return Bad("topics", v.s,
                 fmt::format("'{}' is not a topic name (letters, digits, '.', '_', '-'); start "
                             "the value with ^ for a regular expression",
                             t));
    }
    o.topics.push_back(t);
  }
  return base::Status::Ok();
}

base::Status ApplyTableMapping(O& o, const base::OptionValue& v) {
  for (auto& item : base::SplitList(v.s)) {
    size_t colon = item.find(':');
    size_t dot = colon == std::string::npos ? colon : item.find('.', colon);
    if (colon == std::string::npos || dot == std::string::npos ||
        !client::kafka::ValidTopicName(item.substr(0, colon)) ||
        !ValidName(item.substr(colon + 1, dot - colon - 1)) || !ValidName(item.substr(dot + 1))) {
      return Bad("table-mapping", v.s,
                 fmt::format("entry '{}' is not <topic>:<database>.<table>", item));
    }
    o.json.table_mapping[item.substr(0, colon)] = {item.substr(colon + 1, dot - colon - 1),
                                                   item.substr(dot + 1)};
  }
  return base::Status::Ok();
}

base::Status ValidateSource(O& o, const base::GivenOptions& given, const base::OptionContext&) {
  if (!given.Has("topics")) {
    return base::InvalidArgument(
        "source URI: topics is required; add topics=<name>[,<name>] or topics=^<regex>");
  }
  if (!given.Has("group-id")) {
    return base::InvalidArgument(
        "source URI: group-id is required; add group-id=<consumer group>, one per changefeed");
  }
  if (o.format != Format::kJson &&
      (given.Has("database") || given.Has("table-mapping") || given.Has("key-columns"))) {
    return base::InvalidArgument(
        "source URI: database, table-mapping and key-columns apply to format=json only; the {} "
        "format names the table and key itself",
        FormatName(o.format));
  }
  return base::Status::Ok();
}

base::OptionSet<O> MakeSubscription() {
  base::OptionSet<O> s;
  s.Add({.name = "topics",
         .kind = OptionKind::kString,
         .default_text = "(required)",
         .doc = "Topics to read: a comma-separated list of topic names, or one regular "
                "expression starting with `^` (librdkafka syntax; matched against every topic, "
                "including topics created later; a comma inside a regex is part of it). `+` is "
                "literal here (not a space).",
         .plus_is_literal = true},
        ApplyTopics);
  s.Add({.name = "group-id",
         .kind = OptionKind::kString,
         .default_text = "(required)",
         .doc = "Kafka consumer group. Its committed offsets are where the source resumes; "
                "sluice commits them only after the rows up to them are committed in the target "
                "database. Use one group per changefeed.",
         .pattern = "^.{1,255}$",
         .pattern_doc = "1-255 characters"},
        SetField(&O::group_id));
  s.Add({.name = "format",
         .kind = OptionKind::kEnum,
         .default_text = "json",
         .doc = "Message value format: `json` (one flat JSON object = one row upsert), "
                "`canal-json` (Canal / TiCDC canal-json), `debezium` (Debezium JSON, with or "
                "without the schema part).",
         .allowed = FormatNames().Names()},
        base::SetEnum(&O::format, FormatNames()));
  s.Add({.name = "start",
         .kind = OptionKind::kEnum,
         .default_text = "earliest",
         .doc = "Where a group without committed offsets (and without a checkpoint) starts in "
                "each partition: `earliest` (everything retained) or `latest` (only new "
                "messages).",
         .allowed = StartNames().Names()},
        base::SetEnum(&O::start, StartNames()));
  s.Add({.name = "session-timeout",
         .kind = OptionKind::kDuration,
         .default_text = "45s",
         .doc = "Consumer group session timeout: how long the broker waits for a silent "
                "consumer before giving its partitions to another member. A plain number is "
                "milliseconds.",
         .min = 6000,
         .max = 300000,
         .bare_number_ms = true},
        SetField(&O::session_timeout));
  return s;
}

base::OptionSet<O> MakeDecoding() {
  base::OptionSet<O> s;
  s.Add({.name = "ignore-non-json",
         .kind = OptionKind::kBool,
         .default_text = "false",
         .doc = "Skip messages whose value is not a JSON object (counted and logged with "
                "topic/partition/offset). When false such a message stops the changefeed with "
                "an error naming its topic, partition and offset. Messages that are JSON but not "
                "valid for the format always stop the changefeed."},
        SetField(&O::ignore_non_json));
  s.Add({.name = "ignore-write-errors",
         .kind = OptionKind::kBool,
         .default_text = "false",
         .doc = "Database sinks: when writing a row fails (constraint violation, type "
                "mismatch), log it and go on instead of stopping; the message's offset is still "
                "committed. The same as the database sink URI's ignore-write-errors (either one "
                "turns it on). DATA-LOSS RISK: the failed rows are never written and will not be "
                "re-read."},
        SetField(&O::ignore_write_errors));
  s.Add({.name = "time-zone",
         .kind = OptionKind::kString,
         .default_text = "System",
         .doc = "canal-json: the zone TIMESTAMP values were rendered in by the producer (the "
                "producer's time-zone setting): UTC, an offset like +08:00, an IANA name, or "
                "System."},
        [](O& o, const base::OptionValue& v) -> base::Status {
          auto tz = model::TimeZone::Parse(v.s);
          if (!tz.ok()) {
            return base::InvalidArgument("source URI: time-zone: {}", tz.status().message());
          }
          o.time_zone = v.s;
          return base::Status::Ok();
        });
  s.Add({.name = "database",
         .kind = OptionKind::kString,
         .default_text = "(from the topic name)",
         .doc = "json: database of every table; the table is then the whole topic name. Without "
                "it a topic `db.table` maps to database `db`, table `table`."},
        [](O& o, const base::OptionValue& v) -> base::Status {
          if (!ValidName(v.s)) return Bad("database", v.s, "use 1-64 characters without quotes");
          o.json.database = v.s;
          return base::Status::Ok();
        });
  s.Add({.name = "table-mapping",
         .kind = OptionKind::kString,
         .default_text = "",
         .doc = "json: explicit topic -> table mapping, `topic:db.table[,topic:db.table...]`; "
                "wins over database and the topic name."},
        ApplyTableMapping);
  s.Add({.name = "key-columns",
         .kind = OptionKind::kString,
         .default_text = "(the message key's fields)",
         .doc = "json: key columns of every table, comma-separated. Without it the fields of a "
                "JSON object message key are the key columns."},
        [](O& o, const base::OptionValue& v) -> base::Status {
          for (auto& c : base::SplitList(v.s)) {
            if (!ValidName(c)) return Bad("key-columns", v.s, "give comma-separated column names");
            o.json.key_columns.push_back(c);
          }
          return base::Status::Ok();
        });
  return s;
}

base::OptionSet<O> Make() {
  base::OptionSet<O> s;
  for (const auto& part : {MakeSubscription(), MakeDecoding()}) {
    for (const auto& e : part.entries()) s.Add(e.spec, e.apply);
  }
  s.AddValidator(ValidateSource);
  s.Include(client::kafka::ConnectionOptionSet(), &O::connection);
  return s;
}

}  // namespace

std::string_view FormatName(Format f) { return FormatNames().Name(f); }

const base::OptionSet<KafkaSourceOptions>& KafkaSourceOptionSet() {
  static const base::OptionSet<KafkaSourceOptions> set = Make();
  return set;
}

bool IsKafkaSourceUri(std::string_view uri) {
  auto parts = base::SplitUri(uri);
  return parts && client::kafka::IsKafkaScheme(parts->scheme);
}

std::string KafkaSourceOptions::Redacted() const {
  return fmt::format("{}://{}{}/?{}", scheme, connection.RedactedUserinfo(),
                     connection.BrokerList(),
                     base::RedactQuery(KafkaSourceOptionSet().specs(), given));
}

base::Result<KafkaSourceOptions> ParseKafkaSourceUri(std::string_view uri) {
  const base::OptionContext& ctx = kContext;
  KafkaSourceOptions o;
  auto parts = base::SplitUri(uri);
  if (!parts || !client::kafka::IsKafkaScheme(parts->scheme)) {
    return base::InvalidArgument(
        "source URI: not a Kafka URI; use kafka://host:9092/?topics=...&group-id=...");
  }
  o.scheme = base::ToLower(parts->scheme);
  if (uri.find('#') != std::string_view::npos) {
    return base::InvalidArgument("source URI: '#' is not allowed; URL-encode it as %23");
  }
  if (!parts->path.empty()) {
    return base::InvalidArgument(
        "source URI: the path '/{}' is not used; give the topics as "
        "kafka://host:9092/?topics=<names or ^regex>",
        parts->path);
  }
  SLUICE_RETURN_IF_ERROR(client::kafka::ApplyAuthority(
      *parts, "kafka://host1:port1[,host2:port2]/?topics=...", &o.connection, ctx));
  SLUICE_ASSIGN_OR_RETURN(o.given, KafkaSourceOptionSet().ParseQuery(parts->query, o, ctx));
  return o;
}

std::string KafkaSourceOptionsDoc() {
  return "# Kafka source URI parameters\n"
         "\n"
         "<!-- Generated from the option tables (src/source/kafka/kafka_source_options.cc and "
         "the connection options of src/client/kafka/connection_options.cc); do not edit.\n"
         "     Regenerate: SLUICE_UPDATE_DOCS=1 <build>/src/source/kafka/source_kafka_test "
         "--gtest_filter='KafkaSourceUri.Docs*' -->\n"
         "\n"
         "```\n"
         "kafka://[user:password@]host1:port1[,host2:port2,...]/?topics=<names or ^regex>"
         "&group-id=<group>&<parameter>=<value>...\n"
         "```\n"
         "\n"
         "- `kafka+ssl://` turns TLS on like `enable-tls=true`; `user:password@` sets the SASL "
         "user and password. The connection parameters are the Kafka sink's "
         "([kafka-sink-options.md](kafka-sink-options.md)).\n"
         "- Unknown parameters, repeated parameters and out-of-range values are errors.\n"
         "- Behaviour, offsets and formats: [kafka-source.md](kafka-source.md).\n"
         "\n" +
         base::OptionsMarkdown(KafkaSourceOptionSet().specs());
}

}  // namespace sluice::source::kafka
