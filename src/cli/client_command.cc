#include "cli/client_command.h"

#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/status.h"
#include "pipeline/changefeed_config.h"

namespace sluice::cli {

namespace {

using nlohmann::json;

int Fail(const std::string& message) {
  std::fprintf(stderr, "sluice: error: %s\n", message.c_str());
  return 1;
}

void Print(const json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

// One HTTP exchange; on success `out` holds the parsed JSON answer.
base::Status Call(const ClientFlags& f, const std::string& method, const std::string& path,
                  const json* body, json* out) {
  httplib::Client client(f.server);
  if (!client.is_valid()) {
    return base::InvalidArgument("--server '{}' is not a valid URL; use http://host:port",
                                 f.server);
  }
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(60, 0);  // pause waits for a final checkpoint
  if (!f.token.empty()) client.set_bearer_token_auth(f.token);
  std::string payload = body ? body->dump() : std::string();
  httplib::Result r = method == "GET"    ? client.Get(path.c_str())
                      : method == "POST" ? client.Post(path.c_str(), payload, "application/json")
                      : method == "PUT"  ? client.Put(path.c_str(), payload, "application/json")
                                         : client.Delete(path.c_str());
  if (!r) {
    return base::Unavailable(
        "cannot reach the sluice server at {} ({}); start it with `sluice server` or pass "
        "--server",
        f.server, httplib::to_string(r.error()));
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status >= 400) {
    if (!j.is_discarded() && j.contains("error") && j["error"].contains("message")) {
      return base::Status(base::Code::kInvalidArgument, j["error"]["message"].get<std::string>());
    }
    return base::Unavailable("server answered HTTP {} to {} {}", r->status, method, path);
  }
  if (j.is_discarded()) {
    return base::Internal("server answered {} {} with non-JSON", method, path);
  }
  *out = std::move(j);
  return base::Status::Ok();
}

base::Result<std::string> ReadConfigFile(const std::string& path) {
  // Validate locally first so errors name the file.
  pipeline::ChangefeedConfig scratch;
  SLUICE_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path, "config file"));
  SLUICE_RETURN_IF_ERROR(pipeline::ApplyChangefeedToml(text, path, &scratch));
  return text;
}

std::string PathOf(const std::string& id) { return "/api/v1/changefeeds/" + id; }

}  // namespace

CLI::App* ClientCommand::Add(CLI::App* app) {
  cli_ = app->add_subcommand("cli", "Manage the changefeeds of a running sluice server");
  cli_->require_subcommand(1);
  cli_->fallthrough();
  cli_->add_option("--server", flags_.server, "sluice server URL")
      ->envname("SLUICE_SERVER")
      ->capture_default_str();
  cli_->add_option("--token", flags_.token, "API token of the server")->envname("SLUICE_API_TOKEN");
  auto* cf =
      cli_->add_subcommand("changefeed", "Create, list, query, pause, resume, update, remove");
  cf->require_subcommand(1);
  cf->fallthrough();

  auto id = [this](CLI::App* c) {
    c->add_option("--id", flags_.id, "Changefeed id")->required();
    c->fallthrough();
  };
  create_ = cf->add_subcommand("create", "Create (and start unless --paused) a changefeed");
  id(create_);
  create_->add_option("--source", flags_.source, "Source URI (mysql://...)")->required();
  create_->add_option("--sink", flags_.sink, "Sink URI (kafka://...)")->required();
  create_->add_option("--config", flags_.config_file, "Changefeed TOML ([filter], [sink])");
  create_->add_option("--filter", flags_.filter, "Table filter rule(s), e.g. 'shop.*'");
  create_->add_flag("--paused", flags_.paused, "Create without starting");

  list_ = cf->add_subcommand("list", "List changefeeds");
  list_->fallthrough();
  get_ = cf->add_subcommand("get", "Show one changefeed (state, checkpoint, lag, counters)");
  get_->alias("query");
  id(get_);
  pause_ = cf->add_subcommand("pause", "Stop a changefeed after a final checkpoint");
  id(pause_);
  resume_ = cf->add_subcommand("resume", "Start a paused changefeed from its checkpoint");
  id(resume_);
  update_ = cf->add_subcommand("update", "Change a paused changefeed's definition");
  id(update_);
  update_->add_option("--source", flags_.source, "New source URI");
  update_->add_option("--sink", flags_.sink, "New sink URI");
  update_->add_option("--config", flags_.config_file, "New changefeed TOML ([filter], [sink])");
  update_->add_option("--filter", flags_.filter, "New table filter rule(s)");
  remove_ = cf->add_subcommand("remove", "Stop and delete a changefeed and its checkpoint");
  id(remove_);
  return cli_;
}

bool ClientCommand::parsed() const { return cli_ != nullptr && cli_->parsed(); }

int ClientCommand::Run() {
  json out;
  base::Status st;
  if (create_->parsed()) {
    json body = {{"id", flags_.id},
                 {"source_uri", flags_.source},
                 {"sink_uri", flags_.sink},
                 {"paused", flags_.paused}};
    if (!flags_.config_file.empty()) {
      auto text = ReadConfigFile(flags_.config_file);
      if (!text.ok()) return Fail(text.status().message());
      body["config_toml"] = *text;
    }
    if (!flags_.filter.empty()) body["filter_rules"] = flags_.filter;
    st = Call(flags_, "POST", "/api/v1/changefeeds", &body, &out);
  } else if (list_->parsed()) {
    st = Call(flags_, "GET", "/api/v1/changefeeds", nullptr, &out);
  } else if (get_->parsed()) {
    st = Call(flags_, "GET", PathOf(flags_.id), nullptr, &out);
  } else if (pause_->parsed()) {
    st = Call(flags_, "POST", PathOf(flags_.id) + "/pause", nullptr, &out);
  } else if (resume_->parsed()) {
    st = Call(flags_, "POST", PathOf(flags_.id) + "/resume", nullptr, &out);
  } else if (remove_->parsed()) {
    st = Call(flags_, "DELETE", PathOf(flags_.id), nullptr, &out);
  } else if (update_->parsed()) {
    // Fetch, apply the changes, PUT the whole definition. Masked passwords ("****") in the
    // fetched URIs are kept by the server.
    json current;
    st = Call(flags_, "GET", PathOf(flags_.id), nullptr, &current);
    if (!st.ok()) return Fail(st.message());
    json body = {
        {"id", flags_.id},
        {"source_uri", flags_.source.empty() ? current["source_uri"] : json(flags_.source)},
        {"sink_uri", flags_.sink.empty() ? current["sink_uri"] : json(flags_.sink)}};
    if (!flags_.config_file.empty()) {
      auto text = ReadConfigFile(flags_.config_file);
      if (!text.ok()) return Fail(text.status().message());
      body["config_toml"] = *text;  // replaces filter rules and dispatchers
    } else {
      body["filter_rules"] = current["filter_rules"];
      body["case_sensitive"] = current.value("case_sensitive", false);
      body["dispatchers"] = current["dispatchers"];
    }
    if (!flags_.filter.empty()) body["filter_rules"] = flags_.filter;
    st = Call(flags_, "PUT", PathOf(flags_.id), &body, &out);
  } else {
    return Fail("choose a command: sluice cli changefeed --help");
  }
  if (!st.ok()) return Fail(st.message());
  Print(out);
  return 0;
}

}  // namespace sluice::cli
