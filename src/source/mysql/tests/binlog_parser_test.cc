// BinlogParser against a real MariaDB 10.11 binlog (fixtures/mariadb_types.binlog, produced by
// fixtures/capture.sh; the expected values below are the literals that script inserts).
#include "source/mysql/binlog_parser.h"

#include <gtest/gtest.h>

#include <map>

#include "source/mysql/tests/fixture_util.h"

namespace sluice::source::mysql {
namespace {

using model::ChangeEvent;
using model::ColumnType;
using model::RowOp;
using model::Temporal;
using model::Value;
using testing::ReadFixture;
using testing::SplitEvents;

constexpr char kFile[] = "mysql-bin.000002";

Temporal Tm(int32_t y, uint8_t mo, uint8_t d, uint32_t h = 0, uint8_t mi = 0, uint8_t s = 0,
            uint32_t us = 0, bool neg = false) {
  Temporal t;
  t.year = y;
  t.month = mo;
  t.day = d;
  t.hour = h;
  t.minute = mi;
  t.second = s;
  t.micros = us;
  t.negative = neg;
  return t;
}
Value Time(uint32_t h, uint8_t mi, uint8_t s, uint32_t us = 0, bool neg = false) {
  return Value::Time(Tm(0, 0, 0, h, mi, s, us, neg));
}
Value Str(std::string s) { return Value::String(std::move(s)); }
Value Bytes(std::initializer_list<uint8_t> b) {
  return Value::String(std::string(b.begin(), b.end()));
}

class MariaDbFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = ReadFixture("mariadb_types.binlog");
    ASSERT_GT(file_.size(), 1000u) << "missing fixture mariadb_types.binlog";
    events_ = SplitEvents(file_);
    parser_.SetStartPosition({{kFile, 4}, {}, {}});
    for (auto ev : events_) {
      auto st = parser_.Consume(ev, &out_);
      ASSERT_TRUE(st.ok()) << st.message();
    }
    for (const auto& e : out_) {
      if (e.kind == ChangeEvent::Kind::kRow) rows_[e.row.table->table].push_back(&e);
    }
  }
  // Values of the n-th row event of `table`.
  const std::vector<Value>& After(const std::string& table, size_t n) {
    return rows_.at(table).at(n)->row.after;
  }

  std::vector<uint8_t> file_;
  std::vector<std::span<const uint8_t>> events_;
  BinlogParser parser_;
  std::vector<ChangeEvent> out_;
  std::map<std::string, std::vector<const ChangeEvent*>> rows_;
};

TEST_F(MariaDbFixture, IntegersSignedUnsignedAndExtremes) {
  auto& r1 = After("t_int", 0);
  ASSERT_EQ(r1.size(), 12u);
  EXPECT_EQ(r1[0], Value::Int(1));
  EXPECT_EQ(r1[1], Value::Int(-128));
  EXPECT_EQ(r1[2], Value::UInt(255));
  EXPECT_EQ(r1[3], Value::Int(-32768));
  EXPECT_EQ(r1[4], Value::UInt(65535));
  EXPECT_EQ(r1[5], Value::Int(-8388608));
  EXPECT_EQ(r1[6], Value::UInt(16777215));
  EXPECT_EQ(r1[7], Value::Int(-2147483648LL));
  EXPECT_EQ(r1[8], Value::UInt(4294967295ULL));
  EXPECT_EQ(r1[9], Value::Int(INT64_MIN));
  EXPECT_EQ(r1[10], Value::UInt(18446744073709551615ULL));
  EXPECT_EQ(r1[11], Value::UInt(2024));
  auto& r2 = After("t_int", 1);
  EXPECT_EQ(r2[1], Value::Int(127));
  EXPECT_EQ(r2[3], Value::Int(32767));
  EXPECT_EQ(r2[5], Value::Int(8388607));
  EXPECT_EQ(r2[7], Value::Int(2147483647));
  EXPECT_EQ(r2[9], Value::Int(INT64_MAX));
  EXPECT_EQ(r2[10], Value::UInt(0));
  EXPECT_EQ(r2[11], Value::UInt(1901));
  auto& r3 = After("t_int", 2);
  for (size_t i = 1; i < r3.size(); ++i) EXPECT_TRUE(r3[i].is_null()) << i;

  const auto& schema = *rows_.at("t_int")[0]->row.table;
  EXPECT_EQ(schema.schema, "parser_fx");
  EXPECT_EQ(schema.columns[0].name, "id");
  EXPECT_TRUE(schema.columns[0].is_primary_key);
  EXPECT_FALSE(schema.columns[0].nullable);
  EXPECT_EQ(schema.primary_key, std::vector<size_t>{0});
  EXPECT_EQ(schema.columns[1].type, ColumnType::kTinyInt);
  EXPECT_FALSE(schema.columns[1].is_unsigned);
  EXPECT_TRUE(schema.columns[2].is_unsigned);
  EXPECT_EQ(schema.columns[5].type, ColumnType::kMediumInt);
  EXPECT_EQ(schema.columns[10].type, ColumnType::kBigInt);
  EXPECT_TRUE(schema.columns[10].is_unsigned);
  EXPECT_EQ(schema.columns[11].type, ColumnType::kYear);
  EXPECT_TRUE(schema.columns[11].nullable);
}

TEST_F(MariaDbFixture, DecimalsAreExactText) {
  auto& r1 = After("t_dec", 0);
  EXPECT_EQ(r1[1], Value::Decimal("-1234.5678"));
  EXPECT_EQ(r1[2], Value::Decimal("-1234567890"));
  EXPECT_EQ(r1[3], Value::Decimal("-12345678901234567890.12345678901234567890"));
  EXPECT_EQ(r1[4], Value::Decimal("0.12345"));
  EXPECT_EQ(r1[5],
            Value::Decimal("12345678901234567890123456789012345.123456789012345678901234567890"));
  EXPECT_EQ(r1[6], Value::Float(1.5f));
  EXPECT_EQ(r1[7], Value::Double(-2.25e100));
  auto& r2 = After("t_dec", 1);
  EXPECT_EQ(r2[1], Value::Decimal("0.0000"));
  EXPECT_EQ(r2[2], Value::Decimal("0"));
  EXPECT_EQ(r2[3], Value::Decimal("0.00000000000000000001"));
  EXPECT_EQ(r2[4], Value::Decimal("-0.00001"));
  EXPECT_EQ(r2[5], Value::Decimal("0.000000000000000000000000000000"));
  auto& r3 = After("t_dec", 2);
  EXPECT_EQ(r3[1], Value::Decimal("1234.5000"));
  EXPECT_EQ(r3[2], Value::Decimal("9999999999"));
  EXPECT_EQ(r3[4], Value::Decimal("-0.99999"));
  EXPECT_EQ(r3[6], Value::Float(-3.25f));
  EXPECT_EQ(r3[7], Value::Double(1e-300));
  const auto& cols = rows_.at("t_dec")[0]->row.table->columns;
  EXPECT_EQ(cols[1].type, ColumnType::kDecimal);
  EXPECT_EQ(cols[1].precision, 14);
  EXPECT_EQ(cols[1].scale, 4);
  EXPECT_TRUE(cols[5].is_unsigned);
  EXPECT_FALSE(cols[1].is_unsigned);
  EXPECT_EQ(cols[6].type, ColumnType::kFloat);
  EXPECT_EQ(cols[7].type, ColumnType::kDouble);
}

TEST_F(MariaDbFixture, TemporalsWithEveryFsp) {
  auto& r1 = After("t_time", 0);
  EXPECT_EQ(r1[1], Value::Date(Tm(2024, 2, 29)));
  EXPECT_EQ(r1[2], Time(838, 59, 59));
  EXPECT_EQ(r1[3], Time(1, 2, 3, 450000, true));  // '-01:02:03.45'
  EXPECT_EQ(r1[4], Time(0, 0, 1, 100, true));     // '-00:00:01.0001'
  EXPECT_EQ(r1[5], Time(12, 34, 56, 1, true));    // '-12:34:56.000001'
  EXPECT_EQ(r1[6], Value::DateTime(Tm(2024, 1, 2, 3, 4, 5)));
  EXPECT_EQ(r1[7], Value::DateTime(Tm(2024, 1, 2, 3, 4, 5, 123000)));
  EXPECT_EQ(r1[8], Value::DateTime(Tm(9999, 12, 31, 23, 59, 59, 999999)));
  EXPECT_EQ(r1[9], Value::Timestamp(1704164645, 0));
  EXPECT_EQ(r1[10], Value::Timestamp(1704164645, 500000));
  EXPECT_EQ(r1[11], Value::Timestamp(1704164645, 123456));
  auto& r2 = After("t_time", 1);
  EXPECT_EQ(r2[1], Value::Date(Tm(1000, 1, 1)));
  EXPECT_EQ(r2[2], Time(838, 59, 59, 0, true));
  EXPECT_EQ(r2[3], Time(1, 2, 3, 450000));
  EXPECT_EQ(r2[4], Time(0, 0, 0, 100));
  EXPECT_EQ(r2[5], Time(0, 0, 0, 999999));
  EXPECT_EQ(r2[6], Value::DateTime(Tm(1000, 1, 1)));
  EXPECT_EQ(r2[7], Value::DateTime(Tm(2024, 1, 2, 3, 4, 5, 500000)));
  EXPECT_EQ(r2[8], Value::DateTime(Tm(2024, 1, 2, 3, 4, 5, 1)));
  EXPECT_EQ(r2[9], Value::Timestamp(1, 0));
  EXPECT_EQ(r2[10], Value::Timestamp(2147483647, 900000));
  EXPECT_EQ(r2[11], Value::Timestamp(946684800, 1));
  auto& zero = After("t_time", 3);  // sql_mode='' zero dates
  EXPECT_EQ(zero[1], Value::Date(Tm(0, 0, 0)));
  EXPECT_EQ(zero[6], Value::DateTime(Tm(0, 0, 0)));
  EXPECT_EQ(zero[9], Value::Timestamp(0, 0));
  const auto& cols = rows_.at("t_time")[0]->row.table->columns;
  EXPECT_EQ(cols[3].type, ColumnType::kTime);
  EXPECT_EQ(cols[3].fsp, 2);
  EXPECT_EQ(cols[8].type, ColumnType::kDateTime);
  EXPECT_EQ(cols[8].fsp, 6);
  EXPECT_EQ(cols[10].type, ColumnType::kTimestamp);
  EXPECT_EQ(cols[10].fsp, 1);
}

TEST_F(MariaDbFixture, LegacyTemporalFormats) {
  auto& r = After("t_legacy", 0);
  EXPECT_EQ(r[1], Time(12, 34, 56, 0, true));
  EXPECT_EQ(r[2], Value::DateTime(Tm(2024, 1, 2, 3, 4, 5)));
  EXPECT_EQ(r[3], Value::Timestamp(1704164645, 0));
}

TEST_F(MariaDbFixture, StringsAreConvertedToUtf8AndBinaryKeepsBytes) {
  auto& r = After("t_str", 0);
  EXPECT_EQ(r[1], Str("café €"));   // latin1 (cp1252 0x80 = €)
  EXPECT_EQ(r[2], Str("héllo 😀"));  // utf8mb4
  EXPECT_EQ(r[3], Str("ab"));       // CHAR(10) latin1: pad stripped by the server
  std::string e255;
  for (int i = 0; i < 255; ++i) e255 += "é";
  EXPECT_EQ(r[4], Str(e255));                // CHAR(255) utf8mb4: 2-byte length (>255 bytes)
  EXPECT_EQ(r[5], Bytes({'a', 'b', 0, 0}));  // BINARY(4) keeps its 0x00 padding
  EXPECT_EQ(r[6], Bytes({0x00, 0xFF, 0x10}));
  EXPECT_EQ(r[7], Str("héllo"));    // ucs2
  EXPECT_EQ(r[8], Str("😀x"));       // utf16
  EXPECT_EQ(r[9], Str("ü😀"));       // utf32
  EXPECT_EQ(r[10], Str("中文"));    // gbk
  EXPECT_EQ(r[11], Str("Привет"));  // cp1251
  EXPECT_EQ(r[12], Str("中文"));    // big5
  EXPECT_EQ(r[13], Str("ñandú"));   // utf8mb3
  EXPECT_EQ(r[14], Str("ÅÄÖ"));     // utf8mb4_uca1400_ai_ci (id >= 2048)
  auto& empty = After("t_str", 1);
  EXPECT_EQ(empty[1], Str(""));
  EXPECT_EQ(empty[5], Bytes({0, 0, 0, 0}));
  EXPECT_EQ(empty[6], Str(""));
  auto& nulls = After("t_str", 2);
  for (size_t i = 1; i < nulls.size(); ++i) EXPECT_TRUE(nulls[i].is_null()) << i;

  const auto& cols = rows_.at("t_str")[0]->row.table->columns;
  EXPECT_EQ(cols[1].type, ColumnType::kVarChar);
  EXPECT_EQ(cols[1].collation, 8u);  // latin1_swedish_ci
  EXPECT_EQ(cols[2].length, 1200u);
  EXPECT_EQ(cols[3].type, ColumnType::kChar);
  EXPECT_EQ(cols[4].type, ColumnType::kChar);
  EXPECT_EQ(cols[4].length, 1020u);
  EXPECT_EQ(cols[5].type, ColumnType::kBinary);
  EXPECT_TRUE(cols[5].is_binary());
  EXPECT_EQ(cols[6].type, ColumnType::kVarBinary);
  EXPECT_GE(cols[14].collation, 2048u);
}

TEST_F(MariaDbFixture, EnumAndSetWithMemberNames) {
  auto& r = After("t_enum", 0);
  EXPECT_EQ(r[1], Value::UInt(3));                 // 'c'
  EXPECT_EQ(r[2], Value::UInt(5));                 // 'x,z'
  EXPECT_EQ(r[3], Value::UInt(300));               // 2-byte ENUM index
  EXPECT_EQ(r[4], Value::UInt((1ULL << 63) | 1));  // 's1,s64': 8-byte SET
  auto& r2 = After("t_enum", 1);
  EXPECT_EQ(r2[1], Value::UInt(1));
  EXPECT_EQ(r2[2], Value::UInt(0));
  EXPECT_TRUE(After("t_enum", 2)[3].is_null());
  const auto& cols = rows_.at("t_enum")[0]->row.table->columns;
  EXPECT_EQ(cols[1].type, ColumnType::kEnum);
  EXPECT_EQ(cols[1].elements, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(cols[2].type, ColumnType::kSet);
  EXPECT_EQ(cols[2].elements, (std::vector<std::string>{"x", "y", "z"}));
  ASSERT_EQ(cols[3].elements.size(), 300u);
  EXPECT_EQ(cols[3].elements[299], "v300");
  ASSERT_EQ(cols[4].elements.size(), 64u);
  EXPECT_EQ(cols[4].elements[63], "s64");
}

TEST_F(MariaDbFixture, BitsAreBigEndianUnsigned) {
  auto& r = After("t_bit", 0);
  EXPECT_EQ(r[1], Value::UInt(1));
  EXPECT_EQ(r[2], Value::UInt(0b1010101010));
  EXPECT_EQ(r[3], Value::UInt(UINT64_MAX));
  auto& r2 = After("t_bit", 1);
  EXPECT_EQ(r2[1], Value::UInt(0));
  EXPECT_EQ(r2[2], Value::UInt(1));
  EXPECT_EQ(r2[3], Value::UInt(0x8000000000000001ULL));
  const auto& cols = rows_.at("t_bit")[0]->row.table->columns;
  EXPECT_EQ(cols[2].type, ColumnType::kBit);
  EXPECT_EQ(cols[2].length, 10u);
  EXPECT_EQ(cols[3].length, 64u);
}

TEST_F(MariaDbFixture, BlobsTextJsonGeometry) {
  auto& r = After("t_blob", 0);
  EXPECT_EQ(r[1], Bytes({0x00, 0x01, 0xFF}));
  EXPECT_EQ(r[2], Str("blob"));
  EXPECT_EQ(r[3], Str(std::string(300, 'm')));
  EXPECT_EQ(r[4], Str("long"));
  EXPECT_EQ(r[5], Str("tiny"));
  EXPECT_EQ(r[6], Str("text é"));
  EXPECT_EQ(r[7], Str("medium"));
  EXPECT_EQ(r[8], Str("lätin"));  // LONGTEXT latin1 converted
  EXPECT_EQ(r[9], Str(R"({"k": [1, 2.5, "x", null, true]})"));
  // POINT(1 2): SRID 0 + WKB (little-endian point, x=1.0, y=2.0).
  EXPECT_EQ(r[10], Bytes({0, 0, 0,    0,    0x01, 0x01, 0, 0, 0, 0, 0, 0,   0,
                          0, 0, 0xF0, 0x3F, 0,    0,    0, 0, 0, 0, 0, 0x40}));
  for (size_t i = 1; i < 11; ++i) EXPECT_TRUE(After("t_blob", 1)[i].is_null()) << i;
  const auto& cols = rows_.at("t_blob")[0]->row.table->columns;
  EXPECT_EQ(cols[1].type, ColumnType::kTinyBlob);
  EXPECT_EQ(cols[2].type, ColumnType::kBlob);
  EXPECT_EQ(cols[3].type, ColumnType::kMediumBlob);
  EXPECT_EQ(cols[4].type, ColumnType::kLongBlob);
  EXPECT_EQ(cols[5].type, ColumnType::kTinyText);
  EXPECT_EQ(cols[6].type, ColumnType::kText);
  EXPECT_EQ(cols[7].type, ColumnType::kMediumText);
  EXPECT_EQ(cols[8].type, ColumnType::kLongText);
  EXPECT_EQ(cols[9].type, ColumnType::kLongText);  // MariaDB JSON == LONGTEXT in the binlog
  EXPECT_EQ(cols[10].type, ColumnType::kGeometry);
}

TEST_F(MariaDbFixture, UpdateAndDeleteImages) {
  const auto& ints = rows_.at("t_int");
  ASSERT_EQ(ints.size(), 5u);
  const auto& upd = ints[3]->row;
  EXPECT_EQ(upd.op, RowOp::kUpdate);
  ASSERT_EQ(upd.before.size(), 12u);
  ASSERT_EQ(upd.after.size(), 12u);
  EXPECT_EQ(upd.before[1], Value::Int(127));
  EXPECT_EQ(upd.after[1], Value::Int(5));
  EXPECT_EQ(upd.before[10], Value::UInt(0));
  EXPECT_EQ(upd.after[10], Value::UInt(42));
  EXPECT_EQ(upd.after[11], Value::UInt(1901));
  const auto& del = ints[4]->row;
  EXPECT_EQ(del.op, RowOp::kDelete);
  EXPECT_EQ(del.before[0], Value::Int(3));
  EXPECT_TRUE(del.before[1].is_null());
  EXPECT_TRUE(del.after.empty());
  // The same table definition maps to the very same schema object.
  EXPECT_EQ(ints[0]->row.table.get(), ints[3]->row.table.get());
}

TEST_F(MariaDbFixture, AlterTableBumpsSchemaVersion) {
  const auto& bits = rows_.at("t_bit");
  ASSERT_EQ(bits.size(), 4u);
  EXPECT_EQ(bits[0]->row.table->version, 1u);
  EXPECT_EQ(bits[2]->row.table.get(), bits[0]->row.table.get());
  const auto& altered = *bits[3]->row.table;
  EXPECT_EQ(altered.version, 2u);
  ASSERT_EQ(altered.columns.size(), 5u);
  EXPECT_EQ(altered.columns[2].name, "note");
  EXPECT_EQ(bits[3]->row.after[2], Str("after"));
  EXPECT_TRUE(bits[3]->row.after[3].is_null());
  EXPECT_EQ(parser_.FindTable("parser_fx", "t_bit").get(), bits[3]->row.table.get());
}

TEST_F(MariaDbFixture, TransactionsCommitsAndDdl) {
  // Expected group sequence: DDL, then row events closed by a commit.
  std::vector<const ChangeEvent*> ends;
  for (const auto& e : out_) {
    if (e.kind != ChangeEvent::Kind::kRow && e.kind != ChangeEvent::Kind::kHeartbeat) {
      ends.push_back(&e);
    }
  }
  ASSERT_GE(ends.size(), 20u);
  const ChangeEvent& ddl = *ends[0];
  ASSERT_EQ(ddl.kind, ChangeEvent::Kind::kDdl);
  EXPECT_EQ(ddl.ddl.schema, "parser_fx");
  EXPECT_EQ(ddl.ddl.table, "t_int");
  EXPECT_TRUE(ddl.ddl.sql.starts_with("CREATE TABLE t_int"));
  EXPECT_EQ(ddl.position.binlog.file, kFile);
  EXPECT_EQ(ddl.txn.commit_time_ms % 1000, 0u);
  EXPECT_GT(ddl.txn.commit_time_ms, 1700000000000u);

  const ChangeEvent& commit = *ends[1];
  ASSERT_EQ(commit.kind, ChangeEvent::Kind::kCommit);
  const auto& first_row = *rows_.at("t_int")[0];
  EXPECT_EQ(first_row.txn.gtid, commit.txn.gtid);
  EXPECT_EQ(first_row.txn.commit_ts, commit.txn.commit_ts);
  EXPECT_EQ(commit.txn.commit_ts >> 18, commit.txn.commit_time_ms);
  // GTIDs are domain-server-seq and the set follows them.
  auto ddl_gtid = model::MariaGtid::Parse(ddl.txn.gtid);
  auto commit_gtid = model::MariaGtid::Parse(commit.txn.gtid);
  ASSERT_TRUE(ddl_gtid.ok() && commit_gtid.ok());
  EXPECT_EQ(commit_gtid->seq_no, ddl_gtid->seq_no + 1);
  EXPECT_EQ(commit.position.gtids.ToString(), commit.txn.gtid);
  EXPECT_GT(commit.position.binlog.offset, ddl.position.binlog.offset);

  uint64_t last_ts = 0;
  uint64_t last_offset = 0;
  for (const auto* e : ends) {
    EXPECT_GT(e->txn.commit_ts, last_ts);
    EXPECT_GT(e->position.binlog.offset, last_offset);
    last_ts = e->txn.commit_ts;
    last_offset = e->position.binlog.offset;
  }
  // MyISAM: the group ends with QUERY "COMMIT", not XID.
  const ChangeEvent& last = *ends.back();
  EXPECT_EQ(last.kind, ChangeEvent::Kind::kCommit);
  EXPECT_EQ(rows_.at("t_myisam")[0]->txn.gtid, last.txn.gtid);
  // The real ROTATE written by FLUSH BINARY LOGS moves the position to the next file.
  EXPECT_EQ(parser_.committed_position().gtids.ToString(), last.txn.gtid);
  EXPECT_EQ(parser_.committed_position().binlog.ToString(), "mysql-bin.000003:4");
  // ... and announces it: the stream's last event is a heartbeat in the new file.
  ASSERT_EQ(out_.back().kind, ChangeEvent::Kind::kHeartbeat);
  EXPECT_EQ(out_.back().position.binlog.ToString(), "mysql-bin.000003:4");
  // Every event of a group knows the offset of the group's first event.
  EXPECT_GT(last.txn.start_offset, 4u);
  EXPECT_LT(last.txn.start_offset, last.position.binlog.offset);
  EXPECT_EQ(rows_.at("t_myisam")[0]->txn.start_offset, last.txn.start_offset);
  EXPECT_EQ(parser_.current_file(), "mysql-bin.000003");
  EXPECT_FALSE(parser_.in_transaction());
}

TEST_F(MariaDbFixture, CommittedPositionBeforeFirstCommitComesFromGtidList) {
  BinlogParser p;
  p.SetStartPosition({{kFile, 4}, {}, {}});
  std::vector<ChangeEvent> out;
  // FDE, GTID_LIST, BINLOG_CHECKPOINT: no commit yet.
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(p.Consume(events_[i], &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(p.committed_position().binlog.ToString(), std::string(kFile) + ":4");
  auto first_gtid = model::MariaGtid::Parse(out_[0].txn.gtid);
  ASSERT_TRUE(first_gtid.ok());
  model::MariaGtid before = *first_gtid;
  before.seq_no -= 1;
  EXPECT_EQ(p.committed_position().gtids.ToString(), before.ToString());
  EXPECT_TRUE(p.checksum_enabled());
  EXPECT_TRUE(p.server_version().starts_with("10.11"));
}

TEST_F(MariaDbFixture, ChecksumMismatchIsDataLoss) {
  BinlogParser p;
  p.SetStartPosition({{kFile, 4}, {}, {}});
  std::vector<ChangeEvent> out;
  size_t i = 0;
  for (; i < events_.size(); ++i) {
    if (events_[i][4] == kWriteRowsEventV1) break;
    ASSERT_TRUE(p.Consume(events_[i], &out).ok());
  }
  ASSERT_LT(i, events_.size());
  std::vector<uint8_t> corrupt(events_[i].begin(), events_[i].end());
  corrupt[corrupt.size() / 2] ^= 0x01;
  size_t before = out.size();
  auto st = p.Consume(corrupt, &out);
  EXPECT_EQ(st.code(), base::Code::kDataLoss);
  EXPECT_NE(st.message().find("CRC32"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("WRITE_ROWS_V1"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(kFile), std::string::npos) << st.message();
  EXPECT_EQ(out.size(), before);
  // Without verification the corrupt event is decoded (the flipped bit lands in row data).
  BinlogParser lenient({.verify_checksum = false});
  lenient.SetStartPosition({{kFile, 4}, {}, {}});
  std::vector<ChangeEvent> out2;
  for (size_t j = 0; j < i; ++j) ASSERT_TRUE(lenient.Consume(events_[j], &out2).ok());
  auto st2 = lenient.Consume(corrupt, &out2);
  EXPECT_EQ(st2.message().find("CRC32"), std::string::npos);
}

TEST_F(MariaDbFixture, TruncatedEventIsDataLoss) {
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(events_[0], &out).ok());
  auto ev = events_[1];
  auto st = p.Consume(ev.first(ev.size() - 1), &out);
  EXPECT_EQ(st.code(), base::Code::kDataLoss);
  EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();
  st = p.Consume(ev.first(10), &out);
  EXPECT_EQ(st.code(), base::Code::kDataLoss);
}

TEST_F(MariaDbFixture, EveryEventReportsNoErrorAndRowsCountMatches) {
  size_t rows = 0;
  for (const auto& [table, evs] : rows_) rows += evs.size();
  // 3 t_int + 3 t_dec + 4 t_time + 1 t_legacy + 3 t_str + 3 t_enum + 2 t_bit + 2 t_blob
  // + (update, delete, insert) + 1 t_bit + 1 t_myisam
  EXPECT_EQ(rows, 3u + 3 + 4 + 1 + 3 + 3 + 2 + 2 + 3 + 1 + 1);
}

TEST(MariaDbCompressed, LogBinCompressEventsAreDecompressed) {
  auto file = ReadFixture("mariadb_compressed.binlog");
  ASSERT_GT(file.size(), 500u) << "missing fixture mariadb_compressed.binlog";
  BinlogParser p;
  std::vector<ChangeEvent> out;
  size_t compressed = 0;
  for (auto ev : SplitEvents(file)) {
    if (ev[4] >= kMariaQueryCompressedEvent && ev[4] <= kMariaDeleteRowsCompressedEventV1) {
      ++compressed;
    }
    auto st = p.Consume(ev, &out);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  EXPECT_EQ(compressed, 4u);  // CREATE TABLE, insert, update, delete
  std::vector<const ChangeEvent*> rows;
  const ChangeEvent* ddl = nullptr;
  for (const auto& e : out) {
    if (e.kind == ChangeEvent::Kind::kRow) rows.push_back(&e);
    if (e.kind == ChangeEvent::Kind::kDdl) ddl = &e;
  }
  ASSERT_NE(ddl, nullptr);
  EXPECT_EQ(ddl->ddl.sql, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(400))");
  EXPECT_EQ(ddl->ddl.table, "t");
  ASSERT_EQ(rows.size(), 4u);
  std::string abc;
  for (int i = 0; i < 100; ++i) abc += "abc";
  EXPECT_EQ(rows[0]->row.after[0], Value::Int(1));
  EXPECT_EQ(rows[0]->row.after[1], Str(abc));
  EXPECT_EQ(rows[1]->row.after[1], Str("short"));
  EXPECT_EQ(rows[2]->row.op, RowOp::kUpdate);
  EXPECT_EQ(rows[2]->row.before[1], Str("short"));
  EXPECT_EQ(rows[2]->row.after[1], Str("x"));
  EXPECT_EQ(rows[3]->row.op, RowOp::kDelete);
  EXPECT_EQ(rows[3]->row.before[1], Str(abc));
}

}  // namespace
}  // namespace sluice::source::mysql
