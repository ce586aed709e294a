#include "codec/debezium/debezium_json_encoder.h"

#include <charconv>
#include <chrono>
#include <vector>

#include "codec/common/ddl_type.h"
#include "codec/common/json_writer.h"
#include "codec/debezium/debezium_fields.h"

namespace sluice::codec::debezium {
namespace {

using model::RowOp;
using model::Value;

// The Debezium release whose MySQL envelope this mirrors (TiCDC reports the same).
constexpr std::string_view kDebeziumVersion = "2.4.0.Final";

// server_id of a MariaDB GTID "domain-server-seq"; 0 for MySQL "uuid:n" or none.
uint64_t ServerIdOf(std::string_view gtid) {
  auto first = gtid.find('-');
  if (first == std::string_view::npos) return 0;
  auto second = gtid.find('-', first + 1);
  if (second == std::string_view::npos) return 0;
  uint64_t id = 0;
  auto part = gtid.substr(first + 1, second - first - 1);
  auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
  return ec == std::errc() && p == part.data() + part.size() ? id : 0;
}

void WriteSourceSchema(bool tidb, JsonWriter* w) {
  w->Raw(
      R"({"type":"struct","fields":[)"
      R"({"type":"string","optional":false,"field":"version"},)"
      R"({"type":"string","optional":false,"field":"connector"},)"
      R"({"type":"string","optional":false,"field":"name"},)"
      R"({"type":"int64","optional":false,"field":"ts_ms"},)"
      R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,last,false,incremental"},"default":"false","field":"snapshot"},)"
      R"({"type":"string","optional":false,"field":"db"},)"
      R"({"type":"string","optional":true,"field":"sequence"},)"
      R"({"type":"string","optional":true,"field":"table"},)"
      R"({"type":"int64","optional":false,"field":"server_id"},)"
      R"({"type":"string","optional":true,"field":"gtid"},)"
      R"({"type":"string","optional":false,"field":"file"},)"
      R"({"type":"int64","optional":false,"field":"pos"},)"
      R"({"type":"int32","optional":false,"field":"row"},)"
      R"({"type":"int64","optional":true,"field":"thread"},)"
      R"({"type":"string","optional":true,"field":"query"})");
  if (tidb) w->out()->append(R"(,{"type":"int64","optional":true,"field":"commit_ts"})");
  w->out()->append(
      R"(],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"})");
}

constexpr std::string_view kTransactionSchema =
    R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},)"
    R"({"type":"int64","optional":false,"field":"total_order"},)"
    R"({"type":"int64","optional":false,"field":"data_collection_order"}],)"
    R"("optional":true,"name":"event.block","version":1,"field":"transaction"})";

// Clears out's value (not a tombstone) and opens its top-level object.
JsonWriter OpenValue(Message* out) {
  out->null_value = false;
  out->value.clear();
  JsonWriter w(&out->value);
  w.BeginObject();
  return w;
}

// "schema": {"type":"struct","fields":[<fields()>],"optional":false,"name":<name>,"version":1},
// the outer schema of every value (row envelope, schema change, watermark).
template <typename Fields>
void WriteValueSchema(std::string_view name, Fields&& fields, JsonWriter* w) {
  w->Key("schema");
  w->BeginObject();
  w->Key("type");
  w->String("struct");
  w->Key("fields");
  w->BeginArray();
  fields();
  w->EndArray();
  w->Key("optional");
  w->Bool(false);
  w->Key("name");
  w->String(name);
  w->Key("version");
  w->Int(1);
  w->EndObject();
}

// The envelope's fields after before/after: source, op, ts_ms, transaction.
void WriteEnvelopeTailSchema(bool tidb, JsonWriter* w) {
  WriteSourceSchema(tidb, w);
  w->Raw(R"({"type":"string","optional":false,"field":"op"})");
  w->Raw(R"({"type":"int64","optional":true,"field":"ts_ms"})");
  w->Raw(kTransactionSchema);
}

// The envelope payload's fields after source; closes the payload and the message.
void WriteEnvelopeTail(std::string_view op, int64_t ts_ms, JsonWriter* w) {
  w->Key("op");
  w->String(op);
  w->Key("ts_ms");
  w->Int(ts_ms);
  w->Key("transaction");
  w->Null();
  w->EndObject();
  w->EndObject();
}

// `snapshot`: source.snapshot, "false" for changes, "true"/"last" for snapshot reads.
void WriteSource(const DebeziumJsonOptions& o, std::string_view db, std::string_view table,
                 uint64_t commit_ms, uint64_t commit_ts, std::string_view gtid, JsonWriter* w,
                 std::string_view snapshot = "false") {
  w->Key("source");
  w->BeginObject();
  w->Key("version");
  w->String(kDebeziumVersion);
  w->Key("connector");
  w->String("mysql");
  w->Key("name");
  w->String(o.server_name);
  w->Key("ts_ms");
  w->UInt(commit_ms);
  w->Key("snapshot");
  w->String(snapshot);
  w->Key("db");
  w->String(db);
  w->Key("sequence");
  w->Null();
  w->Key("table");
  if (table.empty()) {
    w->Null();
  } else {
    w->String(table);
  }
  w->Key("server_id");
  w->UInt(ServerIdOf(gtid));
  w->Key("gtid");
  if (gtid.empty()) {
    w->Null();
  } else {
    w->String(gtid);
  }
  w->Key("file");
  w->String("");
  w->Key("pos");
  w->Int(0);
  w->Key("row");
  w->Int(0);
  w->Key("thread");
  w->Null();
  w->Key("query");
  w->Null();
  if (o.enable_tidb_extension) {
    w->Key("commit_ts");
    w->UInt(commit_ts);
  }
  w->EndObject();
}

void AppendSchemaName(const DebeziumJsonOptions& o, std::string_view db, std::string_view table,
                      std::string_view suffix, std::string* out) {
  out->append(o.server_name);
  out->push_back('.');
  out->append(db);
  out->push_back('.');
  out->append(table);
  out->push_back('.');
  out->append(suffix);
}

}  // namespace

DebeziumJsonEncoder::DebeziumJsonEncoder(DebeziumJsonOptions options, WallClockMs clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

namespace {

// {"schema":{...Key},"payload":{pk columns}} from `image`; false if the table has no key.
base::Status WriteKey(const model::TableSchema& table, const std::vector<Value>& image,
                      const DebeziumJsonOptions& o, std::string* scratch, std::string* out) {
  out->clear();
  JsonWriter w(out);
  w.BeginObject();
  if (!o.disable_schema) {
    w.Key("schema");
    w.BeginObject();
    w.Key("type");
    w.String("struct");
    w.Key("fields");
    w.BeginArray();
    for (size_t k : table.primary_key) WriteFieldSchema(table.columns[k], o, scratch, &w);
    w.EndArray();
    w.Key("optional");
    w.Bool(false);
    scratch->clear();
    AppendSchemaName(o, table.schema, table.table, "Key", scratch);
    w.Key("name");
    w.String(*scratch);
    w.EndObject();
  }
  w.Key("payload");
  w.BeginObject();
  for (size_t k : table.primary_key) {
    w.Key(table.columns[k].name);
    SLUICE_RETURN_IF_ERROR(WriteFieldValue(table.columns[k], image[k], o, scratch, &w));
  }
  w.EndObject();
  w.EndObject();
  return base::Status::Ok();
}

bool HasKey(const model::TableSchema& table) {
  if (table.primary_key.empty()) return false;
  for (size_t k : table.primary_key) {
    if (k >= table.columns.size()) return false;
  }
  return true;
}

}  // namespace

base::Status DebeziumJsonEncoder::EncodeRow(const model::RowChange& row, const model::TxnInfo& txn,
                                            Message* out) {
  follow_ups_.clear();
  next_follow_up_ = 0;
  if (!row.table) return base::InvalidArgument("debezium: row change has no table schema");
  const model::TableSchema& table = *row.table;
  const size_t ncols = table.columns.size();
  if ((row.op != RowOp::kInsert && row.before.size() != ncols) ||
      (row.op != RowOp::kDelete && row.after.size() != ncols)) {
    return base::InvalidArgument(
        "debezium: row image of {}.{} has {} before / {} after values but the table has {} "
        "columns",
        table.schema, table.table, row.before.size(), row.after.size(), ncols);
  }
  RowOp op = row.op;
  if (op == RowOp::kUpdate && HasKey(table)) {
    // A primary-key change is, as in Debezium (and TiCDC's split), a delete of the old key
    // (+ tombstone) and a create of the new one.
    for (size_t k : table.primary_key) {
      if (!(row.before[k] == row.after[k])) op = RowOp::kDelete;
    }
    if (op == RowOp::kDelete) {
      if (options_.tombstone_on_delete) follow_ups_.push_back(FollowUp::kTombstone);
      follow_ups_.push_back(FollowUp::kCreate);
      follow_txn_ = txn;
    }
  } else if (op == RowOp::kDelete && HasKey(table) && options_.tombstone_on_delete) {
    follow_ups_.push_back(FollowUp::kTombstone);
  }
  auto st = EncodeChange(row, op, txn, out);
  if (!st.ok()) follow_ups_.clear();
  return st;
}

base::Status DebeziumJsonEncoder::EncodeChange(const model::RowChange& row, RowOp op,
                                               const model::TxnInfo& txn, Message* out) {
  const model::TableSchema& table = *row.table;
  const size_t ncols = table.columns.size();
  const bool is_delete = op == RowOp::kDelete;
  const bool is_update = op == RowOp::kUpdate;
  const std::vector<Value>& key_image = is_delete ? row.before : row.after;
  if (HasKey(table)) {
    std::string key;
    SLUICE_RETURN_IF_ERROR(WriteKey(table, key_image, options_, &scratch_, &key));
    out->key = std::move(key);
  } else {
    out->key.reset();
  }
  JsonWriter w = OpenValue(out);
  if (!options_.disable_schema) {
    std::string value_name;
    AppendSchemaName(options_, table.schema, table.table, "Value", &value_name);
    // The row struct schema is the same for before and after: build it once.
    std::string fields;
    {
      JsonWriter fw(&fields);
      fw.BeginArray();
      for (const auto& c : table.columns) WriteFieldSchema(c, options_, &scratch_, &fw);
      fw.EndArray();
    }
    scratch_.clear();
    AppendSchemaName(options_, table.schema, table.table, "Envelope", &scratch_);
    WriteValueSchema(
        scratch_,
        [&] {
          for (std::string_view field : {"before", "after"}) {
            w.BeginObject();
            w.Key("type");
            w.String("struct");
            w.Key("fields");
            w.Raw(fields);
            w.Key("optional");
            w.Bool(true);
            w.Key("name");
            w.String(value_name);
            w.Key("field");
            w.String(field);
            w.EndObject();
          }
          WriteEnvelopeTailSchema(options_.enable_tidb_extension, &w);
        },
        &w);
  }
  w.Key("payload");
  w.BeginObject();
  auto write_image = [&](const std::vector<Value>& image) -> base::Status {
    w.BeginObject();
    for (size_t i = 0; i < ncols; ++i) {
      w.Key(table.columns[i].name);
      SLUICE_RETURN_IF_ERROR(WriteFieldValue(table.columns[i], image[i], options_, &scratch_, &w));
    }
    w.EndObject();
    return base::Status::Ok();
  };
  w.Key("before");
  if (is_delete || (is_update && options_.output_old_value)) {
    SLUICE_RETURN_IF_ERROR(write_image(row.before));
  } else {
    w.Null();
  }
  w.Key("after");
  if (is_delete) {
    w.Null();
  } else {
    SLUICE_RETURN_IF_ERROR(write_image(row.after));
  }
  // A snapshot read (source/snapshot) is op "r" with source.snapshot "true", "last" on the
  // snapshot's final row, as Debezium's initial snapshot writes them.
  const bool read = op == RowOp::kInsert && row.snapshot != model::SnapshotRead::kNo;
  WriteSource(options_, table.schema, table.table, txn.commit_time_ms, txn.commit_ts, txn.gtid, &w,
              !read ? "false" : row.snapshot == model::SnapshotRead::kLast ? "last" : "true");
  WriteEnvelopeTail(is_delete ? "d" : is_update ? "u" : read ? "r" : "c", clock_(), &w);
  return base::Status::Ok();
}

bool DebeziumJsonEncoder::EncodeRowFollowUp(const model::RowChange& row, Message* out) {
  if (next_follow_up_ >= follow_ups_.size() || !row.table) return false;
  FollowUp step = follow_ups_[next_follow_up_++];
  if (step == FollowUp::kTombstone) {
    std::string key;
    if (!WriteKey(*row.table, row.before, options_, &scratch_, &key).ok()) return false;
    out->key = std::move(key);
    out->value.clear();
    out->null_value = true;
    return true;
  }
  return EncodeChange(row, RowOp::kInsert, follow_txn_, out).ok();
}

base::Status DebeziumJsonEncoder::EncodeDdl(const model::DdlEvent& ddl, const model::TxnInfo& txn,
                                            Message* out) {
  DdlInfo info = ClassifyDdl(ddl.sql);
  auto [database, table] = TargetOf(ddl, info);
  if (database.empty())
    database = info.schema;  // a statement on a table the source left unqualified

  // Key: {"databaseName"} as Debezium's schema change topic.
  std::string key;
  {
    JsonWriter w(&key);
    w.BeginObject();
    if (!options_.disable_schema) {
      w.Key("schema");
      w.Raw(
          R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"databaseName"}],)"
          R"("optional":false,"name":"io.debezium.connector.mysql.SchemaChangeKey","version":1})");
    }
    w.Key("payload");
    w.BeginObject();
    w.Key("databaseName");
    w.String(database);
    w.EndObject();
    w.EndObject();
  }
  out->key = std::move(key);
  JsonWriter w = OpenValue(out);
  if (!options_.disable_schema) {
    WriteValueSchema(
        "io.debezium.connector.mysql.SchemaChangeValue",
        [&] {
          WriteSourceSchema(options_.enable_tidb_extension, &w);
          w.Raw(R"({"type":"int64","optional":false,"field":"ts_ms"})");
          w.Raw(R"({"type":"string","optional":true,"field":"databaseName"})");
          w.Raw(R"({"type":"string","optional":true,"field":"schemaName"})");
          w.Raw(R"({"type":"string","optional":true,"field":"ddl"})");
          w.Raw(
              R"({"type":"array","items":{"type":"struct","fields":[)"
              R"({"type":"string","optional":false,"field":"type"},)"
              R"({"type":"string","optional":false,"field":"id"},)"
              R"({"type":"struct","fields":[],"optional":true,"name":"io.debezium.connector.schema.Table","version":1,"field":"table"}],)"
              R"("optional":false,"name":"io.debezium.connector.schema.Change","version":1},)"
              R"("optional":false,"field":"tableChanges"})");
        },
        &w);
  }
  w.Key("payload");
  w.BeginObject();
  WriteSource(options_, database, table, txn.commit_time_ms, txn.commit_ts, txn.gtid, &w);
  w.Key("ts_ms");
  w.Int(clock_());
  w.Key("databaseName");
  w.String(database);
  w.Key("schemaName");
  w.Null();
  w.Key("ddl");
  w.String(ddl.sql);
  w.Key("tableChanges");
  w.BeginArray();
  std::string_view change_type;
  switch (info.type) {
    case DdlType::kCreate:
      change_type = "CREATE";
      break;
    case DdlType::kErase:
      change_type = "DROP";
      break;
    case DdlType::kQuery:
      break;
    default:
      change_type = "ALTER";
      break;
  }
  if (!change_type.empty() && !table.empty()) {
    w.BeginObject();
    w.Key("type");
    w.String(change_type);
    scratch_.clear();
    scratch_.push_back('"');
    scratch_.append(database);
    scratch_.append("\".\"");
    scratch_.append(table);
    scratch_.push_back('"');
    w.Key("id");
    w.String(scratch_);
    w.Key("table");
    w.Null();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return base::Status::Ok();
}

bool DebeziumJsonEncoder::EncodeWatermark(uint64_t commit_ts, Message* out) {
  if (!options_.enable_tidb_extension) return false;
  out->key.reset();
  JsonWriter w = OpenValue(out);
  if (!options_.disable_schema) {
    scratch_ = options_.server_name + ".watermark.Envelope";
    WriteValueSchema(
        scratch_, [&] { WriteEnvelopeTailSchema(true, &w); }, &w);
  }
  w.Key("payload");
  w.BeginObject();
  WriteSource(options_, "", "", commit_ts >> 18, commit_ts, "", &w);
  WriteEnvelopeTail("m", clock_(), &w);
  return true;
}

}  // namespace sluice::codec::debezium
