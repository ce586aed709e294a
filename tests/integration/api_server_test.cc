// The sluice server and its REST API end to end: the real `sluice server` binary (a
// subprocess on an ephemeral port with a temporary state directory) runs changefeeds from the
// real MariaDB into the real Kafka of the `servers` fixture. Lifecycle through the HTTP API and
// through `sluice cli`: create, rows arrive, checkpoint advances, metrics agree, pause holds
// rows back, update (filter change) while paused, resume delivers them, remove. A password in
// the source URI must never appear in any response, CLI output or server log.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "codec/canal_json/canal_json_decoder.h"
#include "sink/kafka/topic_reader.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice {
namespace {

using nlohmann::json;
using testing::Env;
using testing::Exec;
using Clock = std::chrono::steady_clock;

std::string Unique() {
  static std::atomic<int> n{0};
  return std::to_string(::getpid()) + "_" + std::to_string(n++);
}

uint32_t UniqueServerId() {
  static std::atomic<uint32_t> n{0};
  return 3000000u + static_cast<uint32_t>(::getpid() % 100000) * 16u + n++;
}

// A database with tables t and skip, and a replication user whose password is a unique secret.
struct Fixture {
  std::string db, topic, user, password;
  std::unique_ptr<source::mysql::MySqlConnection> root;

  explicit Fixture(const std::string& name) {
    std::string u = Unique();
    db = "api_" + name + "_" + u;
    topic = "api_" + name + "_" + u;
    user = "api_" + u;
    password = "Pw-" + u + "-not-to-be-shown";
    root = testing::ConnectMariaDbRoot();
    Exec(*root, "CREATE DATABASE " + db);
    Exec(*root, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(32))");
    Exec(*root, "CREATE TABLE " + db + ".skip (id INT PRIMARY KEY)");
    for (const char* host : {"%", "127.0.0.1"}) {
      Exec(*root, "CREATE USER '" + user + "'@'" + host + "' IDENTIFIED BY '" + password + "'");
      Exec(*root, "GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '" + user + "'@'" +
                      host + "'");
    }
  }
  ~Fixture() {
    try {
      Exec(*root, "DROP DATABASE IF EXISTS " + db);
      Exec(*root, "DROP USER IF EXISTS '" + user + "'@'%'");
      Exec(*root, "DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
    } catch (...) {
    }
  }
  void Insert(const std::string& table, int id) {
    Exec(*root, "INSERT INTO " + db + "." + table + " VALUES (" + std::to_string(id) +
                    (table == "t" ? ", 'v" + std::to_string(id) + "'" : std::string()) + ")");
  }
  std::string SourceUri() const {
    return "mysql://" + user + ":" + password + "@127.0.0.1:" + Env("SLUICE_MARIADB_PORT") +
           "/?start=now&server-id=" + std::to_string(UniqueServerId());
  }
  std::string SinkUri() const {
    return "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
           "?protocol=canal-json&partition-num=1";
  }
};

// ids of the DML rows per table currently in the topic (empty if the topic does not exist).
std::map<std::string, std::multiset<int>> RowsInTopic(const std::string& topic) {
  std::map<std::string, std::multiset<int>> out;
  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  if (!reader.ok()) throw std::runtime_error(reader.status().message());
  sink::kafka::ReadLimits limits;
  limits.timeout = std::chrono::seconds(20);
  auto msgs = (*reader)->ReadAll(topic, limits);
  if (!msgs.ok()) {
    if (msgs.status().code() == base::Code::kNotFound) return out;
    throw std::runtime_error(msgs.status().message());
  }
  for (const auto& m : *msgs) {
    auto decoded = codec::canal_json::DecodeCanalJson(m.value);
    if (!decoded.ok()) throw std::runtime_error(decoded.status().message());
    if (!decoded->IsDml() || !decoded->data) continue;
    auto* id = codec::canal_json::FindColumn(*decoded->data, "id");
    if (id && *id) out[decoded->table].insert(std::stoi(**id));
  }
  return out;
}

// Polls the topic until table `table` holds every id in `ids`, or 60 s pass.
std::map<std::string, std::multiset<int>> WaitForRows(const std::string& topic,
                                                      const std::string& table,
                                                      const std::set<int>& ids) {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  std::map<std::string, std::multiset<int>> rows;
  while (Clock::now() < deadline) {
    rows = RowsInTopic(topic);
    bool all = true;
    for (int id : ids) all = all && rows[table].count(id) > 0;
    if (all) return rows;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "rows of " << table << " did not arrive in " << topic;
  return rows;
}

// The `sluice server` subprocess. Its stdout and stderr are collected by a thread.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extra_args = {}) {
    state_dir_ = ::testing::TempDir() + "/sluice-api-" + Unique();
    std::filesystem::create_directories(state_dir_);
    std::vector<std::string> args = {SLUICE_BIN,    "server",      "--addr",
                                     "127.0.0.1:0", "--state-dir", state_dir_};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    Spawn(args);
  }
  ~ServerProcess() { Stop(); }

  // Waits for the ready line; returns the base URL, or "" if the process exited first.
  std::string WaitReady(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::regex ready(R"(sluice server listening on (http://[0-9.]+:[0-9]+))");
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> l(mu_);
        std::smatch m;
        if (std::regex_search(output_, m, ready)) return m[1];
        if (eof_) return "";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }

  // SIGTERM, then waits (bounded) for a clean exit; returns the exit code (-1 if killed).
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

  // Waits (bounded) for the process to exit by itself; returns its exit code.
  int WaitExit() {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) return Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

  std::string output() {
    std::lock_guard<std::mutex> l(mu_);
    return output_;
  }

 private:
  void Spawn(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    int fd = fds[0];
    reader_ = std::thread([this, fd] {
      std::array<char, 4096> buf;
      while (true) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) break;
        std::lock_guard<std::mutex> l(mu_);
        output_.append(buf.data(), static_cast<size_t>(n));
      }
      ::close(fd);
      std::lock_guard<std::mutex> l(mu_);
      eof_ = true;
    });
  }

  std::string state_dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string output_;
  bool eof_ = false;
};

// HTTP client that checks every response body for the secret.
class Api {
 public:
  Api(const std::string& base, std::string secret) : client_(base), secret_(std::move(secret)) {
    client_.set_read_timeout(60, 0);
  }
  json Call(const std::string& method, const std::string& path, int want_status,
            const json& body = nullptr) {
    std::string payload = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "GET"    ? client_.Get(path.c_str())
                        : method == "POST" ? client_.Post(path.c_str(), payload, "application/json")
                        : method == "PUT"  ? client_.Put(path.c_str(), payload, "application/json")
                                           : client_.Delete(path.c_str());
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(r.error());
      return json();
    }
    EXPECT_EQ(r->status, want_status) << method << " " << path << ": " << r->body;
    EXPECT_EQ(r->body.find(secret_), std::string::npos) << "secret in " << path << ": " << r->body;
    if (path == "/metrics") return json(r->body);
    return json::parse(r->body, nullptr, false);
  }
  json WaitFor(const std::string& id, const std::function<bool(const json&)>& pred,
               std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = Clock::now() + timeout;
    json info;
    while (Clock::now() < deadline) {
      info = Call("GET", "/api/v1/changefeeds/" + id, 200);
      if (pred(info)) return info;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "condition not met for " << id << "; last: " << info.dump();
    return info;
  }

 private:
  httplib::Client client_;
  std::string secret_;
};

uint64_t MetricValue(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return UINT64_MAX;
  return std::stoull(text.substr(pos + series.size() + 2));
}

TEST(ApiServer, RestLifecycleMariaDbToKafka) {
  Fixture fx("rest");
  ServerProcess server;
  std::string base = server.WaitReady();
  ASSERT_FALSE(base.empty()) << server.output();
  Api api(base, fx.password);
  const std::string id = "rest-" + Unique();
  const std::string path = "/api/v1/changefeeds/" + id;

  EXPECT_EQ(api.Call("GET", "/healthz", 200)["status"], "ok");
  json created = api.Call("POST", "/api/v1/changefeeds", 201,
                          {{"id", id},
                           {"source_uri", fx.SourceUri()},
                           {"sink_uri", fx.SinkUri()},
                           {"filter_rules", {fx.db + ".*"}}});
  ASSERT_EQ(created["id"], id) << created.dump();
  // A checkpoint appears once the source is positioned ("start=now" resolved); rows written
  // before that are legitimately not captured.
  api.WaitFor(id, [](const json& j) {
    return j["state"] == "normal" && !j["checkpoint"].get<std::string>().empty();
  });

  for (int i = 1; i <= 5; ++i) fx.Insert("t", i);
  WaitForRows(fx.topic, "t", {1, 2, 3, 4, 5});
  json info = api.WaitFor(id, [](const json& j) {
    return j["state"] == "normal" && !j["checkpoint"].get<std::string>().empty() &&
           j["counters"]["rows"].get<uint64_t>() >= 5;
  });
  std::string checkpoint1 = info["checkpoint"];
  fx.Insert("t", 6);
  WaitForRows(fx.topic, "t", {6});
  info = api.WaitFor(id, [&](const json& j) {
    return j["checkpoint"] != checkpoint1 && j["counters"]["rows"].get<uint64_t>() >= 6;
  });
  EXPECT_GE(info["checkpoint_time_ms"].get<uint64_t>(), 1);

  // /metrics agrees with GET once the counters are idle.
  auto deadline = Clock::now() + std::chrono::seconds(30);
  uint64_t get_rows = 0, metric_rows = 1;
  while (Clock::now() < deadline && get_rows != metric_rows) {
    get_rows = api.Call("GET", path, 200)["counters"]["rows"];
    std::string metrics = api.Call("GET", "/metrics", 200).get<std::string>();
    metric_rows = MetricValue(metrics, "sluice_changefeed_rows_total{changefeed=\"" + id + "\"}");
    EXPECT_NE(metrics.find("sluice_changefeed_state{changefeed=\"" + id + "\",state=\"normal\"} 1"),
              std::string::npos);
    if (get_rows != metric_rows) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(metric_rows, get_rows);
  EXPECT_EQ(get_rows, 6u);

  // Pause: rows written meanwhile stay in the binlog.
  json paused = api.Call("POST", path + "/pause", 200);
  EXPECT_EQ(paused["desired"], "paused");
  api.WaitFor(id, [](const json& j) { return j["state"] == "stopped"; });
  for (int i = 7; i <= 9; ++i) fx.Insert("t", i);
  fx.Insert("skip", 1);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto rows = RowsInTopic(fx.topic);
  EXPECT_EQ(rows["t"].count(7) + rows["t"].count(8) + rows["t"].count(9), 0u);

  // Update while paused: narrow the filter to table t. The masked source URI from GET keeps
  // the stored password.
  json current = api.Call("GET", path, 200);
  EXPECT_NE(current["source_uri"].get<std::string>().find(fx.user), std::string::npos);
  json updated = api.Call("PUT", path, 200,
                          {{"source_uri", current["source_uri"]},
                           {"sink_uri", current["sink_uri"]},
                           {"filter_rules", {fx.db + ".t"}}});
  EXPECT_EQ(updated["filter_rules"], json({fx.db + ".t"}));

  // Resume: the held-back rows of t arrive; skip is filtered out by the new rules.
  json resumed = api.Call("POST", path + "/resume", 200);
  EXPECT_EQ(resumed["desired"], "running");
  fx.Insert("t", 10);
  rows = WaitForRows(fx.topic, "t", {7, 8, 9, 10});
  EXPECT_EQ(rows["skip"].size(), 0u);
  api.WaitFor(id, [](const json& j) { return j["state"] == "normal"; });

  // Remove.
  api.Call("DELETE", path, 200);
  json list = api.Call("GET", "/api/v1/changefeeds", 200);
  for (const auto& item : list["items"]) EXPECT_NE(item["id"], id);
  EXPECT_EQ(api.Call("GET", path, 404)["error"]["code"], "NOT_FOUND");

  EXPECT_EQ(server.Stop(), 0) << server.output();
  EXPECT_EQ(server.output().find(fx.password), std::string::npos) << server.output();
}

struct CliOutcome {
  int exit_code = -1;
  std::string out;  // stdout + stderr
};

CliOutcome RunCli(const std::string& base, const std::string& args) {
  std::string cmd = std::string(SLUICE_BIN) + " cli --server " + base + " " + args + " 2>&1";
  CliOutcome o;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) o.out.append(buf.data(), n);
  int status = ::pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

json CliJson(const std::string& base, const std::string& args, const std::string& secret) {
  CliOutcome o = RunCli(base, args);
  EXPECT_EQ(o.exit_code, 0) << args << "\n" << o.out;
  EXPECT_EQ(o.out.find(secret), std::string::npos) << o.out;
  json j = json::parse(o.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << o.out;
  return j;
}

TEST(ApiServer, CliLifecycleMariaDbToKafka) {
  Fixture fx("cli");
  ServerProcess server;
  std::string base = server.WaitReady();
  ASSERT_FALSE(base.empty()) << server.output();
  const std::string id = "cli-" + Unique();

  json created = CliJson(base,
                         "changefeed create --id " + id + " --source '" + fx.SourceUri() +
                             "' --sink '" + fx.SinkUri() + "' --filter '" + fx.db + ".*'",
                         fx.password);
  EXPECT_EQ(created["id"], id);

  auto wait_state = [&](const std::string& state) {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    json j;
    while (Clock::now() < deadline) {
      j = CliJson(base, "changefeed get --id " + id, fx.password);
      if (j["state"] == state && !j["checkpoint"].get<std::string>().empty()) return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "state " << state << " not reached: " << j.dump();
    return j;
  };
  wait_state("normal");
  fx.Insert("t", 1);
  WaitForRows(fx.topic, "t", {1});

  json list = CliJson(base, "changefeed list", fx.password);
  bool listed = false;
  for (const auto& item : list["items"]) listed = listed || item["id"] == id;
  EXPECT_TRUE(listed) << list.dump();
  EXPECT_EQ(CliJson(base, "changefeed query --id " + id, fx.password)["id"], id);

  CliJson(base, "changefeed pause --id " + id, fx.password);
  wait_state("stopped");
  fx.Insert("t", 2);
  fx.Insert("skip", 2);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(RowsInTopic(fx.topic)["t"].count(2), 0u);

  json updated =
      CliJson(base, "changefeed update --id " + id + " --filter '" + fx.db + ".t'", fx.password);
  EXPECT_EQ(updated["filter_rules"], json({fx.db + ".t"}));

  CliJson(base, "changefeed resume --id " + id, fx.password);
  auto rows = WaitForRows(fx.topic, "t", {1, 2});
  EXPECT_EQ(rows["skip"].size(), 0u);

  CliJson(base, "changefeed remove --id " + id, fx.password);
  CliOutcome gone = RunCli(base, "changefeed get --id " + id);
  EXPECT_EQ(gone.exit_code, 1) << gone.out;
  EXPECT_EQ(gone.out.rfind("sluice: error: ", 0), 0u) << gone.out;
  EXPECT_NE(gone.out.find(id), std::string::npos) << gone.out;

  EXPECT_EQ(server.Stop(), 0) << server.output();
  EXPECT_EQ(server.output().find(fx.password), std::string::npos) << server.output();
}

TEST(ApiServer, CliReportsUnreachableServer) {
  CliOutcome o = RunCli("http://127.0.0.1:1", "changefeed list");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.out.find("sluice: error: cannot reach the sluice server at http://127.0.0.1:1"),
            std::string::npos)
      << o.out;
}

TEST(ApiServer, RefusesPublicAddressWithoutToken) {
  std::string dir = ::testing::TempDir() + "/sluice-api-public-" + Unique();
  std::string cmd = std::string("env -u SLUICE_API_TOKEN ") + SLUICE_BIN +
                    " server --addr 0.0.0.0:0 --state-dir " + dir + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1) << out;
  EXPECT_NE(out.find("sluice: error: --addr 0.0.0.0"), std::string::npos) << out;
  EXPECT_NE(out.find("--token"), std::string::npos) << out;
}

TEST(ApiServer, TokenIsCheckedAndCliSendsIt) {
  ServerProcess server({"--token", "tok-123"});
  std::string base = server.WaitReady();
  ASSERT_FALSE(base.empty()) << server.output();
  httplib::Client c(base);
  auto r = c.Get("/api/v1/changefeeds");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = c.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  CliOutcome denied = RunCli(base, "changefeed list");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.out.find("API token"), std::string::npos) << denied.out;
  CliOutcome ok = RunCli(base, "--token tok-123 changefeed list");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(server.Stop(), 0) << server.output();
}

}  // namespace
}  // namespace sluice
