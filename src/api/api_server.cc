#include "api/api_server.h"

#include <httplib.h>

#include "api/auth.h"
#include "api/http_reply.h"
#include "api/json_mapping.h"
#include "base/logging.h"

namespace sluice::api {

namespace {

using nlohmann::json;

constexpr size_t kMaxBodyBytes = 1 << 20;  // docs/http-api.md: bodies are at most 1 MiB

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

base::Result<std::unique_ptr<ApiServer>> ApiServer::Create(ApiOptions options,
                                                           pipeline::ChangefeedManager* manager) {
  if (manager == nullptr) return base::Internal("ApiServer::Create needs a ChangefeedManager");
  if (options.port < 0 || options.port > 65535) {
    return base::InvalidArgument("API port {} is out of range; use 0-65535", options.port);
  }
  SLUICE_RETURN_IF_ERROR(CheckListenSecurity(options.host, options.token));
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(options), manager));
}

ApiServer::ApiServer(ApiOptions options, pipeline::ChangefeedManager* manager)
    : options_(std::move(options)),
      manager_(manager),
      server_(std::make_unique<httplib::Server>()),
      port_(options_.port),
      history_(options_.history) {
  InstallHandlers();
  InstallRoutes();
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::InstallHandlers() {
  auto& s = *server_;
  s.set_keep_alive_timeout(1);  // bounds how long Stop() waits for idle keep-alive clients
  s.set_payload_max_length(kMaxBodyBytes);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second
  // server bind the same port and silently take half of the connections.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });

  // Authentication before routing: every route but /healthz.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // The console's static files are public (they hold no data); everything under /api/ and
    // /metrics needs the token.
    if (options_.token.empty() || req.path == "/healthz" || !IsProtectedPath(req.path)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (AuthorizationMatches(req.get_header_value("Authorization"), options_.token)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_header("WWW-Authenticate", "Bearer");
    Reply(res, 401,
          json{{"error",
                {{"code", "UNAUTHENTICATED"},
                 {"message",
                  "missing or wrong API token; send 'Authorization: "
                  "Bearer <token>' (sluice cli --token)"}}}});
    return httplib::Server::HandlerResponse::Handled;
  });

  // Method, path and status only: bodies may hold passwords.
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    base::Logger("api")->info("{} {} -> {}", req.method, req.path, res.status);
  });
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const nlohmann::json::exception& e) {
          // Handlers read bodies with typed readers that name the field; this is a backstop.
          Reply(res, 400,
                ErrorJson(base::InvalidArgument("request body has a value of the wrong type: {}",
                                                e.what())));
          return;
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        Reply(res, 500, ErrorJson(base::Internal("request failed: {}", what)));
      });
  // Unrouted paths get the JSON error format too (handlers that set a body are left alone).
  // So do the errors httplib answers by itself (413 body too large, 414 URI too long, 400 for
  // a request it cannot parse, ...): every error answer is the documented JSON error.
  httplib::Server::HandlerWithResponse on_error = [](const httplib::Request& req,
                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    int status = res.status;
    base::Status st;
    switch (status) {
      case 404:
        st = base::NotFound("no route {} {}; see docs/http-api.md", req.method, req.path);
        break;
      case 405:
        st = base::InvalidArgument("method {} not allowed on {}", req.method, req.path);
        break;
      case 413:
        st = base::InvalidArgument("request body is over the {} byte limit; send a smaller body",
                                   kMaxBodyBytes);
        break;
      case 414:
        st = base::InvalidArgument("request URI is too long; see docs/http-api.md for the routes");
        break;
      case 411:
        st = base::InvalidArgument(
            "request has a body without Content-Length; send Content-Length or no body");
        break;
      default:
        st = status >= 500
                 ? base::Internal("request failed (HTTP {})", status)
                 : base::InvalidArgument("bad request (HTTP {}); see docs/http-api.md", status);
        break;
    }
    Reply(res, status, ErrorJson(st));
    return httplib::Server::HandlerResponse::Handled;
  };
  s.set_error_handler(on_error);
}

void ApiServer::InstallRoutes() {
  auto& s = *server_;
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, json{{"status", "ok"}});
  });

  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto feeds = manager_->List();
    res.status = 200;
    res.set_content(FormatMetrics(feeds, rates_.Rates(), ReadProcessStats()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });

  s.Get("/api/v1/changefeeds", [this](const httplib::Request&, httplib::Response& res) {
    json items = json::array();
    auto rates = rates_.Rates();
    for (const auto& info : manager_->List()) {
      json item = InfoToJson(info);
      auto rate = rates.find(info.id);
      item["rows_per_second"] = rate == rates.end() ? 0.0 : rate->second;
      items.push_back(std::move(item));
    }
    Reply(res, 200, json{{"items", items}});
  });

  s.Post("/api/v1/changefeeds", [this](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> secrets;
    std::string body = req.body;
    if (console_ != nullptr) {
      auto resolved = ResolveChangefeedConnections(req.body, console_->connections, &secrets);
      if (!resolved.ok()) return ReplyError(res, resolved.status());
      body = std::move(resolved).value();
    }
    auto parsed = ParseChangefeedRequest(body, RequestKind::kCreate);
    if (!parsed.ok()) return ReplyError(res, parsed.status(), secrets);
    for (auto& sct : SecretsOf(parsed->config)) secrets.push_back(sct);
    auto info = manager_->Create(parsed->config, parsed->paused);
    if (!info.ok()) return ReplyError(res, info.status(), secrets);
    res.set_header("Location", "/api/v1/changefeeds/" + info->id);
    Reply(res, 201, InfoToJson(*info));
  });

  const std::string kOne = R"(/api/v1/changefeeds/([^/]+))";
  s.Get(kOne, [this](const httplib::Request& req, httplib::Response& res) {
    auto info = manager_->Get(PathParam(req));
    if (!info.ok()) return ReplyError(res, info.status());
    json body = InfoToJson(*info);
    auto rates = rates_.Rates();
    auto rate = rates.find(info->id);
    body["rows_per_second"] = rate == rates.end() ? 0.0 : rate->second;
    auto tables = manager_->TableCounts(info->id);
    if (tables.ok()) body["tables"] = TableCountsToJson(*tables);
    Reply(res, 200, body);
  });

  s.Get(kOne + "/history", [this](const httplib::Request& req, httplib::Response& res) {
    auto info = manager_->Get(PathParam(req));
    if (!info.ok()) return ReplyError(res, info.status());
    Reply(res, 200, HistoryToJson(history_.Get(info->id), history_.options()));
  });

  s.Put(kOne, [this](const httplib::Request& req, httplib::Response& res) {
    auto parsed = ParseChangefeedRequest(req.body, RequestKind::kUpdate, PathParam(req));
    if (!parsed.ok()) return ReplyError(res, parsed.status());
    auto secrets = SecretsOf(parsed->config);
    auto info = manager_->Update(parsed->config);
    if (!info.ok()) return ReplyError(res, info.status(), secrets);
    Reply(res, 200, InfoToJson(*info));
  });

  s.Delete(kOne, [this](const httplib::Request& req, httplib::Response& res) {
    std::string id = PathParam(req);
    auto st = manager_->Remove(id);
    if (!st.ok()) return ReplyError(res, st);
    Reply(res, 200, json{{"id", id}, {"removed", true}});
  });

  // Pause and resume are marked on the history when their route is called.
  using Action = base::Status (pipeline::ChangefeedManager::*)(const std::string&);
  struct DesiredRoute {
    const char* suffix;
    Action action;
    pipeline::DesiredState state;
  };
  for (auto route : {DesiredRoute{"/pause", &pipeline::ChangefeedManager::Pause,
                                  pipeline::DesiredState::kPaused},
                     DesiredRoute{"/resume", &pipeline::ChangefeedManager::Resume,
                                  pipeline::DesiredState::kRunning}}) {
    s.Post(kOne + route.suffix, [this, route](const httplib::Request& req, httplib::Response& res) {
      std::string id = PathParam(req);
      auto st = (manager_->*route.action)(id);
      if (!st.ok()) return ReplyError(res, st);
      history_.MarkDesired(id, route.state, UnixMs());
      auto info = manager_->Get(id);
      if (!info.ok()) return ReplyError(res, info.status());
      Reply(res, 200, InfoToJson(*info));
    });
  }
}

void ApiServer::EnableConsole(ConsoleContext* context) {
  console_ = context;
  if (context->changefeeds == nullptr) context->changefeeds = manager_;
  InstallConsoleRoutes(*server_, context);
}

base::Status ApiServer::Start() {
  if (started_) return base::FailedPrecondition("API server already started");
  int bound = -1;
  if (options_.port == 0) {
    bound = server_->bind_to_any_port(options_.host);
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    bound = options_.port;
  }
  if (bound <= 0) {
    return base::Unavailable(
        "cannot listen on {}:{} (address in use or not local); pick another --addr", options_.host,
        options_.port);
  }
  port_ = bound;
  started_ = true;
  listen_thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the listen loop runs; wait for it so Stop() cannot be lost.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  sampler_thread_ = std::thread([this] { SampleRates(); });
  base::Logger("api")->info("API listening on {}:{}{}", options_.host, port_,
                            options_.token.empty() ? "" : " (bearer token required)");
  return base::Status::Ok();
}

void ApiServer::SampleRates() {
  std::unique_lock<std::mutex> lock(sampler_mu_);
  while (!stopping_) {
    lock.unlock();
    auto now = RowRateTracker::Clock::now();
    std::vector<std::string> ids;
    auto feeds = manager_->List();
    for (const auto& info : feeds) {
      rates_.Record(info.id, info.rows_read, now);
      ids.push_back(info.id);
    }
    rates_.Retain(ids);
    history_.Observe(feeds, UnixMs());
    lock.lock();
    sampler_cv_.wait_for(lock, options_.rate_sample_interval, [this] { return stopping_; });
  }
}

void ApiServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(sampler_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  sampler_cv_.notify_all();
  if (sampler_thread_.joinable()) sampler_thread_.join();
  if (started_) server_->stop();
  if (listen_thread_.joinable()) listen_thread_.join();
}

}  // namespace sluice::api
