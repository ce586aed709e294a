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

TypeFamily FamilyOf(ColumnType t) {
  switch (t) {
    case ColumnType::kNull:
      return TypeFamily::kNull;
    case ColumnType::kTinyInt:
    case ColumnType::kSmallInt:
    case ColumnType::kMediumInt:
    case ColumnType::kInt:
    case ColumnType::kBigInt:
      return TypeFamily::kInteger;
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      return TypeFamily::kFloatingPoint;
    case ColumnType::kDecimal:
      return TypeFamily::kDecimal;
    case ColumnType::kYear:
      return TypeFamily::kYear;
    case ColumnType::kDate:
      return TypeFamily::kDate;
    case ColumnType::kTime:
      return TypeFamily::kTime;
    case ColumnType::kDateTime:
      return TypeFamily::kDateTime;
    case ColumnType::kTimestamp:
      return TypeFamily::kTimestamp;
    case ColumnType::kChar:
    case ColumnType::kVarChar:
    case ColumnType::kTinyText:
    case ColumnType::kText:
    case ColumnType::kMediumText:
    case ColumnType::kLongText:
      return TypeFamily::kText;
    case ColumnType::kBinary:
    case ColumnType::kVarBinary:
    case ColumnType::kTinyBlob:
    case ColumnType::kBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      return TypeFamily::kBytes;
    case ColumnType::kJson:
      return TypeFamily::kJson;
    case ColumnType::kEnum:
      return TypeFamily::kEnum;
    case ColumnType::kSet:
      return TypeFamily::kSet;
    case ColumnType::kBit:
      return TypeFamily::kBit;
    case ColumnType::kGeometry:
      return TypeFamily::kGeometry;
  }
  return TypeFamily::kNull;
}

bool IsBinaryColumn(const Column& column) {
  switch (FamilyOf(column.type)) {
    case TypeFamily::kBytes:
    case TypeFamily::kGeometry:
      return true;
    case TypeFamily::kText:
      return column.is_binary();
    default:
      return false;
  }
}

}  // namespace sluice::model
