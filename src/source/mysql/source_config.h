// MySqlSourceConfig: how to reach a MariaDB/MySQL server and where to start reading its binlog,
// parsed from a source URI:
//
//   mysql://user:password@host:port/?server-id=N&start=now&connect-timeout=10s&heartbeat=1s
//   mariadb://...   (same syntax)
//
// Every query option is declared once in a table (MySqlSourceOptions()) with its name, doc,
// default and bounds; an unknown option is an InvalidArgument that lists the valid ones.
// The password is kept only in `password`; use Redacted() for anything that is displayed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/position.h"

namespace sluice::source::mysql {

// Where to start when no checkpoint is given to Source::Open.
struct StartSpec {
  enum class Kind : uint8_t {
    kNow,       // the current end of the binlog (SHOW MASTER STATUS / @@gtid_binlog_pos)
    kEarliest,  // the first binlog file still on the server, offset 4
    kGtid,      // after the given MariaDB GTID position ("0-1-27,1-5-880")
    kFile,      // at a file offset ("mysql-bin.000003:4")
  };
  Kind kind = Kind::kNow;
  model::MariaGtidSet gtids;   // kGtid
  model::BinlogPosition file;  // kFile

  std::string ToString() const;  // "now", "earliest", "gtid:0-1-27", "file:mysql-bin.000003:4"
  static base::Result<StartSpec> Parse(std::string_view text);
};

struct MySqlSourceConfig {
  std::string scheme = "mysql";  // "mysql" or "mariadb"; both speak the same protocol
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string user;
  std::string password;  // secret: never logged, never in errors; see Redacted()
  // Replica server id sent with COM_BINLOG_DUMP. Must be unique among everything replicating
  // from the server and differ from the server's own @@server_id. Default: DefaultServerId().
  uint32_t server_id = 0;
  bool server_id_explicit = false;  // true when given in the URI
  StartSpec start;
  std::chrono::milliseconds connect_timeout{10'000};
  // A replication read that sees no byte for this long (not even a heartbeat) fails the
  // stream with Unavailable. Must be at least twice `heartbeat`.
  std::chrono::milliseconds read_timeout{30'000};
  // Heartbeat period requested from the server (@master_heartbeat_period) while idle.
  std::chrono::milliseconds heartbeat{1'000};
  bool verify_checksum = true;  // verify binlog event CRC32s
  bool annotate_rows = false;   // ask for ANNOTATE_ROWS events (the SQL text of row events)

  // "host:port" ("[::1]:3306" for IPv6 literals), used in every error message.
  std::string Endpoint() const;
  // The URI with the password replaced by "****" (safe to log and to print).
  std::string Redacted() const;
};

// The default replica server id for host:port: FNV-1a-32 of "host:port" folded into
// [1000000, 4294967295], so it is stable across restarts, non-zero and unlikely to clash with the
// small ids operators give real servers. Two captures of the same server must set distinct ids.
uint32_t DefaultServerId(std::string_view host, uint16_t port);

// One entry of the option table.
struct MySqlSourceOption {
  std::string_view name;
  std::string_view doc;
  std::string_view default_value;
  std::string_view bounds;  // human-readable range, e.g. "1s..1h"
};
const std::vector<MySqlSourceOption>& MySqlSourceOptions();

// Parses a mysql:// or mariadb:// URI. Errors are InvalidArgument naming the offending part;
// they never contain the password.
base::Result<MySqlSourceConfig> ParseMySqlSourceUri(std::string_view uri);

}  // namespace sluice::source::mysql
