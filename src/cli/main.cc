// sluice command-line entry point: the composition root for one-process use.
//
//   sluice run     --source URI --sink URI [--config cf.toml] [--id ID] [--state-dir DIR]
//   sluice check   --source URI --sink URI [--config cf.toml]
//   sluice consume --brokers HOST:PORT --topic T [--max N] [--timeout SEC]
//   sluice server  [--addr 127.0.0.1:8300] [--state-dir DIR] [--token T]
//   sluice cli     [--server URL] [--token T] changefeed create|list|get|pause|resume|update|remove
//   sluice diff    --left URI --right URI --table db.t [--key k1,k2]
//   sluice version
//
// Errors print one line, "sluice: error: <what is wrong and how to fix it>", and exit 1
// (2 for command-line usage errors).
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/logging.h"
#include "cli/client_command.h"
#include "cli/diff_command.h"
#include "cli/server_command.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/changefeed_config.h"
#include "pipeline/checkpoint_store.h"
#include "client/kafka/topic_reader.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

int Fail(const sluice::base::Status& st) {
  std::fprintf(stderr, "sluice: error: %s\n", st.message().c_str());
  return 1;
}

struct CommonFlags {
  std::string source;
  std::string sink;
  std::string config_file;
  std::string id = "default";
  std::vector<std::string> filter;
};

void AddChangefeedFlags(CLI::App* cmd, CommonFlags* f) {
  cmd->add_option("--source", f->source,
                  "Source URI, e.g. mysql://user:password@127.0.0.1:3306/?start=now")
      ->envname("SLUICE_SOURCE");
  cmd->add_option("--sink", f->sink,
                  "Sink URI, e.g. kafka://127.0.0.1:9092/topic?protocol=canal-json")
      ->envname("SLUICE_SINK");
  cmd->add_option("--config", f->config_file,
                  "Changefeed TOML ([filter] rules, [sink] dispatchers)");
  cmd->add_option("--id", f->id, "Changefeed id (names its checkpoint)");
  cmd->add_option("--filter", f->filter, "Table filter rule(s), e.g. 'shop.*' '!shop.tmp_*'");
}

sluice::base::Result<sluice::pipeline::ChangefeedConfig> ConfigFrom(const CommonFlags& f) {
  sluice::pipeline::ChangefeedConfig c;
  c.id = f.id;
  c.source_uri = f.source;
  c.sink_uri = f.sink;
  if (!f.config_file.empty()) {
    SLUICE_RETURN_IF_ERROR(sluice::pipeline::LoadChangefeedTomlFile(f.config_file, &c));
  }
  if (!f.filter.empty()) c.filter_rules = f.filter;
  return c;
}

int RunCommand(const CommonFlags& flags, const std::string& state_dir) {
  auto config = ConfigFrom(flags);
  if (!config.ok()) return Fail(config.status());
  auto built = sluice::pipeline::BuildChangefeed(*config);
  if (!built.ok()) return Fail(built.status());
  sluice::pipeline::FileCheckpointStore store(state_dir);
  // First run of this id: pin the configured start (start=now, earliest, a GTID, a slot) to a
  // concrete position and store it as the checkpoint before streaming, so that a run that dies
  // before its first checkpoint resumes there instead of at a later "now" (which would skip
  // the rows in between). `sluice server` does the same when a changefeed is created.
  auto saved = store.Load(config->id);
  if (!saved.ok()) return Fail(saved.status());
  if (!saved->has_value()) {
    auto start = sluice::pipeline::ResolveStartPosition(*config);
    if (!start.ok()) return Fail(start.status());
    if (!start->empty()) {
      if (auto st = store.Save(config->id, *start); !st.ok()) return Fail(st);
    }
  }
  sluice::pipeline::Changefeed feed(built->options, built->factory, &store);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto log = sluice::base::Logger("cli");
  std::thread reporter([&] {
    uint64_t last_read = 0, last_delivered = 0;
    auto next = std::chrono::steady_clock::now();
    while (!g_stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (std::chrono::steady_clock::now() < next) continue;
      next += std::chrono::seconds(10);
      log->info("{}", sluice::pipeline::StatusLine(feed, flags.id, last_read, last_delivered));
      last_read = feed.stats().rows_read.load();
      last_delivered = feed.stats().rows_delivered.load();
    }
  });
  auto st = feed.Run(&g_stop);
  g_stop.store(true);
  reporter.join();
  if (!st.ok()) return Fail(st);
  auto cp = feed.checkpoint();
  log->info("changefeed {} stopped; checkpoint {}", flags.id,
            cp ? cp->Serialize() : std::string("-"));
  return 0;
}

int CheckCommand(const CommonFlags& flags) {
  auto config = ConfigFrom(flags);
  if (!config.ok()) return Fail(config.status());
  auto st = sluice::pipeline::CheckChangefeed(*config);
  if (!st.ok()) return Fail(st);
  std::printf("ok: source and sink are ready for a changefeed\n");
  return 0;
}

int ConsumeCommand(const std::string& brokers, const std::string& topic, size_t max, int timeout_s,
                   bool with_meta) {
  auto reader = sluice::client::kafka::TopicReader::Create(brokers);
  if (!reader.ok()) return Fail(reader.status());
  sluice::client::kafka::ReadLimits limits;
  limits.max_messages = max;
  limits.timeout = std::chrono::seconds(timeout_s);
  auto msgs = (*reader)->ReadAll(topic, limits);
  if (!msgs.ok()) return Fail(msgs.status());
  for (const auto& m : *msgs) {
    if (with_meta) std::printf("[p%d@%lld] ", m.partition, static_cast<long long>(m.offset));
    std::fwrite(m.value.data(), 1, m.value.size(), stdout);
    std::fputc('\n', stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluice: change data capture from MariaDB/MySQL into Kafka"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  CommonFlags run_flags;
  std::string state_dir = "./sluice-state";
  auto* run = app.add_subcommand("run", "Run one changefeed until interrupted (Ctrl-C)");
  AddChangefeedFlags(run, &run_flags);
  run->add_option("--state-dir", state_dir, "Directory for checkpoints")->capture_default_str();

  CommonFlags check_flags;
  auto* check = app.add_subcommand("check", "Check that source and sink are ready, then exit");
  AddChangefeedFlags(check, &check_flags);

  std::string brokers, topic;
  size_t max = 0;
  int timeout_s = 30;
  bool with_meta = false;
  auto* consume = app.add_subcommand("consume", "Print the messages of a Kafka topic");
  consume->add_option("--brokers", brokers, "host:port[,host:port]")->required();
  consume->add_option("--topic", topic, "Topic to read")->required();
  consume->add_option("--max", max, "Stop after N messages (0 = all)");
  consume->add_option("--timeout", timeout_s, "Seconds to wait for the end of the topic");
  consume->add_flag("--with-meta", with_meta, "Prefix each message with [p<partition>@<offset>]");

  sluice::cli::ServerFlags server_flags;
  auto* server = sluice::cli::AddServerCommand(&app, &server_flags);
  sluice::cli::ClientCommand client;
  client.Add(&app);

  sluice::cli::DiffFlags diff_flags;
  auto* diff = sluice::cli::AddDiffCommand(&app, &diff_flags);

  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  sluice::base::SetLogLevel(log_level);

  if (run->parsed()) return RunCommand(run_flags, state_dir);
  if (check->parsed()) return CheckCommand(check_flags);
  if (consume->parsed()) return ConsumeCommand(brokers, topic, max, timeout_s, with_meta);
  if (server->parsed()) return sluice::cli::RunServer(server_flags);
  if (client.parsed()) return client.Run();
  if (diff->parsed()) return sluice::cli::RunDiff(diff_flags);
  std::printf("sluice %s\n", SLUICE_VERSION);
  return 0;
}
