// PgOutputDecoder on a real pgoutput stream (fixtures/pgoutput_v1.bin, captured from
// PostgreSQL 15 by fixtures/capture.sh; the SQL is in fixtures/capture_fixture.cc) and on
// hand-built messages for what the fixture cannot show (streamed transactions, binary values,
// malformed input).
#include "source/postgres/pg_output_decoder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "source/postgres/pg_types.h"

namespace sluice::source::postgres {
namespace {

using model::ChangeEvent;
using model::RowOp;
using model::Value;
using Kind = ChangeEvent::Kind;

std::vector<std::string> ReadFixture(const std::string& name) {
  std::ifstream in(std::string(SLUICE_PG_FIXTURES) + "/" + name, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  size_t i = 0;
  while (i + 4 <= data.size()) {
    uint32_t n = (uint32_t(uint8_t(data[i])) << 24) | (uint32_t(uint8_t(data[i + 1])) << 16) |
                 (uint32_t(uint8_t(data[i + 2])) << 8) | uint32_t(uint8_t(data[i + 3]));
    out.push_back(data.substr(i + 4, n));
    i += 4 + n;
  }
  return out;
}

uint64_t BE64(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | uint8_t(s[at + i]);
  return v;
}

struct Decoded {
  std::vector<ChangeEvent> events;
  std::vector<uint64_t> commit_end_lsns;  // from the C messages themselves
  PgOutputDecoder decoder;
};

void DecodeFixture(Decoded* d, KeyLookup lookup = nullptr,
                   const std::string& file = "pgoutput_v1.bin") {
  d->decoder = PgOutputDecoder(std::move(lookup));
  for (const auto& m : ReadFixture(file)) {
    if (m[0] == 'w') {
      std::string payload = m.substr(25);
      if (payload[0] == 'C') d->commit_end_lsns.push_back(BE64(payload, 10));
      auto st = d->decoder.Consume(
          std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), &d->events);
      ASSERT_TRUE(st.ok()) << st.message();
    } else {
      d->decoder.Keepalive(BE64(m, 1), &d->events);
    }
  }
}

std::vector<const ChangeEvent*> Rows(const Decoded& d) {
  std::vector<const ChangeEvent*> rows;
  for (const auto& e : d.events) {
    if (e.kind == Kind::kRow) rows.push_back(&e);
  }
  return rows;
}

size_t Col(const ChangeEvent& e, const std::string& name) {
  const auto& cols = e.row.table->columns;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (cols[i].name == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

const Value& After(const ChangeEvent& e, const std::string& name) {
  return e.row.after[Col(e, name)];
}

TEST(PgOutputDecoder, FixtureHasTwelveCommitsWithIncreasingEndLsn) {
  Decoded d;
  DecodeFixture(&d);
  std::vector<uint64_t> commits;
  for (const auto& e : d.events) {
    if (e.kind == Kind::kCommit) commits.push_back(e.position.lsn->value);
  }
  ASSERT_EQ(commits.size(), 12u);
  EXPECT_EQ(commits, d.commit_end_lsns);
  EXPECT_EQ(d.decoder.committed().value, commits.back());
  EXPECT_FALSE(d.decoder.in_transaction());
  EXPECT_EQ(d.decoder.logical_messages(), 1u);
}

TEST(PgOutputDecoder, EveryTypeOfTheInsertDecodes) {
  Decoded d;
  DecodeFixture(&d);
  auto rows = Rows(d);
  ASSERT_GE(rows.size(), 1u);
  const ChangeEvent& e = *rows[0];
  EXPECT_EQ(e.row.op, RowOp::kInsert);
  EXPECT_EQ(e.row.table->schema, "fx");
  EXPECT_EQ(e.row.table->table, "types");
  ASSERT_EQ(e.row.table->primary_key, std::vector<size_t>{0});
  EXPECT_TRUE(e.row.table->columns[0].is_primary_key);
  EXPECT_EQ(After(e, "id"), Value::Int(1));
  EXPECT_EQ(After(e, "c_bool"), Value::Int(1));
  EXPECT_EQ(After(e, "c_int2"), Value::Int(-32768));
  EXPECT_EQ(After(e, "c_int4"), Value::Int(2147483647));
  EXPECT_EQ(After(e, "c_int8"), Value::Int(INT64_MIN));
  EXPECT_EQ(After(e, "c_num"), Value::Decimal("-123456789.125"));
  EXPECT_EQ(After(e, "c_num_free"), Value::Decimal("3.14159265358979323846"));
  EXPECT_EQ(After(e, "c_f4"), Value::Float(3.25f));
  EXPECT_EQ(After(e, "c_f8"), Value::Double(-2.5e-300));
  EXPECT_EQ(After(e, "c_text"), Value::String("héllo 'world'"));
  EXPECT_EQ(After(e, "c_varchar"), Value::String("varchar"));
  EXPECT_EQ(After(e, "c_char"), Value::String("ab   "));
  EXPECT_EQ(After(e, "c_bytea"), Value::String(std::string("\x00\xff\x10", 3)));
  model::Temporal date{2024, 2, 29};
  EXPECT_EQ(After(e, "c_date"), Value::Date(date));
  model::Temporal time{0, 0, 0, 13, 45, 56, 789000};
  EXPECT_EQ(After(e, "c_time"), Value::Time(time));
  EXPECT_EQ(After(e, "c_timetz"), Value::String("10:11:12+05:30"));
  model::Temporal ts{2024, 2, 29, 23, 59, 59, 123456};
  EXPECT_EQ(After(e, "c_ts"), Value::DateTime(ts));
  // 2024-02-29 23:59:59.5+02 = 21:59:59.5 UTC
  EXPECT_EQ(After(e, "c_tstz"), Value::Timestamp(1709243999, 500000));
  EXPECT_EQ(After(e, "c_interval"), Value::String("P1Y2M3DT4H5M6S"));
  EXPECT_EQ(After(e, "c_uuid"), Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(After(e, "c_json"), Value::String("{\"a\": [1, 2]}"));
  EXPECT_EQ(After(e, "c_jsonb"), Value::String("{\"b\": {\"c\": null}}"));
  EXPECT_EQ(After(e, "c_arr"), Value::String("{1,2,3}"));
  EXPECT_EQ(After(e, "c_tarr"), Value::String("{\"x y\",NULL}"));
  EXPECT_EQ(After(e, "c_enum"), Value::String("happy"));
  EXPECT_EQ(After(e, "c_inet"), Value::String("192.168.0.1/24"));
  EXPECT_EQ(After(e, "c_cidr"), Value::String("10.0.0.0/8"));
  EXPECT_EQ(After(e, "c_money"), Value::Decimal("-1234.56"));

  // Column types as the encoders see them.
  const auto& cols = e.row.table->columns;
  EXPECT_EQ(cols[Col(e, "c_num")].type, model::ColumnType::kDecimal);
  EXPECT_EQ(cols[Col(e, "c_num")].precision, 12);
  EXPECT_EQ(cols[Col(e, "c_num")].scale, 3);
  EXPECT_EQ(cols[Col(e, "c_time")].fsp, 3);
  EXPECT_EQ(cols[Col(e, "c_tstz")].type, model::ColumnType::kTimestamp);
  EXPECT_EQ(cols[Col(e, "c_varchar")].type, model::ColumnType::kVarChar);
  EXPECT_EQ(cols[Col(e, "c_varchar")].length, 80u);
  EXPECT_EQ(cols[Col(e, "c_bytea")].type, model::ColumnType::kLongBlob);
  EXPECT_EQ(cols[Col(e, "c_jsonb")].type, model::ColumnType::kJson);
  EXPECT_EQ(cols[Col(e, "c_enum")].type, model::ColumnType::kLongText);
  // The enum's TYPE message was cached.
  const PgRelation* rel = nullptr;
  for (uint32_t oid = 16384; oid < 20000 && !rel; ++oid) {
    auto* r = d.decoder.relation(oid);
    if (r && r->relname == "types") rel = r;
  }
  ASSERT_NE(rel, nullptr);
  const std::string* enum_type = d.decoder.type_name(rel->columns[Col(e, "c_enum")].type_oid);
  ASSERT_NE(enum_type, nullptr);
  EXPECT_EQ(*enum_type, "fx.mood");
}

TEST(PgOutputDecoder, NullsAndSpecialValues) {
  Decoded d;
  DecodeFixture(&d);
  auto rows = Rows(d);
  ASSERT_GE(rows.size(), 3u);
  const ChangeEvent& nulls = *rows[1];
  EXPECT_EQ(After(nulls, "id"), Value::Int(2));
  for (size_t i = 1; i < nulls.row.after.size(); ++i) {
    EXPECT_TRUE(nulls.row.after[i].is_null()) << nulls.row.table->columns[i].name;
  }
  const ChangeEvent& special = *rows[2];
  EXPECT_TRUE(std::isnan(After(special, "c_f4").as_double()));
  EXPECT_EQ(After(special, "c_f8").as_double(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(After(special, "c_num_free"), Value::Decimal("NaN"));
  EXPECT_EQ(After(special, "c_date"), Value::String("infinity"));
  EXPECT_EQ(After(special, "c_ts"), Value::String("0044-03-15 12:00:00 BC"));
  EXPECT_EQ(After(special, "c_tstz"), Value::Timestamp(0, 0));
  model::Temporal midnight{0, 0, 0, 24, 0, 0, 0};
  EXPECT_EQ(After(special, "c_time"), Value::Time(midnight));
}

TEST(PgOutputDecoder, DefaultIdentityOldImagesHoldOnlyTheKey) {
  Decoded d;
  DecodeFixture(&d);
  auto rows = Rows(d);
  ASSERT_GE(rows.size(), 6u);
  // UPDATE with the key unchanged: no old tuple on the wire; before = key from the new row.
  const ChangeEvent& upd = *rows[3];
  EXPECT_EQ(upd.row.op, RowOp::kUpdate);
  EXPECT_EQ(upd.row.before[0], Value::Int(1));
  for (size_t i = 1; i < upd.row.before.size(); ++i) EXPECT_TRUE(upd.row.before[i].is_absent());
  EXPECT_EQ(After(upd, "c_text"), Value::String("changed"));
  EXPECT_EQ(After(upd, "c_int2"), Value::Int(-32768));
  // UPDATE of the key: 'K' old key; non-key columns are unknown (Absent), not NULL.
  const ChangeEvent& rekey = *rows[4];
  EXPECT_EQ(rekey.row.before[0], Value::Int(2));
  for (size_t i = 1; i < rekey.row.before.size(); ++i) {
    EXPECT_TRUE(rekey.row.before[i].is_absent());
  }
  EXPECT_EQ(rekey.row.after[0], Value::Int(20));
  EXPECT_TRUE(rekey.row.after[1].is_null());
  // DELETE: 'K'.
  const ChangeEvent& del = *rows[5];
  EXPECT_EQ(del.row.op, RowOp::kDelete);
  EXPECT_TRUE(del.row.after.empty());
  EXPECT_EQ(del.row.before[0], Value::Int(3));
  EXPECT_TRUE(del.row.before[Col(del, "c_f4")].is_absent());
}

TEST(PgOutputDecoder, FullIdentityCarriesWholeOldRowsAndTheLookedUpKey) {
  Decoded d;
  int lookups = 0;
  DecodeFixture(&d,
                [&](uint32_t, const std::string& ns,
                    const std::string& rel) -> base::Result<std::vector<std::string>> {
                  ++lookups;
                  EXPECT_EQ(ns, "fx");
                  EXPECT_EQ(rel, "full_t");
                  return std::vector<std::string>{"id"};
                });
  EXPECT_EQ(lookups, 1);  // the identical re-sent RELATION reuses the schema
  auto rows = Rows(d);
  ASSERT_GE(rows.size(), 9u);
  const ChangeEvent& upd = *rows[7];
  EXPECT_EQ(upd.row.table->table, "full_t");
  EXPECT_EQ(upd.row.table->primary_key, std::vector<size_t>{0});
  EXPECT_EQ(upd.row.before[1], Value::String("x"));
  EXPECT_EQ(upd.row.before[2], Value::String(std::string(10000, 'b')));
  EXPECT_EQ(upd.row.after[1], Value::String("y"));
  EXPECT_EQ(upd.row.after[2], Value::String(std::string(10000, 'b')));
  const ChangeEvent& del = *rows[8];
  EXPECT_EQ(del.row.before[1], Value::String("y"));
  EXPECT_EQ(del.row.before[2], Value::String(std::string(10000, 'b')));
}

TEST(PgOutputDecoder, FullIdentityWithoutLookupHasNoKey) {
  Decoded d;
  DecodeFixture(&d);
  EXPECT_TRUE(Rows(d)[7]->row.table->primary_key.empty());
}

TEST(PgOutputDecoder, UnchangedToastValueIsAbsent) {
  Decoded d;
  DecodeFixture(&d);
  auto rows = Rows(d);
  ASSERT_GE(rows.size(), 11u);
  const ChangeEvent& ins = *rows[9];
  EXPECT_EQ(ins.row.after[2], Value::String(std::string(10000, 'z')));
  const ChangeEvent& upd = *rows[10];
  EXPECT_EQ(upd.row.table->table, "toast_t");
  EXPECT_EQ(upd.row.after[1], Value::String("b"));
  EXPECT_TRUE(upd.row.after[2].is_absent());
  EXPECT_FALSE(upd.row.after[2].is_null());
}

TEST(PgOutputDecoder, TruncateIsOneDdlPerTableInsideItsTransaction) {
  Decoded d;
  DecodeFixture(&d);
  // The last transaction: row, two TRUNCATE DDLs, commit.
  size_t n = d.events.size();
  ASSERT_GE(n, 4u);
  const auto& row = d.events[n - 4];
  const auto& t1 = d.events[n - 3];
  const auto& t2 = d.events[n - 2];
  const auto& commit = d.events[n - 1];
  EXPECT_EQ(row.kind, Kind::kRow);
  ASSERT_EQ(t1.kind, Kind::kDdl);
  ASSERT_EQ(t2.kind, Kind::kDdl);
  EXPECT_EQ(commit.kind, Kind::kCommit);
  EXPECT_EQ(t1.ddl.sql, "TRUNCATE TABLE \"fx\".\"full_t\" RESTART IDENTITY CASCADE");
  EXPECT_EQ(t1.ddl.schema, "fx");
  EXPECT_EQ(t1.ddl.table, "full_t");
  EXPECT_EQ(t2.ddl.table, "toast_t");
  // A mid-transaction DDL keeps the previous commit position: resuming replays the transaction.
  EXPECT_LT(*t1.position.lsn, *commit.position.lsn);
  EXPECT_EQ(*t1.position.lsn, *d.events[n - 5].position.lsn);
  EXPECT_EQ(t1.txn.commit_ts, commit.txn.commit_ts);
  EXPECT_EQ(row.txn.commit_ts, commit.txn.commit_ts);
}

TEST(PgOutputDecoder, CommitTsIsStrictlyIncreasingAndStable) {
  Decoded a, b;
  DecodeFixture(&a);
  DecodeFixture(&b);
  uint64_t last = 0;
  for (size_t i = 0; i < a.events.size(); ++i) {
    if (a.events[i].kind != Kind::kCommit) continue;
    EXPECT_GT(a.events[i].txn.commit_ts, last);
    last = a.events[i].txn.commit_ts;
    EXPECT_EQ(a.events[i].txn.commit_ts, b.events[i].txn.commit_ts);
    EXPECT_GT(a.events[i].txn.commit_time_ms, 1'700'000'000'000u);
  }
}

// A real protocol-2 stream (fixtures/pgoutput_stream.bin): an aborted streamed transaction,
// then a committed one whose rolled-back savepoint arrives as a subtransaction Stream Abort.
TEST(PgOutputDecoder, RealStreamedTransactionsKeepOnlyCommittedWork) {
  Decoded d;
  DecodeFixture(&d, nullptr, "pgoutput_stream.bin");
  std::vector<int64_t> ids;
  size_t commits = 0, heartbeats = 0;
  for (const auto& e : d.events) {
    if (e.kind == Kind::kRow) {
      EXPECT_EQ(e.row.op, RowOp::kInsert);
      ids.push_back(e.row.after[0].as_int());
    }
    if (e.kind == Kind::kCommit) ++commits;
    if (e.kind == Kind::kHeartbeat) ++heartbeats;
  }
  EXPECT_EQ(commits, 1u);
  ASSERT_EQ(ids.size(), 1001u);
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(ids[static_cast<size_t>(i)], i + 1);
  EXPECT_EQ(ids.back(), 99999);
  EXPECT_EQ(d.events.back().kind, Kind::kCommit);
  EXPECT_EQ(d.events.back().position.lsn->value, d.decoder.committed().value);
  EXPECT_FALSE(d.decoder.in_transaction());
}

// A real binary-format stream (fixtures/pgoutput_binary.bin, binary 'true').
TEST(PgOutputDecoder, RealBinaryValuesDecode) {
  Decoded d;
  DecodeFixture(&d, nullptr, "pgoutput_binary.bin");
  auto rows = Rows(d);
  ASSERT_EQ(rows.size(), 1u);
  const ChangeEvent& e = *rows[0];
  EXPECT_EQ(After(e, "id"), Value::Int(-42));
  EXPECT_EQ(After(e, "i2"), Value::Int(-32768));
  EXPECT_EQ(After(e, "i4"), Value::Int(2147483647));
  EXPECT_EQ(After(e, "o"), Value::UInt(4294967295u));
  EXPECT_EQ(After(e, "bo"), Value::Int(1));
  EXPECT_EQ(After(e, "n1"), Value::Decimal("-12345678901234567890.000123"));
  EXPECT_EQ(After(e, "n2"), Value::Decimal("3.1400"));
  EXPECT_EQ(After(e, "n3"), Value::Decimal("0.00001"));
  EXPECT_EQ(After(e, "n4"), Value::Decimal("NaN"));
  EXPECT_EQ(After(e, "f4"), Value::Float(1.5f));
  EXPECT_EQ(After(e, "f8"), Value::Double(-2.25));
  EXPECT_EQ(After(e, "t"), Value::String("héllo"));
  EXPECT_EQ(After(e, "vc"), Value::String("vc"));
  EXPECT_EQ(After(e, "c"), Value::String("ab "));
  EXPECT_EQ(After(e, "by"), Value::String(std::string("\x00\xff", 2)));
  model::Temporal d1{1999, 12, 31};
  EXPECT_EQ(After(e, "d"), Value::Date(d1));
  model::Temporal tm{0, 0, 0, 23, 59, 59, 999999};
  EXPECT_EQ(After(e, "tm"), Value::Time(tm));
  model::Temporal ts{2000, 1, 1, 0, 0, 1, 500000};
  EXPECT_EQ(After(e, "ts"), Value::DateTime(ts));
  EXPECT_EQ(After(e, "tz"), Value::Timestamp(1709200800, 0));  // 2024-02-29 10:00:00 UTC
  EXPECT_EQ(After(e, "u"), Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(After(e, "j"), Value::String("{\"a\": 1}"));
  EXPECT_EQ(After(e, "jb"), Value::String("{\"b\": [true, null]}"));
}

// ---- hand-built messages ----

struct Msg {
  std::string b;
  Msg& C(char c) {
    b.push_back(c);
    return *this;
  }
  Msg& U8(uint8_t v) {
    b.push_back(char(v));
    return *this;
  }
  Msg& U16(uint16_t v) { return U8(v >> 8).U8(v & 0xFF); }
  Msg& U32(uint32_t v) { return U16(v >> 16).U16(v & 0xFFFF); }
  Msg& U64(uint64_t v) { return U32(v >> 32).U32(v & 0xFFFFFFFF); }
  Msg& S(const std::string& s) {
    b += s;
    b.push_back('\0');
    return *this;
  }
  Msg& Text(const std::string& s) { return C('t').U32(uint32_t(s.size())).Raw(s); }
  Msg& Bin(const std::string& s) { return C('b').U32(uint32_t(s.size())).Raw(s); }
  Msg& Raw(const std::string& s) {
    b += s;
    return *this;
  }
};

base::Status Feed(PgOutputDecoder& d, const Msg& m, std::vector<ChangeEvent>* out) {
  return d.Consume(std::span(reinterpret_cast<const uint8_t*>(m.b.data()), m.b.size()), out);
}

Msg Relation(uint32_t oid, bool streamed = false, uint32_t xid = 0) {
  Msg m;
  m.C('R');
  if (streamed) m.U32(xid);
  m.U32(oid).S("s").S("t").C('d').U16(2);
  m.U8(1).S("id").U32(pg_oid::kInt4).U32(0xFFFFFFFF);
  m.U8(0).S("v").U32(pg_oid::kText).U32(0xFFFFFFFF);
  return m;
}

Msg Insert(uint32_t oid, int id, bool streamed = false, uint32_t xid = 0) {
  Msg m;
  m.C('I');
  if (streamed) m.U32(xid);
  m.U32(oid).C('N').U16(2).Text(std::to_string(id)).C('n');
  return m;
}

TEST(PgOutputDecoder, StreamedTransactionIsBufferedUntilStreamCommit) {
  PgOutputDecoder d;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(Feed(d, Msg().C('S').U32(700).U8(1), &out).ok());
  ASSERT_TRUE(Feed(d, Relation(1, true, 700), &out).ok());
  ASSERT_TRUE(Feed(d, Insert(1, 1, true, 700), &out).ok());
  ASSERT_TRUE(Feed(d, Insert(1, 2, true, 701), &out).ok());  // subtransaction 701
  ASSERT_TRUE(Feed(d, Msg().C('E'), &out).ok());
  // A non-streamed transaction between the blocks is delivered at once.
  ASSERT_TRUE(Feed(d, Msg().C('B').U64(0x500).U64(1000).U32(800), &out).ok());
  ASSERT_TRUE(Feed(d, Insert(1, 9), &out).ok());
  ASSERT_TRUE(Feed(d, Msg().C('C').U8(0).U64(0x500).U64(0x510).U64(1000), &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].row.after[0], Value::Int(9));
  out.clear();
  ASSERT_TRUE(Feed(d, Msg().C('S').U32(700).U8(0), &out).ok());
  ASSERT_TRUE(Feed(d, Insert(1, 3, true, 702), &out).ok());
  ASSERT_TRUE(Feed(d, Msg().C('E'), &out).ok());
  ASSERT_TRUE(Feed(d, Msg().C('A').U32(700).U32(701), &out).ok());  // roll back 701
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(Feed(d, Msg().C('c').U32(700).U8(0).U64(0x600).U64(0x610).U64(2'000'000), &out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].row.after[0], Value::Int(1));
  EXPECT_EQ(out[1].row.after[0], Value::Int(3));
  EXPECT_EQ(out[2].kind, Kind::kCommit);
  EXPECT_EQ(out[2].position.lsn->value, 0x610u);
  EXPECT_EQ(out[0].txn.commit_ts, out[2].txn.commit_ts);
  EXPECT_EQ(out[0].txn.commit_time_ms, 946'684'800'000u + 2000u);
  // Aborting a whole streamed transaction drops everything.
  out.clear();
  ASSERT_TRUE(Feed(d, Msg().C('S').U32(900).U8(1), &out).ok());
  ASSERT_TRUE(Feed(d, Insert(1, 4, true, 900), &out).ok());
  ASSERT_TRUE(Feed(d, Msg().C('E'), &out).ok());
  ASSERT_TRUE(Feed(d, Msg().C('A').U32(900).U32(900), &out).ok());
  d.Keepalive(0x700, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::kHeartbeat);
}

TEST(PgOutputDecoder, KeepaliveGivesHeartbeatsOnlyOutsideTransactions) {
  PgOutputDecoder d;
  d.SetStartPosition(model::Lsn{0x100});
  std::vector<ChangeEvent> out;
  d.Keepalive(0x100, &out);  // not newer
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(Feed(d, Relation(1), &out).ok());
  ASSERT_TRUE(Feed(d, Msg().C('B').U64(0x200).U64(0).U32(5), &out).ok());
  d.Keepalive(0x300, &out);
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(Feed(d, Msg().C('C').U8(0).U64(0x200).U64(0x210).U64(0), &out).ok());
  d.Keepalive(0x300, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, Kind::kHeartbeat);
  EXPECT_EQ(out[1].position.lsn->value, 0x300u);
  EXPECT_EQ(d.committed().value, 0x300u);
}

TEST(PgOutputDecoder, BinaryTupleValuesDecode) {
  PgOutputDecoder d;
  std::vector<ChangeEvent> out;
  Msg rel;
  rel.C('R').U32(7).S("").S("b").C('d').U16(4);
  rel.U8(1).S("id").U32(pg_oid::kInt8).U32(0xFFFFFFFF);
  rel.U8(0).S("n").U32(pg_oid::kNumeric).U32(0xFFFFFFFF);
  rel.U8(0).S("ts").U32(pg_oid::kTimestamptz).U32(0xFFFFFFFF);
  rel.U8(0).S("u").U32(pg_oid::kUuid).U32(0xFFFFFFFF);
  ASSERT_TRUE(Feed(d, rel, &out).ok());
  EXPECT_EQ(d.relation(7)->nspname, "pg_catalog");
  ASSERT_TRUE(Feed(d, Msg().C('B').U64(1).U64(0).U32(1), &out).ok());
  // numeric -12345.678: ndigits 3, weight 1, sign neg, dscale 3, digits 1 2345 6780
  std::string num = Msg().U16(3).U16(1).U16(0x4000).U16(3).U16(1).U16(2345).U16(6780).b;
  std::string ts = Msg().U64(1'000'000).b;  // 2000-01-01 00:00:01 UTC
  std::string uuid("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16);
  Msg ins;
  ins.C('I').U32(7).C('N').U16(4).Bin(Msg().U64(uint64_t(-5)).b).Bin(num).Bin(ts).Bin(uuid);
  ASSERT_TRUE(Feed(d, ins, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].row.after[0], Value::Int(-5));
  EXPECT_EQ(out[0].row.after[1], Value::Decimal("-12345.678"));
  EXPECT_EQ(out[0].row.after[2], Value::Timestamp(946'684'801, 0));
  EXPECT_EQ(out[0].row.after[3], Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
}

TEST(PgOutputDecoder, MalformedInputIsDataLoss) {
  PgOutputDecoder d;
  std::vector<ChangeEvent> out;
  EXPECT_EQ(Feed(d, Msg().C('B').U32(1), &out).code(), base::Code::kDataLoss);
  EXPECT_EQ(Feed(d, Msg().C('C').U8(0).U64(1).U64(2).U64(3), &out).code(),
            base::Code::kDataLoss);  // commit without begin
  ASSERT_TRUE(Feed(d, Msg().C('B').U64(1).U64(0).U32(1), &out).ok());
  EXPECT_EQ(Feed(d, Insert(42, 1), &out).code(), base::Code::kDataLoss);  // unknown relation
  ASSERT_TRUE(Feed(d, Relation(1), &out).ok());
  Msg wrong_count;
  wrong_count.C('I').U32(1).C('N').U16(3).Text("1").C('n').C('n');
  EXPECT_EQ(Feed(d, wrong_count, &out).code(), base::Code::kDataLoss);
  Msg bad_kind;
  bad_kind.C('I').U32(1).C('N').U16(2).Text("1").C('x');
  EXPECT_EQ(Feed(d, bad_kind, &out).code(), base::Code::kDataLoss);
  Msg short_value;
  short_value.C('I').U32(1).C('N').U16(2).C('t').U32(100).Raw("1");
  EXPECT_EQ(Feed(d, short_value, &out).code(), base::Code::kDataLoss);
  EXPECT_EQ(Feed(d, Msg().C('P'), &out).code(), base::Code::kUnimplemented);
  EXPECT_TRUE(out.empty());
}

TEST(PgOutputDecoder, OriginMessageIsCounted) {
  PgOutputDecoder d;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(Feed(d, Msg().C('O').U64(0x99).S("upstream"), &out).ok());
  EXPECT_EQ(d.origin_messages(), 1u);
  EXPECT_TRUE(out.empty());
}

TEST(PgOutputDecoder, ChangedRelationGetsANewSchemaVersion) {
  PgOutputDecoder d;
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(Feed(d, Relation(1), &out).ok());
  auto v1 = d.relation(1)->schema;
  ASSERT_TRUE(Feed(d, Relation(1), &out).ok());
  EXPECT_EQ(d.relation(1)->schema, v1);  // same definition: same schema object
  Msg altered;
  altered.C('R')
      .U32(1)
      .S("s")
      .S("t")
      .C('d')
      .U16(1)
      .U8(1)
      .S("id")
      .U32(pg_oid::kInt8)
      .U32(0xFFFFFFFF);
  ASSERT_TRUE(Feed(d, altered, &out).ok());
  EXPECT_EQ(d.relation(1)->schema->version, v1->version + 1);
  EXPECT_EQ(d.relation(1)->schema->columns[0].type, model::ColumnType::kBigInt);
}

}  // namespace
}  // namespace sluice::source::postgres
