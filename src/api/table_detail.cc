#include "api/table_detail.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/text.h"
#include "dispatch/table_filter.h"
#include "source/postgres/pg_types.h"

namespace sluice::api {

namespace {

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string Setting(const TableDetail& d, const std::string& name) {
  auto it = d.settings.find(name);
  return it == d.settings.end() ? std::string() : it->second;
}

// MariaDB DATA_TYPE names the binlog decoder (source/mysql/row_decoder.cc) turns into values.
// Values of the ones with a note arrive in a form worth knowing.
const std::map<std::string, std::string>& MariaDbTypes() {
  static const std::map<std::string, std::string> kTypes = {
      {"tinyint", ""}, {"smallint", ""}, {"mediumint", ""}, {"int", ""}, {"bigint", ""},
      {"decimal", ""}, {"float", ""}, {"double", ""}, {"bit", ""}, {"year", ""}, {"date", ""},
      {"time", ""}, {"datetime", ""}, {"timestamp", ""}, {"char", ""}, {"varchar", ""},
      {"binary", ""}, {"varbinary", ""}, {"tinytext", ""}, {"text", ""}, {"mediumtext", ""},
      {"longtext", ""}, {"tinyblob", ""}, {"blob", ""}, {"mediumblob", ""}, {"longblob", ""},
      {"json", ""}, {"enum", ""}, {"set", ""},
      {"geometry", "arrives as SRID + WKB bytes"}, {"point", "arrives as SRID + WKB bytes"},
      {"linestring", "arrives as SRID + WKB bytes"}, {"polygon", "arrives as SRID + WKB bytes"},
      {"multipoint", "arrives as SRID + WKB bytes"},
      {"multilinestring", "arrives as SRID + WKB bytes"},
      {"multipolygon", "arrives as SRID + WKB bytes"},
      {"geometrycollection", "arrives as SRID + WKB bytes"},
      {"inet4", "arrives as its 4-byte binary form"},
      {"inet6", "arrives as its 16-byte binary form"},
      {"uuid", "arrives as its 16-byte binary form"},
  };
  return kTypes;
}

CaptureCheck TableTypeCheck(ConnectionKind kind, const TableDetail& d) {
  std::string t = d.type;
  bool base = t == "BASE TABLE" || t == "SYSTEM VERSIONED" || t == "partitioned table";
  if (base) return {"table type", "pass", t, ""};
  if (t == "VIEW" || t == "view" || t == "materialized view") {
    return {"table type", "fail",
            fmt::format("{}.{} is a view: {}", d.schema, d.table,
                        kind == ConnectionKind::kMariaDb
                            ? "the binlog has rows of its base tables only"
                            : "logical replication publishes tables only"),
            "capture the tables the view reads"};
  }
  return {"table type", "warn", t, ""};
}

CaptureCheck MariaDbRowImage(const TableDetail& d) {
  std::string format = Setting(d, "binlog_format");
  std::string image = Setting(d, "binlog_row_image");
  if (format.empty() || image.empty()) {
    return {"row image", "warn", "binlog_format / binlog_row_image could not be read",
            "test the connection (Connections page) to see the server settings"};
  }
  std::string detail = fmt::format("binlog_format={}, binlog_row_image={}", format, image);
  if (format != "ROW") {
    return {"row image", "fail", detail + ": the binlog has no row images",
            "SET GLOBAL binlog_format=ROW; and set it in the server config"};
  }
  if (image != "FULL") {
    return {"row image", "fail", detail + ": rows arrive without every column",
            "SET GLOBAL binlog_row_image=FULL; and set it in the server config"};
  }
  return {"row image", "pass", detail + ": every column of old and new rows", ""};
}

CaptureCheck PostgresRowImage(const TableDetail& d, bool has_primary) {
  std::string ident = Setting(d, "replica_identity");
  std::string name = d.schema + "." + d.table;
  std::string fix = fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL (or add a primary key)",
                                name);
  if (ident == "f") {
    return {"row image", "pass", "REPLICA IDENTITY FULL: old rows carry every column", ""};
  }
  if (ident == "i") {
    return {"row image", "pass",
            fmt::format("REPLICA IDENTITY USING INDEX {}: old rows carry its columns",
                        Setting(d, "replica_identity_index")),
            ""};
  }
  if (ident == "d" && has_primary) {
    return {"row image", "pass",
            "REPLICA IDENTITY DEFAULT: old rows carry the primary key (FULL adds every column)",
            ""};
  }
  if (ident == "d" || ident == "n") {
    return {"row image", "fail",
            fmt::format("REPLICA IDENTITY {}{}: once the table is published, UPDATE and DELETE "
                        "on it fail on the server",
                        ident == "n" ? "NOTHING" : "DEFAULT",
                        ident == "d" ? " without a primary key" : ""),
            fix};
  }
  return {"row image", "warn", "the replica identity could not be read", ""};
}

CaptureCheck KeyCheck(const TableDetail& d) {
  std::string name = d.schema + "." + d.table;
  for (const auto& k : d.keys) {
    if (k.primary) return {"key", "pass", "primary key (" + Joined(k.columns) + ")", ""};
  }
  std::string unique;
  for (const auto& k : d.keys) unique += (unique.empty() ? "" : "; ") + k.name + " (" +
                                         Joined(k.columns) + ")";
  return {"key", "warn",
          "no primary key" + (unique.empty() ? std::string() : "; unique " + unique +
                                                                    " is not used as the key") +
              ": Kafka messages get no key, and database targets stop on this table",
          fmt::format("ALTER TABLE {} ADD PRIMARY KEY (...)", name)};
}

CaptureCheck TypesCheck(ConnectionKind kind, TableDetail* d) {
  std::vector<std::string> unknown;
  size_t noted = 0;
  for (auto& c : d->columns) {
    if (kind == ConnectionKind::kMariaDb) {
      auto it = MariaDbTypes().find(base::ToLower(c.data_type));
      if (it == MariaDbTypes().end()) {
        c.supported = false;
        c.note = "type not known to sluice's binlog decoder";
        unknown.push_back(c.name + " " + c.type);
      } else {
        c.note = it->second;
      }
    } else {
      model::Column mapped;
      source::postgres::MapPgColumnType(c.type_oid, c.type_mod, &mapped);
      bool plain_text = c.type_oid == source::postgres::pg_oid::kText ||
                        c.type_oid == source::postgres::pg_oid::kVarchar ||
                        c.type_oid == source::postgres::pg_oid::kBpchar;
      if (mapped.type == model::ColumnType::kLongText && !plain_text) {
        c.note = "arrives as its text form";
      }
    }
    if (!c.note.empty()) ++noted;
  }
  if (!unknown.empty()) {
    return {"column types", "fail",
            fmt::format("{} of {} columns have a type sluice does not decode: {}", unknown.size(),
                        d->columns.size(), Joined(unknown)),
            "exclude the table with a filter rule, or change the column type"};
  }
  return {"column types", "pass",
          fmt::format("all {} columns are decoded{}", d->columns.size(),
                      noted ? fmt::format(" ({} with a note)", noted) : std::string()),
          ""};
}

struct UriHost {
  std::string scheme, host, port, path;
};

// scheme://[userinfo@]host[:port][/path][?query] -> its parts (lower-cased host).
UriHost ParseHost(const std::string& uri) {
  UriHost u;
  size_t colon = uri.find("://");
  if (colon == std::string::npos) return u;
  u.scheme = base::ToLower(uri.substr(0, colon));
  std::string rest = uri.substr(colon + 3);
  size_t end = rest.find_first_of("/?");
  std::string authority = rest.substr(0, end);
  if (end != std::string::npos && rest[end] == '/') {
    std::string path = rest.substr(end + 1);
    path = path.substr(0, path.find('?'));
    if (!base::PercentDecode(path, &u.path)) u.path = path;
  }
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  size_t port_colon = authority.rfind(':');
  if (port_colon != std::string::npos && authority.find(']', port_colon) == std::string::npos) {
    u.port = authority.substr(port_colon + 1);
    authority.erase(port_colon);
  }
  if (authority.size() >= 2 && authority.front() == '[') {
    authority = authority.substr(1, authority.size() - 2);
  }
  u.host = base::ToLower(authority);
  if (u.host == "localhost" || u.host == "::1") u.host = "127.0.0.1";
  return u;
}

}  // namespace

void AssessCapture(ConnectionKind kind, TableDetail* d) {
  d->checks.clear();
  d->checks.push_back(TableTypeCheck(kind, *d));
  bool has_primary = std::any_of(d->keys.begin(), d->keys.end(),
                                 [](const KeyDetail& k) { return k.primary; });
  d->checks.push_back(kind == ConnectionKind::kMariaDb ? MariaDbRowImage(*d)
                                                       : PostgresRowImage(*d, has_primary));
  d->checks.push_back(KeyCheck(*d));
  d->checks.push_back(TypesCheck(kind, d));
  d->capturable = std::none_of(d->checks.begin(), d->checks.end(),
                               [](const CaptureCheck& c) { return c.status == "fail"; });
}

std::vector<pipeline::ChangefeedInfo> CapturingChangefeeds(
    const Connection& connection, const std::string& schema, const std::string& table,
    const std::vector<pipeline::ChangefeedInfo>& feeds) {
  std::vector<pipeline::ChangefeedInfo> out;
  if (!connection.is_database()) return out;
  bool maria = connection.kind == ConnectionKind::kMariaDb;
  std::set<std::string> schemes = maria ? std::set<std::string>{"mysql", "mariadb"}
                                        : std::set<std::string>{"postgres", "postgresql"};
  std::string default_port = maria ? "3306" : "5432";
  std::set<std::string> hosts;
  for (const auto& h : connection.hosts) {
    UriHost u = ParseHost("x://" + h);
    hosts.insert(u.host + ":" + (u.port.empty() ? default_port : u.port));
  }
  for (const auto& f : feeds) {
    UriHost u = ParseHost(f.source_uri);
    if (!schemes.contains(u.scheme)) continue;
    if (!hosts.contains(u.host + ":" + (u.port.empty() ? default_port : u.port))) continue;
    // A PostgreSQL changefeed reads one database (a table's schema is its namespace there).
    if (!maria && u.path != (connection.database.empty() ? "postgres" : connection.database)) {
      continue;
    }
    auto filter = dispatch::TableFilter::Parse(f.filter_rules, f.case_sensitive);
    if (filter.ok() && filter->Match(schema, table)) out.push_back(f);
  }
  return out;
}

nlohmann::json TableDetailToJson(const TableDetail& d,
                                 const std::vector<pipeline::ChangefeedInfo>& capturing) {
  using nlohmann::json;
  json columns = json::array();
  for (const auto& c : d.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"nullable", c.nullable},
                       {"key", c.key},
                       {"supported", c.supported},
                       {"note", c.note}});
  }
  json keys = json::array();
  for (const auto& k : d.keys) {
    keys.push_back({{"name", k.name}, {"primary", k.primary}, {"columns", k.columns}});
  }
  json checks = json::array();
  for (const auto& c : d.checks) {
    checks.push_back(
        {{"name", c.name}, {"status", c.status}, {"detail", c.detail}, {"fix", c.fix}});
  }
  json feeds = json::array();
  for (const auto& f : capturing) {
    feeds.push_back({{"id", f.id}, {"state", f.state}, {"lag_ms", f.lag_ms}});
  }
  return {{"schema", d.schema},
          {"table", d.table},
          {"type", d.type},
          {"rows", d.rows},
          {"columns", columns},
          {"keys", keys},
          {"settings", d.settings},
          {"capture", {{"capturable", d.capturable}, {"checks", checks}}},
          {"changefeeds", feeds}};
}

}  // namespace sluice::api
