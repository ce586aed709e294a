#include "source/mysql/row_decoder.h"

#include <bit>
#include <cstring>

#include "source/mysql/json_binary.h"

namespace sluice::source::mysql {
namespace {

using model::Temporal;
using model::Value;

constexpr int kDig2Bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

uint32_t ReadFraction(base::ByteReader& r, uint8_t fsp) {
  switch (fsp) {
    case 1:
    case 2:
      return static_cast<uint32_t>(r.ReadBE(1)) * 10000;
    case 3:
    case 4:
      return static_cast<uint32_t>(r.ReadBE(2)) * 100;
    case 5:
    case 6:
      return static_cast<uint32_t>(r.ReadBE(3));
    default:
      return 0;
  }
}

int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = 1ULL << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

base::Status Truncated(const model::Column& column) {
  return base::DataLoss("row image truncated while decoding column {}", column.name);
}

void AppendUInt(std::string* out, uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) out->push_back('0');
  while (n > 0) out->push_back(buf[--n]);
}

}  // namespace

bool DecodeDecimal(base::ByteReader& r, uint8_t precision, uint8_t scale, std::string* out) {
  if (precision == 0 || precision > 65 || scale > 38 || scale > precision) return false;
  const int intg = precision - scale;
  const int ip = intg / 9, ir = intg % 9, fp = scale / 9, fr = scale % 9;
  const size_t size = ip * 4 + kDig2Bytes[ir] + fp * 4 + kDig2Bytes[fr];
  auto src = r.Bytes(size);
  if (!r.ok()) return false;
  uint8_t buf[40];
  std::memcpy(buf, src.data(), size);
  const bool negative = (buf[0] & 0x80) == 0;
  buf[0] ^= 0x80;
  if (negative) {
    for (size_t i = 0; i < size; ++i) buf[i] ^= 0xFF;
  }
  base::ByteReader d(buf, size);
  out->clear();
  if (negative) out->push_back('-');
  const size_t int_start = out->size();
  if (ir > 0) {
    uint64_t v = d.ReadBE(kDig2Bytes[ir]);
    if (v != 0) AppendUInt(out, v, 0);
  }
  for (int i = 0; i < ip; ++i) {
    uint64_t v = d.ReadBE(4);
    if (out->size() == int_start) {
      if (v != 0) AppendUInt(out, v, 0);
    } else {
      AppendUInt(out, v, 9);
    }
  }
  bool all_zero = out->size() == int_start;
  if (all_zero) out->push_back('0');
  if (scale > 0) {
    out->push_back('.');
    for (int i = 0; i < fp; ++i) {
      uint64_t v = d.ReadBE(4);
      if (v != 0) all_zero = false;
      AppendUInt(out, v, 9);
    }
    if (fr > 0) {
      uint64_t v = d.ReadBE(kDig2Bytes[fr]);
      if (v != 0) all_zero = false;
      AppendUInt(out, v, fr);
    }
  }
  if (negative && all_zero) out->erase(0, 1);  // no "-0"
  return d.ok();
}

model::Temporal DecodeTime2(base::ByteReader& r, uint8_t fsp) {
  int64_t tmp = 0;
  switch (fsp) {
    case 1:
    case 2: {
      int64_t intpart = static_cast<int64_t>(r.ReadBE(3)) - 0x800000;
      int64_t frac = static_cast<int64_t>(r.ReadBE(1));
      if (intpart < 0 && frac > 0) {
        intpart++;
        frac -= 0x100;
      }
      tmp = intpart * (1LL << 24) + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      int64_t intpart = static_cast<int64_t>(r.ReadBE(3)) - 0x800000;
      int64_t frac = static_cast<int64_t>(r.ReadBE(2));
      if (intpart < 0 && frac > 0) {
        intpart++;
        frac -= 0x10000;
      }
      tmp = intpart * (1LL << 24) + frac * 100;
      break;
    }
    case 5:
    case 6:
      tmp = static_cast<int64_t>(r.ReadBE(6)) - 0x800000000000LL;
      break;
    default:
      tmp = (static_cast<int64_t>(r.ReadBE(3)) - 0x800000) * (1LL << 24);
      break;
  }
  Temporal t;
  if (tmp < 0) {
    t.negative = true;
    tmp = -tmp;
  }
  int64_t hms = tmp >> 24;
  t.hour = static_cast<uint32_t>((hms >> 12) & 1023);
  t.minute = static_cast<uint8_t>((hms >> 6) & 63);
  t.second = static_cast<uint8_t>(hms & 63);
  t.micros = static_cast<uint32_t>(tmp & 0xFFFFFF);
  return t;
}

// DATE, TIME, DATETIME, TIMESTAMP: the legacy layouts and the fsp-carrying "2" ones.
void DecodeTemporal(base::ByteReader& r, const ColumnCodec& c, model::Value* out) {
  switch (c.type) {
    case kTypeDate: {
      uint32_t v = static_cast<uint32_t>(r.ReadLE(3));
      Temporal t;
      t.day = v & 31;
      t.month = (v >> 5) & 15;
      t.year = static_cast<int32_t>(v >> 9);
      *out = Value::Date(t);
      break;
    }
    case kTypeTime: {  // legacy: signed int24 of hhmmss
      int64_t v = SignExtend(r.ReadLE(3), 24);
      Temporal t;
      if (v < 0) {
        t.negative = true;
        v = -v;
      }
      t.hour = static_cast<uint32_t>(v / 10000);
      t.minute = static_cast<uint8_t>(v / 100 % 100);
      t.second = static_cast<uint8_t>(v % 100);
      *out = Value::Time(t);
      break;
    }
    case kTypeDateTime: {  // legacy: YYYYMMDDhhmmss as u64
      uint64_t v = r.ReadLE(8);
      uint64_t d = v / 1000000, hms = v % 1000000;
      Temporal t;
      t.year = static_cast<int32_t>(d / 10000);
      t.month = static_cast<uint8_t>(d / 100 % 100);
      t.day = static_cast<uint8_t>(d % 100);
      t.hour = static_cast<uint32_t>(hms / 10000);
      t.minute = static_cast<uint8_t>(hms / 100 % 100);
      t.second = static_cast<uint8_t>(hms % 100);
      *out = Value::DateTime(t);
      break;
    }
    case kTypeTimestamp: {  // legacy: u32 LE seconds
      uint64_t v = r.ReadLE(4);
      *out = Value::Timestamp(static_cast<int64_t>(v), 0);
      break;
    }
    case kTypeTimestamp2: {
      uint64_t secs = r.ReadBE(4);
      uint32_t micros = ReadFraction(r, c.fsp);
      *out = Value::Timestamp(static_cast<int64_t>(secs), micros);
      break;
    }
    case kTypeDateTime2: {
      int64_t intpart = static_cast<int64_t>(r.ReadBE(5)) - 0x8000000000LL;
      uint32_t micros = ReadFraction(r, c.fsp);
      if (intpart < 0) intpart = -intpart;  // negative DATETIME cannot be stored; be lenient
      int64_t ymd = intpart >> 17;
      int64_t ym = ymd >> 5;
      int64_t hms = intpart & 0x1FFFF;
      Temporal t;
      t.day = static_cast<uint8_t>(ymd & 31);
      t.month = static_cast<uint8_t>(ym % 13);
      t.year = static_cast<int32_t>(ym / 13);
      t.second = static_cast<uint8_t>(hms & 63);
      t.minute = static_cast<uint8_t>((hms >> 6) & 63);
      t.hour = static_cast<uint32_t>(hms >> 12);
      t.micros = micros;
      *out = Value::DateTime(t);
      break;
    }
    case kTypeTime2:
      *out = Value::Time(DecodeTime2(r, c.fsp));
      break;
    default:
      break;
  }
}

// Strings, BLOBs, GEOMETRY and JSON: length-prefixed bytes; text converted to UTF-8, binary
// JSON rendered as text.
base::Status DecodeBytesValue(base::ByteReader& r, const ColumnCodec& c,
                              const model::Column& column, Utf8Converter& conv,
                              std::string& scratch, model::Value* out) {
  switch (c.type) {
    case kTypeVarchar:
    case kTypeVarString:
    case kTypeString: {
      size_t len = r.ReadLE(c.max_len > 255 ? 2 : 1);
      std::string_view bytes = r.String(len);
      if (!r.ok()) return Truncated(column);
      if (c.is_text) {
        base::Status st = conv.Convert(c.collation, bytes, &scratch);
        if (!st.ok()) return st.WithContext(fmt::format("column {}", column.name));
        *out = Value::String(std::move(scratch));
      } else if (c.type == kTypeString && len < c.max_len) {
        // BINARY(n): the server strips trailing 0x00 pad bytes; restore the fixed width.
        std::string padded(bytes);
        padded.resize(c.max_len, '\0');
        *out = Value::String(std::move(padded));
      } else {
        *out = Value::String(bytes);
      }
      break;
    }
    case kTypeBlob:
    case kTypeGeometry:
    case kTypeJson: {
      if (c.pack_len < 1 || c.pack_len > 4) {
        return base::DataLoss("column {} has invalid pack length {}", column.name, c.pack_len);
      }
      size_t len = r.ReadLE(c.pack_len);
      auto bytes = r.Bytes(len);
      if (!r.ok()) return Truncated(column);
      std::string_view sv(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      if (c.type == kTypeJson) {
        std::string text;
        base::Status st = DecodeMysqlJson(bytes, &text);
        if (!st.ok()) return st.WithContext(fmt::format("column {}", column.name));
        *out = Value::String(std::move(text));
      } else if (c.is_text) {
        base::Status st = conv.Convert(c.collation, sv, &scratch);
        if (!st.ok()) return st.WithContext(fmt::format("column {}", column.name));
        *out = Value::String(std::move(scratch));
      } else {
        *out = Value::String(sv);
      }
      break;
    }
    default:
      break;
  }
  return base::Status::Ok();
}

base::Status DecodeValue(base::ByteReader& r, const ColumnCodec& c, const model::Column& column,
                         Utf8Converter& conv, std::string& scratch, model::Value* out) {
  switch (c.type) {
    case kTypeTiny:
    case kTypeShort:
    case kTypeInt24:
    case kTypeLong:
    case kTypeLongLong: {
      unsigned width = c.type == kTypeTiny    ? 1
                       : c.type == kTypeShort ? 2
                       : c.type == kTypeInt24 ? 3
                       : c.type == kTypeLong  ? 4
                                              : 8;
      uint64_t v = r.ReadLE(width);
      if (c.is_unsigned) {
        *out = Value::UInt(v);
      } else {
        *out = Value::Int(width == 8 ? static_cast<int64_t>(v)
                                     : SignExtend(v, static_cast<int>(width * 8)));
      }
      break;
    }
    case kTypeYear: {
      uint64_t v = r.ReadLE(1);
      *out = Value::UInt(v == 0 ? 0 : 1900 + v);
      break;
    }
    case kTypeFloat: {
      uint32_t bits = static_cast<uint32_t>(r.ReadLE(4));
      *out = Value::Float(std::bit_cast<float>(bits));
      break;
    }
    case kTypeDouble: {
      uint64_t bits = r.ReadLE(8);
      *out = Value::Double(std::bit_cast<double>(bits));
      break;
    }
    case kTypeNewDecimal: {
      std::string text;
      if (!DecodeDecimal(r, c.precision, c.scale, &text)) {
        if (!r.ok()) return Truncated(column);
        return base::DataLoss("column {} has invalid DECIMAL({},{}) metadata", column.name,
                              c.precision, c.scale);
      }
      *out = Value::Decimal(std::move(text));
      break;
    }
    case kTypeNull:
      *out = Value::Null();
      break;
    case kTypeDate:
    case kTypeTime:
    case kTypeDateTime:
    case kTypeTimestamp:
    case kTypeTimestamp2:
    case kTypeDateTime2:
    case kTypeTime2:
      DecodeTemporal(r, c, out);
      break;
    case kTypeBit: {
      size_t nbytes = (c.bits + 7) / 8;
      if (nbytes == 0 || nbytes > 8) {
        return base::DataLoss("column {} has invalid BIT length {}", column.name, c.bits);
      }
      *out = Value::UInt(r.ReadBE(nbytes));
      break;
    }
    case kTypeEnum:
    case kTypeSet: {
      if (c.max_len == 0 || c.max_len > 8) {
        return base::DataLoss("column {} has invalid ENUM/SET size {}", column.name, c.max_len);
      }
      *out = Value::UInt(r.ReadLE(c.max_len));
      break;
    }
    case kTypeVarchar:
    case kTypeVarString:
    case kTypeString:
    case kTypeBlob:
    case kTypeGeometry:
    case kTypeJson:
      SLUICE_RETURN_IF_ERROR(DecodeBytesValue(r, c, column, conv, scratch, out));
      break;
    default:
      return base::Unimplemented("column {} has binlog type {} which sluice cannot decode",
                                 column.name, c.type);
  }
  if (!r.ok()) return Truncated(column);
  return base::Status::Ok();
}

base::Status DecodeRowImage(base::ByteReader& r, const TableMap& table,
                            std::span<const uint8_t> present_bitmap, Utf8Converter& conv,
                            std::string& scratch, std::vector<model::Value>* values) {
  const size_t n = table.codecs.size();
  values->assign(n, Value::Absent());
  size_t present = 0;
  for (size_t i = 0; i < n; ++i) present += (present_bitmap[i / 8] >> (i % 8)) & 1;
  auto null_bitmap = r.Bytes((present + 7) / 8);
  if (!r.ok()) return base::DataLoss("row image truncated in the NULL bitmap");
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!((present_bitmap[i / 8] >> (i % 8)) & 1)) continue;
    const bool is_null = (null_bitmap[k / 8] >> (k % 8)) & 1;
    ++k;
    if (is_null) {
      (*values)[i] = Value::Null();
      continue;
    }
    SLUICE_RETURN_IF_ERROR(
        DecodeValue(r, table.codecs[i], table.schema->columns[i], conv, scratch, &(*values)[i]));
  }
  return base::Status::Ok();
}

}  // namespace sluice::source::mysql
