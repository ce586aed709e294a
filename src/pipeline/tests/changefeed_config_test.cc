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

TEST(ChangefeedToml, ReadsBackToTheSameFilterAndDispatchers) {
  ChangefeedConfig c;
  c.filter_rules = {"shop.*", "!shop.tmp_*", "/^app_\\d+$/.orders", "it's.odd"};
  c.case_sensitive = true;
  dispatch::DispatchRule by_table;
  by_table.matcher = {"shop.*"};
  by_table.topic = "cdc_{schema}_{table}";
  by_table.partition = dispatch::PartitionRule::kIndexValue;
  dispatch::DispatchRule by_columns;
  by_columns.matcher = {"log.*"};
  by_columns.partition = dispatch::PartitionRule::kColumns;
  by_columns.columns = {"id", "region"};
  c.dispatchers = {by_table, by_columns};

  std::string toml = ChangefeedToml(c);
  EXPECT_NE(toml.find("rules = ['shop.*', '!shop.tmp_*', '/^app_\\d+$/.orders', \"it's.odd\"]"),
            std::string::npos)
      << toml;
  EXPECT_NE(toml.find("{matcher = ['shop.*'], topic = 'cdc_{schema}_{table}', "
                      "partition = 'index-value'},"),
            std::string::npos)
      << toml;

  ChangefeedConfig back;
  ASSERT_TRUE(ApplyChangefeedToml(toml, "generated", &back).ok()) << toml;
  EXPECT_EQ(back.filter_rules, c.filter_rules);
  EXPECT_TRUE(back.case_sensitive);
  ASSERT_EQ(back.dispatchers.size(), 2u);
  EXPECT_EQ(back.dispatchers[0].matcher, by_table.matcher);
  EXPECT_EQ(back.dispatchers[0].topic, by_table.topic);
  EXPECT_EQ(back.dispatchers[0].partition, dispatch::PartitionRule::kIndexValue);
  EXPECT_EQ(back.dispatchers[1].partition, dispatch::PartitionRule::kColumns);
  EXPECT_EQ(back.dispatchers[1].columns, by_columns.columns);
  EXPECT_TRUE(back.dispatchers[1].topic.empty());

  ChangefeedConfig plain;
  EXPECT_EQ(ChangefeedToml(plain), "[filter]\nrules = ['*.*']\n");
}

}  // namespace
}  // namespace sluice::pipeline
