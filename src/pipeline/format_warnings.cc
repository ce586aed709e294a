#include "pipeline/format_warnings.h"

#include "base/logging.h"
#include "source/mysql/mysql_connection.h"

namespace sluice::pipeline {

size_t WarnUnsignedWrap(const source::mysql::MySqlSourceConfig& source,
                        const sink::kafka::KafkaSinkOptions& sink,
                        const dispatch::TableFilter& filter) {
  using sink::kafka::Protocol;
  bool dbz_long = sink.protocol == Protocol::kDebezium &&
                  sink.debezium_bigint_unsigned_handling != "precise";
  bool avro_long = sink.protocol == Protocol::kAvro && !sink.avro_bigint_unsigned_as_string;
  if (!dbz_long && !avro_long) return 0;
  source::mysql::ConnectOptions c;
  c.host = source.host;
  c.port = source.port;
  c.user = source.user;
  c.password = source.password;
  c.connect_timeout = source.connect_timeout;
  auto conn = source::mysql::MySqlConnection::Connect(c);
  if (!conn.ok()) return 0;  // the source check reports connection problems
  auto cols = (*conn)->Query(
      "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE "
      "data_type = 'bigint' AND column_type LIKE '%unsigned%' AND table_schema NOT IN "
      "('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY 1, 2, 3");
  if (!cols.ok()) return 0;
  std::string list;
  size_t n = 0;
  for (const auto& r : cols->rows) {
    std::string db = r[0].value_or(""), table = r[1].value_or("");
    if (!filter.Match(db, table)) continue;
    if (++n <= 10) {
      list += fmt::format("{}{}.{}.{}", list.empty() ? "" : ", ", db, table, r[2].value_or(""));
    }
  }
  if (n == 0) return 0;
  if (n > 10) list += fmt::format(" and {} more", n - 10);
  std::string what =
      dbz_long
          ? fmt::format(
                "values above 9223372036854775807 are written as negative int64 "
                "(debezium-bigint-unsigned-handling-mode=long, Debezium's default); sluice's "
                "Kafka source restores them from the schema part{}; other consumers see "
                "negative numbers: set debezium-bigint-unsigned-handling-mode=precise for exact "
                "values",
                sink.debezium_disable_schema
                    ? ", but debezium-disable-schema=true leaves it out, so not even sluice can"
                    : "")
          : "values above 9223372036854775807 are written as negative Avro longs "
            "(avro-bigint-unsigned-handling-mode=long); set "
            "avro-bigint-unsigned-handling-mode=string for exact values";
  base::Logger("check")->warn("WARN BIGINT UNSIGNED columns {}: {}", list, what);
  return n;
}

}  // namespace sluice::pipeline
