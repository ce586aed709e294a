#include "pipeline/progress_tracker.h"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

model::SourcePosition Pos(uint64_t off) {
  model::SourcePosition p;
  p.binlog = {"mysql-bin.000001", off};
  return p;
}

TEST(ProgressTracker, CheckpointWaitsForEveryEarlierTransaction) {
  ProgressTracker t;
  uint64_t a = t.Begin();
  t.AddMessages(a, 2);
  t.Seal(a, Pos(100), 1);
  uint64_t b = t.Begin();
  t.AddMessages(b, 1);
  t.Seal(b, Pos(200), 2);
  // b acknowledged first: the checkpoint must not move past a.
  t.Ack(b, base::Status::Ok());
  EXPECT_FALSE(t.TakeCheckpoint().has_value());
  t.Ack(a, base::Status::Ok());
  EXPECT_FALSE(t.TakeCheckpoint().has_value());
  t.Ack(a, base::Status::Ok());
  auto cp = t.TakeCheckpoint();
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->binlog.offset, 200u);
  EXPECT_EQ(t.checkpoint_commit_ts(), 2u);
  EXPECT_FALSE(t.TakeCheckpoint().has_value());  // taken once
}

TEST(ProgressTracker, UnsealedTransactionBlocksEvenWhenAcked) {
  ProgressTracker t;
  uint64_t a = t.Begin();
  t.AddMessages(a, 1);
  t.Ack(a, base::Status::Ok());
  EXPECT_FALSE(t.TakeCheckpoint().has_value());
  t.Seal(a, Pos(50), 1);
  EXPECT_EQ(t.TakeCheckpoint()->binlog.offset, 50u);
}

TEST(ProgressTracker, FailedDeliveryNeverAdvances) {
  ProgressTracker t;
  uint64_t a = t.Begin();
  t.AddMessages(a, 1);
  t.Seal(a, Pos(10), 1);
  t.Ack(a, base::Unavailable("broker down"));
  EXPECT_FALSE(t.TakeCheckpoint().has_value());
  EXPECT_EQ(t.error().code(), base::Code::kUnavailable);
  EXPECT_EQ(t.in_flight_messages(), 1u);
}

TEST(ProgressTracker, EmptyTransactionsAdvanceImmediately) {
  ProgressTracker t;
  t.Seal(t.Begin(), Pos(7), 1);
  EXPECT_EQ(t.TakeCheckpoint()->binlog.offset, 7u);
}

}  // namespace
}  // namespace sluice::pipeline
