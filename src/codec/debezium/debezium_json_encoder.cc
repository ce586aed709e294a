#include "codec/debezium/debezium_json_encoder.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "codec/common/ddl_type.h"
#include "codec/common/json_writer.h"
#include "codec/common/value_format.h"

namespace sluice::codec::debezium {
namespace {

using model::Column;
using model::ColumnType;
using model::RowOp;
using model::Value;

// The Debezium release whose MySQL envelope this mirrors (TiCDC reports the same).
constexpr std::string_view kDebeziumVersion = "2.4.0.Final";
constexpr std::string_view kDecimalName = "org.apache.kafka.connect.data.Decimal";

// How a column is represented: Connect schema type, optional logical name, and the value rule.
enum class Rule {
  kInt,          // JSON integer (kInt / kUInt)
  kUInt64Long,   // BIGINT UNSIGNED as int64 (two's complement wrap above 2^63-1)
  kUInt64Bytes,  // BIGINT UNSIGNED as Decimal bytes, scale 0
  kFloat,
  kDouble,
  kDecimalBytes,
  kDecimalString,
  kDecimalDouble,
  kDate,
  kDateTimeMillis,
  kDateTimeMicros,
  kTimestamp,
  kTime,
  kYear,
  kString,
  kBytes,
  kBool,  // BIT(1)
  kBits,  // BIT(n>1)
  kEnum,
  kSet,
  kGeometry,
  kNull,
};

struct FieldType {
  std::string_view type;
  std::string_view name;  // empty = none
  Rule rule;
};

bool IsText(ColumnType t) {
  switch (t) {
    case ColumnType::kChar:
    case ColumnType::kVarChar:
    case ColumnType::kTinyText:
    case ColumnType::kText:
    case ColumnType::kMediumText:
    case ColumnType::kLongText:
      return true;
    default:
      return false;
  }
}

FieldType Describe(const Column& c, const DebeziumJsonOptions& o) {
  switch (c.type) {
    case ColumnType::kNull:
      return {"string", {}, Rule::kNull};
    case ColumnType::kTinyInt:
      return {"int16", {}, Rule::kInt};
    case ColumnType::kSmallInt:
      return {c.is_unsigned ? "int32" : "int16", {}, Rule::kInt};
    case ColumnType::kMediumInt:
      return {"int32", {}, Rule::kInt};
    case ColumnType::kInt:
      return {c.is_unsigned ? "int64" : "int32", {}, Rule::kInt};
    case ColumnType::kBigInt:
      if (!c.is_unsigned) return {"int64", {}, Rule::kInt};
      if (o.bigint_unsigned_handling == BigintUnsignedHandling::kPrecise) {
        return {"bytes", kDecimalName, Rule::kUInt64Bytes};
      }
      return {"int64", {}, Rule::kUInt64Long};
    case ColumnType::kFloat:
      return {"float", {}, Rule::kFloat};
    case ColumnType::kDouble:
      return {"double", {}, Rule::kDouble};
    case ColumnType::kDecimal:
      switch (o.decimal_handling) {
        case DecimalHandling::kPrecise:
          return {"bytes", kDecimalName, Rule::kDecimalBytes};
        case DecimalHandling::kString:
          return {"string", {}, Rule::kDecimalString};
        case DecimalHandling::kDouble:
          return {"double", {}, Rule::kDecimalDouble};
      }
      break;
    case ColumnType::kYear:
      return {"int32", "io.debezium.time.Year", Rule::kYear};
    case ColumnType::kDate:
      return {"int32", "io.debezium.time.Date", Rule::kDate};
    case ColumnType::kDateTime:
      return c.fsp <= 3
                 ? FieldType{"int64", "io.debezium.time.Timestamp", Rule::kDateTimeMillis}
                 : FieldType{"int64", "io.debezium.time.MicroTimestamp", Rule::kDateTimeMicros};
    case ColumnType::kTimestamp:
      return {"string", "io.debezium.time.ZonedTimestamp", Rule::kTimestamp};
    case ColumnType::kTime:
      return {"int64", "io.debezium.time.MicroTime", Rule::kTime};
    case ColumnType::kJson:
      return {"string", "io.debezium.data.Json", Rule::kString};
    case ColumnType::kEnum:
      return {"string", "io.debezium.data.Enum", Rule::kEnum};
    case ColumnType::kSet:
      return {"string", "io.debezium.data.EnumSet", Rule::kSet};
    case ColumnType::kBit:
      return c.length == 1 ? FieldType{"boolean", {}, Rule::kBool}
                           : FieldType{"bytes", "io.debezium.data.Bits", Rule::kBits};
    case ColumnType::kGeometry:
      return {"struct", "io.debezium.data.geometry.Geometry", Rule::kGeometry};
    default:
      break;
  }
  if (IsText(c.type) && !c.is_binary()) return {"string", {}, Rule::kString};
  return {"bytes", {}, Rule::kBytes};
}

void JoinElements(const std::vector<std::string>& elements, std::string* out) {
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i) out->push_back(',');
    out->append(elements[i]);
  }
}

// One field of a Connect struct schema, in JsonConverter's member order:
// type, [fields], optional, name, version, parameters, field.
void WriteFieldSchema(const Column& c, const DebeziumJsonOptions& o, std::string* scratch,
                      JsonWriter* w) {
  FieldType ft = Describe(c, o);
  w->BeginObject();
  w->Key("type");
  w->String(ft.type);
  if (ft.rule == Rule::kGeometry) {
    w->Key("fields");
    w->Raw(
        R"([{"type":"bytes","optional":false,"field":"wkb"},{"type":"int32","optional":true,"field":"srid"}])");
  }
  w->Key("optional");
  w->Bool(c.nullable);
  if (!ft.name.empty()) {
    w->Key("name");
    w->String(ft.name);
    w->Key("version");
    w->Int(1);
  }
  switch (ft.rule) {
    case Rule::kDecimalBytes:
    case Rule::kUInt64Bytes:
      w->Key("parameters");
      w->BeginObject();
      scratch->clear();
      AppendUInt(ft.rule == Rule::kUInt64Bytes ? 0 : c.scale, scratch);
      w->Key("scale");
      w->String(*scratch);
      scratch->clear();
      AppendUInt(ft.rule == Rule::kUInt64Bytes ? 20 : c.precision, scratch);
      w->Key("connect.decimal.precision");
      w->String(*scratch);
      w->EndObject();
      break;
    case Rule::kEnum:
    case Rule::kSet:
      w->Key("parameters");
      w->BeginObject();
      scratch->clear();
      JoinElements(c.elements, scratch);
      w->Key("allowed");
      w->String(*scratch);
      w->EndObject();
      break;
    case Rule::kBits:
      w->Key("parameters");
      w->BeginObject();
      scratch->clear();
      AppendUInt(c.length, scratch);
      w->Key("length");
      w->String(*scratch);
      w->EndObject();
      break;
    case Rule::kUInt64Long:
      // The parameter Debezium's column.propagate.source.type adds: it tells a consumer (the
      // Kafka source of sluice) that this int64 is an unsigned value, negative above 2^63-1.
      w->Key("parameters");
      w->Raw(R"({"__debezium.source.column.type":"BIGINT UNSIGNED"})");
      break;
    default:
      break;
  }
  w->Key("field");
  w->String(c.name);
  w->EndObject();
}

uint64_t AsUInt(const Value& v) {
  return v.kind() == Value::Kind::kInt ? static_cast<uint64_t>(v.as_int()) : v.as_uint();
}

void WriteBase64(std::string_view bytes, std::string* scratch, JsonWriter* w) {
  scratch->clear();
  AppendBase64(bytes, scratch);
  w->String(*scratch);
}

// Minimal big-endian two's complement of a non-negative magnitude given big-endian.
void TwosComplement(std::string* mag, bool negative) {
  // Strip leading zero bytes.
  size_t lead = 0;
  while (lead < mag->size() && (*mag)[lead] == 0) ++lead;
  mag->erase(0, lead);
  if (mag->empty()) {
    mag->push_back('\0');
    return;
  }
  if (!negative) {
    if (static_cast<uint8_t>((*mag)[0]) & 0x80) mag->insert(mag->begin(), '\0');
    return;
  }
  // Negate: invert and add one.
  for (auto& ch : *mag) ch = static_cast<char>(~static_cast<uint8_t>(ch));
  for (size_t i = mag->size(); i-- > 0;) {
    uint8_t b = static_cast<uint8_t>((*mag)[i]) + 1;
    (*mag)[i] = static_cast<char>(b);
    if (b != 0) break;
  }
  // Needs a sign bit; then drop redundant leading 0xFF bytes.
  if (!(static_cast<uint8_t>((*mag)[0]) & 0x80)) mag->insert(mag->begin(), '\xff');
  while (mag->size() > 1 && static_cast<uint8_t>((*mag)[0]) == 0xFF &&
         (static_cast<uint8_t>((*mag)[1]) & 0x80)) {
    mag->erase(0, 1);
  }
}

bool IsZeroDate(const model::Temporal& t) { return t.month == 0 || t.day == 0; }

int64_t EpochSeconds(const model::Temporal& t) {
  return DaysFromCivil(t.year, t.month, t.day) * 86400 + static_cast<int64_t>(t.hour) * 3600 +
         t.minute * 60 + t.second;
}

// ISO-8601 UTC with exactly fsp fraction digits: "2024-02-29T12:00:00.123Z".
void AppendZonedTimestamp(int64_t secs, uint32_t micros, uint8_t fsp, std::string* out) {
  size_t start = out->size();
  AppendTimestamp(secs, micros, fsp, TimeZone(), out);
  (*out)[start + 10] = 'T';
  out->push_back('Z');
}

base::Status WriteValue(const Column& c, const Value& v, const DebeziumJsonOptions& o,
                        std::string* scratch, JsonWriter* w) {
  if (v.is_null() || v.is_absent()) {
    w->Null();
    return base::Status::Ok();
  }
  FieldType ft = Describe(c, o);
  auto mismatch = [&]() {
    return base::InvalidArgument(
        "debezium: column {} ({}) holds an unexpected value kind {}; the source decoded it "
        "wrongly",
        c.name, model::ColumnTypeName(c.type), static_cast<int>(v.kind()));
  };
  switch (ft.rule) {
    case Rule::kNull:
      w->Null();
      return base::Status::Ok();
    case Rule::kInt:
    case Rule::kYear:
      if (v.kind() == Value::Kind::kInt) {
        w->Int(v.as_int());
      } else if (v.kind() == Value::Kind::kUInt) {
        w->UInt(v.as_uint());
      } else {
        return mismatch();
      }
      return base::Status::Ok();
    case Rule::kUInt64Long:
      if (v.kind() != Value::Kind::kInt && v.kind() != Value::Kind::kUInt) return mismatch();
      w->Int(static_cast<int64_t>(AsUInt(v)));
      return base::Status::Ok();
    case Rule::kUInt64Bytes: {
      if (v.kind() != Value::Kind::kInt && v.kind() != Value::Kind::kUInt) return mismatch();
      uint64_t n = AsUInt(v);
      std::string mag(8, '\0');
      for (int i = 7; i >= 0; --i, n >>= 8) mag[i] = static_cast<char>(n & 0xFF);
      TwosComplement(&mag, false);
      WriteBase64(mag, scratch, w);
      return base::Status::Ok();
    }
    case Rule::kFloat:
    case Rule::kDouble:
      if (v.kind() != Value::Kind::kFloat && v.kind() != Value::Kind::kDouble) return mismatch();
      scratch->clear();
      // JSON numbers in their shortest round-trip form ("1e+300", not 301 digits), as
      // Debezium's Jackson writes Java floats/doubles. NaN/Inf have no JSON form: "0".
      if (!std::isfinite(v.as_double())) {
        scratch->push_back('0');
      } else if (ft.rule == Rule::kFloat) {
        AppendFloat32RoundTrip(static_cast<float>(v.as_double()), scratch);
      } else {
        AppendDoubleRoundTrip(v.as_double(), scratch);
      }
      w->Raw(*scratch);
      return base::Status::Ok();
    case Rule::kDecimalBytes: {
      if (v.kind() != Value::Kind::kDecimal && v.kind() != Value::Kind::kString) return mismatch();
      std::string bytes;
      SLUICE_RETURN_IF_ERROR(DecimalToUnscaledBytes(v.as_string(), c.scale, &bytes));
      WriteBase64(bytes, scratch, w);
      return base::Status::Ok();
    }
    case Rule::kDecimalString:
      if (v.kind() != Value::Kind::kDecimal && v.kind() != Value::Kind::kString) return mismatch();
      w->String(v.as_string());
      return base::Status::Ok();
    case Rule::kDecimalDouble: {
      if (v.kind() != Value::Kind::kDecimal && v.kind() != Value::Kind::kString) return mismatch();
      double d = std::strtod(v.as_string().c_str(), nullptr);
      scratch->clear();
      if (std::isfinite(d)) {
        AppendDoubleRoundTrip(d, scratch);
      } else {
        scratch->push_back('0');
      }
      w->Raw(*scratch);
      return base::Status::Ok();
    }
    case Rule::kDate: {
      if (v.kind() != Value::Kind::kDate) return mismatch();
      const auto& t = v.as_temporal();
      if (IsZeroDate(t)) {
        c.nullable ? w->Null() : w->Int(0);
      } else {
        w->Int(DaysFromCivil(t.year, t.month, t.day));
      }
      return base::Status::Ok();
    }
    case Rule::kDateTimeMillis:
    case Rule::kDateTimeMicros: {
      if (v.kind() != Value::Kind::kDateTime) return mismatch();
      const auto& t = v.as_temporal();
      if (IsZeroDate(t)) {
        c.nullable ? w->Null() : w->Int(0);
        return base::Status::Ok();
      }
      int64_t secs = EpochSeconds(t);
      if (ft.rule == Rule::kDateTimeMillis) {
        w->Int(secs * 1000 + t.micros / 1000);
      } else {
        w->Int(secs * 1000000 + t.micros);
      }
      return base::Status::Ok();
    }
    case Rule::kTimestamp: {
      if (v.kind() != Value::Kind::kTimestamp) return mismatch();
      scratch->clear();
      if (v.timestamp_seconds() == 0 && v.timestamp_micros() == 0) {
        // MySQL's zero TIMESTAMP: Debezium sends null, or the epoch for NOT NULL columns.
        if (c.nullable) {
          w->Null();
          return base::Status::Ok();
        }
        scratch->append("1970-01-01T00:00:00Z");
      } else {
        AppendZonedTimestamp(v.timestamp_seconds(), v.timestamp_micros(), c.fsp, scratch);
      }
      w->String(*scratch);
      return base::Status::Ok();
    }
    case Rule::kTime: {
      if (v.kind() != Value::Kind::kTime) return mismatch();
      const auto& t = v.as_temporal();
      int64_t us =
          (static_cast<int64_t>(t.hour) * 3600 + t.minute * 60 + t.second) * 1000000 + t.micros;
      w->Int(t.negative ? -us : us);
      return base::Status::Ok();
    }
    case Rule::kString:
      if (v.kind() != Value::Kind::kString) return mismatch();
      w->String(v.as_string());
      return base::Status::Ok();
    case Rule::kBytes:
      if (v.kind() != Value::Kind::kString) return mismatch();
      WriteBase64(v.as_string(), scratch, w);
      return base::Status::Ok();
    case Rule::kBool:
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return mismatch();
      w->Bool(AsUInt(v) != 0);
      return base::Status::Ok();
    case Rule::kBits: {
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return mismatch();
      uint64_t n = AsUInt(v);
      size_t len = (c.length + 7) / 8;
      if (len == 0 || len > 8) len = 8;
      std::string bytes(len, '\0');
      for (size_t i = 0; i < len; ++i, n >>= 8) bytes[i] = static_cast<char>(n & 0xFF);
      WriteBase64(bytes, scratch, w);
      return base::Status::Ok();
    }
    case Rule::kEnum: {
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return mismatch();
      uint64_t idx = AsUInt(v);
      w->String(idx >= 1 && idx <= c.elements.size() ? std::string_view(c.elements[idx - 1])
                                                     : std::string_view());
      return base::Status::Ok();
    }
    case Rule::kSet: {
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return mismatch();
      uint64_t bits = AsUInt(v);
      scratch->clear();
      for (size_t i = 0; i < c.elements.size() && i < 64; ++i) {
        if (!(bits >> i & 1)) continue;
        if (!scratch->empty()) scratch->push_back(',');
        scratch->append(c.elements[i]);
      }
      w->String(*scratch);
      return base::Status::Ok();
    }
    case Rule::kGeometry: {
      if (v.kind() != Value::Kind::kString) return mismatch();
      const std::string& raw = v.as_string();
      if (raw.size() < 4) {
        return base::InvalidArgument(
            "debezium: GEOMETRY column {} holds {} bytes, fewer than the 4-byte SRID prefix",
            c.name, raw.size());
      }
      uint32_t srid = static_cast<uint8_t>(raw[0]) | static_cast<uint8_t>(raw[1]) << 8 |
                      static_cast<uint8_t>(raw[2]) << 16 |
                      static_cast<uint32_t>(static_cast<uint8_t>(raw[3])) << 24;
      w->BeginObject();
      w->Key("wkb");
      WriteBase64(std::string_view(raw).substr(4), scratch, w);
      w->Key("srid");
      w->UInt(srid);
      w->EndObject();
      return base::Status::Ok();
    }
  }
  return base::Status::Ok();
}

// server_id of a MariaDB GTID "domain-server-seq"; 0 for MySQL "uuid:n" or none.
uint64_t ServerIdOf(std::string_view gtid) {
  auto first = gtid.find('-');
  if (first == std::string_view::npos) return 0;
  auto second = gtid.find('-', first + 1);
  if (second == std::string_view::npos) return 0;
  uint64_t id = 0;
  auto part = gtid.substr(first + 1, second - first - 1);
  auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
  return ec == std::errc() && p == part.data() + part.size() ? id : 0;
}

void WriteSourceSchema(bool tidb, JsonWriter* w) {
  w->Raw(
      R"({"type":"struct","fields":[)"
      R"({"type":"string","optional":false,"field":"version"},)"
      R"({"type":"string","optional":false,"field":"connector"},)"
      R"({"type":"string","optional":false,"field":"name"},)"
      R"({"type":"int64","optional":false,"field":"ts_ms"},)"
      R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,last,false,incremental"},"default":"false","field":"snapshot"},)"
      R"({"type":"string","optional":false,"field":"db"},)"
      R"({"type":"string","optional":true,"field":"sequence"},)"
      R"({"type":"string","optional":true,"field":"table"},)"
      R"({"type":"int64","optional":false,"field":"server_id"},)"
      R"({"type":"string","optional":true,"field":"gtid"},)"
      R"({"type":"string","optional":false,"field":"file"},)"
      R"({"type":"int64","optional":false,"field":"pos"},)"
      R"({"type":"int32","optional":false,"field":"row"},)"
      R"({"type":"int64","optional":true,"field":"thread"},)"
      R"({"type":"string","optional":true,"field":"query"})");
  if (tidb) w->out()->append(R"(,{"type":"int64","optional":true,"field":"commit_ts"})");
  w->out()->append(
      R"(],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"})");
}

constexpr std::string_view kTransactionSchema =
    R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},)"
    R"({"type":"int64","optional":false,"field":"total_order"},)"
    R"({"type":"int64","optional":false,"field":"data_collection_order"}],)"
    R"("optional":true,"name":"event.block","version":1,"field":"transaction"})";

void WriteSource(const DebeziumJsonOptions& o, std::string_view db, std::string_view table,
                 uint64_t commit_ms, uint64_t commit_ts, std::string_view gtid, JsonWriter* w) {
  w->Key("source");
  w->BeginObject();
  w->Key("version");
  w->String(kDebeziumVersion);
  w->Key("connector");
  w->String("mysql");
  w->Key("name");
  w->String(o.server_name);
  w->Key("ts_ms");
  w->UInt(commit_ms);
  w->Key("snapshot");
  w->String("false");
  w->Key("db");
  w->String(db);
  w->Key("sequence");
  w->Null();
  w->Key("table");
  if (table.empty()) {
    w->Null();
  } else {
    w->String(table);
  }
  w->Key("server_id");
  w->UInt(ServerIdOf(gtid));
  w->Key("gtid");
  if (gtid.empty()) {
    w->Null();
  } else {
    w->String(gtid);
  }
  w->Key("file");
  w->String("");
  w->Key("pos");
  w->Int(0);
  w->Key("row");
  w->Int(0);
  w->Key("thread");
  w->Null();
  w->Key("query");
  w->Null();
  if (o.enable_tidb_extension) {
    w->Key("commit_ts");
    w->UInt(commit_ts);
  }
  w->EndObject();
}

void AppendSchemaName(const DebeziumJsonOptions& o, std::string_view db, std::string_view table,
                      std::string_view suffix, std::string* out) {
  out->append(o.server_name);
  out->push_back('.');
  out->append(db);
  out->push_back('.');
  out->append(table);
  out->push_back('.');
  out->append(suffix);
}

}  // namespace

base::Status DecimalToUnscaledBytes(std::string_view text, uint8_t scale, std::string* out) {
  auto bad = [&]() {
    return base::InvalidArgument("debezium: DECIMAL value '{}' is not a decimal number", text);
  };
  bool negative = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  // Decimal digits of the unscaled value, most significant first.
  std::vector<uint8_t> digits;
  digits.reserve(text.size() + scale);
  size_t frac = 0;
  bool point = false, any = false;
  for (; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '.' && !point) {
      point = true;
      continue;
    }
    if (ch < '0' || ch > '9') return bad();
    any = true;
    if (point) {
      if (frac == scale) {
        if (ch != '0') return bad();  // more fraction digits than the scale
        continue;
      }
      ++frac;
    }
    digits.push_back(static_cast<uint8_t>(ch - '0'));
  }
  if (!any) return bad();
  for (; frac < scale; ++frac) digits.push_back(0);
  // Repeated division by 256 turns the decimal digits into big-endian bytes.
  std::string mag;
  size_t start = 0;
  while (start < digits.size() && digits[start] == 0) ++start;
  while (start < digits.size()) {
    unsigned rem = 0;
    for (size_t k = start; k < digits.size(); ++k) {
      unsigned cur = rem * 10 + digits[k];
      digits[k] = static_cast<uint8_t>(cur / 256);
      rem = cur % 256;
    }
    mag.push_back(static_cast<char>(rem));
    while (start < digits.size() && digits[start] == 0) ++start;
  }
  std::reverse(mag.begin(), mag.end());
  TwosComplement(&mag, negative && !mag.empty());
  *out = std::move(mag);
  return base::Status::Ok();
}

DebeziumJsonEncoder::DebeziumJsonEncoder(DebeziumJsonOptions options, WallClockMs clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

namespace {

// {"schema":{...Key},"payload":{pk columns}} from `image`; false if the table has no key.
base::Status WriteKey(const model::TableSchema& table, const std::vector<Value>& image,
                      const DebeziumJsonOptions& o, std::string* scratch, std::string* out) {
  out->clear();
  JsonWriter w(out);
  w.BeginObject();
  if (!o.disable_schema) {
    w.Key("schema");
    w.BeginObject();
    w.Key("type");
    w.String("struct");
    w.Key("fields");
    w.BeginArray();
    for (size_t k : table.primary_key) WriteFieldSchema(table.columns[k], o, scratch, &w);
    w.EndArray();
    w.Key("optional");
    w.Bool(false);
    scratch->clear();
    AppendSchemaName(o, table.schema, table.table, "Key", scratch);
    w.Key("name");
    w.String(*scratch);
    w.EndObject();
  }
  w.Key("payload");
  w.BeginObject();
  for (size_t k : table.primary_key) {
    w.Key(table.columns[k].name);
    SLUICE_RETURN_IF_ERROR(WriteValue(table.columns[k], image[k], o, scratch, &w));
  }
  w.EndObject();
  w.EndObject();
  return base::Status::Ok();
}

bool HasKey(const model::TableSchema& table) {
  if (table.primary_key.empty()) return false;
  for (size_t k : table.primary_key) {
    if (k >= table.columns.size()) return false;
  }
  return true;
}

}  // namespace

base::Status DebeziumJsonEncoder::EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                                            Message* out) {
  follow_ups_.clear();
  next_follow_up_ = 0;
  if (!row.table) return base::InvalidArgument("debezium: row change has no table schema");
  const model::TableSchema& table = *row.table;
  const size_t ncols = table.columns.size();
  if ((row.op != RowOp::kInsert && row.before.size() != ncols) ||
      (row.op != RowOp::kDelete && row.after.size() != ncols)) {
    return base::InvalidArgument(
        "debezium: row image of {}.{} has {} before / {} after values but the table has {} "
        "columns",
        table.schema, table.table, row.before.size(), row.after.size(), ncols);
  }
  RowOp op = row.op;
  if (op == RowOp::kUpdate && HasKey(table)) {
    // A primary-key change is, as in Debezium (and TiCDC's split), a delete of the old key
    // (+ tombstone) and a create of the new one.
    for (size_t k : table.primary_key) {
      if (!(row.before[k] == row.after[k])) op = RowOp::kDelete;
    }
    if (op == RowOp::kDelete) {
      if (options_.tombstone_on_delete) follow_ups_.push_back(FollowUp::kTombstone);
      follow_ups_.push_back(FollowUp::kCreate);
      follow_txn_ = txn;
    }
  } else if (op == RowOp::kDelete && HasKey(table) && options_.tombstone_on_delete) {
    follow_ups_.push_back(FollowUp::kTombstone);
  }
  auto st = EncodeChange(row, op, txn, out);
  if (!st.ok()) follow_ups_.clear();
  return st;
}

base::Status DebeziumJsonEncoder::EncodeChange(const model::RowChange& row, RowOp op,
                                               const model::TxnInfo& txn, Message* out) {
  const model::TableSchema& table = *row.table;
  const size_t ncols = table.columns.size();
  const bool is_delete = op == RowOp::kDelete;
  const bool is_update = op == RowOp::kUpdate;
  const std::vector<Value>& key_image = is_delete ? row.before : row.after;
  if (HasKey(table)) {
    std::string key;
    SLUICE_RETURN_IF_ERROR(WriteKey(table, key_image, options_, &scratch_, &key));
    out->key = std::move(key);
  } else {
    out->key.reset();
  }
  out->null_value = false;

  std::string* s = &out->value;
  s->clear();
  JsonWriter w(s);
  w.BeginObject();
  if (!options_.disable_schema) {
    std::string value_name;
    AppendSchemaName(options_, table.schema, table.table, "Value", &value_name);
    // The row struct schema is the same for before and after: build it once.
    std::string fields;
    {
      JsonWriter fw(&fields);
      fw.BeginArray();
      for (const auto& c : table.columns) WriteFieldSchema(c, options_, &scratch_, &fw);
      fw.EndArray();
    }
    w.Key("schema");
    w.BeginObject();
    w.Key("type");
    w.String("struct");
    w.Key("fields");
    w.BeginArray();
    for (std::string_view field : {"before", "after"}) {
      w.BeginObject();
      w.Key("type");
      w.String("struct");
      w.Key("fields");
      w.Raw(fields);
      w.Key("optional");
      w.Bool(true);
      w.Key("name");
      w.String(value_name);
      w.Key("field");
      w.String(field);
      w.EndObject();
    }
    WriteSourceSchema(options_.enable_tidb_extension, &w);
    w.Raw(R"({"type":"string","optional":false,"field":"op"})");
    w.Raw(R"({"type":"int64","optional":true,"field":"ts_ms"})");
    w.Raw(kTransactionSchema);
    w.EndArray();
    w.Key("optional");
    w.Bool(false);
    scratch_.clear();
    AppendSchemaName(options_, table.schema, table.table, "Envelope", &scratch_);
    w.Key("name");
    w.String(scratch_);
    w.Key("version");
    w.Int(1);
    w.EndObject();
  }
  w.Key("payload");
  w.BeginObject();
  auto write_image = [&](const std::vector<Value>& image) -> base::Status {
    w.BeginObject();
    for (size_t i = 0; i < ncols; ++i) {
      w.Key(table.columns[i].name);
      SLUICE_RETURN_IF_ERROR(WriteValue(table.columns[i], image[i], options_, &scratch_, &w));
    }
    w.EndObject();
    return base::Status::Ok();
  };
  w.Key("before");
  if (is_delete || (is_update && options_.output_old_value)) {
    SLUICE_RETURN_IF_ERROR(write_image(row.before));
  } else {
    w.Null();
  }
  w.Key("after");
  if (is_delete) {
    w.Null();
  } else {
    SLUICE_RETURN_IF_ERROR(write_image(row.after));
  }
  WriteSource(options_, table.schema, table.table, txn.commit_time_ms, txn.commit_ts, txn.gtid, &w);
  w.Key("op");
  w.String(is_delete ? "d" : is_update ? "u" : "c");
  w.Key("ts_ms");
  w.Int(clock_());
  w.Key("transaction");
  w.Null();
  w.EndObject();
  w.EndObject();
  return base::Status::Ok();
}

bool DebeziumJsonEncoder::EncodeRowFollowUp(const model::RowChange& row, Message* out) {
  if (next_follow_up_ >= follow_ups_.size() || !row.table) return false;
  FollowUp step = follow_ups_[next_follow_up_++];
  if (step == FollowUp::kTombstone) {
    std::string key;
    if (!WriteKey(*row.table, row.before, options_, &scratch_, &key).ok()) return false;
    out->key = std::move(key);
    out->value.clear();
    out->null_value = true;
    return true;
  }
  return EncodeChange(row, RowOp::kInsert, follow_txn_, out).ok();
}

base::Status DebeziumJsonEncoder::EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                            Message* out) {
  DdlInfo info = ClassifyDdl(ddl.sql);
  std::string_view database = ddl.schema;
  std::string_view table = ddl.table;
  if (table.empty()) {
    table = info.table;
    if (!info.schema.empty()) database = info.schema;
  } else if (database.empty()) {
    database = info.schema;
  }
  if (database.empty() && info.type == DdlType::kQuery) database = info.schema;

  // Key: {"databaseName"} as Debezium's schema change topic.
  std::string key;
  {
    JsonWriter w(&key);
    w.BeginObject();
    if (!options_.disable_schema) {
      w.Key("schema");
      w.Raw(
          R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"databaseName"}],)"
          R"("optional":false,"name":"io.debezium.connector.mysql.SchemaChangeKey","version":1})");
    }
    w.Key("payload");
    w.BeginObject();
    w.Key("databaseName");
    w.String(database);
    w.EndObject();
    w.EndObject();
  }
  out->key = std::move(key);
  out->null_value = false;

  std::string* s = &out->value;
  s->clear();
  JsonWriter w(s);
  w.BeginObject();
  if (!options_.disable_schema) {
    w.Key("schema");
    w.BeginObject();
    w.Key("type");
    w.String("struct");
    w.Key("fields");
    w.BeginArray();
    WriteSourceSchema(options_.enable_tidb_extension, &w);
    w.Raw(R"({"type":"int64","optional":false,"field":"ts_ms"})");
    w.Raw(R"({"type":"string","optional":true,"field":"databaseName"})");
    w.Raw(R"({"type":"string","optional":true,"field":"schemaName"})");
    w.Raw(R"({"type":"string","optional":true,"field":"ddl"})");
    w.Raw(
        R"({"type":"array","items":{"type":"struct","fields":[)"
        R"({"type":"string","optional":false,"field":"type"},)"
        R"({"type":"string","optional":false,"field":"id"},)"
        R"({"type":"struct","fields":[],"optional":true,"name":"io.debezium.connector.schema.Table","version":1,"field":"table"}],)"
        R"("optional":false,"name":"io.debezium.connector.schema.Change","version":1},)"
        R"("optional":false,"field":"tableChanges"})");
    w.EndArray();
    w.Key("optional");
    w.Bool(false);
    w.Key("name");
    w.String("io.debezium.connector.mysql.SchemaChangeValue");
    w.Key("version");
    w.Int(1);
    w.EndObject();
  }
  w.Key("payload");
  w.BeginObject();
  WriteSource(options_, database, table, txn.commit_time_ms, txn.commit_ts, txn.gtid, &w);
  w.Key("ts_ms");
  w.Int(clock_());
  w.Key("databaseName");
  w.String(database);
  w.Key("schemaName");
  w.Null();
  w.Key("ddl");
  w.String(ddl.sql);
  w.Key("tableChanges");
  w.BeginArray();
  std::string_view change_type;
  switch (info.type) {
    case DdlType::kCreate:
      change_type = "CREATE";
      break;
    case DdlType::kErase:
      change_type = "DROP";
      break;
    case DdlType::kQuery:
      break;
    default:
      change_type = "ALTER";
      break;
  }
  if (!change_type.empty() && !table.empty()) {
    w.BeginObject();
    w.Key("type");
    w.String(change_type);
    scratch_.clear();
    scratch_.push_back('"');
    scratch_.append(database);
    scratch_.append("\".\"");
    scratch_.append(table);
    scratch_.push_back('"');
    w.Key("id");
    w.String(scratch_);
    w.Key("table");
    w.Null();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return base::Status::Ok();
}

bool DebeziumJsonEncoder::EncodeWatermark(uint64_t commit_ts, Message* out) {
  if (!options_.enable_tidb_extension) return false;
  out->key.reset();
  out->null_value = false;
  std::string* s = &out->value;
  s->clear();
  JsonWriter w(s);
  w.BeginObject();
  if (!options_.disable_schema) {
    w.Key("schema");
    w.BeginObject();
    w.Key("type");
    w.String("struct");
    w.Key("fields");
    w.BeginArray();
    WriteSourceSchema(true, &w);
    w.Raw(R"({"type":"string","optional":false,"field":"op"})");
    w.Raw(R"({"type":"int64","optional":true,"field":"ts_ms"})");
    w.Raw(kTransactionSchema);
    w.EndArray();
    w.Key("optional");
    w.Bool(false);
    scratch_ = options_.server_name + ".watermark.Envelope";
    w.Key("name");
    w.String(scratch_);
    w.Key("version");
    w.Int(1);
    w.EndObject();
  }
  w.Key("payload");
  w.BeginObject();
  WriteSource(options_, "", "", commit_ts >> 18, commit_ts, "", &w);
  w.Key("op");
  w.String("m");
  w.Key("ts_ms");
  w.Int(clock_());
  w.Key("transaction");
  w.Null();
  w.EndObject();
  w.EndObject();
  return true;
}

}  // namespace sluice::codec::debezium
