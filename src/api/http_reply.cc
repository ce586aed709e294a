#include "api/http_reply.h"

#include "api/json_mapping.h"

namespace sluice::api {

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(Dump(body), kJsonContentType);
}

void ReplyError(httplib::Response& res, const base::Status& status,
                const std::vector<std::string>& secrets) {
  base::Status scrubbed(status.code(), Scrub(status.message(), secrets));
  Reply(res, HttpStatusFor(status.code()), ErrorJson(scrubbed));
}

std::string PathParam(const httplib::Request& req) {
  return req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
}

}  // namespace sluice::api
