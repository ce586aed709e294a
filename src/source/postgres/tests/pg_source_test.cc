// PgSource and ReplicationClient against the real PostgreSQL 15 of the `servers` fixture:
// preflight errors with their fixes, sluice check creating nothing, acknowledgement semantics
// of the slot, start=now, and a dropped slot. Every test uses its own slot/publication/schema.
#include "source/postgres/pg_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "source/postgres/pg_connection.h"
#include "source/postgres/replication_client.h"
#include "test_env.h"

namespace sluice::source::postgres {
namespace {

using sluice::testing::Env;
using Kind = model::ChangeEvent::Kind;

PgSourceConfig Config(const std::string& name) {
  PgSourceConfig c;
  c.host = Env("SLUICE_POSTGRES_HOST");
  c.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_POSTGRES_PORT")));
  c.user = Env("SLUICE_POSTGRES_USER");
  c.password = Env("SLUICE_POSTGRES_PASSWORD");
  c.database = Env("SLUICE_POSTGRES_DATABASE");
  c.slot = name;
  c.publication = name;
  return c;
}

// Superuser over the Unix socket (trusted), for setting up roles.
std::unique_ptr<PgConnection> Admin() {
  PgSourceConfig c = Config("x");
  c.host = Env("SLUICE_POSTGRES_SOCKET_DIR");
  c.user = "postgres";
  c.password.clear();
  auto conn = PgConnection::Connect(c, false);
  if (!conn.ok()) throw std::runtime_error(conn.status().message());
  return std::move(conn).value();
}

class PgSourceIt : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "it_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "_" + std::to_string(::getpid());
    for (auto& c : name_) c = static_cast<char>(std::tolower(c));
    admin_ = Admin();
    Drop();
    Exec("CREATE SCHEMA " + name_ + " AUTHORIZATION " + Env("SLUICE_POSTGRES_USER"));
    Exec("CREATE TABLE " + name_ + ".t (id int PRIMARY KEY, v text)");
    Exec("ALTER TABLE " + name_ + ".t OWNER TO " + Env("SLUICE_POSTGRES_USER"));
  }
  void TearDown() override { Drop(); }
  void Drop() {
    for (int i = 0; i < 100; ++i) {
      if (admin_
              ->Exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     "WHERE slot_name = '" +
                     name_ + "'")
              .ok()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    static_cast<void>(admin_->Exec("DROP PUBLICATION IF EXISTS " + name_));
    static_cast<void>(admin_->Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"));
    static_cast<void>(admin_->Exec("DROP ROLE IF EXISTS " + name_));
  }
  void Exec(const std::string& sql) {
    auto st = admin_->Exec(sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.message();
  }
  std::optional<model::Lsn> Confirmed() {
    auto r = admin_->Query(
        "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE "
        "slot_name = '" +
        name_ + "'");
    if (!r.ok() || r->rows.empty() || !r->rows[0][0]) return std::nullopt;
    return model::SourcePosition::Deserialize("lsn=" + *r->rows[0][0])->lsn;
  }
  PgSourceConfig WithTable() {
    PgSourceConfig c = Config(name_);
    c.tables = {{name_, "t"}};
    return c;
  }
  // Reads until `commits` kCommit events arrived (or 20 s).
  std::vector<model::ChangeEvent> ReadCommits(PgSource& s, size_t commits) {
    std::vector<model::ChangeEvent> all;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    size_t seen = 0;
    while (seen < commits && std::chrono::steady_clock::now() < until) {
      std::vector<model::ChangeEvent> out;
      auto st = s.Read(&out, 100, std::chrono::milliseconds(200));
      EXPECT_TRUE(st.ok()) << st.message();
      if (!st.ok()) break;
      for (auto& e : out) {
        if (e.kind == Kind::kCommit) ++seen;
        if (e.kind != Kind::kHeartbeat) all.push_back(std::move(e));
      }
    }
    return all;
  }
  std::string name_;
  std::unique_ptr<PgConnection> admin_;
};

TEST_F(PgSourceIt, WrongPasswordIsInvalidArgumentWithoutThePassword) {
  PgSourceConfig c = WithTable();
  c.password = "wrong-secret";
  PgSource s(c);
  auto st = s.Open({});
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument) << st.message();
  EXPECT_NE(st.message().find("password"), std::string::npos);
  EXPECT_EQ(st.message().find("wrong-secret"), std::string::npos);
}

TEST_F(PgSourceIt, ClosedPortIsUnavailable) {
  PgSourceConfig c = WithTable();
  c.port = 1;
  PgSource s(c);
  EXPECT_EQ(s.Open({}).code(), base::Code::kUnavailable);
}

TEST_F(PgSourceIt, MissingReplicationAttributeNamesTheFix) {
  Exec("CREATE ROLE " + name_ + " LOGIN PASSWORD 'pw'");
  Exec("GRANT ALL ON DATABASE " + Env("SLUICE_POSTGRES_DATABASE") + " TO " + name_);
  PgSourceConfig c = WithTable();
  c.user = name_;
  c.password = "pw";
  PgSource s(c);
  auto st = s.Open({});
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition) << st.message();
  EXPECT_NE(st.message().find("ALTER ROLE \"" + name_ + "\" WITH REPLICATION"), std::string::npos)
      << st.message();
}

TEST_F(PgSourceIt, MissingPublicationWithoutTablesNamesBothFixes) {
  PgSource s(Config(name_));
  auto st = s.Open({});
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("tables="), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("FOR ALL TABLES"), std::string::npos) << st.message();
}

TEST_F(PgSourceIt, UnknownTableInTablesOption) {
  PgSourceConfig c = WithTable();
  c.tables.push_back({name_, "nope"});
  PgSource s(c);
  auto st = s.Open({});
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("table " + name_ + ".nope (option tables) does not exist"),
            std::string::npos)
      << st.message();
  ReplicationClient check(c);
  EXPECT_EQ(check.Check().code(), base::Code::kFailedPrecondition);
}

TEST_F(PgSourceIt, TableMissingFromAnExistingPublication) {
  Exec("CREATE TABLE " + name_ + ".other (id int PRIMARY KEY)");
  Exec("CREATE PUBLICATION " + name_ + " FOR TABLE " + name_ + ".other");
  PgSource s(WithTable());
  auto st = s.Open({});
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("ALTER PUBLICATION \"" + name_ + "\" ADD TABLE"), std::string::npos)
      << st.message();
}

TEST_F(PgSourceIt, CheckCreatesNothingAndReportsABusySlot) {
  ReplicationClient check(WithTable());
  auto st = check.Check();
  ASSERT_TRUE(st.ok()) << st.message();
  check.Close();
  EXPECT_FALSE(Confirmed().has_value());
  auto pubs = admin_->Query("SELECT 1 FROM pg_publication WHERE pubname = '" + name_ + "'");
  ASSERT_TRUE(pubs.ok());
  EXPECT_TRUE(pubs->rows.empty());

  PgSource s(WithTable());
  ASSERT_TRUE(s.Open({}).ok());
  ReplicationClient busy(WithTable());
  st = busy.Check();
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("in use"), std::string::npos) << st.message();
}

TEST_F(PgSourceIt, SlotOnlyAdvancesThroughAcknowledge) {
  PgSourceConfig c = WithTable();
  c.status_interval = std::chrono::milliseconds(100);  // periodic status updates while idle
  PgSource s(c);
  ASSERT_TRUE(s.Open({}).ok());
  model::Lsn created = *Confirmed();
  EXPECT_EQ(created, s.start_lsn());
  Exec("INSERT INTO " + name_ + ".t VALUES (1, 'a')");
  Exec("INSERT INTO " + name_ + ".t VALUES (2, 'b')");
  auto events = ReadCommits(s, 2);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].row.after[0], model::Value::Int(1));
  ASSERT_EQ(events[1].kind, Kind::kCommit);
  ASSERT_EQ(events[3].kind, Kind::kCommit);
  // Reading alone (with status updates every 100 ms) does not move the slot.
  std::vector<model::ChangeEvent> idle;
  ASSERT_TRUE(s.Read(&idle, 10, std::chrono::milliseconds(300)).ok());
  EXPECT_EQ(*Confirmed(), created);
  // Acknowledging the first commit moves it exactly there.
  s.Acknowledge(events[1].position);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (*Confirmed() != *events[1].position.lsn && std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(s.Read(&idle, 10, std::chrono::milliseconds(100)).ok());
  }
  EXPECT_EQ(*Confirmed(), *events[1].position.lsn);
  s.Close();
  // Reopening at the first commit replays only the second transaction.
  PgSource again(WithTable());
  ASSERT_TRUE(again.Open(events[1].position).ok());
  auto replay = ReadCommits(again, 1);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].row.after[0], model::Value::Int(2));
  EXPECT_EQ(replay[1].position.lsn, events[3].position.lsn);
}

TEST_F(PgSourceIt, IdleSlotAdvancesThroughHeartbeats) {
  PgSource s(WithTable());
  ASSERT_TRUE(s.Open({}).ok());
  // WAL the publication does not cover: pgoutput skips the empty transaction, keepalives
  // report the server's WAL end instead.
  Exec("CREATE TABLE " + name_ + ".unpublished (id int)");
  Exec("INSERT INTO " + name_ + ".unpublished VALUES (1)");
  std::optional<model::Lsn> beat;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!beat && std::chrono::steady_clock::now() < until) {
    std::vector<model::ChangeEvent> out;
    ASSERT_TRUE(s.Read(&out, 100, std::chrono::milliseconds(200)).ok());
    for (const auto& e : out) {
      EXPECT_NE(e.kind, Kind::kRow);
      if (e.kind == Kind::kHeartbeat) beat = e.position.lsn;
    }
  }
  ASSERT_TRUE(beat.has_value()) << "no keepalive heartbeat within 20 s";
  EXPECT_GT(*beat, s.start_lsn());
  model::SourcePosition cp;
  cp.lsn = beat;
  s.Acknowledge(cp);
  until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<model::ChangeEvent> out;
  while (*Confirmed() != *beat && std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(s.Read(&out, 100, std::chrono::milliseconds(100)).ok());
  }
  EXPECT_EQ(*Confirmed(), *beat);
}

TEST_F(PgSourceIt, StartNowSkipsWhatTheSlotHolds) {
  {
    PgSource s(WithTable());
    ASSERT_TRUE(s.Open({}).ok());  // creates the slot
  }
  Exec("INSERT INTO " + name_ + ".t VALUES (1, 'old')");
  PgSourceConfig c = WithTable();
  c.start = PgSourceConfig::Start::kNow;
  PgSource s(c);
  ASSERT_TRUE(s.Open({}).ok());
  Exec("INSERT INTO " + name_ + ".t VALUES (2, 'new')");
  auto events = ReadCommits(s, 1);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].row.after[0], model::Value::Int(2));
  // The skip is not acknowledged on the slot before a checkpoint is.
  EXPECT_EQ(*Confirmed(), s.acknowledged());
  EXPECT_LT(s.acknowledged(), s.start_lsn());
}

TEST_F(PgSourceIt, DroppedSlotWithACheckpointIsAnError) {
  model::SourcePosition cp;
  cp.lsn = model::Lsn{0x1000000};
  PgSource s(WithTable());
  auto st = s.Open(cp);
  EXPECT_EQ(st.code(), base::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.message();
  EXPECT_FALSE(Confirmed().has_value());  // and no slot was created behind the user's back
}

}  // namespace
}  // namespace sluice::source::postgres
