// ReplicationClient: the PostgreSQL side of a pgoutput stream over libpq.
//
// Two connections: a plain SQL connection (preflight checks, publication management, slot
// inspection, primary-key lookups while streaming) and a replication=database walsender
// connection (IDENTIFY_SYSTEM, CREATE_REPLICATION_SLOT, START_REPLICATION, then CopyBoth).
//
// Lifecycle: Connect() (runs the preflight: wal_level=logical, REPLICATION privilege, UTF8,
// publication present or created FOR TABLE <tables>, tables in it) -> ResolveStart() or
// CheckSlotFor(checkpoint) -> StartStreaming(lsn) -> Fetch()/SendStatus() ... -> Close().
// Threading: one thread at a time. Errors: see client/postgres/pg_connection.h; every
// precondition failure
// names the statement that fixes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/position.h"
#include "client/postgres/pg_connection.h"
#include "source/postgres/source_config.h"

namespace sluice::source::postgres {

using client::postgres::PgConnection;
using client::postgres::PgResult;

struct SlotInfo {
  bool exists = false;
  std::string plugin;
  std::string database;
  bool active = false;
  model::Lsn confirmed_flush;
};

class ReplicationClient {
 public:
  explicit ReplicationClient(PgSourceConfig config);
  ~ReplicationClient();

  // Connects both connections and runs the preflight (also creates a missing publication
  // when `tables` is configured).
  base::Status Connect();
  // `sluice check`: the same preflight plus the slot (pgoutput, this database, not in use, or
  // a free slot to create it), creating nothing. The first failure, naming its fix.
  base::Status Check();

  // The slot's state (exists=false when there is none).
  base::Result<SlotInfo> InspectSlot();
  // Creates the slot when missing and returns where streaming starts without a checkpoint:
  // the slot's confirmed_flush_lsn (start=slot) or, for start=now and an existing slot, the
  // current WAL insert position (the server skips what committed before it).
  base::Result<model::Lsn> ResolveStart();
  // For resuming at a checkpoint: FailedPrecondition when the slot is gone (its WAL is lost).
  base::Status CheckSlotFor(model::Lsn checkpoint);

  // START_REPLICATION SLOT <slot> LOGICAL <from> (proto_version '1', publication_names ...).
  // `proto_version` and `extra_options` (appended to the option list, e.g. ", messages 'true'")
  // are for fixture capture; the source streams protocol 1 without extras.
  base::Status StartStreaming(model::Lsn from, std::string_view extra_options = "",
                              int proto_version = 1);
  // Waits until `deadline` for the next CopyData message; *got=false when none arrived.
  // Unavailable when the stream ends or the connection drops.
  base::Status Fetch(std::chrono::steady_clock::time_point deadline, std::string* message,
                     bool* got);
  // Standby status update: written = flushed = applied = `flushed`.
  base::Status SendStatus(model::Lsn flushed, bool reply_requested = false);

  // Primary-key column names of a relation, in key order (empty if none).
  base::Result<std::vector<std::string>> PrimaryKey(uint32_t oid);

  void Close();
  // Runs a statement on the replication connection before streaming (fixture capture:
  // SET logical_decoding_work_mem).
  base::Status ExecOnReplicationConnection(const std::string& sql) { return repl_->Exec(sql); }
  const std::string& system_id() const { return system_id_; }
  // The slot's confirmed_flush_lsn as last seen by ResolveStart/CheckSlotFor (for a slot just
  // created: its consistent point). Status updates send this until something is acknowledged.
  model::Lsn slot_confirmed() const { return slot_confirmed_; }
  const PgSourceConfig& config() const { return config_; }

 private:
  base::Status Preflight();
  base::Status EnsurePublication(bool create);
  base::Status CheckCanCreatePublication(const std::string& create_sql);

  PgSourceConfig config_;
  std::unique_ptr<PgConnection> sql_;
  std::unique_ptr<PgConnection> repl_;
  std::string system_id_;
  bool streaming_ = false;
  model::Lsn slot_confirmed_;
};

}  // namespace sluice::source::postgres
