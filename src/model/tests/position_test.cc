#include "model/position.h"

#include <gtest/gtest.h>

namespace sluice::model {
namespace {

TEST(Position, BinlogPositionRoundTrips) {
  auto p = BinlogPosition::Parse("mysql-bin.000003:636");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->file, "mysql-bin.000003");
  EXPECT_EQ(p->offset, 636u);
  EXPECT_EQ(p->ToString(), "mysql-bin.000003:636");
  EXPECT_FALSE(BinlogPosition::Parse("mysql-bin.000003").ok());
  EXPECT_FALSE(BinlogPosition::Parse(":4").ok());
}

TEST(Position, GtidSetKeepsLastPerDomain) {
  auto s = MariaGtidSet::Parse("0-1-27, 1-5-880");
  ASSERT_TRUE(s.ok()) << s.status().message();
  MariaGtidSet set = *s;
  set.Update({0, 1, 28});
  EXPECT_EQ(set.ToString(), "0-1-28,1-5-880");
  EXPECT_FALSE(MariaGtidSet::Parse("0-1").ok());
}

TEST(Position, GtidSetCoversLaterOrEqualPositions) {
  auto have = *MariaGtidSet::Parse("0-1-30,1-5-880");
  EXPECT_TRUE(have.Covers(*MariaGtidSet::Parse("0-1-30")));
  EXPECT_TRUE(have.Covers(*MariaGtidSet::Parse("0-2-12,1-5-879")));
  EXPECT_FALSE(have.Covers(*MariaGtidSet::Parse("0-1-31")));
  EXPECT_FALSE(have.Covers(*MariaGtidSet::Parse("2-1-1")));  // unknown domain
  EXPECT_TRUE(have.Covers(MariaGtidSet()));
}

TEST(Position, SourcePositionSerializes) {
  SourcePosition p;
  p.binlog = {"mysql-bin.000001", 4};
  p.gtids.Update({0, 1, 5});
  p.lsn = Lsn{(0x16ull << 32) | 0xB374D848};
  std::string text = p.Serialize();
  EXPECT_EQ(text, "binlog=mysql-bin.000001:4;gtid=0-1-5;lsn=16/B374D848");
  auto back = SourcePosition::Deserialize(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->binlog, p.binlog);
  EXPECT_EQ(back->gtids, p.gtids);
  EXPECT_EQ(back->lsn, p.lsn);
  EXPECT_FALSE(SourcePosition::Deserialize("bogus").ok());
}

TEST(Position, KafkaOffsetsRoundTripAfterTheExistingParts) {
  SourcePosition p;
  p.kafka[{"orders.eu", 0}] = KafkaOffset{42};
  p.kafka[{"orders.eu", 11}] = KafkaOffset{0};
  p.kafka[{"a-b_c", 3}] = KafkaOffset{9000000000};
  EXPECT_FALSE(p.empty());
  EXPECT_EQ(p.Serialize(), "kafka=a-b_c:3:9000000000,orders.eu:0:42,orders.eu:11:0");
  auto back = SourcePosition::Deserialize(p.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->kafka, p.kafka);
  EXPECT_TRUE(back->binlog.empty());

  // Existing parts keep their format; kafka comes last.
  p.binlog = {"mysql-bin.000001", 4};
  EXPECT_EQ(p.Serialize(),
            "binlog=mysql-bin.000001:4;kafka=a-b_c:3:9000000000,orders.eu:0:42,orders.eu:11:0");
  back = SourcePosition::Deserialize(p.Serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->kafka, p.kafka);
  EXPECT_EQ(back->binlog, p.binlog);
}

TEST(Position, KafkaOffsetsRejectMalformedEntries) {
  for (const char* bad : {"kafka=orders:0", "kafka=:0:1", "kafka=orders:x:1", "kafka=orders:0:-1",
                          "kafka=orders:-1:4", "kafka=orders:0:1,", "kafka=orders"}) {
    auto r = SourcePosition::Deserialize(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_NE(r.status().message().find("<topic>:<partition>"), std::string::npos);
  }
}

TEST(Position, SnapshotProgressRoundTripsEscapedAfterTheOtherParts) {
  SourcePosition p;
  p.binlog = {"mysql-bin.000001", 4};
  EXPECT_FALSE(p.empty());
  p.snapshot = R"({"tables":[{"s":"db;1","k":"a=b"}]})";
  std::string text = p.Serialize();
  EXPECT_EQ(text.rfind("binlog=mysql-bin.000001:4;snapshot=", 0), 0u) << text;
  EXPECT_EQ(text.find(';', 30), std::string::npos) << "the progress must not add separators";
  auto back = SourcePosition::Deserialize(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->snapshot, p.snapshot);
  EXPECT_EQ(back->binlog, p.binlog);

  SourcePosition only;
  only.snapshot = "initial";
  EXPECT_FALSE(only.empty());
  EXPECT_FALSE(SourcePosition::Deserialize("snapshot=%zz").ok());
}

}  // namespace
}  // namespace sluice::model
