// LargeMessageHandler: handle-key-only and claim-check shrink an oversized row message to the
// key columns (claim-check also stores the full message as a file); none is a clear error.
#include "pipeline/large_message.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "codec/canal_json/canal_json_encoder.h"
#include "codec/debezium/debezium_json_encoder.h"

namespace sluice::pipeline {
namespace {

using codec::canal_json::CanalJsonEncoder;
using codec::canal_json::CanalJsonOptions;
using model::Value;

std::shared_ptr<model::TableSchema> Table() {
  auto t = std::make_shared<model::TableSchema>();
  t->schema = "db";
  t->table = "docs";
  model::Column id, body;
  id.name = "id";
  id.type = model::ColumnType::kInt;
  id.is_primary_key = true;
  body.name = "body";
  body.type = model::ColumnType::kText;
  t->columns = {id, body};
  t->primary_key = {0};
  return t;
}

model::RowChange BigRow() {
  model::RowChange r;
  r.op = model::RowOp::kInsert;
  r.table = Table();
  r.after = {Value::Int(7), Value::String(std::string(5000, 'x'))};
  return r;
}

model::TxnInfo Txn() {
  model::TxnInfo t;
  t.commit_time_ms = 1639633141221;
  t.commit_ts = 429918007904436226;
  return t;
}

CanalJsonEncoder Encoder() {
  CanalJsonOptions o;
  o.enable_tidb_extension = true;
  return CanalJsonEncoder(o, [] { return int64_t{1}; });
}

sink::kafka::KafkaSinkOptions Options(const std::string& params) {
  auto r = sink::kafka::ParseKafkaSinkUri(
      "kafka://127.0.0.1:9092/t?protocol=canal-json&enable-tidb-extension=true" + params);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return *r;
}

TEST(LargeMessage, FittingMessagesAreUntouched) {
  auto h = LargeMessageHandler::Create(Options("&large-message-handle-option=handle-key-only"));
  ASSERT_TRUE(h.ok());
  auto enc = Encoder();
  codec::Message m;
  ASSERT_TRUE(enc.EncodeRow(BigRow(), Txn(), &m).ok());
  std::string before = m.value;
  ASSERT_TRUE((*h)->Handle(enc, BigRow(), Txn(), "t", 100000, &m).ok());
  EXPECT_EQ(m.value, before);
}

TEST(LargeMessage, NoneIsResourceExhaustedNamingTheOption) {
  auto h = LargeMessageHandler::Create(Options(""));
  ASSERT_TRUE(h.ok());
  auto enc = Encoder();
  codec::Message m;
  ASSERT_TRUE(enc.EncodeRow(BigRow(), Txn(), &m).ok());
  auto st = (*h)->Handle(enc, BigRow(), Txn(), "t", 1000, &m);
  EXPECT_EQ(st.code(), base::Code::kResourceExhausted);
  EXPECT_NE(st.message().find("set large-message-handle-option=handle-key-only or claim-check"),
            std::string::npos)
      << st.message();
}

TEST(LargeMessage, HandleKeyOnlySendsOnlyTheKeyColumns) {
  auto h = LargeMessageHandler::Create(Options("&large-message-handle-option=handle-key-only"));
  ASSERT_TRUE(h.ok());
  auto enc = Encoder();
  codec::Message m;
  ASSERT_TRUE(enc.EncodeRow(BigRow(), Txn(), &m).ok());
  ASSERT_TRUE((*h)->Handle(enc, BigRow(), Txn(), "t", 1000, &m).ok());
  EXPECT_NE(m.value.find(R"("data":[{"id":"7"}])"), std::string::npos) << m.value;
  EXPECT_NE(m.value.find(R"("onlyHandleKey":true)"), std::string::npos) << m.value;
  EXPECT_EQ(m.value.find("xxxx"), std::string::npos);
  EXPECT_LT(m.value.size(), 1000u);
  // Still too large even with key columns only: a clear error.
  auto st = (*h)->Handle(enc, BigRow(), Txn(), "t", 50, &m);
  EXPECT_EQ(st.code(), base::Code::kResourceExhausted);
}

TEST(LargeMessage, ClaimCheckStoresTheFullMessageAndSendsItsLocation) {
  std::string dir = ::testing::TempDir() + "/claim-check-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  auto h = LargeMessageHandler::Create(
      Options("&large-message-handle-option=claim-check&claim-check-storage-uri=file://" + dir));
  ASSERT_TRUE(h.ok()) << h.status().message();
  auto enc = Encoder();
  codec::Message m;
  ASSERT_TRUE(enc.EncodeRow(BigRow(), Txn(), &m).ok());
  codec::Message full = m;
  ASSERT_TRUE((*h)->Handle(enc, BigRow(), Txn(), "t", 1000, &m).ok());
  EXPECT_EQ((*h)->claim_check_files(), 1u);

  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".json");
  EXPECT_NE(m.value.find(R"("claimCheckLocation":"file://)" + files[0].string() + "\""),
            std::string::npos)
      << m.value;
  EXPECT_NE(m.value.find(R"("data":[{"id":"7"}])"), std::string::npos) << m.value;
  std::ifstream in(files[0]);
  std::string body((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(body, R"({"key":null,"value":")" + Base64Encode(full.value) + "\"}");
  std::filesystem::remove_all(dir);
}

// The handler works through the codec::Encoder interface, so it applies to every protocol; one
// without large-row variants (Debezium) gets the limits to raise, not an option it cannot use.
TEST(LargeMessage, ProtocolWithoutVariantsNamesTheLimitsOnly) {
  auto h = LargeMessageHandler::Create(sink::kafka::KafkaSinkOptions{});
  ASSERT_TRUE(h.ok());
  codec::debezium::DebeziumJsonEncoder enc({});
  codec::Message m;
  ASSERT_TRUE(enc.EncodeRow(BigRow(), Txn(), &m).ok());
  std::string before = m.value;
  ASSERT_TRUE((*h)->Handle(enc, BigRow(), Txn(), "t", 100000, &m).ok());
  EXPECT_EQ(m.value, before);
  auto st = (*h)->Handle(enc, BigRow(), Txn(), "t", 1000, &m);
  EXPECT_EQ(st.code(), base::Code::kResourceExhausted);
  EXPECT_NE(st.message().find("raise max-message-bytes"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("large-message-handle-option"), std::string::npos) << st.message();
}

TEST(LargeMessage, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace sluice::pipeline
