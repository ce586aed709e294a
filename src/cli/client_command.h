// `sluice cli changefeed ...`: a client of the sluice server's REST API (httplib::Client).
//
// Prints the server's JSON answers pretty-printed on stdout; errors print one line,
// "sluice: error: <message>", and return 1.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sluice::cli {

struct ClientFlags {
  std::string server = "http://127.0.0.1:8300";
  std::string token;
  std::string id;
  std::string source;
  std::string sink;
  std::string config_file;
  std::vector<std::string> filter;
  bool paused = false;
};

class ClientCommand {
 public:
  // Registers `cli changefeed create|list|get|query|pause|resume|update|remove`.
  CLI::App* Add(CLI::App* app);
  // True when one of its subcommands was parsed; then Run() executes it.
  bool parsed() const;
  int Run();

 private:
  ClientFlags flags_;
  CLI::App* cli_ = nullptr;
  CLI::App *create_ = nullptr, *list_ = nullptr, *get_ = nullptr, *pause_ = nullptr,
           *resume_ = nullptr, *update_ = nullptr, *remove_ = nullptr;
};

}  // namespace sluice::cli
