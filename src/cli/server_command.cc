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
  cmd->add_option("--console-dir", flags->console_dir,
                  "Directory of the built web console (default: $SLUICE_CONSOLE_DIR, else "
                  "<binary>/../../web in a build tree, else <binary>/../share/sluice/console)");
  cmd->add_option("--schema-refresh-daily-at", flags->schema_daily_at,
                  "HH:MM (UTC) of the daily schema-browser refresh of connections with more than "
                  "10,000 tables (smaller ones refresh hourly)")
      ->capture_default_str();
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

  // The web console: saved connections (same database file), the schema browser, static files.
  int hh = -1, mm = -1;
  if (std::sscanf(flags.schema_daily_at.c_str(), "%d:%d", &hh, &mm) != 2 || hh < 0 || hh > 23 ||
      mm < 0 || mm > 59) {
    return Fail(base::InvalidArgument("--schema-refresh-daily-at '{}' must be HH:MM, e.g. 02:00",
                                      flags.schema_daily_at));
  }
  auto connections = api::ConnectionStore::Open(db_path);
  if (!connections.ok()) return Fail(connections.status());
  api::SchemaBrowserOptions schema_options;
  schema_options.daily_at_minutes = hh * 60 + mm;
  api::SchemaBrowser schema(connections->get(), schema_options);
  api::ConsoleContext console;
  console.connections = connections->get();
  console.schema = &schema;
  console.static_dir = flags.console_dir.empty() ? api::DefaultConsoleDir() : flags.console_dir;
  if (!flags.console_dir.empty() &&
      !std::filesystem::exists(std::filesystem::path(flags.console_dir) / "index.html")) {
    return Fail(base::InvalidArgument(
        "--console-dir {} has no index.html; build the console with scripts/web.sh",
        flags.console_dir));
  }
  (*server)->EnableConsole(&console);
  if (console.static_dir.empty()) {
    log->warn("web console not found (build it with scripts/web.sh, or pass --console-dir)");
  } else {
    log->info("web console from {}", console.static_dir);
  }
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
