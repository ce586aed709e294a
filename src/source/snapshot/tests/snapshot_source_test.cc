// SnapshotSource against an in-memory database with a change log: chunk reads at exact
// positions, a random writer running through the whole snapshot, random chunk sizes,
// parallelism and key kinds (integers, case-insensitive strings), and restarts from
// checkpoints. The output is applied by a strict consumer (an update or delete must find its
// row, an insert or snapshot read must not) and compared with the table at the end. The same
// properties are tested against real MariaDB and PostgreSQL in the integration tests; this test
// runs many seeds quickly and needs no server.
#include "source/snapshot/snapshot_source.h"

#include "base/logging.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace sluice::source::snapshot {
namespace {

using model::ChangeEvent;
using model::RowOp;
using model::Value;
using Clock = std::chrono::steady_clock;

std::string Fold(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Key order of the fake database: integers, or strings case-insensitively.
struct KeyLess {
  bool ci = false;
  bool operator()(const Value& a, const Value& b) const {
    if (ci) return Fold(a.as_string()) < Fold(b.as_string());
    return a.as_int() < b.as_int();
  }
};
using Table = std::map<Value, std::string, KeyLess>;

struct Change {
  size_t table = 0;
  RowOp op = RowOp::kInsert;
  Value before_key, after_key;
  std::string before_v, after_v;
};

// The fake server: tables, a log of committed transactions (position i+1 = after txns[i]).
class FakeServer {
 public:
  FakeServer(size_t tables, bool ci) : ci_(ci) {
    for (size_t i = 0; i < tables; ++i) tables_.emplace_back(KeyLess{ci});
  }
  bool ci() const { return ci_; }

  void Commit(std::vector<Change> txn) {
    std::lock_guard lock(mu_);
    for (const auto& c : txn) {
      Table& t = tables_[c.table];
      if (c.op != RowOp::kInsert) t.erase(c.before_key);
      if (c.op != RowOp::kDelete) t[c.after_key] = c.after_v;
    }
    log_.push_back(std::move(txn));
    cv_.notify_all();
  }
  void Dump(const Value& key) const {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < log_.size(); ++i) {
      for (const auto& c : log_[i]) {
        auto f = [&](const Value& v) { return v.kind() == Value::Kind::kString ? Fold(v.as_string()) : std::to_string(v.as_int()); };
        bool hit = (c.op != RowOp::kInsert && f(c.before_key) == f(key)) || (c.op != RowOp::kDelete && f(c.after_key) == f(key));
        if (hit) std::cerr << "  LOG pos " << i + 1 << " table " << c.table << " op " << (int)c.op << " " << (c.op != RowOp::kInsert ? f(c.before_key) + ":" + c.before_v : "-") << " -> " << (c.op != RowOp::kDelete ? f(c.after_key) + ":" + c.after_v : "-") << "\n";
      }
    }
  }
  uint64_t end() const {
    std::lock_guard lock(mu_);
    return log_.size();
  }
  std::vector<Table> Copy() const {
    std::lock_guard lock(mu_);
    return tables_;
  }
  std::pair<uint64_t, std::vector<Table>> CopyAt() const {
    std::lock_guard lock(mu_);
    return {log_.size(), tables_};
  }
  // Waits until the log has more than `pos` transactions or `deadline`.
  std::vector<std::vector<Change>> From(uint64_t pos, Clock::time_point deadline) const {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return log_.size() > pos; });
    return std::vector<std::vector<Change>>(log_.begin() + static_cast<long>(std::min(pos, log_.size())),
                                            log_.end());
  }

  // One random transaction of 1..3 changes against the current tables.
  void RandomTxn(std::mt19937& rng, int key_space) {
    std::vector<Change> txn;
    auto tables = Copy();
    int n = 1 + static_cast<int>(rng() % 3);
    std::set<std::string> touched;  // keys touched by this txn (folded), per table
    for (int i = 0; i < n; ++i) {
      size_t ti = rng() % tables.size();
      Table& t = tables[ti];
      auto key = [&](int k) {
        if (!ci_) return Value::Int(k - key_space / 2);  // negatives too
        std::string s = "k" + std::to_string(k);
        if (rng() % 2) s[0] = 'K';
        return Value::String(s);
      };
      auto id = [&](const Value& k) {
        return std::to_string(ti) + ":" + (ci_ ? Fold(k.as_string()) : std::to_string(k.as_int()));
      };
      Value k = key(static_cast<int>(rng() % key_space));
      if (touched.count(id(k))) continue;
      auto it = t.find(k);
      Change c;
      c.table = ti;
      std::string v = "v" + std::to_string(rng() % 100000);
      if (it == t.end()) {
        c.op = RowOp::kInsert;
        c.after_key = k;
        c.after_v = v;
      } else if (rng() % 4 == 0) {
        c.op = RowOp::kDelete;
        c.before_key = it->first;
        c.before_v = it->second;
      } else {
        c.op = RowOp::kUpdate;
        c.before_key = it->first;
        c.before_v = it->second;
        c.after_key = it->first;
        c.after_v = v;
        if (rng() % 5 == 0) {  // move the row to another key
          Value k2 = key(static_cast<int>(rng() % key_space));
          if (!t.count(k2) && !touched.count(id(k2))) {
            c.after_key = k2;
            touched.insert(id(k2));
          }
        }
      }
      touched.insert(id(k));
      if (c.op != RowOp::kInsert) t.erase(c.before_key);
      if (c.op != RowOp::kDelete) t[c.after_key] = c.after_v;
      txn.push_back(std::move(c));
    }
    if (!txn.empty()) Commit(std::move(txn));
  }

 private:
  bool ci_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Table> tables_;
  std::vector<std::vector<Change>> log_;
};

model::TableSchemaPtr MakeSchema(size_t ti, bool ci, const std::string& extra = "") {
  auto s = std::make_shared<model::TableSchema>();
  s->schema = "db";
  s->table = "t" + std::to_string(ti);
  if (!extra.empty()) s->columns.push_back({.name = extra, .type = model::ColumnType::kInt});
  s->columns.push_back({.name = "k", .type = ci ? model::ColumnType::kVarChar : model::ColumnType::kInt,
                        .nullable = false, .is_primary_key = true});
  s->columns.push_back({.name = "v", .type = model::ColumnType::kVarChar});
  s->primary_key = {extra.empty() ? 0u : 1u};
  return s;
}

model::SourcePosition Pos(uint64_t n) {
  model::SourcePosition p;
  p.binlog = {"log", n};
  return p;
}

class FoldingOracle : public CollationOracle {
 public:
  base::Status Compare(std::span<const TextComparison> cs, std::vector<int>* out) override {
    out->clear();
    for (const auto& c : cs) {
      auto a = Fold(std::string(c.a)), b = Fold(std::string(c.b));
      out->push_back(a < b ? -1 : a > b ? 1 : 0);
    }
    return base::Status::Ok();
  }
};

class FakeReader : public ChunkReader {
 public:
  FakeReader(const FakeServer* server, std::vector<model::TableSchemaPtr> schemas, uint32_t seed)
      : server_(server), schemas_(std::move(schemas)), rng_(seed) {}
  base::Result<std::optional<Key>> NextBoundary(const TableInfo& info, const std::optional<Key>& lo,
                                                size_t rows) override {
    Jitter();
    auto tables = server_->Copy();
    const Table& t = tables[IndexOf(info)];
    auto it = lo ? t.upper_bound((*lo)[0]) : t.begin();
    for (size_t i = 1; i < rows && it != t.end(); ++i) ++it;
    if (it == t.end() || std::next(it) == t.end()) return std::optional<Key>();
    return std::optional<Key>(Key{it->first});
  }
  base::Result<ReadPoint> Begin() override {
    Jitter();
    auto [pos, tables] = server_->CopyAt();
    at_ = std::move(tables);
    ReadPoint p;
    p.position = Pos(pos);
    return p;
  }
  base::Result<TableInfo> Describe(const TableId& table) override {
    for (size_t i = 0; i < schemas_.size(); ++i) {
      if (schemas_[i]->table == table.table) {
        TableInfo info;
        info.schema = schemas_[i];
        info.key = {0};
        info.order = {server_->ci() ? PartOrder::kCollated : PartOrder::kSigned};
        info.estimated_rows = server_->Copy()[i].size();
        return info;
      }
    }
    return base::NotFound("no table {}", table.Name());
  }
  base::Status ReadChunk(const TableInfo& info, const std::optional<Key>& lo,
                         const std::optional<Key>& hi, const RowSink& sink) override {
    const Table& t = at_[IndexOf(info)];
    auto it = lo ? t.upper_bound((*lo)[0]) : t.begin();
    auto end = hi ? t.upper_bound((*hi)[0]) : t.end();
    for (; it != end; ++it) {
      if (rng_() % 64 == 0) Jitter();
      SLUICE_RETURN_IF_ERROR(sink({it->first, Value::String(it->second)}));
    }
    return base::Status::Ok();
  }
  base::Status End() override { return base::Status::Ok(); }
  void Interrupt() override {}

 private:
  size_t IndexOf(const TableInfo& info) const { return std::stoul(info.schema->table.substr(1)); }
  void Jitter() { std::this_thread::sleep_for(std::chrono::microseconds(rng_() % 1500)); }
  const FakeServer* server_;
  std::vector<model::TableSchemaPtr> schemas_;
  std::mt19937 rng_;
  std::vector<Table> at_;
};

class FakeDatabase : public SnapshotDatabase {
 public:
  FakeDatabase(const FakeServer* server, std::vector<model::TableSchemaPtr> schemas, uint32_t seed)
      : server_(server), schemas_(std::move(schemas)), seed_(seed) {}
  base::Result<std::vector<TableId>> ListTables(
      const std::function<bool(const std::string&, const std::string&)>& match) override {
    std::vector<TableId> out;
    for (const auto& s : schemas_) {
      if (match(s->schema, s->table)) out.push_back({s->schema, s->table});
    }
    return out;
  }
  base::Result<model::SourcePosition> CurrentPosition() override { return Pos(server_->end()); }
  base::Result<bool> PositionAvailable(const model::SourcePosition&) override { return true; }
  base::Result<std::unique_ptr<ChunkReader>> NewReader() override {
    return std::unique_ptr<ChunkReader>(new FakeReader(server_, schemas_, seed_ + ++readers_));
  }
  CollationOracle* oracle() override { return &oracle_; }
  bool Sees(const ReadPoint& point, const TxnRef& txn) const override {
    return txn.start.binlog.offset < point.position.binlog.offset;
  }
  bool Passed(const model::SourcePosition& stream, const ReadPoint& point) const override {
    return stream.binlog.offset >= point.position.binlog.offset;
  }

 private:
  const FakeServer* server_;
  std::vector<model::TableSchemaPtr> schemas_;
  uint32_t seed_;
  std::atomic<uint32_t> readers_{0};
  FoldingOracle oracle_;
};

// The change stream of the fake server; rows use the stream's own schema objects (with an
// extra leading column, so the snapshot must find its key columns by name).
class FakeStream : public Source {
 public:
  FakeStream(const FakeServer* server, std::vector<model::TableSchemaPtr> schemas)
      : server_(server), schemas_(std::move(schemas)) {}
  base::Status Open(const model::SourcePosition& start) override {
    pos_ = start.empty() ? server_->end() : start.binlog.offset;
    return base::Status::Ok();
  }
  base::Status Read(std::vector<ChangeEvent>* out, size_t max_events,
                    std::chrono::milliseconds wait) override {
    auto txns = server_->From(pos_, Clock::now() + wait);
    if (txns.empty()) {
      ChangeEvent hb;
      hb.kind = ChangeEvent::Kind::kHeartbeat;
      hb.position = Pos(pos_);
      out->push_back(hb);
      return base::Status::Ok();
    }
    size_t n = 0;
    for (const auto& txn : txns) {
      ++pos_;
      model::TxnInfo info;
      info.commit_ts = pos_;
      for (const auto& c : txn) {
        ChangeEvent ev;
        ev.txn = info;
        ev.row.op = c.op;
        ev.row.table = schemas_[c.table];
        if (c.op != RowOp::kInsert) ev.row.before = {Value::Int(7), c.before_key, Value::String(c.before_v)};
        if (c.op != RowOp::kDelete) ev.row.after = {Value::Int(7), c.after_key, Value::String(c.after_v)};
        out->push_back(std::move(ev));
      }
      ChangeEvent commit;
      commit.kind = ChangeEvent::Kind::kCommit;
      commit.txn = info;
      commit.position = Pos(pos_);
      out->push_back(std::move(commit));
      if (++n >= max_events / 4) break;
    }
    return base::Status::Ok();
  }
  void Close() override {}

 private:
  const FakeServer* server_;
  std::vector<model::TableSchemaPtr> schemas_;
  uint64_t pos_ = 0;
};

// Applies the output. Strict: what a change needs must be there (an exact hand-off never
// delivers a change of a row before the row's snapshot read, nor a read after a change).
struct Consumer {
  explicit Consumer(size_t tables, bool ci) {
    for (size_t i = 0; i < tables; ++i) tables_.emplace_back(KeyLess{ci});
  }
  void Apply(const ChangeEvent& ev, bool strict) {
    if (ev.kind == ChangeEvent::Kind::kCommit) {
      checkpoint = ev.position;
      return;
    }
    if (ev.kind != ChangeEvent::Kind::kRow) return;
    size_t ti = std::stoul(ev.row.table->table.substr(1));
    Table& t = tables_[ti];
    // Snapshot rows have the snapshot's schema (k, v); stream rows the stream's (x, k, v).
    size_t k = ev.row.table->columns.size() == 3 ? 1 : 0;
    {
      std::string desc = ev.row.snapshot != model::SnapshotRead::kNo ? "read" : std::to_string((int)ev.row.op);
      desc += " b=" + (ev.row.before.empty() ? std::string("-") : (ev.row.before[k].kind()==Value::Kind::kString? ev.row.before[k].as_string(): std::to_string(ev.row.before[k].as_int())) + ":" + ev.row.before[k+1].as_string());
      desc += " a=" + (ev.row.after.empty() ? std::string("-") : (ev.row.after[k].kind()==Value::Kind::kString? ev.row.after[k].as_string(): std::to_string(ev.row.after[k].as_int())) + ":" + ev.row.after[k+1].as_string());
      history.push_back(desc);
    }
    auto key_of = [&](const std::vector<Value>& img) { return img[k]; };
    auto val_of = [&](const std::vector<Value>& img) { return img[k + 1].as_string(); };
    if (ev.row.snapshot != model::SnapshotRead::kNo) {
      ++reads;
      if (ev.row.snapshot == model::SnapshotRead::kLast) ++lasts;
      if (strict && t.count(key_of(ev.row.after))) {
        ++violations;
        std::cerr << "VIOLATION read of existing " << key_of(ev.row.after).as_string() << "\n";
      }
      t[key_of(ev.row.after)] = val_of(ev.row.after);
      return;
    }
    ++changes;
    if (ev.row.op != RowOp::kInsert) {
      if (strict && !t.count(key_of(ev.row.before))) {
        ++violations;
        std::cerr << "VIOLATION change of missing " << (int)ev.row.op << " " << key_of(ev.row.before).as_string() << "\n";
      }
      t.erase(key_of(ev.row.before));
    }
    if (ev.row.op != RowOp::kDelete) {
      if (strict && t.count(key_of(ev.row.after))) {
        ++violations;
        std::cerr << "VIOLATION insert of existing " << (int)ev.row.op << " " << key_of(ev.row.after).as_string() << " had " << t.find(key_of(ev.row.after))->first.as_string() << "\n";
      }
      t[key_of(ev.row.after)] = val_of(ev.row.after);
    }
  }
  std::vector<Table> tables_;
  std::vector<std::string> history;
  model::SourcePosition checkpoint;
  uint64_t reads = 0, lasts = 0, changes = 0, violations = 0;
};

struct Run {
  uint32_t seed;
  bool ci;
  size_t tables;
  size_t chunk_rows;
  size_t parallelism;
  int restarts;  // kill-and-resume points
};

void RunSnapshot(const Run& r) {
  SCOPED_TRACE(testing::Message() << "seed " << r.seed << " ci " << r.ci << " chunk "
                                  << r.chunk_rows << " parallelism " << r.parallelism);
  std::mt19937 rng(r.seed);
  FakeServer server(r.tables, r.ci);
  const int key_space = 2000;
  for (int i = 0; i < 1500; ++i) server.RandomTxn(rng, key_space);  // rows before the snapshot

  std::vector<model::TableSchemaPtr> snap, stream;
  for (size_t i = 0; i < r.tables; ++i) {
    snap.push_back(MakeSchema(i, r.ci));
    stream.push_back(MakeSchema(i, r.ci, "x"));
  }
  std::atomic<bool> stop_writer{false};
  std::thread writer([&, seed = r.seed] {
    std::mt19937 wrng(seed * 7 + 1);
    while (!stop_writer) {
      server.RandomTxn(wrng, key_space);
      std::this_thread::sleep_for(std::chrono::microseconds(wrng() % 400));
    }
  });

  SnapshotOptions opts;
  opts.chunk_rows = r.chunk_rows;
  opts.parallelism = r.parallelism;
  auto make = [&] {
    return std::make_unique<SnapshotSource>(
        std::make_unique<FakeStream>(&server, stream),
        std::make_unique<FakeDatabase>(&server, snap, r.seed), opts, nullptr);
  };
  Consumer consumer(r.tables, r.ci);
  auto src = make();
  ASSERT_TRUE(src->Open(model::SourcePosition()).ok());
  int restarts = 0;
  bool strict = true;
  std::vector<ChangeEvent> out;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  int resumed_from_chunk = 0;
  uint64_t reads_at_restart = 0;
  while (Clock::now() < deadline) {
    out.clear();
    ASSERT_TRUE(src->Read(&out, 64, std::chrono::milliseconds(20)).ok());
    for (const auto& ev : out) consumer.Apply(ev, strict);
    if (restarts < r.restarts && src->active() &&
        consumer.reads > reads_at_restart + 3 * r.chunk_rows) {
      reads_at_restart = consumer.reads;
      // kill -9: everything after the last commit the consumer saw is replayed.
      ++restarts;
      strict = false;
      src = make();
      ASSERT_TRUE(src->Open(consumer.checkpoint).ok());
      // Resumed from the copied chunks, not from the start.
      auto saved = SnapshotState::Decode(consumer.checkpoint.snapshot);
      if (saved.ok()) {
        uint64_t saved_rows = 0, resumed_rows = 0;
        for (const auto& t : saved->tables) saved_rows += t.rows;
        for (const auto& t : src->state().tables) resumed_rows += t.rows;
        EXPECT_EQ(resumed_rows, saved_rows);
        resumed_from_chunk += saved_rows > 0;
      }
      continue;
    }
    if (!src->active() && !stop_writer) {
      stop_writer = true;
      writer.join();
    }
    if (stop_writer && !src->active() && out.size() == 1 &&
        out[0].kind == ChangeEvent::Kind::kHeartbeat && out[0].position.binlog.offset == server.end()) {
      break;
    }
  }
  if (!stop_writer) {
    stop_writer = true;
    writer.join();
  }
  ASSERT_FALSE(src->active()) << "the snapshot did not finish";
  auto want = server.Copy();
  for (size_t i = 0; i < r.tables; ++i) {
    ASSERT_EQ(consumer.tables_[i].size(), want[i].size()) << "table " << i;
    for (const auto& [k, v] : want[i]) {
      auto it = consumer.tables_[i].find(k);
      ASSERT_NE(it, consumer.tables_[i].end()) << "missing key";
      EXPECT_EQ(it->second, v);
      if (it->second != v) {
        server.Dump(k);
        std::string ks = k.kind() == Value::Kind::kString ? Fold(k.as_string()) : std::to_string(k.as_int());
        for (const auto& h : consumer.history) if (Fold(h).find(ks + ":") != std::string::npos) std::cerr << "  H " << h << "\n";
      }
    }
  }
  EXPECT_GT(consumer.reads, 0u);
  if (r.restarts == 0) {
    EXPECT_EQ(consumer.violations, 0u) << "a change arrived before its row's read, or after it";
    // The final chunk's last row carries "last" (unless the writer emptied that chunk).
    EXPECT_LE(consumer.lasts, 1u);
  }
  EXPECT_EQ(restarts, r.restarts);
  if (r.restarts > 0) EXPECT_GT(resumed_from_chunk, 0) << "no restart resumed from a chunk";
}

TEST(SnapshotSource, ExactHandOffWithIntegerKeysAndARandomWriter) {
  if (getenv("SNAP_DEBUG")) base::SetLogLevel(getenv("SNAP_DEBUG"));
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    RunSnapshot({seed, false, 2, 1 + seed * 17 % 90, 1 + seed % 4, 0});
  }
}

TEST(SnapshotSource, ExactHandOffWithCaseInsensitiveStringKeys) {
  if (getenv("SNAP_DEBUG")) base::SetLogLevel(getenv("SNAP_DEBUG"));
  for (uint32_t seed : {11u, 12u, 13u}) {
    RunSnapshot({seed, true, 2, 3 + seed * 13 % 70, 1 + seed % 3, 0});
  }
}

TEST(SnapshotSource, ResumesFromCheckpointsAfterRestarts) {
  for (uint32_t seed : {21u, 22u, 23u}) {
    RunSnapshot({seed, seed % 2 == 0, 2, 10 + seed % 20, 1 + seed % 3, 5});
  }
}

}  // namespace
}  // namespace sluice::source::snapshot
