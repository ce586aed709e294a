#include "cli/server_command.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "api/api_server.h"
#include "api/auth.h"
#include "base/logging.h"
#include "pipeline/changefeed_manager.h"
#include "pipeline/sqlite_state_store.h"

namespace sluice::cli {

namespace {

int Fail(const base::Status& st) {
  std::fprintf(stderr, "sluice: error: %s\n", st.message().c_str());
  return 1;
}

}  // namespace

CLI::App* AddServerCommand(CLI::App* app, ServerFlags* flags) {
  auto* cmd = app->add_subcommand(
      "server", "Run a sluice server: changefeeds in <state-dir>/sluice.db, managed over HTTP");
  cmd->add_option(
         "--addr", flags->addr,
         "Listen address host:port (port 0 = any free port); beyond loopback needs --token")
      ->capture_default_str();
  cmd->add_option("--state-dir", flags->state_dir, "Directory of the state database (sluice.db)")
      ->capture_default_str();
  cmd->add_option("--token", flags->token,
                  "API token; clients send 'Authorization: Bearer <token>'")
      ->envname("SLUICE_API_TOKEN");
  return cmd;
}

int RunServer(const ServerFlags& flags) {
  auto log = base::Logger("server");
  api::ApiOptions options;
  if (auto st = api::SplitHostPort(flags.addr, "--addr", &options.host, &options.port); !st.ok()) {
    return Fail(st);
  }
  options.token = flags.token;
  if (auto st = api::CheckListenSecurity(options.host, options.token); !st.ok()) return Fail(st);

  // Signals are taken synchronously by this thread (sigwait); every thread started from here
  // on inherits the blocked mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(flags.state_dir, ec);
  if (ec) {
    return Fail(base::FailedPrecondition("cannot create --state-dir {}: {}", flags.state_dir,
                                         ec.message()));
  }
  std::string db_path = (std::filesystem::path(flags.state_dir) / "sluice.db").string();
  auto store = pipeline::SqliteStateStore::Open(db_path);
  if (!store.ok()) return Fail(store.status());

  pipeline::ChangefeedManager manager(store->get(), pipeline::ChangefeedFactory(),
                                      pipeline::ResolveStartPosition);
  if (auto st = manager.Recover(); !st.ok()) return Fail(st);

  auto server = api::ApiServer::Create(options, &manager);
  if (!server.ok()) return Fail(server.status());
  if (auto st = (*server)->Start(); !st.ok()) return Fail(st);

  std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::printf("sluice server listening on http://%s:%d\n", host.c_str(), (*server)->port());
  std::fflush(stdout);
  log->info("sluice server ready: state {}, API http://{}:{}", db_path, host, (*server)->port());

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("received {}; stopping the API and the changefeeds (final checkpoints)",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  manager.Shutdown();
  log->info("sluice server stopped");
  return 0;
}

}  // namespace sluice::cli
