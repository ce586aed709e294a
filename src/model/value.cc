#include "model/value.h"

namespace sluice::model {

bool Value::operator==(const Value& o) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::kAbsent:
    case Kind::kNull:
      return true;
    case Kind::kInt:
      return i_ == o.i_;
    case Kind::kUInt:
      return u_ == o.u_;
    case Kind::kFloat:
    case Kind::kDouble:
      return d_ == o.d_;
    case Kind::kDecimal:
    case Kind::kString:
      return s_ == o.s_;
    case Kind::kTimestamp:
      return i_ == o.i_ && t_.micros == o.t_.micros;
    case Kind::kDate:
    case Kind::kTime:
    case Kind::kDateTime:
      return t_.year == o.t_.year && t_.month == o.t_.month && t_.day == o.t_.day &&
             t_.hour == o.t_.hour && t_.minute == o.t_.minute && t_.second == o.t_.second &&
             t_.micros == o.t_.micros && t_.negative == o.t_.negative;
  }
  return false;
}

}  // namespace sluice::model
