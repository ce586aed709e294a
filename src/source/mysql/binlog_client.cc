#include "source/mysql/binlog_client.h"

#include <algorithm>
#include <cctype>
#include <map>

// mysql.h must come first: mariadb_rpl.h uses its types without including it.
#include <mariadb/mysql.h>
// (keep the order above)
#include <mariadb/errmsg.h>
#include <mariadb/mariadb_rpl.h>
#include <mariadb/mysqld_error.h>

#include "base/logging.h"

namespace sluice::source::mysql {

namespace {

constexpr size_t kEventHeaderLen = 19;

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string Fix(std::string_view user) {
  return fmt::format("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '{}'@'%'", user);
}

}  // namespace

BinlogClient::BinlogClient(MySqlSourceConfig config) : config_(std::move(config)) {}

BinlogClient::~BinlogClient() { Close(); }

base::Status BinlogClient::Connect() {
  ConnectOptions o;
  o.host = config_.host;
  o.port = config_.port;
  o.user = config_.user;
  o.password = config_.password;
  o.connect_timeout = config_.connect_timeout;
  o.read_timeout = config_.read_timeout;
  o.write_timeout = config_.read_timeout;
  SLUICE_ASSIGN_OR_RETURN(conn_, MySqlConnection::Connect(o));
  if (interrupted_) conn_->Interrupt();
  server_.version = conn_->server_version();
  server_.is_mariadb = conn_->is_mariadb();
  SLUICE_RETURN_IF_ERROR(CheckPrivileges());
  SLUICE_RETURN_IF_ERROR(CheckVariables());
  base::Logger("source.mysql")
      ->info("connected to {} ({}), replica server-id {}", config_.Endpoint(), server_.version,
             config_.server_id);
  return base::Status::Ok();
}

// Parses SHOW GRANTS. Privileges can also come from roles; when the user has role grants we
// cannot decide here and rely on the server's 1227 at dump time (mapped in FetchError()).
base::Status BinlogClient::CheckPrivileges() {
  auto grants = conn_->Query("SHOW GRANTS");
  if (!grants.ok()) return grants.status().WithContext("checking privileges");
  bool all = false, repl_slave = false, monitor = false, has_roles = false;
  for (const auto& row : grants->rows) {
    if (row.empty() || !row[0]) continue;
    std::string g = Upper(*row[0]);
    if (g.find(" ON ") == std::string::npos) {
      has_roles = true;
      continue;
    }
    if (g.find(" ON *.* ") == std::string::npos) continue;
    // Only the privilege list, so a user or host name cannot match.
    std::string privs = g.substr(0, g.find(" ON "));
    auto has = [&](std::string_view p) { return privs.find(p) != std::string::npos; };
    if (has("ALL PRIVILEGES")) all = true;
    if (has("REPLICATION SLAVE") || has("REPLICATION REPLICA")) repl_slave = true;
    // MariaDB >= 10.5 aliases REPLICATION CLIENT to BINLOG MONITOR; SUPER covers it on MySQL only.
    if (has("BINLOG MONITOR") || has("REPLICATION CLIENT") ||
        (!server_.is_mariadb && has("SUPER"))) {
      monitor = true;
    }
  }
  if (all || has_roles) return base::Status::Ok();
  std::string missing;
  if (!repl_slave) missing = "REPLICATION SLAVE";
  if (!monitor) missing += std::string(missing.empty() ? "" : " and ") + "BINLOG MONITOR";
  if (missing.empty()) return base::Status::Ok();
  return base::FailedPrecondition("user '{}' lacks {} on {}: {}", config_.user, missing,
                                  config_.Endpoint(), Fix(config_.user));
}

base::Status BinlogClient::CheckVariables() {
  auto r = conn_->Query(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', "
      "'binlog_row_image', 'binlog_row_metadata', 'log_bin_compress', 'binlog_checksum', "
      "'server_id', 'version')");
  if (!r.ok()) return r.status().WithContext("reading server settings");
  std::map<std::string, std::string> vars;
  for (const auto& row : r->rows) {
    if (row.size() >= 2 && row[0]) vars[*row[0]] = row[1].value_or("");
  }
  const std::string ep = config_.Endpoint();
  auto get = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return Upper(it->second);
  };
  if (get("log_bin").value_or("OFF") != "ON") {
    return base::FailedPrecondition(
        "binary logging is off on {}; sluice needs it: start the server with "
        "--log-bin=mysql-bin --binlog-format=ROW --binlog-row-image=FULL",
        ep);
  }
  if (auto f = get("binlog_format").value_or(""); f != "ROW") {
    return base::FailedPrecondition(
        "binlog_format is {} on {}; sluice needs ROW: SET GLOBAL binlog_format=ROW (and restart "
        "writers), and set binlog_format=ROW in the server config",
        f, ep);
  }
  if (auto f = get("binlog_row_image"); f && *f != "FULL") {
    return base::FailedPrecondition(
        "binlog_row_image is {} on {}; sluice needs FULL: SET GLOBAL binlog_row_image=FULL (and "
        "restart writers), and set binlog_row_image=FULL in the server config",
        *f, ep);
  }
  if (auto f = get("binlog_row_metadata"); f && *f != "FULL") {
    return base::FailedPrecondition(
        "binlog_row_metadata is {} on {}; sluice needs FULL (column names, signedness, keys): "
        "SET GLOBAL binlog_row_metadata=FULL, and set it in the server config",
        *f, ep);
  }
  if (get("log_bin_compress").value_or("OFF") == "ON") {
    return base::FailedPrecondition(
        "log_bin_compress is ON on {}; sluice cannot read compressed binlog events: "
        "SET GLOBAL log_bin_compress=OFF, and set it in the server config",
        ep);
  }
  server_.binlog_checksum = get("binlog_checksum").value_or("NONE");
  if (auto v = vars.find("version"); v != vars.end()) server_.version = v->second;
  server_.server_id = static_cast<uint32_t>(std::strtoul(vars["server_id"].c_str(), nullptr, 10));
  if (server_.server_id == config_.server_id) {
    return base::FailedPrecondition(
        "server-id {} of this capture equals @@server_id of {}; choose another: "
        "add ?server-id=<unique number> to the source URI",
        config_.server_id, ep);
  }
  return base::Status::Ok();
}

base::Result<model::SourcePosition> BinlogClient::CompletePosition(
    const model::SourcePosition& pos) {
  model::SourcePosition out = pos;
  if (!conn_) return base::Internal("BinlogClient::CompletePosition before Connect");
  if (out.gtids.empty() && !out.binlog.empty() && server_.is_mariadb) {
    auto r = conn_->Query(fmt::format("SELECT BINLOG_GTID_POS('{}', {})",
                                      conn_->Escape(out.binlog.file), out.binlog.offset));
    if (!r.ok())
      return r.status().WithContext("looking up the GTID position of " + out.binlog.ToString());
    if (!r->rows.empty() && r->rows[0].size() == 1 && r->rows[0][0]) {
      SLUICE_ASSIGN_OR_RETURN(out.gtids, model::MariaGtidSet::Parse(*r->rows[0][0]));
    }
  }
  return out;
}

base::Result<model::SourcePosition> BinlogClient::ResolveStart(const StartSpec& spec) {
  if (!conn_) return base::Internal("BinlogClient::ResolveStart before Connect");
  model::SourcePosition pos;
  switch (spec.kind) {
    case StartSpec::Kind::kGtid:
      pos.gtids = spec.gtids;
      return pos;
    case StartSpec::Kind::kFile:
      pos.binlog = spec.file;
      return CompletePosition(pos);
    case StartSpec::Kind::kNow: {
      auto r = conn_->Query("SHOW MASTER STATUS");
      if (!r.ok()) return r.status().WithContext("resolving start=now (SHOW MASTER STATUS)");
      if (r->rows.empty() || r->rows[0].size() < 2 || !r->rows[0][0] || !r->rows[0][1]) {
        return base::FailedPrecondition(
            "SHOW MASTER STATUS returned nothing on {}; binary logging is off: start the server "
            "with --log-bin",
            config_.Endpoint());
      }
      pos.binlog.file = *r->rows[0][0];
      pos.binlog.offset = std::strtoull(r->rows[0][1]->c_str(), nullptr, 10);
      return CompletePosition(pos);
    }
    case StartSpec::Kind::kEarliest: {
      auto r = conn_->Query("SHOW BINARY LOGS");
      if (!r.ok()) return r.status().WithContext("resolving start=earliest (SHOW BINARY LOGS)");
      if (r->rows.empty() || r->rows[0].empty() || !r->rows[0][0]) {
        return base::FailedPrecondition(
            "SHOW BINARY LOGS returned nothing on {}; binary logging is off: start the server with "
            "--log-bin",
            config_.Endpoint());
      }
      pos.binlog.file = *r->rows[0][0];
      pos.binlog.offset = 4;
      return CompletePosition(pos);
    }
  }
  return pos;
}

std::string BinlogClient::PositionText() const {
  if (by_gtid_) return "gtid:" + stream_start_.gtids.ToString();
  return "file:" + stream_start_.binlog.ToString();
}

base::Status BinlogClient::StartStream(const model::SourcePosition& start) {
  if (!conn_) return base::Internal("BinlogClient::StartStream before Connect");
  stream_start_ = start;
  by_gtid_ = !start.gtids.empty() && server_.is_mariadb;
  if (!by_gtid_ && start.binlog.empty()) {
    return base::InvalidArgument("cannot start the binlog stream: the start position is empty");
  }
  auto heartbeat_ns = static_cast<uint64_t>(config_.heartbeat.count()) * 1'000'000ull;
  std::string sets = fmt::format(
      "SET @master_binlog_checksum = @@global.binlog_checksum, "
      "@source_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4, "
      "@master_heartbeat_period = {}",
      heartbeat_ns);
  if (by_gtid_) {
    sets += fmt::format(", @slave_connect_state = '{}', @slave_gtid_strict_mode = 1",
                        conn_->Escape(start.gtids.ToString()));
  }
  SLUICE_RETURN_IF_ERROR(conn_->Exec(sets).WithContext("preparing the replication session"));

  rpl_ = mariadb_rpl_init(conn_->handle());
  if (!rpl_) return base::ResourceExhausted("mariadb_rpl_init failed on {}", config_.Endpoint());
  uint16_t flags = config_.annotate_rows ? MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS : 0;
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, static_cast<unsigned int>(config_.server_id));
  mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, static_cast<unsigned int>(flags));
  if (by_gtid_) {
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, static_cast<unsigned long>(4));
  } else {
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, start.binlog.file.c_str(),
                         start.binlog.file.size());
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, static_cast<unsigned long>(start.binlog.offset));
  }
  if (mariadb_rpl_open(rpl_) != 0) return FetchError();
  base::Logger("source.mysql")
      ->info("streaming binlog of {} from {}", config_.Endpoint(), PositionText());
  return base::Status::Ok();
}

base::Status BinlogClient::FetchError() {
  if (interrupted_) return base::Cancelled("binlog stream from {} closed", config_.Endpoint());
  unsigned int err = conn_ ? mysql_errno(conn_->handle()) : 0;
  std::string msg = conn_ ? mysql_error(conn_->handle()) : "";
  if (err == 0 && rpl_ && mariadb_rpl_errno(rpl_) != 0) {
    return base::DataLoss("binlog stream from {}: Connector/C could not read an event: {} ({})",
                          config_.Endpoint(), mariadb_rpl_error(rpl_), mariadb_rpl_errno(rpl_));
  }
  const std::string ep = config_.Endpoint();
  switch (err) {
    case 0:
      return base::Unavailable("binlog stream from {} ended unexpectedly; reconnect", ep);
    case ER_MASTER_FATAL_ERROR_READING_BINLOG:
      return base::FailedPrecondition(
          "binlog position {} is no longer on the server {} (purged?); restart from `start=now` "
          "or re-snapshot (server said: {})",
          PositionText(), ep, msg);
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_ERROR:
      return base::FailedPrecondition(
          "user '{}' lacks REPLICATION SLAVE on {}: {} (server said: {})", config_.user, ep,
          Fix(config_.user), msg);
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED:
      return base::Unavailable(
          "the binlog dump on {} was stopped by the server: {} ({}); reconnect", ep, msg, err);
    case CR_SERVER_LOST:
    case CR_SERVER_GONE_ERROR:
      return base::Unavailable(
          "lost the binlog connection to {}: {} (no data for read-timeout={}ms or the server went "
          "away); reconnect",
          ep, msg, config_.read_timeout.count());
    default:
      if (err >= 2000 && err < 3000) {
        return base::Unavailable("binlog connection to {} failed: {} ({}); reconnect", ep, msg,
                                 err);
      }
      return base::FailedPrecondition("binlog stream from {} failed: {} ({})", ep, msg, err);
  }
}

base::Status BinlogClient::Fetch(std::span<const uint8_t>* event) {
  if (!rpl_) return base::Internal("BinlogClient::Fetch before StartStream");
  if (interrupted_) return FetchError();
  // On failure Connector/C frees the event passed in; the returned pointer is the one to keep.
  event_ = mariadb_rpl_fetch(rpl_, event_);
  if (!event_) return FetchError();
  if (event_->raw_data_ofs > event_->raw_data_size ||
      event_->raw_data_size - event_->raw_data_ofs < kEventHeaderLen) {
    return base::DataLoss(
        "binlog stream from {}: packet of {} bytes is shorter than an event header",
        config_.Endpoint(), event_->raw_data_size);
  }
  const uint8_t* p = event_->raw_data + event_->raw_data_ofs;
  size_t avail = event_->raw_data_size - event_->raw_data_ofs;
  uint32_t len = static_cast<uint32_t>(p[9]) | static_cast<uint32_t>(p[10]) << 8 |
                 static_cast<uint32_t>(p[11]) << 16 | static_cast<uint32_t>(p[12]) << 24;
  if (len < kEventHeaderLen || len > avail) {
    return base::DataLoss(
        "binlog stream from {}: event_length {} does not fit the {}-byte packet (type {})",
        config_.Endpoint(), len, avail, p[4]);
  }
  *event = std::span<const uint8_t>(p, len);
  return base::Status::Ok();
}

void BinlogClient::Interrupt() {
  interrupted_ = true;
  if (conn_) conn_->Interrupt();
}

void BinlogClient::Close() {
  if (event_) {
    mariadb_free_rpl_event(event_);
    event_ = nullptr;
  }
  if (rpl_) {
    mariadb_rpl_close(rpl_);
    rpl_ = nullptr;
  }
  if (conn_) conn_->Close();
}

}  // namespace sluice::source::mysql
