#include "source/snapshot/chunk_pool.h"

#include <algorithm>

#include "base/logging.h"

namespace sluice::source::snapshot {
namespace {

auto Log() {
  static auto logger = base::Logger("source.snapshot");
  return logger;
}

size_t RowBytes(const std::vector<model::Value>& row) {
  size_t n = 0;
  for (const auto& v : row) n += sizeof(model::Value) + v.as_string().size();
  return n;
}

bool SameColumns(const model::TableSchema& a, const model::TableSchema& b) {
  if (a.columns.size() != b.columns.size() || a.primary_key != b.primary_key) return false;
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const auto& x = a.columns[i];
    const auto& y = b.columns[i];
    if (x.name != y.name || x.type != y.type || x.is_unsigned != y.is_unsigned ||
        x.nullable != y.nullable || x.collation != y.collation || x.length != y.length ||
        x.precision != y.precision || x.scale != y.scale || x.fsp != y.fsp ||
        x.elements != y.elements) {
      return false;
    }
  }
  return true;
}

}  // namespace

ChunkPool::ChunkPool(SnapshotDatabase* db, ChunkPoolOptions options)
    : db_(db), options_(options) {
  options_.parallelism = std::max<size_t>(1, options_.parallelism);
  options_.chunk_rows = std::max<size_t>(1, options_.chunk_rows);
}

ChunkPool::~ChunkPool() { Stop(); }

base::Status ChunkPool::Add(std::vector<WorkItem> items) {
  std::lock_guard lock(mu_);
  if (!error_.ok()) return error_;
  for (auto& w : items) work_.push_back(std::move(w));
  if (threads_.empty()) {
    stopping_ = false;
    readers_.resize(options_.parallelism);
    for (size_t i = 0; i < options_.parallelism; ++i) {
      threads_.emplace_back([this, i] { ReaderLoop(i); });
    }
  }
  cv_.notify_all();
  return base::Status::Ok();
}

bool ChunkPool::busy() const {
  std::lock_guard lock(mu_);
  return !work_.empty() || !chunks_.empty();
}

std::shared_ptr<Chunk> ChunkPool::Head() {
  std::lock_guard lock(mu_);
  return chunks_.empty() ? nullptr : chunks_.front();
}

bool ChunkPool::beginning() const {
  std::lock_guard lock(mu_);
  return std::any_of(chunks_.begin(), chunks_.end(),
                     [](const std::shared_ptr<Chunk>& c) { return !c->point; });
}

void ChunkPool::WaitHead(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] {
    if (!error_.ok() || stopping_) return true;
    if (chunks_.empty()) return work_.empty();
    return std::all_of(chunks_.begin(), chunks_.end(),
                       [](const std::shared_ptr<Chunk>& c) { return c->point.has_value(); });
  });
}

std::optional<ReadPoint> ChunkPool::PointOf(const Chunk& c) const {
  std::lock_guard lock(mu_);
  return c.point;
}

std::shared_ptr<const TableInfo> ChunkPool::InfoOf(const Chunk& c) const {
  std::lock_guard lock(mu_);
  return c.info;
}

void ChunkPool::TakeRows(Chunk& c, size_t max, std::vector<std::vector<model::Value>>* out,
                         bool* complete, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline,
                 [&] { return !c.rows.empty() || c.complete || !error_.ok() || stopping_; });
  size_t n = 0;
  while (n < max && !c.rows.empty()) {
    c.bytes -= std::min(c.bytes, RowBytes(c.rows.front()));
    out->push_back(std::move(c.rows.front()));
    c.rows.pop_front();
    ++n;
  }
  *complete = c.complete && c.rows.empty();
  if (n > 0) cv_.notify_all();
}

void ChunkPool::Pop() {
  std::lock_guard lock(mu_);
  if (!chunks_.empty()) chunks_.pop_front();
  cv_.notify_all();
}

bool ChunkPool::Admit(const TxnRef& txn, bool record) {
  std::lock_guard lock(mu_);
  for (const auto& c : chunks_) {
    if (!c->point) return false;
  }
  if (record) {
    delivered_.push_back(txn);
    if (delivered_.size() > kDeliveredKept) delivered_.pop_front();
  }
  return true;
}

base::Status ChunkPool::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void ChunkPool::Fail(const base::Status& st) {
  std::lock_guard lock(mu_);
  if (error_.ok() && !stopping_) {
    error_ = st;
    Log()->warn("snapshot reader failed: {}", st.message());
  }
  cv_.notify_all();
}

void ChunkPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& r : readers_) {
      if (r) r->Interrupt();
    }
    cv_.notify_all();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(mu_);
  readers_.clear();
  chunks_.clear();
  work_.clear();
  current_started_ = false;
}

void ChunkPool::ReaderLoop(size_t n) {
  auto reader_or = db_->NewReader();
  if (!reader_or.ok()) {
    Fail(reader_or.status().WithContext("opening a snapshot reader"));
    return;
  }
  ChunkReader* reader = reader_or->get();
  {
    std::lock_guard lock(mu_);
    readers_[n] = std::move(reader_or).value();
    if (stopping_) return;
  }
  while (true) {
    auto chunk = Dispatch(*reader);
    if (!chunk.ok()) {
      Fail(chunk.status());
      return;
    }
    if (!*chunk) return;  // stopping
    base::Status st = ReadOne(*reader, *chunk);
    if (!st.ok()) {
      Fail(st.WithContext("reading " + (*chunk)->table.Name()));
      return;
    }
  }
}

base::Result<std::shared_ptr<Chunk>> ChunkPool::Dispatch(ChunkReader& r) {
  std::lock_guard dispatch(dispatch_mu_);
  while (true) {
    WorkItem item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] {
        return stopping_ || !error_.ok() ||
               (!work_.empty() && chunks_.size() < 2 * options_.parallelism);
      });
      if (stopping_ || !error_.ok()) return std::shared_ptr<Chunk>();
      item = work_.front();
    }
    auto chunk = std::make_shared<Chunk>();
    chunk->index = item.index;
    chunk->table = item.table;
    if (!current_started_) {
      auto info = r.Describe(item.table);
      if (!info.ok() && info.status().code() != base::Code::kNotFound) return info.status();
      if (info.ok()) {
        current_info_ = std::make_shared<const TableInfo>(std::move(info).value());
        current_lo_ = current_info_->chunked() ? item.after : std::nullopt;
        if (!current_info_->chunked()) {
          Log()->info("snapshot of {}: one pass ({})", item.table.Name(),
                      current_info_->one_pass_reason);
        }
      } else {
        current_info_.reset();
        Log()->info("snapshot of {}: the table no longer exists; nothing to copy",
                    item.table.Name());
      }
      current_started_ = true;
    }
    if (!current_info_) {
      chunk->gone = true;
      chunk->last = true;
    } else {
      chunk->info = current_info_;
      chunk->lo = current_lo_;
      if (current_info_->chunked()) {
        SLUICE_ASSIGN_OR_RETURN(chunk->hi,
                                r.NextBoundary(*current_info_, current_lo_, options_.chunk_rows));
      }
      chunk->last = !chunk->hi;
    }
    std::vector<TxnRef> delivered;
    {
      std::lock_guard lock(mu_);
      chunk->ticket = next_ticket_++;
      chunks_.push_back(chunk);
      if (db_->ChecksDelivered()) delivered.assign(delivered_.begin(), delivered_.end());
    }
    // The stream waits while this chunk has no point, so `delivered` is everything it
    // delivered before the read begins.
    ReadPoint point;
    for (int attempt = 0;; ++attempt) {
      SLUICE_ASSIGN_OR_RETURN(point, r.Begin());
      if (db_->SeesAll(point, delivered)) break;
      SLUICE_RETURN_IF_ERROR(r.End());
      if (attempt == 0) {
        Log()->info("snapshot of {}: a delivered transaction is not visible yet; retrying",
                    item.table.Name());
      }
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stopping_; });
      if (stopping_) return std::shared_ptr<Chunk>();
    }
    {
      std::lock_guard lock(mu_);
      chunk->point = std::move(point);
      if (chunk->last) {
        work_.pop_front();
        current_started_ = false;
      } else {
        current_lo_ = chunk->hi;
      }
      cv_.notify_all();
    }
    return chunk;
  }
}

base::Status ChunkPool::ReadOne(ChunkReader& r, const std::shared_ptr<Chunk>& c) {
  if (!c->gone) {
    // The definition inside the read: one changed since the chunk was cut is used as it is now
    // (a changed key cannot be: the chunk bounds would mean nothing).
    auto now_or = r.Describe(c->table);
    if (!now_or.ok()) return now_or.status();
    TableInfo now = std::move(now_or).value();
    if (now.key != c->info->key || now.order != c->info->order) {
      return base::Aborted(
          "the primary key of {} changed during its snapshot; the changefeed restarts and copies "
          "the table again",
          c->table.Name());
    }
    if (!SameColumns(*now.schema, *c->info->schema)) {
      auto info = std::make_shared<const TableInfo>(std::move(now));
      std::lock_guard lock(mu_);
      c->info = info;
    }
    const size_t max_bytes = options_.max_chunk_bytes;
    SLUICE_RETURN_IF_ERROR(r.ReadChunk(*c->info, c->lo, c->hi, [&](std::vector<model::Value>&& row) {
      size_t bytes = RowBytes(row);
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || c->bytes < max_bytes; });
      if (stopping_) return base::Cancelled("snapshot stopped");
      c->bytes += bytes;
      c->rows.push_back(std::move(row));
      c->rows_read++;
      cv_.notify_all();
      return base::Status::Ok();
    }));
  }
  SLUICE_RETURN_IF_ERROR(r.End());
  std::lock_guard lock(mu_);
  c->complete = true;
  cv_.notify_all();
  return base::Status::Ok();
}

}  // namespace sluice::source::snapshot
