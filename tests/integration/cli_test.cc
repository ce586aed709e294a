// The sluice executable's handling of bad input: one clear error line naming the fix, and a
// non-zero exit status. Runs the real binary against the real servers of the fixture.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <cstdio>
#include <sstream>

#include "sink/kafka/topic_reader.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice {
namespace {

using testing::Env;

struct Outcome {
  int exit_code = -1;
  std::string stderr_text;
  std::vector<std::string> error_lines;  // lines starting with "sluice: error:"
};

// Bounded: a command that should fail at once but runs (e.g. `run` with an ignored config) is
// killed after 120 s and fails the test instead of hanging it.
Outcome RunSluice(const std::string& args) {
  std::string cmd =
      "timeout -s KILL 120 " + std::string(SLUICE_BIN) + " " + args + " 2>&1 >/dev/null";
  Outcome out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.stderr_text.append(buf.data(), n);
  int status = ::pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream lines(out.stderr_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("sluice: error:", 0) == 0) out.error_lines.push_back(line);
  }
  return out;
}

std::string SourceUri(const std::string& user, const std::string& password,
                      const std::string& port) {
  return "'mysql://" + user + ":" + password + "@127.0.0.1:" + port + "/'";
}

std::string GoodSource() {
  return SourceUri(Env("SLUICE_MARIADB_USER"), Env("SLUICE_MARIADB_PASSWORD"),
                   Env("SLUICE_MARIADB_PORT"));
}

std::string GoodSink() {
  return "'kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/cli_check?protocol=canal-json'";
}

void ExpectOneError(const Outcome& o, const std::string& needle) {
  EXPECT_NE(o.exit_code, 0) << o.stderr_text;
  ASSERT_EQ(o.error_lines.size(), 1u) << o.stderr_text;
  EXPECT_NE(o.error_lines[0].find(needle), std::string::npos) << o.error_lines[0];
}

TEST(Cli, CheckPassesWithGoodSourceAndSink) {
  Outcome o = RunSluice("check --source " + GoodSource() + " --sink " + GoodSink());
  EXPECT_EQ(o.exit_code, 0) << o.stderr_text;
  EXPECT_TRUE(o.error_lines.empty()) << o.stderr_text;
}

TEST(Cli, BadSinkUriNamesTheParameter) {
  Outcome o = RunSluice("check --source " + GoodSource() + " --sink 'kafka://" +
                        Env("SLUICE_KAFKA_BOOTSTRAP") + "/t?protocol=canal-json&compression=brotli'");
  ExpectOneError(o, "compression 'brotli'");
  EXPECT_NE(o.error_lines[0].find("lz4"), std::string::npos);  // lists the valid values
}

TEST(Cli, BadSourceUriIsRejected) {
  Outcome o = RunSluice("run --source 'postgres://x@h/' --sink " + GoodSink());
  ExpectOneError(o, "source URI");
}

TEST(Cli, UnreachableDatabaseSaysSo) {
  Outcome o = RunSluice("check --source " + SourceUri("sluice", "sluice", "1") + " --sink " +
                        GoodSink());
  ExpectOneError(o, "cannot connect to MariaDB at 127.0.0.1:1");
}

TEST(Cli, UnreachableKafkaSaysSo) {
  Outcome o = RunSluice("check --source " + GoodSource() +
                        " --sink 'kafka://127.0.0.1:1/t?protocol=canal-json&dial-timeout=2s'");
  // The connection test reports each endpoint with its fix.
  ExpectOneError(o, "reachable 127.0.0.1:1: Connection refused");
  EXPECT_NE(o.error_lines[0].find("check that a broker listens on 127.0.0.1:1"),
            std::string::npos);
}

TEST(Cli, WrongPasswordNamesTheUserNotThePassword) {
  Outcome o = RunSluice("check --source " +
                        SourceUri("sluice", "wrong-pass-123", Env("SLUICE_MARIADB_PORT")) +
                        " --sink " + GoodSink());
  ExpectOneError(o, "sluice");
  EXPECT_EQ(o.stderr_text.find("wrong-pass-123"), std::string::npos) << o.stderr_text;
}

TEST(Cli, MissingReplicationPrivilegeGivesTheGrant) {
  auto c = testing::ConnectMariaDbRoot();  // root: it may create users
  ASSERT_TRUE(c->Exec("CREATE USER IF NOT EXISTS 'cli_noprivs'@'%' IDENTIFIED BY 'pw'").ok());
  ASSERT_TRUE(c->Exec("GRANT SELECT ON *.* TO 'cli_noprivs'@'%'").ok());
  Outcome o = RunSluice("check --source " + SourceUri("cli_noprivs", "pw", Env("SLUICE_MARIADB_PORT")) +
                        " --sink " + GoodSink());
  ExpectOneError(o, "GRANT REPLICATION SLAVE");
  ASSERT_TRUE(c->Exec("DROP USER 'cli_noprivs'@'%'").ok());
}

TEST(Cli, MissingRequiredFlagIsAUsageError) {
  Outcome o = RunSluice("consume --topic t");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.stderr_text.find("--brokers"), std::string::npos) << o.stderr_text;
}

TEST(Cli, BadConfigFileNamesTheKey) {
  std::string path = ::testing::TempDir() + "/bad-cf.toml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs("[sink]\ndispatchers = [{matcher = ['a.*'], partition = 'random'}]\n", f);
  std::fclose(f);
  Outcome o = RunSluice("check --source " + GoodSource() + " --sink " + GoodSink() +
                        " --config " + path);
  ExpectOneError(o, "sink.dispatchers[0]");
}

// Runs a shell command line and returns its stdout.
std::string Capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

// A `sluice run` killed before its first checkpoint must not skip rows on the next run: the
// first run pins start=now to a concrete position and stores it before streaming.
TEST(Cli, RunKilledBeforeItsFirstCheckpointLosesNoRows) {
  std::string tag = "cli_pin_" + std::to_string(::getpid());
  std::string dir = ::testing::TempDir() + "/" + tag;
  std::filesystem::remove_all(dir);
  auto c = testing::ConnectMariaDbRoot();
  ASSERT_TRUE(c->Exec("CREATE DATABASE IF NOT EXISTS " + tag).ok());
  ASSERT_TRUE(c->Exec("CREATE TABLE IF NOT EXISTS " + tag + ".t (id INT PRIMARY KEY)").ok());

  std::string common = std::string(SLUICE_BIN) + " --log-level off run --id pin --state-dir " +
                       dir + " --filter '" + tag + ".*' --source " + GoodSource();
  // Run 1: Kafka is unreachable, so nothing is ever acknowledged; killed like a crash.
  Capture("timeout -s KILL 4 " + common + " --sink 'kafka://127.0.0.1:1/" + tag +
          "?protocol=canal-json&dial-timeout=1s' 2>&1");
  // Written while no sluice runs, after run 1 started.
  ASSERT_TRUE(c->Exec("INSERT INTO " + tag + ".t VALUES (7)").ok());
  // Run 2 with a reachable Kafka resumes from run 1's pinned start, so the row arrives.
  Capture("timeout -s INT 10 " + common + " --sink 'kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") +
          "/" + tag + "?protocol=canal-json' 2>&1");
  std::string topic = Capture(std::string(SLUICE_BIN) + " --log-level off consume --brokers " +
                              Env("SLUICE_KAFKA_BOOTSTRAP") + " --topic " + tag +
                              " --timeout 5 2>&1");
  EXPECT_NE(topic.find(R"("data":[{"id":"7"}])"), std::string::npos) << topic;
  ASSERT_TRUE(c->Exec("DROP DATABASE " + tag).ok());
}

// A config that cannot be read is an error, not "no config" (which meant the default filter *.*
// and a changefeed capturing everything).
TEST(Cli, ConfigThatIsADirectoryIsAnError) {
  std::string dir = ::testing::TempDir() + "/cli-config-dir-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  for (const char* cmd : {"check", "run"}) {
    Outcome o = RunSluice(std::string(cmd) + " --source " + GoodSource() + " --sink " +
                          GoodSink() + " --config " + dir);
    ExpectOneError(o, "config file " + dir + ": it is a directory");
  }
  Outcome missing = RunSluice("check --source " + GoodSource() + " --sink " + GoodSink() +
                              " --config " + dir + "/nope.toml");
  ExpectOneError(missing, "does not exist");
}

// `sluice check` changes nothing: a missing topic is validated, not created.
TEST(Cli, CheckCreatesNoTopic) {
  std::string topic = "cli_nocreate_" + std::to_string(::getpid());
  Outcome o = RunSluice("check --source " + GoodSource() + " --sink 'kafka://" +
                        Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic + "?protocol=canal-json'");
  EXPECT_EQ(o.exit_code, 0) << o.stderr_text;
  EXPECT_EQ(o.stderr_text.find("created topic"), std::string::npos) << o.stderr_text;
  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto msgs = (*reader)->ReadAll(topic, {.timeout = std::chrono::seconds(10)});
  ASSERT_FALSE(msgs.ok()) << "check created topic " << topic;
  EXPECT_EQ(msgs.status().code(), base::Code::kNotFound) << msgs.status().message();
}

// Debezium's default bigint-unsigned-handling-mode=long wraps BIGINT UNSIGNED values above
// 2^63-1: `sluice check` names the captured columns it affects and the option that avoids it.
TEST(Cli, CheckWarnsWhenTheFormatWrapsBigintUnsigned) {
  std::string db = "cli_ubig_" + std::to_string(::getpid());
  auto c = testing::ConnectMariaDbRoot();
  ASSERT_TRUE(c->Exec("CREATE DATABASE IF NOT EXISTS " + db).ok());
  ASSERT_TRUE(
      c->Exec("CREATE TABLE IF NOT EXISTS " + db + ".u (id BIGINT UNSIGNED PRIMARY KEY, n BIGINT)")
          .ok());
  std::string sink = "'kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/cli_check?protocol=debezium";
  Outcome o = RunSluice("check --filter '" + db + ".*' --source " + GoodSource() + " --sink " +
                        sink + "'");
  EXPECT_EQ(o.exit_code, 0) << o.stderr_text;
  EXPECT_NE(o.stderr_text.find("BIGINT UNSIGNED columns " + db + ".u.id:"), std::string::npos)
      << o.stderr_text;
  EXPECT_NE(o.stderr_text.find("debezium-bigint-unsigned-handling-mode=precise"),
            std::string::npos)
      << o.stderr_text;
  Outcome precise = RunSluice("check --filter '" + db + ".*' --source " + GoodSource() +
                              " --sink " + sink + "&debezium-bigint-unsigned-handling-mode=precise'");
  EXPECT_EQ(precise.exit_code, 0) << precise.stderr_text;
  EXPECT_EQ(precise.stderr_text.find("BIGINT UNSIGNED columns"), std::string::npos)
      << precise.stderr_text;
  ASSERT_TRUE(c->Exec("DROP DATABASE " + db).ok());
}

}  // namespace
}  // namespace sluice
