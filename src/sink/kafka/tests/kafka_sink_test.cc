// Integration tests against the real KRaft broker of the `servers` fixture.
#include "sink/kafka/kafka_sink.h"

#include "sink/kafka/kafka_sink_uri.h"

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "client/kafka/topic_reader.h"
#include "test_env.h"

namespace sluice::sink::kafka {
namespace {

using client::kafka::TopicReader;
using std::chrono::steady_clock;

std::string Bootstrap() { return testing::Env("SLUICE_KAFKA_BOOTSTRAP"); }

// Topics persist on the broker across runs; give each test its own.
std::string UniqueTopic(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}-{:x}", prefix, rng() & 0xffffffffffULL);
}

KafkaSinkOptions Options(const std::string& topic, const std::string& params = "") {
  auto r = ParseKafkaSinkUri(fmt::format("kafka://{}/{}?protocol=canal-json&dial-timeout=10s{}",
                                         Bootstrap(), topic, params));
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r->sink;
}

struct Deliveries {
  std::map<uint64_t, base::Status> by_token;
  sink::DeliveryCallback Callback() {
    return [this](uint64_t token, const base::Status& st) {
      EXPECT_EQ(by_token.count(token), 0u) << "token " << token << " reported twice";
      by_token[token] = st;
    };
  }
};

std::unique_ptr<KafkaSink> MustCreate(const KafkaSinkOptions& o, Deliveries* d) {
  auto r = KafkaSink::Create(o, d->Callback());
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

int32_t PartitionsOf(const std::string& topic) {
  // A fresh sink with auto-create off only reads metadata.
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&auto-create-topic=false"), &d);
  auto r = sink->PrepareTopic(topic);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : -1;
}

TEST(KafkaSink, AutoCreatesTopicWithPartitionNum) {
  std::string topic = UniqueTopic("autocreate");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=4"), &d);
  ASSERT_TRUE(sink);
  auto n = sink->PrepareTopic(topic);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 4);
  EXPECT_EQ(PartitionsOf(topic), 4);
  // Idempotent.
  auto again = sink->PrepareTopic(topic);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, 4);
}

TEST(KafkaSink, AutoCreateDefaultsToThreePartitions) {
  std::string topic = UniqueTopic("default3");
  Deliveries d;
  auto sink = MustCreate(Options(topic), &d);
  ASSERT_TRUE(sink);
  auto n = sink->PrepareTopic(topic);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 3);
}

TEST(KafkaSink, ExistingTopicPartitionCountIsRespected) {
  std::string topic = UniqueTopic("existing");
  {
    Deliveries d;
    auto creator = MustCreate(Options(topic, "&partition-num=5"), &d);
    ASSERT_TRUE(creator->PrepareTopic(topic).ok());
  }
  Deliveries d;
  auto sink = MustCreate(Options(topic), &d);  // no partition-num: use the topic's 5
  auto n = sink->PrepareTopic(topic);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 5);

  auto fewer = MustCreate(Options(topic, "&partition-num=2"), &d);
  auto n2 = fewer->PrepareTopic(topic);
  ASSERT_TRUE(n2.ok()) << n2.status().message();
  EXPECT_EQ(*n2, 2);
}

TEST(KafkaSink, PartitionNumAboveExistingIsAnError) {
  std::string topic = UniqueTopic("toomany");
  {
    Deliveries d;
    auto creator = MustCreate(Options(topic, "&partition-num=2"), &d);
    ASSERT_TRUE(creator->PrepareTopic(topic).ok());
  }
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=8"), &d);
  auto n = sink->PrepareTopic(topic);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(n.status().message(),
            fmt::format("partition-num 8 is greater than the 2 partitions of topic '{}'; lower "
                        "partition-num in the sink URI or add partitions to the topic",
                        topic));
}

TEST(KafkaSink, MissingTopicWithoutAutoCreateIsNotFound) {
  std::string topic = UniqueTopic("missing");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&auto-create-topic=false"), &d);
  auto n = sink->PrepareTopic(topic);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), base::Code::kNotFound);
  EXPECT_EQ(n.status().message(),
            fmt::format("topic '{}' does not exist and auto-create-topic=false; create the topic "
                        "or set auto-create-topic=true in the sink URI",
                        topic));
  // And it was not created as a side effect.
  auto reader = TopicReader::Create(Bootstrap());
  ASSERT_TRUE(reader.ok());
  auto read = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(5)});
  EXPECT_EQ(read.status().code(), base::Code::kNotFound);
}

struct CodecCase {
  const char* compression;
  int acks;
};

void PrintTo(const CodecCase& c, std::ostream* os) {
  *os << "compression=" << c.compression << " acks=" << c.acks;
}

class KafkaSinkRoundTrip : public ::testing::TestWithParam<CodecCase> {};

TEST_P(KafkaSinkRoundTrip, ThousandMessagesToExplicitPartitionsReadBackInOrder) {
  const auto& c = GetParam();
  std::string topic = UniqueTopic(fmt::format("rt-{}-{}", c.compression, c.acks + 1));
  Deliveries d;
  auto sink =
      MustCreate(Options(topic, fmt::format("&partition-num=4&compression={}&required-acks={}",
                                            c.compression, c.acks)),
                 &d);
  ASSERT_TRUE(sink);
  auto n = sink->PrepareTopic(topic);
  ASSERT_TRUE(n.ok()) << n.status().message();
  ASSERT_EQ(*n, 4);

  constexpr int kCount = 1000;
  std::map<int32_t, std::vector<int>> expected;  // partition -> message indexes in order
  for (int i = 0; i < kCount; ++i) {
    int32_t partition = (i * 7) % 4;
    codec::Message m;
    if (i % 10 != 3) m.key = fmt::format("key-{}", i);
    // Compressible, varied payloads.
    m.value =
        fmt::format("{{\"id\":{},\"data\":\"{}\"}}", i, std::string(50 + i % 200, 'a' + i % 26));
    expected[partition].push_back(i);
    ASSERT_TRUE(sink->Produce(topic, partition, std::move(m), i).ok());
    if (i % 100 == 0) sink->Poll(0);
  }
  auto st = sink->Flush(30000);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(d.by_token.size(), static_cast<size_t>(kCount));
  for (auto& [token, status] : d.by_token) EXPECT_TRUE(status.ok()) << token << status.message();

  auto reader = TopicReader::Create(Bootstrap());
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto msgs = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(30)});
  // With acks=0 a delivery report only means "sent": the broker may append a moment later, so
  // re-read (up to 10 s) until the end offsets cover everything.
  for (int retry = 0; c.acks == 0 && msgs.ok() && msgs->size() < kCount && retry < 100; ++retry) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    msgs = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(30)});
  }
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  ASSERT_EQ(msgs->size(), static_cast<size_t>(kCount));
  std::map<int32_t, std::vector<int>> got;
  std::map<int32_t, int64_t> last_offset;
  for (auto& m : *msgs) {
    int id = -1;
    ASSERT_EQ(std::sscanf(m.value.c_str(), "{\"id\":%d,", &id), 1) << m.value;
    EXPECT_EQ(m.value, fmt::format("{{\"id\":{},\"data\":\"{}\"}}", id,
                                   std::string(50 + id % 200, 'a' + id % 26)));
    if (id % 10 == 3) {
      EXPECT_FALSE(m.key.has_value()) << id;
    } else {
      ASSERT_TRUE(m.key.has_value()) << id;
      EXPECT_EQ(*m.key, fmt::format("key-{}", id));
    }
    EXPECT_GT(m.timestamp_ms, 0);
    if (last_offset.count(m.partition)) EXPECT_GT(m.offset, last_offset[m.partition]);
    last_offset[m.partition] = m.offset;
    got[m.partition].push_back(id);
  }
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(
    CompressionAndAcks, KafkaSinkRoundTrip,
    ::testing::Values(CodecCase{"none", -1}, CodecCase{"gzip", -1}, CodecCase{"snappy", -1},
                      CodecCase{"lz4", -1}, CodecCase{"zstd", -1}, CodecCase{"none", 0},
                      CodecCase{"gzip", 0}, CodecCase{"snappy", 0}, CodecCase{"lz4", 0},
                      CodecCase{"zstd", 0}, CodecCase{"none", 1}, CodecCase{"gzip", 1},
                      CodecCase{"snappy", 1}, CodecCase{"lz4", 1}, CodecCase{"zstd", 1}),
    [](const ::testing::TestParamInfo<CodecCase>& info) {
      return fmt::format("{}_acks{}", info.param.compression,
                         info.param.acks < 0 ? "All" : std::to_string(info.param.acks));
    });

TEST(KafkaSink, NullKeyStaysNullAndEmptyKeyStaysEmpty) {
  std::string topic = UniqueTopic("nullkey");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=1"), &d);
  ASSERT_TRUE(sink->PrepareTopic(topic).ok());
  ASSERT_TRUE(sink->Produce(topic, 0, codec::Message{std::nullopt, "v-null"}, 1).ok());
  ASSERT_TRUE(sink->Produce(topic, 0, codec::Message{std::string(), "v-empty"}, 2).ok());
  ASSERT_TRUE(sink->Produce(topic, 0, codec::Message{std::string("k"), ""}, 3).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  auto reader = TopicReader::Create(Bootstrap());
  auto msgs = (*reader)->ReadAll(topic);
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  ASSERT_EQ(msgs->size(), 3u);
  EXPECT_FALSE((*msgs)[0].key.has_value());
  EXPECT_EQ((*msgs)[0].value, "v-null");
  ASSERT_TRUE((*msgs)[1].key.has_value());
  EXPECT_EQ(*(*msgs)[1].key, "");
  EXPECT_EQ((*msgs)[1].value, "v-empty");
  EXPECT_EQ(*(*msgs)[2].key, "k");
  EXPECT_EQ((*msgs)[2].value, "");
}

TEST(KafkaSink, MessageOverMaxMessageBytesIsResourceExhausted) {
  std::string topic = UniqueTopic("toolarge");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=1&max-message-bytes=1000"), &d);
  ASSERT_TRUE(sink->PrepareTopic(topic).ok());
  EXPECT_EQ(sink->effective_max_message_bytes(topic), 1000);
  // 36 + 4 + 960 = 1000 bytes: fits exactly.
  ASSERT_TRUE(
      sink->Produce(topic, 0, codec::Message{std::string("abcd"), std::string(960, 'x')}, 1).ok());
  auto st = sink->Produce(topic, 0, codec::Message{std::string("abcd"), std::string(961, 'x')}, 2);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), base::Code::kResourceExhausted);
  EXPECT_NE(st.message().find("message of 1001 bytes for topic '" + topic +
                              "' exceeds the max message size 1000"),
            std::string::npos)
      << st.message();
  ASSERT_TRUE(sink->Flush(10000).ok());
  EXPECT_EQ(d.by_token.size(), 1u);
  EXPECT_TRUE(d.by_token[1].ok());
}

TEST(KafkaSink, MaxMessageBytesIsClampedToTopicLimit) {
  // The fixture broker sets message.max.bytes=16777216; 100 MB must be clamped below it.
  std::string topic = UniqueTopic("clamp");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=1&max-message-bytes=104857600"), &d);
  ASSERT_TRUE(sink->PrepareTopic(topic).ok());
  EXPECT_EQ(sink->effective_max_message_bytes(topic), 16777216 - 128);
  auto st = sink->Produce(topic, 0, codec::Message{std::nullopt, std::string(16777216, 'x')}, 1);
  EXPECT_EQ(st.code(), base::Code::kResourceExhausted) << st.message();
}

TEST(KafkaSink, PartitionOutOfRangeIsRejected) {
  std::string topic = UniqueTopic("badpart");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=2"), &d);
  ASSERT_TRUE(sink->PrepareTopic(topic).ok());
  auto st = sink->Produce(topic, 2, codec::Message{std::nullopt, "v"}, 1);
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            fmt::format("partition 2 is out of range for topic '{}' with 2 partitions", topic));
}

TEST(KafkaSink, UnreachableBrokerIsUnavailableWithinDialTimeout) {
  auto o = ParseKafkaSinkUri("kafka://127.0.0.1:1/t?protocol=canal-json&dial-timeout=2s");
  ASSERT_TRUE(o.ok());
  Deliveries d;
  auto start = steady_clock::now();
  auto r = KafkaSink::Create(o->sink, d.Callback());
  auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_EQ(r.status().message().rfind("cannot reach Kafka at 127.0.0.1:1 (", 0), 0u)
      << r.status().message();
  EXPECT_NE(r.status().message().find("); check the broker list in the sink URI"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::milliseconds(3500));
}

TEST(KafkaSink, FullQueueBlocksInsteadOfFailing) {
  // 160 x 1 MiB exceeds the 64 MiB producer queue, so Produce() must wait for deliveries.
  std::string topic = UniqueTopic("backpressure");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=1&max-message-bytes=2097152"), &d);
  ASSERT_TRUE(sink->PrepareTopic(topic).ok());
  constexpr int kCount = 160;
  for (int i = 0; i < kCount; ++i) {
    std::string value(1 << 20, static_cast<char>('a' + i % 26));
    auto st = sink->Produce(topic, 0, codec::Message{std::nullopt, std::move(value)}, i);
    ASSERT_TRUE(st.ok()) << i << ": " << st.message();
  }
  EXPECT_GT(sink->queue_full_waits(), 0u);
  ASSERT_TRUE(sink->Flush(60000).ok());
  ASSERT_EQ(d.by_token.size(), static_cast<size_t>(kCount));
  for (auto& [token, status] : d.by_token) EXPECT_TRUE(status.ok()) << status.message();
  auto reader = TopicReader::Create(Bootstrap());
  auto msgs = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(60)});
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  ASSERT_EQ(msgs->size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ((*msgs)[i].value.size(), 1u << 20);
    EXPECT_EQ((*msgs)[i].value[0], static_cast<char>('a' + i % 26));
  }
}

TEST(KafkaSink, UndeliverableMessageIsReportedThroughTheCallback) {
  // A topic that does not exist (and is not prepared): librdkafka cannot deliver, and the
  // failure arrives through the delivery callback with the caller's token.
  std::string topic = UniqueTopic("nowhere");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&write-timeout=1s&max-retry=0"), &d);
  ASSERT_TRUE(sink->Produce(topic, 0, codec::Message{std::nullopt, "lost"}, 42).ok());
  auto st = sink->Flush(15000);
  EXPECT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(d.by_token.count(42), 1u);
  const base::Status& ds = d.by_token[42];
  EXPECT_FALSE(ds.ok());
  EXPECT_EQ(ds.code(), base::Code::kUnavailable) << ds.message();
  EXPECT_EQ(
      ds.message(),
      fmt::format("delivery to topic '{}' partition 0 failed: Local: Message timed out", topic));
}

TEST(KafkaSink, DestructionPurgesWhatCannotBeFlushed) {
  // Message timeout 6 s, but the destructor only flushes for write-timeout (1 s) and then
  // purges: the message is reported Cancelled, not lost silently.
  std::string topic = UniqueTopic("purge");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&write-timeout=1s&max-retry=5"), &d);
  ASSERT_TRUE(sink->Produce(topic, 0, codec::Message{std::nullopt, "stuck"}, 7).ok());
  auto start = steady_clock::now();
  sink.reset();
  EXPECT_LT(steady_clock::now() - start, std::chrono::milliseconds(4000));
  ASSERT_EQ(d.by_token.count(7), 1u);
  EXPECT_EQ(d.by_token[7].code(), base::Code::kCancelled) << d.by_token[7].message();
}

TEST(TopicReader, StopsAtMaxMessages) {
  std::string topic = UniqueTopic("reader");
  Deliveries d;
  auto sink = MustCreate(Options(topic, "&partition-num=1"), &d);
  ASSERT_TRUE(sink->PrepareTopic(topic).ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(sink->Produce(topic, 0, codec::Message{std::nullopt, std::to_string(i)}, i).ok());
  }
  ASSERT_TRUE(sink->Flush(10000).ok());
  auto reader = TopicReader::Create(Bootstrap());
  auto msgs = (*reader)->ReadAll(topic, {.max_messages = 5});
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  ASSERT_EQ(msgs->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*msgs)[i].value, std::to_string(i));
    EXPECT_EQ((*msgs)[i].offset, i);
  }
  auto all = (*reader)->ReadAll(topic);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->size(), 20u);
}

}  // namespace
}  // namespace sluice::sink::kafka
