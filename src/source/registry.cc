#include "source/registry.h"

#include <fmt/format.h>

#include "base/text.h"
#include "base/uri.h"
#include "source/kafka/kafka_connector.h"
#include "source/mysql/mysql_connector.h"
#include "source/postgres/pg_connector.h"

namespace sluice::source {
namespace {

std::string SchemeList() {
  std::string out;
  for (const auto* c : SourceConnectors()) {
    for (auto s : c->schemes()) out += fmt::format("{}{}://", out.empty() ? "" : ", ", s);
  }
  return out;
}

}  // namespace

const std::vector<const SourceConnector*>& SourceConnectors() {
  static const std::vector<const SourceConnector*> connectors = {
      &mysql::MySqlConnector(),
      &postgres::PgConnector(),
      &kafka::KafkaConnector(),
  };
  return connectors;
}

base::Result<const SourceConnector*> FindSourceConnector(std::string_view uri) {
  auto parts = base::SplitUri(uri);
  if (!parts) {
    return base::InvalidArgument(
        "source URI must look like mysql://user:password@host:port/?options (scheme missing); "
        "the schemes are {}",
        SchemeList());
  }
  std::string scheme = base::ToLower(parts->scheme);
  for (const auto* c : SourceConnectors()) {
    for (auto s : c->schemes()) {
      if (s == scheme) return c;
    }
  }
  return base::InvalidArgument("source URI scheme '{}' is not supported; use one of {}",
                               parts->scheme, SchemeList());
}

base::Result<std::unique_ptr<SourceSpec>> ParseSourceUri(std::string_view uri,
                                                         const SourceContext& context) {
  SLUICE_ASSIGN_OR_RETURN(const SourceConnector* connector, FindSourceConnector(uri));
  return connector->Parse(uri, context);
}

}  // namespace sluice::source
