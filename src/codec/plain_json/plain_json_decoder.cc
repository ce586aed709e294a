#include "codec/plain_json/plain_json_decoder.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace sluice::codec::plain_json {
namespace {

using Json = nlohmann::ordered_json;
using model::Column;
using model::ColumnType;
using model::Value;

// A JSON value as a typed column value (see the header's table).
void Convert(const Json& v, Column* col, Value* out) {
  switch (v.type()) {
    case Json::value_t::null:
      col->type = ColumnType::kNull;
      *out = Value::Null();
      break;
    case Json::value_t::boolean:
      col->type = ColumnType::kTinyInt;
      *out = Value::Int(v.get<bool>() ? 1 : 0);
      break;
    case Json::value_t::number_integer:
      col->type = ColumnType::kBigInt;
      *out = Value::Int(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned: {
      col->type = ColumnType::kBigInt;
      uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        col->is_unsigned = true;
        *out = Value::UInt(u);
      } else {
        *out = Value::Int(static_cast<int64_t>(u));
      }
      break;
    }
    case Json::value_t::number_float:
      col->type = ColumnType::kDouble;
      *out = Value::Double(v.get<double>());
      break;
    case Json::value_t::string:
      col->type = ColumnType::kLongText;
      *out = Value::String(v.get_ref<const std::string&>());
      break;
    default:
      col->type = ColumnType::kJson;
      *out = Value::String(v.dump());
      break;
  }
}

}  // namespace

base::Result<std::pair<std::string, std::string>> TableForTopic(const PlainJsonOptions& o,
                                                                std::string_view topic) {
  if (auto it = o.table_mapping.find(std::string(topic)); it != o.table_mapping.end()) {
    return it->second;
  }
  if (!o.database.empty()) return std::make_pair(o.database, std::string(topic));
  size_t dot = topic.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == topic.size()) {
    return base::InvalidArgument(
        "topic '{}' does not name a table as <database>.<table>; add database=<name> or "
        "table-mapping={}:<database>.<table> to the source URI",
        topic, topic);
  }
  return std::make_pair(std::string(topic.substr(0, dot)), std::string(topic.substr(dot + 1)));
}

base::Status PlainJsonDecoder::Decode(const KafkaRecord& record, DecodeResult* out) {
  out->events.clear();
  out->not_json = false;
  std::optional<Json> key;
  if (record.key && !record.key->empty()) {
    Json k = Json::parse(record.key->begin(), record.key->end(), nullptr, false);
    if (!k.is_discarded() && k.is_object()) key = std::move(k);
  }
  Json value;
  if (record.value && !record.value->empty()) {
    value = Json::parse(record.value->begin(), record.value->end(), nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
      out->not_json = true;
      return base::InvalidArgument("the message value is not a JSON object");
    }
  } else if (!key) {
    return base::Status::Ok();  // a tombstone without a key deletes nothing we can name
  }
  SLUICE_ASSIGN_OR_RETURN(auto table, TableForTopic(options_, record.topic));

  model::TableSchema schema;
  schema.schema = std::move(table.first);
  schema.table = std::move(table.second);
  std::vector<Value> image;
  auto add = [&](const std::string& name, const Json& v) {
    Column col;
    col.name = name;
    Value val;
    Convert(v, &col, &val);
    schema.columns.push_back(std::move(col));
    image.push_back(std::move(val));
  };
  bool tombstone = value.is_null();
  if (!tombstone) {
    for (const auto& [name, v] : value.items()) add(name, v);
  }
  std::vector<std::string> key_names = options_.key_columns;
  if (key_names.empty() && key) {
    for (const auto& [name, v] : key->items()) key_names.push_back(name);
  }
  for (const auto& name : key_names) {
    size_t i = 0;
    while (i < schema.columns.size() && schema.columns[i].name != name) ++i;
    if (i == schema.columns.size()) {
      if (key && key->contains(name)) {
        add(name, (*key)[name]);
      } else {
        return base::InvalidArgument(
            "key column '{}' is missing from the message{} (or set key-columns= in the source URI "
            "to the fields that identify a row)",
            name, tombstone ? " key" : "");
      }
    }
    schema.columns[i].is_primary_key = true;
    schema.columns[i].nullable = false;
    schema.primary_key.push_back(i);
  }
  if (tombstone && schema.primary_key.empty()) return base::Status::Ok();

  model::ChangeEvent ev;
  ev.kind = model::ChangeEvent::Kind::kRow;
  ev.txn.commit_time_ms = record.timestamp_ms > 0 ? static_cast<uint64_t>(record.timestamp_ms) : 0;
  ev.row.table = schemas_.Intern(std::move(schema));
  if (tombstone) {
    ev.row.op = model::RowOp::kDelete;
    ev.row.before = std::move(image);
  } else {
    ev.row.op = model::RowOp::kInsert;
    ev.row.after = std::move(image);
  }
  out->events.push_back(std::move(ev));
  return base::Status::Ok();
}

}  // namespace sluice::codec::plain_json
