#include "pipeline/changefeed_config.h"

#include <regex>
#include <sstream>

#include <toml++/toml.h>

#include "base/file.h"

namespace sluice::pipeline {

base::Status ValidateChangefeedId(const std::string& id) {
  static const std::regex kId("^[A-Za-z0-9._-]{1,128}$");
  if (!std::regex_match(id, kId)) {
    return base::InvalidArgument(
        "changefeed id '{}' is invalid; use 1-128 characters of A-Z a-z 0-9 . _ -", id);
  }
  return base::Status::Ok();
}

namespace {

base::Result<std::vector<std::string>> StringArray(const toml::node* node, std::string_view key,
                                                   std::string_view origin) {
  std::vector<std::string> out;
  const toml::array* arr = node ? node->as_array() : nullptr;
  if (!arr) {
    return base::InvalidArgument("{}: {} must be an array of strings, e.g. ['db.*']", origin, key);
  }
  for (const auto& el : *arr) {
    auto s = el.value<std::string>();
    if (!s) return base::InvalidArgument("{}: {} must contain only strings", origin, key);
    out.push_back(*s);
  }
  return out;
}

}  // namespace

base::Status ApplyChangefeedToml(std::string_view toml_text, std::string_view origin,
                                 ChangefeedConfig* config) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return base::InvalidArgument("{}: invalid TOML at {}: {}", origin, where.str(),
                                 std::string(e.description()));
  }
  for (const auto& [key, _] : doc) {
    if (key != "filter" && key != "sink") {
      return base::InvalidArgument("{}: unknown section [{}]; supported: [filter], [sink]", origin,
                                   std::string(key.str()));
    }
  }
  if (const toml::table* filter = doc["filter"].as_table()) {
    for (const auto& [key, node] : *filter) {
      if (key == "rules") {
        SLUICE_ASSIGN_OR_RETURN(config->filter_rules,
                                StringArray(&node, "filter.rules", origin));
      } else if (key == "case-sensitive") {
        auto b = node.value<bool>();
        if (!b) return base::InvalidArgument("{}: filter.case-sensitive must be true or false",
                                             origin);
        config->case_sensitive = *b;
      } else {
        return base::InvalidArgument(
            "{}: unknown key filter.{}; supported: rules, case-sensitive", origin,
            std::string(key.str()));
      }
    }
  }
  if (const toml::table* sink = doc["sink"].as_table()) {
    for (const auto& [key, node] : *sink) {
      if (key != "dispatchers") {
        return base::InvalidArgument(
            "{}: unknown key sink.{}; supported: dispatchers (Kafka options go in the sink URI)",
            origin, std::string(key.str()));
      }
      const toml::array* arr = node.as_array();
      if (!arr) return base::InvalidArgument("{}: sink.dispatchers must be an array of tables",
                                             origin);
      config->dispatchers.clear();
      for (size_t i = 0; i < arr->size(); ++i) {
        const toml::table* rule = (*arr)[i].as_table();
        std::string where = "sink.dispatchers[" + std::to_string(i) + "]";
        if (!rule) return base::InvalidArgument("{}: {} must be a table", origin, where);
        dispatch::DispatchRule r;
        for (const auto& [rk, rn] : *rule) {
          if (rk == "matcher") {
            SLUICE_ASSIGN_OR_RETURN(r.matcher, StringArray(&rn, where + ".matcher", origin));
          } else if (rk == "topic") {
            auto s = rn.value<std::string>();
            if (!s) return base::InvalidArgument("{}: {}.topic must be a string", origin, where);
            r.topic = *s;
          } else if (rk == "partition" || rk == "dispatcher") {
            auto s = rn.value<std::string>();
            if (!s) return base::InvalidArgument("{}: {}.partition must be a string", origin,
                                                 where);
            auto p = dispatch::ParsePartitionRule(*s);
            if (!p.ok()) return p.status().WithContext(fmt::format("{}: {}", origin, where));
            r.partition = *p;
          } else if (rk == "columns" || rk == "index") {
            if (rk == "index") {
              return base::Unimplemented(
                  "{}: {}.index is not supported yet; list the index columns with columns = [...] "
                  "and partition = \"columns\"",
                  origin, where);
            }
            SLUICE_ASSIGN_OR_RETURN(r.columns, StringArray(&rn, where + ".columns", origin));
          } else {
            return base::InvalidArgument(
                "{}: unknown key {}.{}; supported: matcher, topic, partition, columns", origin,
                where, std::string(rk.str()));
          }
        }
        if (r.matcher.empty()) {
          return base::InvalidArgument("{}: {}.matcher is required, e.g. matcher = ['db.*']",
                                       origin, where);
        }
        config->dispatchers.push_back(std::move(r));
      }
    }
  }
  return base::Status::Ok();
}

namespace {

// A TOML string: a literal string ('...') when the text allows one (no quote, no control
// character; regex rules stay readable), else a basic string with escapes.
std::string TomlString(std::string_view text) {
  bool literal = text.find('\'') == std::string_view::npos;
  for (unsigned char c : text) literal = literal && c >= 0x20 && c != 0x7f;
  if (literal) return "'" + std::string(text) + "'";
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string TomlArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + TomlString(items[i]);
  return out + "]";
}

}  // namespace

std::string ChangefeedToml(const ChangefeedConfig& config) {
  std::string out = "[filter]\nrules = " + TomlArray(config.filter_rules) + "\n";
  if (config.case_sensitive) out += "case-sensitive = true\n";
  if (config.dispatchers.empty()) return out;
  out += "\n[sink]\ndispatchers = [\n";
  for (const auto& d : config.dispatchers) {
    out += "  {matcher = " + TomlArray(d.matcher);
    if (!d.topic.empty()) out += ", topic = " + TomlString(d.topic);
    if (d.partition != dispatch::PartitionRule::kDefault) {
      out += ", partition = " + TomlString(dispatch::PartitionRuleName(d.partition));
    }
    if (!d.columns.empty()) out += ", columns = " + TomlArray(d.columns);
    out += "},\n";
  }
  return out + "]\n";
}

base::Status LoadChangefeedTomlFile(const std::string& path, ChangefeedConfig* config) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path, "config file"));
  return ApplyChangefeedToml(text, path, config);
}

}  // namespace sluice::pipeline
