#include "api/connection.h"

#include <set>

#include "base/percent_encoding.h"
#include "pipeline/uri_secrets.h"

namespace sluice::api {

using nlohmann::json;

namespace {

base::Status Str(const json& j, const char* field, std::string_view where, std::string* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_string()) {
    return base::InvalidArgument("field '{}{}' must be a string", where, field);
  }
  *out = it->get<std::string>();
  return base::Status::Ok();
}

base::Status Bool(const json& j, const char* field, std::string_view where, bool* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_boolean()) {
    return base::InvalidArgument("field '{}{}' must be true or false", where, field);
  }
  *out = it->get<bool>();
  return base::Status::Ok();
}

base::Status Known(const json& j, std::string_view where, const std::set<std::string>& known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!known.count(it.key())) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return base::InvalidArgument("unknown field '{}{}'; fields are {}", where, it.key(), list);
    }
  }
  return base::Status::Ok();
}

bool IsMasked(const std::string& s) { return pipeline::IsSecretMask(s); }

std::string Enc(std::string_view s) { return base::PercentEncode(s); }

int DefaultPort(ConnectionKind kind) {
  switch (kind) {
    case ConnectionKind::kMariaDb:
      return 3306;
    case ConnectionKind::kPostgreSql:
      return 5432;
    case ConnectionKind::kKafka:
      return 9092;
  }
  return 0;
}

}  // namespace

std::string_view ConnectionKindName(ConnectionKind kind) {
  switch (kind) {
    case ConnectionKind::kMariaDb:
      return "mariadb";
    case ConnectionKind::kPostgreSql:
      return "postgresql";
    case ConnectionKind::kKafka:
      return "kafka";
  }
  return "?";
}

base::Status ValidateConnectionName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return base::InvalidArgument(
        "field 'name' must be 1-64 characters of A-Z a-z 0-9 . _ -, e.g. \"maria-prod\"");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return base::InvalidArgument(
          "field 'name' ('{}') may only hold A-Z a-z 0-9 . _ -; replace '{}'", name,
          std::string(1, c));
    }
  }
  return base::Status::Ok();
}

base::Result<Connection> ParseConnectionJson(const json& j, std::string_view path_name) {
  if (!j.is_object()) return base::InvalidArgument("request body must be a JSON object");
  static const std::set<std::string> kTop = {"name",
                                             "kind",
                                             "role",
                                             "hosts",
                                             "user",
                                             "password",
                                             "database",
                                             "topic",
                                             "auth",
                                             "tls",
                                             "ack_mode",
                                             "compression",
                                             "ignore_non_json",
                                             "ignore_write_errors",
                                             "options",
                                             "password_set",
                                             "uri",
                                             "created_at_ms",
                                             "updated_at_ms",
                                             "skip_test"};
  SLUICE_RETURN_IF_ERROR(Known(j, "", kTop));
  Connection c;
  SLUICE_RETURN_IF_ERROR(Str(j, "name", "", &c.name));
  if (c.name.empty()) c.name = std::string(path_name);
  if (!path_name.empty() && c.name != path_name) {
    return base::InvalidArgument(
        "field 'name' ('{}') differs from the name in the path ('{}'); a connection cannot be "
        "renamed: create a new one",
        c.name, path_name);
  }
  SLUICE_RETURN_IF_ERROR(ValidateConnectionName(c.name));

  std::string kind = "mariadb";
  SLUICE_RETURN_IF_ERROR(Str(j, "kind", "", &kind));
  if (kind == "mariadb" || kind == "mysql") {
    c.kind = ConnectionKind::kMariaDb;
  } else if (kind == "postgresql" || kind == "postgres") {
    c.kind = ConnectionKind::kPostgreSql;
  } else if (kind == "kafka") {
    c.kind = ConnectionKind::kKafka;
  } else {
    return base::InvalidArgument("field 'kind' ('{}') must be mariadb, postgresql or kafka", kind);
  }
  std::string role = "source";
  SLUICE_RETURN_IF_ERROR(Str(j, "role", "", &role));
  if (role == "source") {
    c.role = ConnectionRole::kSource;
  } else if (role == "target") {
    c.role = ConnectionRole::kTarget;
  } else {
    return base::InvalidArgument("field 'role' ('{}') must be source or target", role);
  }

  if (auto it = j.find("hosts"); it != j.end()) {
    std::vector<std::string> hosts;
    if (it->is_string()) {
      // "h1:p1, h2:p2" as typed in a form.
      std::string s = it->get<std::string>();
      size_t pos = 0;
      while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        std::string h = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        h.erase(0, h.find_first_not_of(" \t"));
        h.erase(h.find_last_not_of(" \t") + 1);
        if (!h.empty()) hosts.push_back(h);
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) {
          return base::InvalidArgument("field 'hosts[{}]' must be a string \"host:port\"", i);
        }
        hosts.push_back((*it)[i].get<std::string>());
      }
    } else {
      return base::InvalidArgument("field 'hosts' must be an array of \"host:port\" strings");
    }
    c.hosts = std::move(hosts);
  }
  if (c.hosts.empty()) {
    return base::InvalidArgument(
        "field 'hosts' needs at least one host:port, e.g. \"127.0.0.1:{}\"", DefaultPort(c.kind));
  }
  for (size_t i = 0; i < c.hosts.size(); ++i) {
    const std::string& h = c.hosts[i];
    size_t colon = h.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < h.size();
    for (size_t k = ok ? colon + 1 : 0; ok && k < h.size(); ++k) {
      ok = std::isdigit(static_cast<unsigned char>(h[k])) != 0;
    }
    if (ok) {
      int port = std::stoi(h.substr(colon + 1).substr(0, 6));
      ok = port > 0 && port <= 65535;
    }
    if (!ok || h.find_first_of("/?@# ") != std::string::npos) {
      return base::InvalidArgument("field 'hosts[{}]' ('{}') must be host:port, e.g. 127.0.0.1:{}",
                                   i, h, DefaultPort(c.kind));
    }
  }
  if (c.is_database() && c.hosts.size() != 1) {
    return base::InvalidArgument("field 'hosts' of a {} connection takes exactly one host:port",
                                 ConnectionKindName(c.kind));
  }
  SLUICE_RETURN_IF_ERROR(Str(j, "user", "", &c.user));
  SLUICE_RETURN_IF_ERROR(Str(j, "password", "", &c.password));
  SLUICE_RETURN_IF_ERROR(Str(j, "database", "", &c.database));
  SLUICE_RETURN_IF_ERROR(Str(j, "topic", "", &c.topic));
  if (c.is_database() && c.user.empty()) {
    return base::InvalidArgument("field 'user' is required for a {} connection",
                                 ConnectionKindName(c.kind));
  }

  if (auto it = j.find("auth"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return base::InvalidArgument("field 'auth' must be an object");
    SLUICE_RETURN_IF_ERROR(
        Known(*it, "auth.",
              {"mechanism", "username", "password", "password_set", "kerberos_principal",
               "kerberos_service_name", "kerberos_keytab"}));
    SLUICE_RETURN_IF_ERROR(Str(*it, "mechanism", "auth.", &c.auth.mechanism));
    SLUICE_RETURN_IF_ERROR(Str(*it, "username", "auth.", &c.auth.username));
    SLUICE_RETURN_IF_ERROR(Str(*it, "password", "auth.", &c.auth.password));
    SLUICE_RETURN_IF_ERROR(Str(*it, "kerberos_principal", "auth.", &c.auth.kerberos_principal));
    SLUICE_RETURN_IF_ERROR(
        Str(*it, "kerberos_service_name", "auth.", &c.auth.kerberos_service_name));
    SLUICE_RETURN_IF_ERROR(Str(*it, "kerberos_keytab", "auth.", &c.auth.kerberos_keytab));
  }
  static const std::set<std::string> kMechs = {"none", "plain", "scram-sha-256", "scram-sha-512",
                                               "gssapi"};
  if (c.auth.mechanism.empty()) c.auth.mechanism = "none";
  if (!kMechs.count(c.auth.mechanism)) {
    return base::InvalidArgument(
        "field 'auth.mechanism' ('{}') must be none, plain, scram-sha-256, scram-sha-512 or "
        "gssapi",
        c.auth.mechanism);
  }
  if (c.kind == ConnectionKind::kKafka && c.auth.mechanism != "none" &&
      c.auth.mechanism != "gssapi" && c.auth.username.empty()) {
    return base::InvalidArgument("field 'auth.username' is required for SASL {}", c.auth.mechanism);
  }
  if (c.auth.mechanism == "gssapi" && c.auth.kerberos_principal.empty()) {
    return base::InvalidArgument(
        "field 'auth.kerberos_principal' is required for Kerberos (GSSAPI), e.g. "
        "\"sluice@EXAMPLE.COM\"");
  }

  if (auto it = j.find("tls"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return base::InvalidArgument("field 'tls' must be an object");
    SLUICE_RETURN_IF_ERROR(
        Known(*it, "tls.", {"enabled", "ca", "cert", "key", "insecure_skip_verify"}));
    SLUICE_RETURN_IF_ERROR(Bool(*it, "enabled", "tls.", &c.tls.enabled));
    SLUICE_RETURN_IF_ERROR(Str(*it, "ca", "tls.", &c.tls.ca));
    SLUICE_RETURN_IF_ERROR(Str(*it, "cert", "tls.", &c.tls.cert));
    SLUICE_RETURN_IF_ERROR(Str(*it, "key", "tls.", &c.tls.key));
    SLUICE_RETURN_IF_ERROR(Bool(*it, "insecure_skip_verify", "tls.", &c.tls.insecure_skip_verify));
  }
  SLUICE_RETURN_IF_ERROR(Str(j, "ack_mode", "", &c.ack_mode));
  if (c.ack_mode != "-1" && c.ack_mode != "0" && c.ack_mode != "1") {
    return base::InvalidArgument(
        "field 'ack_mode' ('{}') must be -1 (all in-sync replicas), 1 (leader) or 0 (none)",
        c.ack_mode);
  }
  SLUICE_RETURN_IF_ERROR(Str(j, "compression", "", &c.compression));
  static const std::set<std::string> kCodecs = {"none", "gzip", "snappy", "lz4", "zstd"};
  if (!kCodecs.count(c.compression)) {
    return base::InvalidArgument(
        "field 'compression' ('{}') must be none, gzip, snappy, lz4 or zstd", c.compression);
  }
  SLUICE_RETURN_IF_ERROR(Bool(j, "ignore_non_json", "", &c.ignore_non_json));
  SLUICE_RETURN_IF_ERROR(Bool(j, "ignore_write_errors", "", &c.ignore_write_errors));
  if (auto it = j.find("options"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return base::InvalidArgument("field 'options' must be an object of string values");
    }
    for (auto o = it->begin(); o != it->end(); ++o) {
      if (!o->is_string()) {
        return base::InvalidArgument("field 'options.{}' must be a string", o.key());
      }
      c.options[o.key()] = o->get<std::string>();
    }
  }
  return c;
}

void KeepStoredSecrets(const Connection& stored, Connection* incoming) {
  if (incoming->password.empty() || IsMasked(incoming->password)) {
    incoming->password = stored.password;
  }
  if (incoming->auth.password.empty() || IsMasked(incoming->auth.password)) {
    incoming->auth.password = stored.auth.password;
  }
  for (auto& [k, v] : incoming->options) {
    auto it = stored.options.find(k);
    if (IsMasked(v)) {
      v = it == stored.options.end() ? "" : it->second;
    } else if (it != stored.options.end() && v.find("://") != std::string::npos) {
      // A URL answered with its secrets masked (schema-registry=http://u:****@h) and sent back.
      auto merged = pipeline::MergeMaskedSecrets(v, it->second, "options." + k);
      if (merged.ok()) v = std::move(merged).value();
    }
  }
}

json ConnectionToStoredJson(const Connection& c) {
  return json{{"name", c.name},
              {"kind", std::string(ConnectionKindName(c.kind))},
              {"role", c.role == ConnectionRole::kSource ? "source" : "target"},
              {"hosts", c.hosts},
              {"user", c.user},
              {"password", c.password},
              {"database", c.database},
              {"topic", c.topic},
              {"auth",
               {{"mechanism", c.auth.mechanism},
                {"username", c.auth.username},
                {"password", c.auth.password},
                {"kerberos_principal", c.auth.kerberos_principal},
                {"kerberos_service_name", c.auth.kerberos_service_name},
                {"kerberos_keytab", c.auth.kerberos_keytab}}},
              {"tls",
               {{"enabled", c.tls.enabled},
                {"ca", c.tls.ca},
                {"cert", c.tls.cert},
                {"key", c.tls.key},
                {"insecure_skip_verify", c.tls.insecure_skip_verify}}},
              {"ack_mode", c.ack_mode},
              {"compression", c.compression},
              {"ignore_non_json", c.ignore_non_json},
              {"ignore_write_errors", c.ignore_write_errors},
              {"options", c.options}};
}

base::Result<Connection> ConnectionFromStoredJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return base::DataLoss("stored connection is not valid JSON");
  auto c = ParseConnectionJson(j);
  if (!c.ok()) return base::DataLoss("stored connection is invalid: {}", c.status().message());
  return c;
}

json ConnectionToPublicJson(const Connection& c) {
  json j = ConnectionToStoredJson(c);
  j.erase("password");
  j["password_set"] = !c.password.empty();
  j["auth"].erase("password");
  j["auth"]["password_set"] = !c.auth.password.empty();
  // Options may hold secrets by name (sasl-password) or inside URLs (schema-registry).
  for (auto& [k, v] : j["options"].items()) v = pipeline::MaskSecretValue(k, v.get<std::string>());
  j["uri"] = pipeline::MaskUriSecrets(ConnectionUri(c));
  j["created_at_ms"] = c.created_at_ms;
  j["updated_at_ms"] = c.updated_at_ms;
  return j;
}

std::string ConnectionUri(const Connection& c, const std::map<std::string, std::string>& extra,
                          std::string_view path) {
  std::vector<std::pair<std::string, std::string>> params;
  auto set = [&params](const std::string& k, const std::string& v) {
    for (auto& p : params) {
      if (p.first == k) {
        p.second = v;
        return;
      }
    }
    params.emplace_back(k, v);
  };
  std::string uri;
  std::string hosts;
  for (const auto& h : c.hosts) hosts += (hosts.empty() ? "" : ",") + h;
  if (c.kind == ConnectionKind::kKafka) {
    uri = "kafka://" + hosts + "/" + Enc(path.empty() ? c.topic : std::string(path));
    const auto& a = c.auth;
    if (a.mechanism == "gssapi") {
      // "user@REALM" -> sasl-gssapi-user + sasl-gssapi-realm (docs/kafka-security.md).
      set("sasl-mechanism", "gssapi");
      const std::string& principal = a.kerberos_principal;
      size_t at = principal.rfind('@');
      set("sasl-gssapi-user", principal.substr(0, at));
      if (at != std::string::npos) set("sasl-gssapi-realm", principal.substr(at + 1));
      if (!a.kerberos_service_name.empty()) {
        set("sasl-gssapi-service-name", a.kerberos_service_name);
      }
      if (!a.kerberos_keytab.empty()) {
        set("sasl-gssapi-auth-type", "keytab");
        set("sasl-gssapi-keytab-path", a.kerberos_keytab);
      }
    } else if (a.mechanism != "none") {
      set("sasl-mechanism", a.mechanism);
      set("sasl-user", a.username);
      if (!a.password.empty()) set("sasl-password", a.password);
    }
    if (c.tls.enabled) set("enable-tls", "true");
    if (!c.tls.ca.empty()) set("ca", c.tls.ca);
    if (!c.tls.cert.empty()) set("cert", c.tls.cert);
    if (!c.tls.key.empty()) set("key", c.tls.key);
    if (c.tls.insecure_skip_verify) set("insecure-skip-verify", "true");
    if (c.role == ConnectionRole::kTarget) {
      if (c.ack_mode != "-1") set("required-acks", c.ack_mode);
      if (c.compression != "none") set("compression", c.compression);
    } else if (c.ignore_non_json) {
      set("ignore-non-json", "true");
    }
  } else {
    std::string scheme = c.kind == ConnectionKind::kMariaDb ? "mysql" : "postgres";
    std::string userinfo = Enc(c.user);
    if (!c.password.empty()) userinfo += ":" + Enc(c.password);
    uri = scheme + "://" + userinfo + "@" + hosts + "/" +
          Enc(path.empty() ? c.database : std::string(path));
    if (c.tls.enabled) set("tls", "true");
    if (c.role == ConnectionRole::kTarget && c.ignore_write_errors) {
      set("ignore-write-errors", "true");
    }
  }
  for (const auto& [k, v] : c.options) set(k, v);
  for (const auto& [k, v] : extra) set(k, v);
  std::string query;
  for (const auto& [k, v] : params) {
    query += (query.empty() ? "?" : "&") + Enc(k) + "=" + Enc(v);
  }
  return uri + query;
}

std::vector<std::string> ConnectionSecrets(const Connection& c) {
  std::vector<std::string> out;
  for (const std::string* s : {&c.password, &c.auth.password}) {
    if (!s->empty()) {
      out.push_back(*s);
      out.push_back(Enc(*s));
    }
  }
  for (const auto& [k, v] : c.options) {
    for (auto& s : pipeline::SecretsIn(k, v)) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sluice::api
