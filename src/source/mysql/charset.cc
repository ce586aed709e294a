#include "source/mysql/charset.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>

namespace sluice::source::mysql {
namespace {

struct CollationRun {
  uint32_t first;
  uint32_t last;
  const char* charset;
};

// Generated from MariaDB 10.11 information_schema.COLLATION_CHARACTER_SET_APPLICABILITY
// (runs of consecutive ids with the same charset) plus the MySQL 8-only ids; sorted by id.
constexpr CollationRun kRuns[] = {
    {1, 1, "big5"},           {2, 2, "latin2"},
    {3, 3, "dec8"},           {4, 4, "cp850"},
    {5, 5, "latin1"},         {6, 6, "hp8"},
    {7, 7, "koi8r"},          {8, 8, "latin1"},
    {9, 9, "latin2"},         {10, 10, "swe7"},
    {11, 11, "ascii"},        {12, 12, "ujis"},
    {13, 13, "sjis"},         {14, 14, "cp1251"},
    {15, 15, "latin1"},       {16, 16, "hebrew"},
    {18, 18, "tis620"},       {19, 19, "euckr"},
    {20, 20, "latin7"},       {21, 21, "latin2"},
    {22, 22, "koi8u"},        {23, 23, "cp1251"},
    {24, 24, "gb2312"},       {25, 25, "greek"},
    {26, 26, "cp1250"},       {27, 27, "latin2"},
    {28, 28, "gbk"},          {29, 29, "cp1257"},
    {30, 30, "latin5"},       {31, 31, "latin1"},
    {32, 32, "armscii8"},     {33, 33, "utf8mb3"},
    {34, 34, "cp1250"},       {35, 35, "ucs2"},
    {36, 36, "cp866"},        {37, 37, "keybcs2"},
    {38, 38, "macce"},        {39, 39, "macroman"},
    {40, 40, "cp852"},        {41, 42, "latin7"},
    {43, 43, "macce"},        {44, 44, "cp1250"},
    {45, 46, "utf8mb4"},      {47, 49, "latin1"},
    {50, 52, "cp1251"},       {53, 53, "macroman"},
    {54, 55, "utf16"},        {56, 56, "utf16le"},
    {57, 57, "cp1256"},       {58, 59, "cp1257"},
    {60, 61, "utf32"},        {62, 62, "utf16le"},
    {63, 63, "binary"},       {64, 64, "armscii8"},
    {65, 65, "ascii"},        {66, 66, "cp1250"},
    {67, 67, "cp1256"},       {68, 68, "cp866"},
    {69, 69, "dec8"},         {70, 70, "greek"},
    {71, 71, "hebrew"},       {72, 72, "hp8"},
    {73, 73, "keybcs2"},      {74, 74, "koi8r"},
    {75, 75, "koi8u"},        {76, 76, "utf8mb3"},  // MySQL 8 utf8mb3_tolower_ci
    {77, 77, "latin2"},       {78, 78, "latin5"},
    {79, 79, "latin7"},       {80, 80, "cp850"},
    {81, 81, "cp852"},        {82, 82, "swe7"},
    {83, 83, "utf8mb3"},      {84, 84, "big5"},
    {85, 85, "euckr"},        {86, 86, "gb2312"},
    {87, 87, "gbk"},          {88, 88, "sjis"},
    {89, 89, "tis620"},       {90, 90, "ucs2"},
    {91, 91, "ujis"},         {92, 93, "geostd8"},
    {94, 94, "latin1"},       {95, 96, "cp932"},
    {97, 98, "eucjpms"},      {99, 99, "cp1250"},
    {101, 124, "utf16"},      {128, 151, "ucs2"},
    {159, 159, "ucs2"},       {160, 183, "utf32"},
    {192, 215, "utf8mb3"},    {223, 223, "utf8mb3"},
    {224, 247, "utf8mb4"},    {248, 250, "gb18030"},  // MySQL 8
    {255, 323, "utf8mb4"},                            // MySQL 8 utf8mb4_0900_* and friends
    {576, 578, "utf8mb3"},    {608, 610, "utf8mb4"},
    {640, 642, "ucs2"},       {672, 674, "utf16"},
    {736, 738, "utf32"},      {1025, 1025, "big5"},
    {1027, 1027, "dec8"},     {1028, 1028, "cp850"},
    {1030, 1030, "hp8"},      {1031, 1031, "koi8r"},
    {1032, 1032, "latin1"},   {1033, 1033, "latin2"},
    {1034, 1034, "swe7"},     {1035, 1035, "ascii"},
    {1036, 1036, "ujis"},     {1037, 1037, "sjis"},
    {1040, 1040, "hebrew"},   {1042, 1042, "tis620"},
    {1043, 1043, "euckr"},    {1046, 1046, "koi8u"},
    {1048, 1048, "gb2312"},   {1049, 1049, "greek"},
    {1050, 1050, "cp1250"},   {1052, 1052, "gbk"},
    {1054, 1054, "latin5"},   {1056, 1056, "armscii8"},
    {1057, 1057, "utf8mb3"},  {1059, 1059, "ucs2"},
    {1060, 1060, "cp866"},    {1061, 1061, "keybcs2"},
    {1062, 1062, "macce"},    {1063, 1063, "macroman"},
    {1064, 1064, "cp852"},    {1065, 1065, "latin7"},
    {1067, 1067, "macce"},    {1069, 1070, "utf8mb4"},
    {1071, 1071, "latin1"},   {1074, 1075, "cp1251"},
    {1077, 1077, "macroman"}, {1078, 1079, "utf16"},
    {1080, 1080, "utf16le"},  {1081, 1081, "cp1256"},
    {1082, 1083, "cp1257"},   {1084, 1085, "utf32"},
    {1086, 1086, "utf16le"},  {1088, 1088, "armscii8"},
    {1089, 1089, "ascii"},    {1090, 1090, "cp1250"},
    {1091, 1091, "cp1256"},   {1092, 1092, "cp866"},
    {1093, 1093, "dec8"},     {1094, 1094, "greek"},
    {1095, 1095, "hebrew"},   {1096, 1096, "hp8"},
    {1097, 1097, "keybcs2"},  {1098, 1098, "koi8r"},
    {1099, 1099, "koi8u"},    {1101, 1101, "latin2"},
    {1102, 1102, "latin5"},   {1103, 1103, "latin7"},
    {1104, 1104, "cp850"},    {1105, 1105, "cp852"},
    {1106, 1106, "swe7"},     {1107, 1107, "utf8mb3"},
    {1108, 1108, "big5"},     {1109, 1109, "euckr"},
    {1110, 1110, "gb2312"},   {1111, 1111, "gbk"},
    {1112, 1112, "sjis"},     {1113, 1113, "tis620"},
    {1114, 1114, "ucs2"},     {1115, 1115, "ujis"},
    {1116, 1117, "geostd8"},  {1119, 1120, "cp932"},
    {1121, 1122, "eucjpms"},  {1125, 1125, "utf16"},
    {1147, 1147, "utf16"},    {1152, 1152, "ucs2"},
    {1174, 1174, "ucs2"},     {1184, 1184, "utf32"},
    {1206, 1206, "utf32"},    {1216, 1216, "utf8mb3"},
    {1238, 1238, "utf8mb3"},  {1248, 1248, "utf8mb4"},
    {1270, 1270, "utf8mb4"},  {2048, 2215, "utf8mb3"},
    {2232, 2247, "utf8mb3"},  {2304, 2471, "utf8mb4"},
    {2488, 2503, "utf8mb4"},  {2560, 2727, "ucs2"},
    {2744, 2759, "ucs2"},     {2816, 2983, "utf16"},
    {3000, 3015, "utf16"},    {3072, 3239, "utf32"},
    {3256, 3271, "utf32"},
};

struct IconvName {
  const char* charset;
  const char* iconv;
};

constexpr IconvName kIconvNames[] = {
    {"big5", "BIG5"},           {"dec8", "DEC-MCS"},      {"latin2", "ISO-8859-2"},
    {"cp850", "CP850"},         {"hp8", "HP-ROMAN8"},     {"koi8r", "KOI8-R"},
    {"ujis", "EUC-JP"},         {"sjis", "SHIFT_JIS"},    {"cp1251", "CP1251"},
    {"hebrew", "ISO-8859-8"},   {"tis620", "TIS-620"},    {"euckr", "EUC-KR"},
    {"latin7", "ISO-8859-13"},  {"koi8u", "KOI8-U"},      {"gb2312", "GB2312"},
    {"greek", "ISO-8859-7"},    {"cp1250", "CP1250"},     {"gbk", "GBK"},
    {"cp1257", "CP1257"},       {"latin5", "ISO-8859-9"}, {"armscii8", "ARMSCII-8"},
    {"ucs2", "UCS-2BE"},        {"cp866", "CP866"},       {"macce", "MAC-CENTRALEUROPE"},
    {"macroman", "MACINTOSH"},  {"cp852", "CP852"},       {"utf16", "UTF-16BE"},
    {"utf16le", "UTF-16LE"},    {"cp1256", "CP1256"},     {"utf32", "UTF-32BE"},
    {"geostd8", "GEORGIAN-PS"}, {"cp932", "CP932"},       {"eucjpms", "EUC-JP-MS"},
    {"gb18030", "GB18030"},
};

// MySQL's latin1 is Windows-1252, with the five undefined cp1252 bytes mapped to the C1
// controls of the same value (as MySQL does).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void Latin1ToUtf8(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() * 2);
  for (char ch : in) {
    auto c = static_cast<uint8_t>(ch);
    if (c < 0x80) {
      out->push_back(ch);
    } else if (c < 0xA0) {
      AppendUtf8(kCp1252High[c - 0x80], out);
    } else {
      AppendUtf8(c, out);
    }
  }
}

}  // namespace

std::string_view CharsetOfCollation(uint32_t collation) {
  const CollationRun* end = std::end(kRuns);
  const CollationRun* it =
      std::upper_bound(std::begin(kRuns), end, collation,
                       [](uint32_t id, const CollationRun& run) { return id < run.first; });
  if (it == std::begin(kRuns)) return {};
  --it;
  if (collation > it->last) return {};
  return it->charset;
}

std::string_view IconvNameOfCharset(std::string_view charset) {
  for (const auto& n : kIconvNames) {
    if (charset == n.charset) return n.iconv;
  }
  return {};
}

bool IsUtf8Compatible(std::string_view charset) {
  return charset == "utf8mb4" || charset == "utf8mb3" || charset == "ascii";
}

Utf8Converter::~Utf8Converter() {
  for (auto& [name, cd] : descriptors_) {
    if (cd != nullptr) iconv_close(static_cast<iconv_t>(cd));
  }
}

bool Utf8Converter::Supported(uint32_t collation) {
  if (collation == 0 || collation == 63) return true;
  std::string_view cs = CharsetOfCollation(collation);
  if (cs.empty()) return false;
  return IsUtf8Compatible(cs) || cs == "latin1" || !IconvNameOfCharset(cs).empty();
}

void* Utf8Converter::Descriptor(std::string_view iconv_name) {
  for (auto& [name, cd] : descriptors_) {
    if (name == iconv_name) return cd;
  }
  iconv_t cd = iconv_open("UTF-8", std::string(iconv_name).c_str());
  void* stored = cd == reinterpret_cast<iconv_t>(-1) ? nullptr : static_cast<void*>(cd);
  descriptors_.emplace_back(std::string(iconv_name), stored);
  return stored;
}

base::Status Utf8Converter::Convert(uint32_t collation, std::string_view in, std::string* out) {
  if (collation == 0 || collation == 63) {
    out->assign(in);
    return base::Status::Ok();
  }
  std::string_view cs = CharsetOfCollation(collation);
  if (IsUtf8Compatible(cs)) {
    out->assign(in);
    return base::Status::Ok();
  }
  if (cs == "latin1") {
    Latin1ToUtf8(in, out);
    return base::Status::Ok();
  }
  std::string_view iconv_name = IconvNameOfCharset(cs);
  void* cd = iconv_name.empty() ? nullptr : Descriptor(iconv_name);
  if (cd == nullptr) {
    return base::Unimplemented(
        "no UTF-8 conversion for collation {} (charset '{}'): convert the column, e.g. ALTER "
        "TABLE ... CONVERT TO CHARACTER SET utf8mb4",
        collation, cs.empty() ? "unknown" : cs);
  }
  auto* handle = static_cast<iconv_t>(cd);
  iconv(handle, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  out->resize(in.size() * 4 + 16);
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t written = 0;
  while (src_left > 0) {
    char* dst = out->data() + written;
    size_t dst_left = out->size() - written;
    size_t rc = iconv(handle, &src, &src_left, &dst, &dst_left);
    written = out->size() - dst_left;
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out->resize(out->size() * 2);
    } else {  // EILSEQ or EINVAL (truncated sequence): emit U+FFFD, skip one byte
      if (out->size() - written < 3) out->resize(out->size() + 16);
      (*out)[written++] = static_cast<char>(0xEF);
      (*out)[written++] = static_cast<char>(0xBF);
      (*out)[written++] = static_cast<char>(0xBD);
      ++src;
      --src_left;
    }
  }
  out->resize(written);
  return base::Status::Ok();
}

}  // namespace sluice::source::mysql
