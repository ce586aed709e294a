#include "source/snapshot/snapshot_source.h"

#include <algorithm>
#include <thread>

#include "base/logging.h"

namespace sluice::source::snapshot {
namespace {

using Clock = std::chrono::steady_clock;
using model::ChangeEvent;

auto Log() {
  static auto logger = base::Logger("source.snapshot");
  return logger;
}

std::string IndexKey(const std::string& schema, const std::string& table) {
  return schema + '\x1f' + table;
}

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

std::string_view SnapshotModeName(SnapshotMode mode) {
  switch (mode) {
    case SnapshotMode::kInitial:
      return "initial";
    case SnapshotMode::kNever:
      return "never";
    case SnapshotMode::kInitialOnly:
      return "initial-only";
    case SnapshotMode::kWhenNeeded:
      return "when-needed";
  }
  return "?";
}

base::Result<SnapshotMode> ParseSnapshotMode(std::string_view text) {
  for (auto m : {SnapshotMode::kInitial, SnapshotMode::kNever, SnapshotMode::kInitialOnly,
                 SnapshotMode::kWhenNeeded}) {
    if (text == SnapshotModeName(m)) return m;
  }
  return base::InvalidArgument(
      "snapshot='{}' is not a snapshot mode; use initial, never, initial-only or when-needed",
      text);
}

base::Result<std::vector<TableId>> ParseTableList(std::string_view text) {
  std::vector<TableId> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      size_t dot = item.find('.');
      if (dot == std::string_view::npos || dot == 0 || dot + 1 == item.size() ||
          item.find('.', dot + 1) != std::string_view::npos) {
        return base::InvalidArgument(
            "table '{}' is not of the form <schema>.<table> (e.g. shop.orders)", item);
      }
      TableId id{std::string(item.substr(0, dot)), std::string(item.substr(dot + 1))};
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return out;
}

SnapshotSource::SnapshotSource(std::unique_ptr<Source> stream,
                               std::unique_ptr<SnapshotDatabase> db, SnapshotOptions options,
                               std::shared_ptr<SnapshotControl> control)
    : stream_(std::move(stream)),
      db_(std::move(db)),
      options_(std::move(options)),
      control_(control ? std::move(control) : std::make_shared<SnapshotControl>()),
      text_(db_->oracle()) {}

SnapshotSource::~SnapshotSource() { Close(); }

void SnapshotSource::Reset() {
  if (pool_) pool_->Stop();
  pool_.reset();
  if (stream_open_) stream_->Close();
  stream_open_ = false;
  if (exported_) db_->ReleaseExported();
  exported_ = false;
  state_ = SnapshotState();
  active_ = false;
  finished_ = false;
  encoded_.clear();
  runtime_.clear();
  index_.clear();
  stream_start_ = stream_pos_ = model::SourcePosition();
  in_txn_ = false;
  inbuf_.clear();
  inpos_ = 0;
  prefetch_ = false;
  text_.Clear();
  inserting_.reset();
  inserting_info_.reset();
  held_.reset();
}

void SnapshotSource::Close() { Reset(); }

base::Status SnapshotSource::Open(const model::SourcePosition& start) {
  Reset();
  model::SourcePosition pos = start;
  std::string text = std::move(pos.snapshot);
  pos.snapshot.clear();
  if (text == SnapshotState::kFinishedMarker) {
    finished_ = true;
    encoded_ = text;
    Log()->info("the initial-only snapshot of this changefeed completed earlier: nothing to do");
    return base::Status::Ok();
  }
  if (text == SnapshotState::kInitialMarker) return BeginSnapshot(true, pos);
  if (!text.empty()) {
    SLUICE_ASSIGN_OR_RETURN(SnapshotState state, SnapshotState::Decode(text));
    return Resume(state, pos);
  }
  const bool wants_initial = options_.mode != SnapshotMode::kNever && !options_.explicit_start;
  if (pos.empty()) {
    if (wants_initial) return BeginSnapshot(true, pos);
    return base::Status::Ok();  // stream from the URI's start
  }
  if (options_.mode == SnapshotMode::kWhenNeeded) {
    SLUICE_ASSIGN_OR_RETURN(bool available, db_->PositionAvailable(pos));
    if (!available) {
      Log()->warn(
          "the checkpoint {} is no longer on the server (snapshot=when-needed): taking a new "
          "snapshot",
          pos.Serialize());
      return BeginSnapshot(false, model::SourcePosition());
    }
  }
  stream_start_ = stream_pos_ = pos;
  return base::Status::Ok();
}

base::Status SnapshotSource::BeginSnapshot(bool initial, const model::SourcePosition& from) {
  std::vector<TableId> tables;
  auto match = [this](const std::string& s, const std::string& t) {
    return !options_.match || options_.match(s, t);
  };
  SLUICE_ASSIGN_OR_RETURN(auto listed, db_->ListTables(match));
  if (options_.tables.empty()) {
    tables = std::move(listed);
  } else {
    for (const auto& t : options_.tables) {
      if (std::find(listed.begin(), listed.end(), t) == listed.end()) {
        SLUICE_ASSIGN_OR_RETURN(auto all, db_->ListTables(
                                              [&](const std::string& s, const std::string& n) {
                                                return s == t.schema && n == t.table;
                                              }));
        if (all.empty()) {
          return base::FailedPrecondition(
              "snapshot-tables names {}, which does not exist on the source; fix the list",
              t.Name());
        }
      }
      tables.push_back(t);
    }
  }
  state_ = SnapshotState();
  state_.id = 1;
  state_.initial = initial;
  for (const auto& t : tables) state_.tables.push_back(TableProgress{t.schema, t.table});
  runtime_.assign(state_.tables.size(), TableRuntime());
  for (size_t i = 0; i < state_.tables.size(); ++i) AddTableIndex(i);

  if (from.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto exported, db_->ExportSnapshot());
    if (exported) {
      stream_start_ = *exported;
      exported_ = true;
    } else {
      SLUICE_ASSIGN_OR_RETURN(stream_start_, db_->CurrentPosition());
    }
  } else {
    stream_start_ = from;
  }
  stream_pos_ = stream_start_;
  started_at_ = Clock::now();
  Log()->info("snapshot {}: copying {} table(s), streaming from {}{}", state_.id,
              state_.tables.size(), stream_start_.Serialize(),
              exported_ ? " (one exported snapshot for every chunk)" : "");
  std::vector<WorkItem> items;
  for (size_t i = 0; i < state_.tables.size(); ++i) {
    items.push_back({i, {state_.tables[i].schema, state_.tables[i].table}, std::nullopt});
  }
  return StartWork(std::move(items));
}

base::Status SnapshotSource::Resume(const SnapshotState& state, const model::SourcePosition& from) {
  state_ = state;
  runtime_.assign(state_.tables.size(), TableRuntime());
  for (size_t i = 0; i < state_.tables.size(); ++i) AddTableIndex(i);
  stream_start_ = stream_pos_ = from;
  started_at_ = Clock::now();
  // Tables under way need their key order now: stream changes are compared with the copied
  // prefix before their next chunk is read.
  std::unique_ptr<ChunkReader> reader;
  std::vector<WorkItem> items;
  for (size_t i = 0; i < state_.tables.size(); ++i) {
    TableProgress& t = state_.tables[i];
    if (t.state == TableState::kCopying) {
      if (!reader) {
        SLUICE_ASSIGN_OR_RETURN(reader, db_->NewReader());
      }
      auto info = reader->Describe({t.schema, t.table});
      if (!info.ok() && info.status().code() != base::Code::kNotFound) return info.status();
      if (!info.ok()) {
        t.state = TableState::kDone;
      } else if (!info->chunked() || !t.last_key || t.last_key->size() != info->key.size()) {
        Log()->warn("snapshot of {}: its key changed since the last checkpoint; copying it again",
                    t.Name());
        t.state = TableState::kPending;
        t.last_key.reset();
        t.rows = 0;
      } else {
        runtime_[i].order = info->Order();
      }
    }
    if (t.state != TableState::kDone) {
      items.push_back({i, {t.schema, t.table},
                       t.state == TableState::kCopying ? t.last_key : std::nullopt});
    }
  }
  if (reader) reader->Interrupt();
  size_t done = state_.tables.size() - items.size();
  Log()->info("snapshot {}: resuming ({} of {} table(s) done), streaming from {}", state_.id, done,
              state_.tables.size(), stream_start_.Serialize());
  if (items.empty()) {
    Complete();
    return base::Status::Ok();
  }
  return StartWork(std::move(items));
}

base::Status SnapshotSource::StartWork(std::vector<WorkItem> items) {
  active_ = true;
  encoded_ = state_.Encode();
  if (!pool_) {
    ChunkPoolOptions po;
    po.parallelism = options_.parallelism;
    po.chunk_rows = options_.chunk_rows;
    po.max_chunk_bytes = options_.max_chunk_bytes;
    pool_ = std::make_unique<ChunkPool>(db_.get(), po);
  }
  SLUICE_RETURN_IF_ERROR(pool_->Add(std::move(items)));
  Publish();
  return base::Status::Ok();
}

void SnapshotSource::AddTableIndex(size_t i) {
  index_[IndexKey(state_.tables[i].schema, state_.tables[i].table)] = i;
}

size_t SnapshotSource::IndexOf(const std::string& schema, const std::string& table) const {
  auto it = index_.find(IndexKey(schema, table));
  return it == index_.end() ? SIZE_MAX : it->second;
}

base::Status SnapshotSource::TakeRequests() {
  std::vector<TableId> requested = control_->TakeRequests();
  if (requested.empty()) return base::Status::Ok();
  if (!active_) {
    uint64_t id = state_.id + 1;
    state_ = SnapshotState();
    state_.id = id;
    runtime_.clear();
    index_.clear();
    started_at_ = Clock::now();
  }
  std::vector<WorkItem> items;
  for (const auto& t : requested) {
    size_t before = state_.tables.size();
    if (!state_.Add(t.schema, t.table)) continue;
    size_t i = IndexOf(t.schema, t.table);
    if (state_.tables.size() > before) {
      i = state_.tables.size() - 1;
      runtime_.emplace_back();
      AddTableIndex(i);
    } else {
      runtime_[i] = TableRuntime();
    }
    items.push_back({i, t, std::nullopt});
  }
  if (items.empty()) return base::Status::Ok();
  Log()->info("snapshot {}: copying {} more table(s) on request while streaming from {}",
              state_.id, items.size(), stream_pos_.Serialize());
  return StartWork(std::move(items));
}

base::Status SnapshotSource::OpenStream() {
  SLUICE_RETURN_IF_ERROR(stream_->Open(stream_start_));
  stream_open_ = true;
  return base::Status::Ok();
}

void SnapshotSource::Acknowledge(const model::SourcePosition& durable) {
  if (stream_open_) stream_->Acknowledge(durable);
}

void SnapshotSource::Track(const ChangeEvent& ev) {
  switch (ev.kind) {
    case ChangeEvent::Kind::kRow:
      in_txn_ = true;
      break;
    case ChangeEvent::Kind::kCommit:
    case ChangeEvent::Kind::kDdl:
      stream_pos_ = ev.position;
      last_commit_ts_ = ev.txn.commit_ts;
      in_txn_ = false;
      break;
    case ChangeEvent::Kind::kHeartbeat:
      if (!in_txn_ && !ev.position.empty()) stream_pos_ = ev.position;
      break;
  }
}

base::Status SnapshotSource::ReadFast(std::vector<ChangeEvent>* out, size_t max_events,
                                      std::chrono::milliseconds wait) {
  if (!stream_open_) SLUICE_RETURN_IF_ERROR(OpenStream());
  size_t first = out->size();
  SLUICE_RETURN_IF_ERROR(stream_->Read(out, max_events, wait));
  for (size_t i = first; i < out->size(); ++i) Track((*out)[i]);
  return base::Status::Ok();
}

base::Status SnapshotSource::Read(std::vector<ChangeEvent>* out, size_t max_events,
                                  std::chrono::milliseconds wait) {
  if (finished_) {
    std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(10)));
    return base::Status::Ok();
  }
  // Tables asked for are taken at once: from here on their changes are dropped, because their
  // chunks, read later, hold them (even the rest of a transaction under way).
  if (control_->has_requests()) SLUICE_RETURN_IF_ERROR(TakeRequests());
  if (!active_ && inpos_ == inbuf_.size()) return ReadFast(out, max_events, wait);

  auto deadline = Clock::now() + wait;
  const size_t limit = out->size() + max_events;
  while (out->size() < limit && !finished_) {
    if (pool_) SLUICE_RETURN_IF_ERROR(pool_->error());
    if (inserting_) {
      SLUICE_ASSIGN_OR_RETURN(bool moved, InsertStep(out, limit, deadline));
      if (moved) continue;
      if (!out->empty() || Clock::now() >= deadline) break;
      continue;
    }
    std::shared_ptr<Chunk> head = active_ && pool_ ? pool_->Head() : nullptr;
    std::optional<ReadPoint> point = head ? pool_->PointOf(*head) : std::nullopt;
    if (point && !in_txn_ && (exported_ || db_->Passed(stream_pos_, *point))) {
      inserting_ = head;
      continue;
    }
    if (exported_) {
      // Every chunk reads the exported snapshot, which no stream transaction is in: the stream
      // starts only when the last of them is in.
      if (pool_ && pool_->busy()) {
        if (!out->empty() || Clock::now() >= deadline) break;
        pool_->WaitHead(deadline);
        continue;
      }
      db_->ReleaseExported();
      exported_ = false;
      continue;
    }
    if (active_ && pool_ && pool_->beginning()) {
      // A read is beginning: whether it sees the next stream transaction is not known yet.
      if (!out->empty() || Clock::now() >= deadline) break;
      pool_->WaitHead(deadline);
      continue;
    }
    if (inpos_ == inbuf_.size()) {
      if (!out->empty()) break;
      if (!active_) return ReadFast(out, limit - out->size(), std::chrono::duration_cast<
                                                                  std::chrono::milliseconds>(
                                                                  std::max(deadline - Clock::now(),
                                                                           Clock::duration(0))));
      if (!stream_open_) SLUICE_RETURN_IF_ERROR(OpenStream());
      inbuf_.clear();
      inpos_ = 0;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      // With a chunk waiting for the stream to pass its point, poll the stream briefly so the
      // pool's progress is noticed too.
      left = std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(100));
      SLUICE_RETURN_IF_ERROR(stream_->Read(&inbuf_, std::max<size_t>(max_events, 256), left));
      prefetch_ = true;
      // Look at the chunks again before delivering what arrived: a read that began while the
      // stream was waiting may have missed these transactions (they committed after it began).
      if (inbuf_.empty() && Clock::now() >= deadline) break;
      continue;
    }
    ChangeEvent& ev = inbuf_[inpos_];
    const bool starts_txn = !in_txn_ && (ev.kind == ChangeEvent::Kind::kRow ||
                                          ev.kind == ChangeEvent::Kind::kDdl);
    if (starts_txn && active_ && pool_) {
      TxnRef txn{stream_pos_, ev.txn};
      if (point && !db_->Sees(*point, txn)) {
        inserting_ = head;  // the head chunk goes in before this transaction
        continue;
      }
      if (!pool_->Admit(txn, db_->ChecksDelivered())) continue;  // a read is beginning
    }
    ++inpos_;
    Deliver(std::move(ev), out);
  }
  return base::Status::Ok();
}

void SnapshotSource::Deliver(ChangeEvent&& ev, std::vector<ChangeEvent>* out) {
  Track(ev);
  if (ev.kind != ChangeEvent::Kind::kRow) {
    if (!ev.position.empty() || ev.kind != ChangeEvent::Kind::kHeartbeat) {
      ev.position.snapshot = encoded_;
    }
    out->push_back(std::move(ev));
    return;
  }
  if (!active_) {
    out->push_back(std::move(ev));
    return;
  }
  if (prefetch_) Prefetch();
  auto verdict = Decide(ev.row);
  if (!verdict.ok()) {
    // Cannot tell where the key is: keep the change (at-least-once) and log why.
    Log()->warn("snapshot: {}", verdict.status().message());
    out->push_back(std::move(ev));
    return;
  }
  switch (*verdict) {
    case Verdict::kDeliver:
      out->push_back(std::move(ev));
      break;
    case Verdict::kDrop:
      if (Log()->should_log(spdlog::level::trace)) {
        size_t i = IndexOf(ev.row.table->schema, ev.row.table->table);
        const auto& img = ev.row.after.empty() ? ev.row.before : ev.row.after;
        Log()->trace("drop {} {} at {} (state {}, prefix {})", ev.row.table->table,
                     img.size() > 1 ? DisplayKey({img[1]}) : "?", stream_pos_.Serialize(),
                     TableStateName(state_.tables[i].state),
                     state_.tables[i].last_key ? DisplayKey(*state_.tables[i].last_key) : "-");
      }
      break;
    case Verdict::kDeleteOnly:
      ev.row.op = model::RowOp::kDelete;
      ev.row.after.clear();
      out->push_back(std::move(ev));
      break;
    case Verdict::kInsertOnly:
      ev.row.op = model::RowOp::kInsert;
      ev.row.before.clear();
      out->push_back(std::move(ev));
      break;
  }
}

base::Result<bool> SnapshotSource::InPrefix(size_t index, const model::TableSchema& schema,
                                            const std::vector<model::Value>& image) {
  TableRuntime& rt = runtime_[index];
  const TableProgress& tp = state_.tables[index];
  if (!rt.order || !tp.last_key) {
    return base::Internal("table {} is being copied but has no copied prefix", tp.Name());
  }
  auto it = rt.columns.find(&schema);
  if (it == rt.columns.end()) it = rt.columns.emplace(&schema, rt.order->ColumnsIn(schema)).first;
  if (!it->second) {
    return base::Aborted("a change of {} lacks a key column of its snapshot", tp.Name());
  }
  Key key;
  key.reserve(it->second->size());
  for (size_t c : *it->second) {
    if (c >= image.size() || image[c].is_absent()) {
      return base::Aborted("a change of {} carries no value for a key column", tp.Name());
    }
    key.push_back(image[c]);
  }
  SLUICE_ASSIGN_OR_RETURN(int c, rt.order->Compare(key, *tp.last_key, &text_));
  return c <= 0;
}

base::Result<SnapshotSource::Verdict> SnapshotSource::Decide(const model::RowChange& row) {
  size_t i = IndexOf(row.table->schema, row.table->table);
  if (i == SIZE_MAX) return Verdict::kDeliver;
  switch (state_.tables[i].state) {
    case TableState::kDone:
      return Verdict::kDeliver;
    case TableState::kPending:
      return Verdict::kDrop;
    case TableState::kCopying:
      break;
  }
  const auto& schema = *row.table;
  switch (row.op) {
    case model::RowOp::kInsert: {
      SLUICE_ASSIGN_OR_RETURN(bool in, InPrefix(i, schema, row.after));
      return in ? Verdict::kDeliver : Verdict::kDrop;
    }
    case model::RowOp::kDelete: {
      SLUICE_ASSIGN_OR_RETURN(bool in, InPrefix(i, schema, row.before));
      return in ? Verdict::kDeliver : Verdict::kDrop;
    }
    case model::RowOp::kUpdate: {
      SLUICE_ASSIGN_OR_RETURN(bool before, InPrefix(i, schema, row.before));
      SLUICE_ASSIGN_OR_RETURN(bool after, InPrefix(i, schema, row.after));
      if (before && after) return Verdict::kDeliver;
      if (!before && !after) return Verdict::kDrop;
      return before ? Verdict::kDeleteOnly : Verdict::kInsertOnly;
    }
  }
  return Verdict::kDeliver;
}

void SnapshotSource::Prefetch() {
  prefetch_ = false;
  text_.Clear();
  bool wanted = false;
  for (size_t k = inpos_; k < inbuf_.size(); ++k) {
    const ChangeEvent& ev = inbuf_[k];
    if (ev.kind != ChangeEvent::Kind::kRow) continue;
    size_t i = IndexOf(ev.row.table->schema, ev.row.table->table);
    if (i == SIZE_MAX || state_.tables[i].state != TableState::kCopying) continue;
    TableRuntime& rt = runtime_[i];
    if (!rt.order || !rt.order->has_collated() || !state_.tables[i].last_key) continue;
    auto cols = rt.order->ColumnsIn(*ev.row.table);
    if (!cols) continue;
    for (const auto* image : {&ev.row.before, &ev.row.after}) {
      if (image->empty()) continue;
      Key key;
      for (size_t c : *cols) key.push_back(c < image->size() ? (*image)[c] : model::Value());
      rt.order->Want(key, *state_.tables[i].last_key, &text_);
      wanted = true;
    }
  }
  if (wanted) {
    base::Status st = text_.Resolve();
    if (!st.ok()) Log()->warn("snapshot: comparing keys in the database failed: {}", st.message());
  }
}

base::Result<bool> SnapshotSource::InsertStep(std::vector<ChangeEvent>* out, size_t limit,
                                              Clock::time_point deadline) {
  Chunk& c = *inserting_;
  if (!inserting_info_) {
    inserting_info_ = pool_->InfoOf(c);
    inserted_rows_ = 0;
    inserting_txn_ = model::TxnInfo();
    inserting_txn_.commit_time_ms = NowMs();
    inserting_txn_.commit_ts =
        last_commit_ts_ ? last_commit_ts_ : inserting_txn_.commit_time_ms << 18;
  }
  rows_.clear();
  bool complete = false;
  size_t room = limit > out->size() + 1 ? limit - out->size() - 1 : 1;  // keep room for the commit
  pool_->TakeRows(c, room, &rows_, &complete, out->empty() ? deadline : Clock::now());
  SLUICE_RETURN_IF_ERROR(pool_->error());
  if (!rows_.empty()) {
    inserting_info_ = pool_->InfoOf(c);  // fixed once the first row is queued
  }
  for (auto& r : rows_) {
    if (held_) out->push_back(std::move(*held_));
    ChangeEvent ev;
    ev.kind = ChangeEvent::Kind::kRow;
    ev.txn = inserting_txn_;
    ev.row.op = model::RowOp::kInsert;
    ev.row.table = inserting_info_->schema;
    ev.row.after = std::move(r);
    ev.row.snapshot = model::SnapshotRead::kYes;
    held_ = std::move(ev);
    ++inserted_rows_;
  }
  bool moved = !rows_.empty();
  if (complete) {
    FinishChunk(out);
    moved = true;
  }
  return moved;
}

void SnapshotSource::FinishChunk(std::vector<ChangeEvent>* out) {
  Chunk& c = *inserting_;
  Log()->debug("snapshot {}: chunk {} of {} ({}, {}] read at {} goes in at {} ({} rows)", state_.id,
               c.ticket, c.table.Name(), c.lo ? DisplayKey(*c.lo) : "-inf",
               c.hi ? DisplayKey(*c.hi) : "+inf",
               c.point ? c.point->position.Serialize() : "?", stream_pos_.Serialize(),
               inserted_rows_);
  TableProgress& t = state_.tables[c.index];
  const bool first = t.state == TableState::kPending;
  t.rows += inserted_rows_;
  if (first && inserting_info_) {
    t.estimated = inserting_info_->estimated_rows;
    runtime_[c.index].note = inserting_info_->one_pass_reason.empty()
                                 ? ""
                                 : "one pass: " + inserting_info_->one_pass_reason;
  }
  if (c.last) {
    t.state = TableState::kDone;
    t.last_key.reset();
    runtime_[c.index].order.reset();
    runtime_[c.index].columns.clear();
    Log()->info("snapshot {}: {} copied ({} rows)", state_.id, t.Name(), t.rows);
  } else {
    t.state = TableState::kCopying;
    t.last_key = c.hi;
    if (!runtime_[c.index].order) runtime_[c.index].order = inserting_info_->Order();
  }
  pool_->Pop();
  const bool done = state_.done() && !pool_->busy() && !control_->has_requests();
  if (held_) {
    if (done) held_->row.snapshot = model::SnapshotRead::kLast;
    out->push_back(std::move(*held_));
    held_.reset();
  }
  inserting_.reset();
  inserting_info_.reset();
  prefetch_ = true;
  if (done) {
    Complete();
  } else {
    encoded_ = state_.Encode();
    Publish();
  }
  ChangeEvent commit;
  commit.kind = ChangeEvent::Kind::kCommit;
  commit.txn = inserting_txn_;
  commit.position = stream_pos_;
  commit.position.snapshot = encoded_;
  out->push_back(std::move(commit));
}

void SnapshotSource::Complete() {
  uint64_t rows = 0;
  for (const auto& t : state_.tables) rows += t.rows;
  auto secs = std::chrono::duration<double>(Clock::now() - started_at_).count();
  Log()->info("snapshot {}: done, {} rows of {} table(s) in {:.1f} s", state_.id, rows,
              state_.tables.size(), secs);
  active_ = false;
  if (pool_) pool_->Stop();
  pool_.reset();
  if (exported_) db_->ReleaseExported();
  exported_ = false;
  if (options_.mode == SnapshotMode::kInitialOnly && state_.initial) {
    encoded_ = std::string(SnapshotState::kFinishedMarker);
    finished_ = true;
  } else {
    encoded_.clear();
  }
  Publish();
}

void SnapshotSource::Publish() {
  std::map<std::string, std::string> notes;
  for (size_t i = 0; i < runtime_.size() && i < state_.tables.size(); ++i) {
    if (!runtime_[i].note.empty()) notes[state_.tables[i].Name()] = runtime_[i].note;
  }
  control_->Publish(state_, active_, notes);
}

}  // namespace sluice::source::snapshot
