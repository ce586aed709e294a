#include "codec/debezium/debezium_decoder.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <nlohmann/json.hpp>

#include "codec/common/value_parse.h"
#include "model/value_text.h"

namespace sluice::codec::debezium {
namespace {

using Json = nlohmann::ordered_json;
using model::Column;
using model::ColumnType;
using model::Temporal;
using model::Value;

std::string StringParam(const Json* field, std::string_view name) {
  if (!field) return "";
  auto p = field->find("parameters");
  if (p == field->end() || !p->is_object()) return "";
  auto it = p->find(std::string(name));
  if (it == p->end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Big-endian two's complement unscaled integer + scale -> decimal text.
std::string DecimalText(const std::string& bytes, int scale) {
  bool negative = !bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80);
  // Magnitude as base-256 digits, then repeated division by 10.
  std::vector<uint8_t> mag(bytes.begin(), bytes.end());
  if (negative) {  // two's complement negate
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
  }
  std::string digits;
  while (std::any_of(mag.begin(), mag.end(), [](uint8_t b) { return b != 0; })) {
    uint32_t rem = 0;
    for (auto& b : mag) {
      uint32_t cur = (rem << 8) | b;
      b = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  if (digits.empty()) digits.push_back('0');
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  std::string text;
  if (negative && digits.find_first_not_of('0') != std::string::npos) text.push_back('-');
  size_t int_len = digits.size() - static_cast<size_t>(std::max(scale, 0));
  text.append(digits, 0, int_len);
  if (scale > 0) {
    text.push_back('.');
    text.append(digits, int_len, std::string::npos);
  }
  return text;
}

Temporal TimeOfDayMicros(int64_t micros) {
  Temporal t;
  if (micros < 0) {
    t.negative = true;
    micros = -micros;
  }
  t.hour = static_cast<uint32_t>(micros / 3600000000LL);
  t.minute = static_cast<uint8_t>((micros / 60000000LL) % 60);
  t.second = static_cast<uint8_t>((micros / 1000000LL) % 60);
  t.micros = static_cast<uint32_t>(micros % 1000000LL);
  return t;
}

Temporal DateTimeMicros(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  int64_t frac = micros - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  Temporal t;
  model::SetDateFromDays(days, &t);
  t.hour = static_cast<uint32_t>(rem / 3600);
  t.minute = static_cast<uint8_t>((rem % 3600) / 60);
  t.second = static_cast<uint8_t>(rem % 60);
  t.micros = static_cast<uint32_t>(frac);
  return t;
}

// ISO-8601 "YYYY-MM-DDTHH:MM:SS[.f](Z|+hh:mm|-hh:mm)" -> UTC epoch seconds + micros.
bool ParseZoned(std::string_view s, int64_t* secs, uint32_t* micros) {
  int32_t offset = 0;
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) {
    s.remove_suffix(1);
  } else if (s.size() > 6 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') &&
             s[s.size() - 3] == ':') {
    auto zone = model::TimeZone::Parse(s.substr(s.size() - 6));
    if (!zone.ok()) return false;
    offset = zone->OffsetAt(0);
    s.remove_suffix(6);
  }
  Temporal t;
  if (!ParseDateTimeText(s, &t)) return false;
  *secs = LocalToEpochSeconds(t, model::TimeZone()) - offset;
  *micros = t.micros;
  return true;
}

base::Status Mismatch(const Column& c, std::string_view want, const Json& v) {
  return base::InvalidArgument("debezium field '{}': expected {}, got {}", c.name, want,
                               v.dump().substr(0, 64));
}

template <typename T>
bool AsInt(const Json& v, T* out) {
  if (!v.is_number_integer()) return false;
  *out = v.get<T>();
  return true;
}

bool IsIntegerType(ColumnType t) {
  return t == ColumnType::kTinyInt || t == ColumnType::kSmallInt ||
         t == ColumnType::kMediumInt || t == ColumnType::kInt || t == ColumnType::kBigInt;
}

// Debezium's column.propagate.source.type parameters (__debezium.source.column.type, .length,
// .scale; sluice's encoder writes the type for BIGINT UNSIGNED in long mode) refine what the
// Connect type leaves open: an integer's signedness (an int64 holding a BIGINT UNSIGNED is
// negative above 2^63-1 and is restored) and a CHAR/VARCHAR's length.
void ApplySourceType(const Json& f, Column* c) {
  std::string type = StringParam(&f, "__debezium.source.column.type");
  if (type.empty()) return;
  for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string length = StringParam(&f, "__debezium.source.column.length");
  std::string scale = StringParam(&f, "__debezium.source.column.scale");
  std::string full = type;
  if (!length.empty() && type.find('(') == std::string::npos) {
    // "bigint unsigned" + length 20 -> "bigint(20) unsigned"
    size_t space = full.find(' ');
    std::string args = "(" + length + (scale.empty() ? "" : "," + scale) + ")";
    full.insert(space == std::string::npos ? full.size() : space, args);
  }
  Column source;
  source.name = c->name;
  if (!ParseMySqlType(full, &source).ok()) return;  // not a MySQL type: keep the Connect type
  if (IsIntegerType(source.type) && IsIntegerType(c->type)) {
    c->type = source.type;
    c->is_unsigned = source.is_unsigned;
  } else if ((source.type == ColumnType::kChar || source.type == ColumnType::kVarChar) &&
             c->type == ColumnType::kLongText) {
    c->type = source.type;
    c->length = source.length;
  }
}

// Column type from the schema field (Connect type + logical name).
void TypeFromSchema(const Json& f, Column* c) {
  std::string type = f.value("type", "");
  std::string name =
      f.contains("name") && f["name"].is_string() ? f["name"].get<std::string>() : "";
  c->nullable = f.value("optional", true);
  if (name == "org.apache.kafka.connect.data.Decimal" ||
      name == "io.debezium.data.VariableScaleDecimal") {
    c->type = ColumnType::kDecimal;
    std::string scale = StringParam(&f, "scale");
    std::string precision = StringParam(&f, "connect.decimal.precision");
    if (!scale.empty()) c->scale = static_cast<uint8_t>(std::stoi(scale));
    if (!precision.empty()) c->precision = static_cast<uint8_t>(std::stoi(precision));
  } else if (name == "io.debezium.time.Date" || name == "org.apache.kafka.connect.data.Date") {
    c->type = ColumnType::kDate;
  } else if (name == "io.debezium.time.Time" || name == "org.apache.kafka.connect.data.Time") {
    c->type = ColumnType::kTime;
    c->fsp = 3;
  } else if (name == "io.debezium.time.MicroTime" || name == "io.debezium.time.NanoTime") {
    c->type = ColumnType::kTime;
    c->fsp = 6;
  } else if (name == "io.debezium.time.Timestamp" ||
             name == "org.apache.kafka.connect.data.Timestamp") {
    c->type = ColumnType::kDateTime;
    c->fsp = 3;
  } else if (name == "io.debezium.time.MicroTimestamp" ||
             name == "io.debezium.time.NanoTimestamp") {
    c->type = ColumnType::kDateTime;
    c->fsp = 6;
  } else if (name == "io.debezium.time.ZonedTimestamp") {
    c->type = ColumnType::kTimestamp;
    c->fsp = 6;
  } else if (name == "io.debezium.time.Year") {
    c->type = ColumnType::kYear;
  } else if (name == "io.debezium.data.Json") {
    c->type = ColumnType::kJson;
  } else if (name == "io.debezium.data.Enum") {
    c->type = ColumnType::kEnum;
    c->elements = SplitComma(StringParam(&f, "allowed"));
  } else if (name == "io.debezium.data.EnumSet") {
    c->type = ColumnType::kSet;
    c->elements = SplitComma(StringParam(&f, "allowed"));
  } else if (name == "io.debezium.data.Bits") {
    c->type = ColumnType::kBit;
    std::string len = StringParam(&f, "length");
    if (!len.empty()) c->length = static_cast<uint32_t>(std::stoul(len));
  } else if (type == "int8") {
    c->type = ColumnType::kTinyInt;
  } else if (type == "int16") {
    c->type = ColumnType::kSmallInt;
  } else if (type == "int32") {
    c->type = ColumnType::kInt;
  } else if (type == "int64") {
    c->type = ColumnType::kBigInt;
  } else if (type == "float32" || type == "float") {
    c->type = ColumnType::kFloat;
  } else if (type == "float64" || type == "double") {
    c->type = ColumnType::kDouble;
  } else if (type == "boolean") {
    c->type = ColumnType::kTinyInt;
  } else if (type == "string") {
    c->type = ColumnType::kLongText;
  } else if (type == "bytes") {
    c->type = ColumnType::kLongBlob;
    c->collation = model::kBinaryCollation;
  } else {
    c->type = ColumnType::kJson;  // struct, array, map
  }
  ApplySourceType(f, c);
}

// Value of a schema-typed field.
base::Result<Value> ValueFromSchema(const Json& f, const Column& c, const Json& v) {
  if (v.is_null()) return Value::Null();
  std::string type = f.value("type", "");
  std::string name =
      f.contains("name") && f["name"].is_string() ? f["name"].get<std::string>() : "";
  int64_t i = 0;
  switch (c.type) {
    case ColumnType::kDecimal: {
      std::string b64;
      int scale = c.scale;
      if (name == "io.debezium.data.VariableScaleDecimal") {
        if (!v.is_object() || !v.contains("value") || !v["value"].is_string() ||
            !v.contains("scale") || !v["scale"].is_number_integer()) {
          return Mismatch(c, "a {scale, value} object", v);
        }
        b64 = v["value"].get<std::string>();
        scale = v["scale"].get<int>();
      } else if (v.is_string()) {
        b64 = v.get<std::string>();
      } else if (v.is_number()) {
        // decimal.handling.mode=double with a Decimal name should not happen; keep the text.
        return Value::Decimal(v.dump());
      } else {
        return Mismatch(c, "base64 decimal bytes", v);
      }
      std::string bytes;
      if (!Base64Decode(b64, &bytes)) return Mismatch(c, "base64 decimal bytes", v);
      return Value::Decimal(DecimalText(bytes, scale));
    }
    case ColumnType::kDate:
      if (!AsInt(v, &i)) return Mismatch(c, "days since 1970-01-01", v);
      {
        Temporal t;
        model::SetDateFromDays(i, &t);
        return Value::Date(t);
      }
    case ColumnType::kTime: {
      if (!AsInt(v, &i)) return Mismatch(c, "a time of day as an integer", v);
      int64_t us = name == "io.debezium.time.MicroTime"  ? i
                   : name == "io.debezium.time.NanoTime" ? i / 1000
                                                         : i * 1000;
      return Value::Time(TimeOfDayMicros(us));
    }
    case ColumnType::kDateTime: {
      if (!AsInt(v, &i)) return Mismatch(c, "an epoch timestamp integer", v);
      int64_t us = name == "io.debezium.time.MicroTimestamp"  ? i
                   : name == "io.debezium.time.NanoTimestamp" ? i / 1000
                                                              : i * 1000;
      return Value::DateTime(DateTimeMicros(us));
    }
    case ColumnType::kTimestamp: {
      int64_t secs;
      uint32_t micros;
      if (!v.is_string() || !ParseZoned(v.get<std::string>(), &secs, &micros)) {
        return Mismatch(c, "an ISO-8601 timestamp with zone", v);
      }
      return Value::Timestamp(secs, micros);
    }
    case ColumnType::kYear:
      if (!AsInt(v, &i) || i < 0) return Mismatch(c, "a year", v);
      return Value::UInt(static_cast<uint64_t>(i));
    case ColumnType::kEnum:
    case ColumnType::kSet:
      if (!v.is_string()) return Mismatch(c, "a string", v);
      return ParseValueText(c, v.get<std::string>(), model::TimeZone());
    case ColumnType::kBit: {
      std::string bytes;
      if (!v.is_string() || !Base64Decode(v.get<std::string>(), &bytes) || bytes.size() > 8) {
        return Mismatch(c, "base64 bits (at most 8 bytes)", v);
      }
      uint64_t u = 0;
      for (size_t k = bytes.size(); k-- > 0;) u = (u << 8) | static_cast<unsigned char>(bytes[k]);
      return Value::UInt(u);
    }
    case ColumnType::kTinyInt:
      if (type == "boolean") {
        if (!v.is_boolean()) return Mismatch(c, "a boolean", v);
        return Value::Int(v.get<bool>() ? 1 : 0);
      }
      [[fallthrough]];
    case ColumnType::kSmallInt:
    case ColumnType::kMediumInt:
    case ColumnType::kInt:
    case ColumnType::kBigInt:
      if (c.is_unsigned && v.is_number_unsigned()) return Value::UInt(v.get<uint64_t>());
      if (!AsInt(v, &i)) return Mismatch(c, "an integer", v);
      // An unsigned column (see ApplySourceType): a negative int64 is a BIGINT UNSIGNED value
      // above 2^63-1 that long mode wrapped; the cast restores it exactly.
      if (c.is_unsigned) return Value::UInt(static_cast<uint64_t>(i));
      return Value::Int(i);
    case ColumnType::kFloat:
      if (!v.is_number()) return Mismatch(c, "a number", v);
      return Value::Float(model::Float32FromDouble(v.get<double>()));
    case ColumnType::kDouble:
      if (!v.is_number()) return Mismatch(c, "a number", v);
      return Value::Double(v.get<double>());
    case ColumnType::kLongBlob: {
      std::string bytes;
      if (!v.is_string() || !Base64Decode(v.get<std::string>(), &bytes)) {
        return Mismatch(c, "base64 bytes", v);
      }
      return Value::String(std::move(bytes));
    }
    case ColumnType::kChar:
    case ColumnType::kVarChar:
    case ColumnType::kLongText:
    case ColumnType::kJson:
      if (v.is_string()) return Value::String(v.get<std::string>());
      return Value::String(v.dump());
    default:
      return Value::String(v.dump());
  }
}

// Schema-less JSON value (plain_json's mapping).
void InferColumn(const Json& v, Column* c, Value* out) {
  switch (v.type()) {
    case Json::value_t::null:
      c->type = ColumnType::kNull;
      *out = Value::Null();
      break;
    case Json::value_t::boolean:
      c->type = ColumnType::kTinyInt;
      *out = Value::Int(v.get<bool>() ? 1 : 0);
      break;
    case Json::value_t::number_integer:
      c->type = ColumnType::kBigInt;
      *out = Value::Int(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned: {
      c->type = ColumnType::kBigInt;
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        c->is_unsigned = true;
        *out = Value::UInt(u);
      } else {
        *out = Value::Int(static_cast<int64_t>(u));
      }
      break;
    }
    case Json::value_t::number_float:
      c->type = ColumnType::kDouble;
      *out = Value::Double(v.get<double>());
      break;
    case Json::value_t::string:
      c->type = ColumnType::kLongText;
      *out = Value::String(v.get<std::string>());
      break;
    default:
      c->type = ColumnType::kJson;
      *out = Value::String(v.dump());
      break;
  }
}

const Json* FieldSchema(const Json* schema, std::string_view envelope_field) {
  if (!schema || !schema->is_object()) return nullptr;
  auto fields = schema->find("fields");
  if (fields == schema->end() || !fields->is_array()) return nullptr;
  for (const auto& f : *fields) {
    if (f.is_object() && f.value("field", "") == envelope_field && f.contains("fields") &&
        f["fields"].is_array() && !f["fields"].empty()) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace

base::Status DebeziumDecoder::Decode(const KafkaRecord& record, DecodeResult* out) {
  out->events.clear();
  out->not_json = false;
  if (!record.value || record.value->empty()) return base::Status::Ok();  // tombstone
  Json j = Json::parse(record.value->begin(), record.value->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out->not_json = true;
    return base::InvalidArgument("the message value is not a JSON object");
  }
  const Json* schema = nullptr;
  const Json* payload = &j;
  if (j.contains("payload") && j.contains("schema")) {
    payload = &j["payload"];
    schema = &j["schema"];
    if (payload->is_null()) return base::Status::Ok();  // Connect's JSON tombstone
    if (!payload->is_object()) {
      return base::InvalidArgument("debezium field 'payload' is not an object");
    }
  }
  uint64_t commit_ms = record.timestamp_ms > 0 ? static_cast<uint64_t>(record.timestamp_ms) : 0;
  const Json* source = nullptr;
  if (auto s = payload->find("source"); s != payload->end() && s->is_object()) source = &*s;
  if (source && source->contains("ts_ms") && (*source)["ts_ms"].is_number_integer()) {
    commit_ms = (*source)["ts_ms"].get<uint64_t>();
  } else if (payload->contains("ts_ms") && (*payload)["ts_ms"].is_number_integer()) {
    commit_ms = (*payload)["ts_ms"].get<uint64_t>();
  }

  if (!payload->contains("op")) {
    // A schema change event (schema history / schema change topic).
    if (payload->contains("ddl") && (*payload)["ddl"].is_string()) {
      model::ChangeEvent ev;
      ev.kind = model::ChangeEvent::Kind::kDdl;
      ev.txn.commit_time_ms = commit_ms;
      ev.ddl.schema = payload->value("databaseName", "");
      ev.ddl.sql = (*payload)["ddl"].get<std::string>();
      out->events.push_back(std::move(ev));
      return base::Status::Ok();
    }
    return base::InvalidArgument(
        "debezium message has no 'op' field; it is not a Debezium change event (check the "
        "topics and format=debezium in the source URI)");
  }
  if (!(*payload)["op"].is_string()) {
    return base::InvalidArgument("debezium field 'op' is not a string");
  }
  std::string op = (*payload)["op"].get<std::string>();
  model::RowOp row_op;
  if (op == "c" || op == "r") {
    row_op = model::RowOp::kInsert;
  } else if (op == "u") {
    row_op = model::RowOp::kUpdate;
  } else if (op == "d") {
    row_op = model::RowOp::kDelete;
  } else if (op == "t" || op == "m") {
    return base::Status::Ok();  // truncate / logical message: no row change
  } else {
    return base::InvalidArgument("debezium field 'op' is '{}'; expected c, r, u, d, t or m", op);
  }
  if (!source || !source->contains("db") || !(*source)["db"].is_string() ||
      !source->contains("table") || !(*source)["table"].is_string()) {
    return base::InvalidArgument(
        "debezium message lacks source.db or source.table; the Kafka source needs them to name "
        "the target table");
  }
  const Json null_json;
  const Json& before = payload->contains("before") ? (*payload)["before"] : null_json;
  const Json& after = payload->contains("after") ? (*payload)["after"] : null_json;
  if (!before.is_null() && !before.is_object()) {
    return base::InvalidArgument("debezium field 'before' is not an object or null");
  }
  if (!after.is_null() && !after.is_object()) {
    return base::InvalidArgument("debezium field 'after' is not an object or null");
  }
  if (row_op != model::RowOp::kDelete && after.is_null()) {
    return base::InvalidArgument("debezium op '{}' has a null 'after'", op);
  }
  if (row_op == model::RowOp::kDelete && before.is_null()) {
    return base::InvalidArgument(
        "debezium op 'd' has a null 'before'; the source table needs a replica identity / key");
  }

  model::TableSchema table;
  table.schema = (*source)["db"].get<std::string>();
  table.table = (*source)["table"].get<std::string>();
  // Columns: the schema's after/before struct, else the keys of after then before.
  const Json* row_schema = FieldSchema(schema, "after");
  if (!row_schema) row_schema = FieldSchema(schema, "before");
  std::vector<const Json*> field_schemas;
  if (row_schema) {
    for (const auto& f : (*row_schema)["fields"]) {
      Column c;
      c.name = f.value("field", "");
      TypeFromSchema(f, &c);
      table.columns.push_back(std::move(c));
      field_schemas.push_back(&f);
    }
  } else {
    for (const Json* img : {&after, &before}) {
      if (!img->is_object()) continue;
      for (const auto& [name, v] : img->items()) {
        bool known = false;
        for (const auto& c : table.columns) known = known || c.name == name;
        if (known) continue;
        Column c;
        c.name = name;
        Value ignored;
        InferColumn(v, &c, &ignored);
        // Prefer a non-null sample for the type.
        if (c.type == ColumnType::kNull && img == &after && before.is_object() &&
            before.contains(name)) {
          InferColumn(before[name], &c, &ignored);
        }
        table.columns.push_back(std::move(c));
      }
    }
  }
  // Key columns from the message key.
  if (record.key && !record.key->empty()) {
    Json k = Json::parse(record.key->begin(), record.key->end(), nullptr, false);
    const Json* kp = &k;
    if (!k.is_discarded() && k.is_object() && k.contains("payload") && k.contains("schema")) {
      kp = &k["payload"];
    }
    if (!k.is_discarded() && kp->is_object()) {
      for (const auto& [name, v] : kp->items()) {
        for (size_t i = 0; i < table.columns.size(); ++i) {
          if (table.columns[i].name == name) {
            table.columns[i].is_primary_key = true;
            table.columns[i].nullable = false;
            table.primary_key.push_back(i);
          }
        }
      }
    }
  }

  auto image = [&](const Json& img, std::vector<Value>* vals) -> base::Status {
    vals->clear();
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const Column& c = table.columns[i];
      auto it = img.find(c.name);
      if (it == img.end()) {
        vals->push_back(Value::Absent());
      } else if (row_schema) {
        SLUICE_ASSIGN_OR_RETURN(Value v, ValueFromSchema(*field_schemas[i], c, *it));
        vals->push_back(std::move(v));
      } else {
        Column scratch = c;
        Value v;
        InferColumn(*it, &scratch, &v);
        vals->push_back(std::move(v));
      }
    }
    return base::Status::Ok();
  };

  model::ChangeEvent ev;
  ev.kind = model::ChangeEvent::Kind::kRow;
  ev.txn.commit_time_ms = commit_ms;
  ev.row.op = row_op;
  if (!after.is_null()) SLUICE_RETURN_IF_ERROR(image(after, &ev.row.after));
  if (!before.is_null()) {
    SLUICE_RETURN_IF_ERROR(image(before, &ev.row.before));
  } else if (row_op == model::RowOp::kUpdate) {
    // No old image (e.g. PostgreSQL REPLICA IDENTITY DEFAULT without key change): the key
    // columns of the new image identify the row.
    ev.row.before.assign(table.columns.size(), Value::Absent());
    for (size_t i : table.primary_key) ev.row.before[i] = ev.row.after[i];
  }
  if (row_op == model::RowOp::kInsert) ev.row.before.clear();
  ev.row.table = schemas_.Intern(std::move(table));
  out->events.push_back(std::move(ev));
  return base::Status::Ok();
}

}  // namespace sluice::codec::debezium
