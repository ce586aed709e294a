// ChangefeedManager: owns the changefeeds of a sluice server and their threads.
//
// Each running changefeed has its own thread running pipeline::Changefeed::Run. Definitions
// and desired states live in the StateStore, so Recover() after a restart (or kill -9)
// resumes every changefeed that was not paused, from its last checkpoint.
// Thread-safe: the REST API calls it from its worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/builder.h"  // BuiltChangefeed
#include "pipeline/changefeed.h"
#include "pipeline/changefeed_config.h"
#include "pipeline/state_store.h"

namespace sluice::pipeline {

// A point-in-time view of one changefeed, safe to show: URIs are redacted.
struct ChangefeedInfo {
  std::string id;
  std::string source_uri;  // redacted (password masked)
  std::string sink_uri;    // redacted (sasl-password etc. masked)
  std::vector<std::string> filter_rules;
  bool case_sensitive = false;
  std::vector<dispatch::DispatchRule> dispatchers;
  // "normal", "warning" (retrying, target unreachable or deliveries stalled), "failed",
  // "stopped" (paused or not started)
  std::string state;
  std::string state_reason;  // why `warning`: "all brokers down since ...", "retrying in ..."
  int64_t target_unreachable_since_ms = 0;  // every broker down since (Unix ms); 0 if not

  DesiredState desired = DesiredState::kRunning;
  std::string checkpoint;           // serialized SourcePosition, empty if none yet
  uint64_t checkpoint_time_ms = 0;  // commit time of the checkpointed transaction
  int64_t lag_ms = 0;               // now - checkpoint_time_ms while running with data; 0 idle
  std::string error;                // last error message, empty if none
  // Counters of the current (or, paused or failed, the last) run of this process: rows read from
  // the source and, of those, delivered (their transactions fully acknowledged by the target).
  uint64_t rows_read = 0, rows_delivered = 0, messages = 0, bytes = 0, errors = 0, restarts = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// Builds the parts of a changefeed (defaults to BuildChangefeed); injectable for tests.
using ChangefeedFactory = std::function<base::Result<BuiltChangefeed>(const ChangefeedConfig&)>;
// Resolves a new changefeed's start to a concrete source position at Create time (the server
// passes ResolveStartPosition); empty = resolve when the changefeed first starts.
using StartResolver =
    std::function<base::Result<model::SourcePosition>(const ChangefeedConfig&)>;

class ChangefeedManager {
 public:
  // `store` must outlive the manager.
  explicit ChangefeedManager(StateStore* store, ChangefeedFactory factory = {},
                             StartResolver start_resolver = {});
  ~ChangefeedManager();  // stops every changefeed (Shutdown)

  // Starts every stored changefeed whose desired state is running.
  base::Status Recover();

  // Validates (BuildChangefeed) and stores a new changefeed, then starts it unless
  // `paused`. With a StartResolver, the start position is resolved and stored as the first
  // checkpoint before this returns (an unreachable source fails the create). AlreadyExists-like errors use InvalidArgument naming the id.
  base::Result<ChangefeedInfo> Create(const ChangefeedConfig& config, bool paused = false);
  std::vector<ChangefeedInfo> List();
  base::Result<ChangefeedInfo> Get(const std::string& id);
  // Rows captured per table by the current (or last) run; empty before the first run.
  base::Result<std::vector<TableCount>> TableCounts(const std::string& id);
  // Stops the changefeed after a final checkpoint; it stays stored as paused.
  base::Status Pause(const std::string& id);
  base::Status Resume(const std::string& id);
  // Replaces the definition (the id cannot change). The changefeed must be paused first,
  // like TiCDC's `changefeed update`. A URI whose password is the mask "****" keeps the
  // stored password.
  base::Result<ChangefeedInfo> Update(const ChangefeedConfig& config);
  // Stops and deletes the changefeed and its checkpoint.
  base::Status Remove(const std::string& id);
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::pipeline
