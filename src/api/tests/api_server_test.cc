// ApiServer over a real ChangefeedManager whose changefeeds are built from fake parts
// (a ticking source, a trivial encoder, an in-memory sink), served on an ephemeral port and
// called with httplib::Client.
#include "api/api_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "pipeline/message_emitter.h"

namespace sluice::api {
namespace {

using nlohmann::json;

// Emits one transaction of two rows of db.t per Read, at most every 5 ms, forever.
class TickingSource : public source::Source {
 public:
  base::Status Open(const model::SourcePosition& start) override {
    next_ = start.empty() ? 1 : start.binlog.offset / 100 + 1;
    auto t = std::make_shared<model::TableSchema>();
    t->schema = "db";
    t->table = "t";
    t->columns.resize(1);
    t->columns[0].name = "id";
    table_ = t;
    return base::Status::Ok();
  }
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t,
                    std::chrono::milliseconds) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    uint64_t txn = next_++;
    for (int r = 0; r < 2; ++r) {
      model::ChangeEvent ev;
      ev.kind = model::ChangeEvent::Kind::kRow;
      ev.txn.commit_ts = txn;
      ev.row.table = table_;
      ev.row.after = {model::Value::Int(static_cast<int64_t>(txn * 10 + r))};
      out->push_back(std::move(ev));
    }
    model::ChangeEvent commit;
    commit.kind = model::ChangeEvent::Kind::kCommit;
    commit.txn.commit_ts = txn;
    commit.position.binlog = {"bin.000001", txn * 100};
    out->push_back(std::move(commit));
    return base::Status::Ok();
  }
  void Close() override {}

 private:
  uint64_t next_ = 1;
  model::TableSchemaPtr table_;
};

class FakeEncoder : public codec::Encoder {
 public:
  base::Status EncodeRow(const model::RowChange& row, const model::TxnInfo&,
                         codec::Message* out) override {
    out->value = std::to_string(row.after[0].as_int());
    return base::Status::Ok();
  }
  base::Status EncodeDdl(const model::DdlEvent&, const model::TxnInfo&, codec::Message*) override {
    return base::Status::Ok();
  }
  bool EncodeWatermark(uint64_t, codec::Message*) override { return false; }
};

class AckingSink : public sink::Sink {
 public:
  explicit AckingSink(sink::DeliveryCallback cb) : cb_(std::move(cb)) {}
  base::Result<int32_t> PrepareTopic(const std::string&) override { return 1; }
  base::Status Produce(const std::string&, int32_t, codec::Message, uint64_t token) override {
    pending_.push_back(token);
    return base::Status::Ok();
  }
  void Poll(int) override {
    for (auto t : pending_) cb_(t, base::Status::Ok());
    pending_.clear();
  }
  base::Status Flush(int) override {
    Poll(0);
    return base::Status::Ok();
  }

 private:
  sink::DeliveryCallback cb_;
  std::vector<uint64_t> pending_;
};

class MemoryStateStore : public pipeline::StateStore {
 public:
  base::Result<std::optional<model::SourcePosition>> Load(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = checkpoints_.find(id);
    if (it == checkpoints_.end()) return std::optional<model::SourcePosition>();
    return std::optional<model::SourcePosition>(it->second);
  }
  base::Status Save(const std::string& id, const model::SourcePosition& p) override {
    std::lock_guard<std::mutex> l(mu_);
    checkpoints_[id] = p;
    return base::Status::Ok();
  }
  base::Status Remove(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    checkpoints_.erase(id);
    return base::Status::Ok();
  }
  base::Result<std::optional<pipeline::ChangefeedRecord>> GetChangefeed(
      const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = records_.find(id);
    if (it == records_.end()) return std::optional<pipeline::ChangefeedRecord>();
    return std::optional<pipeline::ChangefeedRecord>(it->second);
  }
  base::Result<std::vector<pipeline::ChangefeedRecord>> ListChangefeeds() override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<pipeline::ChangefeedRecord> out;
    for (auto& [id, r] : records_) out.push_back(r);
    return out;
  }
  base::Status PutChangefeed(const pipeline::ChangefeedRecord& r) override {
    std::lock_guard<std::mutex> l(mu_);
    records_[r.config.id] = r;
    return base::Status::Ok();
  }
  base::Status DeleteChangefeed(const std::string& id) override {
    std::lock_guard<std::mutex> l(mu_);
    records_.erase(id);
    checkpoints_.erase(id);
    return base::Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, pipeline::ChangefeedRecord> records_;
  std::map<std::string, model::SourcePosition> checkpoints_;
};

// Builds fake parts; a source URI containing "unavailable" fails validation with Unavailable.
base::Result<pipeline::BuiltChangefeed> FakeFactory(const pipeline::ChangefeedConfig& config) {
  if (config.source_uri.find("unavailable") != std::string::npos) {
    return base::Unavailable("source {} is down", config.source_uri);
  }
  if (config.source_uri.rfind("mysql://", 0) != 0) {
    return base::InvalidArgument("source URI must start with mysql://");
  }
  pipeline::BuiltChangefeed built;
  built.options.id = config.id;
  built.options.checkpoint_interval = std::chrono::milliseconds(20);
  built.factory.source = []() -> base::Result<std::unique_ptr<source::Source>> {
    return std::unique_ptr<source::Source>(std::make_unique<TickingSource>());
  };
  built.factory.emitter =
      [](sink::DeliveryCallback cb) -> base::Result<std::unique_ptr<pipeline::Emitter>> {
    return std::unique_ptr<pipeline::Emitter>(std::make_unique<pipeline::MessageEmitter>(
        pipeline::MessageEmitterOptions{}, std::make_unique<FakeEncoder>(),
        std::make_unique<dispatch::EventRouter>(*dispatch::EventRouter::Create("t", {})),
        std::make_unique<AckingSink>(std::move(cb)), nullptr));
  };
  return built;
}

constexpr char kSourcePassword[] = "hunter2-src-secret";
constexpr char kSinkPassword[] = "kafka-sasl-secret-77";

std::string SourceUri() {
  return std::string("mysql://sluice:") + kSourcePassword + "@127.0.0.1:3306/?start=now";
}
std::string SinkUri() {
  return std::string("kafka://127.0.0.1:9092/cdc?protocol=canal-json&sasl-user=u&sasl-password=") +
         kSinkPassword;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void StartServer(ApiOptions options = {}) {
    options.port = 0;
    options.rate_sample_interval = std::chrono::milliseconds(50);
    manager_ = std::make_unique<pipeline::ChangefeedManager>(&store_, FakeFactory);
    auto server = ApiServer::Create(options, manager_.get());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (manager_) manager_->Shutdown();
  }

  // Every response body passes through here so secrets can be checked once.
  json Call(const std::string& method, const std::string& path, int want_status,
            const std::string& body = "") {
    httplib::Result r = method == "GET"    ? client_->Get(path.c_str())
                        : method == "POST" ? client_->Post(path.c_str(), body, "application/json")
                        : method == "PUT"  ? client_->Put(path.c_str(), body, "application/json")
                                           : client_->Delete(path.c_str());
    EXPECT_TRUE(r) << method << " " << path << ": " << httplib::to_string(r.error());
    if (!r) return json();
    EXPECT_EQ(r->status, want_status) << method << " " << path << ": " << r->body;
    EXPECT_EQ(r->body.find(kSourcePassword), std::string::npos) << r->body;
    EXPECT_EQ(r->body.find(kSinkPassword), std::string::npos) << r->body;
    if (path == "/metrics") return json(r->body);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->body;
    return j;
  }

  json CreateBody(const std::string& id, bool paused = false) {
    return json{{"id", id},
                {"source_uri", SourceUri()},
                {"sink_uri", SinkUri()},
                {"filter_rules", {"db.*"}},
                {"case_sensitive", true},
                {"paused", paused}};
  }

  // Polls GET until `pred` holds or 10 s pass.
  json WaitFor(const std::string& id, const std::function<bool(const json&)>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    json info;
    while (std::chrono::steady_clock::now() < deadline) {
      info = Call("GET", "/api/v1/changefeeds/" + id, 200);
      if (pred(info)) return info;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "condition not met; last info: " << info.dump();
    return info;
  }

  MemoryStateStore store_;
  std::unique_ptr<pipeline::ChangefeedManager> manager_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiServerTest, HealthzAndUnknownRoute) {
  StartServer();
  EXPECT_EQ(Call("GET", "/healthz", 200), (json{{"status", "ok"}}));
  json err = Call("GET", "/api/v1/nothing", 404);
  EXPECT_EQ(err["error"]["code"], "NOT_FOUND");
}

TEST_F(ApiServerTest, FullLifecycle) {
  StartServer();
  json created = Call("POST", "/api/v1/changefeeds", 201, CreateBody("orders").dump());
  EXPECT_EQ(created["id"], "orders");
  EXPECT_EQ(created["desired"], "running");
  EXPECT_EQ(created["filter_rules"], json({"db.*"}));
  EXPECT_EQ(created["case_sensitive"], true);  // returned, so `cli update` can keep it
  EXPECT_NE(created["source_uri"].get<std::string>().find("sluice"), std::string::npos);

  // Running: checkpoint and rows advance, state normal.
  json info = WaitFor("orders", [](const json& j) {
    return j["state"] == "normal" && j["counters"]["rows"].get<uint64_t>() >= 10 &&
           !j["checkpoint"].get<std::string>().empty();
  });
  std::string first_checkpoint = info["checkpoint"];
  WaitFor("orders", [&](const json& j) { return j["checkpoint"] != first_checkpoint; });

  json list = Call("GET", "/api/v1/changefeeds", 200);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["id"], "orders");

  // Duplicate id.
  json dup = Call("POST", "/api/v1/changefeeds", 400, CreateBody("orders").dump());
  EXPECT_EQ(dup["error"]["code"], "INVALID_ARGUMENT");

  // Update needs a paused changefeed.
  json upd = CreateBody("orders");
  upd.erase("paused");
  upd["filter_rules"] = {"db.t"};
  json refused = Call("PUT", "/api/v1/changefeeds/orders", 409, upd.dump());
  EXPECT_EQ(refused["error"]["code"], "FAILED_PRECONDITION");

  // Pause: the row counter stops moving.
  json paused = Call("POST", "/api/v1/changefeeds/orders/pause", 200);
  EXPECT_EQ(paused["desired"], "paused");
  EXPECT_EQ(paused["state"], "stopped");
  uint64_t rows_at_pause = Call("GET", "/api/v1/changefeeds/orders", 200)["counters"]["rows"];
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  json still = Call("GET", "/api/v1/changefeeds/orders", 200);
  EXPECT_EQ(still["counters"]["rows"].get<uint64_t>(), rows_at_pause);

  // /metrics agrees with GET while paused (counters are stable).
  std::string metrics = Call("GET", "/metrics", 200).get<std::string>();
  EXPECT_NE(metrics.find("sluice_changefeed_rows_total{changefeed=\"orders\"} " +
                         std::to_string(rows_at_pause) + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sluice_changefeed_state{changefeed=\"orders\",state=\"stopped\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("process_resident_memory_bytes "), std::string::npos);

  // Update while paused; the masked password sent back keeps the stored one.
  upd["source_uri"] = created["source_uri"];
  upd["sink_uri"] = created["sink_uri"];
  json updated = Call("PUT", "/api/v1/changefeeds/orders", 200, upd.dump());
  EXPECT_EQ(updated["filter_rules"], json({"db.t"}));
  EXPECT_EQ(updated["desired"], "paused");

  // Resume: rows move again.
  json resumed = Call("POST", "/api/v1/changefeeds/orders/resume", 200);
  EXPECT_EQ(resumed["desired"], "running");
  WaitFor("orders", [&](const json& j) {
    return j["state"] == "normal" && j["counters"]["rows"].get<uint64_t>() > rows_at_pause;
  });
  // The rows/s gauge sees the traffic.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool saw_rate = false;
  while (!saw_rate && std::chrono::steady_clock::now() < deadline) {
    std::string m = Call("GET", "/metrics", 200).get<std::string>();
    auto pos = m.find("sluice_changefeed_rows_per_second{changefeed=\"orders\"} ");
    ASSERT_NE(pos, std::string::npos);
    saw_rate = std::stod(m.substr(m.find("} ", pos) + 2)) > 0;
    if (!saw_rate) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(saw_rate);

  // Remove.
  Call("DELETE", "/api/v1/changefeeds/orders", 200);
  EXPECT_EQ(Call("GET", "/api/v1/changefeeds", 200)["items"].size(), 0u);
  json gone = Call("GET", "/api/v1/changefeeds/orders", 404);
  EXPECT_EQ(gone["error"]["code"], "NOT_FOUND");
  Call("POST", "/api/v1/changefeeds/orders/pause", 404);
  Call("DELETE", "/api/v1/changefeeds/orders", 404);
}

TEST_F(ApiServerTest, CreatePausedDoesNotRun) {
  StartServer();
  json created = Call("POST", "/api/v1/changefeeds", 201, CreateBody("later", true).dump());
  EXPECT_EQ(created["desired"], "paused");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  json info = Call("GET", "/api/v1/changefeeds/later", 200);
  EXPECT_EQ(info["state"], "stopped");
  EXPECT_EQ(info["counters"]["rows"], 0);
}

TEST_F(ApiServerTest, BadRequestsNameTheField) {
  StartServer();
  json e = Call("POST", "/api/v1/changefeeds", 400, "{not json");
  EXPECT_EQ(e["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_NE(e["error"]["message"].get<std::string>().find("JSON"), std::string::npos);

  json body = CreateBody("x");
  body["sink_uri"] = 42;
  e = Call("POST", "/api/v1/changefeeds", 400, body.dump());
  EXPECT_NE(e["error"]["message"].get<std::string>().find("'sink_uri'"), std::string::npos);

  body = CreateBody("bad id!");
  e = Call("POST", "/api/v1/changefeeds", 400, body.dump());
  EXPECT_EQ(e["error"]["code"], "INVALID_ARGUMENT");

  // The factory's validation error comes back as 400.
  body = CreateBody("x");
  body["source_uri"] = "postgres://h/";
  e = Call("POST", "/api/v1/changefeeds", 400, body.dump());
  EXPECT_NE(e["error"]["message"].get<std::string>().find("mysql://"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/changefeeds", 200)["items"].size(), 0u);
}

TEST_F(ApiServerTest, UnavailableIs503AndEchoedSecretsAreScrubbed) {
  StartServer();
  json body = CreateBody("x");
  body["source_uri"] = std::string("mysql://u:") + kSourcePassword + "@unavailable:3306/";
  // Call() fails the test if the password appears in the body.
  json e = Call("POST", "/api/v1/changefeeds", 503, body.dump());
  EXPECT_EQ(e["error"]["code"], "UNAVAILABLE");
  EXPECT_NE(e["error"]["message"].get<std::string>().find("****"), std::string::npos);
}

TEST_F(ApiServerTest, TokenRequiredOnEveryRouteButHealthz) {
  ApiOptions o;
  o.token = "s3cret-token";
  StartServer(o);
  auto r = client_->Get("/api/v1/changefeeds");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("UNAUTHENTICATED"), std::string::npos);
  r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = client_->Post("/api/v1/changefeeds", CreateBody("x").dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = client_->Get("/api/v1/changefeeds", {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = client_->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  client_->set_bearer_token_auth("s3cret-token");
  EXPECT_EQ(Call("GET", "/api/v1/changefeeds", 200)["items"].size(), 0u);
  Call("POST", "/api/v1/changefeeds", 201, CreateBody("x", true).dump());
}

TEST_F(ApiServerTest, HistoryAndRowsPerTable) {
  ApiOptions options;
  options.history.interval = std::chrono::milliseconds(100);
  StartServer(options);
  Call("POST", "/api/v1/changefeeds", 201, CreateBody("hist").dump());
  // Rows per table: the fake source writes db.t only.
  json info = WaitFor("hist", [](const json& j) {
    return j.contains("tables") && j["tables"].size() == 1 && j["tables"][0]["inserts"] >= 10;
  });
  EXPECT_EQ(info["tables"][0]["schema"], "db");
  EXPECT_EQ(info["tables"][0]["table"], "t");
  EXPECT_EQ(info["tables"][0]["rows"], info["tables"][0]["inserts"]);
  EXPECT_TRUE(Call("GET", "/api/v1/changefeeds", 200)["items"][0].contains("rows_per_second"));

  // The history fills with samples of a positive rate; pause and resume are events.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  json h;
  while (std::chrono::steady_clock::now() < deadline) {
    h = Call("GET", "/api/v1/changefeeds/hist/history", 200);
    if (h["samples"]["at_ms"].size() >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(h["samples"]["at_ms"].size(), 3u) << h.dump();
  EXPECT_EQ(h["interval_ms"], 100);
  EXPECT_EQ(h["span_ms"], 3600000);
  EXPECT_GT(h["samples"]["rows_per_second"].back().get<double>(), 0) << h.dump();
  EXPECT_LT(h["samples"]["at_ms"][0].get<int64_t>(), h["samples"]["at_ms"][1].get<int64_t>());
  EXPECT_TRUE(h["events"].empty()) << h.dump();

  // Waits until the history's events are `want` (the sampler sees every state for >= 50 ms).
  auto wait_events = [&](const std::vector<std::string>& want) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::vector<std::string> kinds;
    while (std::chrono::steady_clock::now() < until) {
      kinds.clear();
      json history = Call("GET", "/api/v1/changefeeds/hist/history", 200);
      for (const auto& e : history["events"]) kinds.push_back(e["kind"]);
      if (kinds == want) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "events: " << json(kinds).dump();
  };
  Call("POST", "/api/v1/changefeeds/hist/pause", 200);
  wait_events({"paused"});
  Call("POST", "/api/v1/changefeeds/hist/resume", 200);
  wait_events({"paused", "resumed"});

  json missing = Call("GET", "/api/v1/changefeeds/nope/history", 404);
  EXPECT_EQ(missing["error"]["code"], "NOT_FOUND");
}

TEST(ApiServer, RefusesNonLoopbackWithoutToken) {
  MemoryStateStore store;
  pipeline::ChangefeedManager manager(&store, FakeFactory);
  ApiOptions o;
  o.host = "0.0.0.0";
  o.port = 0;
  auto s = ApiServer::Create(o, &manager);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), base::Code::kInvalidArgument);
  EXPECT_NE(s.status().message().find("--token"), std::string::npos);
  o.token = "t";
  EXPECT_TRUE(ApiServer::Create(o, &manager).ok());
}

TEST(ApiServer, BusyPortIsUnavailable) {
  MemoryStateStore store;
  pipeline::ChangefeedManager manager(&store, FakeFactory);
  ApiOptions o;
  o.port = 0;
  auto a = ApiServer::Create(o, &manager);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Start().ok());
  o.port = (*a)->port();
  auto b = ApiServer::Create(o, &manager);
  ASSERT_TRUE(b.ok());
  auto st = (*b)->Start();
  EXPECT_EQ(st.code(), base::Code::kUnavailable);
  (*a)->Stop();
}

}  // namespace
}  // namespace sluice::api
