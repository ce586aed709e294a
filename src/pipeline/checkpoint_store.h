// CheckpointStore: durable storage of each changefeed's resume position.
//
// Save() must be atomic and durable: after it returns, a crash (kill -9, power loss) leaves
// either the previous or the new checkpoint, never a torn one.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "model/position.h"

namespace sluice::pipeline {

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  virtual base::Result<std::optional<model::SourcePosition>> Load(
      const std::string& changefeed_id) = 0;
  virtual base::Status Save(const std::string& changefeed_id,
                            const model::SourcePosition& position) = 0;
  virtual base::Status Remove(const std::string& changefeed_id) = 0;
};

// One small file per changefeed under a directory: written to a temporary file, fsynced,
// renamed over the old one, and the directory fsynced.
class FileCheckpointStore : public CheckpointStore {
 public:
  explicit FileCheckpointStore(std::string directory);
  base::Result<std::optional<model::SourcePosition>> Load(const std::string& id) override;
  base::Status Save(const std::string& id, const model::SourcePosition& position) override;
  base::Status Remove(const std::string& id) override;

 private:
  std::string PathFor(const std::string& id) const;
  std::string dir_;
};

}  // namespace sluice::pipeline
