// End-to-end: MariaDB binlog -> sluice changefeed (protocol=debezium) -> real Kafka, checked
// against the database. A table with one column of every MariaDB type (tests/column_types.h)
// gets inserts (min, max, all-NULL, typical), updates and deletes; every Debezium message read
// back from Kafka is decoded independently of the encoder (base64, two's complement decimals,
// epoch days/ms/us) and compared column by column with what SELECT returns, for `after` of
// creates, `before`/`after` of updates, `before` of deletes, the tombstones that follow them,
// and a primary-key change (delete + tombstone + create).
// A second test feeds sluice's Debezium and Canal-JSON output of the same table to Flink's own
// debezium-json and canal-json deserializers (tools/flink-formats, scripts/flink-formats.sh) and
// compares every RowData with the database.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "column_types.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "running_changefeed.h"
#include "sink/kafka/topic_reader.h"
#include "source/mysql/mysql_connection.h"
#include "test_env.h"
#include "test_mariadb.h"

namespace sluice {
namespace {

using nlohmann::json;
using testing::ColSpec;
using testing::Env;
using testing::Exec;
using testing::GtidPos;
using testing::R;
using testing::RecreateDatabase;
using DbRow = std::vector<std::optional<std::string>>;  // expressions of DbExpr, in column order

using testing::RunningChangefeed;

bool IsBinaryType(const ColSpec& c) {
  using T = model::ColumnType;
  switch (c.type) {
    case T::kBinary:
    case T::kVarBinary:
    case T::kTinyBlob:
    case T::kBlob:
    case T::kMediumBlob:
    case T::kLongBlob:
    case T::kGeometry:
      return true;
    default:
      return false;
  }
}

// The SQL expression whose text is what the Debezium value of `c` must decode to (see Decode).
// The session runs with time_zone='+00:00', so TIMESTAMP text is UTC.
std::string DbExpr(const ColSpec& c) {
  std::string q = "`" + c.name + "`";
  switch (c.r) {
    case R::kInt:
      // bigint.unsigned.handling.mode=long: the value as Java's long.
      if (c.type == model::ColumnType::kBigInt && c.is_unsigned) return "CAST(" + q + " AS SIGNED)";
      return q;
    case R::kDate:
      return "DATEDIFF(" + q + ", '1970-01-01')";
    case R::kDateTime:
      return c.fsp <= 3 ? "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', " + q + ") DIV 1000"
                        : "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', " + q + ")";
    case R::kTime:
      return "CAST(ROUND(TIME_TO_SEC(" + q + ") * 1000000) AS SIGNED)";
    case R::kBit:
      return "CAST(" + q + " AS UNSIGNED)";
    case R::kStr:
      return IsBinaryType(c) ? "HEX(" + q + ")" : q;
    default:
      return q;
  }
}

std::string Base64Decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    auto pos = kAlphabet.find(ch);
    if (pos == std::string::npos) throw std::runtime_error("bad base64: " + in);
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string Hex(const std::string& bytes) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// Big-endian two's complement bytes -> decimal text with `scale` fraction digits, as MariaDB
// prints a DECIMAL.
std::string UnscaledToDecimal(std::string bytes, int scale) {
  bool negative = !bytes.empty() && (static_cast<uint8_t>(bytes[0]) & 0x80);
  if (negative) {  // magnitude = ~x + 1
    for (auto& b : bytes) b = static_cast<char>(~static_cast<uint8_t>(b));
    for (size_t i = bytes.size(); i-- > 0;) {
      uint8_t v = static_cast<uint8_t>(bytes[i]) + 1;
      bytes[i] = static_cast<char>(v);
      if (v != 0) break;
    }
  }
  std::vector<int> digits{0};  // little-endian base 10
  for (unsigned char b : bytes) {
    int carry = b;
    for (auto& d : digits) {
      int v = d * 256 + carry;
      d = v % 10;
      carry = v / 10;
    }
    while (carry) {
      digits.push_back(carry % 10);
      carry /= 10;
    }
  }
  while (digits.size() < static_cast<size_t>(scale) + 1) digits.push_back(0);
  std::string text;
  for (size_t i = digits.size(); i-- > 0;) {
    text.push_back(static_cast<char>('0' + digits[i]));
    if (i == static_cast<size_t>(scale) && scale > 0) text.push_back('.');
  }
  size_t lead = 0;
  while (lead + 1 < text.size() && text[lead] == '0' && text[lead + 1] != '.') ++lead;
  text.erase(0, lead);
  bool zero = text.find_first_not_of("0.") == std::string::npos;
  return (negative && !zero ? "-" : "") + text;
}

// Compares one Debezium column value with the database text of DbExpr(c). Empty on a match.
std::string Compare(const ColSpec& c, const json& v, const std::optional<std::string>& db) {
  auto mismatch = [&](const std::string& got) {
    std::string want =
        db ? "'" + (db->size() > 80 ? db->substr(0, 80) + "..." : *db) + "'" : std::string("NULL");
    return c.name + " (" + c.sql_type + "): message has " +
           (got.size() > 80 ? got.substr(0, 80) + "..." : got) + " but the database has " + want;
  };
  if (!db) return v.is_null() ? "" : mismatch(v.dump());
  if (v.is_null()) return mismatch("null");
  std::string got;
  switch (c.r) {
    case R::kInt:
    case R::kYear:
    case R::kDate:
    case R::kDateTime:
    case R::kTime:
      if (!v.is_number_integer()) return mismatch(v.dump());
      got = v.dump();
      break;
    case R::kFloat: {
      if (!v.is_number()) return mismatch(v.dump());
      float want = std::strtof(db->c_str(), nullptr);
      float have = v.get<float>();
      // MariaDB prints FLOAT with 6 significant digits.
      return std::fabs(have - want) <= 1e-5 * std::fabs(want) ? "" : mismatch(v.dump());
    }
    case R::kDouble:
      if (!v.is_number()) return mismatch(v.dump());
      return v.get<double>() == std::strtod(db->c_str(), nullptr) ? "" : mismatch(v.dump());
    case R::kDecimal: {
      if (!v.is_string()) return mismatch(v.dump());
      int scale = 0;
      auto comma = c.sql_type.find(',');
      if (comma != std::string::npos) scale = std::stoi(c.sql_type.substr(comma + 1));
      got = UnscaledToDecimal(Base64Decode(v.get<std::string>()), scale);
      break;
    }
    case R::kTimestamp: {
      if (!v.is_string()) return mismatch(v.dump());
      std::string want = *db;
      want[10] = 'T';
      return v.get<std::string>() == want + "Z" ? "" : mismatch(v.dump());
    }
    case R::kBit:
      if (c.sql_type == "BIT(1)") {
        if (!v.is_boolean()) return mismatch(v.dump());
        got = v.get<bool>() ? "1" : "0";
      } else {
        if (!v.is_string()) return mismatch(v.dump());
        std::string le = Base64Decode(v.get<std::string>());
        uint64_t n = 0;
        for (size_t i = le.size(); i-- > 0;) n = n << 8 | static_cast<uint8_t>(le[i]);
        got = std::to_string(n);
      }
      break;
    case R::kStr:
      if (c.type == model::ColumnType::kGeometry) {
        if (!v.is_object()) return mismatch(v.dump());
        uint32_t srid = v["srid"].get<uint32_t>();
        std::string prefix;
        for (int i = 0; i < 4; ++i) prefix.push_back(static_cast<char>(srid >> (8 * i)));
        got = Hex(prefix + Base64Decode(v["wkb"].get<std::string>()));
      } else if (!v.is_string()) {
        return mismatch(v.dump());
      } else {
        got = IsBinaryType(c) ? Hex(Base64Decode(v.get<std::string>())) : v.get<std::string>();
      }
      break;
    case R::kEnum:
    case R::kSet:
      if (!v.is_string()) return mismatch(v.dump());
      got = v.get<std::string>();
      break;
  }
  return got == *db ? "" : mismatch(got);
}

void ExpectImage(const json& image, const DbRow& db, const std::vector<ColSpec>& cols,
                 const std::string& what) {
  ASSERT_TRUE(image.is_object()) << what << ": " << image.dump().substr(0, 200);
  EXPECT_EQ(image.size(), cols.size() + 1) << what;
  for (size_t i = 0; i < cols.size(); ++i) {
    ASSERT_TRUE(image.contains(cols[i].name)) << what << ": no " << cols[i].name;
    std::string err = Compare(cols[i], image[cols[i].name], db[i]);
    EXPECT_TRUE(err.empty()) << what << ": " << err;
  }
}

TEST(EndToEndDebezium, EveryColumnTypeMatchesTheDatabase) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "e2e_dbz_" + suffix;
  const std::string topic = "e2e_dbz_" + suffix;
  const auto cols = testing::TypeColumns();
  auto conn = testing::ConnectMariaDb();
  Exec(*conn, "SET time_zone = '+00:00'");
  RecreateDatabase(*conn, db);
  const std::string table = db + ".t";
  Exec(*conn, testing::CreateTypesTable(table, cols));

  pipeline::ChangefeedConfig config;
  config.id = "e2e-dbz-" + suffix;
  config.source_uri =
      testing::MariaDbUri("?start=now&server-id=" + std::to_string(5000 + ::getpid() % 1000));
  config.sink_uri = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + topic +
                    "?protocol=debezium&partition-num=1&max-message-bytes=16777216";
  config.filter_rules = {db + ".*"};
  std::string state_dir = ::testing::TempDir() + "/e2e-dbz-state-" + suffix;
  RunningChangefeed running(config, state_dir);
  ASSERT_TRUE(running.WaitStarted(std::chrono::seconds(60))) << running.feed().last_error();

  std::string select = "SELECT id";
  for (const auto& c : cols) select += ", " + DbExpr(c);
  select += " FROM " + table + " ORDER BY id";
  auto snapshot = [&]() {
    std::map<int, DbRow> rows;
    auto r = conn->Query(select);
    if (!r.ok()) throw std::runtime_error(r.status().message());
    for (auto& row : r->rows) rows[std::stoi(*row[0])] = DbRow(row.begin() + 1, row.end());
    return rows;
  };

  // The workload of BinlogSourceIt.EveryColumnTypeDecodesLikeSelect.
  Exec(*conn, testing::InsertTypesRows(table, cols));
  auto s1 = snapshot();
  ASSERT_EQ(s1.size(), 4u);
  Exec(*conn, "BEGIN");
  Exec(*conn, "UPDATE " + table +
                  " SET c_int=42, c_varchar_utf8='updated ✓', c_dt6='2000-01-01 00:00:00.000001', "
                  "c_json='{\"u\": 1}', c_enum='a', c_set='x,z', c_bit64=b'1', "
                  "c_t2='-00:00:00.01', c_blob=NULL, "
                  "c_dec65='12345.678900000000000000000000000001', "
                  "c_ts3='2001-02-03 04:05:06.789' WHERE id=4");
  Exec(*conn,
       "UPDATE " + table + " SET c_int=1, c_varchar_utf8='was null', c_ubigint=7 WHERE id=3");
  Exec(*conn, "COMMIT");
  auto s2 = snapshot();
  Exec(*conn, "DELETE FROM " + table + " WHERE id IN (1, 2)");
  Exec(*conn, "UPDATE " + table + " SET id=10 WHERE id=3");  // a key change: d + tombstone + c
  auto s3 = snapshot();
  Exec(*conn, "ALTER TABLE " + table + " ADD COLUMN extra INT");
  ASSERT_TRUE(running.WaitCheckpoint(GtidPos(*conn), std::chrono::seconds(60)))
      << running.feed().last_error();

  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  sink::kafka::ReadLimits limits;
  limits.timeout = std::chrono::seconds(60);
  auto msgs = (*reader)->ReadAll(topic, limits);
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  // 4 creates, 2 updates, 2 deletes each followed by its tombstone, the key change, 1 schema
  // change.
  ASSERT_EQ(msgs->size(), 14u);

  std::vector<std::string> ops;
  for (size_t i = 0; i < msgs->size(); ++i) {
    const auto& m = (*msgs)[i];
    if (m.null_value) {
      ops.push_back("tombstone");
      ASSERT_GT(i, 0u);
      EXPECT_EQ(m.key, (*msgs)[i - 1].key) << "a tombstone repeats its delete's key";
      continue;
    }
    json v = json::parse(m.value);
    ASSERT_TRUE(v.contains("schema")) << "schemas are on by default";
    const json& p = v["payload"];
    if (p.contains("ddl")) {
      ops.push_back("ddl");
      EXPECT_EQ(p["databaseName"], db);
      EXPECT_NE(p["ddl"].get<std::string>().find("ADD COLUMN extra"), std::string::npos);
      EXPECT_EQ(p["tableChanges"][0]["type"], "ALTER");
      continue;
    }
    std::string op = p["op"];
    ops.push_back(op);
    EXPECT_EQ(p["source"]["db"], db);
    EXPECT_EQ(p["source"]["table"], "t");
    EXPECT_EQ(p["source"]["connector"], "mysql");
    EXPECT_FALSE(p["source"]["gtid"].get<std::string>().empty());
    ASSERT_TRUE(m.key.has_value());
    json key = json::parse(*m.key);
    int id = key["payload"]["id"].get<int>();
    EXPECT_EQ(key["payload"].size(), 1u);
    EXPECT_EQ(key["schema"]["fields"][0]["field"], "id");
    if (op == "c") {
      EXPECT_TRUE(p["before"].is_null());
      ExpectImage(p["after"], id == 10 ? s3.at(id) : s1.at(id), cols,
                  "create id=" + std::to_string(id));
    } else if (op == "u") {
      ExpectImage(p["before"], s1.at(id), cols, "update before id=" + std::to_string(id));
      ExpectImage(p["after"], s2.at(id), cols, "update after id=" + std::to_string(id));
    } else if (op == "d") {
      EXPECT_TRUE(p["after"].is_null());
      ExpectImage(p["before"], s2.at(id), cols, "delete id=" + std::to_string(id));
    }
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"c", "c", "c", "c", "u", "u", "d", "tombstone", "d",
                                           "tombstone", "d", "tombstone", "c", "ddl"}));
  Exec(*conn, "DROP DATABASE " + db);
}

// ---------------------------------------------------------------------------------------------
// Flink's own debezium-json and canal-json formats (tools/flink-formats) read sluice's output
// of the same every-type table; each RowData must match the database.

// How a Flink field is compared with the text of its SQL expression.
enum class Cmp { kText, kFloat, kDouble, kLatin1Hex, kBitLeHex, kGeometry };

struct FlinkCol {
  std::string type;  // Flink SQL type
  std::string db;    // SQL expression (session time_zone '+00:00')
  Cmp cmp = Cmp::kText;
};

// "DECIMAL(14,4) UNSIGNED" -> precision 14, scale 4.
std::pair<int, int> DecimalSpec(const std::string& sql_type) {
  auto open = sql_type.find('('), comma = sql_type.find(','), close = sql_type.find(')');
  return {std::stoi(sql_type.substr(open + 1, comma - open - 1)),
          std::stoi(sql_type.substr(comma + 1, close - comma - 1))};
}

// The Flink type a user declares for each column and what it must read, per format: Debezium
// temporal types are numbers (days, epoch ms/us, micros) and need INT/BIGINT; Canal-JSON carries
// MySQL text, binary values as ISO-8859-1 text, ENUM/SET/BIT as integers. DECIMAL wider than
// Flink's 38 digits is read as STRING.
FlinkCol FlinkColumn(const ColSpec& c, bool debezium) {
  std::string q = "`" + c.name + "`";
  using T = model::ColumnType;
  switch (c.r) {
    case R::kInt:
      if (c.type == T::kBigInt && c.is_unsigned) {
        return debezium ? FlinkCol{"BIGINT", "CAST(" + q + " AS SIGNED)"}
                        : FlinkCol{"DECIMAL(20, 0)", q};
      }
      return {"BIGINT", q};
    case R::kYear:
      return {"INT", q};
    case R::kFloat:
      return {"FLOAT", q, Cmp::kFloat};
    case R::kDouble:
      return {"DOUBLE", q, Cmp::kDouble};
    case R::kDecimal: {
      auto [p, s] = DecimalSpec(c.sql_type);
      if (p > 38) return {"STRING", q};
      return {"DECIMAL(" + std::to_string(p) + ", " + std::to_string(s) + ")", q};
    }
    case R::kDate:
      return debezium ? FlinkCol{"INT", "DATEDIFF(" + q + ", '1970-01-01')"} : FlinkCol{"DATE", q};
    case R::kDateTime:
      if (debezium) return {"BIGINT", DbExpr(c)};
      return {"TIMESTAMP(6)", "DATE_FORMAT(" + q + ", '%Y-%m-%d %H:%i:%s.%f')"};
    case R::kTimestamp:
      if (debezium) return {"TIMESTAMP_LTZ(6)", "DATE_FORMAT(" + q + ", '%Y-%m-%dT%H:%i:%s.%fZ')"};
      return {"TIMESTAMP(6)", "DATE_FORMAT(" + q + ", '%Y-%m-%d %H:%i:%s.%f')"};
    case R::kTime:
      return debezium ? FlinkCol{"BIGINT", DbExpr(c)} : FlinkCol{"STRING", q};
    case R::kStr:
      if (!IsBinaryType(c)) return {"STRING", q};
      if (!debezium) return {"STRING", "HEX(" + q + ")", Cmp::kLatin1Hex};
      if (c.type == T::kGeometry) {
        return {"ROW<wkb BYTES, srid INT>", "HEX(" + q + ")", Cmp::kGeometry};
      }
      return {"BYTES", "HEX(" + q + ")"};
    case R::kEnum:
    case R::kSet:
      return debezium ? FlinkCol{"STRING", q} : FlinkCol{"BIGINT", q + "+0"};
    case R::kBit:
      if (!debezium) return {"DECIMAL(20, 0)", "CAST(" + q + " AS UNSIGNED)"};
      if (c.sql_type == "BIT(1)") {
        return {"BOOLEAN", "ELT(CAST(" + q + " AS UNSIGNED) + 1, 'false', 'true')"};
      }
      return {"BYTES", "CAST(" + q + " AS UNSIGNED)", Cmp::kBitLeHex};
  }
  return {"STRING", q};
}

// UTF-8 text whose code points are all <= U+00FF -> the bytes they stand for.
std::string Latin1Bytes(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    unsigned char b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      i += 1;
    } else if ((b & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      out.push_back(static_cast<char>(((b & 0x1F) << 6) | (utf8[i + 1] & 0x3F)));
      i += 2;
    } else {
      return "<not ISO-8859-1>";
    }
  }
  return out;
}

std::string HexToBytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string CompareFlink(const ColSpec& c, const FlinkCol& f, const json& v,
                         const std::optional<std::string>& db) {
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  auto mismatch = [&]() {
    std::string want =
        db ? "'" + (db->size() > 80 ? db->substr(0, 80) + "..." : *db) + "'" : std::string("NULL");
    return c.name + " (" + c.sql_type + " as Flink " + f.type + "): Flink read " +
           (text.size() > 80 ? text.substr(0, 80) + "..." : text) + " but the database has " + want;
  };
  if (!db) return v.is_null() ? "" : mismatch();
  if (v.is_null()) return mismatch();
  switch (f.cmp) {
    case Cmp::kText:
      return text == *db ? "" : mismatch();
    case Cmp::kFloat: {
      float want = std::strtof(db->c_str(), nullptr), have = std::strtof(text.c_str(), nullptr);
      return std::fabs(have - want) <= 1e-5 * std::fabs(want) ? "" : mismatch();
    }
    case Cmp::kDouble:
      return std::strtod(text.c_str(), nullptr) == std::strtod(db->c_str(), nullptr) ? ""
                                                                                     : mismatch();
    case Cmp::kLatin1Hex:
      return Hex(Latin1Bytes(text)) == *db ? "" : mismatch();
    case Cmp::kBitLeHex: {
      std::string le = HexToBytes(text);
      uint64_t n = 0;
      for (size_t i = le.size(); i-- > 0;) n = n << 8 | static_cast<uint8_t>(le[i]);
      return std::to_string(n) == *db ? "" : mismatch();
    }
    case Cmp::kGeometry: {
      if (!v.is_array() || v.size() != 2) return mismatch();
      uint32_t srid = v[1].get<uint32_t>();
      std::string prefix;
      for (int i = 0; i < 4; ++i) prefix.push_back(static_cast<char>(srid >> (8 * i)));
      return Hex(prefix) + v[0].get<std::string>() == *db ? "" : mismatch();
    }
  }
  return mismatch();
}

// Runs `command`, returns its stdout; sets *status to its exit status.
std::string RunCommand(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + command);
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

TEST(EndToEndFlinkFormats, FlinkReadsDebeziumAndCanalJsonLikeTheDatabase) {
  const std::string suffix = std::to_string(::getpid());
  const std::string db = "e2e_flink_" + suffix;
  const auto cols = testing::TypeColumns();
  auto conn = testing::ConnectMariaDb();
  Exec(*conn, "SET time_zone = '+00:00'");
  RecreateDatabase(*conn, db);
  const std::string table = db + ".t";
  Exec(*conn, testing::CreateTypesTable(table, cols));

  struct Feed {
    std::string format, topic, sink_params;
    bool debezium;
  };
  const std::vector<Feed> feeds = {
      {"debezium-json", "e2e_flink_dbz_" + suffix,
       "protocol=debezium&debezium-decimal-handling-mode=string", true},
      {"canal-json", "e2e_flink_canal_" + suffix, "protocol=canal-json&time-zone=UTC", false}};
  std::vector<std::unique_ptr<RunningChangefeed>> running;
  for (size_t i = 0; i < feeds.size(); ++i) {
    pipeline::ChangefeedConfig config;
    config.id = "e2e-flink-" + std::to_string(i) + "-" + suffix;
    config.source_uri =
        testing::MariaDbUri("?start=now&server-id=" +
                            std::to_string(6000 + 2 * (::getpid() % 1000) + static_cast<int>(i)));
    config.sink_uri = "kafka://" + Env("SLUICE_KAFKA_BOOTSTRAP") + "/" + feeds[i].topic + "?" +
                      feeds[i].sink_params + "&partition-num=1&max-message-bytes=16777216";
    config.filter_rules = {db + ".*"};
    running.push_back(std::make_unique<RunningChangefeed>(
        config, ::testing::TempDir() + "/" + config.id + "-state"));
  }
  for (auto& r : running) {
    ASSERT_TRUE(r->WaitStarted(std::chrono::seconds(60))) << r->feed().last_error();
  }

  // Workload: 4 inserts, a transaction of 2 updates, 2 deletes.
  Exec(*conn, testing::InsertTypesRows(table, cols));
  auto snapshot = [&](bool debezium) {
    std::string select = "SELECT id";
    for (const auto& c : cols) select += ", " + FlinkColumn(c, debezium).db;
    auto r = conn->Query(select + " FROM " + table + " ORDER BY id");
    if (!r.ok()) throw std::runtime_error(r.status().message());
    std::map<int, DbRow> rows;
    for (auto& row : r->rows) rows[std::stoi(*row[0])] = DbRow(row.begin() + 1, row.end());
    return rows;
  };
  std::map<int, DbRow> s1[2] = {snapshot(true), snapshot(false)};
  Exec(*conn, "BEGIN");
  Exec(*conn, "UPDATE " + table +
                  " SET c_int=42, c_varchar_utf8='updated ✓', c_dt6='2000-01-01 00:00:00.000001', "
                  "c_enum='a', c_set='x,z', c_bit64=b'1', c_t2='-00:00:00.01', c_blob=NULL, "
                  "c_ts3='2001-02-03 04:05:06.789' WHERE id=4");
  Exec(*conn,
       "UPDATE " + table + " SET c_int=1, c_varchar_utf8='was null', c_ubigint=7 WHERE id=3");
  Exec(*conn, "COMMIT");
  std::map<int, DbRow> s2[2] = {snapshot(true), snapshot(false)};
  Exec(*conn, "DELETE FROM " + table + " WHERE id IN (1, 2)");
  const std::string gtid = GtidPos(*conn);
  for (auto& r : running) {
    ASSERT_TRUE(r->WaitCheckpoint(gtid, std::chrono::seconds(60))) << r->feed().last_error();
  }

  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  for (size_t f = 0; f < feeds.size(); ++f) {
    SCOPED_TRACE(feeds[f].format);
    const bool dbz = feeds[f].debezium;
    sink::kafka::ReadLimits limits;
    limits.timeout = std::chrono::seconds(60);
    auto msgs = (*reader)->ReadAll(feeds[f].topic, limits);
    ASSERT_TRUE(msgs.ok()) << msgs.status().message();
    ASSERT_EQ(msgs->size(), dbz ? 10u : 8u);
    std::string dir = ::testing::TempDir() + "/e2e-flink-" + suffix + "-" + feeds[f].format;
    std::string schema_file = dir + ".schema", messages_file = dir + ".messages";
    {
      std::ofstream schema(schema_file), messages(messages_file);
      schema << "id\tINT\n";
      for (const auto& c : cols) schema << c.name << "\t" << FlinkColumn(c, dbz).type << "\n";
      for (const auto& m : *msgs) {
        ASSERT_EQ(m.value.find('\n'), std::string::npos);
        messages << (m.null_value ? "" : m.value) << "\n";  // empty line = tombstone
      }
    }
    int status = 0;
    std::string out = RunCommand(Env("SLUICE_SCRIPTS") + "/flink-formats.sh run " +
                                     feeds[f].format + " " + schema_file + " " + messages_file,
                                 &status);
    ASSERT_EQ(status, 0) << "Flink's " << feeds[f].format << " rejected sluice's output";
    std::vector<json> rows;
    size_t start = 0;
    while (start < out.size()) {
      size_t nl = out.find('\n', start);
      if (nl == std::string::npos) nl = out.size();
      if (nl > start) rows.push_back(json::parse(out.substr(start, nl - start)));
      start = nl + 1;
    }
    std::vector<std::string> seq;
    for (const auto& row : rows) {
      std::string kind = row["kind"];
      int id = row["fields"][0].get<int>();
      seq.push_back(kind + std::to_string(id));
      const DbRow& want = (kind == "+I" || kind == "-U") ? s1[f].at(id) : s2[f].at(id);
      for (size_t i = 0; i < cols.size(); ++i) {
        std::string err =
            CompareFlink(cols[i], FlinkColumn(cols[i], dbz), row["fields"][i + 1], want[i]);
        EXPECT_TRUE(err.empty()) << kind << " id=" << id << ": " << err;
      }
    }
    EXPECT_EQ(seq, (std::vector<std::string>{"+I1", "+I2", "+I3", "+I4", "-U4", "+U4", "-U3", "+U3",
                                             "-D1", "-D2"}));
  }
  Exec(*conn, "DROP DATABASE " + db);
}

}  // namespace
}  // namespace sluice
