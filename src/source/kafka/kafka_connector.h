// The Kafka consumer-group source's connector (source/connector.h): kafka:// and kafka+ssl://.
#pragma once

#include "source/connector.h"
#include "source/kafka/kafka_source_options.h"

namespace sluice::source::kafka {

class KafkaSourceSpec : public SourceSpec {
 public:
  explicit KafkaSourceSpec(KafkaSourceOptions options) : options_(std::move(options)) {}
  const KafkaSourceOptions& options() const { return options_; }

  std::string Redacted() const override { return options_.Redacted(); }
  // Kafka resumes from the consumer group's committed offsets (else start=earliest|latest):
  // nothing to resolve, an empty position.
  base::Result<model::SourcePosition> ResolveStart() const override;
  base::Status Check() const override;
  std::unique_ptr<Source> Create() const override;
  bool IgnoreWriteErrors() const override { return options_.ignore_write_errors; }

 private:
  KafkaSourceOptions options_;
};

const SourceConnector& KafkaConnector();

}  // namespace sluice::source::kafka
