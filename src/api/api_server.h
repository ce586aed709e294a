// ApiServer: the REST API of a sluice server (cpp-httplib), over a ChangefeedManager.
//
//   POST   /api/v1/changefeeds              create      GET /api/v1/changefeeds        list
//   GET    /api/v1/changefeeds/{id}         get         PUT /api/v1/changefeeds/{id}   update
//   DELETE /api/v1/changefeeds/{id}         remove
//   POST   /api/v1/changefeeds/{id}/pause   pause       POST .../{id}/resume          resume
//   GET    /api/v1/changefeeds/{id}/history rows/s, lag and events of the last hour
//   GET    /healthz                          liveness    GET /metrics                   Prometheus
//   the web console's routes and static files: console_routes.h (EnableConsole)
//
// Lifecycle: Create() validates the options (a non-loopback address needs a token);
// Start() binds (port 0 = an ephemeral port, see port()) and serves on a background thread;
// Stop() (also run by the destructor) stops accepting, waits for in-flight requests and joins.
// Threading: requests run on httplib's worker threads; the manager is thread-safe.
// Request bodies are never logged; errors echoed back have the request's secrets scrubbed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/changefeed_history.h"
#include "api/console_routes.h"
#include "api/metrics.h"
#include "base/status.h"
#include "pipeline/changefeed_manager.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sluice::api {

struct ApiOptions {
  std::string host = "127.0.0.1";
  int port = 8300;  // 0 = ephemeral
  // Required when `host` is not loopback; then every route except /healthz needs
  // "Authorization: Bearer <token>". Empty on loopback = no authentication.
  std::string token;
  // How often the rows/s gauge samples the row counters.
  std::chrono::milliseconds rate_sample_interval{1000};
  // What the history (console charts) keeps; fed by the same sampler.
  HistoryOptions history;
};

class ApiServer {
 public:
  // `manager` must outlive the server. InvalidArgument for a non-loopback host without token.
  static base::Result<std::unique_ptr<ApiServer>> Create(ApiOptions options,
                                                         pipeline::ChangefeedManager* manager);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds and starts serving in the background. Unavailable if the address cannot be bound.
  base::Status Start();
  void Stop();
  // Adds the web console's routes (console_routes.h) and static files; call before Start().
  // `context` must outlive the server. Changefeed bodies may then name connections.
  void EnableConsole(ConsoleContext* context);
  // The bound port (after Start), or the configured one before.
  int port() const { return port_; }

 private:
  ApiServer(ApiOptions options, pipeline::ChangefeedManager* manager);
  // Server-wide handlers: socket options, authentication, access log, errors.
  void InstallHandlers();
  void InstallRoutes();
  void SampleRates();

  ApiOptions options_;
  pipeline::ChangefeedManager* manager_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listen_thread_;
  std::thread sampler_thread_;
  std::mutex sampler_mu_;
  std::condition_variable sampler_cv_;
  bool stopping_ = false;
  bool started_ = false;
  int port_ = 0;
  RowRateTracker rates_;
  ChangefeedHistory history_;
  ConsoleContext* console_ = nullptr;
};

}  // namespace sluice::api
