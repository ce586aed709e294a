#include "source/snapshot/snapshot_state.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace sluice::source::snapshot {

std::string_view TableStateName(TableState s) {
  switch (s) {
    case TableState::kPending:
      return "pending";
    case TableState::kCopying:
      return "copying";
    case TableState::kDone:
      return "done";
  }
  return "?";
}

bool SnapshotState::done() const {
  return std::all_of(tables.begin(), tables.end(),
                     [](const TableProgress& t) { return t.state == TableState::kDone; });
}

TableProgress* SnapshotState::Find(std::string_view schema, std::string_view table) {
  for (auto& t : tables) {
    if (t.schema == schema && t.table == table) return &t;
  }
  return nullptr;
}

bool SnapshotState::Add(const std::string& schema, const std::string& table) {
  if (TableProgress* t = Find(schema, table)) {
    if (t->state != TableState::kDone) return false;
    *t = TableProgress{schema, table};  // in place: indexes into `tables` stay valid
    return true;
  }
  tables.push_back(TableProgress{schema, table});
  return true;
}

std::string SnapshotState::Encode() const {
  nlohmann::json j;
  j["v"] = 1;
  j["id"] = id;
  if (initial) j["initial"] = true;
  auto& arr = j["tables"] = nlohmann::json::array();
  for (const auto& t : tables) {
    nlohmann::json e;
    e["s"] = t.schema;
    e["t"] = t.table;
    e["st"] = std::string(TableStateName(t.state));
    if (t.last_key) e["k"] = EncodeKey(*t.last_key);
    if (t.rows) e["rows"] = t.rows;
    if (t.estimated) e["est"] = t.estimated;
    arr.push_back(std::move(e));
  }
  return j.dump();
}

base::Result<SnapshotState> SnapshotState::Decode(std::string_view text) {
  auto bad = [&](std::string_view what) {
    return base::InvalidArgument("snapshot progress in the checkpoint is malformed ({}): {}", what,
                                 text.substr(0, 200));
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  SnapshotState s;
  if (j.value("v", 0) != 1) return bad("unknown version");
  if (!j.contains("id") || !j["id"].is_number_unsigned()) return bad("id");
  s.id = j["id"].get<uint64_t>();
  s.initial = j.value("initial", false);
  if (!j.contains("tables") || !j["tables"].is_array()) return bad("tables");
  for (const auto& e : j["tables"]) {
    if (!e.is_object() || !e.contains("s") || !e.contains("t") || !e["s"].is_string() ||
        !e["t"].is_string()) {
      return bad("table name");
    }
    TableProgress t;
    t.schema = e["s"].get<std::string>();
    t.table = e["t"].get<std::string>();
    std::string st = e.value("st", "");
    if (st == "pending") {
      t.state = TableState::kPending;
    } else if (st == "copying") {
      t.state = TableState::kCopying;
    } else if (st == "done") {
      t.state = TableState::kDone;
    } else {
      return bad("table state");
    }
    if (e.contains("k")) {
      if (!e["k"].is_string()) return bad("key");
      SLUICE_ASSIGN_OR_RETURN(Key k, DecodeKey(e["k"].get<std::string>()));
      t.last_key = std::move(k);
    }
    t.rows = e.value("rows", uint64_t{0});
    t.estimated = e.value("est", uint64_t{0});
    s.tables.push_back(std::move(t));
  }
  return s;
}

}  // namespace sluice::source::snapshot
