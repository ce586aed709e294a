// TableSchema: a table's identity and columns as known at one point of the stream.
//
// Immutable once published; sources hand out shared_ptr<const TableSchema> so a RowChange
// keeps the exact schema it was decoded with even after a later DDL changes the table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/column.h"

namespace sluice::model {

struct TableSchema {
  std::string schema;  // database name
  std::string table;
  std::vector<Column> columns;
  // Indexes into `columns` of the primary key (empty if the table has none), in key order.
  std::vector<size_t> primary_key;
  // Bumped by the source each time it sees a new definition of the same table.
  uint64_t version = 0;
};

using TableSchemaPtr = std::shared_ptr<const TableSchema>;

}  // namespace sluice::model
