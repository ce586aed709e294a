// Strong types for positions in a source's change stream.
//
// A checkpoint is a SourcePosition; positions of different kinds never compare with each other.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sluice::model {

// A file/offset in a MySQL-family binlog. `offset` is the end_log_pos of the last event
// consumed, i.e. where reading resumes.
struct BinlogPosition {
  std::string file;
  uint64_t offset = 0;

  bool empty() const { return file.empty(); }
  std::string ToString() const;  // "mysql-bin.000003:636"
  static base::Result<BinlogPosition> Parse(std::string_view text);
  auto operator<=>(const BinlogPosition&) const = default;
};

// One MariaDB GTID: domain-server-sequence.
struct MariaGtid {
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint64_t seq_no = 0;

  std::string ToString() const;  // "0-1-27"
  static base::Result<MariaGtid> Parse(std::string_view text);
  auto operator<=>(const MariaGtid&) const = default;
};

// MariaDB GTID position: the last GTID applied per replication domain ("0-1-27,1-5-880").
class MariaGtidSet {
 public:
  void Update(const MariaGtid& gtid) { by_domain_[gtid.domain_id] = gtid; }
  bool empty() const { return by_domain_.empty(); }
  // True if every domain of `other` is present here at the same or a later sequence number:
  // everything `other` names has been applied.
  bool Covers(const MariaGtidSet& other) const;
  std::string ToString() const;
  static base::Result<MariaGtidSet> Parse(std::string_view text);
  bool operator==(const MariaGtidSet&) const = default;
  const std::map<uint32_t, MariaGtid>& domains() const { return by_domain_; }

 private:
  std::map<uint32_t, MariaGtid> by_domain_;
};

// A PostgreSQL WAL location.
struct Lsn {
  uint64_t value = 0;
  std::string ToString() const;  // "16/B374D848"
  auto operator<=>(const Lsn&) const = default;
};

// A Kafka offset within one partition.
struct KafkaOffset {
  int64_t value = -1;
  auto operator<=>(const KafkaOffset&) const = default;
};

// One partition of one Kafka topic.
struct KafkaPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const KafkaPartition&) const = default;
};

// The Kafka source's position: per partition, the offset of the next message to read (the
// last consumed offset + 1, which is also what a consumer group commits).
using KafkaOffsets = std::map<KafkaPartition, KafkaOffset>;

// Where a source resumes. For the binlog source both the file position and the GTID set are
// kept; the GTID set wins when present (it survives binlog renames and fail-over).
struct SourcePosition {
  BinlogPosition binlog;
  MariaGtidSet gtids;
  std::optional<Lsn> lsn;
  KafkaOffsets kafka;  // Kafka source: next offset per topic partition
  // The progress of a snapshot the changefeed is taking (tables, last copied key of each), in the
  // text form of source/snapshot/snapshot_state.h; empty when no snapshot is under way. Only
  // source/snapshot reads or writes it; it rides along so the checkpoint stores the stream
  // position and the snapshot progress atomically.
  std::string snapshot;

  bool empty() const {
    return binlog.empty() && gtids.empty() && !lsn && kafka.empty() && snapshot.empty();
  }
  // Serialized form for the checkpoint store: "binlog=<file:pos>;gtid=<set>;lsn=<X/Y>"
  // followed, for the Kafka source, by ";kafka=<topic>:<partition>:<next offset>,..." (topic
  // names cannot contain ':', ',' or ';') and, during a snapshot, ";snapshot=<percent-encoded
  // progress>".
  std::string Serialize() const;
  static base::Result<SourcePosition> Deserialize(std::string_view text);
};

}  // namespace sluice::model
