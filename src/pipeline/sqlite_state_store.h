// SqliteStateStore: the StateStore of a sluice server, one SQLite file (<state-dir>/sluice.db).
//
// Durability: WAL journal with synchronous=FULL, so every method's transaction is on disk when
// it returns and survives kill -9 and power loss (SQLite's atomic commit: the previous or the
// new state, never a torn one).
//
// Schema (version 1, created on first open; `meta` holds schema_version):
//   changefeeds(id TEXT PRIMARY KEY, config TEXT /* JSON */, desired TEXT, created_ms, updated_ms)
//   checkpoints(id TEXT PRIMARY KEY, position TEXT /* SourcePosition::Serialize */, updated_ms)
// The config JSON holds id, source_uri, sink_uri (with secrets: protect the file, mode 0600),
// filter_rules, case_sensitive and dispatchers.
//
// Threading: one connection guarded by a mutex; every method may be called from any thread.
// Errors: a corrupt or foreign file is DataLoss naming the file and the fix; a busy or failing
// disk is Unavailable; a newer schema is FailedPrecondition.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "pipeline/state_store.h"

struct sqlite3;

namespace sluice::pipeline {

class SqliteStateStore : public StateStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens (creating it and its parent directory if needed) the database at `path`.
  static base::Result<std::unique_ptr<SqliteStateStore>> Open(const std::string& path);
  ~SqliteStateStore() override;
  SqliteStateStore(const SqliteStateStore&) = delete;
  SqliteStateStore& operator=(const SqliteStateStore&) = delete;

  // CheckpointStore
  base::Result<std::optional<model::SourcePosition>> Load(const std::string& id) override;
  base::Status Save(const std::string& id, const model::SourcePosition& position) override;
  base::Status Remove(const std::string& id) override;

  // StateStore
  base::Result<std::optional<ChangefeedRecord>> GetChangefeed(const std::string& id) override;
  base::Result<std::vector<ChangefeedRecord>> ListChangefeeds() override;
  base::Status PutChangefeed(const ChangefeedRecord& record) override;
  base::Status DeleteChangefeed(const std::string& id) override;

  const std::string& path() const { return path_; }

 private:
  SqliteStateStore(std::string path, sqlite3* db);
  base::Status Init();

  std::string path_;
  std::mutex mu_;
  sqlite3* db_;
};

// The JSON form of a ChangefeedConfig stored in the changefeeds table (contains secrets).
std::string ChangefeedConfigToJson(const ChangefeedConfig& config);
// Errors are DataLoss naming the field; `origin` names where the text came from.
base::Result<ChangefeedConfig> ChangefeedConfigFromJson(std::string_view json,
                                                        std::string_view origin);

}  // namespace sluice::pipeline
