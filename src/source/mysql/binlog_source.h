// BinlogSource: the MariaDB/MySQL binlog implementation of source::Source.
//
// Open() connects a BinlogClient (preflight checks), resolves the start position and starts a
// reader thread that fetches raw events into a bounded queue (64 MiB / 8192 events). Read()
// feeds queued events to a BinlogParser on the caller's thread and returns the ChangeEvents it
// completes, so Read() honours `wait` exactly whatever the network does, and Close() can stop a
// reader blocked in the network by shutting the socket down.
//
// Start position for Open(start): start.gtids if non-empty (MariaDB GTID positioning), else
// start.binlog (file:pos), else the URI's start= option (default now).
//
// Threading: Open/Read/Close from one thread (the Source contract); Close() may also be called
// from another thread to unblock a Read(). Errors: as BinlogClient (Unavailable = reconnect by
// creating/opening a new source at committed_position(), which is the pipeline's job);
// parser errors as the parser reports them (DataLoss for corrupt events).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"
#include "source/mysql/binlog_client.h"
#include "source/mysql/binlog_parser.h"
#include "source/mysql/source_config.h"
#include "source/source.h"

namespace sluice::source::mysql {

class BinlogSource : public source::Source {
 public:
  explicit BinlogSource(MySqlSourceConfig config);
  // Parses a mysql:// or mariadb:// URI (see source_config.h).
  static base::Result<std::unique_ptr<BinlogSource>> Create(std::string_view uri);
  ~BinlogSource() override;

  base::Status Open(const model::SourcePosition& start) override;
  base::Status Read(std::vector<model::ChangeEvent>* out, size_t max_events,
                    std::chrono::milliseconds wait) override;
  void Close() override;

  // The position after the last kCommit/kDdl/kHeartbeat returned by Read() (the resolved start
  // position before any): reopening a source there neither loses nor repeats a transaction.
  const model::SourcePosition& committed_position() const { return committed_; }
  const MySqlSourceConfig& config() const { return config_; }
  // Server facts learned by the preflight (valid after Open()).
  const ServerInfo& server() const { return client_ ? client_->server() : empty_server_; }

 private:
  void ReaderLoop();
  bool PopRaw(std::vector<uint8_t>* raw, std::chrono::steady_clock::time_point deadline);

  MySqlSourceConfig config_;
  std::unique_ptr<BinlogClient> client_;
  std::unique_ptr<BinlogParser> parser_;
  model::SourcePosition committed_;
  ServerInfo empty_server_;

  // Reader thread → Read() hand-off.
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<uint8_t>> queue_;   // raw events, oldest first
  std::vector<std::vector<uint8_t>> spare_;  // recycled buffers
  size_t queued_bytes_ = 0;
  bool stop_ = false;
  base::Status reader_status_;  // why the reader stopped (non-OK once it has)
  bool reader_done_ = false;

  // Read() side (caller's thread only).
  std::deque<model::ChangeEvent> pending_;  // parsed but not yet returned
  std::vector<model::ChangeEvent> parsed_;  // scratch for BinlogParser::Consume
  base::Status sticky_;                     // a parser error is final
};

}  // namespace sluice::source::mysql
