// TABLE_MAP_EVENT decoding: binlog column types + metadata + optional metadata TLVs
// (binlog_row_metadata=FULL) → a model::TableSchema plus the per-column decoding info the
// row decoder needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/table_schema.h"

namespace sluice::source::mysql {

// MySQL/MariaDB binlog column type codes (MYSQL_TYPE_*).
enum BinlogType : uint8_t {
  kTypeDecimal = 0,
  kTypeTiny = 1,
  kTypeShort = 2,
  kTypeLong = 3,
  kTypeFloat = 4,
  kTypeDouble = 5,
  kTypeNull = 6,
  kTypeTimestamp = 7,
  kTypeLongLong = 8,
  kTypeInt24 = 9,
  kTypeDate = 10,
  kTypeTime = 11,
  kTypeDateTime = 12,
  kTypeYear = 13,
  kTypeNewDate = 14,
  kTypeVarchar = 15,
  kTypeBit = 16,
  kTypeTimestamp2 = 17,
  kTypeDateTime2 = 18,
  kTypeTime2 = 19,
  kTypeJson = 245,
  kTypeNewDecimal = 246,
  kTypeEnum = 247,
  kTypeSet = 248,
  kTypeTinyBlob = 249,
  kTypeMediumBlob = 250,
  kTypeLongBlob = 251,
  kTypeBlob = 252,
  kTypeVarString = 253,
  kTypeString = 254,
  kTypeGeometry = 255,
};

// How to decode one column of a row image.
struct ColumnCodec {
  uint8_t type = 0;       // binlog type; for STRING the resolved real type (CHAR/ENUM/SET)
  uint16_t meta = 0;      // raw metadata (decoded fields below)
  uint32_t max_len = 0;   // VARCHAR/CHAR: max bytes; ENUM/SET: bytes of the value
  uint8_t pack_len = 0;   // BLOB/TEXT/GEOMETRY/JSON length prefix size
  uint8_t precision = 0;  // NEWDECIMAL
  uint8_t scale = 0;      // NEWDECIMAL
  uint8_t fsp = 0;        // TIME2/DATETIME2/TIMESTAMP2
  uint32_t bits = 0;      // BIT
  uint32_t collation = 0;
  bool is_unsigned = false;
  bool is_text = false;  // character data to convert to UTF-8
};

// A decoded TABLE_MAP: the schema plus codecs, in column order.
struct TableMap {
  uint64_t table_id = 0;
  std::vector<uint8_t> raw;  // event body after the table id (identity of the definition)
  model::TableSchemaPtr schema;
  std::vector<ColumnCodec> codecs;
};

// Parses a TABLE_MAP body (post-header included, header and checksum excluded).
// table_id_size is 6 (or 4 for ancient servers). Errors: DataLoss if malformed,
// FailedPrecondition if column names are missing (binlog_row_metadata is not FULL),
// Unimplemented for column types sluice cannot decode. `version` goes into the schema.
// `mariadb`: MariaDB lists GEOMETRY columns in the charset metadata and YEAR in the
// signedness bitmap; MySQL does neither.
base::Status ParseTableMap(std::span<const uint8_t> body, size_t table_id_size, uint64_t version,
                           TableMap* out, bool mariadb = true);

// Extracts just the table id of a TABLE_MAP/ROWS body.
uint64_t ReadTableId(std::span<const uint8_t> body, size_t table_id_size);

}  // namespace sluice::source::mysql
