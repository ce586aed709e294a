// Logging: one spdlog logger per subsystem, created on first use.
//
// Messages use fmt format strings; they must never contain secrets (passwords are masked
// before any config object is formatted, see base/redact.h).
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace sluice::base {

// Returns the logger named `subsystem` (e.g. "source.mysql"), creating it if needed.
std::shared_ptr<spdlog::logger> Logger(const std::string& subsystem);

// Sets the level of all sluice loggers ("trace", "debug", "info", "warn", "error", "off").
void SetLogLevel(const std::string& level);

}  // namespace sluice::base
