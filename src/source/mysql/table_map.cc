#include "source/mysql/table_map.h"

#include <memory>

#include "base/byte_reader.h"
#include "source/mysql/charset.h"

namespace sluice::source::mysql {
namespace {

using model::ColumnType;

// Optional metadata TLV types (binlog_row_metadata).
enum OptionalMeta : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
};

// Columns covered by the SIGNEDNESS bitmap. MariaDB logs signedness for every field that has
// one, which includes YEAR (verified on 10.11: a (YEAR, TINYINT UNSIGNED, ...) table logs
// bitmap f0); MySQL 8 only for TINY..LONGLONG, NEWDECIMAL, FLOAT, DOUBLE (is_numeric_type).
bool IsNumeric(uint8_t type, bool mariadb) {
  switch (type) {
    case kTypeTiny:
    case kTypeShort:
    case kTypeInt24:
    case kTypeLong:
    case kTypeLongLong:
    case kTypeNewDecimal:
    case kTypeFloat:
    case kTypeDouble:
      return true;
    case kTypeYear:
    case kTypeDecimal:
      return mariadb;
    default:
      return false;
  }
}

// Columns covered by DEFAULT_CHARSET/COLUMN_CHARSET (ENUM/SET use their own TLVs).
// MariaDB also lists GEOMETRY (verified on 10.11: collation 63); MySQL does not.
bool IsCharacter(uint8_t real_type, bool mariadb) {
  switch (real_type) {
    case kTypeString:
    case kTypeVarString:
    case kTypeVarchar:
    case kTypeBlob:
      return true;
    case kTypeGeometry:
      return mariadb;
    default:
      return false;
  }
}

bool IsEnumOrSet(uint8_t real_type) { return real_type == kTypeEnum || real_type == kTypeSet; }

// Reads the per-column metadata block entry for `type` into codec.
bool ReadColumnMeta(base::ByteReader& r, uint8_t type, ColumnCodec* c) {
  c->type = type;
  switch (type) {
    case kTypeFloat:
    case kTypeDouble:
      c->meta = r.U8();
      break;
    case kTypeTimestamp2:
    case kTypeDateTime2:
    case kTypeTime2:
      c->meta = r.U8();
      c->fsp = static_cast<uint8_t>(c->meta);
      break;
    case kTypeVarchar:
    case kTypeVarString:
      c->meta = r.U16();
      c->max_len = c->meta;
      break;
    case kTypeBit: {
      uint8_t rem = r.U8();
      uint8_t bytes = r.U8();
      c->meta = static_cast<uint16_t>(rem | (bytes << 8));
      c->bits = bytes * 8u + rem;
      break;
    }
    case kTypeNewDecimal:
      c->precision = r.U8();
      c->scale = r.U8();
      c->meta = static_cast<uint16_t>(c->precision << 8 | c->scale);
      break;
    case kTypeString:
    case kTypeEnum:
    case kTypeSet: {
      uint8_t b0 = r.U8();
      uint8_t b1 = r.U8();
      c->meta = static_cast<uint16_t>(b0 << 8 | b1);
      if (type == kTypeString && (b0 & 0x30) != 0x30) {  // CHAR longer than 255 bytes
        c->type = static_cast<uint8_t>(b0 | 0x30);
        c->max_len = b1 | (((b0 & 0x30) ^ 0x30) << 4);
      } else {
        c->type = type == kTypeString ? b0 : type;
        c->max_len = b1;
      }
      break;
    }
    case kTypeBlob:
    case kTypeGeometry:
    case kTypeJson:
    case kTypeTinyBlob:
    case kTypeMediumBlob:
    case kTypeLongBlob:
      c->meta = r.U8();
      c->pack_len = static_cast<uint8_t>(c->meta);
      c->type = type == kTypeTinyBlob || type == kTypeMediumBlob || type == kTypeLongBlob
                    ? static_cast<uint8_t>(kTypeBlob)
                    : type;
      break;
    default:
      break;  // no metadata
  }
  return r.ok();
}

bool IsBinary(uint32_t collation) { return collation == model::kBinaryCollation; }

base::Status MapType(const ColumnCodec& c, const std::string& table, model::Column* col) {
  col->precision = c.precision;
  col->scale = c.scale;
  col->fsp = c.fsp;
  switch (c.type) {
    case kTypeTiny:
      col->type = ColumnType::kTinyInt;
      break;
    case kTypeShort:
      col->type = ColumnType::kSmallInt;
      break;
    case kTypeInt24:
      col->type = ColumnType::kMediumInt;
      break;
    case kTypeLong:
      col->type = ColumnType::kInt;
      break;
    case kTypeLongLong:
      col->type = ColumnType::kBigInt;
      break;
    case kTypeFloat:
      col->type = ColumnType::kFloat;
      break;
    case kTypeDouble:
      col->type = ColumnType::kDouble;
      break;
    case kTypeNewDecimal:
      col->type = ColumnType::kDecimal;
      break;
    case kTypeYear:
      col->type = ColumnType::kYear;
      break;
    case kTypeNull:
      col->type = ColumnType::kNull;
      break;
    case kTypeDate:
      col->type = ColumnType::kDate;
      break;
    case kTypeTime:
    case kTypeTime2:
      col->type = ColumnType::kTime;
      break;
    case kTypeDateTime:
    case kTypeDateTime2:
      col->type = ColumnType::kDateTime;
      break;
    case kTypeTimestamp:
    case kTypeTimestamp2:
      col->type = ColumnType::kTimestamp;
      break;
    case kTypeBit:
      col->type = ColumnType::kBit;
      col->length = c.bits;
      break;
    case kTypeJson:
      col->type = ColumnType::kJson;
      col->length = c.pack_len;
      break;
    case kTypeGeometry:
      col->type = ColumnType::kGeometry;
      col->length = c.pack_len;
      break;
    case kTypeVarchar:
    case kTypeVarString:
      col->type = IsBinary(c.collation) ? ColumnType::kVarBinary : ColumnType::kVarChar;
      col->length = c.max_len;
      break;
    case kTypeString:
      col->type = IsBinary(c.collation) ? ColumnType::kBinary : ColumnType::kChar;
      col->length = c.max_len;
      break;
    case kTypeEnum:
      col->type = ColumnType::kEnum;
      col->length = c.max_len;
      break;
    case kTypeSet:
      col->type = ColumnType::kSet;
      col->length = c.max_len;
      break;
    case kTypeBlob: {
      static constexpr ColumnType kBlobs[] = {ColumnType::kTinyBlob, ColumnType::kBlob,
                                              ColumnType::kMediumBlob, ColumnType::kLongBlob};
      static constexpr ColumnType kTexts[] = {ColumnType::kTinyText, ColumnType::kText,
                                              ColumnType::kMediumText, ColumnType::kLongText};
      if (c.pack_len < 1 || c.pack_len > 4) {
        return base::DataLoss("TABLE_MAP of {}: BLOB column {} has pack length {}", table,
                              col->name, c.pack_len);
      }
      // MariaDB JSON is LONGTEXT (pack length 4, utf8mb4) and is indistinguishable from it.
      col->type = IsBinary(c.collation) ? kBlobs[c.pack_len - 1] : kTexts[c.pack_len - 1];
      col->length = c.pack_len;
      break;
    }
    default:
      return base::Unimplemented(
          "column {}.{} has binlog type {} which sluice cannot decode (old DECIMAL or "
          "pre-5.6 temporal format?): rebuild the table with ALTER TABLE ... FORCE",
          table, col->name, c.type);
  }
  return base::Status::Ok();
}

// Reads DEFAULT_CHARSET-style TLV: default, then (index, collation) pairs.
void ReadDefaultCharset(base::ByteReader& r, std::vector<uint32_t>* out, size_t n) {
  uint32_t def = static_cast<uint32_t>(r.LenEnc());
  out->assign(n, def);
  while (r.ok() && !r.empty()) {
    uint64_t idx = r.LenEnc();
    uint32_t coll = static_cast<uint32_t>(r.LenEnc());
    if (r.ok() && idx < n) (*out)[idx] = coll;
  }
}

void ReadColumnCharset(base::ByteReader& r, std::vector<uint32_t>* out) {
  out->clear();
  while (r.ok() && !r.empty()) out->push_back(static_cast<uint32_t>(r.LenEnc()));
}

void ReadStrValues(base::ByteReader& r, std::vector<std::vector<std::string>>* out) {
  out->clear();
  while (r.ok() && !r.empty()) {
    uint64_t count = r.LenEnc();
    std::vector<std::string> values;
    for (uint64_t i = 0; i < count && r.ok(); ++i) {
      uint64_t len = r.LenEnc();
      values.emplace_back(r.String(len));
    }
    out->push_back(std::move(values));
  }
}

// The optional metadata TLVs after the nullability bitmap (binlog_row_metadata=FULL).
struct OptionalMetadata {
  std::vector<bool> unsigned_bits;  // one per numeric column
  std::vector<uint32_t> charsets, enum_charsets;
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> enum_values, set_values;
  std::vector<size_t> pk;
};

base::Status ReadOptionalMetadata(base::ByteReader& r, const std::vector<ColumnCodec>& codecs,
                                  bool mariadb, const std::string& qualified,
                                  OptionalMetadata* md) {
  size_t num_char = 0, num_enum_set = 0;
  for (const auto& c : codecs) {
    if (IsCharacter(c.type, mariadb)) ++num_char;
    if (IsEnumOrSet(c.type)) ++num_enum_set;
  }
  while (r.ok() && !r.empty()) {
    uint8_t tlv_type = r.U8();
    uint64_t len = r.LenEnc();
    base::ByteReader tr(r.Bytes(len));
    if (!r.ok()) return base::DataLoss("TABLE_MAP of {}: optional metadata truncated", qualified);
    switch (tlv_type) {
      case kSignedness:
        while (!tr.empty()) {
          uint8_t b = tr.U8();
          for (int bit = 7; bit >= 0; --bit) md->unsigned_bits.push_back((b >> bit) & 1);
        }
        break;
      case kDefaultCharset:
        ReadDefaultCharset(tr, &md->charsets, num_char);
        break;
      case kColumnCharset:
        ReadColumnCharset(tr, &md->charsets);
        break;
      case kColumnName:
        while (tr.ok() && !tr.empty()) {
          uint64_t l = tr.LenEnc();
          md->names.emplace_back(tr.String(l));
        }
        break;
      case kSetStrValue:
        ReadStrValues(tr, &md->set_values);
        break;
      case kEnumStrValue:
        ReadStrValues(tr, &md->enum_values);
        break;
      case kSimplePrimaryKey:
        while (tr.ok() && !tr.empty()) md->pk.push_back(tr.LenEnc());
        break;
      case kPrimaryKeyWithPrefix:
        while (tr.ok() && !tr.empty()) {
          md->pk.push_back(tr.LenEnc());
          tr.LenEnc();  // prefix length
        }
        break;
      case kEnumAndSetDefaultCharset:
        ReadDefaultCharset(tr, &md->enum_charsets, num_enum_set);
        break;
      case kEnumAndSetColumnCharset:
        ReadColumnCharset(tr, &md->enum_charsets);
        break;
      default:  // GEOMETRY_TYPE, COLUMN_VISIBILITY and future types are not needed
        break;
    }
    if (!tr.ok()) {
      return base::DataLoss("TABLE_MAP of {}: optional metadata type {} is malformed", qualified,
                            tlv_type);
    }
  }
  return base::Status::Ok();
}

}  // namespace

uint64_t ReadTableId(std::span<const uint8_t> body, size_t table_id_size) {
  base::ByteReader r(body);
  return r.ReadLE(table_id_size);
}

base::Status ParseTableMap(std::span<const uint8_t> body, size_t table_id_size, uint64_t version,
                           TableMap* out, bool mariadb) {
  base::ByteReader r(body);
  out->table_id = r.ReadLE(table_id_size);
  r.Skip(2);  // flags
  out->raw.assign(r.current(), r.current() + r.remaining());

  auto schema = std::make_shared<model::TableSchema>();
  schema->version = version;
  uint8_t schema_len = r.U8();
  schema->schema = std::string(r.String(schema_len));
  r.Skip(1);
  uint8_t table_len = r.U8();
  schema->table = std::string(r.String(table_len));
  r.Skip(1);
  uint64_t n = r.LenEnc();
  if (!r.ok() || n > 4096 || r.remaining() < n) {
    return base::DataLoss("TABLE_MAP of table id {} is truncated or has a bad column count",
                          out->table_id);
  }
  const std::string qualified = schema->schema + "." + schema->table;
  auto types = r.Bytes(n);
  uint64_t meta_len = r.LenEnc();
  auto meta = r.Bytes(meta_len);
  auto nullable = r.Bytes((n + 7) / 8);
  if (!r.ok()) return base::DataLoss("TABLE_MAP of {} is truncated", qualified);

  std::vector<ColumnCodec>& codecs = out->codecs;
  codecs.assign(n, ColumnCodec{});
  base::ByteReader mr(meta);
  for (size_t i = 0; i < n; ++i) {
    if (!ReadColumnMeta(mr, types[i], &codecs[i])) {
      return base::DataLoss("TABLE_MAP of {}: metadata block too short at column {}", qualified, i);
    }
  }

  OptionalMetadata md;
  SLUICE_RETURN_IF_ERROR(ReadOptionalMetadata(r, codecs, mariadb, qualified, &md));
  if (md.names.size() != n) {
    return base::FailedPrecondition(
        "binlog_row_metadata is not FULL: TABLE_MAP of {} carries no column names; sluice "
        "needs them: SET GLOBAL binlog_row_metadata=FULL",
        qualified);
  }

  schema->columns.resize(n);
  size_t numeric_idx = 0, char_idx = 0, enum_set_idx = 0, enum_idx = 0, set_idx = 0;
  for (size_t i = 0; i < n; ++i) {
    ColumnCodec& c = codecs[i];
    model::Column& col = schema->columns[i];
    col.name = std::move(md.names[i]);
    col.nullable = (nullable[i / 8] >> (i % 8)) & 1;
    if (IsNumeric(c.type, mariadb)) {
      c.is_unsigned = numeric_idx < md.unsigned_bits.size() && md.unsigned_bits[numeric_idx];
      ++numeric_idx;
    }
    if (c.type == kTypeYear) c.is_unsigned = true;
    col.is_unsigned = c.is_unsigned;
    if (IsCharacter(c.type, mariadb)) {
      if (char_idx < md.charsets.size()) c.collation = md.charsets[char_idx];
      ++char_idx;
    } else if (IsEnumOrSet(c.type)) {
      if (enum_set_idx < md.enum_charsets.size()) c.collation = md.enum_charsets[enum_set_idx];
      ++enum_set_idx;
      const auto& src = c.type == kTypeEnum ? md.enum_values : md.set_values;
      size_t& idx = c.type == kTypeEnum ? enum_idx : set_idx;
      if (idx < src.size()) {
        Utf8Converter conv;
        col.elements.reserve(src[idx].size());
        for (const auto& v : src[idx]) {
          std::string utf8;
          if (!conv.Convert(c.collation, v, &utf8).ok()) utf8 = v;
          col.elements.push_back(std::move(utf8));
        }
      }
      ++idx;
    }
    col.collation = c.collation;
    c.is_text = (c.type == kTypeString || c.type == kTypeVarchar || c.type == kTypeVarString ||
                 c.type == kTypeBlob) &&
                !IsBinary(c.collation);
    SLUICE_RETURN_IF_ERROR(MapType(c, qualified, &col));
  }
  for (size_t idx : md.pk) {
    if (idx >= n)
      return base::DataLoss("TABLE_MAP of {}: primary key index {} out of range", qualified, idx);
    schema->columns[idx].is_primary_key = true;
    schema->primary_key.push_back(idx);
  }
  out->schema = std::move(schema);
  return base::Status::Ok();
}

}  // namespace sluice::source::mysql
