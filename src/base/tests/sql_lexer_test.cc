#include "base/sql_lexer.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

std::vector<std::string> Texts(std::string_view sql) {
  std::vector<std::string> out;
  SqlToken t;
  while (NextSqlToken(&sql, &t)) out.push_back(t.text);
  return out;
}

TEST(SqlLexer, SkipsCommentsAndReadsExecutableCommentsAsCode) {
  EXPECT_EQ(Texts("/* c */ ALTER -- line\n TABLE # hash\n t /*!40101 ADD x */;"),
            (std::vector<std::string>{"ALTER", "TABLE", "t", "ADD", "x", ";"}));
  EXPECT_TRUE(Texts("# Dummy event replacing event type 160").empty());
  // "--" without a following space is two minus signs, as in MySQL.
  EXPECT_EQ(Texts("a--b"), (std::vector<std::string>{"a", "-", "-", "b"}));
}

TEST(SqlLexer, UnquotesNamesAndStrings) {
  std::string_view sql = "`we``ird` \"dq\" 'it''s \\'x'";
  SqlToken t;
  ASSERT_TRUE(NextSqlToken(&sql, &t));
  EXPECT_EQ(t.kind, SqlToken::kQuotedName);
  EXPECT_EQ(t.text, "we`ird");
  ASSERT_TRUE(NextSqlToken(&sql, &t));
  EXPECT_EQ(t.kind, SqlToken::kQuotedName);
  EXPECT_EQ(t.text, "dq");
  ASSERT_TRUE(NextSqlToken(&sql, &t));
  EXPECT_EQ(t.kind, SqlToken::kString);
  EXPECT_EQ(t.text, "it's 'x");
  EXPECT_FALSE(NextSqlToken(&sql, &t));
}

TEST(SqlCursor, AcceptsKeywordsIgnoringCaseAndReadsQualifiedNames) {
  SqlCursor c("create table IF not exists `db`.tbl (id int)");
  EXPECT_FALSE(c.Accept("TABLE"));
  EXPECT_TRUE(c.Accept("CREATE"));
  EXPECT_TRUE(c.Accept("TABLE"));
  c.SkipIfExists();
  std::string schema = "stale", name;
  ASSERT_TRUE(c.Name(&schema, &name));
  EXPECT_EQ(schema, "db");
  EXPECT_EQ(name, "tbl");
  EXPECT_FALSE(c.Name(&schema, &name));  // "(" is not a name
  EXPECT_TRUE(c.AcceptPunct('('));
  ASSERT_TRUE(c.Name(&schema, &name));
  EXPECT_EQ(schema, "");
  EXPECT_EQ(name, "id");
  std::vector<SqlToken> rest = c.TakeRest();
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_TRUE(rest[0].Is("INT"));
  EXPECT_TRUE(rest[1].IsPunct(')'));
  EXPECT_TRUE(c.AtEnd());
}

TEST(SqlCursor, PeeksAheadWithoutConsuming) {
  SqlCursor c("XA START 'x'");
  ASSERT_NE(c.Peek(1), nullptr);
  EXPECT_TRUE(c.Peek(1)->Is("START"));
  EXPECT_EQ(c.Peek(3), nullptr);
  EXPECT_TRUE(c.Accept("XA"));
  EXPECT_TRUE(c.Accept("START"));
  ASSERT_NE(c.Peek(), nullptr);
  EXPECT_EQ(c.Peek()->kind, SqlToken::kString);
}

}  // namespace
}  // namespace sluice::base
