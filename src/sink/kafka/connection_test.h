// TestKafkaConnection: a pre-flight check of a Kafka sink URI (`sluice check`), reporting each
// requirement separately with a fix the operator can apply.
//
// Checks, in order (later ones are skipped when the connection itself fails):
//   reachable <host:port>  one per bootstrap endpoint: a TCP connect within dial-timeout.
//   connect                a metadata request through librdkafka with the configured security
//                          (TLS handshake and certificate verification, SASL authentication).
//   describe <topic>       metadata of the topic (Describe; Write also implies it).
//   create <topic>         CreateTopics with validate_only=true: the broker authorizes Create
//                          before validating and creates nothing.
//   write <topic>          a produce of ONE record one byte over the topic's max.message.bytes,
//                          without retries: the broker authorizes Write before it checks the size,
//                          so an authorized principal gets MESSAGE_TOO_LARGE and an unauthorized
//                          one TOPIC_AUTHORIZATION_FAILED; nothing is ever appended. Skipped when
//                          the topic does not exist yet or its size limit cannot be read.
//   describe-configs cluster  DescribeConfigs of a broker resource (needs DescribeConfigs on the
//                          cluster; the sink reads message.max.bytes and min.insync.replicas).
//
// Blocking; builds its own short-lived clients; never throws. Messages never contain secrets.
#pragma once

#include <string>
#include <vector>

#include "sink/kafka/kafka_sink_options.h"

namespace sluice::sink::kafka {

struct CheckResult {
  std::string name;  // e.g. "write topic-a"
  bool passed = false;
  std::string detail;    // what was observed
  std::string fix;       // what to do when !passed (empty when passed)
  bool skipped = false;  // not verified (detail says why); passed is true then
};

// Runs every check for options.topic plus `extra_topics` (topics the dispatchers route to).
std::vector<CheckResult> TestKafkaConnection(const KafkaSinkOptions& options,
                                             const std::vector<std::string>& extra_topics = {});

// One line per check: "PASS name: detail", "SKIP ...", "FAIL name: detail\n  fix: ...".
std::string FormatCheckResults(const std::vector<CheckResult>& results);

// True when no check failed.
bool AllPassed(const std::vector<CheckResult>& results);

}  // namespace sluice::sink::kafka
