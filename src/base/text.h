// Small text helpers shared by the URI/option parsers (Kafka sink and source, database sinks,
// filters): one implementation each, so every option accepts the same spellings.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::base {

// ASCII lower / upper case.
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Go's strconv.ParseBool spellings (TiCDC's URIs use them): 1 t T TRUE true True, and
// 0 f F FALSE false False. Returns false (leaving *out alone) for anything else.
bool ParseBool(std::string_view s, bool* out);

// Go's time.ParseDuration subset TiCDC's URIs use: a sequence of <decimal><unit> with unit
// ns, us (µs), ms, s, m or h ("1m30s", "1.5s"), or "0". Rounds down to milliseconds.
bool ParseGoDuration(std::string_view s, std::chrono::milliseconds* out);

// The shortest exact form of a millisecond count: "2h", "5m", "10s", "250ms".
std::string FormatDurationMs(int64_t ms);

}  // namespace sluice::base
