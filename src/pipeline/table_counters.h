// TableCounters: the row changes one changefeed run captured, per table (inserts, updates,
// deletes), for the console's per-table view (GET /api/v1/changefeeds/{id} "tables").
//
// Count() runs on the changefeed's thread for every captured row; Snapshot() may run on any
// thread at the same time. The hot path takes no lock while rows keep coming from the same table:
// the last table's schema is held (so its address cannot be reused) and its counters are atomics
// in a node of a std::map whose address never changes. Memory: one entry per captured table.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "model/change_event.h"

namespace sluice::pipeline {

struct TableCount {
  std::string schema;
  std::string table;
  uint64_t inserts = 0;
  uint64_t updates = 0;
  uint64_t deletes = 0;
};

class TableCounters {
 public:
  // Counts one captured row change of `row.table`. Only one thread may call Count().
  void Count(const model::RowChange& row);
  // Every table counted so far, ordered by schema and table.
  std::vector<TableCount> Snapshot() const;

 private:
  struct Entry {
    std::atomic<uint64_t> ops[3] = {0, 0, 0};  // indexed by model::RowOp
  };
  mutable std::mutex mu_;  // guards the map's structure (insertions), not the counters
  std::map<std::pair<std::string, std::string>, Entry> tables_;
  // The table of the previous Count() and its entry (touched by the counting thread only).
  model::TableSchemaPtr last_table_;
  Entry* last_entry_ = nullptr;
};

}  // namespace sluice::pipeline
