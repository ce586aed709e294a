// The PostgreSQL pgoutput source's connector (source/connector.h): postgres:// and
// postgresql://.
#pragma once

#include "source/connector.h"
#include "source/postgres/source_config.h"

namespace sluice::source::postgres {

class PgSourceSpec : public SourceSpec {
 public:
  explicit PgSourceSpec(PgSourceConfig config) : config_(std::move(config)) {}
  const PgSourceConfig& config() const { return config_; }

  std::string Redacted() const override { return config_.Redacted(); }
  // Creates the slot when missing, so the WAL after this point is kept for the changefeed.
  base::Result<model::SourcePosition> ResolveStart() const override;
  // Settings, privileges, publication and slot, each failure naming its fix; creates nothing.
  base::Status Check() const override;
  std::unique_ptr<Source> Create() const override;

 private:
  PgSourceConfig config_;
};

// The slot defaults to DefaultSlotName(context.changefeed_id).
const SourceConnector& PgConnector();

}  // namespace sluice::source::postgres
