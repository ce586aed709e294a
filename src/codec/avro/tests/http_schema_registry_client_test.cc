// HttpSchemaRegistryClient against an in-process cpp-httplib server speaking the Confluent
// REST subset (a fake HTTP server, so retries and errors can be injected).
#include "codec/avro/http_schema_registry_client.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sluice::codec::avro {
namespace {

class FakeRegistry {
 public:
  FakeRegistry() {
    server_.Post(R"(/prefix/subjects/([^/]+)/versions)", [this](const httplib::Request& req,
                                                                httplib::Response& res) {
      posts++;
      last_auth = req.get_header_value("Authorization");
      last_subject = req.matches[1];
      last_content_type = req.get_header_value("Content-Type");
      if (fail_next > 0) {
        fail_next--;
        res.status = 503;
        res.set_content(R"({"error_code":50301,"message":"busy"})", "application/json");
        return;
      }
      if (status != 200) {
        res.status = status;
        res.set_content(R"({"error_code":409,"message":"Schema being registered is incompatible"})",
                        "application/json");
        return;
      }
      auto body = nlohmann::json::parse(req.body);
      last_schema = body["schema"].get<std::string>();
      res.set_content(R"({"id":42})", "application/vnd.schemaregistry.v1+json");
    });
    server_.Get(
        R"(/prefix/schemas/ids/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
          res.set_content(nlohmann::json{{"schema", "\"string\""}}.dump(), "application/json");
        });
    server_.Get(R"(/prefix/subjects/([^/]+)/versions/latest)",
                [](const httplib::Request&, httplib::Response& res) {
                  res.set_content(R"({"subject":"s","version":3,"id":7,"schema":"\"int\""})",
                                  "application/json");
                });
    server_.Get(R"(/prefix/config/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_param_value("defaultToGlobal") != "true") {
        res.status = 404;
        return;
      }
      res.set_content(R"({"compatibilityLevel":"BACKWARD"})", "application/json");
    });
    server_.Get("/prefix/subjects", [this](const httplib::Request&, httplib::Response& res) {
      res.status = status == 401 ? 401 : 200;
      res.set_content("[]", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& userinfo = "") const {
    return "http://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/prefix/";
  }

  std::atomic<int> posts{0};
  std::atomic<int> fail_next{0};
  std::atomic<int> status{200};
  std::string last_auth, last_subject, last_schema, last_content_type;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

SchemaRegistryOptions Fast(std::string url) {
  SchemaRegistryOptions o;
  o.url = std::move(url);
  o.initial_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(2);
  o.timeout = std::chrono::milliseconds(2000);
  o.retries = 3;
  return o;
}

TEST(HttpSchemaRegistryClient, RegistersWithBasicAuthAndCachesPerSubjectAndSchema) {
  FakeRegistry fake;
  auto c = HttpSchemaRegistryClient::Create(Fast(fake.Url("alice:p%40ss@")));
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto id = (*c)->Register("cdc_t-value", R"({"type":"string"})");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, 42);
  EXPECT_EQ(fake.last_subject, "cdc_t-value");
  EXPECT_EQ(fake.last_schema, R"({"type":"string"})");
  EXPECT_EQ(fake.last_content_type, "application/vnd.schemaregistry.v1+json");
  EXPECT_EQ(fake.last_auth, "Basic YWxpY2U6cEBzcw==");
  // Cached: no second request for the same subject and schema.
  ASSERT_TRUE((*c)->Register("cdc_t-value", R"({"type":"string"})").ok());
  EXPECT_EQ(fake.posts, 1);
  // Another subject is a new request.
  ASSERT_TRUE((*c)->Register("cdc_t-key", R"({"type":"string"})").ok());
  EXPECT_EQ(fake.posts, 2);
  EXPECT_EQ((*c)->DisplayUrl(), fake.Url("alice:******@"));
  auto schema = (*c)->SchemaById(42);
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(*schema, R"({"type":"string"})");  // from the cache
}

TEST(HttpSchemaRegistryClient, RetriesServerErrorsWithBackoff) {
  FakeRegistry fake;
  fake.fail_next = 2;
  auto c = HttpSchemaRegistryClient::Create(Fast(fake.Url()));
  ASSERT_TRUE(c.ok());
  auto id = (*c)->Register("s", "\"int\"");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(fake.posts, 3);
  EXPECT_EQ((*c)->requests(), 3u);
  // Still failing after every retry: Unavailable, so the changefeed restarts later.
  fake.fail_next = 100;
  auto bad = (*c)->Register("s2", "\"int\"");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kUnavailable);
  EXPECT_NE(bad.status().message().find("HTTP 503 after 4 attempts: busy"), std::string::npos)
      << bad.status().message();
}

TEST(HttpSchemaRegistryClient, IncompatibleSchemaIsNotRetriedAndNamesTheFix) {
  FakeRegistry fake;
  fake.status = 409;
  auto c = HttpSchemaRegistryClient::Create(Fast(fake.Url("u:secret@")));
  ASSERT_TRUE(c.ok());
  auto id = (*c)->Register("cdc_t-value", "\"int\"");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(fake.posts, 1);
  const std::string& m = id.status().message();
  EXPECT_NE(m.find("subject 'cdc_t-value' rejected the new schema as incompatible with version 3 "
                   "(the new schema would be version 4) under BACKWARD compatibility: Schema "
                   "being registered is incompatible. Nothing was written"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(PUT /config/cdc_t-value {"compatibility":"NONE"})"), std::string::npos) << m;
  EXPECT_EQ(id.status().message().find("secret"), std::string::npos) << id.status().message();
  fake.status = 401;
  auto denied = (*c)->Register("other", "\"int\"");
  EXPECT_EQ(denied.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(denied.status().message().find("check the user:password"), std::string::npos);
}

TEST(HttpSchemaRegistryClient, UnreachableRegistryIsUnavailableWithMaskedUrl) {
  auto o = Fast("http://bob:hunter2@127.0.0.1:1");  // nothing listens on port 1
  o.retries = 1;
  auto c = HttpSchemaRegistryClient::Create(o);
  ASSERT_TRUE(c.ok());
  auto id = (*c)->Register("s", "\"int\"");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), base::Code::kUnavailable);
  EXPECT_NE(id.status().message().find("bob:******@127.0.0.1"), std::string::npos)
      << id.status().message();
  EXPECT_EQ(id.status().message().find("hunter2"), std::string::npos);
  EXPECT_EQ((*c)->requests(), 2u);
}

TEST(HttpSchemaRegistryClient, CheckReachableListsSubjects) {
  FakeRegistry fake;
  auto c = HttpSchemaRegistryClient::Create(Fast(fake.Url()));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE((*c)->CheckReachable().ok());
  fake.status = 401;
  EXPECT_EQ((*c)->CheckReachable().code(), base::Code::kFailedPrecondition);
  auto o = Fast("http://127.0.0.1:1");
  o.retries = 0;
  auto down = HttpSchemaRegistryClient::Create(o);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ((*down)->CheckReachable().code(), base::Code::kUnavailable);
}

TEST(HttpSchemaRegistryClient, BadUrlsAndCaFilesAreRejectedUpFront) {
  EXPECT_EQ(HttpSchemaRegistryClient::Create(Fast("ftp://x")).status().code(),
            base::Code::kInvalidArgument);
  auto o = Fast("http://127.0.0.1:1");
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(HttpSchemaRegistryClient::Create(o).status().code(), base::Code::kInvalidArgument);
  o.url = "https://127.0.0.1:1";
  auto st = HttpSchemaRegistryClient::Create(o).status();
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace sluice::codec::avro
