// sluice diff's library against real MariaDB and PostgreSQL: the same rows stored with each
// database's own types compare equal; a missing, an extra and a changed row are each reported.
#include "diff/table_diff.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_mariadb.h"
#include "test_postgres.h"

namespace sluice::diff {
namespace {

using sink::database::PgConnection;

class TableDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = "dbsink_diff_" + std::to_string(::getpid());
    my_ = testing::ConnectMariaDb();
    pg_ = testing::ConnectPostgres();
    ASSERT_TRUE(my_->Exec("CREATE DATABASE " + db_).ok());
    ASSERT_TRUE(pg_->Exec("CREATE SCHEMA " + db_).ok());
    ASSERT_TRUE(my_->Exec("SET time_zone='+00:00'").ok());
    ASSERT_TRUE(my_->Exec("CREATE TABLE " + db_ +
                          ".t (id bigint unsigned PRIMARY KEY, flag tinyint(1), d decimal(8,3), "
                          "f float, g double, b varbinary(8), j json, ts timestamp(3) NULL, "
                          "tm time, bits bit(5), s varchar(20), e enum('x','y'))")
                    .ok());
    ASSERT_TRUE(my_->Exec("INSERT INTO " + db_ +
                          ".t VALUES (1, 1, 1.500, 866.9985, 2.718281828459045, X'00FF', "
                          "'{\"b\": 1, \"a\": [1, 2]}', '2024-01-02 03:04:05.120', '-838:59:59', "
                          "b'00101', 'héllo', 'y'), "
                          "(2, 0, -0.250, 0, 1e300, '', NULL, NULL, '12:00:00', b'0', NULL, 'x'), "
                          "(18446744073709551615, NULL, NULL, NULL, NULL, NULL, '[]', "
                          "'1999-12-31 23:59:59.999', NULL, NULL, '', NULL)")
                    .ok());
    ASSERT_TRUE(pg_->Exec("CREATE TABLE " + db_ +
                          ".t (id numeric(20,0) PRIMARY KEY, flag boolean, d numeric(8,3), "
                          "f real, g double precision, b bytea, j jsonb, ts timestamptz(3), "
                          "tm interval, bits bit(5), s text, e text)")
                    .ok());
    ASSERT_TRUE(pg_->Exec("INSERT INTO " + db_ +
                          ".t VALUES (1, true, 1.5, 866.9985, 2.718281828459045, '\\x00ff', "
                          "'{\"a\": [1,2], \"b\": 1}', '2024-01-02 03:04:05.12+00', "
                          "'-838:59:59', B'00101', 'héllo', 'y'), "
                          "(2, false, -0.25, 0, 1e300, '', NULL, NULL, '12:00:00', B'00000', "
                          "NULL, 'x'), "
                          "(18446744073709551615, NULL, NULL, NULL, NULL, NULL, '[]', "
                          "'1999-12-31 23:59:59.999+00', NULL, NULL, '', NULL)")
                    .ok());
  }
  void TearDown() override {
    static_cast<void>(my_->Exec("DROP DATABASE IF EXISTS " + db_));
    static_cast<void>(pg_->Exec("DROP SCHEMA IF EXISTS " + db_ + " CASCADE"));
  }
  DiffOptions Options() {
    DiffOptions d;
    d.left_uri = testing::MariaDbUri();
    d.right_uri = testing::PostgresUri();
    d.table = db_ + ".t";
    return d;
  }

  std::string db_;
  std::unique_ptr<source::mysql::MySqlConnection> my_;
  std::unique_ptr<PgConnection> pg_;
};

TEST_F(TableDiffTest, SameRowsInMariaDbAndPostgresAreEqual) {
  auto r = DiffTables(Options());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->equal()) << r->ToString();
  EXPECT_EQ(r->left_rows, 3u);
  EXPECT_EQ(r->right_rows, 3u);
}

TEST_F(TableDiffTest, ReportsMissingExtraAndChangedRows) {
  ASSERT_TRUE(pg_->Exec("DELETE FROM " + db_ + ".t WHERE id = 2").ok());
  ASSERT_TRUE(pg_->Exec("INSERT INTO " + db_ + ".t (id) VALUES (7)").ok());
  ASSERT_TRUE(pg_->Exec("UPDATE " + db_ + ".t SET d = 1.501 WHERE id = 1").ok());
  auto r = DiffTables(Options());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->equal());
  EXPECT_EQ(r->missing, 1u);
  EXPECT_EQ(r->extra, 1u);
  EXPECT_EQ(r->different, 1u);
  std::string text = r->ToString();
  EXPECT_NE(text.find("missing on the right: key (id=2)"), std::string::npos) << text;
  EXPECT_NE(text.find("extra on the right: key (id=7)"), std::string::npos) << text;
  EXPECT_NE(text.find("different: key (id=1) column d: left '1.5' right '1.501'"),
            std::string::npos)
      << text;
}

TEST_F(TableDiffTest, ASingleChangedBitIsNotNormalizedAway) {
  ASSERT_TRUE(pg_->Exec("UPDATE " + db_ + ".t SET b = '\\x00fe' WHERE id = 1").ok());
  auto r = DiffTables(Options());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->different, 1u) << r->ToString();
}

// FLOAT and DOUBLE are compared exactly: the next float after 866.9985 (866.99854) and a double
// one step from e (2.7182818284590455; 15 digits would call them equal) are differences.
TEST_F(TableDiffTest, FloatsAndDoublesDifferingInTheLastBitAreDifferent) {
  ASSERT_TRUE(pg_->Exec("UPDATE " + db_ + ".t SET f = 866.99854 WHERE id = 1").ok());
  auto r = DiffTables(Options());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->different, 1u) << r->ToString();
  EXPECT_NE(r->ToString().find("column f"), std::string::npos) << r->ToString();
  ASSERT_TRUE(pg_->Exec("UPDATE " + db_ + ".t SET f = 866.9985, g = 2.7182818284590455 "
                        "WHERE id = 1")
                  .ok());
  r = DiffTables(Options());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->different, 1u) << r->ToString();
  EXPECT_NE(r->ToString().find("column g"), std::string::npos) << r->ToString();
}

TEST_F(TableDiffTest, MissingTableIsAnError) {
  auto d = Options();
  d.table = db_ + ".nope";
  auto r = DiffTables(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kNotFound);
  EXPECT_NE(r.status().message().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace sluice::diff
