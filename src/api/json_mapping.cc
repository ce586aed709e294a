#include "api/json_mapping.h"

#include "base/secret.h"
#include "base/uri.h"

#include <set>

#include "base/secret.h"

namespace sluice::api {

using nlohmann::json;

int HttpStatusFor(base::Code code) {
  switch (code) {
    case base::Code::kOk:
      return 200;
    case base::Code::kInvalidArgument:
      return 400;
    case base::Code::kNotFound:
      return 404;
    case base::Code::kFailedPrecondition:
      return 409;
    case base::Code::kUnavailable:
      return 503;
    case base::Code::kUnimplemented:
      return 501;
    default:
      return 500;
  }
}

json ErrorJson(const base::Status& status) {
  return json{
      {"error",
       {{"code", std::string(base::CodeName(status.code()))}, {"message", status.message()}}}};
}

std::string Dump(const json& j, bool pretty) {
  return j.dump(pretty ? 2 : -1, ' ', false, json::error_handler_t::replace);
}

base::Status ReadString(const json& obj, const char* key, std::string* out,
                        std::string_view name) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_string()) {
    return base::InvalidArgument("field '{}' must be a string, not {}",
                                 name.empty() ? key : name, it->dump());
  }
  *out = it->get<std::string>();
  return base::Status::Ok();
}

base::Status ReadBool(const json& obj, const char* key, bool* out, std::string_view name) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_boolean()) {
    return base::InvalidArgument("field '{}' must be true or false, not {}",
                                 name.empty() ? key : name, it->dump());
  }
  *out = it->get<bool>();
  return base::Status::Ok();
}

base::Status ReadUInt(const json& obj, const char* key, uint64_t* out, std::string_view name) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return base::InvalidArgument("field '{}' must be a non-negative integer, not {}",
                                 name.empty() ? key : name, it->dump());
  }
  *out = it->get<uint64_t>();
  return base::Status::Ok();
}

namespace {

base::Status ReadStringList(const json& value, const std::string& field,
                            std::vector<std::string>* out) {
  if (!value.is_array()) {
    return base::InvalidArgument("field '{}' must be an array of strings", field);
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      return base::InvalidArgument("field '{}[{}]' must be a string", field, i);
    }
    items.push_back(value[i].get<std::string>());
  }
  *out = std::move(items);
  return base::Status::Ok();
}

base::Status ReadDispatchers(const json& value, std::vector<dispatch::DispatchRule>* out) {
  if (!value.is_array()) {
    return base::InvalidArgument("field 'dispatchers' must be an array of objects");
  }
  std::vector<dispatch::DispatchRule> rules;
  for (size_t i = 0; i < value.size(); ++i) {
    const json& d = value[i];
    std::string where = "dispatchers[" + std::to_string(i) + "]";
    if (!d.is_object()) return base::InvalidArgument("field '{}' must be an object", where);
    dispatch::DispatchRule rule;
    for (auto it = d.begin(); it != d.end(); ++it) {
      const std::string& key = it.key();
      if (key == "matcher") {
        SLUICE_RETURN_IF_ERROR(ReadStringList(*it, where + ".matcher", &rule.matcher));
      } else if (key == "columns") {
        SLUICE_RETURN_IF_ERROR(ReadStringList(*it, where + ".columns", &rule.columns));
      } else if (key == "topic") {
        if (!it->is_string())
          return base::InvalidArgument("field '{}.topic' must be a string", where);
        rule.topic = it->get<std::string>();
      } else if (key == "partition") {
        if (!it->is_string()) {
          return base::InvalidArgument("field '{}.partition' must be a string", where);
        }
        auto p = dispatch::ParsePartitionRule(it->get<std::string>());
        if (!p.ok()) return p.status().WithContext("field '" + where + ".partition'");
        rule.partition = *p;
      } else {
        return base::InvalidArgument(
            "unknown field '{}.{}'; use matcher, topic, partition, columns", where, key);
      }
    }
    if (rule.matcher.empty()) {
      return base::InvalidArgument("field '{}.matcher' is required, e.g. [\"shop.*\"]", where);
    }
    rules.push_back(std::move(rule));
  }
  *out = std::move(rules);
  return base::Status::Ok();
}

}  // namespace

base::Result<ChangefeedRequest> ParseChangefeedRequest(std::string_view body, RequestKind kind,
                                                       std::string_view path_id) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return base::InvalidArgument(
        "request body is not valid JSON; send an object such as "
        "{{\"id\": \"orders\", \"source_uri\": \"...\", \"sink_uri\": \"...\"}}");
  }
  if (!j.is_object()) return base::InvalidArgument("request body must be a JSON object");

  static const std::set<std::string> kKnown = {"id",           "source_uri",     "sink_uri",
                                               "filter_rules", "case_sensitive", "dispatchers",
                                               "config_toml",  "paused"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!kKnown.count(it.key())) {
      return base::InvalidArgument(
          "unknown field '{}'; fields are id, source_uri, sink_uri, filter_rules, "
          "case_sensitive, dispatchers, config_toml, paused",
          it.key());
    }
  }

  ChangefeedRequest req;
  pipeline::ChangefeedConfig& c = req.config;
  c.id.clear();
  SLUICE_RETURN_IF_ERROR(ReadString(j, "id", &c.id));
  if (kind == RequestKind::kUpdate) {
    if (c.id.empty()) c.id = std::string(path_id);
    if (c.id != path_id) {
      return base::InvalidArgument(
          "field 'id' ('{}') differs from the id in the path ('{}'); "
          "the id of a changefeed cannot change",
          c.id, path_id);
    }
    if (j.contains("paused")) {
      return base::InvalidArgument(
          "field 'paused' is not accepted by PUT; use POST /api/v1/changefeeds/{}/pause or "
          "/resume",
          path_id);
    }
  }
  if (c.id.empty()) return base::InvalidArgument("field 'id' is required, e.g. \"orders\"");
  SLUICE_RETURN_IF_ERROR(pipeline::ValidateChangefeedId(c.id));
  SLUICE_RETURN_IF_ERROR(ReadString(j, "source_uri", &c.source_uri));
  if (c.source_uri.empty()) {
    return base::InvalidArgument(
        "field 'source_uri' is required, e.g. \"mysql://user:password@127.0.0.1:3306/?start=now\"");
  }
  SLUICE_RETURN_IF_ERROR(ReadString(j, "sink_uri", &c.sink_uri));
  if (c.sink_uri.empty()) {
    return base::InvalidArgument(
        "field 'sink_uri' is required, e.g. \"kafka://127.0.0.1:9092/topic?protocol=canal-json\"");
  }
  std::string toml;
  SLUICE_RETURN_IF_ERROR(ReadString(j, "config_toml", &toml));
  if (!toml.empty()) {
    SLUICE_RETURN_IF_ERROR(pipeline::ApplyChangefeedToml(toml, "config_toml", &c));
  }
  if (auto it = j.find("filter_rules"); it != j.end()) {
    SLUICE_RETURN_IF_ERROR(ReadStringList(*it, "filter_rules", &c.filter_rules));
    if (c.filter_rules.empty()) {
      return base::InvalidArgument("field 'filter_rules' is empty; use [\"*.*\"] for all tables");
    }
  }
  SLUICE_RETURN_IF_ERROR(ReadBool(j, "case_sensitive", &c.case_sensitive));
  if (auto it = j.find("dispatchers"); it != j.end()) {
    SLUICE_RETURN_IF_ERROR(ReadDispatchers(*it, &c.dispatchers));
  }
  SLUICE_RETURN_IF_ERROR(ReadBool(j, "paused", &req.paused));
  return req;
}

json DispatchRuleToJson(const dispatch::DispatchRule& rule) {
  json d = {{"matcher", rule.matcher},
            {"topic", rule.topic},
            {"partition", std::string(dispatch::PartitionRuleName(rule.partition))}};
  if (!rule.columns.empty()) d["columns"] = rule.columns;
  return d;
}

json InfoToJson(const pipeline::ChangefeedInfo& info) {
  json dispatchers = json::array();
  for (const auto& r : info.dispatchers) dispatchers.push_back(DispatchRuleToJson(r));
  return json{
      {"id", info.id},
      {"state", info.state},
      {"state_reason", info.state_reason},
      {"target_unreachable_since_ms", info.target_unreachable_since_ms},
      {"desired", info.desired == pipeline::DesiredState::kPaused ? "paused" : "running"},
      {"source_uri", info.source_uri},
      {"sink_uri", info.sink_uri},
      {"filter_rules", info.filter_rules},
      {"case_sensitive", info.case_sensitive},
      {"dispatchers", dispatchers},
      {"checkpoint", info.checkpoint},
      {"checkpoint_time_ms", info.checkpoint_time_ms},
      {"lag_ms", info.lag_ms},
      {"error", info.error},
      {"counters",
       {{"rows", info.rows_read},  // = rows_read, kept for existing clients
        {"rows_read", info.rows_read},
        {"rows_delivered", info.rows_delivered},
        {"messages", info.messages},
        {"bytes", info.bytes},
        {"errors", info.errors},
        {"restarts", info.restarts}}},
      {"created_at_ms", info.created_at_ms},
      {"updated_at_ms", info.updated_at_ms},
  };
}

json TableCountsToJson(const std::vector<pipeline::TableCount>& tables) {
  json out = json::array();
  for (const auto& t : tables) {
    out.push_back({{"schema", t.schema},
                   {"table", t.table},
                   {"inserts", t.inserts},
                   {"updates", t.updates},
                   {"deletes", t.deletes},
                   {"rows", t.inserts + t.updates + t.deletes}});
  }
  return out;
}

std::vector<std::string> SecretsOf(const pipeline::ChangefeedConfig& config) {
  std::vector<std::string> out;
  for (const std::string* uri : {&config.source_uri, &config.sink_uri}) {
    // The URI is a URL value like any other: its password, secret parameters, nested URLs.
    for (auto& s : base::SecretsIn("uri", *uri)) out.push_back(std::move(s));
  }
  return out;
}

std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  return base::ScrubSecrets(std::move(text), secrets);
}

}  // namespace sluice::api
