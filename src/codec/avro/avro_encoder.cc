#include "codec/avro/avro_encoder.h"

#include "codec/avro/avro_record.h"
#include "codec/common/decimal_bytes.h"

namespace sluice::codec::avro {
namespace {

using model::ColumnType;
using model::TypeFamily;
using model::Value;

int64_t AsInt64(const Value& v) {
  return v.kind() == Value::Kind::kUInt ? static_cast<int64_t>(v.as_uint()) : v.as_int();
}
uint64_t AsUInt64(const Value& v) {
  return v.kind() == Value::Kind::kInt ? static_cast<uint64_t>(v.as_int()) : v.as_uint();
}

int SetString(avro_value_t* f, const std::string& s) {
  // avro-c string sizes include the terminating NUL; std::string guarantees one.
  return avro_value_set_string_len(f, s.c_str(), s.size() + 1);
}
int SetBytes(avro_value_t* f, const std::string& s) {
  return avro_value_set_bytes(f, const_cast<char*>(s.data()), s.size());
}

// One non-NULL value into its Avro field (types as avro_schema.h maps them); *rc is avro-c's
// result.
base::Status SetValue(const model::Column& c, const Value& v, const AvroEncoderOptions& options,
                      std::string* scratch, avro_value_t* target, int* rc) {
  switch (model::FamilyOf(c.type)) {
    case TypeFamily::kInteger:
      if (c.type == ColumnType::kBigInt && c.is_unsigned &&
          options.schema.bigint_unsigned_as_string) {
        scratch->clear();
        model::AppendUInt(AsUInt64(v), scratch);
        *rc = SetString(target, *scratch);
      } else if (c.type == ColumnType::kBigInt || (c.type == ColumnType::kInt && c.is_unsigned)) {
        *rc = avro_value_set_long(target, AsInt64(v));  // unsigned > 2^63-1 wraps, as TiCDC
      } else {
        *rc = avro_value_set_int(target, static_cast<int32_t>(AsInt64(v)));
      }
      break;
    case TypeFamily::kYear:
      *rc = avro_value_set_int(target, static_cast<int32_t>(AsInt64(v)));
      break;
    case TypeFamily::kFloatingPoint:
      *rc = c.type == ColumnType::kFloat
                ? avro_value_set_float(target, static_cast<float>(v.as_double()))
                : avro_value_set_double(target, v.as_double());
      break;
    case TypeFamily::kDecimal:
      if (options.schema.decimal_as_string) {
        *rc = SetString(target, v.as_string());
        break;
      }
      scratch->clear();
      if (auto st = AppendDecimalBytes(v.as_string(), c.scale, scratch); !st.ok()) {
        return st.WithContext(fmt::format("column `{}`", c.name));
      }
      *rc = SetBytes(target, *scratch);
      break;
    case TypeFamily::kBit: {
      uint64_t bits = AsUInt64(v);
      scratch->clear();
      for (int shift = 56; shift >= 0; shift -= 8) {
        if (!scratch->empty() || (bits >> shift) != 0 || shift == 0) {
          scratch->push_back(static_cast<char>(bits >> shift));
        }
      }
      *rc = SetBytes(target, *scratch);
      break;
    }
    case TypeFamily::kEnum:
      scratch->assign(model::EnumName(c, AsUInt64(v)));
      *rc = SetString(target, *scratch);
      break;
    case TypeFamily::kSet:
      scratch->clear();
      model::AppendSetNames(c, AsUInt64(v), scratch);
      *rc = SetString(target, *scratch);
      break;
    case TypeFamily::kText:
    case TypeFamily::kBytes:
    case TypeFamily::kGeometry:
    case TypeFamily::kJson:
      *rc = model::IsBinaryColumn(c) ? SetBytes(target, v.as_string())
                                     : SetString(target, v.as_string());
      break;
    default:  // DATE, TIME, DATETIME, TIMESTAMP (and NULL) as their text
      scratch->clear();
      model::AppendValueText(c, v, options.format, scratch);
      *rc = SetString(target, *scratch);
      break;
  }
  return base::Status::Ok();
}

}  // namespace

struct AvroEncoder::TableCodec {
  model::TableSchemaPtr table;
  std::string topic;
  std::string key_schema, value_schema;
  std::unique_ptr<AvroRecord> key, value;
  int32_t key_id = 0, value_id = 0;
};

void AppendWireHeader(int32_t id, std::string* out) {
  uint32_t u = static_cast<uint32_t>(id);
  out->push_back('\0');
  out->push_back(static_cast<char>(u >> 24));
  out->push_back(static_cast<char>(u >> 16));
  out->push_back(static_cast<char>(u >> 8));
  out->push_back(static_cast<char>(u));
}

AvroEncoder::AvroEncoder(AvroEncoderOptions options, std::shared_ptr<SchemaRegistryClient> registry,
                         TopicResolver topic_for)
    : options_(std::move(options)),
      registry_(std::move(registry)),
      topic_for_(std::move(topic_for)) {}

AvroEncoder::~AvroEncoder() = default;

base::Result<AvroEncoder::TableCodec*> AvroEncoder::CodecFor(const model::TableSchemaPtr& table) {
  auto& slot = tables_[{table->schema, table->table}];
  if (slot && slot->table == table) return slot.get();
  SLUICE_ASSIGN_OR_RETURN(std::string key_schema, KeySchemaJson(*table, options_.schema));
  std::string value_schema = ValueSchemaJson(*table, options_.schema);
  if (slot && slot->key_schema == key_schema && slot->value_schema == value_schema) {
    slot->table = table;  // same definition (e.g. a DDL that changed nothing Avro shows)
    return slot.get();
  }
  auto codec = std::make_unique<TableCodec>();
  codec->table = table;
  codec->topic = topic_for_(table->schema, table->table);
  SLUICE_ASSIGN_OR_RETURN(codec->key, AvroRecord::Parse(key_schema));
  SLUICE_ASSIGN_OR_RETURN(codec->value, AvroRecord::Parse(value_schema));
  SLUICE_ASSIGN_OR_RETURN(codec->key_id, registry_->Register(KeySubject(codec->topic), key_schema));
  SLUICE_ASSIGN_OR_RETURN(codec->value_id,
                          registry_->Register(ValueSubject(codec->topic), value_schema));
  codec->key_schema = std::move(key_schema);
  codec->value_schema = std::move(value_schema);
  slot = std::move(codec);
  return slot.get();
}

base::Status AvroEncoder::Fill(AvroRecord& record, const model::TableSchema& table,
                               const std::vector<Value>& image, const std::vector<size_t>* only,
                               bool extension, const char* op, const model::TxnInfo& txn) {
  record.Reset();
  avro_value_t* rec = record.value();
  size_t n = only ? only->size() : table.columns.size();
  for (size_t i = 0; i < n; ++i) {
    size_t ci = only ? (*only)[i] : i;
    const model::Column& c = table.columns[ci];
    const Value& v = image[ci];
    avro_value_t field, target;
    if (avro_value_get_by_index(rec, i, &field, nullptr) != 0) {
      return base::Internal("avro: field {} of `{}`.`{}` is missing", c.name, table.schema,
                            table.table);
    }
    if (v.is_absent()) {
      return base::InvalidArgument(
          "avro: column `{}` of `{}`.`{}` is missing from the row image; Avro needs whole rows "
          "(MariaDB/MySQL source: SET GLOBAL binlog_row_image=FULL; PostgreSQL source: ALTER "
          "TABLE ... REPLICA IDENTITY FULL; Kafka source: a producer that sends whole rows)",
          c.name, table.schema, table.table);
    }
    bool nullable = c.nullable && !only;  // key fields are never unions
    if (nullable) {
      if (v.is_null()) {
        avro_value_t branch;
        avro_value_set_branch(&field, 0, &branch);
        avro_value_set_null(&branch);
        continue;
      }
      avro_value_set_branch(&field, 1, &target);
    } else {
      if (v.is_null()) {
        return base::InvalidArgument(
            "avro: NOT NULL column `{}` of `{}`.`{}` has a NULL value; the table definition "
            "seen in the binlog does not match the data",
            c.name, table.schema, table.table);
      }
      target = field;
    }
    int rc = 0;
    SLUICE_RETURN_IF_ERROR(SetValue(c, v, options_, &scratch_, &target, &rc));
    if (rc != 0) {
      return base::Internal("avro: cannot set column `{}` of `{}`.`{}`: {}", c.name, table.schema,
                            table.table, avro_strerror());
    }
  }
  if (extension) {
    avro_value_t f;
    avro_value_get_by_index(rec, n, &f, nullptr);
    avro_value_set_string_len(&f, op, std::char_traits<char>::length(op) + 1);
    avro_value_get_by_index(rec, n + 1, &f, nullptr);
    avro_value_set_long(&f, static_cast<int64_t>(txn.commit_ts));
    avro_value_get_by_index(rec, n + 2, &f, nullptr);
    avro_value_set_long(&f, static_cast<int64_t>(txn.commit_ts >> 18));
  }
  return base::Status::Ok();
}

base::Status AvroEncoder::EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                                    Message* out) {
  const model::TableSchema& table = *row.table;
  const auto& image = row.op == model::RowOp::kDelete ? row.before : row.after;
  if (image.size() != table.columns.size()) {
    return base::InvalidArgument(
        "avro: a row of `{}`.`{}` has {} values but the table has {} columns", table.schema,
        table.table, image.size(), table.columns.size());
  }
  SLUICE_ASSIGN_OR_RETURN(TableCodec * codec, CodecFor(row.table));
  out->key.emplace();
  AppendWireHeader(codec->key_id, &*out->key);
  SLUICE_RETURN_IF_ERROR(Fill(*codec->key, table, image, &table.primary_key, false, nullptr, txn));
  SLUICE_RETURN_IF_ERROR(codec->key->AppendBinary(&*out->key));
  out->value.clear();
  if (row.op == model::RowOp::kDelete) {
    out->null_value = true;  // tombstone (ticdc.md §4.6)
    return base::Status::Ok();
  }
  out->null_value = false;
  AppendWireHeader(codec->value_id, &out->value);
  SLUICE_RETURN_IF_ERROR(Fill(*codec->value, table, image, nullptr,
                              options_.schema.enable_tidb_extension,
                              row.op == model::RowOp::kInsert ? "c" : "u", txn));
  return codec->value->AppendBinary(&out->value);
}

base::Status AvroEncoder::EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                    Message* out) {
  return base::FailedPrecondition(
      "avro sends no DDL messages (schema changes become new registry versions); the pipeline "
      "must skip DDL for this encoder");
}

}  // namespace sluice::codec::avro
