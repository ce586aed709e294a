// JSON replies shared by the REST API (api_server.cc) and the console routes (console_routes.cc).
//
// Every answer is `application/json`; errors use the body of json_mapping.h's ErrorJson and the
// HTTP status of HttpStatusFor, with the request's secrets scrubbed from the message.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace sluice::api {

inline constexpr char kJsonContentType[] = "application/json";

// Sets `status` and `body` (serialized compactly).
void Reply(httplib::Response& res, int status, const nlohmann::json& body);

// An error reply for `status`; every string in `secrets` is masked in the message.
void ReplyError(httplib::Response& res, const base::Status& status,
                const std::vector<std::string>& secrets = {});

// The first capture of the route's pattern (the changefeed id or connection name in
// `/api/v1/changefeeds/([^/]+)`), or "" when the route has none.
std::string PathParam(const httplib::Request& req);

}  // namespace sluice::api
