// The MariaDB/MySQL binlog source's connector (source/connector.h): mysql:// and mariadb://.
#pragma once

#include "source/connector.h"
#include "source/mysql/source_config.h"

namespace sluice::source::mysql {

// What a mysql:// source URI parsed into (the registry's SourceSpec for this source).
class MySqlSourceSpec : public SourceSpec {
 public:
  explicit MySqlSourceSpec(MySqlSourceConfig config) : config_(std::move(config)) {}
  const MySqlSourceConfig& config() const { return config_; }

  std::string Redacted() const override { return config_.Redacted(); }
  base::Result<model::SourcePosition> ResolveStart() const override;
  // Connects and positions at the current end: the connection, privilege and binlog settings
  // checks of BinlogSource::Open.
  base::Status Check() const override;
  std::unique_ptr<Source> Create() const override;

 private:
  MySqlSourceConfig config_;
};

const SourceConnector& MySqlConnector();

}  // namespace sluice::source::mysql
