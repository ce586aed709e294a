#include "source/mysql/mysql_snapshot.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <mariadb/mysql.h>
#include <mariadb/mysqld_error.h>

#include "base/logging.h"
#include "model/time_zone.h"
#include "model/value_text.h"

namespace sluice::source::mysql {
namespace {

using model::ColumnType;
using model::Value;
using snapshot::Key;
using snapshot::PartOrder;

std::string QuoteId(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string Qualified(const std::string& schema, const std::string& table) {
  return QuoteId(schema) + "." + QuoteId(table);
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

std::string HexLiteral(std::string_view bytes) {
  std::string out = "X'";
  AppendHex(bytes, &out);
  return out + "'";
}

template <typename T>
bool ParseNum(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Fraction digits "123" -> microseconds 123000.
uint32_t Micros(std::string_view frac) {
  uint32_t us = 0;
  for (size_t i = 0; i < 6; ++i) {
    us = us * 10 + (i < frac.size() && frac[i] >= '0' && frac[i] <= '9' ? frac[i] - '0' : 0);
  }
  return us;
}

// "YYYY-MM-DD" into t.
bool ParseDate(std::string_view s, model::Temporal* t) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  unsigned m = 0, d = 0;
  if (!ParseNum(s.substr(0, 4), &t->year) || !ParseNum(s.substr(5, 2), &m) ||
      !ParseNum(s.substr(8, 2), &d)) {
    return false;
  }
  t->month = static_cast<uint8_t>(m);
  t->day = static_cast<uint8_t>(d);
  return true;
}

// "[-]H..H:MM:SS[.ffffff]" into t.
bool ParseTime(std::string_view s, model::Temporal* t) {
  if (!s.empty() && s.front() == '-') {
    t->negative = true;
    s.remove_prefix(1);
  }
  size_t c1 = s.find(':');
  if (c1 == std::string_view::npos || s.size() < c1 + 6 || s[c1 + 3] != ':') return false;
  unsigned mi = 0, se = 0;
  if (!ParseNum(s.substr(0, c1), &t->hour) || !ParseNum(s.substr(c1 + 1, 2), &mi) ||
      !ParseNum(s.substr(c1 + 4, 2), &se)) {
    return false;
  }
  t->minute = static_cast<uint8_t>(mi);
  t->second = static_cast<uint8_t>(se);
  if (s.size() > c1 + 6) {
    if (s[c1 + 6] != '.') return false;
    t->micros = Micros(s.substr(c1 + 7));
  }
  return true;
}

bool ParseDateTime(std::string_view s, model::Temporal* t) {
  if (!ParseDate(s, t)) return false;
  if (s.size() == 10) return true;
  if (s.size() < 19 || s[10] != ' ') return false;
  return ParseTime(s.substr(11), t) && !t->negative;
}

// The SELECT expression for a column: values the text protocol cannot give in the binlog's
// canonical form are converted by the server.
std::string SelectExpr(const model::Column& c) {
  switch (c.type) {
    case ColumnType::kEnum:
    case ColumnType::kSet:
    case ColumnType::kBit:
      return QuoteId(c.name) + "+0";
    case ColumnType::kFloat:
      return "CAST(" + QuoteId(c.name) + " AS DOUBLE)";  // 17 digits: the float exactly
    default:
      return QuoteId(c.name);
  }
}

// One text value of column `c` as model::Value (the binlog decoder's canonical form).
base::Result<Value> DecodeText(const model::Column& c, const char* data, size_t len) {
  if (!data) return Value::Null();
  std::string_view s(data, len);
  auto bad = [&] {
    return base::DataLoss("column {} ({}): cannot read the value '{}'", c.name,
                          model::ColumnTypeName(c.type), s.substr(0, 64));
  };
  switch (c.type) {
    case ColumnType::kTinyInt:
    case ColumnType::kSmallInt:
    case ColumnType::kMediumInt:
    case ColumnType::kInt:
    case ColumnType::kBigInt:
      if (c.is_unsigned) {
        uint64_t u;
        if (!ParseNum(s, &u)) return bad();
        return Value::UInt(u);
      } else {
        int64_t i;
        if (!ParseNum(s, &i)) return bad();
        return Value::Int(i);
      }
    case ColumnType::kYear:
    case ColumnType::kEnum:
    case ColumnType::kSet:
    case ColumnType::kBit: {
      uint64_t u;
      if (!ParseNum(s, &u)) return bad();
      return Value::UInt(u);
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      std::string text(s);
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0') return bad();
      return c.type == ColumnType::kFloat ? Value::Float(static_cast<float>(d)) : Value::Double(d);
    }
    case ColumnType::kDecimal:
      return Value::Decimal(std::string(s));
    case ColumnType::kDate: {
      model::Temporal t;
      if (!ParseDate(s, &t) || s.size() != 10) return bad();
      return Value::Date(t);
    }
    case ColumnType::kTime: {
      model::Temporal t;
      if (!ParseTime(s, &t)) return bad();
      return Value::Time(t);
    }
    case ColumnType::kDateTime: {
      model::Temporal t;
      if (!ParseDateTime(s, &t)) return bad();
      return Value::DateTime(t);
    }
    case ColumnType::kTimestamp: {
      model::Temporal t;
      if (!ParseDateTime(s, &t)) return bad();
      if (t.year == 0) return Value::Timestamp(0, 0);  // the zero TIMESTAMP
      int64_t days = model::DaysFromCivil(t.year, t.month, t.day);
      int64_t secs = days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
      return Value::Timestamp(secs, t.micros);
    }
    default:
      return Value::String(s);  // text (utf8mb4 from the server), binary bytes, GEOMETRY
  }
}

// The SQL literal of key value `v` of column `c`, compared the way the column compares.
base::Result<std::string> Literal(const model::Column& c, const Value& v,
                                  const CollationMap& collations) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return std::to_string(v.as_int());
    case Value::Kind::kUInt:
      return std::to_string(v.as_uint());
    case Value::Kind::kDecimal:
      return v.as_string();
    case Value::Kind::kDate:
    case Value::Kind::kTime:
    case Value::Kind::kDateTime:
    case Value::Kind::kTimestamp: {
      // Full microseconds: the literal compares equal to the stored value whatever its fsp.
      std::string out = "'";
      if (v.kind() == Value::Kind::kDate) {
        model::AppendDate(v.as_temporal(), &out);
      } else if (v.kind() == Value::Kind::kTime) {
        model::AppendTime(v.as_temporal(), 6, &out);
      } else if (v.kind() == Value::Kind::kDateTime) {
        model::AppendDateTime(v.as_temporal(), 6, &out);
      } else {
        // The readers' session is in UTC (NewReader), so a TIMESTAMP literal is UTC.
        model::AppendTimestamp(v.timestamp_seconds(), v.timestamp_micros(), 6, model::TimeZone(),
                               &out);
      }
      return out + "'";
    }
    case Value::Kind::kString: {
      if (model::FamilyOf(c.type) != model::TypeFamily::kText || c.is_binary()) {
        return HexLiteral(v.as_string());
      }
      auto it = collations.find(c.collation);
      if (it == collations.end()) {
        return base::FailedPrecondition("column {}: unknown collation id {}", c.name, c.collation);
      }
      return fmt::format("CONVERT(_utf8mb4 {} USING {}) COLLATE {}", HexLiteral(v.as_string()),
                         it->second.charset, it->second.name);
    }
    default:
      return base::Internal("column {}: a key value of this kind has no literal", c.name);
  }
}

// `(k1, k2, ...) <op> (v1, v2, ...)` as the OR-expansion the range optimizer uses:
// k1 > v1 OR (k1 = v1 AND (k2 > v2 OR ...)). `op` is ">" or "<="; "<=" ends with equality.
base::Result<std::string> RangePredicate(const snapshot::TableInfo& info, const Key& key,
                                         bool greater, const CollationMap& collations) {
  const auto& cols = info.schema->columns;
  std::string out;
  size_t n = info.key.size();
  if (key.size() != n) {
    return base::Internal("a key of {} parts for a {}-part primary key", key.size(), n);
  }
  std::string closing;
  for (size_t i = 0; i < n; ++i) {
    const model::Column& c = cols[info.key[i]];
    SLUICE_ASSIGN_OR_RETURN(std::string lit, Literal(c, key[i], collations));
    std::string col = QuoteId(c.name);
    bool last = i + 1 == n;
    if (last) {
      out += col + (greater ? " > " : " <= ") + lit;
    } else {
      out += "(" + col + (greater ? " > " : " < ") + lit + " OR (" + col + " = " + lit + " AND ";
      closing += "))";
    }
  }
  return out + closing;
}

// Maps one information_schema.COLUMNS row to a model::Column as table_map.cc maps the binlog's
// TABLE_MAP. Returns the key order of the column (or nullopt: no exact order here).
struct CatalogColumn {
  model::Column column;
  std::optional<PartOrder> order;
};

base::Result<CatalogColumn> MapColumn(const std::vector<std::optional<std::string>>& r,
                                      const std::map<std::string, uint32_t>& collation_ids,
                                      const std::string& table) {
  // 0 name, 1 data_type, 2 column_type, 3 is_nullable, 4 octet length, 5 numeric precision,
  // 6 numeric scale, 7 datetime precision, 8 collation name
  auto text = [&](size_t i) { return r[i] ? *r[i] : std::string(); };
  auto num = [&](size_t i) -> uint64_t {
    uint64_t v = 0;
    if (r[i]) ParseNum(*r[i], &v);
    return v;
  };
  CatalogColumn out;
  model::Column& c = out.column;
  c.name = text(0);
  const std::string type = text(1);
  const std::string column_type = text(2);
  c.nullable = text(3) == "YES";
  c.is_unsigned = column_type.find("unsigned") != std::string::npos;
  std::string coll = text(8);
  if (!coll.empty()) {
    auto it = collation_ids.find(coll);
    c.collation = it == collation_ids.end() ? 0 : it->second;
  }
  auto set = [&](ColumnType t, std::optional<PartOrder> order) {
    c.type = t;
    out.order = order;
  };
  if (type == "tinyint") {
    set(ColumnType::kTinyInt, c.is_unsigned ? PartOrder::kUnsigned : PartOrder::kSigned);
  } else if (type == "smallint") {
    set(ColumnType::kSmallInt, c.is_unsigned ? PartOrder::kUnsigned : PartOrder::kSigned);
  } else if (type == "mediumint") {
    set(ColumnType::kMediumInt, c.is_unsigned ? PartOrder::kUnsigned : PartOrder::kSigned);
  } else if (type == "int") {
    set(ColumnType::kInt, c.is_unsigned ? PartOrder::kUnsigned : PartOrder::kSigned);
  } else if (type == "bigint") {
    set(ColumnType::kBigInt, c.is_unsigned ? PartOrder::kUnsigned : PartOrder::kSigned);
  } else if (type == "float") {
    set(ColumnType::kFloat, std::nullopt);
  } else if (type == "double") {
    set(ColumnType::kDouble, std::nullopt);
  } else if (type == "decimal") {
    set(ColumnType::kDecimal, PartOrder::kDecimal);
    c.precision = static_cast<uint8_t>(num(5));
    c.scale = static_cast<uint8_t>(num(6));
  } else if (type == "year") {
    set(ColumnType::kYear, PartOrder::kUnsigned);
    c.is_unsigned = true;
  } else if (type == "date") {
    set(ColumnType::kDate, PartOrder::kTemporal);
  } else if (type == "time") {
    set(ColumnType::kTime, PartOrder::kTemporal);
    c.fsp = static_cast<uint8_t>(num(7));
  } else if (type == "datetime") {
    set(ColumnType::kDateTime, PartOrder::kTemporal);
    c.fsp = static_cast<uint8_t>(num(7));
  } else if (type == "timestamp") {
    set(ColumnType::kTimestamp, PartOrder::kTimestamp);
    c.fsp = static_cast<uint8_t>(num(7));
  } else if (type == "bit") {
    set(ColumnType::kBit, std::nullopt);
    c.length = static_cast<uint32_t>(num(5));
  } else if (type == "char" || type == "binary") {
    if (coll.empty()) c.collation = model::kBinaryCollation;
    bool bin = c.is_binary();
    set(bin ? ColumnType::kBinary : ColumnType::kChar,
        bin ? PartOrder::kBytes : PartOrder::kCollated);
    c.length = static_cast<uint32_t>(num(4));
  } else if (type == "varchar" || type == "varbinary") {
    if (coll.empty()) c.collation = model::kBinaryCollation;
    bool bin = c.is_binary();
    set(bin ? ColumnType::kVarBinary : ColumnType::kVarChar,
        bin ? PartOrder::kBytes : PartOrder::kCollated);
    c.length = static_cast<uint32_t>(num(4));
  } else if (type == "tinytext" || type == "text" || type == "mediumtext" || type == "longtext" ||
             type == "tinyblob" || type == "blob" || type == "mediumblob" || type == "longblob" ||
             type == "json") {
    if (coll.empty()) c.collation = model::kBinaryCollation;
    bool bin = c.is_binary();
    static constexpr ColumnType kBlobs[] = {ColumnType::kTinyBlob, ColumnType::kBlob,
                                            ColumnType::kMediumBlob, ColumnType::kLongBlob};
    static constexpr ColumnType kTexts[] = {ColumnType::kTinyText, ColumnType::kText,
                                            ColumnType::kMediumText, ColumnType::kLongText};
    size_t pack = 3;  // long*, and MySQL's json
    if (type.rfind("tiny", 0) == 0) {
      pack = 0;
    } else if (type == "text" || type == "blob") {
      pack = 1;
    } else if (type.rfind("medium", 0) == 0) {
      pack = 2;
    }
    set(bin ? kBlobs[pack] : kTexts[pack], bin ? PartOrder::kBytes : PartOrder::kCollated);
    c.length = static_cast<uint32_t>(pack + 1);
  } else if (type == "enum" || type == "set") {
    // Members from COLUMN_TYPE: enum('a','it''s',...).
    size_t open = column_type.find('(');
    size_t close = column_type.rfind(')');
    if (open != std::string::npos && close != std::string::npos && close > open) {
      std::string_view body(column_type.data() + open + 1, close - open - 1);
      size_t i = 0;
      while (i < body.size()) {
        if (body[i] != '\'') {
          ++i;
          continue;
        }
        std::string member;
        ++i;
        while (i < body.size()) {
          if (body[i] == '\'' && i + 1 < body.size() && body[i + 1] == '\'') {
            member += '\'';
            i += 2;
          } else if (body[i] == '\'') {
            ++i;
            break;
          } else if (body[i] == '\\' && i + 1 < body.size()) {
            member += body[i + 1];
            i += 2;
          } else {
            member += body[i++];
          }
        }
        c.elements.push_back(std::move(member));
      }
    }
    set(type == "enum" ? ColumnType::kEnum : ColumnType::kSet, std::nullopt);
    if (type == "enum") {
      c.length = c.elements.size() > 255 ? 2 : 1;
    } else {
      uint32_t bytes = static_cast<uint32_t>((c.elements.size() + 7) / 8);
      c.length = bytes > 4 ? 8 : bytes;
    }
  } else if (type == "geometry" || type == "point" || type == "linestring" ||
             type == "polygon" || type == "multipoint" || type == "multilinestring" ||
             type == "multipolygon" || type == "geometrycollection") {
    set(ColumnType::kGeometry, std::nullopt);
    c.collation = model::kBinaryCollation;
    c.length = 4;
  } else {
    return base::Unimplemented("column {}.{} has type {}, which sluice cannot snapshot", table,
                               c.name, column_type);
  }
  return out;
}

class MySqlOracle : public snapshot::CollationOracle {
 public:
  explicit MySqlOracle(MySqlSnapshotDatabase* db) : db_(db) {}
  base::Status Compare(std::span<const snapshot::TextComparison> cs,
                       std::vector<int>* out) override {
    out->clear();
    SLUICE_ASSIGN_OR_RETURN(auto collations, db_->Collations());
    if (!conn_) {
      SLUICE_ASSIGN_OR_RETURN(conn_, MySqlConnection::Connect(db_->Connection()));
    }
    constexpr size_t kBatch = 400;
    for (size_t start = 0; start < cs.size(); start += kBatch) {
      std::string sql = "SELECT ";
      size_t end = std::min(cs.size(), start + kBatch);
      for (size_t i = start; i < end; ++i) {
        const auto& c = cs[i];
        const model::Column& col = c.table->columns[c.column];
        SLUICE_ASSIGN_OR_RETURN(std::string a, Literal(col, Value::String(c.a), *collations));
        SLUICE_ASSIGN_OR_RETURN(std::string b, Literal(col, Value::String(c.b), *collations));
        if (i > start) sql += ", ";
        sql += "STRCMP(" + a + ", " + b + ")";
      }
      auto r = conn_->Query(sql);
      if (!r.ok()) {
        conn_.reset();
        return r.status().WithContext("comparing keys in their collation");
      }
      if (r->rows.size() != 1 || r->rows[0].size() != end - start) {
        return base::Internal("STRCMP batch returned {} rows", r->rows.size());
      }
      for (const auto& v : r->rows[0]) {
        int x = v ? std::atoi(v->c_str()) : 0;
        out->push_back(x);
      }
    }
    return base::Status::Ok();
  }

 private:
  MySqlSnapshotDatabase* db_;
  std::unique_ptr<MySqlConnection> conn_;
};

class MySqlChunkReader : public snapshot::ChunkReader {
 public:
  MySqlChunkReader(std::unique_ptr<MySqlConnection> conn,
                   std::shared_ptr<const CollationMap> collations)
      : conn_(std::move(conn)), collations_(std::move(collations)) {
    for (const auto& [id, c] : *collations_) collation_ids_[c.name] = id;
  }

  base::Result<std::optional<Key>> NextBoundary(const snapshot::TableInfo& info,
                                                const std::optional<Key>& lo,
                                                size_t rows) override {
    std::string cols, order;
    for (size_t k : info.key) {
      if (!cols.empty()) {
        cols += ", ";
        order += ", ";
      }
      cols += SelectExpr(info.schema->columns[k]);
      order += QuoteId(info.schema->columns[k].name);
    }
    std::string sql = fmt::format("SELECT {} FROM {}", cols,
                                  Qualified(info.schema->schema, info.schema->table));
    if (lo) {
      SLUICE_ASSIGN_OR_RETURN(std::string pred, RangePredicate(info, *lo, true, *collations_));
      sql += " WHERE " + pred;
    }
    // The rows-th key, if a row follows it (else the rest is the last chunk).
    sql += fmt::format(" ORDER BY {} LIMIT 2 OFFSET {}", order, rows > 0 ? rows - 1 : 0);
    auto r = conn_->Query(sql);
    if (!r.ok()) return r.status().WithContext("cutting a chunk of " + info.schema->table);
    if (r->rows.size() < 2) return std::optional<Key>();
    Key key;
    for (size_t i = 0; i < info.key.size(); ++i) {
      const auto& v = r->rows[0][i];
      SLUICE_ASSIGN_OR_RETURN(Value x, DecodeText(info.schema->columns[info.key[i]],
                                                   v ? v->data() : nullptr, v ? v->size() : 0));
      key.push_back(std::move(x));
    }
    return std::optional<Key>(std::move(key));
  }

  base::Result<snapshot::ReadPoint> Begin() override {
    auto r = conn_->Query(
        "START TRANSACTION WITH CONSISTENT SNAPSHOT; SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
    if (!r.ok()) return r.status().WithContext("starting a consistent read");
    snapshot::ReadPoint p;
    for (const auto& row : r->rows) {
      if (row.size() < 2 || !row[0] || !row[1]) continue;
      std::string name = *row[0];
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      if (name == "binlog_snapshot_file") p.position.binlog.file = *row[1];
      if (name == "binlog_snapshot_position") ParseNum(*row[1], &p.position.binlog.offset);
    }
    if (p.position.binlog.file.empty()) {
      static_cast<void>(conn_->Exec("ROLLBACK"));
      return base::FailedPrecondition(
          "{} reports no binlog_snapshot_file for a consistent read: snapshots need MariaDB with "
          "the binlog on (MySQL has no such status); set snapshot=never in the source URI",
          conn_->options().Endpoint());
    }
    in_txn_ = true;
    return p;
  }

  base::Result<snapshot::TableInfo> Describe(const snapshot::TableId& id) override {
    auto r = conn_->Query(fmt::format(
        "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, "
        "c.CHARACTER_OCTET_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION, "
        "c.COLLATION_NAME, (SELECT s.SEQ_IN_INDEX FROM information_schema.STATISTICS s WHERE "
        "s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND s.INDEX_NAME = "
        "'PRIMARY' AND s.COLUMN_NAME = c.COLUMN_NAME), t.TABLE_ROWS, t.ENGINE "
        "FROM information_schema.COLUMNS c JOIN information_schema.TABLES t ON "
        "t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
        "WHERE c.TABLE_SCHEMA = '{}' AND c.TABLE_NAME = '{}' ORDER BY c.ORDINAL_POSITION",
        conn_->Escape(id.schema), conn_->Escape(id.table)));
    if (!r.ok()) return r.status().WithContext("describing " + id.Name());
    if (r->rows.empty()) return base::NotFound("table {} does not exist", id.Name());
    auto schema = std::make_shared<model::TableSchema>();
    schema->schema = id.schema;
    schema->table = id.table;
    snapshot::TableInfo info;
    std::vector<std::pair<uint64_t, size_t>> pk;  // (seq, column index)
    std::vector<std::optional<PartOrder>> orders;
    std::string engine;
    for (const auto& row : r->rows) {
      if (row.size() < 12) return base::Internal("describing {}: short catalog row", id.Name());
      SLUICE_ASSIGN_OR_RETURN(CatalogColumn cc, MapColumn(row, collation_ids_, id.Name()));
      if (row[9]) {
        uint64_t seq = 0;
        ParseNum(*row[9], &seq);
        pk.emplace_back(seq, schema->columns.size());
        cc.column.is_primary_key = true;
      }
      if (row[10]) ParseNum(*row[10], &info.estimated_rows);
      if (row[11]) engine = *row[11];
      orders.push_back(cc.order);
      schema->columns.push_back(std::move(cc.column));
    }
    std::sort(pk.begin(), pk.end());
    for (const auto& [seq, i] : pk) schema->primary_key.push_back(i);
    info.schema = schema;
    if (schema->primary_key.empty()) {
      info.one_pass_reason = "no primary key";
    } else {
      for (size_t i : schema->primary_key) {
        if (!orders[i]) {
          info.one_pass_reason = fmt::format("key column {} is {}, whose order is not exact here",
                                             schema->columns[i].name,
                                             model::ColumnTypeName(schema->columns[i].type));
          break;
        }
      }
    }
    if (info.one_pass_reason.empty()) {
      info.key = schema->primary_key;
      for (size_t i : info.key) info.order.push_back(*orders[i]);
    }
    if (!engine.empty() && engine != "InnoDB") {
      // No consistent read to chunk in: one pass, said to be inexact.
      info.one_pass_reason += (info.one_pass_reason.empty() ? "" : "; ") +
                              fmt::format("engine {} is not transactional: the copy is not exact",
                                          engine);
      info.key.clear();
      info.order.clear();
    }
    return info;
  }

  base::Status ReadChunk(const snapshot::TableInfo& info, const std::optional<Key>& lo,
                         const std::optional<Key>& hi, const snapshot::RowSink& sink) override {
    const auto& cols = info.schema->columns;
    std::string sql = "SELECT ";
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += SelectExpr(cols[i]);
    }
    sql += " FROM " + Qualified(info.schema->schema, info.schema->table);
    std::string where;
    if (lo) {
      SLUICE_ASSIGN_OR_RETURN(std::string p, RangePredicate(info, *lo, true, *collations_));
      where = "(" + p + ")";
    }
    if (hi) {
      SLUICE_ASSIGN_OR_RETURN(std::string p, RangePredicate(info, *hi, false, *collations_));
      where += (where.empty() ? "(" : " AND (") + p + ")";
    }
    if (!where.empty()) sql += " WHERE " + where;
    if (info.chunked()) {
      sql += " ORDER BY ";
      for (size_t i = 0; i < info.key.size(); ++i) {
        if (i > 0) sql += ", ";
        sql += QuoteId(cols[info.key[i]].name);
      }
    }
    MYSQL* m = conn_->handle();
    if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
      return ReadError("reading " + info.schema->table);
    }
    MYSQL_RES* res = mysql_use_result(m);
    if (!res) return ReadError("reading " + info.schema->table);
    base::Status st;
    const size_t n = cols.size();
    if (mysql_num_fields(res) != n) {
      mysql_free_result(res);
      return base::Internal("reading {}: {} columns for {}", info.schema->table,
                            mysql_num_fields(res), n);
    }
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* lengths = mysql_fetch_lengths(res);
      std::vector<Value> values;
      values.reserve(n);
      for (size_t i = 0; i < n && st.ok(); ++i) {
        auto v = DecodeText(cols[i], row[i], lengths[i]);
        if (!v.ok()) {
          st = v.status();
          break;
        }
        values.push_back(std::move(v).value());
      }
      if (st.ok()) st = sink(std::move(values));
      if (!st.ok()) break;
    }
    if (st.ok() && mysql_errno(m) != 0) st = ReadError("reading " + info.schema->table);
    if (!st.ok()) {
      // Drain what the server still sends so the connection stays usable (or drop it).
      mysql_free_result(res);
      return st;
    }
    mysql_free_result(res);
    return base::Status::Ok();
  }

  base::Status End() override {
    if (!in_txn_) return base::Status::Ok();
    in_txn_ = false;
    return conn_->Exec("COMMIT");
  }

  void Interrupt() override { conn_->Interrupt(); }

 private:
  base::Status ReadError(const std::string& what) {
    base::Status st = conn_->ErrorStatus(what);
    if (conn_->last_errno() == ER_TABLE_DEF_CHANGED) {
      return base::Aborted("{}: the table's definition changed during its snapshot; the "
                           "changefeed restarts the chunk",
                           what);
    }
    return st;
  }

  std::unique_ptr<MySqlConnection> conn_;
  std::shared_ptr<const CollationMap> collations_;
  std::map<std::string, uint32_t> collation_ids_;
  bool in_txn_ = false;
};

int CompareNum(uint64_t a, uint64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

}  // namespace

int CompareBinlogPositions(const model::BinlogPosition& a, const model::BinlogPosition& b) {
  if (a.file != b.file) {
    if (a.file.empty() || b.file.empty()) return a.file.empty() ? -1 : 1;
    auto ext = [](const std::string& f) -> std::pair<std::string_view, uint64_t> {
      size_t dot = f.rfind('.');
      uint64_t n = 0;
      if (dot == std::string::npos || !ParseNum(std::string_view(f).substr(dot + 1), &n)) {
        return {f, 0};
      }
      return {std::string_view(f).substr(0, dot), n};
    };
    auto [ba, na] = ext(a.file);
    auto [bb, nb] = ext(b.file);
    if (ba != bb) return ba < bb ? -1 : 1;
    if (na != nb) return CompareNum(na, nb);
  }
  return CompareNum(a.offset, b.offset);
}

MySqlSnapshotDatabase::MySqlSnapshotDatabase(MySqlSourceConfig config)
    : config_(std::move(config)) {}

MySqlSnapshotDatabase::~MySqlSnapshotDatabase() = default;

ConnectOptions MySqlSnapshotDatabase::Connection() const {
  ConnectOptions o;
  o.host = config_.host;
  o.port = config_.port;
  o.user = config_.user;
  o.password = config_.password;
  o.connect_timeout = config_.connect_timeout;
  o.read_timeout = std::max(config_.read_timeout, std::chrono::milliseconds(600'000));
  o.write_timeout = config_.read_timeout;
  return o;
}

base::Result<MySqlConnection*> MySqlSnapshotDatabase::Conn() {
  if (!conn_) {
    SLUICE_ASSIGN_OR_RETURN(conn_, MySqlConnection::Connect(Connection()));
  }
  return conn_.get();
}

base::Result<std::shared_ptr<const CollationMap>> MySqlSnapshotDatabase::Collations() {
  {
    std::lock_guard lock(mu_);
    if (collations_) return collations_;
  }
  SLUICE_ASSIGN_OR_RETURN(auto conn, MySqlConnection::Connect(Connection()));
  auto r = conn->Query(
      "SELECT ID, COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS");
  if (!r.ok()) return r.status().WithContext("reading the server's collations");
  auto map = std::make_shared<CollationMap>();
  for (const auto& row : r->rows) {
    if (row.size() < 3 || !row[0] || !row[1] || !row[2]) continue;
    uint32_t id = 0;
    if (ParseNum(*row[0], &id)) (*map)[id] = {*row[1], *row[2]};
  }
  std::lock_guard lock(mu_);
  collations_ = std::move(map);
  return collations_;
}

base::Result<std::vector<snapshot::TableId>> MySqlSnapshotDatabase::ListTables(
    const std::function<bool(const std::string&, const std::string&)>& match) {
  SLUICE_ASSIGN_OR_RETURN(MySqlConnection * c, Conn());
  auto r = c->Query(
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE "
      "TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', "
      "'sys') ORDER BY TABLE_SCHEMA, TABLE_NAME");
  if (!r.ok()) {
    conn_.reset();
    return r.status().WithContext("listing the tables to snapshot");
  }
  std::vector<snapshot::TableId> out;
  for (const auto& row : r->rows) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    if (match(*row[0], *row[1])) out.push_back({*row[0], *row[1]});
  }
  return out;
}

base::Result<model::SourcePosition> MySqlSnapshotDatabase::CurrentPosition() {
  SLUICE_ASSIGN_OR_RETURN(MySqlConnection * c, Conn());
  auto r = c->Query("SHOW MASTER STATUS");
  if (!r.ok()) {
    conn_.reset();
    return r.status().WithContext("reading the binlog position (SHOW MASTER STATUS)");
  }
  if (r->rows.empty() || r->rows[0].size() < 2 || !r->rows[0][0] || !r->rows[0][1]) {
    return base::FailedPrecondition(
        "SHOW MASTER STATUS returned nothing on {}; binary logging is off: start the server with "
        "--log-bin",
        config_.Endpoint());
  }
  model::SourcePosition pos;
  pos.binlog.file = *r->rows[0][0];
  ParseNum(*r->rows[0][1], &pos.binlog.offset);
  auto g = c->Query(fmt::format("SELECT BINLOG_GTID_POS('{}', {})", c->Escape(pos.binlog.file),
                                pos.binlog.offset));
  if (g.ok() && !g->rows.empty() && !g->rows[0].empty() && g->rows[0][0]) {
    SLUICE_ASSIGN_OR_RETURN(pos.gtids, model::MariaGtidSet::Parse(*g->rows[0][0]));
  }
  return pos;
}

base::Result<bool> MySqlSnapshotDatabase::PositionAvailable(const model::SourcePosition& position) {
  SLUICE_ASSIGN_OR_RETURN(MySqlConnection * c, Conn());
  auto r = c->Query("SHOW BINARY LOGS");
  if (!r.ok()) {
    conn_.reset();
    return r.status().WithContext("listing binary logs");
  }
  if (r->rows.empty() || !r->rows[0][0]) return false;
  if (!position.binlog.empty()) {
    for (const auto& row : r->rows) {
      if (!row.empty() && row[0] && *row[0] == position.binlog.file) return true;
    }
    if (position.gtids.empty()) return false;
  }
  // By GTID: the position must cover the state at the start of the oldest binlog.
  auto g = c->Query(fmt::format("SELECT BINLOG_GTID_POS('{}', 4)", c->Escape(*r->rows[0][0])));
  if (!g.ok()) return g.status();
  if (g->rows.empty() || g->rows[0].empty() || !g->rows[0][0]) return true;
  SLUICE_ASSIGN_OR_RETURN(auto oldest, model::MariaGtidSet::Parse(*g->rows[0][0]));
  return position.gtids.Covers(oldest);
}

base::Result<std::unique_ptr<snapshot::ChunkReader>> MySqlSnapshotDatabase::NewReader() {
  SLUICE_ASSIGN_OR_RETURN(auto collations, Collations());
  SLUICE_ASSIGN_OR_RETURN(auto conn, MySqlConnection::Connect(Connection()));
  // TIMESTAMPs in UTC (converted to epoch seconds), REPEATABLE READ for the consistent read,
  // and no server-side timeout while the reader waits for the stream to take its rows.
  SLUICE_RETURN_IF_ERROR(conn->Exec(
      "SET SESSION time_zone = '+00:00', SESSION net_write_timeout = 3600; SET SESSION "
      "TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  return std::unique_ptr<snapshot::ChunkReader>(
      new MySqlChunkReader(std::move(conn), std::move(collations)));
}

snapshot::CollationOracle* MySqlSnapshotDatabase::oracle() {
  if (!oracle_) oracle_ = std::make_unique<MySqlOracle>(this);
  return oracle_.get();
}

bool MySqlSnapshotDatabase::Sees(const snapshot::ReadPoint& point,
                                 const snapshot::TxnRef& txn) const {
  // A transaction starting before the read's binlog position committed before it. Where it
  // starts: its first event's offset when the stream says (events that are no transaction, such
  // as a new file's headers, may lie between the previous commit and it), else the previous
  // commit's end.
  model::BinlogPosition start = txn.start.binlog;
  if (txn.txn.start_offset > start.offset) start.offset = txn.txn.start_offset;
  return CompareBinlogPositions(start, point.position.binlog) < 0;
}

bool MySqlSnapshotDatabase::Passed(const model::SourcePosition& stream,
                                   const snapshot::ReadPoint& point) const {
  return CompareBinlogPositions(stream.binlog, point.position.binlog) >= 0;
}

}  // namespace sluice::source::mysql
