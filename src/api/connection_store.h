// ConnectionStore: the console's saved connections, in the `connections` table of the server's
// state database (<state-dir>/sluice.db, next to the changefeeds of pipeline::SqliteStateStore;
// created on first open, ignored by servers that do not know it).
//
//   connections(name TEXT PRIMARY KEY, config TEXT /* ConnectionToStoredJson, with secrets */,
//               created_ms INTEGER, updated_ms INTEGER)
//
// Durability as the state store: WAL, synchronous=FULL, each call one transaction.
// Threading: one connection guarded by a mutex; every method may be called from any thread.
// Errors: Unavailable for a busy or failing database, DataLoss for an unreadable row.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/connection.h"
#include "base/status.h"

struct sqlite3;

namespace sluice::api {

class ConnectionStore {
 public:
  // Opens the database at `path` (the file the state store uses); creates the table.
  static base::Result<std::unique_ptr<ConnectionStore>> Open(const std::string& path);
  ~ConnectionStore();
  ConnectionStore(const ConnectionStore&) = delete;
  ConnectionStore& operator=(const ConnectionStore&) = delete;

  base::Result<std::optional<Connection>> Get(const std::string& name);
  base::Result<std::vector<Connection>> List();
  // Inserts or replaces; keeps created_at_ms of an existing row, sets updated_at_ms.
  base::Result<Connection> Put(Connection connection);
  // NotFound when absent.
  base::Status Delete(const std::string& name);

 private:
  ConnectionStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  base::Status Error(int rc, std::string_view what);

  std::string path_;
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace sluice::api
