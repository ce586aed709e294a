// MySqlSnapshotDatabase: the MariaDB side of snapshots (source/snapshot/snapshot_database.h).
//
// Each chunk is read in its own `START TRANSACTION WITH CONSISTENT SNAPSHOT` (REPEATABLE READ,
// no locks: a concurrent writer keeps committing) and is exact at the binlog position MariaDB
// reports for that read view (`binlog_snapshot_file` / `binlog_snapshot_position`): every
// transaction before it is in the read, none after it. Chunks are key ranges
// `(lo, hi]` of the primary key, cut by the server (`ORDER BY pk LIMIT 1 OFFSET n-1`) and read
// with predicates the server evaluates (composite keys by the OR-expansion of the row-value
// comparison; strings as `CONVERT(... USING cs) COLLATE <column collation>`), so the chunk a key
// belongs to is the server's own decision. Strings are compared in the column's collation by
// the server (STRCMP, batched) when the stream asks.
//
// Table definitions come from information_schema and are mapped exactly as the binlog's
// TABLE_MAP (binlog_row_metadata=FULL) is in table_map.cc, and values are read as text and
// converted to the canonical forms of model/value.h exactly as the binlog decoder produces
// them (ENUM/SET/BIT as `col+0`, FLOAT through DOUBLE, TIMESTAMP in UTC), so a snapshot row
// encodes like a streamed one.
//
// Tables without a primary key, or whose key has a column without an exact order here (FLOAT,
// DOUBLE, BIT, ENUM, SET, GEOMETRY), are read in one pass (one consistent read of the whole
// table, streamed). Only MariaDB reports the binlog position of a read view; on MySQL the
// snapshot fails with a FailedPrecondition naming snapshot=never.
//
// Threading: NewReader() from any thread; each reader on its own connection and thread; the
// rest on the changefeed's thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/mysql/mysql_connection.h"
#include "source/mysql/source_config.h"
#include "source/snapshot/snapshot_database.h"

namespace sluice::source::mysql {

using client::mysql::ConnectOptions;
using client::mysql::MySqlConnection;

// A collation's name and character set (from information_schema.COLLATIONS).
struct CollationName {
  std::string name;
  std::string charset;
};
using CollationMap = std::map<uint32_t, CollationName>;

class MySqlSnapshotDatabase : public snapshot::SnapshotDatabase {
 public:
  explicit MySqlSnapshotDatabase(MySqlSourceConfig config);
  ~MySqlSnapshotDatabase() override;

  base::Result<std::vector<snapshot::TableId>> ListTables(
      const std::function<bool(const std::string&, const std::string&)>& match) override;
  base::Result<model::SourcePosition> CurrentPosition() override;
  base::Result<bool> PositionAvailable(const model::SourcePosition& position) override;
  base::Result<std::unique_ptr<snapshot::ChunkReader>> NewReader() override;
  snapshot::CollationOracle* oracle() override;
  bool Sees(const snapshot::ReadPoint& point, const snapshot::TxnRef& txn) const override;
  bool Passed(const model::SourcePosition& stream,
              const snapshot::ReadPoint& point) const override;

  // The connection settings readers use (the source URI's).
  ConnectOptions Connection() const;
  // The server's collations (loaded once).
  base::Result<std::shared_ptr<const CollationMap>> Collations();

 private:
  base::Result<MySqlConnection*> Conn();

  MySqlSourceConfig config_;
  std::unique_ptr<MySqlConnection> conn_;  // changefeed thread: catalog, positions
  std::unique_ptr<snapshot::CollationOracle> oracle_;
  std::mutex mu_;
  std::shared_ptr<const CollationMap> collations_;
};

// Orders binlog positions: by the file's numeric extension (mysql-bin.999999 <
// mysql-bin.1000000), then offset. An empty position sorts first.
int CompareBinlogPositions(const model::BinlogPosition& a, const model::BinlogPosition& b);

}  // namespace sluice::source::mysql
