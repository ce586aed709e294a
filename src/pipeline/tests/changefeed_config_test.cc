#include "pipeline/changefeed_config.h"

#include <gtest/gtest.h>

#include "pipeline/builder.h"

namespace sluice::pipeline {
namespace {

TEST(ChangefeedConfig, ParsesFilterAndDispatchers) {
  ChangefeedConfig c;
  auto st = ApplyChangefeedToml(R"(
[filter]
rules = ['shop.*', '!shop.tmp_*']
case-sensitive = true

[sink]
dispatchers = [
  {matcher = ['shop.*'], topic = "cdc_{schema}_{table}", partition = "index-value"},
  {matcher = ['log.*'], partition = "columns", columns = ["a", "b"]},
]
)",
                                "cf.toml", &c);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(c.filter_rules, (std::vector<std::string>{"shop.*", "!shop.tmp_*"}));
  EXPECT_TRUE(c.case_sensitive);
  ASSERT_EQ(c.dispatchers.size(), 2u);
  EXPECT_EQ(c.dispatchers[0].topic, "cdc_{schema}_{table}");
  EXPECT_EQ(c.dispatchers[0].partition, dispatch::PartitionRule::kIndexValue);
  EXPECT_EQ(c.dispatchers[1].columns, (std::vector<std::string>{"a", "b"}));
}

TEST(ChangefeedConfig, ErrorsNameTheKey) {
  ChangefeedConfig c;
  auto st = ApplyChangefeedToml("[filter]\nrulez = ['a.b']\n", "cf.toml", &c);
  EXPECT_NE(st.message().find("filter.rulez"), std::string::npos) << st.message();
  st = ApplyChangefeedToml("[sink]\ndispatchers = [{topic = 'x'}]\n", "cf.toml", &c);
  EXPECT_NE(st.message().find("sink.dispatchers[0].matcher is required"), std::string::npos)
      << st.message();
  st = ApplyChangefeedToml("[sink]\ndispatchers = [{matcher=['*.*'], partition='rnd'}]\n",
                           "cf.toml", &c);
  EXPECT_NE(st.message().find("'rnd' is unknown"), std::string::npos) << st.message();
  st = ApplyChangefeedToml("[filter\n", "cf.toml", &c);
  EXPECT_NE(st.message().find("invalid TOML"), std::string::npos) << st.message();
}

TEST(BuildChangefeed, RejectsBadInputWithTheFix) {
  ChangefeedConfig c;
  c.source_uri = "mysql://u:p@127.0.0.1:3306/";
  c.sink_uri = "kafka://127.0.0.1:9092/t?protocol=canal-json";
  EXPECT_TRUE(BuildChangefeed(c).ok());

  ChangefeedConfig bad_sink = c;
  bad_sink.sink_uri = "kafka://127.0.0.1:9092/t?protocol=canal-json&compression=brotli";
  auto r = BuildChangefeed(bad_sink);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("compression"), std::string::npos);

  ChangefeedConfig bad_source = c;
  bad_source.source_uri = "http://x";
  r = BuildChangefeed(bad_source);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("source URI"), std::string::npos);

  ChangefeedConfig bad_id = c;
  bad_id.id = "no spaces";
  EXPECT_FALSE(BuildChangefeed(bad_id).ok());

  ChangefeedConfig bad_filter = c;
  bad_filter.filter_rules = {"nodot"};
  r = BuildChangefeed(bad_filter);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("filter.rules"), std::string::npos);

  ChangefeedConfig open = c;
  open.sink_uri = "kafka://127.0.0.1:9092/t?protocol=open-protocol";
  r = BuildChangefeed(open);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("use protocol=canal-json, avro or debezium"),
            std::string::npos)
      << r.status().message();

  ChangefeedConfig avro = c;
  avro.sink_uri = "kafka://127.0.0.1:9092/t?protocol=avro&schema-registry=http://r:8081";
  EXPECT_TRUE(BuildChangefeed(avro).ok());
  avro.sink_uri += "&enable-tidb-extension=true&large-message-handle-option=handle-key-only";
  r = BuildChangefeed(avro);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not supported with protocol=avro"), std::string::npos);
  avro.sink_uri =
      "kafka://127.0.0.1:9092/t?protocol=avro&schema-registry=https://r:8081"
      "&schema-registry-ca=/nonexistent/ca.pem";
  r = BuildChangefeed(avro);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace sluice::pipeline
