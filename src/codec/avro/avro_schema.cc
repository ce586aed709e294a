#include "codec/avro/avro_schema.h"

#include <nlohmann/json.hpp>

#include "base/text.h"

namespace sluice::codec::avro {
namespace {

using model::ColumnType;
using model::TypeFamily;
using Json = nlohmann::json;

std::string TidbType(const model::Column& c) {
  switch (model::FamilyOf(c.type)) {
    case TypeFamily::kInteger:
      if (c.type == ColumnType::kBigInt) return c.is_unsigned ? "BIGINT UNSIGNED" : "BIGINT";
      return c.is_unsigned ? "INT UNSIGNED" : "INT";
    case TypeFamily::kText:
      return c.is_binary() ? "BLOB" : "TEXT";
    case TypeFamily::kBytes:
      return "BLOB";
    default:  // the upper-case MySQL name: FLOAT, DOUBLE, DECIMAL, YEAR, DATE, ..., NULL
      return base::ToUpper(model::ColumnTypeName(c.type));
  }
}

// Debezium/TiCDC escaping of ENUM/SET members in "allowed": ',' -> "\,".
std::string Allowed(const std::vector<std::string>& elements) {
  std::string out;
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i) out += ',';
    for (char ch : elements[i]) {
      if (ch == ',') out += '\\';
      out += ch;
    }
  }
  return out;
}

Json AvroType(const model::Column& c, const AvroSchemaOptions& o) {
  Json params = {{"tidb_type", TidbType(c)}};
  auto simple = [&](const char* type) {
    return Json{{"type", type}, {"connect.parameters", params}};
  };
  switch (model::FamilyOf(c.type)) {
    case TypeFamily::kInteger:
      if (c.type == ColumnType::kBigInt) {
        return simple(c.is_unsigned && o.bigint_unsigned_as_string ? "string" : "long");
      }
      return simple(c.type == ColumnType::kInt && c.is_unsigned ? "long" : "int");
    case TypeFamily::kYear:
      return simple("int");
    case TypeFamily::kFloatingPoint:
      return simple(c.type == ColumnType::kFloat ? "float" : "double");
    case TypeFamily::kDecimal: {
      if (o.decimal_as_string) return simple("string");
      Json t = simple("bytes");
      t["logicalType"] = "decimal";
      // MySQL defaults when unspecified: DECIMAL = DECIMAL(10,0).
      t["precision"] = c.precision ? c.precision : 10;
      t["scale"] = c.scale;
      return t;
    }
    case TypeFamily::kBit:
      params["length"] = std::to_string(c.length);
      return simple("bytes");
    case TypeFamily::kEnum:
    case TypeFamily::kSet:
      params["allowed"] = Allowed(c.elements);
      return simple("string");
    case TypeFamily::kText:
      return simple(c.is_binary() ? "bytes" : "string");
    case TypeFamily::kBytes:
    case TypeFamily::kGeometry:  // raw SRID + WKB bytes (TiCDC has no GEOMETRY)
      return simple("bytes");
    default:  // JSON, temporal types and NULL as their text
      return simple("string");
  }
}

// The default of a NOT NULL value field: the value MySQL gives existing rows when the column is
// added without a DEFAULT clause (its implicit default), in the field's Avro encoding. A reader
// on the new schema fills it into messages written before the column existed, which is what
// makes ADD COLUMN a BACKWARD-compatible change.
Json ImplicitDefault(const model::Column& c, const Json& avro_type) {
  const std::string type = avro_type["type"].get<std::string>();
  switch (c.type) {
    case ColumnType::kDate:
      return "0000-00-00";
    case ColumnType::kDateTime:
    case ColumnType::kTimestamp:
      return "0000-00-00 00:00:00";
    case ColumnType::kTime:
      return "00:00:00";
    case ColumnType::kEnum:
      return c.elements.empty() ? "" : c.elements.front();
    case ColumnType::kDecimal:
      // bytes/decimal: one zero byte (0 at any scale); string mode: "0".
      return type == "bytes" ? Json(std::string(1, '\0')) : Json("0");
    case ColumnType::kJson:
      return "null";
    default:
      break;
  }
  if (type == "int" || type == "long") return 0;
  if (type == "float" || type == "double") return 0.0;
  if (type == "string" && c.type == ColumnType::kBigInt) return "0";  // unsigned as string
  return "";  // string, bytes
}

// `value_field`: a field of the value schema, which carries a default (null for a nullable
// column, else ImplicitDefault); key fields carry none.
Json Field(const model::Column& c, const AvroSchemaOptions& o, bool value_field) {
  Json f;
  f["name"] = SanitizeName(c.name);
  Json type = AvroType(c, o);
  if (value_field && c.nullable) {
    f["type"] = Json::array({"null", std::move(type)});
    f["default"] = nullptr;
  } else {
    if (value_field) f["default"] = ImplicitDefault(c, type);
    f["type"] = std::move(type);
  }
  return f;
}

// Top-level key order is TiCDC's struct order: type, name, namespace, fields.
std::string Record(const model::TableSchema& table, const AvroSchemaOptions& o,
                   const Json& fields) {
  std::string out = R"({"type":"record","name":)";
  out += Json(SanitizeName(table.table)).dump();
  out += R"(,"namespace":)";
  out += Json(SanitizeName(o.namespace_prefix) + "." + SanitizeName(table.schema)).dump();
  out += R"(,"fields":)";
  out += fields.dump(-1, ' ', false, Json::error_handler_t::replace);
  out += '}';
  return out;
}

std::string Subject(std::string_view topic, std::string_view suffix) {
  std::string s(topic);
  for (char& ch : s)
    if (ch == '.') ch = '_';
  s += suffix;
  return s;
}

}  // namespace

std::string SanitizeName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    if (ch >= 0x80) {
      // One '_' per UTF-8 character (skip continuation bytes), like Go's range over runes.
      if ((ch & 0xC0) != 0x80) out += '_';
      continue;
    }
    bool digit = ch >= '0' && ch <= '9';
    if (i == 0 && digit) {
      out += '_';
      out += static_cast<char>(ch);
    } else if (digit || ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      out += static_cast<char>(ch);
    } else {
      out += '_';
    }
  }
  return out;
}

std::string KeySubject(std::string_view topic) { return Subject(topic, "-key"); }
std::string ValueSubject(std::string_view topic) { return Subject(topic, "-value"); }

base::Result<std::string> KeySchemaJson(const model::TableSchema& table,
                                        const AvroSchemaOptions& options) {
  if (table.primary_key.empty()) {
    return base::FailedPrecondition(
        "avro: table `{}`.`{}` has no primary key; the Avro Kafka key needs one (as in TiCDC): "
        "add a primary key or exclude the table with the changefeed filter",
        table.schema, table.table);
  }
  Json fields = Json::array();
  for (size_t idx : table.primary_key) {
    fields.push_back(Field(table.columns.at(idx), options, false));
  }
  return Record(table, options, fields);
}

std::string ValueSchemaJson(const model::TableSchema& table, const AvroSchemaOptions& options) {
  Json fields = Json::array();
  for (const auto& c : table.columns) fields.push_back(Field(c, options, true));
  if (options.enable_tidb_extension) {
    fields.push_back({{"name", "_tidb_op"}, {"type", "string"}, {"default", ""}});
    fields.push_back({{"name", "_tidb_commit_ts"}, {"type", "long"}, {"default", 0}});
    fields.push_back({{"name", "_tidb_commit_physical_time"}, {"type", "long"}, {"default", 0}});
  }
  return Record(table, options, fields);
}

}  // namespace sluice::codec::avro
