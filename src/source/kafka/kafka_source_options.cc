#include "source/kafka/kafka_source_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/text.h"
#include "model/time_zone.h"

namespace sluice::source::kafka {
namespace {

using base::ParseBool;

constexpr std::string_view kDoc = "docs/kafka-source.md";

// Parameters handed to the Kafka sink's parser (connection and security).
const std::set<std::string_view>& ConnectionParams() {
  static const std::set<std::string_view> names = {
      "sasl-user",      "sasl-password", "sasl-mechanism",       "enable-tls",   "ca",
      "cert",           "key",           "insecure-skip-verify", "dial-timeout", "read-timeout",
      "kafka-client-id"};
  return names;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    out.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool ValidTopicName(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool ValidName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && s.find('`') == std::string_view::npos &&
         s.find('"') == std::string_view::npos;
}

struct Spec {
  std::string_view name;
  std::string_view default_text;
  std::string_view doc;
  base::Status (*apply)(KafkaSourceOptions&, const std::string&);
};

base::Status Bad(std::string_view name, const std::string& value, std::string_view fix) {
  return base::InvalidArgument("source URI: {} '{}' is invalid; {}", name, value, fix);
}

const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = {
      {"topics", "(required)",
       "Topics to read: a comma-separated list of topic names, or one regular expression "
       "starting with `^` (librdkafka syntax; matched against every topic, including topics "
       "created later; a comma inside a regex is part of it). `+` is literal here (not a "
       "space).",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (v.empty()) return Bad("topics", v, "give topic names or a ^regex");
         if (v.front() == '^') {
           try {
             std::regex re(v, std::regex::extended);
           } catch (const std::regex_error& e) {
             return Bad("topics", v,
                        fmt::format("the regular expression does not compile ({})", e.what()));
           }
           o.topics = {v};
           o.topics_is_regex = true;
           return base::Status::Ok();
         }
         for (auto& t : SplitList(v)) {
           if (!ValidTopicName(t)) {
             return Bad("topics", v,
                        fmt::format("'{}' is not a topic name (letters, digits, '.', '_', '-'); "
                                    "start the value with ^ for a regular expression",
                                    t));
           }
           o.topics.push_back(t);
         }
         return base::Status::Ok();
       }},
      {"group-id", "(required)",
       "Kafka consumer group. Its committed offsets are where the source resumes; sluice "
       "commits them only after the rows up to them are committed in the target database. Use "
       "one group per changefeed.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (v.empty() || v.size() > 255) return Bad("group-id", v, "use 1-255 characters");
         o.group_id = v;
         return base::Status::Ok();
       }},
      {"format", "json",
       "Message value format: `json` (one flat JSON object = one row upsert), `canal-json` "
       "(Canal / TiCDC canal-json), `debezium` (Debezium JSON, with or without the schema part).",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (v == "json") {
           o.format = Format::kJson;
         } else if (v == "canal-json") {
           o.format = Format::kCanalJson;
         } else if (v == "debezium") {
           o.format = Format::kDebezium;
         } else {
           return base::InvalidArgument(
               "source URI: format '{}' is not supported; use one of json, canal-json, debezium",
               v);
         }
         return base::Status::Ok();
       }},
      {"ignore-non-json", "false",
       "Skip messages whose value is not a JSON object (counted and logged with "
       "topic/partition/offset). When false such a message stops the changefeed with an error "
       "naming its topic, partition and offset. Messages that are JSON but not valid for the "
       "format always stop the changefeed.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (!ParseBool(v, &o.ignore_non_json)) {
           return Bad("ignore-non-json", v, "use true or false");
         }
         return base::Status::Ok();
       }},
      {"ignore-write-errors", "false",
       "Database sinks: when writing a row fails (constraint violation, type mismatch), log "
       "it and go on instead of stopping; the message's offset is still committed. The same as "
       "the database sink URI's ignore-write-errors (either one turns it on). DATA-LOSS RISK: "
       "the failed rows are never written and will not be re-read.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (!ParseBool(v, &o.ignore_write_errors)) {
           return Bad("ignore-write-errors", v, "use true or false");
         }
         return base::Status::Ok();
       }},
      {"start", "earliest",
       "Where a group without committed offsets (and without a checkpoint) starts in each "
       "partition: `earliest` (everything retained) or `latest` (only new messages).",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (v == "earliest") {
           o.start = StartFrom::kEarliest;
         } else if (v == "latest") {
           o.start = StartFrom::kLatest;
         } else {
           return Bad("start", v, "use earliest or latest");
         }
         return base::Status::Ok();
       }},
      {"time-zone", "System",
       "canal-json: the zone TIMESTAMP values were rendered in by the producer (the producer's "
       "time-zone setting): UTC, an offset like +08:00, an IANA name, or System.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         auto tz = model::TimeZone::Parse(v);
         if (!tz.ok())
           return base::InvalidArgument("source URI: time-zone: {}", tz.status().message());
         o.time_zone = v;
         return base::Status::Ok();
       }},
      {"database", "(from the topic name)",
       "json: database of every table; the table is then the whole topic name. Without it a "
       "topic `db.table` maps to database `db`, table `table`.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         if (!ValidName(v)) return Bad("database", v, "use 1-64 characters without quotes");
         o.json.database = v;
         return base::Status::Ok();
       }},
      {"table-mapping", "",
       "json: explicit topic -> table mapping, `topic:db.table[,topic:db.table...]`; wins over "
       "database and the topic name.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         for (auto& item : SplitList(v)) {
           size_t colon = item.find(':');
           size_t dot = colon == std::string::npos ? colon : item.find('.', colon);
           if (colon == std::string::npos || dot == std::string::npos ||
               !ValidTopicName(item.substr(0, colon)) ||
               !ValidName(item.substr(colon + 1, dot - colon - 1)) ||
               !ValidName(item.substr(dot + 1))) {
             return Bad("table-mapping", v,
                        fmt::format("entry '{}' is not <topic>:<database>.<table>", item));
           }
           o.json.table_mapping[item.substr(0, colon)] = {item.substr(colon + 1, dot - colon - 1),
                                                          item.substr(dot + 1)};
         }
         return base::Status::Ok();
       }},
      {"key-columns", "(the message key's fields)",
       "json: key columns of every table, comma-separated. Without it the fields of a JSON "
       "object message key are the key columns.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         for (auto& c : SplitList(v)) {
           if (!ValidName(c)) return Bad("key-columns", v, "give comma-separated column names");
           o.json.key_columns.push_back(c);
         }
         return base::Status::Ok();
       }},
      {"session-timeout", "45000",
       "Consumer group session timeout in milliseconds (6000..300000): how long the broker "
       "waits for a silent consumer before giving its partitions to another member.",
       [](KafkaSourceOptions& o, const std::string& v) -> base::Status {
         int64_t ms = 0;
         auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
         if (ec != std::errc() || p != v.data() + v.size() || ms < 6000 || ms > 300000) {
           return Bad("session-timeout", v, "use milliseconds from 6000 to 300000");
         }
         o.session_timeout_ms = ms;
         return base::Status::Ok();
       }},
  };
  return specs;
}

std::string RewriteSinkError(const base::Status& st) {
  std::string m = st.message();
  if (m.rfind("sink URI", 0) == 0) m.replace(0, 8, "source URI");
  return m;
}

}  // namespace

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kJson:
      return "json";
    case Format::kCanalJson:
      return "canal-json";
    case Format::kDebezium:
      return "debezium";
  }
  return "?";
}

bool IsKafkaSourceUri(std::string_view uri) {
  std::string lower(uri.substr(0, std::min<size_t>(uri.size(), 12)));
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.rfind("kafka://", 0) == 0 || lower.rfind("kafka+ssl://", 0) == 0;
}

base::Result<KafkaSourceOptions> ParseKafkaSourceUri(std::string_view uri) {
  KafkaSourceOptions o;
  if (!IsKafkaSourceUri(uri)) {
    return base::InvalidArgument(
        "source URI: not a Kafka URI; use kafka://host:9092/?topics=...&group-id=...");
  }
  size_t sep = uri.find("://");
  std::string_view scheme = uri.substr(0, sep);
  std::string_view rest = uri.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) {
    return base::InvalidArgument("source URI: '#' is not allowed; URL-encode it as %23");
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    if (slash + 1 != rest.size()) {
      return base::InvalidArgument(
          "source URI: the path '{}' is not used; give the topics as "
          "kafka://host:9092/?topics=<names or ^regex>",
          rest.substr(slash));
    }
  }

  std::string connection_query = "protocol=canal-json";
  std::string redacted_query;
  std::set<std::string> seen;
  size_t pos = 0;
  while (!query.empty() && pos <= query.size()) {
    size_t amp = query.find('&', pos);
    std::string_view pair = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name;
    if (!base::PercentDecode(pair.substr(0, eq), &name, {.plus_is_space = true})) {
      return base::InvalidArgument("source URI: a parameter name has a malformed %-escape");
    }
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (!seen.insert(name).second) {
      return base::InvalidArgument("source URI: {} is given more than once; keep one", name);
    }
    if (ConnectionParams().count(name)) {
      connection_query += '&';
      connection_query += pair;
      redacted_query += fmt::format("{}{}={}", redacted_query.empty() ? "" : "&", name,
                                    name == "sasl-password" ? "******" : std::string(raw));
      continue;
    }
    const Spec* spec = nullptr;
    for (const auto& s : Specs()) {
      if (s.name == name) spec = &s;
    }
    if (!spec) {
      std::string known;
      for (const auto& s : Specs()) known += fmt::format("{}{}", known.empty() ? "" : ", ", s.name);
      return base::InvalidArgument(
          "source URI: unknown parameter '{}'; use {} or a connection setting ({}); see {}", name,
          known,
          "sasl-*, enable-tls, ca, cert, key, insecure-skip-verify, dial-timeout, "
          "read-timeout, kafka-client-id",
          kDoc);
    }
    std::string value;
    if (!base::PercentDecode(raw, &value, {.plus_is_space = name != "topics"})) {
      return base::InvalidArgument(
          "source URI: the value of {} has a malformed %-escape; URL-encode '%' as %25", name);
    }
    SLUICE_RETURN_IF_ERROR(spec->apply(o, value));
    redacted_query += fmt::format("{}{}={}", redacted_query.empty() ? "" : "&", name, raw);
  }
  if (!seen.count("topics")) {
    return base::InvalidArgument(
        "source URI: topics is required; add topics=<name>[,<name>] or topics=^<regex>");
  }
  if (!seen.count("group-id")) {
    return base::InvalidArgument(
        "source URI: group-id is required; add group-id=<consumer group>, one per changefeed");
  }
  if (o.format != Format::kJson &&
      (seen.count("database") || seen.count("table-mapping") || seen.count("key-columns"))) {
    return base::InvalidArgument(
        "source URI: database, table-mapping and key-columns apply to format=json only; the "
        "{} format names the table and key itself",
        FormatName(o.format));
  }

  // Connection and security: the sink's parser, with a placeholder topic.
  std::string sink_uri =
      fmt::format("{}://{}/sluice-source?{}", scheme, authority, connection_query);
  auto conn = sink::kafka::ParseKafkaSinkUri(sink_uri);
  if (!conn.ok()) return base::Status(conn.status().code(), RewriteSinkError(conn.status()));
  o.connection = std::move(conn).value();
  o.connection.topic.clear();
  if (!seen.count("kafka-client-id")) o.connection.kafka_client_id = "sluice_consumer";

  std::string auth = o.connection.userinfo_given
                         ? fmt::format("{}:******@", base::PercentEncode(o.connection.sasl_user))
                         : "";
  o.redacted_uri =
      fmt::format("{}://{}{}/?{}", scheme, auth, o.connection.BrokerList(), redacted_query);
  return o;
}

std::string KafkaSourceOptionsDoc() {
  std::string out =
      "| Parameter | Default | Description |\n"
      "|---|---|---|\n";
  for (const auto& s : Specs()) {
    out += fmt::format("| `{}` | {} | {} |\n", s.name,
                       s.default_text.empty() ? std::string_view("—") : s.default_text, s.doc);
  }
  return out;
}

}  // namespace sluice::source::kafka
