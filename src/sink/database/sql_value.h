// Value conversion and type mapping for the database sinks.
//
// model::Value (canonical forms in model/value.h) -> SQL text for each target:
//   MySQL/MariaDB: a complete literal. Strings are sent as hex (_utf8mb4 X'..' for text, X'..'
//     for binary columns) so no escaping or sql_mode can change them; ENUM as its member name,
//     SET/BIT as their integer, YEAR as a 4-digit string ('0000' stays the zero year), DATETIME
//     and TIME with their fraction, TIMESTAMP in UTC (the sink's session uses time_zone
//     '+00:00'; epoch 0 is MySQL's zero TIMESTAMP). FLOAT/DOUBLE in scientific notation with the
//     shortest digits that round-trip ("1e+300"): an approximate-value literal the server
//     parses back to the same bits (a literal without exponent would be a DECIMAL).
//   PostgreSQL: the text form of a query parameter whose type the server infers from the target
//     column: bytea as \x<hex>, ENUM/SET as member names ("a,b"), BIT(n) as n binary digits,
//     TIMESTAMP as UTC with "+00", TIME as an interval text ("-838:59:59"), NaN/Infinity as
//     PostgreSQL spells them, other FLOAT/DOUBLE values as their shortest round-trip text (a
//     FLOAT as its exact double value, so neither server rounds twice). Zero/partial dates ("0000-00-00") and NUL bytes in text have no
//     PostgreSQL form: they are a clear error (a data error of that row).
// Absent values (partial row images) are rejected by the callers, not here.
//
// Type mapping for create-tables=true (and the reference table in docs/database-sinks.md):
// MySqlTypeFor rebuilds the column's MySQL type; PostgresTypeFor maps it to PostgreSQL.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "model/column.h"
#include "model/value.h"

namespace sluice::sink::database {

// Appends the MySQL literal of `value` (NULL for a NULL value) to `out`.
base::Status AppendMySqlLiteral(const model::Column& column, const model::Value& value,
                                std::string* out);

// The PostgreSQL text parameter for `value` (nullopt = NULL).
base::Result<std::optional<std::string>> PostgresParam(const model::Column& column,
                                                       const model::Value& value);

// Column types for auto-created tables.
std::string MySqlTypeFor(const model::Column& column);
// The declared length of a CHAR/VARCHAR (characters) or BINARY/VARBINARY (bytes) column, from
// its byte length and character set; 0 = unknown.
uint32_t DeclaredChars(const model::Column& column);
std::string PostgresTypeFor(const model::Column& column);

// A short display form of a value for error messages (at most ~64 characters; binary as hex).
std::string DisplayValue(const model::Column& column, const model::Value& value);

}  // namespace sluice::sink::database
