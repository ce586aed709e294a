#include "source/mysql/mysql_connector.h"

#include "source/mysql/binlog_client.h"
#include "source/mysql/binlog_source.h"

namespace sluice::source::mysql {
namespace {

class Connector : public SourceConnector {
 public:
  std::vector<std::string_view> schemes() const override { return {"mysql", "mariadb"}; }
  base::Result<std::unique_ptr<SourceSpec>> Parse(std::string_view uri,
                                                  const SourceContext&) const override {
    auto config = ParseMySqlSourceUri(uri);
    if (!config.ok()) return config.status().WithContext("source URI");
    return std::unique_ptr<SourceSpec>(
        std::make_unique<MySqlSourceSpec>(std::move(config).value()));
  }
};

}  // namespace

base::Result<model::SourcePosition> MySqlSourceSpec::ResolveStart() const {
  BinlogClient client(config_);
  SLUICE_RETURN_IF_ERROR(client.Connect());
  auto pos = client.ResolveStart(config_.start);
  client.Close();
  return pos;
}

base::Status MySqlSourceSpec::Check() const {
  BinlogSource source(config_);
  SLUICE_RETURN_IF_ERROR(source.Open(model::SourcePosition()));
  source.Close();
  return base::Status::Ok();
}

std::unique_ptr<Source> MySqlSourceSpec::Create() const {
  return std::make_unique<BinlogSource>(config_);
}

const SourceConnector& MySqlConnector() {
  static const Connector connector;
  return connector;
}

}  // namespace sluice::source::mysql
