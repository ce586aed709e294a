// Value text: a Value as MySQL text, shared by the codecs (canal-json, Debezium, Avro's
// string fallbacks, large-message handle keys) and the database sinks (SQL literals).
//
// AppendValueText renders one non-NULL Value exactly as TiCDC's canal-json puts it in
// `data`/`old` (ticdc.md §3.3): integers as decimal text, FLOAT/DOUBLE as the shortest
// round-trip decimal without exponent (FLOAT columns use 32-bit shortest, so 3.14f -> "3.14"),
// NaN/Inf -> "0", DECIMAL verbatim, DATE/DATETIME/TIMESTAMP/TIME with exactly column.fsp
// fraction digits, TIMESTAMP in FormatOptions::time_zone, YEAR/ENUM/SET/BIT as unsigned
// integer text, strings as their raw bytes (text columns are UTF-8; binary columns are raw bytes
// that the JSON layer escapes as ISO-8859-1, see IsBinaryColumn in column.h).
//
// All functions append to `out` and allocate nothing beyond growing `out`. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/column.h"
#include "model/time_zone.h"
#include "model/value.h"

namespace sluice::model {

struct FormatOptions {
  // Zone TIMESTAMP columns are rendered in (TiCDC: the server `tz`). Default UTC.
  TimeZone time_zone;
};

// Appends the text of `value` for `column`. NULL and absent values append nothing (callers
// render them as JSON null or skip them).
void AppendValueText(const Column& column, const Value& value, const FormatOptions& options,
                     std::string* out);

// Building blocks, exposed for the codecs, sinks and tests.
void AppendUInt(uint64_t v, std::string* out);
void AppendInt(int64_t v, std::string* out);
// Go strconv.FormatFloat(v, 'f', -1, 32 or 64); NaN/Inf append "0".
void AppendFloat32(float v, std::string* out);
void AppendFloat64(double v, std::string* out);
// The shortest text that parses back to exactly `v` (std::to_chars): fixed or scientific,
// whichever is shorter ("0.1", "1e+300", "-1.5e-38"). For JSON numbers and PostgreSQL
// parameters. NaN/Inf append "nan"/"inf" (callers decide what the target accepts).
void AppendDoubleRoundTrip(double v, std::string* out);
void AppendFloat32RoundTrip(float v, std::string* out);
// The same digits always in scientific notation ("1.5e+00", "1e+300"): a MySQL approximate-value
// (double) literal, never a DECIMAL literal that the server would cut to 65 digits.
void AppendDoubleScientific(double v, std::string* out);
// The float32 value a text parsed as a double denotes: the float whose shortest text parses to
// exactly `d` when there is one (so "866.9985" read as a double gives back the float it was
// printed from, without double rounding), else the nearest float.
float Float32FromDouble(double d);
// "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS[.f]", "[-]HH:MM:SS[.f]" with `fsp` (0..6) fraction digits.
void AppendDate(const Temporal& t, std::string* out);
void AppendDateTime(const Temporal& t, uint8_t fsp, std::string* out);
void AppendTime(const Temporal& t, uint8_t fsp, std::string* out);
// A TIMESTAMP (UTC epoch seconds + micros) as local "YYYY-MM-DD HH:MM:SS[.f]" in `tz`.
// Epoch 0.000000 is MySQL's zero TIMESTAMP and renders as "0000-00-00 00:00:00[.000000]".
void AppendTimestamp(int64_t epoch_seconds, uint32_t micros, uint8_t fsp, const TimeZone& tz,
                     std::string* out);
// Days since 1970-01-01 of a proleptic Gregorian civil date (negative before the epoch).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
// Civil date of a day count since 1970-01-01 (inverse of DaysFromCivil).
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);
// Sets t's year, month and day to the civil date `days` after 1970-01-01 (the rest of t stays).
void SetDateFromDays(int64_t days, Temporal* t);
// Standard base64 (RFC 4648, '+' '/' and '=' padding) of raw bytes.
void AppendBase64(std::string_view bytes, std::string* out);
// ENUM and SET values by name: the member of a 1-based ENUM index ("" for 0, MySQL's error
// value, and out of range), and the comma-separated members of a SET bitmask (bits without a
// member are skipped).
std::string_view EnumName(const Column& column, uint64_t index);
void AppendSetNames(const Column& column, uint64_t bits, std::string* out);

}  // namespace sluice::model
