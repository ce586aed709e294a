// StateStore: durable state of a sluice server: changefeed definitions and checkpoints.
//
// The default implementation is SQLite (sqlite_state_store.h) in <state-dir>/sluice.db.
// Every method is atomic and durable when it returns; safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/changefeed_config.h"
#include "pipeline/checkpoint_store.h"

namespace sluice::pipeline {

// What the operator asked for; the running state is ChangefeedState.
enum class DesiredState : uint8_t { kRunning, kPaused };

struct ChangefeedRecord {
  ChangefeedConfig config;  // with secrets: never return it through the API unredacted
  DesiredState desired = DesiredState::kRunning;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

class StateStore : public CheckpointStore {
 public:
  // NotFound-free: returns nullopt when absent.
  virtual base::Result<std::optional<ChangefeedRecord>> GetChangefeed(const std::string& id) = 0;
  virtual base::Result<std::vector<ChangefeedRecord>> ListChangefeeds() = 0;
  // Inserts or replaces the record (Remove() of CheckpointStore deletes the checkpoint only;
  // DeleteChangefeed deletes both).
  virtual base::Status PutChangefeed(const ChangefeedRecord& record) = 0;
  virtual base::Status DeleteChangefeed(const std::string& id) = 0;
};

}  // namespace sluice::pipeline
