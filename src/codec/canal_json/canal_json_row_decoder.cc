#include "codec/canal_json/canal_json_row_decoder.h"

#include <nlohmann/json.hpp>

#include "codec/canal_json/canal_json_decoder.h"
#include "codec/common/value_parse.h"

namespace sluice::codec::canal_json {
namespace {

using model::Value;

// Values of `row` in `schema` column order; absent columns are kAbsent. When `base` is given,
// columns missing from `row` keep base's value (UPDATE old images).
base::Status Image(const model::TableSchema& schema, const CanalRow& row, const model::TimeZone& tz,
                   const std::vector<Value>* base, std::vector<Value>* out) {
  out->clear();
  out->reserve(schema.columns.size());
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const auto& col = schema.columns[i];
    const std::optional<std::string>* v = FindColumn(row, col.name);
    if (!v) {
      out->push_back(base ? (*base)[i] : Value::Absent());
    } else if (!v->has_value()) {
      out->push_back(Value::Null());
    } else {
      SLUICE_ASSIGN_OR_RETURN(Value parsed, ParseValueText(col, **v, tz));
      out->push_back(std::move(parsed));
    }
  }
  for (const auto& [name, v] : row) {
    bool known = false;
    for (const auto& col : schema.columns) known = known || col.name == name;
    if (!known) {
      return base::InvalidArgument(
          "column '{}' is in the row but not in mysqlType", name);
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Status CanalJsonRowDecoder::Decode(const KafkaRecord& record, DecodeResult* out) {
  out->events.clear();
  out->not_json = false;
  if (!record.value || record.value->empty()) return base::Status::Ok();  // tombstone
  {
    // DecodeCanalJson reports every failure as DataLoss; tell "not JSON at all" apart.
    auto j = nlohmann::json::parse(record.value->begin(), record.value->end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      out->not_json = true;
      return base::InvalidArgument("the message value is not a JSON object");
    }
  }
  auto decoded = DecodeCanalJson(*record.value);
  if (!decoded.ok()) return base::InvalidArgument("{}", decoded.status().message());
  const CanalJsonMessage& m = *decoded;
  if (m.IsWatermark()) return base::Status::Ok();

  model::ChangeEvent ev;
  ev.txn.commit_time_ms = m.es > 0                  ? static_cast<uint64_t>(m.es)
                          : record.timestamp_ms > 0 ? static_cast<uint64_t>(record.timestamp_ms)
                                                    : 0;
  if (m.is_ddl) {
    ev.kind = model::ChangeEvent::Kind::kDdl;
    ev.ddl.schema = m.database;
    ev.ddl.table = m.table;
    ev.ddl.sql = m.sql;
    out->events.push_back(std::move(ev));
    return base::Status::Ok();
  }
  if (m.tidb && m.tidb->only_handle_key) {
    return base::InvalidArgument(
        "canal-json message holds only the handle key (the producer's "
        "large-message-handle-option=handle-key-only), not the row; raise the producer's "
        "max-message-bytes so rows are sent whole");
  }
  if (m.tidb && !m.tidb->claim_check_location.empty()) {
    return base::InvalidArgument(
        "canal-json message is a claim-check reference ({}), not the row; the Kafka source does "
        "not read claim-check storage",
        m.tidb->claim_check_location);
  }
  model::RowOp op;
  if (m.type == "INSERT") {
    op = model::RowOp::kInsert;
  } else if (m.type == "UPDATE") {
    op = model::RowOp::kUpdate;
  } else if (m.type == "DELETE") {
    op = model::RowOp::kDelete;
  } else {
    return base::InvalidArgument(
        "canal-json field 'type' is '{}'; expected INSERT, UPDATE or DELETE for isDdl=false",
        m.type);
  }
  if (m.database.empty() || m.table.empty()) {
    return base::InvalidArgument("canal-json field 'database' or 'table' is empty");
  }
  if (m.mysql_type.empty()) {
    return base::InvalidArgument(
        "canal-json field 'mysqlType' is missing; sluice needs it for the column types");
  }
  model::TableSchema schema;
  schema.schema = m.database;
  schema.table = m.table;
  for (const auto& [name, type] : m.mysql_type) {
    model::Column col;
    col.name = name;
    SLUICE_RETURN_IF_ERROR(ParseMySqlType(type, &col));
    schema.columns.push_back(std::move(col));
  }
  if (m.pk_names) {
    for (const auto& pk : *m.pk_names) {
      size_t i = 0;
      while (i < schema.columns.size() && schema.columns[i].name != pk) ++i;
      if (i == schema.columns.size()) {
        return base::InvalidArgument("pkNames names '{}', which is not in mysqlType", pk);
      }
      schema.columns[i].is_primary_key = true;
      schema.columns[i].nullable = false;
      schema.primary_key.push_back(i);
    }
  }
  model::TableSchemaPtr table = schemas_.Intern(std::move(schema));
  for (size_t r = 0; r < m.data_rows.size(); ++r) {
    model::ChangeEvent row;
    row.kind = model::ChangeEvent::Kind::kRow;
    row.txn = ev.txn;
    row.row.op = op;
    row.row.table = table;
    const auto& tz = options_.time_zone;
    if (op == model::RowOp::kDelete) {
      SLUICE_RETURN_IF_ERROR(Image(*table, m.data_rows[r], tz, nullptr, &row.row.before));
    } else {
      SLUICE_RETURN_IF_ERROR(Image(*table, m.data_rows[r], tz, nullptr, &row.row.after));
      if (op == model::RowOp::kUpdate) {
        if (r < m.old_rows.size()) {
          SLUICE_RETURN_IF_ERROR(Image(*table, m.old_rows[r], tz, &row.row.after, &row.row.before));
        } else {
          row.row.before = row.row.after;
        }
      }
    }
    out->events.push_back(std::move(row));
  }
  return base::Status::Ok();
}

}  // namespace sluice::codec::canal_json
