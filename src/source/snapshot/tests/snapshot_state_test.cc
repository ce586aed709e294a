#include "source/snapshot/snapshot_state.h"

#include <gtest/gtest.h>

#include "source/snapshot/snapshot_control.h"

namespace sluice::source::snapshot {
namespace {

TEST(SnapshotState, RoundTripsThroughItsTextForm) {
  SnapshotState s;
  s.id = 3;
  s.initial = true;
  s.tables.push_back({"shop", "orders", TableState::kCopying,
                      Key{model::Value::Int(42), model::Value::String("x;y")}, 8192, 100000});
  s.tables.push_back({"shop", "empty", TableState::kDone, std::nullopt, 0, 0});
  s.tables.push_back({"a\"b", "c", TableState::kPending, std::nullopt, 0, 7});
  auto back = SnapshotState::Decode(s.Encode());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->id, 3u);
  EXPECT_TRUE(back->initial);
  ASSERT_EQ(back->tables.size(), 3u);
  EXPECT_EQ(back->tables[0].state, TableState::kCopying);
  ASSERT_TRUE(back->tables[0].last_key);
  EXPECT_EQ(EncodeKey(*back->tables[0].last_key), EncodeKey(*s.tables[0].last_key));
  EXPECT_EQ(back->tables[0].rows, 8192u);
  EXPECT_EQ(back->tables[0].estimated, 100000u);
  EXPECT_EQ(back->tables[1].state, TableState::kDone);
  EXPECT_EQ(back->tables[2].schema, "a\"b");
  EXPECT_FALSE(back->done());
  EXPECT_EQ(back->Encode(), s.Encode());
}

TEST(SnapshotState, RejectsMalformedProgressNamingIt) {
  for (const char* bad : {"", "[]", R"({"v":2,"id":1,"tables":[]})", R"({"v":1,"tables":[]})",
                          R"({"v":1,"id":1,"tables":[{"s":"a","t":"b","st":"odd"}]})",
                          R"({"v":1,"id":1,"tables":[{"s":"a","t":"b","st":"copying","k":"q"}]})"}) {
    auto r = SnapshotState::Decode(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(SnapshotState, AddingACopiedTableCopiesItAgainInPlace) {
  SnapshotState s;
  EXPECT_TRUE(s.Add("a", "t1"));
  EXPECT_FALSE(s.Add("a", "t1"));
  s.tables[0].state = TableState::kDone;
  s.tables[0].rows = 5;
  EXPECT_TRUE(s.done());
  EXPECT_TRUE(s.Add("a", "t2"));
  EXPECT_TRUE(s.Add("a", "t1"));
  EXPECT_EQ(s.tables[0].Name(), "a.t1");
  EXPECT_EQ(s.tables[0].state, TableState::kPending);
  EXPECT_EQ(s.tables[0].rows, 0u);
}

TEST(SnapshotControl, ReportsRatesAndEtaFromPublishedProgress) {
  SnapshotControl control;
  auto t0 = std::chrono::steady_clock::now();
  auto now = t0;
  control.SetClockForTesting([&] { return now; });
  SnapshotState s;
  s.id = 1;
  s.tables.push_back({"db", "t", TableState::kCopying, Key{model::Value::Int(1)}, 1000, 11000});
  control.Publish(s, true);
  now += std::chrono::seconds(2);
  s.tables[0].rows = 3000;
  control.Publish(s, true);
  auto st = control.Status();
  EXPECT_TRUE(st.active);
  ASSERT_EQ(st.tables.size(), 1u);
  EXPECT_DOUBLE_EQ(st.tables[0].rows_per_second, 1000.0);
  ASSERT_TRUE(st.tables[0].eta_seconds);
  EXPECT_DOUBLE_EQ(*st.tables[0].eta_seconds, 8.0);
  ASSERT_TRUE(st.eta_seconds);
  EXPECT_DOUBLE_EQ(*st.eta_seconds, 8.0);

  control.Request({{"db", "x"}, {"db", "y"}});
  EXPECT_TRUE(control.has_requests());
  EXPECT_EQ(control.Status().pending_requests, 2u);
  auto taken = control.TakeRequests();
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_FALSE(control.has_requests());
}

}  // namespace
}  // namespace sluice::source::snapshot
