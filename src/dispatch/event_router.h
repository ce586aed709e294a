// EventRouter: decides the Kafka topic and partition of every event (TiCDC "dispatchers").
//
// Rules are tried in order; the first whose matcher accepts the table wins; an implicit last
// rule sends unmatched tables to the default topic with the default partitioner. Thread-safe
// for concurrent reads after construction, except the per-table cache (one router per
// pipeline thread).
//
// Partitioners (hash = CRC-32 IEEE; several hashed parts are XORed, as TiCDC does):
//   table        crc32(schema + table) % N: all changes of a table in one partition, in order.
//   index-value  crc32(schema + table) ^ crc32(col + value) ^ ... over the primary key (or the
//                named index columns): all changes of a row in one partition, in order.
//   columns      like index-value over the listed columns.
//   ts           commit_ts % N: spreads a table; per-row order is NOT kept across partitions.
//   default      = table (TiCDC's current default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "dispatch/table_filter.h"
#include "dispatch/topic_expression.h"
#include "model/change_event.h"

namespace sluice::dispatch {

enum class PartitionRule : uint8_t { kDefault, kTable, kIndexValue, kColumns, kTs };

base::Result<PartitionRule> ParsePartitionRule(std::string_view name);
std::string_view PartitionRuleName(PartitionRule rule);

struct DispatchRule {
  std::vector<std::string> matcher;  // table-filter patterns
  std::string topic;                 // topic expression; empty = default topic
  PartitionRule partition = PartitionRule::kDefault;
  std::vector<std::string> columns;  // for kColumns (and kIndexValue with an explicit index)
};

class EventRouter {
 public:
  static base::Result<EventRouter> Create(const std::string& default_topic,
                                          const std::vector<DispatchRule>& rules);

  const std::string& default_topic() const { return default_topic_; }

  // Topic for events of `schema`.`table`.
  const std::string& TopicFor(const std::string& schema, const std::string& table);

  // Partition in [0, num_partitions) for a row change.
  int32_t PartitionFor(const model::RowChange& row, const model::TxnInfo& txn,
                       int32_t num_partitions);
  // True for an UPDATE that changes a column its partitioner hashes (index-value, columns):
  // the before and after images may belong to different partitions.
  bool PartitionKeyChanged(const model::RowChange& row);

 private:
  struct CompiledRule {
    TableFilter matcher;
    std::optional<TopicExpression> topic;
    PartitionRule partition = PartitionRule::kDefault;
    std::vector<std::string> columns;
  };
  const CompiledRule* RuleFor(const std::string& schema, const std::string& table);
  // Columns (indexes into the table) the rule's partitioner hashes; empty for table/ts/default.
  static std::vector<size_t> HashedColumns(const model::TableSchema& table,
                                           const CompiledRule* rule);

  std::string default_topic_;
  std::vector<CompiledRule> rules_;
  std::unordered_map<std::string, std::string> topic_cache_;
  std::unordered_map<std::string, int> rule_cache_;  // key -> index into rules_, -1 = none
};

// Canonical text of a value for hashing (decimal text for numbers, raw bytes for strings,
// ISO-like text for temporals). Stable across releases: changing it moves rows between
// partitions.
void AppendHashText(const model::Column& column, const model::Value& value, std::string* out);

}  // namespace sluice::dispatch
