#include "dispatch/event_router.h"

#include <fmt/format.h>

#include "base/crc32.h"

namespace sluice::dispatch {

base::Result<PartitionRule> ParsePartitionRule(std::string_view name) {
  if (name.empty() || name == "default") return PartitionRule::kDefault;
  if (name == "table") return PartitionRule::kTable;
  if (name == "index-value" || name == "rowid") return PartitionRule::kIndexValue;
  if (name == "columns") return PartitionRule::kColumns;
  if (name == "ts") return PartitionRule::kTs;
  return base::InvalidArgument(
      "partition dispatcher '{}' is unknown; use one of default, table, index-value, columns, ts",
      name);
}

std::string_view PartitionRuleName(PartitionRule rule) {
  switch (rule) {
    case PartitionRule::kDefault: return "default";
    case PartitionRule::kTable: return "table";
    case PartitionRule::kIndexValue: return "index-value";
    case PartitionRule::kColumns: return "columns";
    case PartitionRule::kTs: return "ts";
  }
  return "default";
}

base::Result<EventRouter> EventRouter::Create(const std::string& default_topic,
                                              const std::vector<DispatchRule>& rules) {
  EventRouter router;
  SLUICE_ASSIGN_OR_RETURN(auto def, TopicExpression::Parse(default_topic));
  if (def.has_schema() || def.has_table()) {
    return base::InvalidArgument(
        "default topic '{}' must be a plain topic name without placeholders", default_topic);
  }
  router.default_topic_ = default_topic;
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    CompiledRule c;
    auto filter = TableFilter::Parse(r.matcher);
    if (!filter.ok()) return filter.status().WithContext(fmt::format("dispatchers[{}]", i));
    c.matcher = std::move(filter).value();
    if (!r.topic.empty()) {
      auto t = TopicExpression::Parse(r.topic);
      if (!t.ok()) return t.status().WithContext(fmt::format("dispatchers[{}].topic", i));
      c.topic = std::move(t).value();
    }
    c.partition = r.partition;
    c.columns = r.columns;
    if (c.partition == PartitionRule::kColumns && c.columns.empty()) {
      return base::InvalidArgument(
          "dispatchers[{}]: partition = \"columns\" needs columns = [\"col1\", ...]", i);
    }
    router.rules_.push_back(std::move(c));
  }
  return router;
}

const EventRouter::CompiledRule* EventRouter::RuleFor(const std::string& schema,
                                                      const std::string& table) {
  std::string key = schema + '\0' + table;
  auto it = rule_cache_.find(key);
  if (it == rule_cache_.end()) {
    int found = -1;
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].matcher.Match(schema, table)) {
        found = static_cast<int>(i);
        break;
      }
    }
    it = rule_cache_.emplace(std::move(key), found).first;
  }
  return it->second < 0 ? nullptr : &rules_[it->second];
}

const std::string& EventRouter::TopicFor(const std::string& schema, const std::string& table) {
  std::string key = schema + '\0' + table;
  auto it = topic_cache_.find(key);
  if (it != topic_cache_.end()) return it->second;
  const CompiledRule* rule = RuleFor(schema, table);
  std::string topic = (rule && rule->topic) ? rule->topic->Substitute(schema, table)
                                            : default_topic_;
  return topic_cache_.emplace(std::move(key), std::move(topic)).first->second;
}

void AppendHashText(const model::Column& column, const model::Value& v, std::string* out) {
  using K = model::Value::Kind;
  switch (v.kind()) {
    case K::kAbsent:
    case K::kNull:
      return;
    case K::kInt:
      fmt::format_to(std::back_inserter(*out), "{}", v.as_int());
      return;
    case K::kUInt:
      fmt::format_to(std::back_inserter(*out), "{}", v.as_uint());
      return;
    case K::kFloat:
    case K::kDouble:
      fmt::format_to(std::back_inserter(*out), "{}", v.as_double());
      return;
    case K::kDecimal:
    case K::kString:
      out->append(v.as_string());
      return;
    case K::kTimestamp:
      fmt::format_to(std::back_inserter(*out), "{}.{:06}", v.timestamp_seconds(),
                     v.timestamp_micros());
      return;
    case K::kDate:
    case K::kTime:
    case K::kDateTime: {
      const auto& t = v.as_temporal();
      fmt::format_to(std::back_inserter(*out), "{}{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                     t.negative ? "-" : "", t.year, t.month, t.day, t.hour, t.minute, t.second,
                     t.micros);
      return;
    }
  }
}

std::vector<size_t> EventRouter::HashedColumns(const model::TableSchema& table,
                                               const CompiledRule* rule) {
  PartitionRule kind = rule ? rule->partition : PartitionRule::kDefault;
  if (kind != PartitionRule::kIndexValue && kind != PartitionRule::kColumns) return {};
  if (kind == PartitionRule::kIndexValue && rule->columns.empty()) return table.primary_key;
  std::vector<size_t> idx;
  for (const auto& name : rule->columns) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].name == name) idx.push_back(i);
    }
  }
  return idx;
}

bool EventRouter::PartitionKeyChanged(const model::RowChange& row) {
  if (row.op != model::RowOp::kUpdate) return false;
  const auto& table = *row.table;
  for (size_t i : HashedColumns(table, RuleFor(table.schema, table.table))) {
    if (i < row.before.size() && i < row.after.size() && !(row.before[i] == row.after[i])) {
      return true;
    }
  }
  return false;
}

int32_t EventRouter::PartitionFor(const model::RowChange& row, const model::TxnInfo& txn,
                                  int32_t num_partitions) {
  if (num_partitions <= 1) return 0;
  const auto& table = *row.table;
  const CompiledRule* rule = RuleFor(table.schema, table.table);
  PartitionRule kind = rule ? rule->partition : PartitionRule::kDefault;
  uint32_t table_hash = base::Crc32(table.schema + table.table);
  auto mod = [num_partitions](uint64_t h) {
    return static_cast<int32_t>(h % static_cast<uint64_t>(num_partitions));
  };
  switch (kind) {
    case PartitionRule::kDefault:
    case PartitionRule::kTable:
      return mod(table_hash);
    case PartitionRule::kTs:
      return mod(txn.commit_ts);
    case PartitionRule::kIndexValue:
    case PartitionRule::kColumns: {
      const auto& values = row.op == model::RowOp::kDelete ? row.before : row.after;
      std::vector<size_t> idx = HashedColumns(table, rule);
      if (idx.empty()) return mod(table_hash);  // no key: keep table order
      uint32_t h = table_hash;
      std::string buf;
      for (size_t i : idx) {
        if (i >= values.size() || values[i].is_null() || values[i].is_absent()) continue;
        buf.assign(table.columns[i].name);
        AppendHashText(table.columns[i], values[i], &buf);
        h ^= base::Crc32(buf);
      }
      return mod(h);
    }
  }
  return 0;
}

}  // namespace sluice::dispatch
