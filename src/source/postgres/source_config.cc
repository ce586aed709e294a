#include "source/postgres/source_config.h"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/text.h"
#include "source/uri_parts.h"

namespace sluice::source::postgres {

namespace {

using source::ParseDurationOption;
using source::ParseUriAuthority;
using source::UriAuthority;

using std::chrono::milliseconds;

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ValidSlotName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsPlainIdent(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string QuoteIfNeeded(const std::string& s) {
  if (IsPlainIdent(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// One identifier of a table list: "name" (folded to lower case, as PostgreSQL does) or
// "\"Quoted Name\"" (kept as is).
bool TakeIdent(std::string_view* in, std::string* out) {
  out->clear();
  if (in->starts_with('"')) {
    size_t i = 1;
    while (i < in->size()) {
      if ((*in)[i] == '"') {
        if (i + 1 < in->size() && (*in)[i + 1] == '"') {
          out->push_back('"');
          i += 2;
          continue;
        }
        *in = in->substr(i + 1);
        return !out->empty();
      }
      out->push_back((*in)[i++]);
    }
    return false;
  }
  size_t i = 0;
  while (i < in->size() && (*in)[i] != '.' && (*in)[i] != ',') {
    char c = (*in)[i++];
    out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  *in = in->substr(i);
  return !out->empty();
}

base::Status ParseTables(std::string_view text, std::vector<PgTableName>* out) {
  out->clear();
  std::string_view in = text;
  while (!in.empty()) {
    PgTableName t;
    std::string first, second;
    if (!TakeIdent(&in, &first)) {
      return base::InvalidArgument(
          "option tables='{}' is malformed; use schema.table[,schema.table...] (quote mixed-case "
          "names with \"\")",
          text);
    }
    if (in.starts_with('.')) {
      in.remove_prefix(1);
      if (!TakeIdent(&in, &second)) {
        return base::InvalidArgument("option tables='{}' has an empty table name after '{}.'", text,
                                     first);
      }
      t.schema = first;
      t.table = second;
    } else {
      t.table = first;
    }
    if (!in.empty()) {
      if (!in.starts_with(',')) {
        return base::InvalidArgument("option tables='{}' is malformed near '{}'", text, in);
      }
      in.remove_prefix(1);
    }
    out->push_back(std::move(t));
  }
  if (out->empty()) return base::InvalidArgument("option tables is empty; use schema.table,...");
  return base::Status::Ok();
}

struct OptionDef {
  PgSourceOption info;
  base::Status (*apply)(std::string_view value, PgSourceConfig* config);
  std::string (*print)(const PgSourceConfig& config);
};

const std::vector<OptionDef>& OptionTable() {
  static const std::vector<OptionDef> table = {
      {{"slot", "logical replication slot (pgoutput); created when missing",
        "sluice_<changefeed id>", "[a-z0-9_]{1,63}"},
       [](std::string_view v, PgSourceConfig* c) {
         if (!ValidSlotName(v)) {
           return base::InvalidArgument(
               "option slot='{}' is not a valid slot name; use 1..63 characters of a-z, 0-9, _", v);
         }
         c->slot = std::string(v);
         return base::Status::Ok();
       },
       [](const PgSourceConfig& c) { return c.slot; }},
      {{"publication", "publication to stream; created FOR TABLE <tables> when missing",
        "the slot name", "a PostgreSQL identifier"},
       [](std::string_view v, PgSourceConfig* c) {
         if (v.empty() || v.size() > 63) {
           return base::InvalidArgument("option publication='{}' must be 1..63 characters", v);
         }
         c->publication = std::string(v);
         return base::Status::Ok();
       },
       [](const PgSourceConfig& c) { return c.publication; }},
      {{"tables",
        "tables the publication must contain (schema.table, comma-separated; schema defaults to "
        "public); used to create a missing publication",
        "(none: the publication must exist)", "schema.table[,...]"},
       [](std::string_view v, PgSourceConfig* c) { return ParseTables(v, &c->tables); },
       [](const PgSourceConfig& c) {
         std::string out;
         for (const auto& t : c.tables) out += (out.empty() ? "" : ",") + t.ToString();
         return out;
       }},
      {{"start",
        "without a checkpoint: slot = resume from the slot (created if missing); now = also skip "
        "what an existing slot still holds",
        "slot", "slot|now"},
       [](std::string_view v, PgSourceConfig* c) {
         if (v == "slot") {
           c->start = PgSourceConfig::Start::kSlot;
         } else if (v == "now") {
           c->start = PgSourceConfig::Start::kNow;
         } else {
           return base::InvalidArgument("option start='{}' is not one of slot, now", v);
         }
         return base::Status::Ok();
       },
       [](const PgSourceConfig& c) {
         return std::string(c.start == PgSourceConfig::Start::kNow ? "now" : "slot");
       }},
      {{"connect-timeout", "TCP connect and login timeout", "10s", "1s..1h"},
       [](std::string_view v, PgSourceConfig* c) {
         return ParseDurationOption("connect-timeout", v, milliseconds(1000),
                                    milliseconds(3'600'000), &c->connect_timeout);
       },
       [](const PgSourceConfig& c) { return base::FormatDurationMs(c.connect_timeout.count()); }},
      {{"status-interval",
        "standby status updates (acknowledged LSN) are sent at least this often; keep it below "
        "the server's wal_sender_timeout",
        "10s", "100ms..1h"},
       [](std::string_view v, PgSourceConfig* c) {
         return ParseDurationOption("status-interval", v, milliseconds(100),
                                    milliseconds(3'600'000), &c->status_interval);
       },
       [](const PgSourceConfig& c) { return base::FormatDurationMs(c.status_interval.count()); }},
  };
  return table;
}

std::string ValidOptionNames() {
  std::string out;
  for (const auto& o : OptionTable()) out += (out.empty() ? "" : ", ") + std::string(o.info.name);
  return out;
}

}  // namespace

std::string PgTableName::ToString() const {
  return QuoteIfNeeded(schema) + "." + QuoteIfNeeded(table);
}

std::string PgSourceConfig::Endpoint() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string PgSourceConfig::Redacted() const {
  std::string out = fmt::format("{}://{}", scheme, base::PercentEncode(user));
  if (!password.empty()) out += ":****";
  out += "@" + Endpoint() + "/" + base::PercentEncode(database);
  char sep = '?';
  for (const auto& o : OptionTable()) {
    std::string v = o.print(*this);
    if (v.empty()) continue;
    out += fmt::format("{}{}={}", sep, o.info.name, base::PercentEncode(v));
    sep = '&';
  }
  return out;
}

client::postgres::PgConnectOptions PgSourceConfig::ConnectOptions(bool replication) const {
  client::postgres::PgConnectOptions o;
  o.host = host;
  o.port = port;
  o.user = user;
  o.password = password;
  o.database = database;
  o.connect_timeout = connect_timeout;
  o.replication = replication;
  o.session_options =
      "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c bytea_output=hex "
      "-c lc_monetary=C -c extra_float_digits=3";
  o.configured_by = "source URI";
  return o;
}

const std::vector<PgSourceOption>& PgSourceOptions() {
  static const std::vector<PgSourceOption> options = [] {
    std::vector<PgSourceOption> v;
    for (const auto& o : OptionTable()) v.push_back(o.info);
    return v;
  }();
  return options;
}

bool IsPgSourceUri(std::string_view uri) {
  return uri.starts_with("postgres://") || uri.starts_with("postgresql://");
}

std::string DefaultSlotName(std::string_view id) {
  std::string s = "sluice_";
  for (char c : id) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    s.push_back((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_');
  }
  if (s.size() > 63) s.resize(63);
  return s;
}

base::Result<PgSourceConfig> ParsePgSourceUri(std::string_view uri, std::string_view default_slot) {
  PgSourceConfig c;
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return base::InvalidArgument(
        "source URI must look like postgres://user:password@host:5432/db?options "
        "(scheme missing)");
  }
  std::string_view scheme = uri.substr(0, sep);
  if (scheme != "postgres" && scheme != "postgresql") {
    return base::InvalidArgument(
        "source URI scheme '{}' is not a PostgreSQL scheme; use postgres:// or postgresql://",
        scheme);
  }
  c.scheme = std::string(scheme);
  std::string_view rest = uri.substr(sep + 3);
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);

  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return base::InvalidArgument("source URI has no user; use {}://user:password@host:5432/db",
                                 scheme);
  }
  std::string_view userinfo = authority.substr(0, at);
  std::string_view hostport = authority.substr(at + 1);
  SLUICE_ASSIGN_OR_RETURN(UriAuthority auth, ParseUriAuthority(userinfo, hostport));
  c.user = std::move(auth.user);
  c.password = std::move(auth.password);
  c.host = std::move(auth.host);
  if (auth.port) c.port = *auth.port;

  size_t q = tail.find('?');
  std::string_view path = tail.substr(0, q);
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty() || path.find('/') != std::string_view::npos ||
      !base::PercentDecode(path, &c.database) || c.database.empty()) {
    return base::InvalidArgument(
        "source URI needs exactly one database in its path; use {}://user@host:5432/<database>",
        scheme);
  }

  std::vector<bool> seen(OptionTable().size(), false);
  if (q != std::string_view::npos) {
    std::string_view query = tail.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      std::string name, value;
      if (!base::PercentDecode(kv.substr(0, eq), &name) ||
          !base::PercentDecode(eq == std::string_view::npos ? "" : kv.substr(eq + 1), &value)) {
        return base::InvalidArgument("source URI option '{}' is badly percent-encoded", kv);
      }
      size_t i = 0;
      while (i < OptionTable().size() && OptionTable()[i].info.name != name) ++i;
      if (i == OptionTable().size()) {
        return base::InvalidArgument("unknown source URI option '{}'; valid options: {}", name,
                                     ValidOptionNames());
      }
      if (seen[i]) return base::InvalidArgument("source URI option '{}' is given twice", name);
      if (eq == std::string_view::npos) {
        return base::InvalidArgument("source URI option '{}' needs a value", name);
      }
      seen[i] = true;
      SLUICE_RETURN_IF_ERROR(OptionTable()[i].apply(value, &c));
    }
  }
  if (c.slot.empty()) {
    if (!ValidSlotName(default_slot)) {
      return base::InvalidArgument(
          "source URI has no slot option; add slot=<name> ([a-z0-9_], at most 63 characters)");
    }
    c.slot = std::string(default_slot);
  }
  if (c.publication.empty()) c.publication = c.slot;
  return c;
}

}  // namespace sluice::source::postgres
