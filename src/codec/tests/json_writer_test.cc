#include "codec/common/json_writer.h"

#include <gtest/gtest.h>

namespace sluice::codec {
namespace {

std::string Str(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}
std::string Latin1(std::string_view s) {
  std::string out;
  AppendJsonLatin1String(s, &out);
  return out;
}

TEST(JsonWriter, BinaryDocExampleIsIso88591Escaped) {
  const unsigned char bytes[] = {5, 7, 10, 15, 36, 50, 43, 99, 120, 60, 38, 255, 254, 45, 55, 70};
  std::string in(reinterpret_cast<const char*>(bytes), sizeof(bytes));
  EXPECT_EQ(Latin1(in), "\"\\u0005\\u0007\\n\\u000f$2+cx\\u003c\\u0026\xc3\xbf\xc3\xbe-7F\"");
}

TEST(JsonWriter, Latin1MapsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string out = Latin1(all);
  EXPECT_EQ(out.substr(0, 13), "\"\\u0000\\u0001");
  EXPECT_NE(out.find("\\u0008"), std::string::npos);
  EXPECT_NE(out.find("\\t\\n\\u000b\\u000c\\r"), std::string::npos);
  EXPECT_NE(out.find("\\u001f !\\\"#$%\\u0026'"), std::string::npos);
  EXPECT_NE(out.find("\\u003c=\\u003e?"), std::string::npos);
  EXPECT_NE(out.find("[\\\\]"), std::string::npos);
  EXPECT_NE(out.find("~\x7f\xc2\x80\xc2\x81"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 5), "\xc3\xbe\xc3\xbf\"");
}

TEST(JsonWriter, Utf8EscapesLikeGo) {
  EXPECT_EQ(Str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Str("\n\r\t\b\f"), R"("\n\r\t\u0008\u000c")");
  EXPECT_EQ(Str(std::string("\0\x1f", 2)), R"("\u0000\u001f")");
  EXPECT_EQ(Str("<a href='x'>&</a>"), R"("\u003ca href='x'\u003e\u0026\u003c/a\u003e")");
  EXPECT_EQ(Str("héllo 世界 😀"), "\"héllo 世界 😀\"");
  EXPECT_EQ(Str("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
  EXPECT_EQ(Str("\x7f"), "\"\x7f\"");
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementPerByte) {
  EXPECT_EQ(Str("a\xffz"), R"("a\ufffdz")");
  EXPECT_EQ(Str("\xc3"), R"("\ufffd")");                                // truncated sequence
  EXPECT_EQ(Str("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(Str("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(Str("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  EXPECT_EQ(Str("\xe4\xb8\x96\xe4"), "\"\xe4\xb8\x96\\ufffd\"");
}

TEST(JsonWriter, StructureAndCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.Int(-1);
  w.Key("b");
  w.BeginArray();
  w.UInt(18446744073709551615ull);
  w.Null();
  w.Bool(true);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.EndArray();
  w.String("x");
  w.EndArray();
  w.Key("c");
  w.Raw("{\"r\":1}");
  w.Key("d");
  w.Latin1String("\xe9");
  w.EndObject();
  EXPECT_EQ(out, R"({"a":-1,"b":[18446744073709551615,null,true,{},[],"x"],"c":{"r":1},"d":"é"})");
}

}  // namespace
}  // namespace sluice::codec
