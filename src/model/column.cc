#include "model/column.h"

namespace sluice::model {

std::string_view ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kNull: return "null";
    case ColumnType::kTinyInt: return "tinyint";
    case ColumnType::kSmallInt: return "smallint";
    case ColumnType::kMediumInt: return "mediumint";
    case ColumnType::kInt: return "int";
    case ColumnType::kBigInt: return "bigint";
    case ColumnType::kFloat: return "float";
    case ColumnType::kDouble: return "double";
    case ColumnType::kDecimal: return "decimal";
    case ColumnType::kYear: return "year";
    case ColumnType::kDate: return "date";
    case ColumnType::kTime: return "time";
    case ColumnType::kDateTime: return "datetime";
    case ColumnType::kTimestamp: return "timestamp";
    case ColumnType::kChar: return "char";
    case ColumnType::kVarChar: return "varchar";
    case ColumnType::kBinary: return "binary";
    case ColumnType::kVarBinary: return "varbinary";
    case ColumnType::kTinyText: return "tinytext";
    case ColumnType::kText: return "text";
    case ColumnType::kMediumText: return "mediumtext";
    case ColumnType::kLongText: return "longtext";
    case ColumnType::kTinyBlob: return "tinyblob";
    case ColumnType::kBlob: return "blob";
    case ColumnType::kMediumBlob: return "mediumblob";
    case ColumnType::kLongBlob: return "longblob";
    case ColumnType::kJson: return "json";
    case ColumnType::kEnum: return "enum";
    case ColumnType::kSet: return "set";
    case ColumnType::kBit: return "bit";
    case ColumnType::kGeometry: return "geometry";
  }
  return "unknown";
}

}  // namespace sluice::model
