// Chunk keys: the values of a table's key columns, their text form for checkpoints, and their
// order.
//
// The order is the database's own: a chunk is a key range the database evaluated
// (`k > lo AND k <= hi`), so a key compared here must land in the chunk the database put it in.
// Integers, decimals, temporals and binary strings compare exactly in C++; strings with a
// collation (case-insensitive, PAD SPACE, ...) are compared by the database itself through a
// CollationOracle, in batches, never by comparing bytes here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/status.h"
#include "model/table_schema.h"
#include "model/value.h"

namespace sluice::source::snapshot {

// The key column values of one row, in key order, in model::Value's canonical form.
using Key = std::vector<model::Value>;

// Exact text form of a key for checkpoints ("i:-5,s:616263", see key.cc); DecodeKey(EncodeKey(k))
// == k for every kind a key part may have (integers, decimals, strings, temporals).
std::string EncodeKey(const Key& key);
base::Result<Key> DecodeKey(std::string_view text);
// A short human form for logs and the API ("(42, 'abc')"); not parseable.
std::string DisplayKey(const Key& key);

// How the database orders one key part.
enum class PartOrder : uint8_t {
  kSigned,     // kInt
  kUnsigned,   // kUInt (also YEAR)
  kDecimal,    // kDecimal text, numerically
  kTemporal,   // kDate / kTime / kDateTime
  kTimestamp,  // kTimestamp
  kBytes,      // kString compared byte by byte, shorter first on a common prefix (binary types)
  kCollated,   // kString compared in the column's collation by the database (CollationOracle)
};

// One string comparison the database must make: column `column` of `table` decides the
// collation.
struct TextComparison {
  const model::TableSchema* table = nullptr;
  size_t column = 0;
  std::string_view a;
  std::string_view b;
};

// Compares strings in a column's collation, as the database does. Called from one thread.
class CollationOracle {
 public:
  virtual ~CollationOracle() = default;
  // Sets (*out)[i] to <0, 0 or >0 as comparisons[i].a sorts before, equal to or after .b.
  // Errors: the connection's (Unavailable = retry).
  virtual base::Status Compare(std::span<const TextComparison> comparisons,
                               std::vector<int>* out) = 0;
};

// Remembers the oracle's answers so a batch of comparisons costs one round trip: Want() the
// comparisons a batch of events will need, Resolve() them at once, then Compare() finds them.
// A comparison not prepared this way is asked on its own. Not thread-safe.
class TextOrderCache {
 public:
  explicit TextOrderCache(CollationOracle* oracle) : oracle_(oracle) {}
  void Want(const TextComparison& c);
  base::Status Resolve();
  base::Result<int> Compare(const TextComparison& c);
  void Clear() { known_.clear(); }

 private:
  using Id = std::tuple<const model::TableSchema*, size_t, std::string, std::string>;
  static Id IdOf(const TextComparison& c);
  CollationOracle* oracle_;
  std::map<Id, int> known_;
  std::vector<TextComparison> wanted_;
  std::vector<std::pair<std::string, std::string>> wanted_text_;  // owns wanted_'s strings
};

// The order of a table's chunk key (its primary key columns, `parts` in key order).
class KeyOrder {
 public:
  KeyOrder() = default;
  KeyOrder(model::TableSchemaPtr table, std::vector<size_t> columns, std::vector<PartOrder> parts);

  // The key of a row image of the table this order was made for.
  Key KeyOf(const std::vector<model::Value>& row) const;
  // Where the key columns are in `schema`, another definition of the same table (the stream's):
  // found by name. nullopt if one is missing.
  std::optional<std::vector<size_t>> ColumnsIn(const model::TableSchema& schema) const;
  // <0, 0, >0 as a sorts before, equal to or after b in the database's order. Text parts go
  // through `text` (which may ask the database).
  base::Result<int> Compare(const Key& a, const Key& b, TextOrderCache* text) const;
  // Registers with `text` the collated comparisons Compare(a, b) may need.
  void Want(const Key& a, const Key& b, TextOrderCache* text) const;

  const std::vector<size_t>& columns() const { return columns_; }
  const std::vector<PartOrder>& parts() const { return parts_; }
  bool has_collated() const;

 private:
  model::TableSchemaPtr table_;
  std::vector<size_t> columns_;
  std::vector<PartOrder> parts_;
};

// Compares two values of one part with an order other than kCollated. Exposed for tests.
int ComparePart(PartOrder order, const model::Value& a, const model::Value& b);
// Compares two decimal texts ("-12.50", "3") numerically.
int CompareDecimalText(std::string_view a, std::string_view b);

}  // namespace sluice::source::snapshot
