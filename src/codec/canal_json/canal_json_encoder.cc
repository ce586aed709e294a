#include "codec/canal_json/canal_json_encoder.h"

#include <chrono>
#include <limits>

#include "codec/common/ddl_type.h"
#include "codec/common/json_writer.h"

namespace sluice::codec::canal_json {
namespace {

using model::Column;
using model::ColumnType;
using model::RowOp;
using model::TypeFamily;
using model::Value;

// java.sql.Types codes.
constexpr int32_t kJavaBit = -7;
constexpr int32_t kJavaTinyInt = -6;
constexpr int32_t kJavaBigInt = -5;
constexpr int32_t kJavaNull = 0;
constexpr int32_t kJavaChar = 1;
constexpr int32_t kJavaDecimal = 3;
constexpr int32_t kJavaInteger = 4;
constexpr int32_t kJavaSmallInt = 5;
constexpr int32_t kJavaReal = 7;
constexpr int32_t kJavaDouble = 8;
constexpr int32_t kJavaVarChar = 12;
constexpr int32_t kJavaDate = 91;
constexpr int32_t kJavaTime = 92;
constexpr int32_t kJavaTimestamp = 93;
constexpr int32_t kJavaBlob = 2004;
constexpr int32_t kJavaClob = 2005;

bool IsIntegerType(ColumnType t) {
  return t == ColumnType::kTinyInt || t == ColumnType::kSmallInt || t == ColumnType::kMediumInt ||
         t == ColumnType::kInt || t == ColumnType::kBigInt;
}

bool TakesUnsignedSuffix(ColumnType t) {
  return IsIntegerType(t) || t == ColumnType::kFloat || t == ColumnType::kDouble ||
         t == ColumnType::kDecimal;
}

bool IsKeyColumn(const model::TableSchema& table, size_t i) {
  for (size_t k : table.primary_key) {
    if (k == i) return true;
  }
  return false;
}

void AppendQuotedElements(const std::vector<std::string>& elements, std::string* out) {
  out->push_back('(');
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->push_back('\'');
    for (char c : elements[i]) {
      if (c == '\'') out->push_back('\'');
      out->push_back(c);
    }
    out->push_back('\'');
  }
  out->push_back(')');
}

void AppendParen(uint64_t n, std::string* out) {
  out->push_back('(');
  model::AppendUInt(n, out);
  out->push_back(')');
}

// Writes one column value: null, ISO-8859-1 bytes for binary columns, else UTF-8 text.
void WriteValue(const Column& col, const Value& v, const model::FormatOptions& fmt,
                std::string* scratch, JsonWriter* w) {
  if (v.is_null()) {
    w->Null();
    return;
  }
  const std::string* text;
  if (v.kind() == Value::Kind::kString || v.kind() == Value::Kind::kDecimal) {
    text = &v.as_string();
  } else {
    scratch->clear();
    model::AppendValueText(col, v, fmt, scratch);
    text = scratch;
  }
  if (model::IsBinaryColumn(col)) {
    w->Latin1String(*text);
  } else {
    w->String(*text);
  }
}

}  // namespace

int64_t SystemWallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int CharsetMaxBytes(uint32_t id) {
  if (id >= 1024 && id < 2048) id -= 1024;  // MariaDB NOPAD variants of the same charset
  if (id >= 2048 && id < 2304) return 3;    // MariaDB utf8mb3 UCA 14.0.0
  if (id >= 2304 && id < 2560) return 4;    // utf8mb4
  if (id >= 2560 && id < 2816) return 2;    // ucs2
  if (id >= 2816 && id < 3328) return 4;    // utf16, utf32
  switch (id) {
    case 0:
      return 0;
    case 1:
    case 84:  // big5
    case 13:
    case 88:  // sjis
    case 19:
    case 85:  // euckr
    case 24:
    case 86:  // gb2312
    case 28:
    case 87:  // gbk
    case 95:
    case 96:  // cp932
    case 35:
    case 90:  // ucs2
      return 2;
    case 12:
    case 91:  // ujis
    case 97:
    case 98:  // eucjpms
    case 33:
    case 83:
    case 223:  // utf8mb3
      return 3;
    case 45:
    case 46:  // utf8mb4
    case 54:
    case 55:
    case 56:
    case 62:  // utf16, utf16le
    case 60:
    case 61:  // utf32
      return 4;
    default:
      break;
  }
  if (id >= 101 && id <= 124) return 4;  // utf16
  if (id >= 128 && id <= 151) return 2;  // ucs2
  if (id >= 160 && id <= 183) return 4;  // utf32
  if (id >= 192 && id <= 215) return 3;  // utf8mb3
  if (id >= 224 && id <= 250) return 4;  // utf8mb4, gb18030
  if (id >= 255 && id <= 323) return 4;  // MySQL 8 utf8mb4
  if (id < 100) return 1;                // the single-byte charsets
  return 0;
}

// An unsigned integer column's java.sql.Types widen with the value, as TiCDC does.
int32_t JavaIntegerType(const Column& col, const Value& v) {
  int32_t base = col.type == ColumnType::kTinyInt    ? kJavaTinyInt
                 : col.type == ColumnType::kSmallInt ? kJavaSmallInt
                 : col.type == ColumnType::kBigInt   ? kJavaBigInt
                                                     : kJavaInteger;
  if (!col.is_unsigned) return base;
  uint64_t n;
  if (v.kind() == Value::Kind::kUInt) {
    n = v.as_uint();
  } else if (v.kind() == Value::Kind::kInt) {
    n = static_cast<uint64_t>(v.as_int());
  } else {
    return base;  // NULL / absent
  }
  switch (col.type) {
    case ColumnType::kTinyInt:
      return n > 127 ? kJavaSmallInt : base;
    case ColumnType::kSmallInt:
      return n > 32767 ? kJavaInteger : base;
    case ColumnType::kInt:
      return n > 2147483647 ? kJavaBigInt : base;
    case ColumnType::kBigInt:
      return n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? kJavaDecimal : base;
    default:
      return base;
  }
}

int32_t JavaSqlType(const Column& col, const Value& v) {
  switch (model::FamilyOf(col.type)) {
    case TypeFamily::kNull:
      return kJavaNull;
    case TypeFamily::kInteger:
      return JavaIntegerType(col, v);
    case TypeFamily::kFloatingPoint:
      return col.type == ColumnType::kFloat ? kJavaReal : kJavaDouble;
    case TypeFamily::kDecimal:
      return kJavaDecimal;
    case TypeFamily::kYear:
    case TypeFamily::kJson:
      return kJavaVarChar;
    case TypeFamily::kDate:
      return kJavaDate;
    case TypeFamily::kTime:
      return kJavaTime;
    case TypeFamily::kDateTime:
    case TypeFamily::kTimestamp:
      return kJavaTimestamp;
    case TypeFamily::kText:
      if (col.is_binary()) return kJavaBlob;
      return col.type == ColumnType::kChar      ? kJavaChar
             : col.type == ColumnType::kVarChar ? kJavaVarChar
                                                : kJavaClob;
    case TypeFamily::kBytes:
    case TypeFamily::kGeometry:
      return kJavaBlob;
    case TypeFamily::kEnum:
      return kJavaInteger;
    case TypeFamily::kSet:
    case TypeFamily::kBit:
      return kJavaBit;
  }
  return kJavaNull;
}

void AppendMySqlType(const Column& col, bool full, std::string* out) {
  ColumnType t = col.type;
  bool bin = col.is_binary();
  // Binary-collation character columns are the binary types.
  if (bin) {
    switch (t) {
      case ColumnType::kChar:
        t = ColumnType::kBinary;
        break;
      case ColumnType::kVarChar:
        t = ColumnType::kVarBinary;
        break;
      case ColumnType::kTinyText:
        t = ColumnType::kTinyBlob;
        break;
      case ColumnType::kText:
        t = ColumnType::kBlob;
        break;
      case ColumnType::kMediumText:
        t = ColumnType::kMediumBlob;
        break;
      case ColumnType::kLongText:
        t = ColumnType::kLongBlob;
        break;
      default:
        break;
    }
  }
  out->append(model::ColumnTypeName(t));
  if (full) {
    switch (t) {
      case ColumnType::kTinyInt:
        AppendParen(col.is_unsigned ? 3 : 4, out);
        break;
      case ColumnType::kSmallInt:
        AppendParen(col.is_unsigned ? 5 : 6, out);
        break;
      case ColumnType::kMediumInt:
        AppendParen(col.is_unsigned ? 8 : 9, out);
        break;
      case ColumnType::kInt:
        AppendParen(col.is_unsigned ? 10 : 11, out);
        break;
      case ColumnType::kBigInt:
        AppendParen(20, out);
        break;
      case ColumnType::kYear:
        AppendParen(4, out);
        break;
      case ColumnType::kBit:
        AppendParen(col.length, out);
        break;
      case ColumnType::kDecimal:
        out->push_back('(');
        model::AppendUInt(col.precision, out);
        out->push_back(',');
        model::AppendUInt(col.scale, out);
        out->push_back(')');
        break;
      case ColumnType::kTime:
      case ColumnType::kDateTime:
      case ColumnType::kTimestamp:
        if (col.fsp > 0) AppendParen(col.fsp, out);
        break;
      case ColumnType::kChar:
      case ColumnType::kVarChar: {
        int mb = CharsetMaxBytes(col.collation);
        AppendParen(mb > 1 ? col.length / static_cast<uint32_t>(mb) : col.length, out);
        break;
      }
      case ColumnType::kBinary:
      case ColumnType::kVarBinary:
        AppendParen(col.length, out);
        break;
      case ColumnType::kEnum:
      case ColumnType::kSet:
        AppendQuotedElements(col.elements, out);
        break;
      default:
        break;
    }
  }
  if (col.is_unsigned && TakesUnsignedSuffix(t)) out->append(" unsigned");
}

CanalJsonEncoder::CanalJsonEncoder(CanalJsonOptions options, WallClockMs clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  if (options_.content_compatible) options_.only_output_updated_columns = true;
}

base::Status CanalJsonEncoder::EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                                         Message* out) {
  return EncodeRowImpl(row, txn, LargeMode::kNone, {}, out);
}

base::Status CanalJsonEncoder::EncodeRowHandleKeyOnly(const model::RowChange& row,
                                                      const model::TxnInfo& txn, Message* out) {
  return EncodeRowImpl(row, txn, LargeMode::kHandleKeyOnly, {}, out);
}

base::Status CanalJsonEncoder::EncodeRowClaimCheck(const model::RowChange& row,
                                                   const model::TxnInfo& txn,
                                                   std::string_view location, Message* out) {
  return EncodeRowImpl(row, txn, LargeMode::kClaimCheck, location, out);
}

const CanalJsonEncoder::TableCache& CanalJsonEncoder::CacheFor(const model::TableSchemaPtr& table) {
  if (cache_.table == table) return cache_;
  cache_.table = table;
  cache_.keys.clear();
  cache_.mysql_types.clear();
  JsonWriter w(&cache_.mysql_types);
  w.BeginObject();
  for (const auto& column : table->columns) {
    std::string key;
    AppendJsonString(column.name, &key);
    w.EscapedKey(key);
    scratch_.clear();
    AppendMySqlType(column, options_.content_compatible, &scratch_);
    w.String(scratch_);
    cache_.keys.push_back(std::move(key));
  }
  w.EndObject();
  return cache_;
}

void CanalJsonEncoder::WriteColumnTypes(const model::TableSchema& table,
                                        const std::vector<Value>& image, bool only_key,
                                        const TableCache& cache, JsonWriter* w) {
  const size_t ncols = table.columns.size();
  auto emitted = [&](size_t i) {
    return !image[i].is_absent() && (!only_key || IsKeyColumn(table, i));
  };
  size_t listed = 0;
  for (size_t i = 0; i < ncols; ++i) listed += emitted(i) ? 1 : 0;
  const bool any = listed > 0;
  w->Key("sqlType");
  if (!any) {
    w->Null();
  } else {
    w->BeginObject();
    for (size_t i = 0; i < ncols; ++i) {
      if (!emitted(i)) continue;
      w->EscapedKey(cache.keys[i]);
      w->Int(JavaSqlType(table.columns[i], image[i]));
    }
    w->EndObject();
  }
  w->Key("mysqlType");
  if (!any) {
    w->Null();
  } else if (listed == ncols) {
    w->Raw(cache.mysql_types);
  } else {
    w->BeginObject();
    for (size_t i = 0; i < ncols; ++i) {
      if (!emitted(i)) continue;
      w->EscapedKey(cache.keys[i]);
      scratch_.clear();
      AppendMySqlType(table.columns[i], options_.content_compatible, &scratch_);
      w->String(scratch_);
    }
    w->EndObject();
  }
}

base::Status CanalJsonEncoder::EncodeRowImpl(const model::RowChange& row, const model::TxnInfo& txn,
                                             LargeMode mode, std::string_view location,
                                             Message* out) {
  if (!row.table) return base::InvalidArgument("canal-json: row change has no table schema");
  const model::TableSchema& table = *row.table;
  const size_t ncols = table.columns.size();
  const bool is_delete = row.op == RowOp::kDelete;
  const bool is_update = row.op == RowOp::kUpdate;
  if ((row.op != RowOp::kInsert && row.before.size() != ncols) ||
      (!is_delete && row.after.size() != ncols)) {
    return base::InvalidArgument(
        "canal-json: row image of {}.{} has {} before / {} after values but the table has {} "
        "columns",
        table.schema, table.table, row.before.size(), row.after.size(), ncols);
  }
  if (mode != LargeMode::kNone) {
    if (!options_.enable_tidb_extension) {
      return base::FailedPrecondition(
          "canal-json large-message handling needs enable-tidb-extension=true");
    }
    if (table.primary_key.empty()) {
      return base::FailedPrecondition(
          "canal-json handle-key-only message for {}.{} needs a primary key; the table has none",
          table.schema, table.table);
    }
  }
  const bool only_key =
      mode != LargeMode::kNone ||
      (is_delete && options_.delete_only_output_handle_key_columns && !table.primary_key.empty());
  // The image that decides the columns listed in sqlType/mysqlType.
  const std::vector<Value>& type_image = is_delete ? row.before : row.after;
  const model::FormatOptions& fmt = options_.format;
  const TableCache& cache = CacheFor(row.table);
  auto emitted = [&](const std::vector<Value>& image, size_t i) {
    return !image[i].is_absent() && (!only_key || IsKeyColumn(table, i));
  };

  out->key.reset();
  std::string* s = &out->value;
  s->clear();
  if (s->capacity() < size_hint_) s->reserve(size_hint_);
  JsonWriter w(s);
  w.BeginObject();
  w.Key("id");
  w.Int(0);
  w.Key("database");
  w.String(table.schema);
  w.Key("table");
  w.String(table.table);
  w.Key("pkNames");
  w.BeginArray();
  for (size_t k : table.primary_key) {
    if (k < ncols) w.String(table.columns[k].name);
  }
  w.EndArray();
  w.Key("isDdl");
  w.Bool(false);
  w.Key("type");
  w.String(is_delete ? "DELETE" : is_update ? "UPDATE" : "INSERT");
  w.Key("es");
  w.UInt(txn.commit_time_ms);
  w.Key("ts");
  w.Int(clock_());
  w.Key("sql");
  w.String("");

  WriteColumnTypes(table, type_image, only_key, cache, &w);

  auto write_image = [&](const std::vector<Value>& image, const std::vector<Value>* newer) {
    w.BeginArray();
    w.BeginObject();
    for (size_t i = 0; i < ncols; ++i) {
      if (!emitted(image, i)) continue;
      if (newer && !(*newer)[i].is_absent() && (*newer)[i] == image[i]) continue;
      w.EscapedKey(cache.keys[i]);
      WriteValue(table.columns[i], image[i], fmt, &scratch_, &w);
    }
    w.EndObject();
    w.EndArray();
  };
  w.Key("old");
  if (is_update) {
    write_image(row.before, options_.only_output_updated_columns ? &row.after : nullptr);
  } else {
    w.Null();
  }
  w.Key("data");
  write_image(is_delete ? row.before : row.after, nullptr);

  if (options_.enable_tidb_extension) {
    w.Key("_tidb");
    w.BeginObject();
    w.Key("commitTs");
    w.UInt(txn.commit_ts);
    if (mode == LargeMode::kHandleKeyOnly) {
      w.Key("onlyHandleKey");
      w.Bool(true);
    } else if (mode == LargeMode::kClaimCheck) {
      w.Key("claimCheckLocation");
      w.String(location);
    }
    w.EndObject();
  }
  w.EndObject();
  size_hint_ = s->size() + s->size() / 16 + 16;
  return base::Status::Ok();
}

base::Status CanalJsonEncoder::EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                         Message* out) {
  DdlInfo info = ClassifyDdl(ddl.sql);
  auto [database, table] = TargetOf(ddl, info);
  out->key.reset();
  std::string* s = &out->value;
  s->clear();
  JsonWriter w(s);
  w.BeginObject();
  w.Key("id");
  w.Int(0);
  w.Key("database");
  w.String(database);
  w.Key("table");
  w.String(table);
  w.Key("pkNames");
  w.Null();
  w.Key("isDdl");
  w.Bool(true);
  w.Key("type");
  w.String(DdlTypeName(info.type));
  w.Key("es");
  w.UInt(txn.commit_time_ms);
  w.Key("ts");
  w.Int(clock_());
  w.Key("sql");
  w.String(ddl.sql);
  s->append(R"(,"sqlType":null,"mysqlType":null,"data":null,"old":null)");
  if (options_.enable_tidb_extension) {
    s->append(R"(,"_tidb":{"commitTs":)");
    model::AppendUInt(txn.commit_ts, s);
    s->push_back('}');
  }
  s->push_back('}');
  return base::Status::Ok();
}

bool CanalJsonEncoder::EncodeWatermark(uint64_t commit_ts, Message* out) {
  if (!options_.enable_tidb_extension) return false;
  out->key.reset();
  std::string* s = &out->value;
  s->clear();
  s->append(
      R"({"id":0,"database":"","table":"","pkNames":null,"isDdl":false,"type":"TIDB_WATERMARK","es":)");
  model::AppendUInt(commit_ts >> 18, s);
  s->append(R"(,"ts":)");
  model::AppendInt(clock_(), s);
  s->append(
      R"(,"sql":"","sqlType":null,"mysqlType":null,"data":null,"old":null,"_tidb":{"watermarkTs":)");
  model::AppendUInt(commit_ts, s);
  s->append("}}");
  return true;
}

}  // namespace sluice::codec::canal_json
