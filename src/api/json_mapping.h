// JSON forms of the HTTP API: request bodies -> ChangefeedConfig, ChangefeedInfo -> JSON,
// Status -> error body, and the one mapping from base::Code to an HTTP status.
//
// Stateless and thread-safe. Parsing never throws; errors are InvalidArgument naming the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "pipeline/changefeed_config.h"
#include "pipeline/changefeed_manager.h"

namespace sluice::api {

// The HTTP status for an error code: InvalidArgument 400, NotFound 404,
// FailedPrecondition 409, Unavailable 503, Unimplemented 501, anything else 500.
int HttpStatusFor(base::Code code);

// {"error": {"code": "INVALID_ARGUMENT", "message": "..."}}
nlohmann::json ErrorJson(const base::Status& status);

// Typed readers of one field of a request object. An absent or null field leaves *out as it
// is; a value of another type is InvalidArgument naming the field (`name`, default `key`, e.g.
// "tables[2].schema") and the value, so a wrong type is a 400, never a 500.
base::Status ReadString(const nlohmann::json& obj, const char* key, std::string* out,
                        std::string_view name = {});
base::Status ReadBool(const nlohmann::json& obj, const char* key, bool* out,
                      std::string_view name = {});
base::Status ReadUInt(const nlohmann::json& obj, const char* key, uint64_t* out,
                      std::string_view name = {});

// A create (POST) or update (PUT) body:
//   {"id", "source_uri", "sink_uri", "filter_rules": [...], "case_sensitive": false,
//    "dispatchers": [{"matcher": [...], "topic": "...", "partition": "index-value",
//                     "columns": [...]}],
//    "config_toml": "...", "paused": false}
// config_toml ([filter] and [sink] of a changefeed TOML) is applied first; explicit fields
// override it. Unknown fields are rejected so typos do not pass silently.
struct ChangefeedRequest {
  pipeline::ChangefeedConfig config;
  bool paused = false;
};

enum class RequestKind { kCreate, kUpdate };

// For kUpdate, `path_id` is the id from the URL; the body's "id" may be absent or must equal
// it, and "paused" is rejected (use the pause/resume routes).
base::Result<ChangefeedRequest> ParseChangefeedRequest(std::string_view body, RequestKind kind,
                                                       std::string_view path_id = {});

nlohmann::json DispatchRuleToJson(const dispatch::DispatchRule& rule);
nlohmann::json InfoToJson(const pipeline::ChangefeedInfo& info);
// [{"schema", "table", "inserts", "updates", "deletes", "rows"}] (rows = their sum).
nlohmann::json TableCountsToJson(const std::vector<pipeline::TableCount>& tables);

// Secrets in a request (URI userinfo passwords, and query parameters whose name contains
// "password", "secret" or "token"), so they can be scrubbed from any message echoed back.
std::vector<std::string> SecretsOf(const pipeline::ChangefeedConfig& config);
// Replaces every occurrence of each secret (of 3+ characters) in `text` with "****".
std::string Scrub(std::string text, const std::vector<std::string>& secrets);

// Serializes for a response body; invalid UTF-8 is replaced, never thrown.
std::string Dump(const nlohmann::json& j, bool pretty = false);

}  // namespace sluice::api
