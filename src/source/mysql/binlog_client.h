// BinlogClient: a MariaDB/MySQL replication connection that yields raw binlog events.
//
// Built on MariaDB Connector/C (<mariadb/mariadb_rpl.h>) in the "hybrid" way the reference
// recommends: Connector/C does the handshake, authentication, packet framing and COM_BINLOG_DUMP;
// we run the replica session SETs ourselves and hand the raw event bytes (19-byte v4 header +
// body + CRC32 if enabled) to the pure BinlogParser. mariadb_rpl_extract_rows is never used.
//
// Lifecycle: Connect() (connects and runs the preflight checks) → optionally ResolveStart() →
// StartStream() → Fetch() repeatedly → Close(). A client streams once; to reposition, create a
// new client. Threading: all calls from one thread, except Interrupt(), which may be called from
// any thread to unblock a Fetch() (which then returns Cancelled).
//
// Errors (one line naming the setting and the fix):
//   host down / connection lost / read timeout  → Unavailable (the pipeline reconnects)
//   wrong user or password                       → InvalidArgument
//   log_bin off, binlog_format/row_image/row_metadata wrong, log_bin_compress on, missing
//   REPLICATION SLAVE / BINLOG MONITOR, server_id clash, purged position (1236)
//                                                → FailedPrecondition
//   an event Connector/C cannot frame            → DataLoss
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "model/position.h"
#include "client/mysql/mysql_connection.h"
#include "source/mysql/source_config.h"

struct st_mariadb_rpl;        // MARIADB_RPL
struct st_mariadb_rpl_event;  // MARIADB_RPL_EVENT

namespace sluice::source::mysql {

using client::mysql::ConnectOptions;
using client::mysql::MySqlConnection;
using client::mysql::QueryResult;

// What the preflight learned about the server.
struct ServerInfo {
  std::string version;  // @@version
  bool is_mariadb = true;
  uint32_t server_id = 0;
  std::string binlog_checksum;  // "CRC32" or "NONE"
};

class BinlogClient {
 public:
  explicit BinlogClient(MySqlSourceConfig config);
  ~BinlogClient();
  BinlogClient(const BinlogClient&) = delete;
  BinlogClient& operator=(const BinlogClient&) = delete;

  // Connects (connect-timeout; read-timeout applies to every later read) and checks, in order:
  // privileges (REPLICATION SLAVE, BINLOG MONITOR), log_bin, binlog_format=ROW,
  // binlog_row_image=FULL, binlog_row_metadata=FULL (when the server has it),
  // log_bin_compress=OFF, and that our server-id differs from the server's.
  base::Status Connect();

  // Turns a start spec into a concrete position on this server: kNow = SHOW MASTER STATUS
  // and the GTID position at that offset; kEarliest = first file of SHOW BINARY LOGS, offset 4;
  // kGtid / kFile as given. On MariaDB a file position is completed with its GTID position
  // (BINLOG_GTID_POS) so later checkpoints carry every domain. Requires Connect().
  base::Result<model::SourcePosition> ResolveStart(const StartSpec& spec);
  // Same for a checkpoint: adds the GTID position of a file-only position (MariaDB).
  base::Result<model::SourcePosition> CompletePosition(const model::SourcePosition& pos);

  // Runs the replica session SETs and sends COM_BINLOG_DUMP. Positions by GTID
  // (@slave_connect_state, strict mode) when `start.gtids` is non-empty on MariaDB, otherwise at
  // `start.binlog`. Requires Connect().
  base::Status StartStream(const model::SourcePosition& start);

  // Blocks until the next event (heartbeats included: type 27 arrives every `heartbeat` while
  // idle) and points `event` at its bytes, valid until the next Fetch()/Close().
  base::Status Fetch(std::span<const uint8_t>* event);

  // Unblocks a Fetch() in another thread; the client is unusable afterwards.
  void Interrupt();
  void Close();

  const ServerInfo& server() const { return server_; }
  const MySqlSourceConfig& config() const { return config_; }
  // The plain connection (for queries before StartStream()).
  MySqlConnection* connection() { return conn_.get(); }

 private:
  base::Status CheckPrivileges();
  base::Status CheckVariables();
  base::Status FetchError();
  std::string PositionText() const;

  MySqlSourceConfig config_;
  std::unique_ptr<MySqlConnection> conn_;
  ServerInfo server_;
  st_mariadb_rpl* rpl_ = nullptr;
  st_mariadb_rpl_event* event_ = nullptr;
  model::SourcePosition stream_start_;
  bool by_gtid_ = false;
  std::atomic<bool> interrupted_{false};
};

}  // namespace sluice::source::mysql
