// End-to-end: MariaDB binlog -> sluice changefeed (protocol=debezium) -> real Kafka, checked
// against the database. A table with one column of every MariaDB type (tests/column_types.h)
// gets inserts (min, max, all-NULL, typical), updates and deletes; every Debezium message read
// back from Kafka is decoded independently of the encoder (base64, two's complement decimals,
// epoch days/ms/us) and compared column by column with what SELECT returns, for `after` of
// creates, `before`/`after` of updates, `before` of deletes, and the tombstones that follow them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "column_types.h"
#include "pipeline/builder.h"
#include "pipeline/changefeed.h"
#include "pipeline/checkpoint_store.h"
#include "sink/kafka/topic_reader.h"
#include "source/mysql/mysql_connection.h"
#include "test_env.h"

namespace sluice {
namespace {

using nlohmann::json;
using testing::ColSpec;
using testing::Env;
using testing::R;
using DbRow = std::vector<std::optional<std::string>>;  // expressions of DbExpr, in column order

std::unique_ptr<source::mysql::MySqlConnection> Connect() {
  source::mysql::ConnectOptions o;
  o.host = Env("SLUICE_MARIADB_HOST");
  o.port = static_cast<uint16_t>(std::stoi(Env("SLUICE_MARIADB_PORT")));
  o.user = Env("SLUICE_MARIADB_USER");
  o.password = Env("SLUICE_MARIADB_PASSWORD");
  auto c = source::mysql::MySqlConnection::Connect(o);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(c).value();
}

void Exec(source::mysql::MySqlConnection& c, const std::string& sql) {
  auto st = c.Exec(sql);
  if (!st.ok()) throw std::runtime_error(sql + ": " + st.message());
}

std::string GtidPos(source::mysql::MySqlConnection& c) {
  auto r = c.Query("SELECT @@gtid_binlog_pos");
  return r.ok() && !r->rows.empty() && r->rows[0][0] ? *r->rows[0][0] : "";
}

// Runs a changefeed on its own thread until destroyed.
class RunningChangefeed {
 public:
  RunningChangefeed(const pipeline::ChangefeedConfig& config, const std::string& state_dir)
      : store_(state_dir) {
    auto built = pipeline::BuildChangefeed(config);
    if (!built.ok()) throw std::runtime_error(built.status().message());
    feed_ = std::make_unique<pipeline::Changefeed>(built->options, built->factory, &store_);
    thread_ = std::thread([this] { result_ = feed_->Run(&stop_); });
  }
  ~RunningChangefeed() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool WaitStarted(std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (feed_->state() == pipeline::ChangefeedState::kNormal) return true;
      if (feed_->state() == pipeline::ChangefeedState::kFailed) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Until the checkpoint covers `gtid` (other tests may write to the server meanwhile).
  bool WaitCheckpoint(const std::string& gtid, std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    auto want = model::MariaGtidSet::Parse(gtid);
    while (std::chrono::steady_clock::now() < until) {
      auto cp = feed_->checkpoint();
      if (cp && want.ok() && !cp->gtids.empty() && cp->gtids.Covers(*want)) return true;
      if (feed_->state() == pipeline::ChangefeedState::kFailed) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  pipeline::Changefeed& feed() { return *feed_; }

 private:
  pipeline::FileCheckpointStore store_;
  std::unique_ptr<pipeline::Changefeed> feed_;
  std::atomic<bool> stop_{false};
  base::Status result_;
  std::thread thread_;
};

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
  auto conn = Connect();
  Exec(*conn, "SET time_zone = '+00:00'");
  Exec(*conn, "DROP DATABASE IF EXISTS " + db);
  Exec(*conn, "CREATE DATABASE " + db);
  std::string ddl = "CREATE TABLE " + db + ".t (id INT PRIMARY KEY";
  for (const auto& c : cols) ddl += ", `" + c.name + "` " + c.sql_type;
  Exec(*conn, ddl + ") ENGINE=InnoDB");
  const std::string table = db + ".t";

  pipeline::ChangefeedConfig config;
  config.id = "e2e-dbz-" + suffix;
  config.source_uri = "mysql://" + Env("SLUICE_MARIADB_USER") + ":" +
                      Env("SLUICE_MARIADB_PASSWORD") + "@" + Env("SLUICE_MARIADB_HOST") + ":" +
                      Env("SLUICE_MARIADB_PORT") +
                      "/?start=now&server-id=" + std::to_string(5000 + ::getpid() % 1000);
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
  auto values = [&](int id, int which) {
    std::string v = std::to_string(id);
    for (const auto& c : cols) {
      v += ", ";
      v += which == 0 ? c.lit_min : which == 1 ? c.lit_max : which == 2 ? "NULL" : c.lit_typ;
    }
    return "(" + v + ")";
  };
  std::string cols_list = "id";
  for (const auto& c : cols) cols_list += ", `" + c.name + "`";
  Exec(*conn, "INSERT INTO " + table + " (" + cols_list + ") VALUES " + values(1, 0) + ", " +
                  values(2, 1) + ", " + values(3, 2) + ", " + values(4, 3));
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
  Exec(*conn, "ALTER TABLE " + table + " ADD COLUMN extra INT");
  ASSERT_TRUE(running.WaitCheckpoint(GtidPos(*conn), std::chrono::seconds(60)))
      << running.feed().last_error();

  auto reader = sink::kafka::TopicReader::Create(Env("SLUICE_KAFKA_BOOTSTRAP"));
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  sink::kafka::ReadLimits limits;
  limits.timeout = std::chrono::seconds(60);
  auto msgs = (*reader)->ReadAll(topic, limits);
  ASSERT_TRUE(msgs.ok()) << msgs.status().message();
  // 4 creates, 2 updates, 2 deletes each followed by its tombstone, 1 schema change.
  ASSERT_EQ(msgs->size(), 11u);

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
      ExpectImage(p["after"], s1.at(id), cols, "create id=" + std::to_string(id));
    } else if (op == "u") {
      ExpectImage(p["before"], s1.at(id), cols, "update before id=" + std::to_string(id));
      ExpectImage(p["after"], s2.at(id), cols, "update after id=" + std::to_string(id));
    } else if (op == "d") {
      EXPECT_TRUE(p["after"].is_null());
      ExpectImage(p["before"], s2.at(id), cols, "delete id=" + std::to_string(id));
    }
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"c", "c", "c", "c", "u", "u", "d", "tombstone", "d",
                                           "tombstone", "ddl"}));
  Exec(*conn, "DROP DATABASE " + db);
}

}  // namespace
}  // namespace sluice
