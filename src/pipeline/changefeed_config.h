// ChangefeedConfig: everything that defines a changefeed, and its TOML form.
//
// The TOML file follows TiCDC's changefeed configuration where the concepts match:
//
//   [filter]
//   rules = ['shop.*', '!shop.tmp_*']          # TiDB table-filter syntax
//   case-sensitive = false
//
//   [sink]
//   dispatchers = [
//     {matcher = ['shop.*'], topic = "cdc_{schema}_{table}", partition = "index-value"},
//     {matcher = ['log.*'], partition = "ts"},
//   ]
//
// The source and sink URIs come from the command line or the API; sink URI query parameters
// hold the Kafka and protocol options (docs/kafka-sink-options.md).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "dispatch/event_router.h"

namespace sluice::pipeline {

struct ChangefeedConfig {
  std::string id = "default";
  std::string source_uri;
  std::string sink_uri;
  std::vector<std::string> filter_rules = {"*.*"};
  bool case_sensitive = false;
  std::vector<dispatch::DispatchRule> dispatchers;
};

// Validates a changefeed id: 1-128 characters of A-Z a-z 0-9 . _ -.
base::Status ValidateChangefeedId(const std::string& id);

// Reads [filter] and [sink] from a TOML document into `config` (other fields untouched).
// Errors name the key and the file.
base::Status ApplyChangefeedToml(std::string_view toml_text, std::string_view origin,
                                 ChangefeedConfig* config);
base::Status LoadChangefeedTomlFile(const std::string& path, ChangefeedConfig* config);

// The [filter] and [sink] TOML of `config` (the form above); ApplyChangefeedToml reads it back
// to the same filter rules, case sensitivity and dispatchers. The console shows it so a
// changefeed made there can be made with `sluice cli changefeed create --config`.
std::string ChangefeedToml(const ChangefeedConfig& config);

}  // namespace sluice::pipeline
