// BinlogParser: the pure (no I/O) decoder of a MySQL/MariaDB binlog event stream into
// model::ChangeEvents.
//
// Lifecycle: construct, optionally SetStartPosition(), then Consume() every event in stream
// order, starting with the fake ROTATE and FORMAT_DESCRIPTION the server sends first (or, for
// a binlog file, every event after the 4-byte magic). A transaction is emitted as kRow events
// followed by one kCommit; a DDL is one kDdl that is also a commit point; heartbeats become
// kHeartbeat. Nothing is buffered per transaction.
//
// Threading: not thread-safe; one parser per stream.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "model/change_event.h"
#include "model/position.h"
#include "source/mysql/binlog_event.h"
#include "source/mysql/charset.h"
#include "source/mysql/table_map.h"

namespace sluice::source::mysql {

struct BinlogParserOptions {
  // Verify CRC32 of every event when the stream announces checksums (FDE alg byte = 1).
  bool verify_checksum = true;
};

class BinlogParser {
 public:
  explicit BinlogParser(BinlogParserOptions options = {});

  // Position to report before the first commit (e.g. the position the dump started at).
  void SetStartPosition(const model::SourcePosition& start);

  // Consumes one complete event: the 19-byte v4 header, body and (if enabled) the 4-byte CRC.
  // Appends the ChangeEvents it completes (rows, DDL, commit, heartbeat) to `out`.
  // MariaDB compressed events (log_bin_compress=ON) are decompressed with zlib.
  // Errors: DataLoss for checksum mismatch / malformed events (message says which event type,
  // binlog file and offset), Unimplemented for unsupported column types or MySQL compressed
  // transaction payloads (message names the table/column and the server setting to change),
  // FailedPrecondition if a TABLE_MAP lacks binlog_row_metadata=FULL column names. After an error
  // the parser state is unspecified; restart from committed_position().
  base::Status Consume(std::span<const uint8_t> event, std::vector<model::ChangeEvent>* out);

  // Position after the last completed transaction/DDL (what a checkpoint would store).
  const model::SourcePosition& committed_position() const { return committed_; }

  // Current binlog file name (from ROTATE).
  const std::string& current_file() const { return current_file_; }

  // True while inside an event group (between GTID/BEGIN and its XID/COMMIT).
  bool in_transaction() const { return in_txn_; }

  // Whether events currently carry a trailing CRC32 (from the last FORMAT_DESCRIPTION).
  bool checksum_enabled() const { return checksum_ == Checksum::kCrc32; }

  // Server version string from the last FORMAT_DESCRIPTION ("10.11.19-MariaDB-...").
  const std::string& server_version() const { return server_version_; }

  // Latest schema of `schema.table` seen in a TABLE_MAP, or nullptr.
  model::TableSchemaPtr FindTable(const std::string& schema, const std::string& table) const;

 private:
  enum class Checksum : uint8_t { kUnknown, kOff, kCrc32 };

  base::Status Error(const EventHeader& h, base::Status st) const;
  // Verifies and removes the CRC32 trailer when the event carries one.
  base::Status StripChecksum(const EventHeader& h, std::span<const uint8_t>* event) const;
  base::Status HandleFormatDescription(const EventHeader& h, std::span<const uint8_t> event);
  base::Status HandleRotate(const EventHeader& h, std::span<const uint8_t> body,
                            std::vector<model::ChangeEvent>* out);
  base::Status HandleQuery(const EventHeader& h, std::span<const uint8_t> body,
                           std::vector<model::ChangeEvent>* out);
  base::Status HandleTableMap(const EventHeader& h, std::span<const uint8_t> body);
  void ForgetOldTableId(uint64_t table_id);  // for the table in name_key_
  base::Status HandleRows(const EventHeader& h, std::span<const uint8_t> body,
                          std::vector<model::ChangeEvent>* out);
  base::Status HandleMariaGtid(const EventHeader& h, std::span<const uint8_t> body);
  base::Status HandleMysqlGtid(const EventHeader& h, std::span<const uint8_t> body);
  base::Status HandleMariaGtidList(const EventHeader& h, std::span<const uint8_t> body);
  void HandleHeartbeat(const EventHeader& h, std::span<const uint8_t> body,
                       std::vector<model::ChangeEvent>* out);

  // `gtid_seq`: the GTID sequence number (MariaDB seq_no, MySQL gno), if the group has one.
  void BeginTxn(const EventHeader& h, std::string gtid, std::optional<uint64_t> gtid_seq);
  // Ends the current group at event `h`: advances committed_ and returns the position.
  void EndTxn(const EventHeader& h);
  void EmitCommit(const EventHeader& h, std::vector<model::ChangeEvent>* out);

  BinlogParserOptions options_;
  Checksum checksum_ = Checksum::kUnknown;
  std::string server_version_;
  std::vector<uint8_t> post_header_len_;
  size_t table_id_size_ = 6;
  std::string current_file_;
  model::SourcePosition committed_;

  // Transaction state.
  bool in_txn_ = false;
  bool standalone_ = false;  // MariaDB GTID STANDALONE: the next QUERY ends the group
  bool saw_begin_ = false;
  model::TxnInfo txn_;
  std::optional<model::MariaGtid> pending_gtid_;
  uint64_t last_commit_ts_ = 0;

  // Table maps by id (latest map wins) and by "schema\0table" (for schema identity/versions).
  std::unordered_map<uint64_t, std::shared_ptr<const TableMap>> tables_by_id_;
  std::unordered_map<std::string, std::shared_ptr<const TableMap>> tables_by_name_;
  std::unordered_map<std::string, uint64_t> id_by_name_;

  Utf8Converter conv_;
  std::string scratch_;
  std::vector<uint8_t> decompressed_;  // payload of the current compressed event
  std::string name_key_;
};

}  // namespace sluice::source::mysql
