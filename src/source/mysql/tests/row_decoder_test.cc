// Hand-built byte tests: value encodings from the reference (§1.15), MySQL binary JSON, and a
// synthetic MySQL 8 event stream (v2 rows events with extra data, GTID, partial images), plus
// error handling (unknown/compressed events, missing FULL metadata).
#include "source/mysql/row_decoder.h"

#include <gtest/gtest.h>

#include "base/crc32.h"
#include "source/mysql/binlog_parser.h"
#include "source/mysql/json_binary.h"

namespace sluice::source::mysql {
namespace {

using model::ChangeEvent;
using model::Value;
using Bytes = std::vector<uint8_t>;

void PutLE(Bytes& b, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutStr(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
void PutLenStr(Bytes& b, std::string_view s) {
  b.push_back(static_cast<uint8_t>(s.size()));
  PutStr(b, s);
}

TEST(RowDecoder, DecimalFromReferenceBytes) {
  Bytes neg = {0x7f, 0xff, 0xff, 0xfb, 0x2d, 0xe9, 0xd1};
  base::ByteReader r(neg);
  std::string out;
  ASSERT_TRUE(DecodeDecimal(r, 14, 4, &out));
  EXPECT_EQ(out, "-1234.5678");
  EXPECT_TRUE(r.empty());
  Bytes pos = {0x80, 0x00, 0x00, 0x04, 0xd2, 0x16, 0x2e};
  base::ByteReader r2(pos);
  ASSERT_TRUE(DecodeDecimal(r2, 14, 4, &out));
  EXPECT_EQ(out, "1234.5678");
  Bytes short_bytes = {0x80, 0x00};
  base::ByteReader r3(short_bytes);
  EXPECT_FALSE(DecodeDecimal(r3, 14, 4, &out));
}

TEST(RowDecoder, NegativeTime2WithFractionIsExact) {
  Bytes b = {0x7f, 0xef, 0x7c, 0xd3};  // TIME(2) '-01:02:03.45'
  base::ByteReader r(b);
  model::Temporal t = DecodeTime2(r, 2);
  EXPECT_TRUE(t.negative);
  EXPECT_EQ(t.hour, 1u);
  EXPECT_EQ(t.minute, 2);
  EXPECT_EQ(t.second, 3);
  EXPECT_EQ(t.micros, 450000u);
  EXPECT_TRUE(r.empty());
}

std::string Json(const Bytes& doc) {
  std::string out;
  auto st = DecodeMysqlJson(doc, &out);
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

// {"a": 1, "b": [true, null, "x"], "c": 2.5} in MySQL binary JSON (small object).
Bytes SampleJson() {
  Bytes d = {0x00};
  PutLE(d, 3, 2);                      // count
  PutLE(d, 51, 2);                     // size
  PutLE(d, 25, 2), PutLE(d, 1, 2);     // key "a"
  PutLE(d, 26, 2), PutLE(d, 1, 2);     // key "b"
  PutLE(d, 27, 2), PutLE(d, 1, 2);     // key "c"
  d.push_back(0x05), PutLE(d, 1, 2);   // int16 1, inlined
  d.push_back(0x02), PutLE(d, 28, 2);  // small array at 28
  d.push_back(0x0b), PutLE(d, 43, 2);  // double at 43
  PutStr(d, "abc");
  PutLE(d, 3, 2), PutLE(d, 15, 2);     // array: count, size
  d.push_back(0x04), PutLE(d, 1, 2);   // true
  d.push_back(0x04), PutLE(d, 0, 2);   // null
  d.push_back(0x0c), PutLE(d, 13, 2);  // string at 13 (relative to the array)
  d.push_back(1), d.push_back('x');
  double v = 2.5;
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  PutLE(d, bits, 8);
  return d;
}

TEST(Charset, CollationIdsMapToCharsets) {
  EXPECT_EQ(CharsetOfCollation(8), "latin1");
  EXPECT_EQ(CharsetOfCollation(33), "utf8mb3");
  EXPECT_EQ(CharsetOfCollation(45), "utf8mb4");
  EXPECT_EQ(CharsetOfCollation(46), "utf8mb4");
  EXPECT_EQ(CharsetOfCollation(224), "utf8mb4");
  EXPECT_EQ(CharsetOfCollation(247), "utf8mb4");
  EXPECT_EQ(CharsetOfCollation(255), "utf8mb4");  // MySQL 8 utf8mb4_0900_ai_ci
  EXPECT_EQ(CharsetOfCollation(63), "binary");
  EXPECT_EQ(CharsetOfCollation(28), "gbk");
  EXPECT_EQ(CharsetOfCollation(2048), "utf8mb3");  // MariaDB utf8mb3_uca1400_ai_ci
  EXPECT_EQ(CharsetOfCollation(2304), "utf8mb4");  // MariaDB utf8mb4_uca1400_ai_ci
  EXPECT_EQ(CharsetOfCollation(0), "");
  EXPECT_EQ(CharsetOfCollation(5000), "");
}

TEST(Charset, ConversionToUtf8) {
  Utf8Converter conv;
  std::string out;
  ASSERT_TRUE(conv.Convert(8, "\x80\x81\xe9", &out).ok());
  EXPECT_EQ(out, "\xe2\x82\xac\xc2\x81\xc3\xa9");  // €, U+0081, é
  ASSERT_TRUE(conv.Convert(63, std::string_view("\x00\xff", 2), &out).ok());
  EXPECT_EQ(out, std::string("\x00\xff", 2));
  ASSERT_TRUE(conv.Convert(54, std::string_view("\x00\x41\xd8", 3), &out).ok());  // utf16
  EXPECT_EQ(out, "A\xef\xbf\xbd");          // truncated surrogate → U+FFFD
  auto st = conv.Convert(10, "abc", &out);  // swe7: no converter
  EXPECT_EQ(st.code(), base::Code::kUnimplemented);
  EXPECT_NE(st.message().find("swe7"), std::string::npos) << st.message();
}

TEST(MysqlJson, ObjectsArraysLiteralsStringsDoubles) {
  EXPECT_EQ(Json(SampleJson()), R"({"a": 1, "b": [true, null, "x"], "c": 2.5})");
}

TEST(MysqlJson, ScalarsAndEscapes) {
  Bytes i64 = {0x09};
  PutLE(i64, static_cast<uint64_t>(-5), 8);
  EXPECT_EQ(Json(i64), "-5");
  Bytes u64 = {0x0a};
  PutLE(u64, UINT64_MAX, 8);
  EXPECT_EQ(Json(u64), "18446744073709551615");
  Bytes str = {0x0c, 4, 'a', '"', '\n', 'b'};
  EXPECT_EQ(Json(str), R"("a\"\nb")");
  Bytes lit = {0x04, 0x02};
  EXPECT_EQ(Json(lit), "false");
  double three = 3.0;
  uint64_t bits;
  std::memcpy(&bits, &three, 8);
  Bytes dbl = {0x0b};
  PutLE(dbl, bits, 8);
  EXPECT_EQ(Json(dbl), "3.0");
  double big = 1.5e300;
  std::memcpy(&bits, &big, 8);
  Bytes dbl2 = {0x0b};
  PutLE(dbl2, bits, 8);
  EXPECT_EQ(Json(dbl2), "1.5e300");
  EXPECT_EQ(Json({}), "null");
  // Opaque DECIMAL(14,4) -1234.5678.
  Bytes opaque = {0x0f, 246, 9, 14, 4, 0x7f, 0xff, 0xff, 0xfb, 0x2d, 0xe9, 0xd1};
  EXPECT_EQ(Json(opaque), "-1234.5678");
}

TEST(MysqlJson, LargeArrayInlinesInt32) {
  Bytes d = {0x03};
  PutLE(d, 2, 4);                                                 // count
  PutLE(d, 8 + 2 * 5, 4);                                         // size
  d.push_back(0x07), PutLE(d, static_cast<uint32_t>(-70000), 4);  // int32 inlined in large
  d.push_back(0x08), PutLE(d, 4000000000u, 4);                    // uint32 inlined
  EXPECT_EQ(Json(d), "[-70000, 4000000000]");
}

TEST(MysqlJson, MalformedIsDataLoss) {
  Bytes bad = SampleJson();
  bad[3] = 0xff;  // size beyond the document
  std::string out;
  EXPECT_EQ(DecodeMysqlJson(bad, &out).code(), base::Code::kDataLoss);
  Bytes unknown = {0x33, 0x00};
  EXPECT_EQ(DecodeMysqlJson(unknown, &out).code(), base::Code::kDataLoss);
}

// Builds a MySQL 8 style event stream with CRC32 checksums.
class Mysql8Stream {
 public:
  Bytes Event(uint8_t type, const Bytes& body, uint16_t flags = 0, bool fake = false,
              uint32_t ts = 1700000000) {
    Bytes e;
    uint32_t len = static_cast<uint32_t>(19 + body.size() + 4);
    PutLE(e, fake ? 0 : ts, 4);
    e.push_back(type);
    PutLE(e, 7, 4);  // server id
    PutLE(e, len, 4);
    PutLE(e, fake ? 0 : pos_ + len, 4);
    PutLE(e, flags, 2);
    e.insert(e.end(), body.begin(), body.end());
    PutLE(e, base::Crc32(e.data(), e.size()), 4);
    if (!fake) pos_ += len;
    return e;
  }
  Bytes FakeRotate(std::string_view file) {
    Bytes b;
    PutLE(b, 4, 8);
    PutStr(b, file);
    return Event(kRotateEvent, b, kFlagArtificial, /*fake=*/true);
  }
  Bytes Fde() {
    Bytes b;
    PutLE(b, 4, 2);
    std::string version = "8.0.36";
    version.resize(50, '\0');
    PutStr(b, version);
    PutLE(b, 0, 4);
    b.push_back(19);
    Bytes post(41, 0);
    post[kQueryEvent - 1] = 13;
    post[kTableMapEvent - 1] = 8;
    post[kWriteRowsEventV2 - 1] = 10;
    b.insert(b.end(), post.begin(), post.end());
    b.push_back(1);  // CRC32
    return Event(kFormatDescriptionEvent, b);
  }
  Bytes Gtid(uint64_t gno) {
    Bytes b = {0x01};
    for (uint8_t x : {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9,
                      0x42, 0x95, 0x62}) {
      b.push_back(x);
    }
    PutLE(b, gno, 8);
    b.push_back(2);  // logical timestamp typecode
    PutLE(b, 0, 16);
    return Event(kGtidEvent, b);
  }
  Bytes Query(std::string_view db, std::string_view sql) {
    Bytes b;
    PutLE(b, 11, 4);  // thread id
    PutLE(b, 0, 4);   // exec time
    b.push_back(static_cast<uint8_t>(db.size()));
    PutLE(b, 0, 2);  // error code
    PutLE(b, 5, 2);  // status vars length
    b.push_back(0x00);
    PutLE(b, 0, 4);  // FLAGS2
    PutStr(b, db);
    b.push_back(0);
    PutStr(b, sql);
    return Event(kQueryEvent, b);
  }
  // db.t (id INT UNSIGNED PRIMARY KEY, j JSON, v VARCHAR(10) utf8mb4_0900_ai_ci).
  Bytes TableMap(bool with_names = true) {
    Bytes b;
    PutLE(b, 0x42, 6);
    PutLE(b, 1, 2);
    PutLenStr(b, "db"), b.push_back(0);
    PutLenStr(b, "t"), b.push_back(0);
    b.push_back(3);
    b.push_back(kTypeLong), b.push_back(kTypeJson), b.push_back(kTypeVarchar);
    b.push_back(3);                                                       // metadata length
    b.push_back(4);                                                       // JSON pack length
    PutLE(b, 40, 2);                                                      // VARCHAR max bytes
    b.push_back(0x06);                                                    // j, v nullable
    b.push_back(1), b.push_back(1), b.push_back(0x80);                    // SIGNEDNESS: id unsigned
    b.push_back(2), b.push_back(3), b.push_back(0xfc), PutLE(b, 255, 2);  // DEFAULT_CHARSET
    if (with_names) {
      b.push_back(4), b.push_back(7);
      PutLenStr(b, "id"), PutLenStr(b, "j"), PutLenStr(b, "v");
    }
    b.push_back(8), b.push_back(1), b.push_back(0);  // SIMPLE_PRIMARY_KEY: id
    return Event(kTableMapEvent, b);
  }
  Bytes RowsHeader(uint8_t flags_lo) {
    Bytes b;
    PutLE(b, 0x42, 6);
    PutLE(b, flags_lo, 2);
    PutLE(b, 5, 2);                  // extra data length incl. itself
    b.push_back(1), PutLE(b, 7, 2);  // extra info: partition id 7
    b.push_back(3);                  // column count
    return b;
  }
  Bytes Write() {
    Bytes b = RowsHeader(1);
    b.push_back(0x07);  // present
    b.push_back(0x00);  // NULL bitmap
    PutLE(b, 4294967295u, 4);
    Bytes doc = SampleJson();
    PutLE(b, doc.size(), 4);
    b.insert(b.end(), doc.begin(), doc.end());
    PutLenStr(b, "h\xc3\xa9llo");
    return Event(kWriteRowsEventV2, b);
  }
  // Partial images: before has only id, after has id and v (= NULL).
  Bytes Update() {
    Bytes b = RowsHeader(1);
    b.push_back(0x01);
    b.push_back(0x05);
    b.push_back(0x00), PutLE(b, 1, 4);  // before: id=1
    b.push_back(0x02), PutLE(b, 2, 4);  // after: id=2, v NULL (2nd present column)
    return Event(kUpdateRowsEventV2, b);
  }
  Bytes Xid() {
    Bytes b;
    PutLE(b, 99, 8);
    return Event(kXidEvent, b);
  }
  uint32_t pos() const { return pos_; }

 private:
  uint32_t pos_ = 4;
};

TEST(Mysql8Stream, GtidV2RowsExtraDataPartialImagesAndJson) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.FakeRotate("binlog.000007"), &out).ok());
  EXPECT_EQ(p.current_file(), "binlog.000007");
  EXPECT_TRUE(p.committed_position().empty());  // fake events never move the position
  for (const Bytes& e :
       {s.Fde(), s.Gtid(42), s.Query("db", "BEGIN"), s.TableMap(), s.Write(), s.Update()}) {
    auto st = p.Consume(e, &out);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  ASSERT_TRUE(p.checksum_enabled());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(p.committed_position().empty());
  Bytes xid = s.Xid();
  ASSERT_TRUE(p.Consume(xid, &out).ok());
  ASSERT_EQ(out.size(), 3u);

  const ChangeEvent& ins = out[0];
  EXPECT_EQ(ins.txn.gtid, "3e11fa47-71ca-11e1-9e33-c80aa9429562:42");
  EXPECT_EQ(ins.txn.commit_time_ms, 1700000000000u);
  // The logical part is the GTID sequence number: a replay gets the same commitTs.
  EXPECT_EQ(ins.txn.commit_ts, (1700000000000u << 18) | 42);
  EXPECT_EQ(ins.row.op, model::RowOp::kInsert);
  EXPECT_EQ(ins.row.table->schema, "db");
  EXPECT_EQ(ins.row.table->columns[1].type, model::ColumnType::kJson);
  EXPECT_EQ(ins.row.table->columns[2].collation, 255u);
  EXPECT_TRUE(ins.row.table->columns[0].is_unsigned);
  ASSERT_EQ(ins.row.after.size(), 3u);
  EXPECT_EQ(ins.row.after[0], Value::UInt(4294967295u));
  EXPECT_EQ(ins.row.after[1], Value::String(R"({"a": 1, "b": [true, null, "x"], "c": 2.5})"));
  EXPECT_EQ(ins.row.after[2], Value::String("héllo"));

  const ChangeEvent& upd = out[1];
  EXPECT_EQ(upd.row.op, model::RowOp::kUpdate);
  EXPECT_EQ(upd.row.before[0], Value::UInt(1));
  EXPECT_TRUE(upd.row.before[1].is_absent());
  EXPECT_TRUE(upd.row.before[2].is_absent());
  EXPECT_EQ(upd.row.after[0], Value::UInt(2));
  EXPECT_TRUE(upd.row.after[1].is_absent());
  EXPECT_TRUE(upd.row.after[2].is_null());

  const ChangeEvent& commit = out[2];
  EXPECT_EQ(commit.kind, ChangeEvent::Kind::kCommit);
  EXPECT_EQ(commit.txn.gtid, ins.txn.gtid);
  EXPECT_EQ(commit.position.binlog.ToString(), fmt::format("binlog.000007:{}", s.pos()));
  EXPECT_TRUE(commit.position.gtids.empty());  // MySQL GTIDs live in TxnInfo only
  EXPECT_EQ(p.committed_position().binlog, commit.position.binlog);

  // DDL: GTID + QUERY without BEGIN is a group of its own; same second, next GTID.
  ASSERT_TRUE(p.Consume(s.Gtid(43), &out).ok());
  ASSERT_TRUE(p.Consume(s.Query("db", "ALTER TABLE `db`.`t` ADD COLUMN c INT"), &out).ok());
  ASSERT_EQ(out.size(), 4u);
  const ChangeEvent& ddl = out[3];
  EXPECT_EQ(ddl.kind, ChangeEvent::Kind::kDdl);
  EXPECT_EQ(ddl.ddl.schema, "db");
  EXPECT_EQ(ddl.ddl.table, "t");
  EXPECT_EQ(ddl.txn.gtid, "3e11fa47-71ca-11e1-9e33-c80aa9429562:43");
  EXPECT_EQ(ddl.txn.commit_ts, (1700000000000u << 18) | 43);
  EXPECT_EQ(ddl.position.binlog.offset, s.pos());
  EXPECT_FALSE(p.in_transaction());

  // Heartbeat: carries (and, between groups, advances) the position.
  Bytes hb_body;
  PutStr(hb_body, "binlog.000007");
  Bytes hb = s.Event(kHeartbeatEvent, hb_body, 0, false, 0);
  ASSERT_TRUE(p.Consume(hb, &out).ok());
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[4].kind, ChangeEvent::Kind::kHeartbeat);
  EXPECT_EQ(out[4].position.binlog.offset, s.pos());
}

TEST(Mysql8Stream, MissingColumnNamesIsFailedPrecondition) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  auto st = p.Consume(s.TableMap(/*with_names=*/false), &out);
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("SET GLOBAL binlog_row_metadata=FULL"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("db.t"), std::string::npos) << st.message();
}

TEST(Mysql8Stream, RowsWithoutTableMapIsDataLoss) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  auto st = p.Consume(s.Write(), &out);
  EXPECT_EQ(st.code(), base::Code::kDataLoss);
  EXPECT_TRUE(out.empty());
}

TEST(Mysql8Stream, TruncatedRowImageIsDataLoss) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  ASSERT_TRUE(p.Consume(s.TableMap(), &out).ok());
  // A rows event whose image stops in the middle of the INT column.
  Bytes b = s.RowsHeader(1);
  b.push_back(0x07), b.push_back(0x00), b.push_back(0x01), b.push_back(0x02);
  auto st = p.Consume(s.Event(kWriteRowsEventV2, b), &out);
  EXPECT_EQ(st.code(), base::Code::kDataLoss);
  EXPECT_NE(st.message().find("WRITE_ROWS"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("column id"), std::string::npos) << st.message();
  EXPECT_TRUE(out.empty());  // no half-decoded rows are left behind
}

TEST(Mysql8Stream, UnknownEventNeedsIgnorableFlag) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  Bytes body = {1, 2, 3};
  EXPECT_TRUE(p.Consume(s.Event(99, body, kFlagIgnorable), &out).ok());
  auto st = p.Consume(s.Event(99, body), &out);
  EXPECT_EQ(st.code(), base::Code::kUnimplemented);
  EXPECT_NE(st.message().find("99"), std::string::npos) << st.message();
  EXPECT_TRUE(out.empty());
}

TEST(Mysql8Stream, CompressedPayloadsNameTheSettingOrFailCleanly) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  ASSERT_TRUE(p.Consume(s.TableMap(), &out).ok());
  Bytes payload = {0x01, 0x02};
  auto st = p.Consume(s.Event(kTransactionPayloadEvent, payload), &out);
  EXPECT_EQ(st.code(), base::Code::kUnimplemented);
  EXPECT_NE(st.message().find("binlog_transaction_compression=OFF"), std::string::npos)
      << st.message();
  // A MariaDB compressed rows event whose zlib stream is garbage.
  Bytes rows;
  PutLE(rows, 0x42, 6);
  PutLE(rows, 1, 2);
  rows.push_back(3), rows.push_back(0x07);
  for (uint8_t b : {0x81, 0x10, 0x78, 0x9c, 0x00, 0x01}) rows.push_back(b);
  st = p.Consume(s.Event(kMariaWriteRowsCompressedEventV1, rows), &out);
  EXPECT_EQ(st.code(), base::Code::kDataLoss);
  EXPECT_NE(st.message().find("WRITE_ROWS_COMPRESSED_V1"), std::string::npos) << st.message();
  EXPECT_TRUE(out.empty());
}

TEST(Mysql8Stream, SavepointsStayInsideTheTransaction) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  for (const Bytes& e : {s.Fde(), s.Gtid(1), s.Query("db", "BEGIN"), s.Query("db", "SAVEPOINT a"),
                         s.Query("db", "ROLLBACK TO SAVEPOINT a")}) {
    ASSERT_TRUE(p.Consume(e, &out).ok());
  }
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(p.in_transaction());
  ASSERT_TRUE(p.Consume(s.Query("db", "COMMIT"), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ChangeEvent::Kind::kCommit);
}

TEST(Mysql8Stream, GeometryIsNotACharsetColumnOnMysql) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  // db.g (g GEOMETRY, v VARCHAR(10) latin1): COLUMN_CHARSET lists only v on MySQL.
  Bytes b;
  PutLE(b, 0x43, 6);
  PutLE(b, 1, 2);
  PutLenStr(b, "db"), b.push_back(0);
  PutLenStr(b, "g"), b.push_back(0);
  b.push_back(2);
  b.push_back(kTypeGeometry), b.push_back(kTypeVarchar);
  b.push_back(3), b.push_back(4), PutLE(b, 10, 2);  // metadata
  b.push_back(0x03);                                // nullable
  b.push_back(3), b.push_back(1), b.push_back(8);   // COLUMN_CHARSET: latin1
  b.push_back(4), b.push_back(4), PutLenStr(b, "g"), PutLenStr(b, "v");
  ASSERT_TRUE(p.Consume(s.Event(kTableMapEvent, b), &out).ok());
  Bytes rows;
  PutLE(rows, 0x43, 6);
  PutLE(rows, 1, 2);
  PutLE(rows, 2, 2);  // no extra data
  rows.push_back(2), rows.push_back(0x03);
  rows.push_back(0x01);                     // g NULL
  rows.push_back(1), rows.push_back(0xE9);  // 'é' in latin1
  auto st = p.Consume(s.Event(kWriteRowsEventV2, rows), &out);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].row.after[0].is_null());
  EXPECT_EQ(out[0].row.after[1], Value::String("\xc3\xa9"));
  EXPECT_EQ(out[0].row.table->columns[1].collation, 8u);
}

TEST(Mysql8Stream, XaPrepareEndsTheGroupAndXaCommitIsItsOwnGroup) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  for (const Bytes& e : {s.Fde(), s.TableMap(), s.Gtid(5), s.Query("db", "XA START X'01',X'',1"),
                         s.Write(), s.Query("db", "XA END X'01',X'',1")}) {
    ASSERT_TRUE(p.Consume(e, &out).ok());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(p.in_transaction());
  Bytes prepare;
  PutLE(prepare, 0, 1);
  PutLE(prepare, 1, 4), PutLE(prepare, 1, 4), PutLE(prepare, 0, 4), prepare.push_back(1);
  ASSERT_TRUE(p.Consume(s.Event(kXaPrepareEvent, prepare), &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, ChangeEvent::Kind::kCommit);
  EXPECT_EQ(out[1].position.binlog.offset, s.pos());
  EXPECT_FALSE(p.in_transaction());
  ASSERT_TRUE(p.Consume(s.Gtid(6), &out).ok());
  ASSERT_TRUE(p.Consume(s.Query("db", "XA COMMIT X'01',X'',1"), &out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].kind, ChangeEvent::Kind::kCommit);
  EXPECT_EQ(out[2].txn.gtid, "3e11fa47-71ca-11e1-9e33-c80aa9429562:6");
}

TEST(Mysql8Stream, DdlInsideAnOpenGroupDoesNotMoveThePosition) {
  Mysql8Stream s;
  BinlogParser p;
  p.SetStartPosition({{"binlog.000001", 4}, {}, {}});
  std::vector<ChangeEvent> out;
  for (const Bytes& e : {s.Fde(), s.Gtid(9), s.Query("db", "BEGIN"),
                         s.Query("db", "CREATE TABLE IF NOT EXISTS `other`.`t2` SELECT 1")}) {
    ASSERT_TRUE(p.Consume(e, &out).ok());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ChangeEvent::Kind::kDdl);
  EXPECT_EQ(out[0].ddl.schema, "other");
  EXPECT_EQ(out[0].ddl.table, "t2");
  EXPECT_EQ(out[0].position.binlog.ToString(), "binlog.000001:4");
  EXPECT_TRUE(p.in_transaction());
  ASSERT_TRUE(p.Consume(s.Xid(), &out).ok());
  EXPECT_EQ(p.committed_position().binlog.offset, s.pos());
}

TEST(Mysql8Stream, DdlTargetsAndRollback) {
  struct Case {
    const char* sql;
    const char* schema;
    const char* table;
  };
  const Case cases[] = {
      {"DROP TABLE IF EXISTS `t``x` /* generated by server */", "db", "t`x"},
      {"  /* c */ alter online table db2.t3 add column c int", "db2", "t3"},
      {"TRUNCATE t4", "db", "t4"},
      {"RENAME TABLE a TO b", "db", "a"},
      {"CREATE DATABASE zz", "db", ""},
  };
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  for (const Case& c : cases) {
    out.clear();
    ASSERT_TRUE(p.Consume(s.Query("db", c.sql), &out).ok());
    ASSERT_EQ(out.size(), 1u) << c.sql;
    EXPECT_EQ(out[0].kind, ChangeEvent::Kind::kDdl) << c.sql;
    EXPECT_EQ(out[0].ddl.schema, c.schema) << c.sql;
    EXPECT_EQ(out[0].ddl.table, c.table) << c.sql;
    EXPECT_EQ(out[0].ddl.sql, c.sql);
    EXPECT_EQ(out[0].position.binlog.offset, s.pos());
  }
  // Non-transactional group ended by ROLLBACK (rows already streamed stay): a commit point.
  out.clear();
  for (const Bytes& e :
       {s.Query("db", "BEGIN"), s.TableMap(), s.Write(), s.Query("db", "ROLLBACK")}) {
    ASSERT_TRUE(p.Consume(e, &out).ok());
  }
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, ChangeEvent::Kind::kCommit);
  EXPECT_EQ(out[0].txn.commit_ts, out[1].txn.commit_ts);
}

TEST(Mysql8Stream, YearIsNotInTheSignednessBitmapOnMysql) {
  Mysql8Stream s;
  BinlogParser p;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(p.Consume(s.Fde(), &out).ok());
  // db.y (y YEAR, u INT UNSIGNED, i INT): SIGNEDNESS 0x80 = first numeric column (u) unsigned.
  Bytes b;
  PutLE(b, 0x44, 6);
  PutLE(b, 1, 2);
  PutLenStr(b, "db"), b.push_back(0);
  PutLenStr(b, "y"), b.push_back(0);
  b.push_back(3);
  b.push_back(kTypeYear), b.push_back(kTypeLong), b.push_back(kTypeLong);
  b.push_back(0);     // no metadata
  b.push_back(0x07);  // nullable
  b.push_back(1), b.push_back(1), b.push_back(0x80);
  b.push_back(4), b.push_back(6), PutLenStr(b, "y"), PutLenStr(b, "u"), PutLenStr(b, "i");
  ASSERT_TRUE(p.Consume(s.Event(kTableMapEvent, b), &out).ok());
  Bytes rows;
  PutLE(rows, 0x44, 6);
  PutLE(rows, 1, 2);
  PutLE(rows, 2, 2);
  rows.push_back(3), rows.push_back(0x07), rows.push_back(0x00);
  rows.push_back(124);          // 2024
  PutLE(rows, 0xFFFFFFFFu, 4);  // u = 4294967295
  PutLE(rows, 0xFFFFFFFFu, 4);  // i = -1
  auto st = p.Consume(s.Event(kWriteRowsEventV2, rows), &out);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].row.after[0], Value::UInt(2024));
  EXPECT_EQ(out[0].row.after[1], Value::UInt(4294967295u));
  EXPECT_EQ(out[0].row.after[2], Value::Int(-1));
}

TEST(TableMap, PrimaryKeyWithPrefixAndDefaultCharsetExceptions) {
  // db.k (a VARCHAR(20), b VARCHAR(20) latin1, c INT), PRIMARY KEY (c, a(5)).
  Bytes b;
  PutLE(b, 0x45, 6);
  PutLE(b, 1, 2);
  PutLenStr(b, "db"), b.push_back(0);
  PutLenStr(b, "k"), b.push_back(0);
  b.push_back(3);
  b.push_back(kTypeVarchar), b.push_back(kTypeVarchar), b.push_back(kTypeLong);
  b.push_back(4), PutLE(b, 80, 2), PutLE(b, 20, 2);
  b.push_back(0x03);
  b.push_back(2), b.push_back(3), b.push_back(45), b.push_back(1), b.push_back(8);  // default
  b.push_back(4), b.push_back(6), PutLenStr(b, "a"), PutLenStr(b, "b"), PutLenStr(b, "c");
  b.push_back(9), b.push_back(4), b.push_back(2), b.push_back(0), b.push_back(0), b.push_back(5);
  TableMap map;
  auto st = ParseTableMap(b, 6, 3, &map);
  ASSERT_TRUE(st.ok()) << st.message();
  const auto& t = *map.schema;
  EXPECT_EQ(t.version, 3u);
  EXPECT_EQ(t.primary_key, (std::vector<size_t>{2, 0}));
  EXPECT_TRUE(t.columns[0].is_primary_key);
  EXPECT_FALSE(t.columns[1].is_primary_key);
  EXPECT_EQ(t.columns[0].collation, 45u);
  EXPECT_EQ(t.columns[1].collation, 8u);
  EXPECT_FALSE(t.columns[2].nullable);
  EXPECT_EQ(map.table_id, 0x45u);
}

}  // namespace
}  // namespace sluice::source::mysql
