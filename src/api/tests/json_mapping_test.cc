#include "api/json_mapping.h"

#include <gtest/gtest.h>

#include "api/auth.h"

namespace sluice::api {
namespace {

TEST(HttpStatusFor, MapsEachCodeOnce) {
  EXPECT_EQ(HttpStatusFor(base::Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(base::Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(base::Code::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(base::Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(base::Code::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(base::Code::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(base::Code::kDeadlineExceeded), 500);
}

TEST(ErrorJson, HasCodeNameAndMessage) {
  auto j = ErrorJson(base::NotFound("changefeed 'x' does not exist"));
  EXPECT_EQ(j["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(j["error"]["message"], "changefeed 'x' does not exist");
}

TEST(ParseChangefeedRequest, BadJsonIsInvalidArgument) {
  auto r = ParseChangefeedRequest("{\"id\": ", RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
}

TEST(ParseChangefeedRequest, WrongTypeNamesTheField) {
  auto r =
      ParseChangefeedRequest(R"({"id":"a","source_uri":5,"sink_uri":"k"})", RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'source_uri'"), std::string::npos) << r.status().message();

  r = ParseChangefeedRequest(
      R"({"id":"a","source_uri":"s","sink_uri":"k","filter_rules":["a.*",1]})",
      RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'filter_rules[1]'"), std::string::npos)
      << r.status().message();

  r = ParseChangefeedRequest(R"({"id":"a","source_uri":"s","sink_uri":"k","paused":"yes"})",
                             RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'paused'"), std::string::npos);
}

TEST(ParseChangefeedRequest, MissingRequiredFieldsAreNamed) {
  auto r = ParseChangefeedRequest(R"({"source_uri":"s","sink_uri":"k"})", RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'id'"), std::string::npos);
  r = ParseChangefeedRequest(R"({"id":"a","sink_uri":"k"})", RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'source_uri'"), std::string::npos);
}

TEST(ParseChangefeedRequest, UnknownFieldIsRejected) {
  auto r = ParseChangefeedRequest(R"({"id":"a","source_uri":"s","sink_uri":"k","sinkuri":"x"})",
                                  RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'sinkuri'"), std::string::npos);
}

TEST(ParseChangefeedRequest, FullBody) {
  auto r = ParseChangefeedRequest(R"({
    "id": "orders", "source_uri": "mysql://u:p@h/", "sink_uri": "kafka://h/t",
    "filter_rules": ["shop.*", "!shop.tmp_*"], "case_sensitive": true, "paused": true,
    "dispatchers": [{"matcher": ["shop.*"], "topic": "cdc_{schema}", "partition": "columns",
                     "columns": ["id"]}]})",
                                  RequestKind::kCreate);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.id, "orders");
  EXPECT_EQ(r->config.filter_rules, (std::vector<std::string>{"shop.*", "!shop.tmp_*"}));
  EXPECT_TRUE(r->config.case_sensitive);
  EXPECT_TRUE(r->paused);
  ASSERT_EQ(r->config.dispatchers.size(), 1u);
  EXPECT_EQ(r->config.dispatchers[0].partition, dispatch::PartitionRule::kColumns);
  EXPECT_EQ(r->config.dispatchers[0].columns, std::vector<std::string>{"id"});
  EXPECT_EQ(DispatchRuleToJson(r->config.dispatchers[0])["partition"], "columns");
}

TEST(ParseChangefeedRequest, BadPartitionNamesTheDispatcher) {
  auto r = ParseChangefeedRequest(
      R"({"id":"a","source_uri":"s","sink_uri":"k","dispatchers":[{"matcher":["a.*"],"partition":"random"}]})",
      RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dispatchers[0].partition"), std::string::npos)
      << r.status().message();
}

TEST(ParseChangefeedRequest, ConfigTomlThenExplicitFieldsOverride) {
  auto r = ParseChangefeedRequest(
      R"({"id":"a","source_uri":"s","sink_uri":"k",
          "config_toml":"[filter]\nrules = ['x.*']\n[sink]\ndispatchers = [{matcher = ['x.*'], partition = 'ts'}]\n"})",
      RequestKind::kCreate);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.filter_rules, std::vector<std::string>{"x.*"});
  ASSERT_EQ(r->config.dispatchers.size(), 1u);
  EXPECT_EQ(r->config.dispatchers[0].partition, dispatch::PartitionRule::kTs);

  r = ParseChangefeedRequest(
      R"({"id":"a","source_uri":"s","sink_uri":"k","filter_rules":["y.*"],
          "config_toml":"[filter]\nrules = ['x.*']\n"})",
      RequestKind::kCreate);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.filter_rules, std::vector<std::string>{"y.*"});

  r = ParseChangefeedRequest(
      R"({"id":"a","source_uri":"s","sink_uri":"k","config_toml":"[filter"})",
      RequestKind::kCreate);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("config_toml"), std::string::npos) << r.status().message();
}

TEST(ParseChangefeedRequest, UpdateTakesIdFromPathAndRejectsPaused) {
  auto r = ParseChangefeedRequest(R"({"source_uri":"s","sink_uri":"k"})", RequestKind::kUpdate,
                                  "orders");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.id, "orders");
  r = ParseChangefeedRequest(R"({"id":"other","source_uri":"s","sink_uri":"k"})",
                             RequestKind::kUpdate, "orders");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot change"), std::string::npos);
  r = ParseChangefeedRequest(R"({"source_uri":"s","sink_uri":"k","paused":true})",
                             RequestKind::kUpdate, "orders");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'paused'"), std::string::npos);
}

TEST(Secrets, FoundAndScrubbed) {
  pipeline::ChangefeedConfig c;
  c.source_uri = "mysql://u:hunter22@h:3306/?start=now";
  c.sink_uri = "kafka://h:9092/t?sasl-user=a&sasl-password=kpw-123&protocol=canal-json";
  auto secrets = SecretsOf(c);
  EXPECT_EQ(secrets, (std::vector<std::string>{"hunter22", "kpw-123"}));
  EXPECT_EQ(Scrub("bad hunter22 and kpw-123, hunter22", secrets), "bad **** and ****, ****");
}

TEST(Auth, LoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.5"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

TEST(Auth, NonLoopbackNeedsToken) {
  EXPECT_TRUE(CheckListenSecurity("127.0.0.1", "").ok());
  EXPECT_TRUE(CheckListenSecurity("0.0.0.0", "t0ken").ok());
  auto st = CheckListenSecurity("0.0.0.0", "");
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("--token"), std::string::npos);
}

TEST(Auth, BearerToken) {
  EXPECT_TRUE(BearerTokenMatches("Bearer abc", "abc"));
  EXPECT_TRUE(BearerTokenMatches("bearer abc", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer abd", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(BearerTokenMatches("", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Basic abc", "abc"));
  EXPECT_TRUE(BearerTokenMatches("", ""));
}

TEST(Auth, SplitHostPort) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:8300", "--addr", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8300);
  ASSERT_TRUE(SplitHostPort("[::1]:0", "--addr", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  auto st = SplitHostPort("127.0.0.1", "--addr", &host, &port);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("--addr"), std::string::npos);
  EXPECT_FALSE(SplitHostPort("h:99999", "--addr", &host, &port).ok());
}

}  // namespace
}  // namespace sluice::api
