#include "api/connection_tester.h"

#include <algorithm>
#include <map>

#include "base/tcp_probe.h"
#include "base/uri.h"
#include "client/mysql/mysql_connection.h"
#include "client/postgres/pg_connection.h"
#include "sink/kafka/kafka_sink.h"
#include "sink/kafka/kafka_sink_uri.h"
#include "source/mysql/binlog_client.h"
#include "source/mysql/source_config.h"

namespace sluice::api {

namespace {

using nlohmann::json;

constexpr int kConnectTimeoutMs = 5000;

constexpr auto& Pass = base::CheckPass;
constexpr auto& Fail = base::CheckFail;
constexpr auto& Skip = base::CheckSkip;

// A TCP connect within kConnectTimeoutMs to any address of host:port; "" on success.
std::string TcpConnect(const std::string& hostport) {
  auto hp = base::ParseHostPort(hostport, 0, "host");
  if (!hp.ok()) return hp.status().message();
  return base::ProbeTcp(hp->host, hp->port, std::chrono::milliseconds(kConnectTimeoutMs));
}

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void TestMariaDb(const Connection& c, std::vector<CheckResult>* out) {
  const std::string& hp = c.hosts.front();
  std::string reach = "reachable " + hp;
  if (std::string err = TcpConnect(hp); !err.empty()) {
    out->push_back(
        Fail(reach, "TCP connect to " + hp + " failed: " + err,
             "start the server or fix host/port; check firewalls between sluice and " + hp));
    out->push_back(Skip("authentication", "skipped: the server is not reachable"));
    return;
  }
  out->push_back(Pass(reach, "TCP connect succeeded"));

  client::mysql::ConnectOptions o =
      MySqlConnectOptionsFor(c, std::chrono::milliseconds(kConnectTimeoutMs));
  o.read_timeout = std::chrono::milliseconds(10000);
  auto conn = client::mysql::MySqlConnection::Connect(o);
  if (!conn.ok()) {
    bool denied = conn.status().code() == base::Code::kInvalidArgument;
    out->push_back(Fail(
        "authentication", conn.status().message(),
        denied ? fmt::format("check the user and password; the DBA can run: CREATE USER '{}'@'%' "
                             "IDENTIFIED BY '<password>'",
                             c.user)
               : "check that the server accepts MariaDB clients on this port"));
    return;
  }
  auto& db = *conn;
  out->push_back(
      Pass("authentication", fmt::format("logged in as '{}' ({})", c.user, db->server_version())));

  // Privileges from SHOW GRANTS (role grants cannot be resolved here: reported as skipped).
  auto grants = db->Query("SHOW GRANTS");
  std::string privs_all;
  bool has_roles = false;
  if (grants.ok()) {
    for (const auto& row : grants->rows) {
      if (row.empty() || !row[0]) continue;
      std::string g = Upper(*row[0]);
      if (g.find(" ON ") == std::string::npos) {
        has_roles = true;
        continue;
      }
      if (g.find(" ON *.* ") == std::string::npos) continue;
      privs_all += g.substr(0, g.find(" ON ")) + ",";
    }
  }
  auto has = [&](std::string_view p) {
    return privs_all.find("ALL PRIVILEGES") != std::string::npos ||
           privs_all.find(p) != std::string::npos;
  };
  std::vector<std::string> needed =
      c.role == ConnectionRole::kSource
          ? std::vector<std::string>{"REPLICATION SLAVE", "BINLOG MONITOR", "SELECT"}
          : std::vector<std::string>{"INSERT", "UPDATE", "DELETE", "CREATE"};
  std::string missing;
  for (const auto& p : needed) {
    bool ok = has(p) || (p == "REPLICATION SLAVE" && has("REPLICATION REPLICA")) ||
              (p == "BINLOG MONITOR" && has("REPLICATION CLIENT"));
    if (!ok) missing += (missing.empty() ? "" : ", ") + p;
  }
  std::string needed_list;
  for (const auto& p : needed) needed_list += (needed_list.empty() ? "" : ", ") + p;
  if (!grants.ok()) {
    out->push_back(Fail("privileges", grants.status().message(),
                        "let the user run SHOW GRANTS (it always may for itself)"));
  } else if (missing.empty()) {
    out->push_back(Pass("privileges", "has " + needed_list + " on *.*"));
  } else if (has_roles) {
    out->push_back(Skip("privileges", "the user has role grants; missing directly granted " +
                                          missing + " may come from a role"));
  } else {
    out->push_back(Fail("privileges", fmt::format("user '{}' lacks {} on *.*", c.user, missing),
                        fmt::format("GRANT {} ON *.* TO '{}'@'%'", missing, c.user)));
  }
  if (c.role != ConnectionRole::kSource) return;

  auto vars = db->Query(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', "
      "'binlog_row_image', 'binlog_row_metadata')");
  std::map<std::string, std::string> v;
  if (vars.ok()) {
    for (const auto& row : vars->rows) {
      if (row.size() >= 2 && row[0]) v[*row[0]] = Upper(row[1].value_or(""));
    }
  }
  struct Want {
    const char* name;
    const char* value;
    const char* fix;
  };
  const Want wants[] = {
      {"log_bin", "ON",
       "start the server with --log-bin=mysql-bin (log_bin cannot change at run time)"},
      {"binlog_format", "ROW",
       "SET GLOBAL binlog_format=ROW; and set binlog_format=ROW in the server config"},
      {"binlog_row_image", "FULL",
       "SET GLOBAL binlog_row_image=FULL; and set it in the server config"},
      {"binlog_row_metadata", "FULL",
       "SET GLOBAL binlog_row_metadata=FULL; and set it in the server config"},
  };
  for (const auto& w : wants) {
    std::string name = std::string("setting ") + w.name;
    auto it = v.find(w.name);
    if (!vars.ok()) {
      out->push_back(Fail(name, vars.status().message(), "let the user read global variables"));
    } else if (it == v.end()) {
      out->push_back(Skip(name, std::string(w.name) + " does not exist on this server version"));
    } else if (it->second == w.value) {
      out->push_back(Pass(name, fmt::format("{} = {}", w.name, it->second)));
    } else {
      out->push_back(
          Fail(name, fmt::format("{} = {}; sluice needs {}", w.name, it->second, w.value), w.fix));
    }
  }
  db->Close();

  // The exact preflight a changefeed runs (also checks server-id clashes, log_bin_compress).
  auto cfg = source::mysql::ParseMySqlSourceUri(ConnectionUri(c, {}, ""));
  if (!cfg.ok()) {
    out->push_back(
        Fail("replication preflight", cfg.status().message(), "fix the connection's options"));
    return;
  }
  cfg->connect_timeout = std::chrono::milliseconds(kConnectTimeoutMs);
  source::mysql::BinlogClient client(*cfg);
  auto st = client.Connect();
  client.Close();
  if (st.ok()) {
    out->push_back(Pass("replication preflight", "ready to read the binlog"));
  } else {
    std::string msg = st.message();
    size_t colon = msg.rfind("; ");
    out->push_back(Fail("replication preflight", msg,
                        colon == std::string::npos ? "see the message" : msg.substr(colon + 2)));
  }
}

void TestPostgres(const Connection& c, std::vector<CheckResult>* out) {
  const std::string& hp = c.hosts.front();
  std::string reach = "reachable " + hp;
  if (std::string err = TcpConnect(hp); !err.empty()) {
    out->push_back(Fail(reach, "TCP connect to " + hp + " failed: " + err,
                        "start the server or fix host/port; check listen_addresses and firewalls"));
    out->push_back(Skip("authentication", "skipped: the server is not reachable"));
    return;
  }
  out->push_back(Pass(reach, "TCP connect succeeded"));
  auto connected = client::postgres::PgConnection::Connect(
      PgConnectOptionsFor(c, std::chrono::milliseconds(kConnectTimeoutMs)));
  if (!connected.ok()) {
    out->push_back(Fail("authentication", connected.status().message(),
                        "check user, password and database, and pg_hba.conf for this client"));
    return;
  }
  auto& pg = *connected;
  out->push_back(Pass("authentication", fmt::format("logged in as '{}' (server {})", c.user,
                                                    pg->ParameterStatus("server_version"))));
  auto one = [&pg](const char* sql) -> std::optional<std::string> {
    auto r = pg->Query(sql);
    if (!r.ok() || r->rows.empty() || r->rows[0].empty()) return std::nullopt;
    return r->rows[0][0];
  };
  if (c.role == ConnectionRole::kSource) {
    auto wal = one("SHOW wal_level");
    if (wal && *wal == "logical") {
      out->push_back(Pass("setting wal_level", "wal_level = logical"));
    } else {
      out->push_back(Fail("setting wal_level",
                          "wal_level = " + wal.value_or("?") + "; logical decoding needs logical",
                          "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL"));
    }
    auto repl = one("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user");
    if (repl && *repl == "t") {
      out->push_back(Pass("privileges", "the role has REPLICATION"));
    } else {
      out->push_back(Fail("privileges", "role '" + c.user + "' lacks the REPLICATION attribute",
                          "ALTER ROLE " + c.user + " WITH REPLICATION"));
    }
  }
}

void TestKafka(const Connection& c, std::vector<CheckResult>* out) {
  Connection probe = c;
  probe.role = ConnectionRole::kTarget;
  probe.options.clear();
  probe.ignore_non_json = probe.ignore_write_errors = false;
  std::string topic = c.topic;
  if (topic.empty() || topic.find('{') != std::string::npos) topic = "sluice-connection-test";
  auto opts = sink::kafka::ParseKafkaSinkUri(
      ConnectionUri(probe, {{"protocol", "canal-json"}, {"dial-timeout", "5s"}}, topic));
  if (!opts.ok()) {
    out->push_back(Fail("configuration", opts.status().message(), "fix the named field"));
    return;
  }
  for (auto& r : sink::kafka::CheckKafkaSink(opts->sink)) out->push_back(std::move(r));
}

}  // namespace

std::vector<CheckResult> TestConnection(const Connection& connection) {
  std::vector<CheckResult> out;
  switch (connection.kind) {
    case ConnectionKind::kMariaDb:
      TestMariaDb(connection, &out);
      break;
    case ConnectionKind::kPostgreSql:
      TestPostgres(connection, &out);
      break;
    case ConnectionKind::kKafka:
      TestKafka(connection, &out);
      break;
  }
  return out;
}

json CheckResultsToJson(const std::vector<CheckResult>& checks) {
  json arr = json::array();
  bool passed = !checks.empty();
  for (const auto& c : checks) {
    passed = passed && c.passed;
    arr.push_back({{"name", c.name},
                   {"passed", c.passed},
                   {"skipped", c.skipped},
                   {"detail", c.detail},
                   {"fix", c.fix}});
  }
  return json{{"passed", passed}, {"checks", arr}};
}

}  // namespace sluice::api
