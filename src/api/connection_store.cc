#include "api/connection_store.h"

#include <sqlite3.h>

#include <chrono>

namespace sluice::api {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Finalizes on destruction.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

void BindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* p = sqlite3_column_text(s, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}

}  // namespace

base::Status ConnectionStore::Error(int rc, std::string_view what) {
  std::string msg = sqlite3_errmsg(db_);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED || (rc & 0xff) == SQLITE_IOERR) {
    return base::Unavailable("state database {}: {} while {}; retry", path_, msg, what);
  }
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
    return base::DataLoss("state database {} is corrupt ({} while {}); restore it from a backup",
                          path_, msg, what);
  }
  return base::Internal("state database {}: {} while {}", path_, msg, what);
}

base::Result<std::unique_ptr<ConnectionStore>> ConnectionStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<ConnectionStore> store(new ConnectionStore(path, db));
  if (rc != SQLITE_OK) {
    return base::FailedPrecondition("cannot open state database {}: {}", path,
                                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(db, 5000);
  const char* sql =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS connections ("
      " name TEXT PRIMARY KEY, config TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)";
  rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return store->Error(rc, "creating the connections table");
  return store;
}

ConnectionStore::~ConnectionStore() { sqlite3_close_v2(db_); }

base::Result<std::optional<Connection>> ConnectionStore::Get(const std::string& name) {
  std::lock_guard lock(mu_);
  Stmt st;
  int rc =
      sqlite3_prepare_v2(db_, "SELECT config, created_ms, updated_ms FROM connections WHERE name=?",
                         -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "reading a connection");
  BindText(st.s, 1, name);
  rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<Connection>();
  if (rc != SQLITE_ROW) return Error(rc, "reading a connection");
  SLUICE_ASSIGN_OR_RETURN(Connection c, ConnectionFromStoredJson(ColumnText(st.s, 0)));
  c.created_at_ms = sqlite3_column_int64(st.s, 1);
  c.updated_at_ms = sqlite3_column_int64(st.s, 2);
  return std::optional<Connection>(std::move(c));
}

base::Result<std::vector<Connection>> ConnectionStore::List() {
  std::lock_guard lock(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(
      db_, "SELECT config, created_ms, updated_ms FROM connections ORDER BY name", -1, &st.s,
      nullptr);
  if (rc != SQLITE_OK) return Error(rc, "listing connections");
  std::vector<Connection> out;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    SLUICE_ASSIGN_OR_RETURN(Connection c, ConnectionFromStoredJson(ColumnText(st.s, 0)));
    c.created_at_ms = sqlite3_column_int64(st.s, 1);
    c.updated_at_ms = sqlite3_column_int64(st.s, 2);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return Error(rc, "listing connections");
  return out;
}

base::Result<Connection> ConnectionStore::Put(Connection c) {
  std::lock_guard lock(mu_);
  int64_t now = NowMs();
  Stmt st;
  int rc = sqlite3_prepare_v2(
      db_,
      "INSERT INTO connections(name, config, created_ms, updated_ms) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(name) DO UPDATE SET config=excluded.config, updated_ms=excluded.updated_ms "
      "RETURNING created_ms",
      -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "storing a connection");
  BindText(st.s, 1, c.name);
  BindText(st.s, 2, ConnectionToStoredJson(c).dump());
  sqlite3_bind_int64(st.s, 3, now);
  sqlite3_bind_int64(st.s, 4, now);
  rc = sqlite3_step(st.s);
  if (rc != SQLITE_ROW) return Error(rc, "storing a connection");
  c.created_at_ms = sqlite3_column_int64(st.s, 0);
  c.updated_at_ms = now;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return Error(rc, "storing a connection");
  return c;
}

base::Status ConnectionStore::Delete(const std::string& name) {
  std::lock_guard lock(mu_);
  Stmt st;
  int rc = sqlite3_prepare_v2(db_, "DELETE FROM connections WHERE name=?", -1, &st.s, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "deleting a connection");
  BindText(st.s, 1, name);
  rc = sqlite3_step(st.s);
  if (rc != SQLITE_DONE) return Error(rc, "deleting a connection");
  if (sqlite3_changes(db_) == 0) {
    return base::NotFound("no connection named '{}'; GET /api/v1/connections lists them", name);
  }
  return base::Status::Ok();
}

}  // namespace sluice::api
