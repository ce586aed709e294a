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

// What a type is regardless of its size: the codecs and sinks switch on this wherever, say,
// TINYTEXT and LONGTEXT are written the same way. The one place that lists each family's members.
enum class TypeFamily : uint8_t {
  kNull,
  kInteger,        // TINYINT, SMALLINT, MEDIUMINT, INT, BIGINT
  kFloatingPoint,  // FLOAT, DOUBLE
  kDecimal,
  kBit,
  kYear,  // temporal families: one type each
  kDate,
  kTime,
  kDateTime,
  kTimestamp,
  kText,   // CHAR, VARCHAR, TINYTEXT, TEXT, MEDIUMTEXT, LONGTEXT (bytes with the binary collation)
  kBytes,  // BINARY, VARBINARY, TINYBLOB, BLOB, MEDIUMBLOB, LONGBLOB
  kJson,
  kEnum,
  kSet,
  kGeometry,
};

TypeFamily FamilyOf(ColumnType t);

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

// True if the column holds raw bytes: the kBytes family, GEOMETRY, or a kText column with the
// binary collation (such values are escaped as ISO-8859-1 or base64 by the codecs).
bool IsBinaryColumn(const Column& column);

}  // namespace sluice::model
