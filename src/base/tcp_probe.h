// ProbeTcp: a plain TCP connect, the first check of every pre-flight (Kafka brokers, MariaDB,
// PostgreSQL) and the way the MariaDB client learns why a connect failed (Connector/C reports
// EINPROGRESS instead of the reason when a timeout is set).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::base {

// Connects to any address of host:port within `timeout` (non-blocking connect + poll) and
// closes again. Returns "" on success, else the reason: "cannot resolve 'h': ...",
// "Connection refused", "no answer within 5000 ms", ...
std::string ProbeTcp(std::string_view host, uint16_t port, std::chrono::milliseconds timeout);

}  // namespace sluice::base
