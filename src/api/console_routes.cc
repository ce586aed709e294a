#include "api/console_routes.h"

#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "api/connection_tester.h"
#include "api/http_reply.h"
#include "api/json_mapping.h"
#include "dispatch/topic_expression.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed_config.h"
#include "pipeline/uri_secrets.h"

namespace sluice::api {

namespace {

using nlohmann::json;

base::Result<json> ParseBody(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return base::InvalidArgument("request body must be a JSON object");
  }
  return j;
}

base::Result<std::map<std::string, std::string>> StringMap(const json& j, const char* field) {
  std::map<std::string, std::string> out;
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_object()) return base::InvalidArgument("field '{}' must be an object", field);
  for (auto o = it->begin(); o != it->end(); ++o) {
    if (o->is_string()) {
      out[o.key()] = o->get<std::string>();
    } else if (o->is_boolean()) {
      out[o.key()] = o->get<bool>() ? "true" : "false";
    } else if (o->is_number_integer()) {
      out[o.key()] = std::to_string(o->get<int64_t>());
    } else {
      return base::InvalidArgument("field '{}.{}' must be a string, number or boolean", field,
                                   o.key());
    }
  }
  return out;
}

base::Result<Connection> LoadConnection(ConnectionStore* store, const std::string& name,
                                        const char* field) {
  SLUICE_ASSIGN_OR_RETURN(auto c, store->Get(name));
  if (!c) {
    return base::InvalidArgument(
        "field '{}': no connection named '{}'; create it on the "
        "Connections page (POST /api/v1/connections)",
        field, name);
  }
  return *c;
}

// Saves after a passing test unless the body says "skip_test": true; a failing test answers 409
// with the checks.
void SaveConnection(ConsoleContext* ctx, const httplib::Request& req, httplib::Response& res,
                    bool create) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return ReplyError(res, body.status());
  std::string path_name = create ? "" : PathParam(req);
  auto conn = ParseConnectionJson(*body, path_name);
  if (!conn.ok()) return ReplyError(res, conn.status());
  auto existing = ctx->connections->Get(conn->name);
  if (!existing.ok()) return ReplyError(res, existing.status());
  if (create && *existing) {
    return ReplyError(
        res, base::InvalidArgument("field 'name': a connection named '{}' already exists; pick "
                                   "another name or edit it (PUT /api/v1/connections/{})",
                                   conn->name, conn->name));
  }
  if (!create && !*existing) {
    return ReplyError(res, base::NotFound("no connection named '{}'", path_name));
  }
  if (*existing) KeepStoredSecrets(**existing, &*conn);
  bool skip_test = false;
  if (auto st = ReadBool(*body, "skip_test", &skip_test); !st.ok()) return ReplyError(res, st);
  json test = nullptr;
  if (!skip_test) {
    auto checks = TestConnection(*conn);
    test = CheckResultsToJson(checks);
    if (!test["passed"].get<bool>()) {
      json err = ErrorJson(base::FailedPrecondition(
          "the connection test failed, so '{}' was not saved; fix the failed checks or save with "
          "\"skip_test\": true (the console's \"Save without a passing test\")",
          conn->name));
      err["error"]["test"] = test;
      return Reply(res, 409, err);
    }
  }
  auto saved = ctx->connections->Put(std::move(conn).value());
  if (!saved.ok()) return ReplyError(res, saved.status());
  ctx->schema->Forget(saved->name);
  json out = ConnectionToPublicJson(*saved);
  out["test"] = test;
  out["tested"] = !skip_test;
  if (create) res.set_header("Location", "/api/v1/connections/" + saved->name);
  Reply(res, create ? 201 : 200, out);
}

const char kNotBuiltPage[] = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>sluice</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>sluice server</h1>
<p>The API is up (<code>/api/v1/changefeeds</code>, <code>/metrics</code>), but the web console
is not built or not found.</p>
<p>Build it with <code>scripts/web.sh</code> (npm ci &amp;&amp; npm run build, output in
<code>build/web</code>), or start the server with <code>--console-dir DIR</code>.</p>
</body></html>
)";

}  // namespace

std::string DefaultConsoleDir() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("SLUICE_CONSOLE_DIR"); env && *env) candidates.push_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / ".." / ".." / "web");
    candidates.push_back(exe.parent_path() / ".." / "share" / "sluice" / "console");
  }
  for (const auto& c : candidates) {
    if (fs::exists(c / "index.html", ec)) return fs::weakly_canonical(c, ec).string();
  }
  return "";
}

base::Result<std::string> ResolveChangefeedConnections(std::string_view body,
                                                       ConnectionStore* store,
                                                       std::vector<std::string>* secrets) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::string(body);
  static const char* kFields[] = {"source_connection", "source_options", "sink_connection",
                                  "sink_topic", "sink_options"};
  bool any = false;
  for (const char* f : kFields) any = any || j.contains(f);
  if (!any) return std::string(body);
  if (j.contains("source_connection")) {
    if (j.contains("source_uri")) {
      return base::InvalidArgument("give either 'source_connection' or 'source_uri', not both");
    }
    if (!j["source_connection"].is_string()) {
      return base::InvalidArgument("field 'source_connection' must be a connection name");
    }
    SLUICE_ASSIGN_OR_RETURN(Connection c,
                            LoadConnection(store, j["source_connection"], "source_connection"));
    if (c.role != ConnectionRole::kSource) {
      return base::InvalidArgument(
          "field 'source_connection': connection '{}' is a target; pick a source connection",
          c.name);
    }
    SLUICE_ASSIGN_OR_RETURN(auto opts, StringMap(j, "source_options"));
    j["source_uri"] = ConnectionUri(c, opts);
    for (auto& s : ConnectionSecrets(c)) secrets->push_back(s);
  } else if (j.contains("source_options")) {
    return base::InvalidArgument("field 'source_options' needs 'source_connection'");
  }
  if (j.contains("sink_connection")) {
    if (j.contains("sink_uri")) {
      return base::InvalidArgument("give either 'sink_connection' or 'sink_uri', not both");
    }
    if (!j["sink_connection"].is_string()) {
      return base::InvalidArgument("field 'sink_connection' must be a connection name");
    }
    SLUICE_ASSIGN_OR_RETURN(Connection c,
                            LoadConnection(store, j["sink_connection"], "sink_connection"));
    if (c.role != ConnectionRole::kTarget) {
      return base::InvalidArgument(
          "field 'sink_connection': connection '{}' is a source; pick a target connection", c.name);
    }
    SLUICE_ASSIGN_OR_RETURN(auto opts, StringMap(j, "sink_options"));
    std::string topic;
    if (auto it = j.find("sink_topic"); it != j.end()) {
      if (!it->is_string()) return base::InvalidArgument("field 'sink_topic' must be a string");
      topic = it->get<std::string>();
    }
    j["sink_uri"] = ConnectionUri(c, opts, topic);
    for (auto& s : ConnectionSecrets(c)) secrets->push_back(s);
  } else if (j.contains("sink_options") || j.contains("sink_topic")) {
    return base::InvalidArgument("fields 'sink_options' and 'sink_topic' need 'sink_connection'");
  }
  for (const char* f : kFields) j.erase(f);
  return j.dump();
}

void InstallConsoleRoutes(httplib::Server& s, ConsoleContext* ctx) {
  s.Get("/api/v1/connections", [ctx](const httplib::Request&, httplib::Response& res) {
    auto list = ctx->connections->List();
    if (!list.ok()) return ReplyError(res, list.status());
    json items = json::array();
    for (const auto& c : *list) items.push_back(ConnectionToPublicJson(c));
    Reply(res, 200, json{{"items", items}});
  });
  s.Post("/api/v1/connections", [ctx](const httplib::Request& req, httplib::Response& res) {
    SaveConnection(ctx, req, res, /*create=*/true);
  });
  s.Post("/api/v1/connections/test", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req.body);
    if (!body.ok()) return ReplyError(res, body.status());
    if (!body->contains("name") || (*body)["name"] == "") (*body)["name"] = "unsaved";
    auto conn = ParseConnectionJson(*body);
    if (!conn.ok()) return ReplyError(res, conn.status());
    // Editing a saved connection: blank secrets mean "the stored ones".
    if (auto stored = ctx->connections->Get(conn->name); stored.ok() && *stored) {
      KeepStoredSecrets(**stored, &*conn);
    }
    auto checks = TestConnection(*conn);
    Reply(res, 200, CheckResultsToJson(checks));
  });

  const std::string kOne = R"(/api/v1/connections/([A-Za-z0-9._-]+))";
  s.Get(kOne, [ctx](const httplib::Request& req, httplib::Response& res) {
    auto c = ctx->connections->Get(PathParam(req));
    if (!c.ok()) return ReplyError(res, c.status());
    if (!*c) return ReplyError(res, base::NotFound("no connection named '{}'", PathParam(req)));
    Reply(res, 200, ConnectionToPublicJson(**c));
  });
  s.Put(kOne, [ctx](const httplib::Request& req, httplib::Response& res) {
    SaveConnection(ctx, req, res, /*create=*/false);
  });
  s.Delete(kOne, [ctx](const httplib::Request& req, httplib::Response& res) {
    auto st = ctx->connections->Delete(PathParam(req));
    if (!st.ok()) return ReplyError(res, st);
    ctx->schema->Forget(PathParam(req));
    Reply(res, 200, json{{"name", PathParam(req)}, {"removed", true}});
  });
  s.Post(kOne + "/test", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto c = ctx->connections->Get(PathParam(req));
    if (!c.ok()) return ReplyError(res, c.status());
    if (!*c) return ReplyError(res, base::NotFound("no connection named '{}'", PathParam(req)));
    Reply(res, 200, CheckResultsToJson(TestConnection(**c)));
  });
  s.Get(kOne + "/tables", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto l = ctx->schema->Get(PathParam(req));
    if (!l.ok()) return ReplyError(res, l.status());
    Reply(res, 200, TableListingToJson(*l, ctx->schema->ScheduleText(l->tables.size())));
  });
  s.Get(kOne + "/tables/([^/]+)/([^/]+)", [ctx](const httplib::Request& req,
                                                httplib::Response& res) {
    auto c = ctx->connections->Get(PathParam(req));
    if (!c.ok()) return ReplyError(res, c.status());
    if (!*c) return ReplyError(res, base::NotFound("no connection named '{}'", PathParam(req)));
    std::string schema = req.matches[2], table = req.matches[3];
    auto detail = DescribeTable(**c, schema, table);
    if (!detail.ok()) return ReplyError(res, detail.status(), ConnectionSecrets(**c));
    AssessCapture((*c)->kind, &*detail);
    std::vector<pipeline::ChangefeedInfo> feeds;
    if (ctx->changefeeds) feeds = ctx->changefeeds->List();
    Reply(res, 200, TableDetailToJson(*detail, CapturingChangefeeds(**c, schema, table, feeds)));
  });
  s.Post(kOne + "/tables/refresh", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto l = ctx->schema->Refresh(PathParam(req));
    if (!l.ok()) return ReplyError(res, l.status());
    Reply(res, 200, TableListingToJson(*l, ctx->schema->ScheduleText(l->tables.size())));
  });

  s.Post("/api/v1/topics/preview", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req.body);
    if (!body.ok()) return ReplyError(res, body.status());
    const json& j = *body;
    static const std::set<std::string> kFields = {"mode",       "prefix", "separator",
                                                  "suffix",     "topic",  "expression",
                                                  "connection", "tables", "limit"};
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!kFields.count(it.key())) {
        return ReplyError(res, base::InvalidArgument(
                                   "unknown field '{}'; fields are mode, prefix, separator, "
                                   "suffix, topic, expression, connection, tables, limit",
                                   it.key()));
      }
    }
    std::string mode, prefix, separator, suffix, topic, expression, connection;
    uint64_t limit = 50;
    using Field = std::pair<const char*, std::string*>;
    for (auto [key, out] : {Field{"mode", &mode}, Field{"prefix", &prefix},
                            Field{"separator", &separator}, Field{"suffix", &suffix},
                            Field{"topic", &topic}, Field{"expression", &expression},
                            Field{"connection", &connection}}) {
      if (auto st = ReadString(j, key, out); !st.ok()) return ReplyError(res, st);
    }
    if (auto st = ReadUInt(j, "limit", &limit); !st.ok()) return ReplyError(res, st);
    std::vector<std::pair<std::string, std::string>> tables;
    if (auto it = j.find("tables"); it != j.end() && !it->is_null()) {
      if (!it->is_array()) {
        return ReplyError(res, base::InvalidArgument(
                                   "field 'tables' must be an array of {{\"schema\", \"table\"}} "
                                   "objects, not {}",
                                   it->dump()));
      }
      for (size_t i = 0; i < it->size(); ++i) {
        const json& t = (*it)[i];
        std::string where = fmt::format("tables[{}]", i);
        if (!t.is_object()) {
          return ReplyError(res, base::InvalidArgument("field '{}' must be an object with "
                                                       "\"schema\" and \"table\", not {}",
                                                       where, t.dump()));
        }
        std::string schema, table;
        for (auto [key, out] : {Field{"schema", &schema}, Field{"table", &table}}) {
          if (auto st = ReadString(t, key, out, where + "." + key); !st.ok()) {
            return ReplyError(res, st);
          }
        }
        tables.emplace_back(std::move(schema), std::move(table));
      }
    }
    if (mode.empty()) mode = "table";
    std::string expr;
    if (mode == "table") {
      expr = dispatch::TopicExpression::ByTable(prefix, separator, suffix);
    } else if (mode == "database") {
      expr = dispatch::TopicExpression::ByDatabase(prefix, suffix);
    } else if (mode == "single") {
      expr = topic;
      if (expr.empty()) {
        return ReplyError(res, base::InvalidArgument("field 'topic' is required for one topic"));
      }
    } else if (mode == "expression") {
      expr = expression;
    } else {
      return ReplyError(
          res, base::InvalidArgument("field 'mode' ('{}') must be table, database, single or "
                                     "expression",
                                     mode));
    }
    auto parsed = dispatch::TopicExpression::Parse(expr);
    if (!parsed.ok()) {
      std::string field = mode == "single"       ? "topic"
                          : mode == "expression" ? "expression"
                                                 : "prefix";
      return ReplyError(res, parsed.status().WithContext("field '" + field + "'"));
    }
    if (!connection.empty() && tables.empty()) {
      auto l = ctx->schema->Get(connection);
      if (!l.ok()) return ReplyError(res, l.status());
      for (const auto& t : l->tables) tables.emplace_back(t.schema, t.table);
    }
    json topics = json::array();
    std::set<std::string> distinct;
    for (const auto& [schema, table] : tables) {
      std::string name = parsed->Substitute(schema, table);
      distinct.insert(name);
      if (topics.size() < limit) {
        topics.push_back({{"schema", schema}, {"table", table}, {"topic", name}});
      }
    }
    Reply(res, 200,
          json{{"expression", expr},
               {"topics", topics},
               {"tables", tables.size()},
               {"distinct_topics", distinct.size()}});
  });

  s.Post("/api/v1/changefeeds/validate",
         [ctx](const httplib::Request& req, httplib::Response& res) {
           std::vector<std::string> secrets;
           auto body = ResolveChangefeedConnections(req.body, ctx->connections, &secrets);
           if (!body.ok()) return ReplyError(res, body.status());
           auto parsed = ParseChangefeedRequest(*body, RequestKind::kCreate);
           if (!parsed.ok()) return ReplyError(res, parsed.status(), secrets);
           for (auto& sct : SecretsOf(parsed->config)) secrets.push_back(sct);
           auto built = pipeline::BuildChangefeed(parsed->config);
           if (!built.ok()) return ReplyError(res, built.status(), secrets);
           Reply(res, 200,
                 json{{"valid", true},
                      {"source_uri", pipeline::MaskUriSecrets(parsed->config.source_uri)},
                      {"sink_uri", pipeline::MaskUriSecrets(parsed->config.sink_uri)},
                      {"config_toml", pipeline::ChangefeedToml(parsed->config)}});
         });

  if (!ctx->static_dir.empty() && s.set_mount_point("/", ctx->static_dir)) return;
  s.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(kNotBuiltPage, "text/html; charset=utf-8");
  });
}

}  // namespace sluice::api
