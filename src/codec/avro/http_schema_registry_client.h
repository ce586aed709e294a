// HttpSchemaRegistryClient: Confluent schema registry REST client (cpp-httplib, OpenSSL).
//
// Uses POST /subjects/{subject}/versions and GET /schemas/ids/{id}
// (Content-Type application/vnd.schemaregistry.v1+json). Caches subject+schema -> id and
// id -> schema, so a schema is registered once per process. Retries connection errors, 408,
// 429 and 5xx with exponential backoff (`retries` extra attempts), then returns Unavailable so
// the changefeed restarts; other 4xx are not retried: 401/403 -> FailedPrecondition (check the
// credentials), 409 -> FailedPrecondition naming the subject, the version it was compared with
// and the level (read back with GET /subjects/{s}/versions/latest and GET /config/{s}), and the
// fix; 404/422 -> InvalidArgument. Errors name the URL with the password masked.
//
// URL: http[s]://[user:password@]host[:port][/prefix]; userinfo (URL-encoded) is sent as basic
// auth. https verifies the server with `ca_file`, else the system trust store.
// Thread-safe: one request at a time (a mutex guards the connection and the caches).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "codec/avro/schema_registry_client.h"

namespace httplib {
class Client;
}

namespace sluice::codec::avro {

struct SchemaRegistryOptions {
  std::string url;
  std::string ca_file;  // PEM; https only
  int retries = 4;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{3000};
  std::chrono::milliseconds timeout{10000};
};

// "https://user:pass@host" -> "https://user:******@host".
std::string MaskRegistryUrl(std::string_view url);

class HttpSchemaRegistryClient : public SchemaRegistryClient {
 public:
  // InvalidArgument for a malformed URL or a missing CA file; does not connect.
  static base::Result<std::unique_ptr<HttpSchemaRegistryClient>> Create(
      const SchemaRegistryOptions& options);
  ~HttpSchemaRegistryClient() override;

  base::Result<int32_t> Register(const std::string& subject, const std::string& schema) override;
  base::Result<std::string> SchemaById(int32_t id) override;
  std::string DisplayUrl() const override { return display_url_; }
  // GET /subjects: OK if the registry answers and accepts the credentials (for `sluice check`).
  base::Status CheckReachable();

  // HTTP requests sent so far (attempts, including retries); for tests.
  uint64_t requests() const { return requests_; }

 private:
  struct Response {
    int status = 0;  // 0 = no response (connection error)
    std::string body;
    std::string error;  // connection error text
  };
  HttpSchemaRegistryClient() = default;
  // Sends with retries; returns the final response or an error status.
  base::Result<Response> Send(const char* method, const std::string& path, const std::string& body,
                              const std::string& what);

  // The error for a registration the registry refused with HTTP 409 (`rejected`).
  base::Status Incompatible(const std::string& subject, const base::Status& rejected);

  SchemaRegistryOptions options_;
  std::string display_url_;
  std::string base_path_;  // URL path prefix without a trailing '/'
  std::unique_ptr<httplib::Client> http_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int32_t> ids_;  // (subject, schema) -> id
  std::map<int32_t, std::string> schemas_;
  uint64_t requests_ = 0;
  int last_status_ = 0;  // HTTP status of the last attempt (0 = no response)
};

}  // namespace sluice::codec::avro
