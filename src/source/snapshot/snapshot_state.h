// SnapshotState: the progress of the snapshot a changefeed is taking, as it is checkpointed.
//
// It rides in model::SourcePosition::snapshot (text form from Encode()), so the checkpoint holds
// the stream position and the snapshot progress of the same moment. Per table it keeps the key of
// the last row of the chunks already copied into the stream (`last_key`): a restart re-reads
// from the chunk after it, not from the start. The rows of a table are copied in key order, so the
// copied part of a table is always the key prefix (-inf, last_key].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "source/snapshot/key.h"

namespace sluice::source::snapshot {

enum class TableState : uint8_t {
  kPending,  // not started: stream changes of the table are dropped (its chunks will hold them)
  kCopying,  // chunks up to last_key are in the stream
  kDone,     // every row is in the stream
};
std::string_view TableStateName(TableState s);

struct TableProgress {
  std::string schema;
  std::string table;
  TableState state = TableState::kPending;
  // kCopying: the upper bound of the copied prefix. Unset while pending, or for a table copied in
  // one pass (no key), which goes from kPending straight to kDone.
  std::optional<Key> last_key;
  uint64_t rows = 0;       // rows copied into the stream
  uint64_t estimated = 0;  // the database's row estimate when the table was started (0 = unknown)

  std::string Name() const { return schema + "." + table; }
};

struct SnapshotState {
  // Marker texts of SourcePosition::snapshot besides an encoded state:
  // "initial": take the initial snapshot, streaming from this position (set when a changefeed is
  // created); "finished": an initial-only snapshot completed, the changefeed has nothing to do.
  static constexpr std::string_view kInitialMarker = "initial";
  static constexpr std::string_view kFinishedMarker = "finished";

  uint64_t id = 0;       // numbers the snapshots of a changefeed (1, 2, ...)
  bool initial = false;  // the changefeed's initial snapshot (initial-only stops after it)
  std::vector<TableProgress> tables;

  bool done() const;
  TableProgress* Find(std::string_view schema, std::string_view table);
  // Adds `schema.table` as pending unless it is already pending or being copied; a done table
  // is copied again. Returns true if it was added.
  bool Add(const std::string& schema, const std::string& table);

  std::string Encode() const;
  // Errors: InvalidArgument naming what is malformed.
  static base::Result<SnapshotState> Decode(std::string_view text);
};

}  // namespace sluice::source::snapshot
