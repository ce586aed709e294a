// PgSource: the PostgreSQL logical-replication (pgoutput) implementation of source::Source.
//
// Open(start): connects a ReplicationClient (preflight, publication), then streams from
// start.lsn when the checkpoint has one (the slot must still exist), else from the slot
// (created when missing; start=now also skips what an existing slot holds). Read() fetches
// CopyData messages on the caller's thread (poll with the caller's `wait`), feeds XLogData to a
// PgOutputDecoder and answers keepalives. Acknowledge(durable) sends a standby status update
// with flushed = durable.lsn: the slot's confirmed_flush_lsn only ever moves to a stored
// checkpoint. Status updates re-sending the last acknowledged LSN go out every
// status-interval and whenever the server asks, so wal_sender_timeout never fires while the
// changefeed is reading.
//
// Positions: kCommit carries lsn = the commit's end_lsn; keepalives outside a transaction give
// kHeartbeat events at the server's WAL end. Threading: Open/Read/Acknowledge/Close from one
// thread (the Source contract). Errors: as ReplicationClient (Unavailable = reconnect from the
// checkpoint); decoder errors are sticky.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"
#include "source/postgres/pg_output_decoder.h"
#include "source/postgres/replication_client.h"
#include "source/postgres/source_config.h"
#include "source/source.h"

namespace sluice::source::postgres {

class PgSource : public source::Source {
 public:
  explicit PgSource(PgSourceConfig config);
  ~PgSource() override;

  base::Status Open(const model::SourcePosition& start) override;
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                    std::chrono::milliseconds wait) override;
  void Acknowledge(const model::SourcePosition& durable) override;
  void Close() override;

  const PgSourceConfig& config() const { return config_; }
  // The LSN streaming started at (valid after Open()).
  model::Lsn start_lsn() const { return start_lsn_; }
  // The LSN sent as flushed in standby status updates: the slot's position at Open(), then the
  // last acknowledged checkpoint.
  model::Lsn acknowledged() const { return acked_; }

 private:
  base::Status Handle(const std::string& message);
  base::Status MaybeSendStatus(bool force);

  PgSourceConfig config_;
  std::unique_ptr<ReplicationClient> client_;
  std::unique_ptr<PgOutputDecoder> decoder_;
  model::Lsn start_lsn_;
  model::Lsn acked_;
  std::chrono::steady_clock::time_point last_status_{};
  std::deque<model::ChangeEvent> pending_;
  std::vector<model::ChangeEvent> parsed_;
  std::string message_;
  base::Status sticky_;
};

}  // namespace sluice::source::postgres
