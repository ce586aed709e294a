#include "base/options.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

enum class Color { kRed, kGreen };

struct Inner {
  std::string password;
  bool flag = false;
};

struct Outer {
  int64_t n = 0;
  std::chrono::milliseconds wait{0};
  std::chrono::milliseconds legacy{0};
  Color color = Color::kRed;
  std::string name;
  std::string url;
  std::optional<int32_t> parts;
  Inner inner;
};

const EnumNames<Color>& Colors() {
  static const EnumNames<Color> names{{{"red", Color::kRed}, {"green", Color::kGreen}}};
  return names;
}

const OptionSet<Outer>& Set() {
  static const OptionSet<Outer> set = [] {
    OptionSet<Inner> inner = {
        {{.name = "password", .kind = OptionKind::kString, .secret = OptionSecret::kYes},
         SetField(&Inner::password)},
        {{.name = "flag", .kind = OptionKind::kBool}, SetField(&Inner::flag)},
    };
    inner.AddValidator([](Inner& i, const GivenOptions& g, const OptionContext& ctx) {
      if (i.flag && !g.Has("password")) {
        return InvalidArgument("{}: flag needs password", ctx.what);
      }
      return Status::Ok();
    });
    OptionSet<Outer> s = {
        {{.name = "count", .kind = OptionKind::kInt, .min = 1, .max = 10}, SetField(&Outer::n)},
        {{.name = "wait", .kind = OptionKind::kDuration, .min = 100, .max = 3600000},
         SetField(&Outer::wait)},
        {{.name = "legacy",
          .kind = OptionKind::kDuration,
          .min = 1,
          .max = 60000,
          .bare_number_ms = true},
         SetField(&Outer::legacy)},
        {{.name = "color",
          .kind = OptionKind::kEnum,
          .allowed = Colors().Names(),
          .aliases = {{"verde", "green"}}},
         SetEnum(&Outer::color, Colors())},
        {{.name = "name", .kind = OptionKind::kString, .pattern = "^[a-z]+$",
          .pattern_doc = "lower-case letters"},
         SetField(&Outer::name)},
        {{.name = "url", .kind = OptionKind::kString, .secret = OptionSecret::kUrlCredentials},
         SetField(&Outer::url)},
        {{.name = "parts", .kind = OptionKind::kInt, .min = 1, .max = 9, .only_for = "pg"},
         SetField(&Outer::parts)},
    };
    s.Include(inner, &Outer::inner);
    return s;
  }();
  return set;
}

constexpr OptionContext kCtx{.what = "test URI", .doc_path = "docs/x.md", .target = "my",
                             .scheme = "mysql"};

Result<Outer> Parse(std::string_view query, const OptionContext& ctx = kCtx) {
  Outer o;
  auto given = Set().ParseQuery(query, o, ctx);
  if (!given.ok()) return given.status();
  return o;
}

std::string Error(std::string_view query, const OptionContext& ctx = kCtx) {
  auto r = Parse(query, ctx);
  EXPECT_FALSE(r.ok()) << query;
  if (!r.ok()) EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.ok() ? "" : r.status().message();
}

TEST(Options, ParsesEveryKindAndIncludedParts) {
  auto o = Parse("count=7&wait=1m30s&legacy=250&color=VERDE&name=abc&url=http%3A%2F%2Fh"
                 "&password=p%2Bw+x&flag=T");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->n, 7);
  EXPECT_EQ(o->wait, std::chrono::seconds(90));
  EXPECT_EQ(o->legacy, std::chrono::milliseconds(250));
  EXPECT_EQ(o->color, Color::kGreen);
  EXPECT_EQ(o->name, "abc");
  EXPECT_EQ(o->url, "http://h");
  EXPECT_EQ(o->inner.password, "p+w x");
  EXPECT_TRUE(o->inner.flag);
  auto pg = Parse("parts=3", {.what = "test URI", .target = "pg", .scheme = "postgres"});
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->parts, 3);
}

TEST(Options, OneErrorNamingTheParameterAndTheFix) {
  EXPECT_EQ(Error("count=0"), "test URI: count '0' is out of range; use an integer from 1 to 10");
  EXPECT_EQ(Error("count=x"), "test URI: count 'x' is not an integer; use an integer from 1 to 10");
  EXPECT_EQ(Error("wait=10"),
            "test URI: wait '10' is not a duration; use a Go duration such as 10s or 500ms");
  EXPECT_EQ(Error("wait=1ms"), "test URI: wait '1ms' is out of range; use a duration from 100ms "
                               "to 1h");
  EXPECT_EQ(Error("legacy=2d"), "test URI: legacy '2d' is not a duration; use a Go duration such "
                                "as 10s or 500ms (or a number of milliseconds)");
  EXPECT_EQ(Error("color=blue"), "test URI: color 'blue' is not supported; use one of red, green");
  EXPECT_EQ(Error("name=A1"), "test URI: name 'A1' is invalid; use lower-case letters");
  EXPECT_EQ(Error("name="), "test URI: name is empty; give a value or leave it out");
  EXPECT_EQ(Error("flag=yes"), "test URI: flag 'yes' is not a boolean; use true or false");
  EXPECT_EQ(Error("count=1&count=2"), "test URI: count is given more than once; keep one");
  EXPECT_EQ(Error("parts=2"),
            "test URI: parameter 'parts' applies only to pg targets; remove it from this mysql:// "
            "URI");
  EXPECT_EQ(Error("flag=true"), "test URI: flag needs password");
  EXPECT_EQ(Error("name=%zz"),
            "test URI: the value of name has a malformed %-escape; URL-encode '%' as %25");
}

TEST(Options, SecretsAreNeverEchoed) {
  std::string e = Error("password=");
  EXPECT_EQ(e, "test URI: password is empty; give a value or leave it out");
  // A secret that fails a check is named, never shown.
  OptionSpec spec{.name = "password", .kind = OptionKind::kInt, .min = 1, .max = 2,
                  .secret = OptionSecret::kYes};
  auto v = ParseOptionValue(spec, "hunter2", kCtx);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message().find("hunter2"), std::string::npos) << v.status().message();
}

TEST(Options, UnknownNamesGetSuggestionsAndTheValidList) {
  EXPECT_EQ(Error("colour=red"),
            "test URI: unknown parameter 'colour'; did you mean color? valid options: count, "
            "wait, legacy, color, name, url, parts, password, flag (see docs/x.md)");
  EXPECT_EQ(Error("zzzzzzzz=1"),
            "test URI: unknown parameter 'zzzzzzzz'; valid options: count, wait, legacy, color, "
            "name, url, parts, password, flag (see docs/x.md)");
  std::vector<std::string> names;
  for (char c = 'a'; c < 'a' + 13; ++c) names.push_back(std::string("option-") + c);
  std::vector<OptionSpec> many(names.size());
  std::vector<const OptionSpec*> specs;
  for (size_t i = 0; i < many.size(); ++i) {
    many[i].name = names[i];
    specs.push_back(&many[i]);
  }
  EXPECT_EQ(UnknownOptionError(specs, "zzzzzzzz", kCtx).message(),
            "test URI: unknown parameter 'zzzzzzzz'; see docs/x.md for the supported parameters");
  EXPECT_EQ(UnknownOptionError(specs, "option-aa", kCtx).message(),
            "test URI: unknown parameter 'option-aa'; did you mean option-a or option-b or "
            "option-c? (see docs/x.md)");
}

TEST(Options, RedactionFollowsTheSecretFlags) {
  Outer o;
  auto given =
      Set().ParseQuery("name=abc&password=s3cret&url=https%3A%2F%2Fu%3Apw%40reg%2Fx", o, kCtx);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(RedactQuery(Set().specs(), *given),
            "name=abc&password=****&url=https://u:****%40reg/x");
}

TEST(Options, MarkdownHasOneRowPerOption) {
  std::string doc = OptionsMarkdown(Set().specs());
  EXPECT_NE(doc.find("| `color` | enum | — | `red`, `green`, `verde` (= `green`) |"),
            std::string::npos)
      << doc;
  EXPECT_NE(doc.find("| `legacy` | duration (or ms) | — | 1ms .. 1m |"), std::string::npos);
  EXPECT_NE(doc.find("*pg targets only.*"), std::string::npos);
  EXPECT_NE(doc.find("*Secret: masked in logs and errors.*"), std::string::npos);
}

}  // namespace
}  // namespace sluice::base
