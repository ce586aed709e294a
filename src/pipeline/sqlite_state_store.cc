#include "pipeline/sqlite_state_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace sluice::pipeline {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Maps a SQLite result code to a Status whose code tells the caller what to do.
base::Status SqlError(int rc, sqlite3* db, const std::string& path, std::string_view what) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return base::DataLoss(
          "state database {} is corrupt or not a sluice database ({} while {}); restore it from "
          "a backup, or move it aside to start with an empty state (changefeeds must then be "
          "created again)",
          path, msg, what);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return base::Unavailable(
          "state database {} is locked ({} while {}); another process may be using it: stop the "
          "other sluice server that uses this state directory",
          path, msg, what);
    case SQLITE_FULL:
      return base::ResourceExhausted("state database {}: disk full while {}; free disk space", path,
                                     what);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return base::FailedPrecondition(
          "cannot open or write state database {} ({} while {}); check that the path is a "
          "writable file in a writable directory",
          path, msg, what);
    case SQLITE_IOERR:
      return base::Unavailable("state database {}: I/O error ({} while {}); check the disk", path,
                               msg, what);
    default:
      return base::Internal("state database {}: {} while {}", path, msg, what);
  }
}

// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& path) : db_(db), path_(path) {}
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  base::Status Prepare(std::string_view sql, std::string_view what) {
    what_ = what;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) return SqlError(rc, db_, path_, what_);
    return base::Status::Ok();
  }
  void Bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  // True when a row is available, false when done.
  base::Result<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqlError(rc, db_, path_, what_);
  }
  base::Status Run() { return Step().status(); }
  std::string Text(int col) {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;
};

base::Status Exec(sqlite3* db, const std::string& path, const char* sql, std::string_view what) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return SqlError(rc, db, path, what);
  return base::Status::Ok();
}

// BEGIN IMMEDIATE ... COMMIT; rolls back unless Commit() succeeded.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  base::Status Begin(std::string_view what) {
    SLUICE_RETURN_IF_ERROR(Exec(db_, path_, "BEGIN IMMEDIATE", what));
    open_ = true;
    return base::Status::Ok();
  }
  base::Status Commit(std::string_view what) {
    SLUICE_RETURN_IF_ERROR(Exec(db_, path_, "COMMIT", what));
    open_ = false;
    return base::Status::Ok();
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool open_ = false;
};

std::string_view DesiredName(DesiredState d) {
  return d == DesiredState::kPaused ? "paused" : "running";
}

}  // namespace

std::string ChangefeedConfigToJson(const ChangefeedConfig& config) {
  nlohmann::json dispatchers = nlohmann::json::array();
  for (const auto& r : config.dispatchers) {
    dispatchers.push_back({{"matcher", r.matcher},
                           {"topic", r.topic},
                           {"partition", std::string(dispatch::PartitionRuleName(r.partition))},
                           {"columns", r.columns}});
  }
  nlohmann::json j = {{"id", config.id},
                      {"source_uri", config.source_uri},
                      {"sink_uri", config.sink_uri},
                      {"filter_rules", config.filter_rules},
                      {"case_sensitive", config.case_sensitive},
                      {"dispatchers", std::move(dispatchers)}};
  return j.dump();
}

base::Result<ChangefeedConfig> ChangefeedConfigFromJson(std::string_view text,
                                                        std::string_view origin) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return base::DataLoss("{}: the changefeed config is not a JSON object", origin);
  }
  ChangefeedConfig c;
  try {
    c.id = j.at("id").get<std::string>();
    c.source_uri = j.at("source_uri").get<std::string>();
    c.sink_uri = j.at("sink_uri").get<std::string>();
    c.filter_rules = j.at("filter_rules").get<std::vector<std::string>>();
    c.case_sensitive = j.value("case_sensitive", false);
    c.dispatchers.clear();
    if (j.contains("dispatchers")) {
      for (const auto& d : j.at("dispatchers")) {
        dispatch::DispatchRule r;
        r.matcher = d.at("matcher").get<std::vector<std::string>>();
        r.topic = d.value("topic", std::string());
        auto p = dispatch::ParsePartitionRule(d.value("partition", std::string()));
        if (!p.ok()) return base::DataLoss("{}: dispatchers: {}", origin, p.status().message());
        r.partition = *p;
        r.columns = d.value("columns", std::vector<std::string>());
        c.dispatchers.push_back(std::move(r));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return base::DataLoss("{}: the changefeed config JSON is malformed: {}", origin, e.what());
  }
  return c;
}

SqliteStateStore::SqliteStateStore(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db) {}

SqliteStateStore::~SqliteStateStore() { sqlite3_close_v2(db_); }

base::Result<std::unique_ptr<SqliteStateStore>> SqliteStateStore::Open(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return base::FailedPrecondition("cannot create state directory {}: {}; check --state-dir",
                                      parent.string(), ec.message());
    }
  }
  // The file holds source and sink passwords: create it readable by its owner only (SQLite
  // gives the -wal and -shm files the same permissions).
  if (int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    base::Status st = SqlError(rc, db, path, "opening");
    sqlite3_close_v2(db);
    return st;
  }
  std::unique_ptr<SqliteStateStore> store(new SqliteStateStore(path, db));
  SLUICE_RETURN_IF_ERROR(store->Init());
  return store;
}

base::Status SqliteStateStore::Init() {
  std::lock_guard lock(mu_);
  sqlite3_busy_timeout(db_, 5000);
  // Reading the header first turns "not a database" into a clear error before anything else.
  {
    Stmt st(db_, path_);
    SLUICE_RETURN_IF_ERROR(st.Prepare("PRAGMA quick_check", "checking integrity"));
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row && st.Text(0) != "ok") {
      return base::DataLoss(
          "state database {} failed its integrity check ({}); restore it from a backup, or move "
          "it aside to start with an empty state (changefeeds must then be created again)",
          path_, st.Text(0));
    }
  }
  {
    Stmt st(db_, path_);
    SLUICE_RETURN_IF_ERROR(st.Prepare("PRAGMA journal_mode=WAL", "enabling WAL"));
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.Text(0) != "wal") {
      return base::FailedPrecondition(
          "state database {}: cannot use WAL journaling (got '{}'); put the state directory on a "
          "local file system",
          path_, row ? st.Text(0) : std::string());
    }
  }
  SLUICE_RETURN_IF_ERROR(Exec(db_, path_, "PRAGMA synchronous=FULL", "setting synchronous"));

  Transaction tx(db_, path_);
  SLUICE_RETURN_IF_ERROR(tx.Begin("creating the schema"));
  SLUICE_RETURN_IF_ERROR(Exec(db_, path_,
                              "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT "
                              "NOT NULL)",
                              "creating the schema"));
  int version = 0;
  {
    Stmt st(db_, path_);
    SLUICE_RETURN_IF_ERROR(
        st.Prepare("SELECT value FROM meta WHERE key='schema_version'", "reading schema_version"));
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      std::string v = st.Text(0);
      try {
        version = std::stoi(v);
      } catch (...) {
        return base::DataLoss(
            "state database {} has an unreadable schema_version '{}'; restore it from a backup or "
            "move it aside",
            path_, v);
      }
    }
  }
  if (version > kSchemaVersion) {
    return base::FailedPrecondition(
        "state database {} has schema version {}, newer than this sluice supports ({}); run a "
        "newer sluice or use another --state-dir",
        path_, version, kSchemaVersion);
  }
  if (version < 1) {
    SLUICE_RETURN_IF_ERROR(Exec(db_, path_,
                                "CREATE TABLE IF NOT EXISTS changefeeds ("
                                " id TEXT PRIMARY KEY,"
                                " config TEXT NOT NULL,"
                                " desired TEXT NOT NULL,"
                                " created_ms INTEGER NOT NULL,"
                                " updated_ms INTEGER NOT NULL);"
                                "CREATE TABLE IF NOT EXISTS checkpoints ("
                                " id TEXT PRIMARY KEY,"
                                " position TEXT NOT NULL,"
                                " updated_ms INTEGER NOT NULL);"
                                "INSERT OR REPLACE INTO meta(key, value) VALUES"
                                " ('schema_version', '1');",
                                "creating the schema"));
  }
  return tx.Commit("creating the schema");
}

base::Result<std::optional<model::SourcePosition>> SqliteStateStore::Load(const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt st(db_, path_);
  SLUICE_RETURN_IF_ERROR(
      st.Prepare("SELECT position FROM checkpoints WHERE id=?", "loading a checkpoint"));
  st.Bind(1, id);
  SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<model::SourcePosition>();
  auto pos = model::SourcePosition::Deserialize(st.Text(0));
  if (!pos.ok()) {
    return base::DataLoss(
        "state database {}: the checkpoint of changefeed '{}' is corrupt ({}); remove and "
        "re-create the changefeed with an explicit start position",
        path_, id, pos.status().message());
  }
  return std::optional<model::SourcePosition>(std::move(pos).value());
}

base::Status SqliteStateStore::Save(const std::string& id, const model::SourcePosition& position) {
  std::lock_guard lock(mu_);
  Stmt st(db_, path_);
  SLUICE_RETURN_IF_ERROR(
      st.Prepare("INSERT OR REPLACE INTO checkpoints(id, position, updated_ms) VALUES (?, ?, ?)",
                 "saving a checkpoint"));
  st.Bind(1, id);
  st.Bind(2, position.Serialize());
  st.Bind(3, NowMs());
  return st.Run();
}

base::Status SqliteStateStore::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt st(db_, path_);
  SLUICE_RETURN_IF_ERROR(st.Prepare("DELETE FROM checkpoints WHERE id=?", "removing a checkpoint"));
  st.Bind(1, id);
  return st.Run();
}

namespace {

base::Result<ChangefeedRecord> ReadRecord(Stmt& st, const std::string& path) {
  ChangefeedRecord r;
  std::string id = st.Text(0);
  SLUICE_ASSIGN_OR_RETURN(
      r.config, ChangefeedConfigFromJson(
                    st.Text(1), fmt::format("state database {}, changefeed '{}'", path, id)));
  r.config.id = id;
  std::string desired = st.Text(2);
  if (desired == "running") {
    r.desired = DesiredState::kRunning;
  } else if (desired == "paused") {
    r.desired = DesiredState::kPaused;
  } else {
    return base::DataLoss(
        "state database {}, changefeed '{}': unknown desired state '{}'; restore the file from a "
        "backup",
        path, id, desired);
  }
  r.created_at_ms = st.Int(3);
  r.updated_at_ms = st.Int(4);
  return r;
}

}  // namespace

base::Result<std::optional<ChangefeedRecord>> SqliteStateStore::GetChangefeed(
    const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt st(db_, path_);
  SLUICE_RETURN_IF_ERROR(
      st.Prepare("SELECT id, config, desired, created_ms, updated_ms FROM changefeeds WHERE id=?",
                 "reading a changefeed"));
  st.Bind(1, id);
  SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<ChangefeedRecord>();
  SLUICE_ASSIGN_OR_RETURN(auto record, ReadRecord(st, path_));
  return std::optional<ChangefeedRecord>(std::move(record));
}

base::Result<std::vector<ChangefeedRecord>> SqliteStateStore::ListChangefeeds() {
  std::lock_guard lock(mu_);
  Stmt st(db_, path_);
  SLUICE_RETURN_IF_ERROR(
      st.Prepare("SELECT id, config, desired, created_ms, updated_ms FROM changefeeds ORDER BY id",
                 "listing changefeeds"));
  std::vector<ChangefeedRecord> out;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    SLUICE_ASSIGN_OR_RETURN(auto record, ReadRecord(st, path_));
    out.push_back(std::move(record));
  }
  return out;
}

base::Status SqliteStateStore::PutChangefeed(const ChangefeedRecord& record) {
  SLUICE_RETURN_IF_ERROR(ValidateChangefeedId(record.config.id));
  std::lock_guard lock(mu_);
  Stmt st(db_, path_);
  SLUICE_RETURN_IF_ERROR(
      st.Prepare("INSERT OR REPLACE INTO changefeeds(id, config, desired, created_ms, updated_ms) "
                 "VALUES (?, ?, ?, ?, ?)",
                 "storing a changefeed"));
  st.Bind(1, record.config.id);
  st.Bind(2, ChangefeedConfigToJson(record.config));
  st.Bind(3, DesiredName(record.desired));
  st.Bind(4, record.created_at_ms);
  st.Bind(5, record.updated_at_ms);
  return st.Run();
}

base::Status SqliteStateStore::DeleteChangefeed(const std::string& id) {
  std::lock_guard lock(mu_);
  Transaction tx(db_, path_);
  SLUICE_RETURN_IF_ERROR(tx.Begin("deleting a changefeed"));
  for (const char* sql :
       {"DELETE FROM changefeeds WHERE id=?", "DELETE FROM checkpoints WHERE id=?"}) {
    Stmt st(db_, path_);
    SLUICE_RETURN_IF_ERROR(st.Prepare(sql, "deleting a changefeed"));
    st.Bind(1, id);
    SLUICE_RETURN_IF_ERROR(st.Run());
  }
  return tx.Commit("deleting a changefeed");
}

}  // namespace sluice::pipeline
