#include "source/kafka/kafka_connector.h"

#include "source/kafka/kafka_source.h"

namespace sluice::source::kafka {
namespace {

class Connector : public SourceConnector {
 public:
  std::vector<std::string_view> schemes() const override { return {"kafka", "kafka+ssl"}; }
  base::Result<std::unique_ptr<SourceSpec>> Parse(std::string_view uri,
                                                  const SourceContext&) const override {
    SLUICE_ASSIGN_OR_RETURN(KafkaSourceOptions options, ParseKafkaSourceUri(uri));
    return std::unique_ptr<SourceSpec>(std::make_unique<KafkaSourceSpec>(std::move(options)));
  }
};

}  // namespace

base::Result<model::SourcePosition> KafkaSourceSpec::ResolveStart() const {
  return model::SourcePosition();
}

base::Status KafkaSourceSpec::Check() const { return KafkaSource::Check(options_); }

std::unique_ptr<Source> KafkaSourceSpec::Create() const {
  return std::make_unique<KafkaSource>(options_);
}

const SourceConnector& KafkaConnector() {
  static const Connector connector;
  return connector;
}

}  // namespace sluice::source::kafka
