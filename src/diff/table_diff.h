// TableDiff: compares one table on two databases (MariaDB/MySQL or PostgreSQL, any pairing) row
// for row, for `sluice diff` and the replication tests.
//
// Values are compared in a normalized text form chosen per column from BOTH sides' declared
// types, so the MariaDB and PostgreSQL forms of one value compare equal:
//   integers/DECIMAL/numeric/YEAR  canonical decimal ("1.50" == "1.5", "007" == "7")
//   FLOAT/real                     the shortest text of the single-precision value (MariaDB
//                                  FLOAT read as CAST(.. AS DOUBLE)); DOUBLE: the shortest
//                                  round-trip text of the double, so values are compared bit
//                                  for bit
//   tinyint/boolean                "1"/"0" (PostgreSQL t/f)
//   BIT/bit(n)                     unsigned integer
//   binary/blob/bytea              upper-case hex (PostgreSQL's \x prefix removed)
//   JSON/jsonb                     parsed and re-serialized with sorted keys and no spaces
//   DATE/DATETIME/TIMESTAMP/TIME/interval  trailing fraction zeros and a "+00" zone removed
//                                  (both sessions run in UTC)
//   everything else                the text as stored (PostgreSQL char(n) without its padding,
//                                  as MySQL CHAR reads)
// Rows are matched by key (the left table's primary key unless given); both tables are read
// whole into memory, so this is meant for tables up to a few million rows.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"

namespace sluice::diff {

struct DiffOptions {
  // mysql://user:pass@host:port/ or postgres://user:pass@host:port/<database>; a `database=`
  // (MySQL) or `schema=` (PostgreSQL) parameter maps the table's database to another name on
  // that side.
  std::string left_uri;
  std::string right_uri;
  std::string table;             // "db.table": the database (MySQL) / schema (PostgreSQL)
  std::vector<std::string> key;  // empty: the left table's primary key
  std::vector<std::string> ignore_columns;  // not compared (matched case-insensitively)
  size_t max_report = 10;                   // differences listed in detail
};

struct DiffReport {
  size_t left_rows = 0;
  size_t right_rows = 0;
  size_t missing = 0;                        // rows only on the left
  size_t extra = 0;                          // rows only on the right
  size_t different = 0;                      // rows on both sides with a different value
  std::vector<std::string> schema_problems;  // columns present on one side only
  std::vector<std::string> details;          // the first max_report differences, one line each

  bool equal() const {
    return missing == 0 && extra == 0 && different == 0 && schema_problems.empty();
  }
  // A multi-line human-readable summary.
  std::string ToString() const;
};

// Reads both tables and compares them. Errors: bad URI or table name (InvalidArgument), a missing
// table or key column (NotFound), connection problems (Unavailable).
base::Result<DiffReport> DiffTables(const DiffOptions& options);

// Exposed for tests: normalization of one value text (see the table above).
enum class DiffCategory {
  kText,
  kBinary,
  kNumeric,
  kFloat,
  kDouble,
  kBool,
  kBit,
  kJson,
  kTemporal
};
// `from_postgres`: the text came from PostgreSQL (bytea/bit/boolean text forms).
std::string NormalizeValue(DiffCategory category, bool from_postgres, const std::string& raw);

}  // namespace sluice::diff
