#include "pipeline/changefeed.h"

#include <set>
#include <thread>

#include "base/logging.h"

namespace sluice::pipeline {

namespace {
auto Log() {
  static auto logger = base::Logger("pipeline");
  return logger;
}
using Clock = std::chrono::steady_clock;

bool PrimaryKeyChanged(const model::RowChange& row) {
  for (size_t i : row.table->primary_key) {
    if (i < row.before.size() && i < row.after.size() && !(row.before[i] == row.after[i])) {
      return true;
    }
  }
  return false;
}
}  // namespace

std::string_view ChangefeedStateName(ChangefeedState s) {
  switch (s) {
    case ChangefeedState::kStarting: return "starting";
    case ChangefeedState::kNormal: return "normal";
    case ChangefeedState::kWarning: return "warning";
    case ChangefeedState::kFailed: return "failed";
    case ChangefeedState::kStopped: return "stopped";
  }
  return "unknown";
}

Changefeed::Changefeed(ChangefeedOptions options, PartsFactory factory, CheckpointStore* store)
    : options_(std::move(options)), factory_(std::move(factory)), store_(store) {}

std::string Changefeed::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::optional<model::SourcePosition> Changefeed::checkpoint() const {
  std::lock_guard lock(mu_);
  return checkpoint_;
}

void Changefeed::SetError(const base::Status& st) {
  std::lock_guard lock(mu_);
  last_error_ = st.message();
}

base::Status Changefeed::Run(const std::atomic<bool>* stop) {
  auto backoff = std::chrono::milliseconds(500);
  while (!stop->load()) {
    base::Status st = RunAttempt(stop);
    if (st.ok()) break;  // stopped on request
    stats_.errors++;
    SetError(st);
    if (st.action() != base::Action::kRetry) {
      state_ = ChangefeedState::kFailed;
      Log()->error("changefeed {} failed: {}", options_.id, st.message());
      return st;
    }
    state_ = ChangefeedState::kWarning;
    stats_.restarts++;
    Log()->warn("changefeed {}: {} (retrying from the last checkpoint in {} ms)", options_.id,
                st.message(), backoff.count());
    auto until = Clock::now() + backoff;
    while (!stop->load() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  state_ = ChangefeedState::kStopped;
  return base::Status::Ok();
}

base::Status Changefeed::SaveCheckpoint(ProgressTracker& tracker, source::Source& source,
                                        bool force) {
  auto now = Clock::now();
  if (!force && now - last_save_ < options_.checkpoint_interval) return base::Status::Ok();
  auto cp = tracker.TakeCheckpoint();
  if (!cp) return base::Status::Ok();
  last_save_ = now;
  SLUICE_RETURN_IF_ERROR(store_->Save(options_.id, *cp));
  source.Acknowledge(*cp);
  stats_.checkpoint_commit_ms = tracker.checkpoint_commit_ts() >> 18;
  std::lock_guard lock(mu_);
  checkpoint_ = std::move(cp);
  return base::Status::Ok();
}

base::Status Changefeed::RunAttempt(const std::atomic<bool>* stop) {
  // The tracker outlives the parts: the sink's delivery callback points into it.
  auto tracker = std::make_shared<ProgressTracker>();
  auto parts_or = factory_([tracker](uint64_t token, const base::Status& st) {
    tracker->Ack(token, st);
  });
  if (!parts_or.ok()) return parts_or.status();
  ChangefeedParts parts = std::move(parts_or).value();

  SLUICE_ASSIGN_OR_RETURN(auto saved, store_->Load(options_.id));
  model::SourcePosition start = saved ? *saved : options_.start;
  {
    std::lock_guard lock(mu_);
    if (saved) checkpoint_ = saved;
  }
  SLUICE_RETURN_IF_ERROR(parts.source->Open(start));
  Log()->info("changefeed {} started at {}", options_.id,
              start.empty() ? std::string("the current end of the log") : start.Serialize());
  state_ = ChangefeedState::kNormal;

  std::map<std::string, int32_t> partitions;  // topic -> partition count
  auto partition_count = [&](const std::string& topic) -> base::Result<int32_t> {
    auto it = partitions.find(topic);
    if (it != partitions.end()) return it->second;
    SLUICE_ASSIGN_OR_RETURN(int32_t n, parts.prepare_topic(topic));
    partitions[topic] = n;
    return n;
  };
  sink::RowSink* row_sink = parts.row_sink.get();
  if (!row_sink) {
    SLUICE_RETURN_IF_ERROR(partition_count(parts.router->default_topic()).status());
  }

  auto produce = [&](const std::string& topic, int32_t partition, codec::Message msg,
                     uint64_t txn) -> base::Status {
    if (parts.max_message_bytes) {
      size_t limit = parts.max_message_bytes(topic);
      size_t size = msg.value.size() + (msg.key ? msg.key->size() : 0);
      if (limit > 0 && size > limit) {
        return base::ResourceExhausted(
            "a message for topic {} is {} bytes, over max-message-bytes {}; raise "
            "max-message-bytes in the sink URI (and the topic's max.message.bytes)",
            topic, size, limit);
      }
    }
    stats_.messages++;
    stats_.bytes += msg.value.size();
    tracker->AddMessages(txn);
    return parts.sink->Produce(topic, partition, std::move(msg), txn);
  };

  codec::Message msg;
  // Token of the transaction being streamed, kNoTxn between transactions. (A sentinel rather
  // than std::optional: GCC 12 reports a false -Wmaybe-uninitialized on the optional.)
  constexpr uint64_t kNoTxn = ~uint64_t{0};
  uint64_t open_txn = kNoTxn;
  // Encodes one row change and queues it on its topic and partition, followed there by the
  // protocol's follow-up messages for it, if any (Debezium: the tombstone after a delete).
  auto emit_row = [&](const model::RowChange& row, const model::TxnInfo& txn) -> base::Status {
    const auto& table = *row.table;
    msg = codec::Message();
    SLUICE_RETURN_IF_ERROR(parts.encoder->EncodeRow(row, txn, &msg));
    const std::string& topic = parts.router->TopicFor(table.schema, table.table);
    SLUICE_ASSIGN_OR_RETURN(int32_t n, partition_count(topic));
    // Large-message hook: after partition_count() the sink knows the topic's limit.
    if (parts.handle_large_row) {
      SLUICE_RETURN_IF_ERROR(parts.handle_large_row(row, txn, topic, &msg));
    }
    int32_t p = parts.router->PartitionFor(row, txn, n);
    SLUICE_RETURN_IF_ERROR(produce(topic, p, std::move(msg), open_txn));
    msg = codec::Message();
    while (parts.encoder->EncodeRowFollowUp(row, &msg)) {
      SLUICE_RETURN_IF_ERROR(produce(topic, p, std::move(msg), open_txn));
      msg = codec::Message();
    }
    return base::Status::Ok();
  };

  std::vector<model::ChangeEvent> events;
  events.reserve(options_.read_batch);
  uint64_t last_sealed_commit_ts = 0;
  model::SourcePosition last_sealed_position = start;
  auto last_watermark = Clock::now();
  uint64_t last_watermark_ts = 0;

  base::Status result;
  while (!stop->load()) {
    events.clear();
    base::Status st = parts.source->Read(&events, options_.read_batch,
                                         std::chrono::milliseconds(100));
    if (!st.ok()) {
      result = st;
      break;
    }
    for (auto& ev : events) {
      if (open_txn == kNoTxn && ev.kind != model::ChangeEvent::Kind::kHeartbeat) {
        open_txn = tracker->Begin();
      }
      stats_.last_event_commit_ms = ev.txn.commit_time_ms;
      switch (ev.kind) {
        case model::ChangeEvent::Kind::kRow: {
          const auto& table = *ev.row.table;
          if (!options_.filter.Match(table.schema, table.table)) break;
          stats_.tables.Count(ev.row);
          if (row_sink) {
            tracker->AddMessages(open_txn);
            result = row_sink->Apply(ev.row, ev.txn, open_txn);
            stats_.rows++;
            break;
          }
          if (options_.split_primary_key_updates && ev.row.op == model::RowOp::kUpdate &&
              (PrimaryKeyChanged(ev.row) || parts.router->PartitionKeyChanged(ev.row))) {
            // DELETE of the old key (to the old key's partition), then INSERT of the new row
            // (to its own), so every partition keeps its rows' order (ticdc.md §2.5, §7.3).
            model::RowChange del{model::RowOp::kDelete, ev.row.table, ev.row.before, {}};
            model::RowChange ins{model::RowOp::kInsert, ev.row.table, {}, ev.row.after};
            result = emit_row(del, ev.txn);
            if (result.ok()) result = emit_row(ins, ev.txn);
          } else {
            result = emit_row(ev.row, ev.txn);
          }
          stats_.rows++;
          break;
        }
        case model::ChangeEvent::Kind::kDdl: {
          bool wanted = ev.ddl.table.empty() ? options_.filter.MatchSchema(ev.ddl.schema)
                                             : options_.filter.Match(ev.ddl.schema, ev.ddl.table);
          if (wanted && row_sink) {
            tracker->AddMessages(open_txn);
            result = row_sink->ApplyDdl(ev.ddl, ev.txn, open_txn);
            stats_.ddls++;
          } else if (wanted && parts.encoder->EncodesDdl()) {
            msg = codec::Message();
            result = parts.encoder->EncodeDdl(ev.ddl, ev.txn, &msg);
            if (!result.ok()) break;
            const std::string& topic = ev.ddl.table.empty()
                                           ? parts.router->default_topic()
                                           : parts.router->TopicFor(ev.ddl.schema, ev.ddl.table);
            auto n = partition_count(topic);
            if (!n.ok()) {
              result = n.status();
              break;
            }
            int32_t count = options_.broadcast_ddl ? *n : 1;
            for (int32_t p = 0; p < count && result.ok(); ++p) {
              codec::Message copy = msg;
              result = produce(topic, p, std::move(copy), open_txn);
            }
            stats_.ddls++;
          }
          if (result.ok()) {
            tracker->Seal(open_txn, ev.position, ev.txn.commit_ts);
            last_sealed_commit_ts = ev.txn.commit_ts;
            last_sealed_position = ev.position;
            open_txn = kNoTxn;
          }
          break;
        }
        case model::ChangeEvent::Kind::kCommit:
          tracker->Seal(open_txn, ev.position, ev.txn.commit_ts);
          last_sealed_commit_ts = ev.txn.commit_ts;
          last_sealed_position = ev.position;
          open_txn = kNoTxn;
          break;
        case model::ChangeEvent::Kind::kHeartbeat:
          // Advances an idle stream's position; only meaningful outside a transaction.
          if (open_txn == kNoTxn && !ev.position.empty()) {
            tracker->Seal(tracker->Begin(), ev.position, last_sealed_commit_ts);
            last_sealed_position = ev.position;
          }
          break;
      }
      if (!result.ok()) break;
    }
    if (!result.ok()) break;
    if (row_sink) {
      row_sink->Poll(0);
    } else {
      parts.sink->Poll(0);
    }
    if (auto err = tracker->error(); !err.ok()) {
      result = err;
      break;
    }
    // Watermarks: after every message of the sealed transactions was queued, tell each
    // partition of every active topic that all commits up to last_sealed_commit_ts are out.
    if (!row_sink && open_txn == kNoTxn && last_sealed_commit_ts > last_watermark_ts &&
        Clock::now() - last_watermark >= options_.watermark_interval) {
      last_watermark = Clock::now();
      last_watermark_ts = last_sealed_commit_ts;
      codec::Message wm;
      if (parts.encoder->EncodeWatermark(last_sealed_commit_ts, &wm)) {
        for (const auto& [topic, n] : partitions) {
          for (int32_t p = 0; p < n && result.ok(); ++p) {
            codec::Message copy = wm;
            uint64_t txn = tracker->Begin();
            result = produce(topic, p, std::move(copy), txn);
            // A watermark follows every sealed transaction, so once it and all before it are
            // acknowledged the checkpoint may move to the last sealed position.
            tracker->Seal(txn, last_sealed_position, last_sealed_commit_ts);
          }
        }
        if (!result.ok()) break;
      }
    }
    if (auto s = SaveCheckpoint(*tracker, *parts.source, false); !s.ok()) {
      result = s;
      break;
    }
  }

  // Drain: deliver what is queued so the final checkpoint covers it.
  base::Status flush = row_sink ? row_sink->Flush(10000) : parts.sink->Flush(10000);
  if (row_sink) {
    row_sink->Poll(0);
  } else {
    parts.sink->Poll(0);
  }
  if (result.ok() && !flush.ok()) result = flush;
  if (result.ok()) {
    if (auto err = tracker->error(); !err.ok()) result = err;
  }
  if (auto s = SaveCheckpoint(*tracker, *parts.source, true); result.ok() && !s.ok()) result = s;
  parts.source->Close();
  return result;
}

}  // namespace sluice::pipeline
