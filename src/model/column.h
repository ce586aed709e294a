// Column and ColumnType: the source-independent description of one table column.
//
// Sources fill these from their own metadata (binlog TABLE_MAP with binlog_row_metadata=FULL,
// pgoutput RELATION); codecs read them to choose sqlType/mysqlType, Avro types, etc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::model {

// Logical column types (MySQL family naming; other sources map onto these).
enum class ColumnType : uint8_t {
  kNull,
  kTinyInt,
  kSmallInt,
  kMediumInt,
  kInt,
  kBigInt,
  kFloat,
  kDouble,
  kDecimal,
  kYear,
  kDate,
  kTime,
  kDateTime,
  kTimestamp,
  kChar,
  kVarChar,
  kBinary,
  kVarBinary,
  kTinyText,
  kText,
  kMediumText,
  kLongText,
  kTinyBlob,
  kBlob,
  kMediumBlob,
  kLongBlob,
  kJson,
  kEnum,
  kSet,
  kBit,
  kGeometry,
};

// MySQL base type name as TiCDC's canal-json mysqlType prints it ("int", "varchar", ...).
std::string_view ColumnTypeName(ColumnType t);

// The collation id MySQL/MariaDB uses for binary strings.
inline constexpr uint32_t kBinaryCollation = 63;

struct Column {
  std::string name;
  ColumnType type = ColumnType::kNull;
  bool is_unsigned = false;  // integer/decimal/float types
  bool nullable = true;
  bool is_primary_key = false;
  // Collation id for character columns (0 = unknown); 63 = binary.
  uint32_t collation = 0;
  // VARCHAR/CHAR/BINARY: max length in bytes; BIT: number of bits; BLOB/TEXT: pack length.
  uint32_t length = 0;
  uint8_t precision = 0;  // DECIMAL
  uint8_t scale = 0;      // DECIMAL
  uint8_t fsp = 0;        // TIME/DATETIME/TIMESTAMP fractional second precision 0..6
  std::vector<std::string> elements;  // ENUM / SET member names, in definition order

  bool is_binary() const { return collation == kBinaryCollation; }
};

}  // namespace sluice::model
