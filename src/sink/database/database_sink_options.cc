#include "sink/database/database_sink_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "base/text.h"
#include "base/percent_encoding.h"

namespace sluice::sink::database {
namespace {

using base::FormatDurationMs;
using base::ParseBool;
using base::ToLower;

using std::chrono::milliseconds;

constexpr std::string_view kDocPath = "docs/database-sink-options.md";

enum class Kind { kBool, kInt, kDuration, kEnum, kString };
enum Targets : uint8_t { kMySqlOnly = 1, kPostgresOnly = 2, kBoth = 3 };

struct Parsed {
  bool b = false;
  int64_t i = 0;
  milliseconds d{0};
  std::string s;
};

// One URI query parameter: the parser validates against these fields and the doc table is
// generated from them.
struct OptionSpec {
  std::string_view name;
  Kind kind;
  Targets targets;
  std::string_view default_text;
  std::string_view doc;
  int64_t min = 0;  // kInt: bounds; kDuration: bounds in milliseconds
  int64_t max = 0;
  std::vector<std::string_view> allowed;  // kEnum
  void (*apply)(DatabaseSinkOptions&, const Parsed&) = nullptr;
};

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = {
      {.name = "batch-rows",
       .kind = Kind::kInt,
       .targets = kBoth,
       .default_text = "512",
       .doc = "Most row changes applied in one target transaction. Consecutive upserts of one "
              "table become one multi-row statement.",
       .min = 1,
       .max = 100000,
       .apply = [](DatabaseSinkOptions& o,
                   const Parsed& v) { o.batch_rows = static_cast<size_t>(v.i); }},
      {.name = "batch-interval",
       .kind = Kind::kDuration,
       .targets = kBoth,
       .default_text = "100ms",
       .doc = "Longest time a queued row waits before its batch is committed.",
       .min = 1,
       .max = 60000,
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.batch_interval = v.d; }},
      {.name = "connect-timeout",
       .kind = Kind::kDuration,
       .targets = kBoth,
       .default_text = "10s",
       .doc = "Timeout for connecting to the target database.",
       .min = 1000,
       .max = 600000,
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.connect_timeout = v.d; }},
      {.name = "max-retries",
       .kind = Kind::kInt,
       .targets = kBoth,
       .default_text = "3",
       .doc = "Times a batch is retried inside the sink after a deadlock or lock-wait timeout "
              "before the changefeed restarts from its checkpoint.",
       .min = 0,
       .max = 100,
       .apply = [](DatabaseSinkOptions& o,
                   const Parsed& v) { o.max_retries = static_cast<int>(v.i); }},
      {.name = "ignore-write-errors",
       .kind = Kind::kBool,
       .targets = kBoth,
       .default_text = "false",
       .doc = "DATA-LOSS RISK. A row the target rejects (data error, constraint, missing "
              "column) is logged, counted and skipped instead of stopping the changefeed; its "
              "offset/position is acknowledged and the row is never retried.",
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.ignore_write_errors = v.b; }},
      {.name = "create-tables",
       .kind = Kind::kBool,
       .targets = kBoth,
       .default_text = "false",
       .doc = "Create a missing target table (and database/schema) from the source table's "
              "columns and primary key, with the types of docs/database-sinks.md. If false, a "
              "missing table stops the changefeed with the fix.",
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.create_tables = v.b; }},
      {.name = "truncate-identifiers",
       .kind = Kind::kBool,
       .targets = kBoth,
       .default_text = "false",
       .doc = "A source table or column name longer than the target allows (PostgreSQL: 63 "
              "bytes, MariaDB/MySQL: 64 characters) stops the changefeed with the name; true "
              "maps it to its first characters + '_' + 8 hex digits of the CRC-32 of the whole "
              "name, cut to the limit (docs/database-sinks.md, long names). Two names mapped "
              "to one are refused.",
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.truncate_identifiers = v.b; }},
      {.name = "ddl",
       .kind = Kind::kEnum,
       .targets = kBoth,
       .default_text = "skip",
       .doc = "What to do with upstream DDL: skip logs it; apply (MariaDB/MySQL targets only) "
              "runs it on the target with the target database as default database (statements "
              "naming another database are run as written). PostgreSQL targets always skip.",
       .allowed = {"skip", "apply"},
       .apply = [](DatabaseSinkOptions& o,
                   const Parsed& v) { o.ddl = v.s == "apply" ? DdlMode::kApply : DdlMode::kSkip; }},
      {.name = "database",
       .kind = Kind::kString,
       .targets = kMySqlOnly,
       .default_text = "(the source table's database)",
       .doc = "Target database for every replicated table (same as the URI path).",
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.database = v.s; }},
      {.name = "schema",
       .kind = Kind::kString,
       .targets = kPostgresOnly,
       .default_text = "(the source table's database name)",
       .doc = "Target schema for every replicated table.",
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.schema = v.s; }},
      {.name = "sslmode",
       .kind = Kind::kEnum,
       .targets = kPostgresOnly,
       .default_text = "prefer",
       .doc = "libpq sslmode of the connection.",
       .allowed = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
       .apply = [](DatabaseSinkOptions& o, const Parsed& v) { o.sslmode = v.s; }},
  };
  return specs;
}

// "500ms", "2s", "1m", "1h" (one number and one unit, or a plain number of milliseconds).
bool ParseDuration(std::string_view s, milliseconds* out) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || n < 0) return false;
  std::string_view unit(p, static_cast<size_t>(s.data() + s.size() - p));
  int64_t mult;
  if (unit == "ms" || unit.empty()) {
    mult = 1;
  } else if (unit == "s") {
    mult = 1000;
  } else if (unit == "m") {
    mult = 60000;
  } else if (unit == "h") {
    mult = 3600000;
  } else {
    return false;
  }
  *out = milliseconds(n * mult);
  return true;
}

std::string TargetsText(Targets t) {
  return t == kBoth ? "both" : t == kMySqlOnly ? "mysql" : "postgres";
}

base::Result<Parsed> ParseValue(const OptionSpec& spec, const std::string& raw) {
  Parsed v;
  switch (spec.kind) {
    case Kind::kBool:
      if (!ParseBool(raw, &v.b)) {
        return base::InvalidArgument("sink URI: {} '{}' is not a boolean; use true or false",
                                     spec.name, raw);
      }
      return v;
    case Kind::kInt: {
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v.i);
      if (ec != std::errc() || p != raw.data() + raw.size() || v.i < spec.min || v.i > spec.max) {
        return base::InvalidArgument("sink URI: {} '{}' is invalid; use an integer from {} to {}",
                                     spec.name, raw, spec.min, spec.max);
      }
      return v;
    }
    case Kind::kDuration:
      if (!ParseDuration(raw, &v.d) || v.d.count() < spec.min || v.d.count() > spec.max) {
        return base::InvalidArgument(
            "sink URI: {} '{}' is invalid; use a duration from {} to {} such as 500ms or 2s",
            spec.name, raw, FormatDurationMs(spec.min), FormatDurationMs(spec.max));
      }
      return v;
    case Kind::kEnum: {
      std::string l = ToLower(raw);
      for (auto a : spec.allowed) {
        if (a == l) {
          v.s = l;
          return v;
        }
      }
      std::string list;
      for (auto a : spec.allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return base::InvalidArgument("sink URI: {} '{}' is not supported; use one of {}", spec.name,
                                   raw, list);
    }
    case Kind::kString:
      if (raw.empty()) {
        return base::InvalidArgument("sink URI: {} is empty; give a value or leave it out",
                                     spec.name);
      }
      v.s = raw;
      return v;
  }
  return base::Internal("sink URI: unhandled option kind for {}", spec.name);
}

base::Result<std::string> Decode(std::string_view in, bool plus_is_space, std::string_view what) {
  std::string out;
  if (!base::PercentDecode(in, &out, {.plus_is_space = plus_is_space})) {
    return base::InvalidArgument("sink URI: {} has a malformed %-escape; URL-encode '%' as %25",
                                 what);
  }
  return out;
}

}  // namespace

std::string DatabaseSinkOptions::Endpoint() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string DatabaseSinkOptions::Redacted() const {
  std::string out = scheme + "://";
  if (!user.empty()) {
    out += base::PercentEncode(user);
    if (!password.empty()) out += ":******";
    out += "@";
  }
  out += Endpoint() + "/";
  if (kind == TargetKind::kPostgres || query.find("database=") == std::string::npos) {
    out += base::PercentEncode(database);
  }
  if (!query.empty()) out += "?" + query;
  return out;
}

bool IsDatabaseSinkUri(std::string_view uri) {
  for (std::string_view s : {"mysql://", "mariadb://", "postgres://", "postgresql://"}) {
    if (ToLower(uri.substr(0, s.size())) == s) return true;
  }
  return false;
}

base::Result<DatabaseSinkOptions> ParseDatabaseSinkUri(std::string_view uri) {
  DatabaseSinkOptions o;
  auto sep = uri.find("://");
  if (sep == std::string_view::npos || !IsDatabaseSinkUri(uri)) {
    return base::InvalidArgument(
        "sink URI: expected mysql://user:password@host:3306/ or "
        "postgres://user:password@host:5432/database");
  }
  o.scheme = ToLower(uri.substr(0, sep));
  o.kind =
      (o.scheme == "mysql" || o.scheme == "mariadb") ? TargetKind::kMySql : TargetKind::kPostgres;
  o.port = o.kind == TargetKind::kMySql ? 3306 : 5432;
  std::string_view rest = uri.substr(sep + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    o.query = std::string(query);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    SLUICE_ASSIGN_OR_RETURN(o.user, Decode(userinfo.substr(0, colon), false, "the user name"));
    if (colon != std::string_view::npos) {
      SLUICE_ASSIGN_OR_RETURN(o.password,
                              Decode(userinfo.substr(colon + 1), false, "the password"));
    }
  }
  std::string_view host = rest, port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("sink URI: host '{}' has an unterminated IPv6 bracket", rest);
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) {
    return base::InvalidArgument("sink URI: no host; use {}://user:password@host:{}/", o.scheme,
                                 o.port);
  }
  o.host = std::string(host);
  if (!port.empty()) {
    int p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) {
      return base::InvalidArgument("sink URI: port '{}' is invalid; use a port from 1 to 65535",
                                   port);
    }
    o.port = static_cast<uint16_t>(p);
  }
  SLUICE_ASSIGN_OR_RETURN(std::string db, Decode(path, false, "the path"));
  while (!db.empty() && db.back() == '/') db.pop_back();
  o.database = db;

  std::vector<std::string> seen;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (kv.empty()) continue;
    auto eq = kv.find('=');
    SLUICE_ASSIGN_OR_RETURN(std::string name, Decode(kv.substr(0, eq), true, "a parameter name"));
    SLUICE_ASSIGN_OR_RETURN(std::string raw,
                            Decode(eq == std::string_view::npos ? "" : kv.substr(eq + 1), true,
                                   fmt::format("parameter {}", name)));
    const OptionSpec* spec = nullptr;
    for (auto& s : Specs())
      if (s.name == name) spec = &s;
    if (!spec) {
      return base::InvalidArgument("sink URI: unknown parameter '{}'; see {} for the parameters",
                                   name, kDocPath);
    }
    Targets mine = o.kind == TargetKind::kMySql ? kMySqlOnly : kPostgresOnly;
    if (!(spec->targets & mine)) {
      return base::InvalidArgument(
          "sink URI: parameter '{}' applies only to {} targets; remove "
          "it from this {}:// URI",
          name, TargetsText(spec->targets), o.scheme);
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return base::InvalidArgument("sink URI: parameter '{}' is given twice; keep one", name);
    }
    seen.push_back(name);
    if (name == "database" && !o.database.empty() && o.database != raw) {
      return base::InvalidArgument(
          "sink URI: the path names database '{}' but database='{}'; give the target database "
          "once",
          o.database, raw);
    }
    SLUICE_ASSIGN_OR_RETURN(Parsed v, ParseValue(*spec, raw));
    spec->apply(o, v);
  }
  if (o.kind == TargetKind::kPostgres) {
    if (o.database.empty()) {
      return base::InvalidArgument(
          "sink URI: no PostgreSQL database; name it in the path: "
          "postgres://user:password@{}/<database>",
          o.Endpoint());
    }
    if (o.ddl == DdlMode::kApply) {
      return base::InvalidArgument(
          "sink URI: ddl=apply is not supported for PostgreSQL targets (MySQL DDL does not run "
          "there); remove it (PostgreSQL targets skip DDL) and change target tables by hand");
    }
  }
  if (o.user.empty()) {
    return base::InvalidArgument("sink URI: no user; use {}://user:password@{}/", o.scheme,
                                 o.Endpoint());
  }
  return o;
}

std::string DatabaseSinkOptionsDoc() {
  std::string out =
      "# Database sink URI parameters\n\n"
      "Generated from src/sink/database/database_sink_options.cc (do not edit by hand; "
      "`sink_database_test` checks it; regenerate with SLUICE_UPDATE_DOCS=1). See "
      "docs/database-sinks.md for the behaviour.\n\n"
      "URIs: `mysql://user:password@host:3306/[database]?...` (also `mariadb://`) and "
      "`postgres://user:password@host:5432/<database>?...` (also `postgresql://`).\n\n"
      "| parameter | targets | default | allowed | description |\n"
      "|---|---|---|---|---|\n";
  for (const auto& s : Specs()) {
    std::string allowed;
    switch (s.kind) {
      case Kind::kBool:
        allowed = "true, false";
        break;
      case Kind::kInt:
        allowed = fmt::format("{} .. {}", s.min, s.max);
        break;
      case Kind::kDuration:
        allowed = fmt::format("{} .. {}", FormatDurationMs(s.min), FormatDurationMs(s.max));
        break;
      case Kind::kEnum:
        for (auto a : s.allowed) allowed += (allowed.empty() ? "" : ", ") + std::string(a);
        break;
      case Kind::kString:
        allowed = "name";
        break;
    }
    out += fmt::format("| `{}` | {} | {} | {} | {} |\n", s.name, TargetsText(s.targets),
                       s.default_text, allowed, s.doc);
  }
  return out;
}

}  // namespace sluice::sink::database
