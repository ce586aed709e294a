#include "sink/database/sql_value.h"

#include <cmath>

#include "codec/canal_json/canal_json_encoder.h"  // CharsetMaxBytes
#include "model/time_zone.h"
#include "model/value_text.h"

namespace sluice::sink::database {
namespace {

using model::ColumnType;
using model::TypeFamily;
using Kind = model::Value::Kind;

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

// ENUM member name of a 1-based index (0 = the empty error value); the number when the members
// are unknown.
std::string EnumText(const model::Column& c, uint64_t index) {
  if (index > c.elements.size()) return std::to_string(index);
  return std::string(model::EnumName(c, index));
}

std::string SetText(const model::Column& c, uint64_t mask) {
  if (c.elements.empty()) return std::to_string(mask);
  std::string out;
  model::AppendSetNames(c, mask, &out);
  return out;
}

bool ValidDecimal(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      return false;
    }
  }
  return true;
}

// Temporal text shared by both targets. Fractions are printed (6 digits) only when non-zero.
void AppendTemporal(const model::Column& c, const model::Value& v, std::string* out) {
  const auto& t = v.as_temporal();
  switch (v.kind()) {
    case Kind::kDate:
      model::AppendDate(t, out);
      return;
    case Kind::kDateTime:
      model::AppendDateTime(t, t.micros ? 6 : 0, out);
      return;
    case Kind::kTime:
      model::AppendTime(t, t.micros ? 6 : 0, out);
      return;
    case Kind::kTimestamp: {
      static const model::TimeZone kUtc;
      model::AppendTimestamp(v.timestamp_seconds(), v.timestamp_micros(),
                             v.timestamp_micros() ? 6 : 0, kUtc, out);
      return;
    }
    default:
      return;
  }
}

// FLOAT/DOUBLE values as text the server parses back to the same bits. A FLOAT's value is
// written as its exact double (every float is one), so no decimal-to-float double rounding can
// pick a neighbour. MySQL gets scientific notation: a literal without an exponent is a DECIMAL
// (at most 65 digits, 30 after the point), which turned 1e300 into 1e65 and 1e-300 into 0.
double FloatValue(const model::Column& c, const model::Value& v) {
  if (v.kind() == Kind::kFloat || c.type == ColumnType::kFloat) {
    return static_cast<double>(static_cast<float>(v.as_double()));
  }
  return v.as_double();
}

std::string BitString(const model::Column& c, uint64_t v) {
  int bits = c.length > 0 && c.length <= 64 ? static_cast<int>(c.length) : 64;
  std::string out;
  for (int i = bits - 1; i >= 0; --i) out.push_back((v >> i) & 1 ? '1' : '0');
  return out;
}

base::Status MissingFromImage(const model::Column& c) {
  return base::InvalidArgument(
      "column {} is missing from the row image; the database sink needs every column of "
      "a row (MariaDB/MySQL source: binlog_row_image=FULL; PostgreSQL source: REPLICA "
      "IDENTITY FULL; Kafka source: a producer that sends whole rows)",
      c.name);
}

}  // namespace

base::Status AppendMySqlLiteral(const model::Column& c, const model::Value& v, std::string* out) {
  switch (v.kind()) {
    case Kind::kAbsent:
      return MissingFromImage(c);
    case Kind::kNull:
      out->append("NULL");
      return base::Status::Ok();
    case Kind::kInt:
      model::AppendInt(v.as_int(), out);
      return base::Status::Ok();
    case Kind::kUInt:
      if (c.type == ColumnType::kEnum) {
        std::string name = EnumText(c, v.as_uint());
        out->append("_utf8mb4 X'");
        AppendHex(name, out);
        out->push_back('\'');
      } else if (c.type == ColumnType::kYear) {
        out->push_back('\'');
        std::string y = std::to_string(v.as_uint());
        out->append(y.size() < 4 ? 4 - y.size() : 0, '0');
        out->append(y);
        out->push_back('\'');
      } else {
        model::AppendUInt(v.as_uint(), out);
      }
      return base::Status::Ok();
    case Kind::kFloat:
    case Kind::kDouble:
      if (!std::isfinite(v.as_double())) {
        return base::InvalidArgument("column {} holds {} which MySQL cannot store", c.name,
                                     v.as_double());
      }
      model::AppendDoubleScientific(FloatValue(c, v), out);
      return base::Status::Ok();
    case Kind::kDecimal:
      if (!ValidDecimal(v.as_string())) {
        return base::InvalidArgument("column {} holds '{}' which is not a decimal number", c.name,
                                     v.as_string());
      }
      out->append(v.as_string());
      return base::Status::Ok();
    case Kind::kString:
      out->append(model::IsBinaryColumn(c) ? "X'" : "_utf8mb4 X'");
      AppendHex(v.as_string(), out);
      out->push_back('\'');
      return base::Status::Ok();
    case Kind::kDate:
    case Kind::kTime:
    case Kind::kDateTime:
    case Kind::kTimestamp:
      out->push_back('\'');
      AppendTemporal(c, v, out);
      out->push_back('\'');
      return base::Status::Ok();
  }
  return base::Internal("column {}: unhandled value kind", c.name);
}

base::Result<std::optional<std::string>> PostgresParam(const model::Column& c,
                                                       const model::Value& v) {
  std::string out;
  switch (v.kind()) {
    case Kind::kAbsent:
      return MissingFromImage(c);
    case Kind::kNull:
      return std::optional<std::string>();
    case Kind::kInt:
      model::AppendInt(v.as_int(), &out);
      break;
    case Kind::kUInt:
      if (c.type == ColumnType::kEnum) {
        out = EnumText(c, v.as_uint());
      } else if (c.type == ColumnType::kSet) {
        out = SetText(c, v.as_uint());
      } else if (c.type == ColumnType::kBit) {
        out = BitString(c, v.as_uint());
      } else {
        model::AppendUInt(v.as_uint(), &out);
      }
      break;
    case Kind::kFloat:
    case Kind::kDouble: {
      double d = v.as_double();
      if (std::isnan(d)) {
        out = "NaN";
      } else if (std::isinf(d)) {
        out = d > 0 ? "Infinity" : "-Infinity";
      } else {
        model::AppendDoubleRoundTrip(FloatValue(c, v), &out);
      }
      break;
    }
    case Kind::kDecimal:
      out = v.as_string();
      break;
    case Kind::kString:
      if (model::IsBinaryColumn(c)) {
        out = "\\x";
        AppendHex(v.as_string(), &out);
      } else {
        if (v.as_string().find('\0') != std::string::npos) {
          return base::InvalidArgument(
              "column {} holds a NUL byte, which PostgreSQL text cannot store; make the target "
              "column bytea",
              c.name);
        }
        out = v.as_string();
      }
      break;
    case Kind::kDate:
    case Kind::kDateTime: {
      const auto& t = v.as_temporal();
      if (t.year == 0 || t.month == 0 || t.day == 0) {
        std::string text;
        AppendTemporal(c, v, &text);
        return base::InvalidArgument(
            "column {} holds the MySQL zero/partial date '{}', which PostgreSQL cannot store; "
            "store a real date or NULL upstream",
            c.name, text);
      }
      AppendTemporal(c, v, &out);
      break;
    }
    case Kind::kTime:
      AppendTemporal(c, v, &out);
      break;
    case Kind::kTimestamp:
      if (v.timestamp_seconds() == 0 && v.timestamp_micros() == 0) {
        return base::InvalidArgument(
            "column {} holds the MySQL zero TIMESTAMP, which PostgreSQL cannot store; store a "
            "real time or NULL upstream",
            c.name);
      }
      AppendTemporal(c, v, &out);
      out += "+00";
      break;
  }
  return std::optional<std::string>(std::move(out));
}

uint32_t DeclaredChars(const model::Column& c) {
  if (c.is_binary()) return c.length;
  int mb = codec::canal_json::CharsetMaxBytes(c.collation);
  return mb > 1 ? (c.length + static_cast<uint32_t>(mb) - 1) / static_cast<uint32_t>(mb)
                : c.length;
}

std::string MySqlTypeFor(const model::Column& c) {
  std::string u = c.is_unsigned ? " unsigned" : "";
  // Fraction digits: the column's, or 6 when the source reports none (decoded messages often do
  // not carry them), so no fraction is ever cut off.
  auto fsp = [&](std::string base) { return base + "(" + std::to_string(c.fsp ? c.fsp : 6) + ")"; };
  auto list = [&](std::string base) {
    std::string out = base + "(";
    for (size_t i = 0; i < c.elements.size(); ++i) {
      if (i) out += ",";
      out += "'";
      for (char ch : c.elements[i]) out += ch == '\'' ? std::string("''") : std::string(1, ch);
      out += "'";
    }
    return out + ")";
  };
  bool bin = c.is_binary();
  switch (c.type) {
    case ColumnType::kNull:
      return "text";
    case ColumnType::kTinyInt:
      return "tinyint" + u;
    case ColumnType::kSmallInt:
      return "smallint" + u;
    case ColumnType::kMediumInt:
      return "mediumint" + u;
    case ColumnType::kInt:
      return "int" + u;
    case ColumnType::kBigInt:
      return "bigint" + u;
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kDecimal:
      return c.precision ? fmt::format("decimal({},{}){}", c.precision, c.scale, u)
                         : "decimal(65,30)";
    case ColumnType::kYear:
      return "year";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTime:
      return fsp("time");
    case ColumnType::kDateTime:
      return fsp("datetime");
    case ColumnType::kTimestamp:
      return fsp("timestamp") + " NULL";
    case ColumnType::kChar: {
      // CHAR holds at most 255 characters: an unknown length (canal-json's "char") fits 255.
      uint32_t n = DeclaredChars(c);
      if (n == 0) return bin ? "varbinary(255)" : "varchar(255)";
      if (n > 255) return fmt::format("{}({})", bin ? "varbinary" : "varchar", n);
      return fmt::format("{}({})", bin ? "binary" : "char", n);
    }
    case ColumnType::kVarChar: {
      uint32_t n = DeclaredChars(c);
      if (n == 0 || n > 16000) return bin ? "longblob" : "longtext";
      return fmt::format("{}({})", bin ? "varbinary" : "varchar", n);
    }
    case ColumnType::kBinary:  // unknown length: no zero padding
      return c.length ? fmt::format("binary({})", c.length) : "varbinary(255)";
    case ColumnType::kVarBinary:
      return c.length && c.length <= 65000 ? fmt::format("varbinary({})", c.length) : "longblob";
    case ColumnType::kTinyText:
      return bin ? "tinyblob" : "tinytext";
    case ColumnType::kText:
      return bin ? "blob" : "text";
    case ColumnType::kMediumText:
      return bin ? "mediumblob" : "mediumtext";
    case ColumnType::kLongText:
      return bin ? "longblob" : "longtext";
    case ColumnType::kTinyBlob:
      return "tinyblob";
    case ColumnType::kBlob:
      return "blob";
    case ColumnType::kMediumBlob:
      return "mediumblob";
    case ColumnType::kLongBlob:
      return "longblob";
    case ColumnType::kJson:
      return "json";
    case ColumnType::kEnum:
      return c.elements.empty() ? "varchar(255)" : list("enum");
    case ColumnType::kSet:
      return c.elements.empty() ? "varchar(1024)" : list("set");
    case ColumnType::kBit:
      return fmt::format("bit({})", c.length ? c.length : 64);
    case ColumnType::kGeometry:
      return "geometry";
  }
  return "longtext";
}

std::string PostgresTypeFor(const model::Column& c) {
  bool u = c.is_unsigned;
  auto fsp = [&](std::string base, std::string suffix) {  // see MySqlTypeFor
    return base + "(" + std::to_string(c.fsp ? c.fsp : 6) + ")" + suffix;
  };
  switch (model::FamilyOf(c.type)) {
    case TypeFamily::kInteger:  // wide enough for the unsigned range too
      switch (c.type) {
        case ColumnType::kTinyInt:
          return "smallint";
        case ColumnType::kSmallInt:
          return u ? "integer" : "smallint";
        case ColumnType::kMediumInt:
          return "integer";
        case ColumnType::kInt:
          return u ? "bigint" : "integer";
        default:
          return u ? "numeric(20,0)" : "bigint";
      }
    case TypeFamily::kFloatingPoint:
      return c.type == ColumnType::kFloat ? "real" : "double precision";
    case TypeFamily::kDecimal:
      return c.precision ? fmt::format("numeric({},{})", c.precision, c.scale) : "numeric";
    case TypeFamily::kYear:
      return "smallint";
    case TypeFamily::kDate:
      return "date";
    case TypeFamily::kTime:
      return "interval";
    case TypeFamily::kDateTime:
      return fsp("timestamp", " without time zone");
    case TypeFamily::kTimestamp:
      return fsp("timestamp", " with time zone");
    case TypeFamily::kText:
      return c.is_binary() ? "bytea" : "text";
    case TypeFamily::kBytes:
    case TypeFamily::kGeometry:
      return "bytea";
    case TypeFamily::kJson:
      return "jsonb";
    case TypeFamily::kBit:
      return fmt::format("bit({})", c.length ? c.length : 64);
    case TypeFamily::kNull:
    case TypeFamily::kEnum:
    case TypeFamily::kSet:
      return "text";
  }
  return "text";
}

std::string DisplayValue(const model::Column& c, const model::Value& v) {
  std::string out;
  switch (v.kind()) {
    case Kind::kAbsent:
      return "(absent)";
    case Kind::kNull:
      return "NULL";
    case Kind::kString:
      if (model::IsBinaryColumn(c)) {
        out = "0x";
        AppendHex(v.as_string().substr(0, 30), &out);
      } else {
        out = "'" + v.as_string().substr(0, 60) + "'";
      }
      return out;
    case Kind::kDate:
    case Kind::kTime:
    case Kind::kDateTime:
    case Kind::kTimestamp:
      AppendTemporal(c, v, &out);
      return "'" + out + "'";
    case Kind::kDouble:
      if (c.type != ColumnType::kFloat) {
        model::AppendDoubleRoundTrip(v.as_double(), &out);
        return out;
      }
      [[fallthrough]];
    default: {
      model::FormatOptions opts;
      model::AppendValueText(c, v, opts, &out);
      return out;
    }
  }
}

}  // namespace sluice::sink::database
