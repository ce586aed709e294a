// `sluice server`: runs the changefeeds of a state directory and serves the REST API until
// SIGINT/SIGTERM, then stops every changefeed after a final checkpoint.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace sluice::cli {

struct ServerFlags {
  std::string addr = "127.0.0.1:8300";
  std::string state_dir = "./sluice-state";
  std::string token;
  std::string console_dir;                // empty = api::DefaultConsoleDir()
  std::string schema_daily_at = "02:00";  // UTC time of the daily schema refresh (>10,000 tables)
};

CLI::App* AddServerCommand(CLI::App* app, ServerFlags* flags);
int RunServer(const ServerFlags& flags);

}  // namespace sluice::cli
