#include "pipeline/table_counters.h"

namespace sluice::pipeline {

void TableCounters::Count(const model::RowChange& row) {
  if (!row.table) return;
  if (row.table != last_table_) {
    std::lock_guard lock(mu_);
    // try_emplace constructs the atomics in place; map nodes never move.
    last_entry_ = &tables_.try_emplace({row.table->schema, row.table->table}).first->second;
    last_table_ = row.table;
  }
  last_entry_->ops[static_cast<size_t>(row.op)].fetch_add(1, std::memory_order_relaxed);
}

std::vector<TableCount> TableCounters::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<TableCount> out;
  out.reserve(tables_.size());
  for (const auto& [name, entry] : tables_) {
    out.push_back({name.first, name.second,
                   entry.ops[static_cast<size_t>(model::RowOp::kInsert)].load(),
                   entry.ops[static_cast<size_t>(model::RowOp::kUpdate)].load(),
                   entry.ops[static_cast<size_t>(model::RowOp::kDelete)].load()});
  }
  return out;
}

}  // namespace sluice::pipeline
