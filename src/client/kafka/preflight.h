// RunPreflight: the pre-flight checks of a Kafka connection (`sluice check`, the console's
// "Test" button), each requirement reported separately with a fix the operator can apply.
//
// Checks, in order (later ones are skipped when the connection itself fails):
//   reachable <host:port>  one per bootstrap endpoint: a TCP connect within dial-timeout.
//   connect                a metadata request through librdkafka with the configured security
//                          (TLS handshake and certificate verification, SASL authentication).
//   describe <topic>       metadata of the topic (Describe; Write also implies it).
//   create <topic>         (write only) CreateTopics with validate_only=true: the broker
//                          authorizes Create before validating and creates nothing.
//   write <topic>          (write only) a produce of ONE record one byte over the topic's
//                          max.message.bytes, without retries: the broker authorizes Write before
//                          it checks the size, so an authorized principal gets MESSAGE_TOO_LARGE
//                          and an unauthorized one TOPIC_AUTHORIZATION_FAILED; nothing is ever
//                          appended. Skipped when the topic does not exist yet or its size limit
//                          cannot be read.
//   describe-configs cluster  DescribeConfigs of a broker resource (needs DescribeConfigs on the
//                          cluster; the sink reads message.max.bytes and min.insync.replicas).
//
// Blocking; builds its own short-lived clients; never throws. Messages never contain secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/check_result.h"
#include "client/kafka/connection_options.h"

namespace sluice::client::kafka {

// The topics to check and what the client will do with them.
struct TopicChecks {
  std::vector<std::string> topics;  // duplicates are checked once
  bool write = true;                // producer: also the create and write checks
  // For the create check (CreateTopics validate_only): the settings a created topic gets.
  std::optional<int32_t> partition_num;  // nullopt: 3
  int16_t replication_factor = 1;
  bool auto_create_topic = true;  // false: Create is not needed when the topic exists
};

std::vector<base::CheckResult> RunPreflight(const ConnectionOptions& options,
                                            const TopicChecks& checks);

}  // namespace sluice::client::kafka
