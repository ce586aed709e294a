#include "source/mysql/source_config.h"

#include <gtest/gtest.h>

namespace sluice::source::mysql {
namespace {

using std::chrono::milliseconds;

TEST(MySqlSourceUri, MinimalUriGetsDefaults) {
  auto c = ParseMySqlSourceUri("mysql://repl@db.example:3306");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->scheme, "mysql");
  EXPECT_EQ(c->user, "repl");
  EXPECT_EQ(c->password, "");
  EXPECT_EQ(c->host, "db.example");
  EXPECT_EQ(c->port, 3306);
  EXPECT_EQ(c->start.kind, StartSpec::Kind::kNow);
  EXPECT_EQ(c->connect_timeout, milliseconds(10'000));
  EXPECT_EQ(c->read_timeout, milliseconds(30'000));
  EXPECT_EQ(c->heartbeat, milliseconds(1'000));
  EXPECT_TRUE(c->verify_checksum);
  EXPECT_FALSE(c->annotate_rows);
  EXPECT_FALSE(c->server_id_explicit);
  EXPECT_EQ(c->server_id, DefaultServerId("db.example", 3306));
}

TEST(MySqlSourceUri, DefaultPortIs3306) {
  auto c = ParseMySqlSourceUri("mariadb://u:p@localhost/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->scheme, "mariadb");
  EXPECT_EQ(c->port, 3306);
}

TEST(MySqlSourceUri, AllOptionsParsed) {
  auto c = ParseMySqlSourceUri(
      "mariadb://cdc:secret@10.0.0.5:3307/?server-id=4242&start=gtid:0-1-27,1-5-880"
      "&connect-timeout=5s&read-timeout=2m&heartbeat=500ms&verify-checksum=false"
      "&annotate-rows=true");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->host, "10.0.0.5");
  EXPECT_EQ(c->port, 3307);
  EXPECT_EQ(c->user, "cdc");
  EXPECT_EQ(c->password, "secret");
  EXPECT_EQ(c->server_id, 4242u);
  EXPECT_TRUE(c->server_id_explicit);
  ASSERT_EQ(c->start.kind, StartSpec::Kind::kGtid);
  EXPECT_EQ(c->start.gtids.ToString(), "0-1-27,1-5-880");
  EXPECT_EQ(c->connect_timeout, milliseconds(5'000));
  EXPECT_EQ(c->read_timeout, milliseconds(120'000));
  EXPECT_EQ(c->heartbeat, milliseconds(500));
  EXPECT_FALSE(c->verify_checksum);
  EXPECT_TRUE(c->annotate_rows);
}

TEST(MySqlSourceUri, StartForms) {
  auto now = ParseMySqlSourceUri("mysql://u@h/?start=now");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->start.kind, StartSpec::Kind::kNow);
  auto earliest = ParseMySqlSourceUri("mysql://u@h/?start=earliest");
  ASSERT_TRUE(earliest.ok());
  EXPECT_EQ(earliest->start.kind, StartSpec::Kind::kEarliest);
  auto file = ParseMySqlSourceUri("mysql://u@h/?start=file:mysql-bin.000003:4");
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->start.kind, StartSpec::Kind::kFile);
  EXPECT_EQ(file->start.file.file, "mysql-bin.000003");
  EXPECT_EQ(file->start.file.offset, 4u);
  EXPECT_EQ(file->start.ToString(), "file:mysql-bin.000003:4");
}

TEST(MySqlSourceUri, BadStartIsRejected) {
  for (const char* bad : {"start=yesterday", "start=gtid:", "start=gtid:0-1", "start=file:x",
                          "start=file:mysql-bin.000001:3"}) {
    auto c = ParseMySqlSourceUri(std::string("mysql://u@h/?") + bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument) << bad;
    EXPECT_NE(c.status().message().find("start"), std::string::npos) << c.status().message();
  }
}

TEST(MySqlSourceUri, UserAndPasswordAreUrlDecoded) {
  auto c = ParseMySqlSourceUri("mysql://us%40er:p%3Aa%2Fss%40w%25rd@h:1/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->user, "us@er");
  EXPECT_EQ(c->password, "p:a/ss@w%rd");
}

TEST(MySqlSourceUri, BadPercentEncodingIsRejectedWithoutPassword) {
  auto c = ParseMySqlSourceUri("mysql://u:sec%zzret@h/");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(c.status().message().find("sec"), std::string::npos) << c.status().message();
}

TEST(MySqlSourceUri, Ipv6Host) {
  auto c = ParseMySqlSourceUri("mysql://u@[::1]:3310/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 3310);
  EXPECT_EQ(c->Endpoint(), "[::1]:3310");
}

TEST(MySqlSourceUri, UnknownOptionNamesItAndListsValidOnes) {
  auto c = ParseMySqlSourceUri("mysql://u:p@h/?server-id=3&bogus=1");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument);
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("'bogus'"), std::string::npos) << m;
  for (const auto& o : MySqlSourceOptions()) {
    EXPECT_NE(m.find(std::string(o.name)), std::string::npos) << o.name << " missing in: " << m;
  }
}

TEST(MySqlSourceUri, EveryOptionIsDocumented) {
  ASSERT_GE(MySqlSourceOptions().size(), 7u);
  for (const auto& o : MySqlSourceOptions()) {
    EXPECT_FALSE(o.name.empty());
    EXPECT_FALSE(o.doc.empty()) << o.name;
    EXPECT_FALSE(o.default_value.empty()) << o.name;
    EXPECT_FALSE(o.bounds.empty()) << o.name;
  }
}

TEST(MySqlSourceUri, OutOfBoundsAndMalformedValues) {
  struct Case {
    const char* query;
    const char* must_mention;
  };
  for (const Case& k :
       {Case{"server-id=0", "server-id"}, Case{"server-id=4294967296", "server-id"},
        Case{"server-id=abc", "server-id"}, Case{"connect-timeout=0s", "connect-timeout"},
        Case{"connect-timeout=10", "connect-timeout"},
        Case{"connect-timeout=2d", "connect-timeout"}, Case{"heartbeat=10ms", "heartbeat"},
        Case{"read-timeout=25h", "read-timeout"},
        Case{"heartbeat=20s&read-timeout=30s", "read-timeout"},
        Case{"verify-checksum=maybe", "verify-checksum"}, Case{"server-id=1&server-id=2", "twice"},
        Case{"heartbeat", "heartbeat"}}) {
    auto c = ParseMySqlSourceUri(std::string("mysql://u:pw@h/?") + k.query);
    ASSERT_FALSE(c.ok()) << k.query;
    EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument) << k.query;
    EXPECT_NE(c.status().message().find(k.must_mention), std::string::npos)
        << k.query << ": " << c.status().message();
  }
}

TEST(MySqlSourceUri, MalformedUris) {
  for (const char* bad :
       {"", "localhost:3306", "postgres://u@h/", "mysql://h:3306/", "mysql://:pw@h/",
        "mysql://u@h:0/", "mysql://u@h:99999/", "mysql://u@h:x/", "mysql://u@/",
        "mysql://u@h/somedb", "mysql://u@[::1/"}) {
    auto c = ParseMySqlSourceUri(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), base::Code::kInvalidArgument) << bad;
  }
}

TEST(MySqlSourceUri, RedactedMasksPasswordAndKeepsEverythingElse) {
  auto c = ParseMySqlSourceUri("mysql://cdc:Sup3r%26Secret@db:3306/?server-id=77&start=earliest");
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string r = c->Redacted();
  EXPECT_EQ(r.find("Sup3r"), std::string::npos) << r;
  EXPECT_EQ(r.find("Secret"), std::string::npos) << r;
  EXPECT_NE(r.find("cdc:****@db:3306"), std::string::npos) << r;
  EXPECT_NE(r.find("server-id=77"), std::string::npos) << r;
  EXPECT_NE(r.find("start=earliest"), std::string::npos) << r;
  // The redacted form parses back to the same settings (except the password).
  auto back = ParseMySqlSourceUri(r);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->server_id, 77u);
  EXPECT_EQ(back->start.kind, StartSpec::Kind::kEarliest);
  EXPECT_EQ(back->password, "****");
}

TEST(MySqlSourceUri, RedactedWithoutPasswordHasNoMask) {
  auto c = ParseMySqlSourceUri("mysql://cdc@db/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Redacted().find("****"), std::string::npos);
}

TEST(DefaultServerId, StableNonZeroAndHostDependent) {
  uint32_t a = DefaultServerId("127.0.0.1", 3306);
  EXPECT_EQ(a, DefaultServerId("127.0.0.1", 3306));
  EXPECT_NE(a, 0u);
  EXPECT_GE(a, 1'000'000u);
  EXPECT_NE(a, DefaultServerId("127.0.0.1", 3307));
  EXPECT_NE(a, DefaultServerId("127.0.0.2", 3306));
}

}  // namespace
}  // namespace sluice::source::mysql
