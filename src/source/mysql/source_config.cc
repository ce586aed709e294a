#include "source/mysql/source_config.h"

#include <cctype>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/text.h"
#include "source/uri_parts.h"

namespace sluice::source::mysql {

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

base::Status ParseBool(std::string_view name, std::string_view text, bool* out) {
  if (text == "true" || text == "1" || text == "on" || text == "yes") {
    *out = true;
  } else if (text == "false" || text == "0" || text == "off" || text == "no") {
    *out = false;
  } else {
    return base::InvalidArgument("option {}='{}' is not a boolean; use true or false", name, text);
  }
  return base::Status::Ok();
}

struct OptionDef {
  MySqlSourceOption info;
  base::Status (*apply)(std::string_view value, MySqlSourceConfig* config);
  std::string (*print)(const MySqlSourceConfig& config);
};

constexpr milliseconds kMaxHeartbeat{4'294'967'000};  // server limit: 4294967 s

const std::vector<OptionDef>& OptionTable() {
  static const std::vector<OptionDef> table = {
      {{"server-id",
        "replica server id for COM_BINLOG_DUMP; unique per capture, != the server's @@server_id",
        "derived from host:port (FNV-1a, >= 1000000)", "1..4294967295"},
       [](std::string_view v, MySqlSourceConfig* c) {
         uint32_t id = 0;
         if (!ParseNumber(v, &id) || id == 0) {
           return base::InvalidArgument("option server-id='{}' must be an integer in 1..4294967295",
                                        v);
         }
         c->server_id = id;
         c->server_id_explicit = true;
         return base::Status::Ok();
       },
       [](const MySqlSourceConfig& c) { return std::to_string(c.server_id); }},
      {{"start",
        "where to start without a checkpoint: now | earliest | gtid:<domain-server-seq,...> | "
        "file:<binlog file>:<offset>",
        "now", "now|earliest|gtid:...|file:..."},
       [](std::string_view v, MySqlSourceConfig* c) {
         SLUICE_ASSIGN_OR_RETURN(c->start, StartSpec::Parse(v));
         return base::Status::Ok();
       },
       [](const MySqlSourceConfig& c) { return c.start.ToString(); }},
      {{"connect-timeout", "TCP connect and handshake timeout", "10s", "1s..1h"},
       [](std::string_view v, MySqlSourceConfig* c) {
         return ParseDurationOption("connect-timeout", v, milliseconds(1000),
                                    milliseconds(3'600'000), &c->connect_timeout);
       },
       [](const MySqlSourceConfig& c) {
         return base::FormatDurationMs(c.connect_timeout.count());
       }},
      {{"read-timeout",
        "a stream with no data (not even a heartbeat) for this long fails with Unavailable; "
        ">= 2 x heartbeat",
        "30s", "1s..24h"},
       [](std::string_view v, MySqlSourceConfig* c) {
         return ParseDurationOption("read-timeout", v, milliseconds(1000), milliseconds(86'400'000),
                                    &c->read_timeout);
       },
       [](const MySqlSourceConfig& c) { return base::FormatDurationMs(c.read_timeout.count()); }},
      {{"heartbeat", "heartbeat period the server sends while the binlog is idle", "1s",
        "100ms..4294967s"},
       [](std::string_view v, MySqlSourceConfig* c) {
         return ParseDurationOption("heartbeat", v, milliseconds(100), kMaxHeartbeat,
                                    &c->heartbeat);
       },
       [](const MySqlSourceConfig& c) { return base::FormatDurationMs(c.heartbeat.count()); }},
      {{"verify-checksum", "verify the CRC32 of every binlog event", "true", "true|false"},
       [](std::string_view v, MySqlSourceConfig* c) {
         return ParseBool("verify-checksum", v, &c->verify_checksum);
       },
       [](const MySqlSourceConfig& c) {
         return std::string(c.verify_checksum ? "true" : "false");
       }},
      {{"annotate-rows", "ask the server for ANNOTATE_ROWS events (SQL text of row events)",
        "false", "true|false"},
       [](std::string_view v, MySqlSourceConfig* c) {
         return ParseBool("annotate-rows", v, &c->annotate_rows);
       },
       [](const MySqlSourceConfig& c) { return std::string(c.annotate_rows ? "true" : "false"); }},
  };
  return table;
}

std::string ValidOptionNames() {
  std::string out;
  for (const auto& o : OptionTable()) {
    if (!out.empty()) out += ", ";
    out += o.info.name;
  }
  return out;
}

}  // namespace

std::string StartSpec::ToString() const {
  switch (kind) {
    case Kind::kNow:
      return "now";
    case Kind::kEarliest:
      return "earliest";
    case Kind::kGtid:
      return "gtid:" + gtids.ToString();
    case Kind::kFile:
      return "file:" + file.ToString();
  }
  return "now";
}

base::Result<StartSpec> StartSpec::Parse(std::string_view text) {
  StartSpec s;
  if (text == "now") {
    s.kind = Kind::kNow;
  } else if (text == "earliest") {
    s.kind = Kind::kEarliest;
  } else if (text.starts_with("gtid:")) {
    s.kind = Kind::kGtid;
    auto set = model::MariaGtidSet::Parse(text.substr(5));
    if (!set.ok()) return set.status().WithContext("option start");
    if (set->empty()) {
      return base::InvalidArgument("option start='{}' has an empty GTID position; e.g. gtid:0-1-27",
                                   text);
    }
    s.gtids = std::move(set).value();
  } else if (text.starts_with("file:")) {
    s.kind = Kind::kFile;
    auto pos = model::BinlogPosition::Parse(text.substr(5));
    if (!pos.ok()) return pos.status().WithContext("option start");
    if (pos->offset < 4) {
      return base::InvalidArgument("option start='{}': binlog offsets start at 4", text);
    }
    s.file = std::move(pos).value();
  } else {
    return base::InvalidArgument(
        "option start='{}' is not one of now, earliest, gtid:<domain-server-seq>, "
        "file:<file>:<offset>",
        text);
  }
  return s;
}

uint32_t DefaultServerId(std::string_view host, uint16_t port) {
  std::string key = fmt::format("{}:{}", host, port);
  uint32_t h = 2166136261u;
  for (unsigned char c : key) {
    h ^= c;
    h *= 16777619u;
  }
  constexpr uint32_t kLow = 1'000'000;
  return kLow + h % (std::numeric_limits<uint32_t>::max() - kLow + 1);
}

std::string MySqlSourceConfig::Endpoint() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string MySqlSourceConfig::Redacted() const {
  std::string out = fmt::format("{}://{}", scheme, base::PercentEncode(user));
  if (!password.empty()) out += ":****";
  out += "@" + Endpoint() + "/";
  char sep = '?';
  for (const auto& o : OptionTable()) {
    out += fmt::format("{}{}={}", sep, o.info.name, o.print(*this));
    sep = '&';
  }
  return out;
}

const std::vector<MySqlSourceOption>& MySqlSourceOptions() {
  static const std::vector<MySqlSourceOption> options = [] {
    std::vector<MySqlSourceOption> v;
    for (const auto& o : OptionTable()) v.push_back(o.info);
    return v;
  }();
  return options;
}

base::Result<MySqlSourceConfig> ParseMySqlSourceUri(std::string_view uri) {
  MySqlSourceConfig c;
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return base::InvalidArgument(
        "source URI must look like mysql://user:password@host:port/?options (scheme missing)");
  }
  std::string_view scheme = uri.substr(0, sep);
  if (scheme != "mysql" && scheme != "mariadb") {
    return base::InvalidArgument(
        "source URI scheme '{}' is not supported; use mysql:// or mariadb://", scheme);
  }
  c.scheme = std::string(scheme);
  std::string_view rest = uri.substr(sep + 3);

  // Split authority from path/query.
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);

  // userinfo@hostport; the password may contain '@' only percent-encoded, so split at the last.
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return base::InvalidArgument("source URI has no user; use {}://user:password@host:port/",
                                 scheme);
  }
  std::string_view userinfo = authority.substr(0, at);
  std::string_view hostport = authority.substr(at + 1);
  SLUICE_ASSIGN_OR_RETURN(UriAuthority auth, ParseUriAuthority(userinfo, hostport));
  c.user = std::move(auth.user);
  c.password = std::move(auth.password);
  c.host = std::move(auth.host);
  if (auth.port) c.port = *auth.port;

  // Path: "" or "/" only (a database name has no meaning for a binlog source).
  size_t q = tail.find('?');
  std::string_view path = tail.substr(0, q);
  if (!path.empty() && path != "/") {
    return base::InvalidArgument(
        "source URI path '{}' is not supported; the binlog source reads all databases "
        "(use {}://user@host:port/?options)",
        path, scheme);
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
      for (; i < OptionTable().size(); ++i) {
        if (OptionTable()[i].info.name == name) break;
      }
      if (i == OptionTable().size()) {
        return base::InvalidArgument("unknown source URI option '{}'; valid options: {}", name,
                                     ValidOptionNames());
      }
      if (seen[i]) return base::InvalidArgument("source URI option '{}' is given twice", name);
      if (eq == std::string_view::npos) {
        return base::InvalidArgument("source URI option '{}' needs a value ({}={})", name, name,
                                     OptionTable()[i].info.default_value);
      }
      seen[i] = true;
      SLUICE_RETURN_IF_ERROR(OptionTable()[i].apply(value, &c));
    }
  }
  if (!c.server_id_explicit) c.server_id = DefaultServerId(c.host, c.port);
  if (c.read_timeout < 2 * c.heartbeat) {
    return base::InvalidArgument(
        "option read-timeout={} must be at least twice heartbeat={} so an idle stream is not "
        "mistaken for a dead one",
        base::FormatDurationMs(c.read_timeout.count()),
        base::FormatDurationMs(c.heartbeat.count()));
  }
  return c;
}

}  // namespace sluice::source::mysql
