// DDL classification: maps a DDL statement to Canal's event type and the object it names.
//
// Mirrors TiCDC's convertDdlEventType (ticdc.md §3.1): CREATE TABLE -> CREATE; RENAME TABLE and
// ALTER TABLE .. RENAME [TO|AS] -> RENAME; CREATE INDEX and an ALTER TABLE whose only change adds
// an index/key/unique/primary/foreign key -> CINDEX; DROP INDEX and an ALTER TABLE whose only
// change drops one -> DINDEX; other ALTER TABLE -> ALTER (several changes in one ALTER, like
// TiDB's multi-schema change, are ALTER); DROP TABLE -> ERASE; TRUNCATE -> TRUNCATE; everything
// else (databases, views, sequences, unknown) -> QUERY.
//
// Parsing is token based and tolerant: case-insensitive, comments (/* */, -- , #) skipped,
// MySQL executable comments (/*!40101 ... */) read as code, `backquoted` and "quoted" names.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "model/change_event.h"

namespace sluice::codec {

enum class DdlType { kCreate, kRename, kCIndex, kDIndex, kAlter, kErase, kTruncate, kQuery };

// "CREATE", "RENAME", "CINDEX", "DINDEX", "ALTER", "ERASE", "TRUNCATE", "QUERY".
std::string_view DdlTypeName(DdlType type);

struct DdlInfo {
  DdlType type = DdlType::kQuery;
  // Object the statement targets, as written (unquoted); empty if not named or not parsed.
  // Table statements: schema (if qualified) and table. For RENAME the new name of the first
  // pair. CREATE/DROP/ALTER DATABASE: schema only.
  std::string schema;
  std::string table;
};

DdlInfo ClassifyDdl(std::string_view sql);

// The database and table a DDL event is about: the names the source gave the event, else (no
// table there) the ones its statement names. Views into `ddl` and `info`.
struct DdlTarget {
  std::string_view database;
  std::string_view table;  // empty for statements on no table
};
DdlTarget TargetOf(const model::DdlEvent& ddl, const DdlInfo& info);

}  // namespace sluice::codec
