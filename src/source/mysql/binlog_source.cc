#include "source/mysql/binlog_source.h"

#include <utility>

#include "base/logging.h"

namespace sluice::source::mysql {

namespace {
constexpr size_t kMaxQueuedBytes = 64u << 20;
constexpr size_t kMaxQueuedEvents = 8192;
constexpr size_t kMaxSpare = 64;
}  // namespace

BinlogSource::BinlogSource(MySqlSourceConfig config) : config_(std::move(config)) {}

base::Result<std::unique_ptr<BinlogSource>> BinlogSource::Create(std::string_view uri) {
  SLUICE_ASSIGN_OR_RETURN(MySqlSourceConfig config, ParseMySqlSourceUri(uri));
  return std::make_unique<BinlogSource>(std::move(config));
}

BinlogSource::~BinlogSource() { Close(); }

base::Status BinlogSource::Open(const model::SourcePosition& start) {
  Close();
  {
    std::lock_guard lock(mu_);
    stop_ = false;
    reader_done_ = false;
    reader_status_ = base::Status::Ok();
    queue_.clear();
    queued_bytes_ = 0;
  }
  pending_.clear();
  sticky_ = base::Status::Ok();

  client_ = std::make_unique<BinlogClient>(config_);
  SLUICE_RETURN_IF_ERROR(client_->Connect());
  model::SourcePosition resolved;
  if (!start.gtids.empty()) {
    resolved = start;
  } else if (!start.binlog.empty()) {
    SLUICE_ASSIGN_OR_RETURN(resolved, client_->CompletePosition(start));
  } else {
    SLUICE_ASSIGN_OR_RETURN(resolved, client_->ResolveStart(config_.start));
  }
  // Stream by what the caller asked for: a file-only checkpoint stays a file position even if we
  // learned its GTID equivalent (which only seeds the parser's bookkeeping).
  model::SourcePosition stream_at = resolved;
  if (start.gtids.empty() && !start.binlog.empty()) stream_at.gtids = {};
  if (start.empty() && config_.start.kind == StartSpec::Kind::kFile) stream_at.gtids = {};
  SLUICE_RETURN_IF_ERROR(client_->StartStream(stream_at));

  BinlogParserOptions popts;
  popts.verify_checksum = config_.verify_checksum;
  parser_ = std::make_unique<BinlogParser>(popts);
  parser_->SetStartPosition(resolved);
  committed_ = resolved;
  reader_ = std::thread([this] { ReaderLoop(); });
  return base::Status::Ok();
}

void BinlogSource::ReaderLoop() {
  base::Status status;
  while (true) {
    std::span<const uint8_t> event;
    status = client_->Fetch(&event);
    if (!status.ok()) break;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      return stop_ || (queued_bytes_ < kMaxQueuedBytes && queue_.size() < kMaxQueuedEvents);
    });
    if (stop_) {
      status = base::Cancelled("binlog source closed");
      break;
    }
    std::vector<uint8_t> buf;
    if (!spare_.empty()) {
      buf = std::move(spare_.back());
      spare_.pop_back();
    }
    buf.assign(event.begin(), event.end());
    queued_bytes_ += buf.size();
    queue_.push_back(std::move(buf));
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  reader_status_ = status;
  reader_done_ = true;
  cv_.notify_all();
}

bool BinlogSource::PopRaw(std::vector<uint8_t>* raw,
                          std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return !queue_.empty() || reader_done_ || stop_; });
  if (queue_.empty()) return false;
  if (raw->capacity() > 0 && spare_.size() < kMaxSpare) spare_.push_back(std::move(*raw));
  *raw = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= raw->size();
  cv_.notify_all();
  return true;
}

base::Status BinlogSource::Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                                std::chrono::milliseconds wait) {
  if (!parser_)
    return base::FailedPrecondition("BinlogSource::Read called before a successful Open");
  if (!sticky_.ok()) return sticky_;
  auto deadline = std::chrono::steady_clock::now() + wait;
  size_t added = 0;
  std::vector<uint8_t> raw;
  while (added < max_events) {
    if (!pending_.empty()) {
      out->push_back(std::move(pending_.front()));
      pending_.pop_front();
      const auto& ev = out->back();
      if (ev.kind != model::ChangeEvent::Kind::kRow) committed_ = ev.position;
      ++added;
      continue;
    }
    // Once something is returned, only take what is already queued.
    auto until = added > 0 ? std::chrono::steady_clock::now() : deadline;
    if (!PopRaw(&raw, until)) {
      if (added > 0) break;
      std::lock_guard lock(mu_);
      if (reader_done_ && queue_.empty()) return reader_status_;
      break;
    }
    parsed_.clear();
    base::Status st = parser_->Consume(std::span<const uint8_t>(raw.data(), raw.size()), &parsed_);
    if (!st.ok()) {
      sticky_ = st.WithContext("decoding binlog of " + config_.Endpoint());
      base::Logger("source.mysql")->error("{}", sticky_.message());
      if (added > 0) break;
      return sticky_;
    }
    for (auto& ev : parsed_) pending_.push_back(std::move(ev));
  }
  return base::Status::Ok();
}

void BinlogSource::Close() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (client_) client_->Interrupt();
  if (reader_.joinable()) reader_.join();
  if (client_) {
    client_->Close();
    client_.reset();
  }
}

}  // namespace sluice::source::mysql
