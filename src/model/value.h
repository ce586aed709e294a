// Value: one decoded column value of a row image.
//
// Decoders produce values in a canonical form so every codec renders them the same way:
//   integers      kInt (signed columns) / kUInt (unsigned columns, YEAR)
//   FLOAT/DOUBLE  kFloat / kDouble
//   DECIMAL       kDecimal, exact text ("-1234.5678", scale digits kept)
//   strings       kString: text columns converted to UTF-8; binary columns keep raw bytes;
//                 JSON as JSON text; GEOMETRY as raw (SRID + WKB) bytes
//   ENUM          kUInt 1-based index (0 = empty/invalid value)
//   SET, BIT      kUInt bitmask / unsigned value
//   DATE, DATETIME, TIME   kDate / kDateTime / kTime with a Temporal (wall clock, no zone)
//   TIMESTAMP     kTimestamp: seconds since the Unix epoch (UTC) + microseconds
// kAbsent marks a column missing from a partial (MINIMAL/NOBLOB) image; it is not NULL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::model {

struct Temporal {
  int32_t year = 0;
  uint8_t month = 0;
  uint8_t day = 0;
  uint32_t hour = 0;  // TIME may reach 838
  uint8_t minute = 0;
  uint8_t second = 0;
  uint32_t micros = 0;
  bool negative = false;  // TIME only
};

class Value {
 public:
  enum class Kind : uint8_t {
    kAbsent,
    kNull,
    kInt,
    kUInt,
    kFloat,
    kDouble,
    kDecimal,
    kString,
    kDate,
    kTime,
    kDateTime,
    kTimestamp,
  };

  Value() = default;
  static Value Absent() { return Value(); }
  static Value Null() { Value v; v.kind_ = Kind::kNull; return v; }
  static Value Int(int64_t x) { Value v; v.kind_ = Kind::kInt; v.i_ = x; return v; }
  static Value UInt(uint64_t x) { Value v; v.kind_ = Kind::kUInt; v.u_ = x; return v; }
  static Value Float(float x) { Value v; v.kind_ = Kind::kFloat; v.d_ = x; return v; }
  static Value Double(double x) { Value v; v.kind_ = Kind::kDouble; v.d_ = x; return v; }
  static Value Decimal(std::string text) {
    Value v; v.kind_ = Kind::kDecimal; v.s_ = std::move(text); return v;
  }
  static Value String(std::string bytes) {
    Value v; v.kind_ = Kind::kString; v.s_ = std::move(bytes); return v;
  }
  static Value String(std::string_view bytes) { return String(std::string(bytes)); }
  static Value String(const char* bytes) { return String(std::string(bytes)); }
  static Value Date(const Temporal& t) { Value v; v.kind_ = Kind::kDate; v.t_ = t; return v; }
  static Value Time(const Temporal& t) { Value v; v.kind_ = Kind::kTime; v.t_ = t; return v; }
  static Value DateTime(const Temporal& t) {
    Value v; v.kind_ = Kind::kDateTime; v.t_ = t; return v;
  }
  static Value Timestamp(int64_t epoch_seconds, uint32_t micros) {
    Value v; v.kind_ = Kind::kTimestamp; v.i_ = epoch_seconds; v.t_.micros = micros; return v;
  }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_absent() const { return kind_ == Kind::kAbsent; }

  int64_t as_int() const { return i_; }
  uint64_t as_uint() const { return u_; }
  double as_double() const { return d_; }  // kFloat and kDouble
  const std::string& as_string() const { return s_; }  // kString and kDecimal
  const Temporal& as_temporal() const { return t_; }  // kDate/kTime/kDateTime
  int64_t timestamp_seconds() const { return i_; }
  uint32_t timestamp_micros() const { return t_.micros; }

  bool operator==(const Value& o) const;

 private:
  Kind kind_ = Kind::kAbsent;
  union {
    int64_t i_ = 0;
    uint64_t u_;
    double d_;
  };
  Temporal t_;
  std::string s_;
};

}  // namespace sluice::model
