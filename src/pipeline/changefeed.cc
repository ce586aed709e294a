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

// Token of the transaction being streamed, kNoTxn between transactions. (A sentinel rather
// than std::optional: GCC 12 reports a false -Wmaybe-uninitialized on the optional.)
constexpr uint64_t kNoTxn = ~uint64_t{0};
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

// One attempt's transaction framing: every non-heartbeat event opens a transaction (a tracker
// token) if none is open; a commit or a DDL seals it at its position. It is also the ledger the
// emitter counts its deliveries in.
class Changefeed::Attempt : public EmitLedger {
 public:
  Attempt(Changefeed& cf, ProgressTracker& tracker, source::Source& source, Emitter& emitter,
          const model::SourcePosition& start)
      : cf_(cf), tracker_(tracker), source_(source), emitter_(emitter),
        last_sealed_position_(start) {}

  // Reads and hands on events until *stop, or an error of the source, emitter or store.
  base::Status Stream(const std::atomic<bool>* stop) {
    std::vector<model::ChangeEvent> events;
    events.reserve(cf_.options_.read_batch);
    while (!stop->load()) {
      events.clear();
      SLUICE_RETURN_IF_ERROR(
          source_.Read(&events, cf_.options_.read_batch, std::chrono::milliseconds(100)));
      for (const auto& ev : events) SLUICE_RETURN_IF_ERROR(Handle(ev));
      SLUICE_RETURN_IF_ERROR(emitter_.Poll(open_txn_ == kNoTxn));
      SLUICE_RETURN_IF_ERROR(tracker_.error());
      SLUICE_RETURN_IF_ERROR(cf_.SaveCheckpoint(tracker_, source_, false));
    }
    return base::Status::Ok();
  }

  void Expect(uint64_t token) override { tracker_.AddMessages(token); }
  void CountMessage(size_t bytes) override {
    cf_.stats_.messages++;
    cf_.stats_.bytes += bytes;
  }
  // Sealed at the last sealed position: once acknowledged, the checkpoint may move there.
  base::Status Standalone(const std::function<base::Status(uint64_t)>& emit) override {
    uint64_t token = tracker_.Begin();
    base::Status st = emit(token);
    tracker_.Seal(token, last_sealed_position_, last_sealed_commit_ts_);
    return st;
  }

 private:
  base::Status Handle(const model::ChangeEvent& ev) {
    using Kind = model::ChangeEvent::Kind;
    if (open_txn_ == kNoTxn && ev.kind != Kind::kHeartbeat) open_txn_ = tracker_.Begin();
    cf_.stats_.last_event_commit_ms = ev.txn.commit_time_ms;
    const dispatch::TableFilter& filter = cf_.options_.filter;
    switch (ev.kind) {
      case Kind::kRow: {
        if (!filter.Match(ev.row.table->schema, ev.row.table->table)) return base::Status::Ok();
        cf_.stats_.tables.Count(ev.row);
        base::Status st = emitter_.Row(ev.row, ev.txn, open_txn_);
        cf_.stats_.rows++;
        return st;
      }
      case Kind::kDdl: {
        bool wanted = ev.ddl.table.empty() ? filter.MatchSchema(ev.ddl.schema)
                                           : filter.Match(ev.ddl.schema, ev.ddl.table);
        if (wanted) {
          SLUICE_ASSIGN_OR_RETURN(bool sent, emitter_.Ddl(ev.ddl, ev.txn, open_txn_));
          if (sent) cf_.stats_.ddls++;
        }
        return Seal(ev.position, ev.txn.commit_ts);
      }
      case Kind::kCommit:
        return Seal(ev.position, ev.txn.commit_ts);
      case Kind::kHeartbeat:
        // Advances an idle stream's position; only meaningful outside a transaction.
        if (open_txn_ == kNoTxn && !ev.position.empty()) {
          tracker_.Seal(tracker_.Begin(), ev.position, last_sealed_commit_ts_);
          last_sealed_position_ = ev.position;
        }
        return base::Status::Ok();
    }
    return base::Status::Ok();
  }

  base::Status Seal(const model::SourcePosition& position, uint64_t commit_ts) {
    tracker_.Seal(open_txn_, position, commit_ts);
    last_sealed_commit_ts_ = commit_ts;
    last_sealed_position_ = position;
    open_txn_ = kNoTxn;
    return emitter_.TransactionSealed(commit_ts);
  }

  Changefeed& cf_;
  ProgressTracker& tracker_;
  source::Source& source_;
  Emitter& emitter_;
  uint64_t open_txn_ = kNoTxn;
  uint64_t last_sealed_commit_ts_ = 0;
  model::SourcePosition last_sealed_position_;
};

base::Status Changefeed::RunAttempt(const std::atomic<bool>* stop) {
  // The tracker outlives the parts: the emitter's delivery callback points into it.
  auto tracker = std::make_shared<ProgressTracker>();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<source::Source> source, factory_.source());
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Emitter> emitter,
                          factory_.emitter([tracker](uint64_t token, const base::Status& st) {
                            tracker->Ack(token, st);
                          }));

  SLUICE_ASSIGN_OR_RETURN(auto saved, store_->Load(options_.id));
  model::SourcePosition start = saved ? *saved : options_.start;
  {
    std::lock_guard lock(mu_);
    if (saved) checkpoint_ = saved;
  }
  SLUICE_RETURN_IF_ERROR(source->Open(start));
  Log()->info("changefeed {} started at {}", options_.id,
              start.empty() ? std::string("the current end of the log") : start.Serialize());
  state_ = ChangefeedState::kNormal;

  Attempt attempt(*this, *tracker, *source, *emitter, start);
  SLUICE_RETURN_IF_ERROR(emitter->Start(&attempt));
  base::Status result = attempt.Stream(stop);

  // Drain: deliver what is queued so the final checkpoint covers it.
  base::Status flush = emitter->Flush(10000);
  if (result.ok() && !flush.ok()) result = flush;
  if (result.ok()) {
    if (auto err = tracker->error(); !err.ok()) result = err;
  }
  if (auto s = SaveCheckpoint(*tracker, *source, true); result.ok() && !s.ok()) result = s;
  source->Close();
  return result;
}

}  // namespace sluice::pipeline
