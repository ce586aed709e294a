#include "codec/avro/http_schema_registry_client.h"

#include <httplib.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "base/percent_encoding.h"

namespace sluice::codec::avro {
namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

auto Log() {
  static auto logger = base::Logger("avro");
  return logger;
}

bool Retriable(int status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

// The registry's {"error_code":..,"message":..} text, else the raw body (shortened).
std::string ErrorText(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

}  // namespace

std::string MaskRegistryUrl(std::string_view url) {
  auto scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  auto at = url.rfind('@', end);
  if (at == std::string_view::npos || at < start) return std::string(url);
  auto colon = url.find(':', start);
  size_t user_end = (colon != std::string_view::npos && colon < at) ? colon : at;
  return std::string(url.substr(0, user_end)) + ":******" + std::string(url.substr(at));
}

HttpSchemaRegistryClient::~HttpSchemaRegistryClient() = default;

base::Result<std::unique_ptr<HttpSchemaRegistryClient>> HttpSchemaRegistryClient::Create(
    const SchemaRegistryOptions& options) {
  std::unique_ptr<HttpSchemaRegistryClient> c(new HttpSchemaRegistryClient());
  c->options_ = options;
  c->display_url_ = MaskRegistryUrl(options.url);
  std::string_view url = options.url;
  auto sep = url.find("://");
  std::string scheme = sep == std::string_view::npos ? "" : std::string(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    return base::InvalidArgument(
        "schema-registry '{}' is not an http:// or https:// URL; use e.g. "
        "schema-registry=http://127.0.0.1:8081",
        c->display_url_);
  }
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  c->base_path_ = path;
  std::string user, password;
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    if (!base::PercentDecode(userinfo.substr(0, colon), &user) ||
        (colon != std::string_view::npos &&
         !base::PercentDecode(userinfo.substr(colon + 1), &password))) {
      return base::InvalidArgument(
          "schema-registry '{}': the user or password has a malformed %-escape; URL-encode '%' "
          "as %25",
          c->display_url_);
    }
  }
  if (authority.empty()) {
    return base::InvalidArgument("schema-registry '{}' has no host; use http://host:port",
                                 c->display_url_);
  }
  if (!options.ca_file.empty()) {
    if (scheme != "https") {
      return base::InvalidArgument(
          "schema-registry-ca is set but schema-registry '{}' is not https://; use https:// or "
          "remove schema-registry-ca",
          c->display_url_);
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.ca_file, ec)) {
      return base::InvalidArgument(
          "schema-registry-ca '{}' is not a readable file; give the PEM file of the CA that "
          "signed the registry's certificate",
          options.ca_file);
    }
  }
  c->http_ = std::make_unique<httplib::Client>(scheme + "://" + std::string(authority));
  if (!c->http_->is_valid()) {
    return base::InvalidArgument("schema-registry '{}' is not a valid URL; use http://host:port",
                                 c->display_url_);
  }
  auto secs = [](std::chrono::milliseconds d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d);
  };
  c->http_->set_connection_timeout(secs(options.timeout));
  c->http_->set_read_timeout(secs(options.timeout));
  c->http_->set_write_timeout(secs(options.timeout));
  c->http_->set_keep_alive(true);
  if (!user.empty()) c->http_->set_basic_auth(user, password);
  if (scheme == "https") {
    if (!options.ca_file.empty()) c->http_->set_ca_cert_path(options.ca_file);
    c->http_->enable_server_certificate_verification(true);
  }
  return c;
}

base::Result<HttpSchemaRegistryClient::Response> HttpSchemaRegistryClient::Send(
    const char* method, const std::string& path, const std::string& body, const std::string& what) {
  auto backoff = options_.initial_backoff;
  Response r;
  for (int attempt = 0;; ++attempt) {
    ++requests_;
    httplib::Headers headers = {{"Accept", kContentType}};
    httplib::Result res = std::string_view(method) == "POST"
                              ? http_->Post(base_path_ + path, headers, body, kContentType)
                              : http_->Get(base_path_ + path, headers);
    r = Response();
    last_status_ = 0;
    if (res) {
      last_status_ = res->status;
      r.status = res->status;
      r.body = res->body;
    } else {
      r.error = httplib::to_string(res.error());
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
      if (res.error() == httplib::Error::SSLServerVerification) {
        return base::FailedPrecondition(
            "schema registry {}: {} failed: the server certificate is not trusted; give its CA "
            "with schema-registry-ca=/path/ca.pem",
            display_url_, what);
      }
#endif
    }
    if (!Retriable(r.status) || attempt >= options_.retries) break;
    Log()->warn("schema registry {}: {} got {}; retrying in {} ms", display_url_, what,
                r.status ? fmt::format("HTTP {}", r.status) : r.error, backoff.count());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  if (r.status == 0) {
    return base::Unavailable(
        "schema registry {} is unreachable ({}) after {} attempts: {}; check schema-registry "
        "and that the registry is running",
        display_url_, what, options_.retries + 1, r.error);
  }
  if (Retriable(r.status)) {
    return base::Unavailable("schema registry {}: {} failed with HTTP {} after {} attempts: {}",
                             display_url_, what, r.status, options_.retries + 1, ErrorText(r.body));
  }
  if (r.status == 401 || r.status == 403) {
    return base::FailedPrecondition(
        "schema registry {}: {} was refused with HTTP {}: {}; check the user:password in the "
        "schema-registry URL",
        display_url_, what, r.status, ErrorText(r.body));
  }
  if (r.status == 409) {
    return base::FailedPrecondition(
        "schema registry {}: {} was rejected as incompatible (HTTP 409): {}", display_url_, what,
        ErrorText(r.body));
  }
  if (r.status < 200 || r.status >= 300) {
    return base::InvalidArgument("schema registry {}: {} failed with HTTP {}: {}", display_url_,
                                 what, r.status, ErrorText(r.body));
  }
  return r;
}

base::Result<int32_t> HttpSchemaRegistryClient::Register(const std::string& subject,
                                                         const std::string& schema) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(subject, schema);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  std::string body = nlohmann::json{{"schema", schema}}.dump();
  std::string what = fmt::format("registering a schema for subject '{}'", subject);
  auto sent = Send("POST", "/subjects/" + base::PercentEncode(subject) + "/versions", body, what);
  if (!sent.ok() && last_status_ == 409) return Incompatible(subject, sent.status());
  SLUICE_ASSIGN_OR_RETURN(Response r, std::move(sent));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) {
    return base::Unavailable("schema registry {}: {}: the answer has no schema id: {}",
                             display_url_, what, ErrorText(r.body));
  }
  int32_t id = j["id"].get<int32_t>();
  Log()->info("schema registry {}: subject '{}' has schema id {}", display_url_, subject, id);
  ids_[key] = id;
  schemas_[id] = schema;
  return id;
}

base::Status HttpSchemaRegistryClient::Incompatible(const std::string& subject,
                                                   const base::Status& rejected) {
  // Which version the registry compared against, and under which level: asked afterwards (a
  // Confluent registry names the version in its message, Apicurio does not), best effort.
  std::string path = "/subjects/" + base::PercentEncode(subject);
  std::string latest = "the latest version", level = "its compatibility level";
  if (auto v = Send("GET", path + "/versions/latest", "", "reading the latest version"); v.ok()) {
    auto j = nlohmann::json::parse(v->body, nullptr, false);
    if (j.is_object() && j.contains("version") && j["version"].is_number_integer()) {
      int version = j["version"].get<int>();
      latest = fmt::format("version {} (the new schema would be version {})", version, version + 1);
    }
  }
  if (auto c = Send("GET", "/config/" + base::PercentEncode(subject) + "?defaultToGlobal=true", "",
                    "reading the compatibility level");
      c.ok()) {
    auto j = nlohmann::json::parse(c->body, nullptr, false);
    if (j.is_object() && j.contains("compatibilityLevel") && j["compatibilityLevel"].is_string()) {
      level = j["compatibilityLevel"].get<std::string>() + " compatibility";
    }
  }
  std::string detail = rejected.message();
  if (auto at = detail.find("(HTTP 409): "); at != std::string::npos) detail = detail.substr(at + 12);
  return base::FailedPrecondition(
      "schema registry {}: subject '{}' rejected the new schema as incompatible with {} under "
      "{}: {}. Nothing was written with it. Fix: make the DDL a compatible change (add a column "
      "as NULL or NOT NULL, drop a column; do not change a column to an unrelated type), or, "
      "if every consumer can read both schemas, set the subject's level with PUT "
      "/config/{} {{\"compatibility\":\"NONE\"}} (or write to a new topic); then resume the "
      "changefeed",
      display_url_, subject, latest, level, detail, subject);
}

base::Result<std::string> HttpSchemaRegistryClient::SchemaById(int32_t id) {
  std::lock_guard lock(mu_);
  if (auto it = schemas_.find(id); it != schemas_.end()) return it->second;
  SLUICE_ASSIGN_OR_RETURN(Response r, Send("GET", fmt::format("/schemas/ids/{}", id), "",
                                           fmt::format("fetching schema id {}", id)));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return base::Unavailable("schema registry {}: schema id {}: the answer has no schema: {}",
                             display_url_, id, ErrorText(r.body));
  }
  schemas_[id] = j["schema"].get<std::string>();
  return schemas_[id];
}

base::Status HttpSchemaRegistryClient::CheckReachable() {
  std::lock_guard lock(mu_);
  return Send("GET", "/subjects", "", "listing subjects").status();
}

}  // namespace sluice::codec::avro
