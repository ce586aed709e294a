#include "pipeline/changefeed.h"

#include <ctime>
#include <set>
#include <thread>

#include "base/clock.h"
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

// The emitter's delivery callback goes through this, so an emitter kept across attempts reports
// to the tracker of the attempt it currently serves (switched only while nothing is in flight).
struct Changefeed::AckRoute {
  std::mutex mu;
  std::shared_ptr<ProgressTracker> tracker;
  void Set(std::shared_ptr<ProgressTracker> t) {
    std::lock_guard lock(mu);
    tracker = std::move(t);
  }
  void Ack(uint64_t token, const base::Status& st) {
    std::lock_guard lock(mu);
    if (tracker) tracker->Ack(token, st);
  }
};

Changefeed::Changefeed(ChangefeedOptions options, PartsFactory factory, CheckpointStore* store)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      store_(store),
      backoff_(options_.initial_backoff, options_.max_backoff, options_.backoff_jitter) {}

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

namespace {
std::string Seconds(std::chrono::steady_clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  return s < 10 ? fmt::format("{:.1f} s", s) : fmt::format("{:.0f} s", s);
}

std::string UtcTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

std::string Changefeed::DegradedReasonLocked() const {
  std::string why;
  if (emitter_) {
    if (int64_t since = emitter_->TargetUnreachableSinceMs(); since > 0) {
      why = fmt::format("all brokers down since {} ({})", UtcTime(since),
                        Seconds(std::chrono::milliseconds(std::max<int64_t>(0, base::UnixNowMs() - since))));
    }
  }
  if (why.empty() && tracker_) {
    if (auto since = tracker_->waiting_since();
        since && Clock::now() - *since >= options_.stall_after) {
      why = fmt::format("no delivery acknowledged for {} ({} messages waiting)",
                        Seconds(Clock::now() - *since), tracker_->in_flight_messages());
    }
  }
  if (why.empty()) return why;
  if (int64_t lag = checkpoint_lag_ms(); lag > 0) {
    why += fmt::format("; checkpoint lag {} and growing",
                       Seconds(std::chrono::milliseconds(lag)));
  }
  return why;
}

ChangefeedState Changefeed::state() const {
  ChangefeedState s = state_.load();
  if (s != ChangefeedState::kNormal) return s;
  std::lock_guard lock(mu_);
  return DegradedReasonLocked().empty() ? s : ChangefeedState::kWarning;
}

std::string Changefeed::state_reason() const {
  ChangefeedState s = state_.load();
  std::lock_guard lock(mu_);
  if (s == ChangefeedState::kWarning) {
    auto left = std::max(Clock::duration::zero(), retry_at_ - Clock::now());
    return fmt::format("retrying in {} after: {}", Seconds(left), last_error_);
  }
  if (s == ChangefeedState::kNormal) return DegradedReasonLocked();
  return "";
}

int64_t Changefeed::target_unreachable_since_ms() const {
  std::lock_guard lock(mu_);
  return emitter_ ? emitter_->TargetUnreachableSinceMs() : 0;
}

int64_t Changefeed::checkpoint_lag_ms() const {
  uint64_t cp_ms = stats_.checkpoint_commit_ms.load();
  if (cp_ms == 0 || stats_.last_event_commit_ms.load() <= cp_ms) return 0;
  return std::max<int64_t>(0, base::UnixNowMs() - static_cast<int64_t>(cp_ms));
}

std::string StatusLine(const Changefeed& feed, const std::string& id, uint64_t last_read,
                       uint64_t last_delivered) {
  const ChangefeedStats& s = feed.stats();
  ChangefeedState state = feed.state();
  std::string reason = state == ChangefeedState::kWarning ? feed.state_reason() : "";
  uint64_t read = s.rows_read.load(), delivered = s.rows_delivered.load();
  auto cp = feed.checkpoint();
  return fmt::format(
      "changefeed {}: state={}{} rows read={} (+{}) delivered={} (+{}) messages={} bytes={} "
      "lag={:.1f}s checkpoint={}",
      id, ChangefeedStateName(state), reason.empty() ? "" : " (" + reason + ")", read,
      read - std::min(read, last_read), delivered, delivered - std::min(delivered, last_delivered),
      s.messages.load(), s.bytes.load(), static_cast<double>(feed.checkpoint_lag_ms()) / 1000.0,
      cp ? cp->Serialize() : std::string("-"));
}

void Changefeed::DropEmitter() {
  std::shared_ptr<Emitter> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(emitter_);
    tracker_.reset();
  }
  old.reset();  // the destructor flushes (bounded) and may still report to the old tracker
  route_.reset();
}

base::Status Changefeed::Run(const std::atomic<bool>* stop) {
  base::Status final_status;
  while (!stop->load()) {
    AttemptResult r = RunAttempt(stop);
    if (r.failed == Part::kEmitter) DropEmitter();
    base::Status st = r.status;
    if (st.ok()) break;  // stopped on request
    stats_.errors++;
    SetError(st);
    if (st.action() != base::Action::kRetry) {
      state_ = ChangefeedState::kFailed;
      Log()->error("changefeed {} failed: {}", options_.id, st.message());
      final_status = st;
      break;
    }
    if (r.healthy) backoff_.Reset();
    auto delay = backoff_.Next();
    stats_.retry_delay_ms = static_cast<uint64_t>(delay.count());
    {
      std::lock_guard lock(mu_);
      retry_at_ = Clock::now() + delay;
    }
    state_ = ChangefeedState::kWarning;
    stats_.restarts++;
    const char* part = r.failed == Part::kSource    ? "source"
                       : r.failed == Part::kEmitter ? "sink"
                       : r.failed == Part::kStore   ? "checkpoint store"
                                                    : "attempt";
    Log()->warn("changefeed {}: {} (retrying from the last checkpoint in {} ms; {})",
                options_.id, st.message(), delay.count(),
                r.failed == Part::kEmitter || !emitter_
                    ? fmt::format("the {} failed: rebuilding source and sink", part)
                    : fmt::format("the {} failed: keeping the sink", part));
    auto until = Clock::now() + delay;
    while (!stop->load() && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  DropEmitter();  // delivers what is left (bounded by the sink's own timeout)
  if (!final_status.ok()) return final_status;
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
  if (!moved_in_attempt_ && cp->Serialize() != attempt_start_) moved_in_attempt_ = true;
  // A heartbeat-only checkpoint after a restart carries no commit time: keep the last known one
  // (else the lag would read 0 while the checkpoint has not moved).
  if (uint64_t ts = tracker.checkpoint_commit_ts(); ts != 0) {
    checkpoint_commit_ts_ = ts;
    stats_.checkpoint_commit_ms = ts >> 18;
  }
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
        last_sealed_commit_ts_(cf.checkpoint_commit_ts_), last_sealed_position_(start) {}

  // Reads and hands on events until *stop, or an error of the source, emitter or store;
  // failed() names the part.
  base::Status Stream(const std::atomic<bool>* stop) {
    std::vector<model::ChangeEvent> events;
    events.reserve(cf_.options_.read_batch);
    while (!stop->load()) {
      events.clear();
      failed_ = Part::kSource;
      SLUICE_RETURN_IF_ERROR(
          source_.Read(&events, cf_.options_.read_batch, std::chrono::milliseconds(100)));
      failed_ = Part::kEmitter;
      for (const auto& ev : events) SLUICE_RETURN_IF_ERROR(Handle(ev));
      SLUICE_RETURN_IF_ERROR(emitter_.Poll(open_txn_ == kNoTxn));
      SLUICE_RETURN_IF_ERROR(tracker_.error());
      failed_ = Part::kStore;
      SLUICE_RETURN_IF_ERROR(cf_.SaveCheckpoint(tracker_, source_, false));
    }
    failed_ = Part::kNone;
    return base::Status::Ok();
  }
  Part failed() const { return failed_; }

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
    if (ev.kind == Kind::kHeartbeat) {
      // Advances an idle stream's position; only meaningful outside a transaction.
      if (open_txn_ == kNoTxn && !ev.position.empty()) {
        tracker_.Seal(tracker_.Begin(), ev.position, last_sealed_commit_ts_);
        last_sealed_position_ = ev.position;
      }
      return base::Status::Ok();
    }
    if (open_txn_ == kNoTxn) open_txn_ = tracker_.Begin();
    if (ev.txn.commit_time_ms) cf_.stats_.last_event_commit_ms = ev.txn.commit_time_ms;
    const dispatch::TableFilter& filter = cf_.options_.filter;
    switch (ev.kind) {
      case Kind::kRow: {
        if (!filter.Match(ev.row.table->schema, ev.row.table->table)) return base::Status::Ok();
        cf_.stats_.tables.Count(ev.row);
        base::Status st = emitter_.Row(ev.row, ev.txn, open_txn_);
        cf_.stats_.rows_read++;
        if (st.ok()) tracker_.CountRow(open_txn_);
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
        break;
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
  Part failed_ = Part::kNone;
  uint64_t open_txn_ = kNoTxn;
  uint64_t last_sealed_commit_ts_ = 0;
  model::SourcePosition last_sealed_position_;
};

// Builds what is missing (the emitter only when the last attempt did not keep it), opens the
// source at the checkpoint and streams; on the way out drains the emitter so that the final
// checkpoint covers what it delivered, and reports which part failed.
Changefeed::AttemptResult Changefeed::RunAttempt(const std::atomic<bool>* stop) {
  AttemptResult r;
  moved_in_attempt_ = false;
  auto fail = [&r](Part part, base::Status st) {
    r.failed = part;
    r.status = std::move(st);
    return r;
  };
  auto tracker = std::make_shared<ProgressTracker>(&stats_.rows_delivered);
  auto made_source = factory_.source();
  if (!made_source.ok()) return fail(Part::kSource, made_source.status());
  std::unique_ptr<source::Source> source = std::move(made_source).value();
  if (!emitter_) {
    auto route = std::make_shared<AckRoute>();
    auto made = factory_.emitter(
        [route](uint64_t token, const base::Status& st) { route->Ack(token, st); });
    if (!made.ok()) return fail(Part::kEmitter, made.status());
    route_ = std::move(route);
    std::lock_guard lock(mu_);
    emitter_ = std::shared_ptr<Emitter>(std::move(made).value());
  }
  route_->Set(tracker);
  {
    std::lock_guard lock(mu_);
    tracker_ = tracker;
  }

  auto saved = store_->Load(options_.id);
  if (!saved.ok()) return fail(Part::kStore, saved.status());
  model::SourcePosition start = *saved ? **saved : options_.start;
  attempt_start_ = start.Serialize();
  {
    std::lock_guard lock(mu_);
    if (*saved) checkpoint_ = *saved;
  }
  if (auto st = source->Open(start); !st.ok()) return fail(Part::kSource, st);
  Log()->info("changefeed {} started at {}", options_.id,
              start.empty() ? std::string("the current end of the log") : start.Serialize());
  state_ = ChangefeedState::kNormal;
  const auto streaming_since = Clock::now();

  Emitter& emitter = *emitter_;
  Attempt attempt(*this, *tracker, *source, emitter, start);
  base::Status result = emitter.Start(&attempt);
  r.failed = result.ok() ? Part::kNone : Part::kEmitter;
  if (result.ok()) {
    result = attempt.Stream(stop);
    r.failed = attempt.failed();
  }

  // Drain: deliver what is queued so the final checkpoint covers it. An emitter that cannot,
  // or whose deliveries failed, is rebuilt for the next attempt.
  base::Status flush = emitter.Flush(10000);
  if (!flush.ok() || !tracker->error().ok() || tracker->in_flight_messages() > 0) {
    if (result.ok()) result = !flush.ok() ? flush : tracker->error();
    r.failed = Part::kEmitter;
  }
  if (result.ok() && tracker->in_flight_messages() > 0) {
    result = base::DeadlineExceeded("{} deliveries still unacknowledged after the final flush",
                                    tracker->in_flight_messages());
  }
  if (auto st = SaveCheckpoint(*tracker, *source, true); !st.ok()) {
    if (result.ok()) {
      result = st;
      r.failed = Part::kStore;
    }
  }
  source->Close();
  r.healthy = moved_in_attempt_ || Clock::now() - streaming_since >= options_.healthy_after;
  r.status = std::move(result);
  if (r.status.ok()) r.failed = Part::kNone;
  return r;
}

}  // namespace sluice::pipeline
