#include "client/mysql/mysql_connection.h"

#include <sys/socket.h>

#include <cstdlib>
#include <cstring>

#include <mariadb/errmsg.h>
#include <mariadb/mysql.h>
#include <mariadb/mysqld_error.h>

#include "base/tcp_probe.h"

namespace sluice::client::mysql {

namespace {

// Connector/C reports the OS error in parentheses at the end: "Can't connect to server on
// '127.0.0.1' (111)". Returns strerror of it, or the message itself.
std::string OsReason(const char* message) {
  std::string_view m(message ? message : "");
  size_t open = m.rfind('(');
  size_t close = m.rfind(')');
  if (open != std::string_view::npos && close == m.size() - 1 && close > open + 1) {
    std::string num(m.substr(open + 1, close - open - 1));
    char* end = nullptr;
    long e = std::strtol(num.c_str(), &end, 10);
    if (end && *end == '\0' && e > 0) return std::strerror(static_cast<int>(e));
    if (end && *end == '\0') return std::string(m.substr(0, open > 0 ? open - 1 : 0));
  }
  return std::string(m);
}

unsigned int ToSeconds(std::chrono::milliseconds d) {
  auto s = (d.count() + 999) / 1000;
  return static_cast<unsigned int>(s < 1 ? 1 : s);
}

}  // namespace

std::string ConnectOptions::Endpoint() const {
  if (!unix_socket.empty()) return unix_socket;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

base::Result<std::unique_ptr<MySqlConnection>> MySqlConnection::Connect(
    const ConnectOptions& options) {
  std::unique_ptr<MySqlConnection> conn(new MySqlConnection(options));
  conn->mysql_ = mysql_init(nullptr);
  if (!conn->mysql_) return base::ResourceExhausted("mysql_init failed: out of memory");
  MYSQL* m = conn->mysql_;
  unsigned int connect_s = ToSeconds(options.connect_timeout);
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  if (options.read_timeout.count() > 0) {
    unsigned int s = ToSeconds(options.read_timeout);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &s);
  }
  if (options.write_timeout.count() > 0) {
    unsigned int s = ToSeconds(options.write_timeout);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &s);
  }
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Binlog events and row values can be as large as the server's max_allowed_packet (<= 1 GiB).
  unsigned long max_packet = 1ul << 30;
  mysql_optionsv(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
  // Never read /etc/mysql/*.cnf: the URI is the whole configuration.
  const char* host = options.unix_socket.empty() ? options.host.c_str() : "localhost";
  if (!mysql_real_connect(m, host, options.user.c_str(), options.password.c_str(),
                          options.database.empty() ? nullptr : options.database.c_str(),
                          options.port,
                          options.unix_socket.empty() ? nullptr : options.unix_socket.c_str(),
                          CLIENT_MULTI_STATEMENTS)) {
    unsigned int err = mysql_errno(m);
    std::string msg = mysql_error(m);
    conn->last_errno_ = err;
    switch (err) {
      case ER_ACCESS_DENIED_ERROR:
      case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
        return base::InvalidArgument(
            "access denied for user '{}' at {}; check the user and password in the {} and that "
            "'{}'@'<client host>' exists",
            options.user, options.Endpoint(), options.configured_by, options.user);
      case ER_DBACCESS_DENIED_ERROR:
      case ER_BAD_DB_ERROR:
        return base::InvalidArgument("cannot use database '{}' on {} as user '{}': {}",
                                     options.database, options.Endpoint(), options.user, msg);
      case CR_CONNECTION_ERROR:
      case CR_CONN_HOST_ERROR:
      case CR_UNKNOWN_HOST:
      case CR_SERVER_LOST:
      case CR_SERVER_GONE_ERROR:
      default:
        if (err >= 2000 && err < 3000) {
          std::string reason = OsReason(msg.c_str());
          if (options.unix_socket.empty() &&
              (err == CR_CONN_HOST_ERROR || err == CR_CONNECTION_ERROR)) {
            // Connector/C connects non-blocking when a timeout is set and then reports
            // EINPROGRESS instead of the real reason; a plain TCP connect tells it.
            std::string probed =
                base::ProbeTcp(options.host, options.port, options.connect_timeout);
            if (!probed.empty()) reason = probed;
          }
          return base::Unavailable(
              "cannot connect to MariaDB at {}: {}; check host/port and that the server is "
              "running",
              options.Endpoint(), reason);
        }
        return base::Unavailable("cannot connect to MariaDB at {} ({}): {}", options.Endpoint(),
                                 err, msg);
    }
  }
  conn->socket_fd_ = static_cast<int>(mysql_get_socket(m));
  return conn;
}

MySqlConnection::~MySqlConnection() { Close(); }

void MySqlConnection::Interrupt() {
  int fd = socket_fd_.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

void MySqlConnection::Close() {
  if (mysql_) {
    socket_fd_ = -1;
    mysql_close(mysql_);
    mysql_ = nullptr;
  }
}

base::Status MySqlConnection::ErrorStatus(std::string_view what) {
  if (!mysql_)
    return base::Unavailable("{} on {}: connection is closed", what, options_.Endpoint());
  unsigned int err = mysql_errno(mysql_);
  last_errno_ = err;
  std::string msg = mysql_error(mysql_);
  if (err >= 2000 && err < 3000) {
    return base::Unavailable("{} on {}: {} ({})", what, options_.Endpoint(), msg, err);
  }
  switch (err) {
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
      return base::Aborted("{} on {}: {} ({})", what, options_.Endpoint(), msg, err);
    case ER_ACCESS_DENIED_ERROR:
    case ER_PARSE_ERROR:
      return base::InvalidArgument("{} on {}: {} ({})", what, options_.Endpoint(), msg, err);
    default:
      return base::FailedPrecondition("{} on {}: {} ({})", what, options_.Endpoint(), msg, err);
  }
}

base::Result<QueryResult> MySqlConnection::Query(std::string_view sql) {
  if (!mysql_) return base::Unavailable("query on {}: connection is closed", options_.Endpoint());
  last_errno_ = 0;
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return ErrorStatus("query failed");
  QueryResult out;
  bool first = true;
  while (true) {
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res) {
      if (first) {
        unsigned int n = mysql_num_fields(res);
        MYSQL_FIELD* fields = mysql_fetch_fields(res);
        for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
        while (MYSQL_ROW row = mysql_fetch_row(res)) {
          unsigned long* lengths = mysql_fetch_lengths(res);
          std::vector<std::optional<std::string>> r(n);
          for (unsigned int i = 0; i < n; ++i) {
            if (row[i]) r[i].emplace(row[i], lengths[i]);
          }
          out.rows.push_back(std::move(r));
        }
        first = false;
      }
      mysql_free_result(res);
    } else if (mysql_field_count(mysql_) != 0) {
      return ErrorStatus("reading result failed");
    }
    int next = mysql_next_result(mysql_);
    if (next > 0) return ErrorStatus("query failed");
    if (next < 0) break;
  }
  return out;
}

base::Status MySqlConnection::Exec(std::string_view sql) {
  auto r = Query(sql);
  return r.ok() ? base::Status::Ok() : r.status();
}

std::string MySqlConnection::Escape(std::string_view s) {
  std::string out(s.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(mysql_, out.data(), s.data(), s.size());
  out.resize(n);
  return out;
}

std::string MySqlConnection::server_version() {
  return mysql_ ? mysql_get_server_info(mysql_) : "";
}

bool MySqlConnection::is_mariadb() { return server_version().find("MariaDB") != std::string::npos; }

}  // namespace sluice::client::mysql
