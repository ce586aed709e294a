// SchemaCache: hands out one shared TableSchema per table for decoders, so rows decoded from
// many messages share one schema object as long as the table's columns do not change.
//
// Intern() returns the cached schema when the new one has the same columns and key, else
// stores the new one with version = previous + 1. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "model/table_schema.h"

namespace sluice::codec {

class SchemaCache {
 public:
  model::TableSchemaPtr Intern(model::TableSchema schema);
  size_t size() const { return tables_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, model::TableSchemaPtr> tables_;
};

// True if both describe the same columns (name, type, flags, sizes, members) and key.
bool SameColumns(const model::TableSchema& a, const model::TableSchema& b);

}  // namespace sluice::codec
