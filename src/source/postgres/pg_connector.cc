#include "source/postgres/pg_connector.h"

#include "source/postgres/pg_source.h"
#include "source/postgres/replication_client.h"

namespace sluice::source::postgres {
namespace {

class Connector : public SourceConnector {
 public:
  std::vector<std::string_view> schemes() const override { return {"postgres", "postgresql"}; }
  base::Result<std::unique_ptr<SourceSpec>> Parse(std::string_view uri,
                                                  const SourceContext& context) const override {
    auto config = ParsePgSourceUri(uri, DefaultSlotName(context.changefeed_id));
    if (!config.ok()) return config.status().WithContext("source URI");
    return std::unique_ptr<SourceSpec>(std::make_unique<PgSourceSpec>(std::move(config).value()));
  }
};

}  // namespace

base::Result<model::SourcePosition> PgSourceSpec::ResolveStart() const {
  ReplicationClient client(config_);
  SLUICE_RETURN_IF_ERROR(client.Connect());
  SLUICE_ASSIGN_OR_RETURN(model::Lsn lsn, client.ResolveStart());
  model::SourcePosition pos;
  pos.lsn = lsn;
  return pos;
}

base::Status PgSourceSpec::Check() const {
  ReplicationClient client(config_);
  return client.Check();
}

std::unique_ptr<Source> PgSourceSpec::Create() const {
  return std::make_unique<PgSource>(config_);
}

const SourceConnector& PgConnector() {
  static const Connector connector;
  return connector;
}

}  // namespace sluice::source::postgres
