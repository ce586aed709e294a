// Access control for the HTTP API: which listen addresses are loopback, and the bearer-token
// check applied to every route except /healthz.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::api {

// True for 127.0.0.0/8, ::1 and "localhost": addresses only this machine can reach.
bool IsLoopbackHost(std::string_view host);

// OK when a server on `host` may run with `token` (empty = no authentication):
// InvalidArgument when `host` is reachable from other machines and there is no token.
base::Status CheckListenSecurity(std::string_view host, std::string_view token);

// True when `authorization` (the Authorization header value) is "Bearer <token>".
// Compares in constant time for equal lengths. An empty `token` accepts everything.
bool BearerTokenMatches(std::string_view authorization, std::string_view token);

// True for the paths the token protects: /api/... and /metrics (not /healthz, not the console's
// static files, which hold no data and must load before the user has typed the token).
bool IsProtectedPath(std::string_view path);

// BearerTokenMatches, or HTTP basic auth whose password is the token (any user name), so a
// browser's own login prompt or `curl -u any:TOKEN` works too.
bool AuthorizationMatches(std::string_view authorization, std::string_view token);

// Splits "host:port" or "[v6]:port" into its parts. InvalidArgument names `flag` on error.
base::Status SplitHostPort(std::string_view addr, std::string_view flag, std::string* host,
                           int* port);

}  // namespace sluice::api
