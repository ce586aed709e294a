#include "pipeline/changefeed_manager.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/logging.h"
#include "pipeline/builder.h"
#include "base/secret.h"
#include "sink/kafka/kafka_sink_uri.h"
#include "source/registry.h"

namespace sluice::pipeline {

namespace {

auto Log() {
  static auto logger = base::Logger("pipeline.manager");
  return logger;
}

// The parser's normalized form where it parses, then the one masking every answer goes
// through (it also catches what a parser's Redacted() does not know as secret).
std::string RedactSource(const std::string& uri, const std::string& id) {
  auto parsed = source::ParseSourceUri(uri, {.changefeed_id = id});
  return base::MaskUriSecrets(parsed.ok() ? (*parsed)->Redacted() : uri);
}

std::string RedactSink(const std::string& uri) {
  auto parsed = sink::kafka::ParseKafkaSinkUri(uri);
  return base::MaskUriSecrets(parsed.ok() ? parsed->Redacted() : uri);
}

base::Status NotFoundError(const std::string& id) {
  return base::NotFound("changefeed '{}' not found; list the changefeeds to see their ids", id);
}

}  // namespace

// One changefeed known to this process. A run is one Changefeed object driven by `thread`
// until `stop` is raised or it fails; the object is kept after the run so its final state,
// error and counters stay visible until the next run replaces it.
struct RunningChangefeed {
  std::shared_ptr<Changefeed> changefeed;   // guarded by Impl::mu; null before the first run
  std::shared_ptr<std::atomic<bool>> stop;  // of the current run
  std::thread thread;                       // touched only under Impl::op_mu
  std::string start_error;                  // guarded by Impl::mu; building the run failed
};

struct ChangefeedManager::Impl {
  StateStore* store;
  ChangefeedFactory factory;
  StartResolver start_resolver;

  // Serializes operations that start or stop runs (Create, Pause, Resume, Update, Remove,
  // Recover, Shutdown). Joining a thread happens under op_mu only, so Get/List never wait for
  // a final flush.
  std::mutex op_mu;
  bool shut_down = false;  // guarded by op_mu

  std::mutex mu;  // guards `feeds` and the guarded fields of its entries
  std::map<std::string, std::shared_ptr<RunningChangefeed>> feeds;

  std::shared_ptr<RunningChangefeed> Find(const std::string& id) {
    std::lock_guard lock(mu);
    auto it = feeds.find(id);
    return it == feeds.end() ? nullptr : it->second;
  }

  std::shared_ptr<RunningChangefeed> FindOrAdd(const std::string& id) {
    std::lock_guard lock(mu);
    auto& entry = feeds[id];
    if (!entry) entry = std::make_shared<RunningChangefeed>();
    return entry;
  }

  // Raises the stop flag of the current run, if any (no wait). Requires op_mu.
  static void RequestStop(RunningChangefeed& feed) {
    if (feed.stop) feed.stop->store(true);
  }

  // Stops the current run and waits for its final flush and checkpoint. Requires op_mu.
  static void Stop(RunningChangefeed& feed) {
    RequestStop(feed);
    if (feed.thread.joinable()) feed.thread.join();
  }

  // Builds and starts a run of `config`. Requires op_mu and no running thread. On a build
  // error the changefeed shows as failed with that error, which is also returned.
  base::Status Start(const ChangefeedConfig& config) {
    auto feed = FindOrAdd(config.id);
    if (feed->thread.joinable()) feed->thread.join();  // a finished (failed) earlier run
    auto built = factory(config);
    if (!built.ok()) {
      Log()->error("changefeed {} cannot start: {}", config.id, built.status().message());
      std::lock_guard lock(mu);
      feed->start_error = built.status().message();
      feed->changefeed.reset();
      return built.status();
    }
    built->options.id = config.id;
    auto changefeed =
        std::make_shared<Changefeed>(std::move(built->options), std::move(built->factory), store);
    auto stop = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard lock(mu);
      feed->start_error.clear();
      feed->changefeed = changefeed;
      feed->stop = stop;
    }
    feed->thread = std::thread([changefeed, stop, id = config.id] {
      base::Status st = changefeed->Run(stop.get());
      if (st.ok()) Log()->info("changefeed {} stopped", id);
    });
    return base::Status::Ok();
  }

  ChangefeedInfo MakeInfo(const ChangefeedRecord& record) {
    const ChangefeedConfig& c = record.config;
    ChangefeedInfo info;
    info.id = c.id;
    info.source_uri = RedactSource(c.source_uri, c.id);
    info.sink_uri = RedactSink(c.sink_uri);
    info.filter_rules = c.filter_rules;
    info.case_sensitive = c.case_sensitive;
    info.dispatchers = c.dispatchers;
    info.desired = record.desired;
    info.created_at_ms = record.created_at_ms;
    info.updated_at_ms = record.updated_at_ms;

    std::shared_ptr<Changefeed> changefeed;
    std::string start_error;
    bool running = false;
    if (auto feed = Find(c.id)) {
      std::lock_guard lock(mu);
      changefeed = feed->changefeed;
      start_error = feed->start_error;
      running = feed->stop && !feed->stop->load();
    }

    std::optional<model::SourcePosition> checkpoint;
    if (changefeed) {
      // A paused or failed changefeed keeps showing what its last run did.
      const ChangefeedStats& s = changefeed->stats();
      info.rows_read = s.rows_read.load();
      info.rows_delivered = s.rows_delivered.load();
      info.messages = s.messages.load();
      info.bytes = s.bytes.load();
      info.errors = s.errors.load();
      info.restarts = s.restarts.load();
      info.checkpoint_time_ms = s.checkpoint_commit_ms.load();
      checkpoint = changefeed->checkpoint();
    }
    if (record.desired == DesiredState::kPaused) {
      info.state = std::string(ChangefeedStateName(ChangefeedState::kStopped));
      info.error = changefeed ? changefeed->last_error() : start_error;
    } else if (!start_error.empty()) {
      info.state = std::string(ChangefeedStateName(ChangefeedState::kFailed));
      info.error = start_error;
    } else if (changefeed) {
      ChangefeedState state = changefeed->state();
      // The documented states are normal, warning, failed and stopped; a run that is still
      // opening its source counts as normal (a failed attempt turns it into warning).
      if (state == ChangefeedState::kStarting) state = ChangefeedState::kNormal;
      // A run that was asked to stop but is still flushing shows as stopped already.
      if (!running && state != ChangefeedState::kFailed) state = ChangefeedState::kStopped;
      info.state = std::string(ChangefeedStateName(state));
      if (state == ChangefeedState::kWarning) info.state_reason = changefeed->state_reason();
      if (running) info.target_unreachable_since_ms = changefeed->target_unreachable_since_ms();
      info.error = changefeed->last_error();
      // Lag: see Changefeed::checkpoint_lag_ms; only while the run is live.
      if (state == ChangefeedState::kNormal || state == ChangefeedState::kWarning) {
        info.lag_ms = changefeed->checkpoint_lag_ms();
      }
    } else {
      info.state = std::string(ChangefeedStateName(ChangefeedState::kStopped));
    }
    if (!checkpoint) {
      auto stored = store->Load(c.id);
      if (stored.ok()) {
        checkpoint = *stored;
      } else if (info.error.empty()) {
        info.error = stored.status().message();
      }
    }
    if (checkpoint) info.checkpoint = checkpoint->Serialize();
    // An error may echo a URI or option value: no secret of this changefeed leaves here.
    std::vector<std::string> secrets = base::SecretsIn("uri", c.source_uri);
    for (auto& s : base::SecretsIn("uri", c.sink_uri)) secrets.push_back(std::move(s));
    info.error = base::ScrubSecrets(std::move(info.error), secrets);
    info.state_reason = base::ScrubSecrets(std::move(info.state_reason), secrets);
    return info;
  }

  base::Result<ChangefeedRecord> GetRecord(const std::string& id) {
    SLUICE_ASSIGN_OR_RETURN(auto record, store->GetChangefeed(id));
    if (!record) return NotFoundError(id);
    return *record;
  }

  base::Status CheckNotShutDown() {
    if (shut_down) {
      return base::Unavailable("the changefeed manager is shutting down; retry after restart");
    }
    return base::Status::Ok();
  }
};

ChangefeedManager::ChangefeedManager(StateStore* store, ChangefeedFactory factory,
                                     StartResolver start_resolver)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->factory = factory ? std::move(factory) : ChangefeedFactory(BuildChangefeed);
  impl_->start_resolver = std::move(start_resolver);
}

ChangefeedManager::~ChangefeedManager() { Shutdown(); }

base::Status ChangefeedManager::Recover() {
  std::lock_guard op(impl_->op_mu);
  SLUICE_RETURN_IF_ERROR(impl_->CheckNotShutDown());
  SLUICE_ASSIGN_OR_RETURN(auto records, impl_->store->ListChangefeeds());
  size_t started = 0;
  for (const auto& record : records) {
    if (record.desired != DesiredState::kRunning) continue;
    auto feed = impl_->Find(record.config.id);
    if (feed && feed->stop && !feed->stop->load() && feed->thread.joinable()) continue;
    // A changefeed that cannot be built shows as failed; the others still start.
    if (impl_->Start(record.config).ok()) ++started;
  }
  Log()->info("recovered {} of {} stored changefeeds", started, records.size());
  return base::Status::Ok();
}

base::Result<ChangefeedInfo> ChangefeedManager::Create(const ChangefeedConfig& config,
                                                       bool paused) {
  std::lock_guard op(impl_->op_mu);
  SLUICE_RETURN_IF_ERROR(impl_->CheckNotShutDown());
  SLUICE_RETURN_IF_ERROR(ValidateChangefeedId(config.id));
  SLUICE_ASSIGN_OR_RETURN(auto existing, impl_->store->GetChangefeed(config.id));
  if (existing || impl_->Find(config.id)) {
    return base::InvalidArgument(
        "changefeed '{}' already exists; choose another id, or remove it first", config.id);
  }
  SLUICE_RETURN_IF_ERROR(impl_->factory(config).status());
  // A new changefeed starts where its source URI says, never at a stale checkpoint.
  SLUICE_RETURN_IF_ERROR(impl_->store->Remove(config.id));
  if (impl_->start_resolver) {
    // Pin the start now: rows written after Create returns are captured even if the run
    // starts later (or the changefeed is created paused).
    auto start = impl_->start_resolver(config);
    if (!start.ok()) return start.status().WithContext("resolving the start position");
    if (!start->empty()) SLUICE_RETURN_IF_ERROR(impl_->store->Save(config.id, *start));
  }
  ChangefeedRecord record;
  record.config = config;
  record.desired = paused ? DesiredState::kPaused : DesiredState::kRunning;
  record.created_at_ms = record.updated_at_ms = base::UnixNowMs();
  SLUICE_RETURN_IF_ERROR(impl_->store->PutChangefeed(record));
  if (paused) {
    impl_->FindOrAdd(config.id);
  } else {
    // A start failure is shown in the info (state failed); the changefeed stays stored.
    (void)impl_->Start(config);
  }
  Log()->info("changefeed {} created{}", config.id, paused ? " (paused)" : "");
  return impl_->MakeInfo(record);
}

std::vector<ChangefeedInfo> ChangefeedManager::List() {
  std::vector<ChangefeedInfo> out;
  auto records = impl_->store->ListChangefeeds();
  if (!records.ok()) {
    Log()->error("listing changefeeds: {}", records.status().message());
    return out;
  }
  for (const auto& record : *records) out.push_back(impl_->MakeInfo(record));
  return out;
}

base::Result<ChangefeedInfo> ChangefeedManager::Get(const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(auto record, impl_->GetRecord(id));
  return impl_->MakeInfo(record);
}

base::Result<std::vector<TableCount>> ChangefeedManager::TableCounts(const std::string& id) {
  SLUICE_RETURN_IF_ERROR(impl_->GetRecord(id).status());
  std::shared_ptr<Changefeed> changefeed;
  if (auto feed = impl_->Find(id)) {
    std::lock_guard lock(impl_->mu);
    changefeed = feed->changefeed;
  }
  if (!changefeed) return std::vector<TableCount>{};
  return changefeed->stats().tables.Snapshot();
}

base::Status ChangefeedManager::Pause(const std::string& id) {
  std::lock_guard op(impl_->op_mu);
  SLUICE_ASSIGN_OR_RETURN(auto record, impl_->GetRecord(id));
  if (auto feed = impl_->Find(id)) Impl::Stop(*feed);
  if (record.desired == DesiredState::kPaused) return base::Status::Ok();
  record.desired = DesiredState::kPaused;
  record.updated_at_ms = base::UnixNowMs();
  SLUICE_RETURN_IF_ERROR(impl_->store->PutChangefeed(record));
  Log()->info("changefeed {} paused", id);
  return base::Status::Ok();
}

base::Status ChangefeedManager::Resume(const std::string& id) {
  std::lock_guard op(impl_->op_mu);
  SLUICE_RETURN_IF_ERROR(impl_->CheckNotShutDown());
  SLUICE_ASSIGN_OR_RETURN(auto record, impl_->GetRecord(id));
  auto feed = impl_->Find(id);
  bool live = feed && feed->stop && !feed->stop->load() && feed->thread.joinable() &&
              feed->changefeed && feed->changefeed->state() != ChangefeedState::kFailed;
  if (record.desired == DesiredState::kRunning && live) return base::Status::Ok();
  if (feed) Impl::Stop(*feed);  // a failed run's thread has ended; join it
  if (record.desired != DesiredState::kRunning) {
    record.desired = DesiredState::kRunning;
    record.updated_at_ms = base::UnixNowMs();
    SLUICE_RETURN_IF_ERROR(impl_->store->PutChangefeed(record));
  }
  Log()->info("changefeed {} resumed", id);
  return impl_->Start(record.config);
}

base::Result<ChangefeedInfo> ChangefeedManager::Update(const ChangefeedConfig& config) {
  std::lock_guard op(impl_->op_mu);
  SLUICE_ASSIGN_OR_RETURN(auto record, impl_->GetRecord(config.id));
  if (record.desired != DesiredState::kPaused) {
    return base::FailedPrecondition(
        "pause the changefeed first: changefeed '{}' is running, and its definition can only be "
        "updated while it is paused",
        config.id);
  }
  ChangefeedConfig merged = config;
  SLUICE_ASSIGN_OR_RETURN(
      merged.source_uri,
      base::MergeMaskedSecrets(config.source_uri, record.config.source_uri, "source URI"));
  SLUICE_ASSIGN_OR_RETURN(merged.sink_uri,
                          base::MergeMaskedSecrets(config.sink_uri, record.config.sink_uri, "sink URI"));
  SLUICE_RETURN_IF_ERROR(impl_->factory(merged).status());
  record.config = std::move(merged);
  record.updated_at_ms = base::UnixNowMs();
  SLUICE_RETURN_IF_ERROR(impl_->store->PutChangefeed(record));
  if (auto feed = impl_->Find(config.id)) {
    std::lock_guard lock(impl_->mu);
    feed->start_error.clear();
  }
  Log()->info("changefeed {} updated", config.id);
  return impl_->MakeInfo(record);
}

base::Status ChangefeedManager::Remove(const std::string& id) {
  std::lock_guard op(impl_->op_mu);
  SLUICE_ASSIGN_OR_RETURN(auto record, impl_->store->GetChangefeed(id));
  auto feed = impl_->Find(id);
  if (!record && !feed) return NotFoundError(id);
  if (feed) Impl::Stop(*feed);
  SLUICE_RETURN_IF_ERROR(impl_->store->DeleteChangefeed(id));
  {
    std::lock_guard lock(impl_->mu);
    impl_->feeds.erase(id);
  }
  Log()->info("changefeed {} removed", id);
  return base::Status::Ok();
}

void ChangefeedManager::Shutdown() {
  std::lock_guard op(impl_->op_mu);
  impl_->shut_down = true;
  std::vector<std::shared_ptr<RunningChangefeed>> feeds;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [id, feed] : impl_->feeds) feeds.push_back(feed);
  }
  // Raise every stop flag first so the final flushes run in parallel, then wait for all.
  for (auto& feed : feeds) Impl::RequestStop(*feed);
  for (auto& feed : feeds) Impl::Stop(*feed);
}

}  // namespace sluice::pipeline
