#include "sink/database/database_sink_options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sluice::sink::database {
namespace {

TEST(DatabaseSinkOptions, ParsesMySqlUriWithOptions) {
  auto o = ParseDatabaseSinkUri(
      "mysql://repl:p%40ss@db.example:3307/?database=copy&batch-rows=100&batch-interval=250ms"
      "&ignore-write-errors=true&create-tables=true&ddl=apply&max-retries=5");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->kind, TargetKind::kMySql);
  EXPECT_EQ(o->host, "db.example");
  EXPECT_EQ(o->port, 3307);
  EXPECT_EQ(o->user, "repl");
  EXPECT_EQ(o->password, "p@ss");
  EXPECT_EQ(o->database, "copy");
  EXPECT_EQ(o->batch_rows, 100u);
  EXPECT_EQ(o->batch_interval.count(), 250);
  EXPECT_TRUE(o->ignore_write_errors);
  EXPECT_TRUE(o->create_tables);
  EXPECT_EQ(o->ddl, DdlMode::kApply);
  EXPECT_EQ(o->max_retries, 5);
  EXPECT_EQ(o->Redacted(),
            "mysql://repl:******@db.example:3307/?database=copy&batch-rows=100&batch-interval="
            "250ms&ignore-write-errors=true&create-tables=true&ddl=apply&max-retries=5");
  auto pg = ParseDatabaseSinkUri("postgres://u:pw@h:5433/db?schema=s");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->Redacted(), "postgres://u:******@h:5433/db?schema=s");
}

TEST(DatabaseSinkOptions, ParsesPostgresUriWithDefaults) {
  auto o = ParseDatabaseSinkUri("postgresql://u:pw@127.0.0.1/target?schema=mirror");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->kind, TargetKind::kPostgres);
  EXPECT_EQ(o->port, 5432);
  EXPECT_EQ(o->database, "target");
  EXPECT_EQ(o->schema, "mirror");
  EXPECT_EQ(o->batch_rows, 512u);
  EXPECT_EQ(o->ddl, DdlMode::kSkip);
  EXPECT_FALSE(o->ignore_write_errors);
}

TEST(DatabaseSinkOptions, ErrorsNameTheFieldAndTheFix) {
  auto bad = [](const char* uri) {
    auto o = ParseDatabaseSinkUri(uri);
    EXPECT_FALSE(o.ok()) << uri;
    EXPECT_EQ(o.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(o.status().message().find("secret"), std::string::npos);
    return o.status().message();
  };
  EXPECT_NE(bad("mysql://u:secret@h/?batch-rows=0")
                .find("batch-rows '0' is invalid; use an "
                      "integer from 1 to 100000"),
            std::string::npos);
  EXPECT_NE(bad("mysql://u:secret@h/?batch-interval=fast").find("batch-interval"),
            std::string::npos);
  EXPECT_NE(bad("mysql://u:secret@h/?bogus=1").find("unknown parameter 'bogus'"),
            std::string::npos);
  EXPECT_NE(bad("mysql://u:secret@h/?schema=x").find("applies only to postgres targets"),
            std::string::npos);
  EXPECT_NE(bad("postgres://u:secret@h/db?database=x").find("applies only to mysql targets"),
            std::string::npos);
  EXPECT_NE(bad("postgres://u:secret@h/").find("no PostgreSQL database"), std::string::npos);
  EXPECT_NE(bad("postgres://u:secret@h/db?ddl=apply").find("ddl=apply is not supported"),
            std::string::npos);
  EXPECT_NE(bad("mysql://u:secret@h:99999/").find("port"), std::string::npos);
  EXPECT_NE(bad("mysql://u:secret@h/?ddl=maybe").find("use one of skip, apply"), std::string::npos);
  EXPECT_NE(bad("mysql://u:secret@h/?batch-rows=1&batch-rows=2").find("given twice"),
            std::string::npos);
}

TEST(DatabaseSinkOptions, RecognizesDatabaseSchemes) {
  EXPECT_TRUE(IsDatabaseSinkUri("mysql://h/"));
  EXPECT_TRUE(IsDatabaseSinkUri("MariaDB://h/"));
  EXPECT_TRUE(IsDatabaseSinkUri("postgres://h/db"));
  EXPECT_FALSE(IsDatabaseSinkUri("kafka://h/topic"));
}

// The committed docs/database-sink-options.md must equal the generated table.
// Regenerate with SLUICE_UPDATE_DOCS=1.
TEST(DatabaseSinkOptions, CommittedDocMatchesTheTable) {
  std::string path = std::string(SLUICE_SOURCE_DIR) + "/docs/database-sink-options.md";
  std::string generated = DatabaseSinkOptionsDoc();
  if (const char* update = std::getenv("SLUICE_UPDATE_DOCS"); update && *update == '1') {
    std::ofstream(path) << generated;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing; run this test with SLUICE_UPDATE_DOCS=1";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), generated) << path << " is stale; re-run this test with SLUICE_UPDATE_DOCS=1";
}

}  // namespace
}  // namespace sluice::sink::database
