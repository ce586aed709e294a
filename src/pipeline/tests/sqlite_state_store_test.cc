#include "pipeline/sqlite_state_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace sluice::pipeline {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("sluice-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

model::SourcePosition Pos(const std::string& file, uint64_t off) {
  model::SourcePosition p;
  p.binlog = {file, off};
  return p;
}

ChangefeedRecord Record(const std::string& id) {
  ChangefeedRecord r;
  r.config.id = id;
  r.config.source_uri = "mysql://sluice:src-pa55@127.0.0.1:3306/?start=now";
  r.config.sink_uri = "kafka://127.0.0.1:9092/cdc?protocol=canal-json&sasl-user=u&sasl-password=x";
  r.config.filter_rules = {"shop.*", "!shop.tmp_*"};
  r.config.case_sensitive = true;
  dispatch::DispatchRule d1;
  d1.matcher = {"shop.*"};
  d1.topic = "cdc_{schema}_{table}";
  d1.partition = dispatch::PartitionRule::kColumns;
  d1.columns = {"a", "b"};
  dispatch::DispatchRule d2;
  d2.matcher = {"log.*"};
  d2.partition = dispatch::PartitionRule::kTs;
  r.config.dispatchers = {d1, d2};
  r.desired = DesiredState::kPaused;
  r.created_at_ms = 1700000000000;
  r.updated_at_ms = 1700000000123;
  return r;
}

void ExpectSameRecord(const ChangefeedRecord& a, const ChangefeedRecord& b) {
  EXPECT_EQ(a.config.id, b.config.id);
  EXPECT_EQ(a.config.source_uri, b.config.source_uri);
  EXPECT_EQ(a.config.sink_uri, b.config.sink_uri);
  EXPECT_EQ(a.config.filter_rules, b.config.filter_rules);
  EXPECT_EQ(a.config.case_sensitive, b.config.case_sensitive);
  ASSERT_EQ(a.config.dispatchers.size(), b.config.dispatchers.size());
  for (size_t i = 0; i < a.config.dispatchers.size(); ++i) {
    EXPECT_EQ(a.config.dispatchers[i].matcher, b.config.dispatchers[i].matcher);
    EXPECT_EQ(a.config.dispatchers[i].topic, b.config.dispatchers[i].topic);
    EXPECT_EQ(a.config.dispatchers[i].partition, b.config.dispatchers[i].partition);
    EXPECT_EQ(a.config.dispatchers[i].columns, b.config.dispatchers[i].columns);
  }
  EXPECT_EQ(a.desired, b.desired);
  EXPECT_EQ(a.created_at_ms, b.created_at_ms);
  EXPECT_EQ(a.updated_at_ms, b.updated_at_ms);
}

TEST(SqliteStateStore, RecordsRoundTripAndReplace) {
  TempDir dir;
  auto store = SqliteStateStore::Open(dir.File("sluice.db"));
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto missing = (*store)->GetChangefeed("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ChangefeedRecord a = Record("a");
  ASSERT_TRUE((*store)->PutChangefeed(a).ok());
  auto got = (*store)->GetChangefeed("a");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  ExpectSameRecord(**got, a);

  a.desired = DesiredState::kRunning;
  a.config.filter_rules = {"*.*"};
  a.updated_at_ms += 1;
  ASSERT_TRUE((*store)->PutChangefeed(a).ok());
  ChangefeedRecord b = Record("b");
  b.config.dispatchers.clear();
  ASSERT_TRUE((*store)->PutChangefeed(b).ok());

  auto list = (*store)->ListChangefeeds();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  ExpectSameRecord((*list)[0], a);
  ExpectSameRecord((*list)[1], b);

  ASSERT_TRUE((*store)->Save("a", Pos("bin.000001", 4)).ok());
  ASSERT_TRUE((*store)->DeleteChangefeed("a").ok());
  EXPECT_FALSE((*store)->GetChangefeed("a")->has_value());
  EXPECT_FALSE((*store)->Load("a")->has_value()) << "DeleteChangefeed deletes the checkpoint too";
  EXPECT_EQ((*store)->ListChangefeeds()->size(), 1u);
}

TEST(SqliteStateStore, CheckpointsRoundTripReplaceAndRemove) {
  TempDir dir;
  auto store = SqliteStateStore::Open(dir.File("sluice.db"));
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_FALSE((*store)->Load("cf")->has_value());
  model::SourcePosition p = Pos("mysql-bin.000003", 1234);
  auto gtids = model::MariaGtidSet::Parse("0-1-27,1-5-880");
  ASSERT_TRUE(gtids.ok());
  p.gtids = *gtids;
  ASSERT_TRUE((*store)->Save("cf", p).ok());
  auto loaded = (*store)->Load("cf");
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->Serialize(), p.Serialize());

  ASSERT_TRUE((*store)->Save("cf", Pos("mysql-bin.000004", 4)).ok());
  EXPECT_EQ((*store)->Load("cf")->value().binlog.file, "mysql-bin.000004");
  ASSERT_TRUE((*store)->Save("other", Pos("x.000001", 8)).ok());
  ASSERT_TRUE((*store)->Remove("cf").ok());
  EXPECT_FALSE((*store)->Load("cf")->has_value());
  EXPECT_EQ((*store)->Load("other")->value().binlog.offset, 8u);
}

TEST(SqliteStateStore, ReopenKeepsEverythingAndIsPrivate) {
  TempDir dir;
  std::string path = dir.File("state/sluice.db");  // parent directory is created
  ChangefeedRecord a = Record("a");
  {
    auto store = SqliteStateStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->PutChangefeed(a).ok());
    ASSERT_TRUE((*store)->Save("a", Pos("bin.000002", 77)).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the file holds passwords";
  auto store = SqliteStateStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto got = (*store)->GetChangefeed("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameRecord(**got, a);
  auto cp = (*store)->Load("a");
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->binlog.file, "bin.000002");
  EXPECT_EQ((*cp)->binlog.offset, 77u);
}

// A child process saves checkpoints 1, 2, 3, ... and reports each one after Save returned; it
// is killed with SIGKILL mid-stream. The reopened store must hold the last reported checkpoint
// (or the one being saved when the kill came), never an older or torn one.
TEST(SqliteStateStore, CheckpointSurvivesKill9) {
  TempDir dir;
  std::string path = dir.File("sluice.db");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = SqliteStateStore::Open(path);
    if (!store.ok()) ::_exit(2);
    for (uint64_t i = 1;; ++i) {
      if (!(*store)->Save("cf", Pos("bin.000001", i)).ok()) ::_exit(3);
      if (::write(fds[1], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) ::_exit(4);
    }
  }
  ::close(fds[1]);
  uint64_t last = 0, v = 0;
  while (last < 100 && ::read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) last = v;
  ::kill(pid, SIGKILL);
  while (::read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) last = v;
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_GE(last, 100u);

  auto store = SqliteStateStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto cp = (*store)->Load("cf");
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  ASSERT_TRUE(cp->has_value());
  uint64_t got = (*cp)->binlog.offset;
  EXPECT_TRUE(got == last || got == last + 1) << "acknowledged " << last << ", stored " << got;
}

TEST(SqliteStateStore, CorruptFileIsDataLossNamingTheFileAndTheFix) {
  TempDir dir;
  std::string path = dir.File("sluice.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not a database ";
  }
  auto store = SqliteStateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::Code::kDataLoss);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("move it aside"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStateStore, DamagedPagesAreDataLoss) {
  TempDir dir;
  std::string path = dir.File("sluice.db");
  {
    auto store = SqliteStateStore::Open(path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE((*store)->PutChangefeed(Record("cf" + std::to_string(i))).ok());
    }
  }
  // Keep the valid 100-byte header, overwrite the rest of the first pages with garbage.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    std::string junk(8000, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto store = SqliteStateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::Code::kDataLoss) << store.status().message();
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

TEST(SqliteStateStore, NewerSchemaIsRefused) {
  TempDir dir;
  std::string path = dir.File("sluice.db");
  ASSERT_TRUE(SqliteStateStore::Open(path).ok());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = SqliteStateStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStateStore, UnopenablePathNamesIt) {
  TempDir dir;
  std::string as_dir = dir.File("isdir.db");
  fs::create_directories(as_dir);
  auto bad = SqliteStateStore::Open(as_dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kFailedPrecondition) << bad.status().message();
  EXPECT_NE(bad.status().message().find(as_dir), std::string::npos) << bad.status().message();
}

TEST(SqliteStateStore, ConcurrentWritersAndReaders) {
  TempDir dir;
  auto opened = SqliteStateStore::Open(dir.File("sluice.db"));
  ASSERT_TRUE(opened.ok());
  SqliteStateStore* store = opened->get();
  constexpr int kThreads = 4, kWrites = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string id = "cf" + std::to_string(t);
      ChangefeedRecord r = Record(id);
      if (!store->PutChangefeed(r).ok()) failures++;
      for (int i = 1; i <= kWrites; ++i) {
        if (!store->Save(id, Pos("bin.000001", static_cast<uint64_t>(i))).ok()) failures++;
        auto back = store->Load(id);
        if (!back.ok() || !back->has_value() || (*back)->binlog.offset != static_cast<uint64_t>(i))
          failures++;
        if (!store->ListChangefeeds().ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(store->Load("cf" + std::to_string(t))->value().binlog.offset,
              static_cast<uint64_t>(kWrites));
  }
  EXPECT_EQ(store->ListChangefeeds()->size(), static_cast<size_t>(kThreads));
}

TEST(SqliteStateStore, TwoConnectionsToOneFileSeeEachOther) {
  TempDir dir;
  auto a = SqliteStateStore::Open(dir.File("sluice.db"));
  auto b = SqliteStateStore::Open(dir.File("sluice.db"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Save("cf", Pos("bin.000009", 9)).ok());
  EXPECT_EQ((*b)->Load("cf")->value().binlog.file, "bin.000009");
}

TEST(ChangefeedConfigJson, RoundTripsAndRejectsGarbage) {
  ChangefeedConfig c = Record("x").config;
  auto back = ChangefeedConfigFromJson(ChangefeedConfigToJson(c), "test");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->sink_uri, c.sink_uri);
  EXPECT_EQ(back->dispatchers.size(), 2u);
  EXPECT_EQ(back->dispatchers[0].partition, dispatch::PartitionRule::kColumns);
  auto bad = ChangefeedConfigFromJson("{\"id\": 5}", "row x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kDataLoss);
  EXPECT_NE(bad.status().message().find("row x"), std::string::npos);
  EXPECT_FALSE(ChangefeedConfigFromJson("not json", "row x").ok());
}

}  // namespace
}  // namespace sluice::pipeline
