// MySqlConnection: a plain SQL connection to MariaDB/MySQL (Connector/C), for the binlog
// source (pre-flight checks, position look-ups, the replication handle), the MariaDB/MySQL row
// sink, the table diff, the API's connection test and schema browser, and tests.
//
// Lifecycle: Connect() returns a connected object; Close() (or the destructor) disconnects.
// Threading: one thread at a time; only Interrupt() may be called from another thread.
// Errors: client-side connection failures (host down, lost connection) are Unavailable,
// access denied is InvalidArgument, deadlock/lock-wait timeouts are Aborted, other server
// errors FailedPrecondition. Messages name the endpoint and the server error; never a password.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct st_mysql;  // MYSQL from <mariadb/mysql.h>

namespace sluice::client::mysql {

struct ConnectOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string unix_socket;  // used instead of host/port when non-empty
  std::string user;
  std::string password;
  std::string database;  // optional default database
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{0};   // 0 = none
  std::chrono::milliseconds write_timeout{0};  // 0 = none
  // Where the settings come from, for "check the user and password in the <...>".
  std::string configured_by = "source URI";

  std::string Endpoint() const;  // "127.0.0.1:3306" or the socket path
};

// Rows of a result set; a NULL column is std::nullopt. Strings keep binary bytes (0x00 too).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class MySqlConnection {
 public:
  static base::Result<std::unique_ptr<MySqlConnection>> Connect(const ConnectOptions& options);
  ~MySqlConnection();
  MySqlConnection(const MySqlConnection&) = delete;
  MySqlConnection& operator=(const MySqlConnection&) = delete;

  // Runs a statement that returns rows.
  base::Result<QueryResult> Query(std::string_view sql);
  // Runs a statement (or several separated by ';' — multi-statements are enabled) and discards
  // any result.
  base::Status Exec(std::string_view sql);
  // Returns `s` escaped for use inside a single-quoted SQL string literal.
  std::string Escape(std::string_view s);

  // The server error number of the last failed call (0 if none), e.g. 1227, 2013.
  unsigned int last_errno() const { return last_errno_; }
  const ConnectOptions& options() const { return options_; }
  // The server version string ("10.11.6-MariaDB-0+deb12u1").
  std::string server_version();
  bool is_mariadb();

  // Unblocks a call blocked in another thread by shutting the socket down; the connection is
  // unusable afterwards. Safe to call from any thread, any number of times.
  void Interrupt();
  void Close();

  // The underlying handle, for the replication API. Owned by this object.
  st_mysql* handle() { return mysql_; }

  // Maps the handle's current error to a Status with `what` as context.
  base::Status ErrorStatus(std::string_view what);

 private:
  explicit MySqlConnection(ConnectOptions options) : options_(std::move(options)) {}

  ConnectOptions options_;
  st_mysql* mysql_ = nullptr;
  std::atomic<int> socket_fd_{-1};
  unsigned int last_errno_ = 0;
};

}  // namespace sluice::client::mysql
