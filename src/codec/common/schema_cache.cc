#include "codec/common/schema_cache.h"

namespace sluice::codec {

bool SameColumns(const model::TableSchema& a, const model::TableSchema& b) {
  if (a.columns.size() != b.columns.size() || a.primary_key != b.primary_key) return false;
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const auto& x = a.columns[i];
    const auto& y = b.columns[i];
    if (x.name != y.name || x.type != y.type || x.is_unsigned != y.is_unsigned ||
        x.nullable != y.nullable || x.is_primary_key != y.is_primary_key ||
        x.collation != y.collation || x.length != y.length || x.precision != y.precision ||
        x.scale != y.scale || x.fsp != y.fsp || x.elements != y.elements) {
      return false;
    }
  }
  return true;
}

model::TableSchemaPtr SchemaCache::Intern(model::TableSchema schema) {
  auto& slot = tables_[{schema.schema, schema.table}];
  if (slot && SameColumns(*slot, schema)) return slot;
  schema.version = slot ? slot->version + 1 : 1;
  slot = std::make_shared<const model::TableSchema>(std::move(schema));
  return slot;
}

}  // namespace sluice::codec
