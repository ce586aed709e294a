#include "codec/debezium/debezium_fields.h"

#include <cmath>
#include <cstdlib>

#include "codec/common/decimal_bytes.h"
#include "model/value_text.h"

namespace sluice::codec::debezium {
namespace {

using model::Column;
using model::ColumnType;
using model::Value;

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
  if (model::FamilyOf(c.type) == model::TypeFamily::kText && !c.is_binary()) {
    return {"string", {}, Rule::kString};
  }
  return {"bytes", {}, Rule::kBytes};
}

void JoinElements(const std::vector<std::string>& elements, std::string* out) {
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i) out->push_back(',');
    out->append(elements[i]);
  }
}

}  // namespace

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
      model::AppendUInt(ft.rule == Rule::kUInt64Bytes ? 0 : c.scale, scratch);
      w->Key("scale");
      w->String(*scratch);
      scratch->clear();
      model::AppendUInt(ft.rule == Rule::kUInt64Bytes ? 20 : c.precision, scratch);
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
      model::AppendUInt(c.length, scratch);
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

namespace {

uint64_t AsUInt(const Value& v) {
  return v.kind() == Value::Kind::kInt ? static_cast<uint64_t>(v.as_int()) : v.as_uint();
}

void WriteBase64(std::string_view bytes, std::string* scratch, JsonWriter* w) {
  scratch->clear();
  model::AppendBase64(bytes, scratch);
  w->String(*scratch);
}

bool IsZeroDate(const model::Temporal& t) { return t.month == 0 || t.day == 0; }

int64_t EpochSeconds(const model::Temporal& t) {
  return model::DaysFromCivil(t.year, t.month, t.day) * 86400 +
         static_cast<int64_t>(t.hour) * 3600 + t.minute * 60 + t.second;
}

// ISO-8601 UTC with exactly fsp fraction digits: "2024-02-29T12:00:00.123Z".
void AppendZonedTimestamp(int64_t secs, uint32_t micros, uint8_t fsp, std::string* out) {
  size_t start = out->size();
  model::AppendTimestamp(secs, micros, fsp, model::TimeZone(), out);
  (*out)[start + 10] = 'T';
  out->push_back('Z');
}

base::Status Mismatch(const Column& c, const Value& v) {
  return base::InvalidArgument(
      "debezium: column {} ({}) holds an unexpected value kind {}; the source decoded it wrongly",
      c.name, model::ColumnTypeName(c.type), static_cast<int>(v.kind()));
}

// Integers, floating point and DECIMAL.
base::Status WriteNumber(const Column& c, const Value& v, const FieldType& ft, std::string* scratch,
                         JsonWriter* w) {
  switch (ft.rule) {
    case Rule::kInt:
    case Rule::kYear:
      if (v.kind() == Value::Kind::kInt) {
        w->Int(v.as_int());
      } else if (v.kind() == Value::Kind::kUInt) {
        w->UInt(v.as_uint());
      } else {
        return Mismatch(c, v);
      }
      return base::Status::Ok();
    case Rule::kUInt64Long:
      if (v.kind() != Value::Kind::kInt && v.kind() != Value::Kind::kUInt) return Mismatch(c, v);
      w->Int(static_cast<int64_t>(AsUInt(v)));
      return base::Status::Ok();
    case Rule::kUInt64Bytes: {
      if (v.kind() != Value::Kind::kInt && v.kind() != Value::Kind::kUInt) return Mismatch(c, v);
      std::string bytes;
      AppendUnsignedBytes(AsUInt(v), &bytes);
      WriteBase64(bytes, scratch, w);
      return base::Status::Ok();
    }
    case Rule::kFloat:
    case Rule::kDouble:
      if (v.kind() != Value::Kind::kFloat && v.kind() != Value::Kind::kDouble)
        return Mismatch(c, v);
      scratch->clear();
      // JSON numbers in their shortest round-trip form ("1e+300", not 301 digits), as
      // Debezium's Jackson writes Java floats/doubles. NaN/Inf have no JSON form: "0".
      if (!std::isfinite(v.as_double())) {
        scratch->push_back('0');
      } else if (ft.rule == Rule::kFloat) {
        model::AppendFloat32RoundTrip(static_cast<float>(v.as_double()), scratch);
      } else {
        model::AppendDoubleRoundTrip(v.as_double(), scratch);
      }
      w->Raw(*scratch);
      return base::Status::Ok();
    case Rule::kDecimalBytes: {
      if (v.kind() != Value::Kind::kDecimal && v.kind() != Value::Kind::kString)
        return Mismatch(c, v);
      std::string bytes;
      SLUICE_RETURN_IF_ERROR(AppendDecimalBytes(v.as_string(), c.scale, &bytes));
      WriteBase64(bytes, scratch, w);
      return base::Status::Ok();
    }
    case Rule::kDecimalString:
      if (v.kind() != Value::Kind::kDecimal && v.kind() != Value::Kind::kString)
        return Mismatch(c, v);
      w->String(v.as_string());
      return base::Status::Ok();
    case Rule::kDecimalDouble: {
      if (v.kind() != Value::Kind::kDecimal && v.kind() != Value::Kind::kString)
        return Mismatch(c, v);
      double d = std::strtod(v.as_string().c_str(), nullptr);
      scratch->clear();
      if (std::isfinite(d)) {
        model::AppendDoubleRoundTrip(d, scratch);
      } else {
        scratch->push_back('0');
      }
      w->Raw(*scratch);
      return base::Status::Ok();
    }
    default:
      return base::Internal("debezium: rule {} is not numeric", static_cast<int>(ft.rule));
  }
}

// DATE, DATETIME, TIMESTAMP and TIME.
base::Status WriteTemporal(const Column& c, const Value& v, const FieldType& ft,
                           std::string* scratch, JsonWriter* w) {
  switch (ft.rule) {
    case Rule::kDate: {
      if (v.kind() != Value::Kind::kDate) return Mismatch(c, v);
      const auto& t = v.as_temporal();
      if (IsZeroDate(t)) {
        c.nullable ? w->Null() : w->Int(0);
      } else {
        w->Int(model::DaysFromCivil(t.year, t.month, t.day));
      }
      return base::Status::Ok();
    }
    case Rule::kDateTimeMillis:
    case Rule::kDateTimeMicros: {
      if (v.kind() != Value::Kind::kDateTime) return Mismatch(c, v);
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
      if (v.kind() != Value::Kind::kTimestamp) return Mismatch(c, v);
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
      if (v.kind() != Value::Kind::kTime) return Mismatch(c, v);
      const auto& t = v.as_temporal();
      int64_t us =
          (static_cast<int64_t>(t.hour) * 3600 + t.minute * 60 + t.second) * 1000000 + t.micros;
      w->Int(t.negative ? -us : us);
      return base::Status::Ok();
    }
    default:
      return base::Internal("debezium: rule {} is not temporal", static_cast<int>(ft.rule));
  }
}

}  // namespace

base::Status WriteFieldValue(const Column& c, const Value& v, const DebeziumJsonOptions& o,
                             std::string* scratch, JsonWriter* w) {
  if (v.is_null() || v.is_absent()) {
    w->Null();
    return base::Status::Ok();
  }
  FieldType ft = Describe(c, o);
  switch (ft.rule) {
    case Rule::kNull:
      w->Null();
      return base::Status::Ok();
    case Rule::kInt:
    case Rule::kYear:
    case Rule::kUInt64Long:
    case Rule::kUInt64Bytes:
    case Rule::kFloat:
    case Rule::kDouble:
    case Rule::kDecimalBytes:
    case Rule::kDecimalString:
    case Rule::kDecimalDouble:
      return WriteNumber(c, v, ft, scratch, w);
    case Rule::kDate:
    case Rule::kDateTimeMillis:
    case Rule::kDateTimeMicros:
    case Rule::kTimestamp:
    case Rule::kTime:
      return WriteTemporal(c, v, ft, scratch, w);
    case Rule::kString:
      if (v.kind() != Value::Kind::kString) return Mismatch(c, v);
      w->String(v.as_string());
      return base::Status::Ok();
    case Rule::kBytes:
      if (v.kind() != Value::Kind::kString) return Mismatch(c, v);
      WriteBase64(v.as_string(), scratch, w);
      return base::Status::Ok();
    case Rule::kBool:
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return Mismatch(c, v);
      w->Bool(AsUInt(v) != 0);
      return base::Status::Ok();
    case Rule::kBits: {
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return Mismatch(c, v);
      uint64_t n = AsUInt(v);
      size_t len = (c.length + 7) / 8;
      if (len == 0 || len > 8) len = 8;
      std::string bytes(len, '\0');
      for (size_t i = 0; i < len; ++i, n >>= 8) bytes[i] = static_cast<char>(n & 0xFF);
      WriteBase64(bytes, scratch, w);
      return base::Status::Ok();
    }
    case Rule::kEnum: {
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return Mismatch(c, v);
      w->String(model::EnumName(c, AsUInt(v)));
      return base::Status::Ok();
    }
    case Rule::kSet: {
      if (v.kind() != Value::Kind::kUInt && v.kind() != Value::Kind::kInt) return Mismatch(c, v);
      scratch->clear();
      model::AppendSetNames(c, AsUInt(v), scratch);
      w->String(*scratch);
      return base::Status::Ok();
    }
    case Rule::kGeometry: {
      if (v.kind() != Value::Kind::kString) return Mismatch(c, v);
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

}  // namespace sluice::codec::debezium
