#include "client/kafka/connection_options.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/percent_encoding.h"
#include "base/secret.h"
#include "base/text.h"

namespace sluice::client::kafka {

namespace {

using base::OptionKind;
using base::OptionSecret;
using base::SetField;
using O = ConnectionOptions;

const base::EnumNames<SaslMechanism>& SaslNames() {
  static const base::EnumNames<SaslMechanism> names{{{"none", SaslMechanism::kNone},
                                                     {"plain", SaslMechanism::kPlain},
                                                     {"scram-sha-256", SaslMechanism::kScramSha256},
                                                     {"scram-sha-512", SaslMechanism::kScramSha512},
                                                     {"gssapi", SaslMechanism::kGssapi}}};
  return names;
}

base::Result<std::string> Decode(std::string_view in, std::string_view what,
                                 const base::OptionContext& ctx) {
  std::string out;
  if (!base::PercentDecode(in, &out)) {
    return base::InvalidArgument("{}: {} has a malformed %-escape; URL-encode '%' as %25",
                                 ctx.what, what);
  }
  return out;
}

// SASL user/password rules (PLAIN and SCRAM).
base::Status ValidateSasl(O& o, const base::GivenOptions& given, const base::OptionContext& ctx) {
  if (o.userinfo_given && given.Has("sasl-user")) {
    return base::InvalidArgument(
        "{}: the SASL user is given both as userinfo and as sasl-user; keep one", ctx.what);
  }
  if (o.userinfo_given && given.Has("sasl-password")) {
    return base::InvalidArgument(
        "{}: the SASL password is given both as userinfo and as sasl-password; keep one",
        ctx.what);
  }
  if (!o.sasl_user.empty() && o.sasl_mechanism == SaslMechanism::kNone) {
    o.sasl_mechanism = SaslMechanism::kPlain;
  }
  if ((o.sasl_mechanism == SaslMechanism::kPlain ||
       o.sasl_mechanism == SaslMechanism::kScramSha256 ||
       o.sasl_mechanism == SaslMechanism::kScramSha512) &&
      (o.sasl_user.empty() || o.sasl_password.empty())) {
    return base::InvalidArgument("{}: sasl-mechanism={} needs sasl-user and sasl-password; add both",
                                 ctx.what, SaslMechanismName(o.sasl_mechanism));
  }
  return base::Status::Ok();
}

base::Status ValidateGssapiAuthType(O& o, const base::GivenOptions& given,
                                    const base::OptionContext& ctx) {
  if (!given.Has("sasl-gssapi-auth-type") && !o.gssapi_keytab_path.empty()) {
    o.gssapi_auth_type = GssapiAuthType::kKeytab;
  }
  if (o.gssapi_auth_type == GssapiAuthType::kUser) {
    if (o.gssapi_password.empty()) {
      return base::InvalidArgument(
          "{}: sasl-gssapi-auth-type=user needs sasl-gssapi-password; add it, or use "
          "sasl-gssapi-auth-type=keytab with sasl-gssapi-keytab-path",
          ctx.what);
    }
    if (!o.gssapi_keytab_path.empty()) {
      return base::InvalidArgument(
          "{}: sasl-gssapi-keytab-path is only used with sasl-gssapi-auth-type=keytab; remove it "
          "or set the auth type to keytab",
          ctx.what);
    }
    return base::Status::Ok();
  }
  if (o.gssapi_keytab_path.empty()) {
    return base::InvalidArgument(
        "{}: sasl-gssapi-auth-type=keytab needs sasl-gssapi-keytab-path; add it", ctx.what);
  }
  if (!o.gssapi_password.empty()) {
    return base::InvalidArgument(
        "{}: sasl-gssapi-password is not used with sasl-gssapi-auth-type=keytab; remove it",
        ctx.what);
  }
  return base::Status::Ok();
}

// sasl-gssapi-* rules: only with sasl-mechanism=gssapi, which takes its principal from them.
base::Status ValidateGssapi(O& o, const base::GivenOptions& given,
                            const base::OptionContext& ctx) {
  std::string first;  // the alphabetically first sasl-gssapi-* parameter given
  for (const auto& [name, value] : given.items) {
    if (name.starts_with("sasl-gssapi-") && (first.empty() || name < first)) first = name;
  }
  if (o.sasl_mechanism != SaslMechanism::kGssapi) {
    if (!first.empty()) {
      return base::InvalidArgument(
          "{}: {} only applies to Kerberos; add sasl-mechanism=gssapi or remove the "
          "sasl-gssapi-* parameters",
          ctx.what, first);
    }
    return base::Status::Ok();
  }
  if (!o.sasl_user.empty() || !o.sasl_password.empty()) {
    return base::InvalidArgument(
        "{}: sasl-mechanism=gssapi takes the Kerberos principal from sasl-gssapi-user and "
        "sasl-gssapi-realm, not from sasl-user/sasl-password or user:password@; move them",
        ctx.what);
  }
  if (o.gssapi_user.empty()) {
    return base::InvalidArgument(
        "{}: sasl-mechanism=gssapi needs sasl-gssapi-user (the Kerberos principal without the "
        "realm, e.g. alice/for-kafka); add it",
        ctx.what);
  }
  return ValidateGssapiAuthType(o, given, ctx);
}

base::Status ValidateTls(O& o, const base::GivenOptions& given, const base::OptionContext& ctx) {
  if (o.sasl_user.empty() && !o.sasl_password.empty()) {
    return base::InvalidArgument("{}: sasl-password is set without sasl-user; add sasl-user",
                                 ctx.what);
  }
  bool any_file = !o.ca.empty() || !o.cert.empty() || !o.key.empty();
  if (any_file) {
    if (given.Has("enable-tls") && !o.enable_tls) {
      return base::InvalidArgument(
          "{}: ca/cert/key are given but enable-tls=false; remove enable-tls=false or the "
          "certificate files",
          ctx.what);
    }
    // ca alone: verify the brokers (server-side TLS); cert + key: also a client certificate.
    if (o.cert.empty() != o.key.empty()) {
      return base::InvalidArgument(
          "{}: cert and key must be given together (client certificate and its private key); "
          "add the missing one",
          ctx.what);
    }
    o.enable_tls = true;
  }
  if (o.tls_scheme) {
    if (given.Has("enable-tls") && !o.enable_tls) {
      return base::InvalidArgument(
          "{}: scheme kafka+ssl conflicts with enable-tls=false; use kafka:// or remove "
          "enable-tls=false",
          ctx.what);
    }
    o.enable_tls = true;
  }
  if (o.insecure_skip_verify && !o.enable_tls) {
    return base::InvalidArgument(
        "{}: insecure-skip-verify only applies to TLS; add enable-tls=true or remove it", ctx.what);
  }
  return base::Status::Ok();
}

base::OptionSet<O> MakeSasl() {
  base::OptionSet<O> set;
  set.Add({.name = "sasl-user",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "SASL user name (PLAIN, SCRAM). May also be given as URI userinfo."},
          SetField(&O::sasl_user));
  set.Add({.name = "sasl-password",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "SASL password; URL-encode special characters. Never logged.",
           .secret = OptionSecret::kYes},
          SetField(&O::sasl_password));
  set.Add({.name = "sasl-mechanism",
           .kind = OptionKind::kEnum,
           .default_text = "plain when sasl-user is set",
           .doc = "SASL mechanism (case-insensitive).",
           .allowed = {"plain", "scram-sha-256", "scram-sha-512", "gssapi"}},
          base::SetEnum(&O::sasl_mechanism, SaslNames()));
  return set;
}

base::OptionSet<O> MakeGssapi() {
  static const base::EnumNames<GssapiAuthType> kAuth{
      {{"user", GssapiAuthType::kUser}, {"keytab", GssapiAuthType::kKeytab}}};
  constexpr std::string_view kPath = "^/[^'\\n]*$";
  constexpr std::string_view kPathDoc = "an absolute path without single quotes";
  constexpr std::string_view kName = "^[A-Za-z0-9._-]+$";
  constexpr std::string_view kNameDoc = "letters, digits, '.', '_' and '-'";
  base::OptionSet<O> set;
  set.Add({.name = "sasl-gssapi-auth-type",
           .kind = OptionKind::kEnum,
           .default_text = "keytab when sasl-gssapi-keytab-path is set, else user",
           .doc = "GSSAPI (Kerberos) login: user runs kinit with sasl-gssapi-password, keytab "
                  "with sasl-gssapi-keytab-path. Needs sasl-mechanism=gssapi.",
           .allowed = {"user", "keytab"}},
          base::SetEnum(&O::gssapi_auth_type, kAuth));
  set.Add({.name = "sasl-gssapi-user",
           .kind = OptionKind::kString,
           .default_text = "(required for gssapi)",
           .doc = "Kerberos principal without the realm (alice/for-kafka for "
                  "alice/for-kafka@EXAMPLE.COM); librdkafka sasl.kerberos.principal.",
           .pattern = "^[A-Za-z0-9._/-]+$",
           .pattern_doc = "letters, digits, '.', '_', '-' and '/'"},
          SetField(&O::gssapi_user));
  set.Add({.name = "sasl-gssapi-password",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "Kerberos password (auth type user); handed to kinit on stdin, never on a "
                  "command line. Never logged.",
           .secret = OptionSecret::kYes},
          SetField(&O::gssapi_password));
  set.Add({.name = "sasl-gssapi-realm",
           .kind = OptionKind::kString,
           .default_text = "default_realm of krb5.conf",
           .doc = "Kerberos realm, appended to sasl-gssapi-user as user@realm (case-sensitive).",
           .pattern = kName,
           .pattern_doc = kNameDoc},
          SetField(&O::gssapi_realm));
  set.Add({.name = "sasl-gssapi-keytab-path",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "Keytab file (auth type keytab); librdkafka sasl.kerberos.keytab.",
           .pattern = kPath,
           .pattern_doc = kPathDoc},
          SetField(&O::gssapi_keytab_path));
  set.Add({.name = "sasl-gssapi-kerberos-config-path",
           .kind = OptionKind::kString,
           .default_text = "/etc/krb5.conf",
           .doc = "krb5.conf to use; set as KRB5_CONFIG for the process (one per sluice "
                  "process) and for kinit.",
           .pattern = kPath,
           .pattern_doc = kPathDoc},
          SetField(&O::gssapi_kerberos_config_path));
  set.Add({.name = "sasl-gssapi-service-name",
           .kind = OptionKind::kString,
           .default_text = "kafka",
           .doc = "Kerberos service name of the brokers (their principal's first part); "
                  "librdkafka sasl.kerberos.service.name.",
           .pattern = kName,
           .pattern_doc = kNameDoc},
          SetField(&O::gssapi_service_name));
  set.Add({.name = "sasl-gssapi-disable-pafxfast",
           .kind = OptionKind::kBool,
           .default_text = "false",
           .doc = "Accepted for TiCDC compatibility. MIT kinit uses PA-FX-FAST only with an "
                  "armor cache (kinit -T), which sluice never passes, so true and false behave "
                  "alike."},
          SetField(&O::gssapi_disable_pafxfast));
  return set;
}

base::OptionSet<O> MakeTls() {
  base::OptionSet<O> set;
  set.Add({.name = "enable-tls",
           .kind = OptionKind::kBool,
           .default_text = "false",
           .doc = "Connect with TLS (1.2+). Turned on automatically when ca/cert/key are given; "
                  "without them the system trust store is used."},
          SetField(&O::enable_tls));
  set.Add({.name = "ca",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "Path of the CA certificate (PEM) that signed the brokers' certificates."},
          SetField(&O::ca));
  set.Add({.name = "cert",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "Path of the client certificate (PEM) for mutual TLS; requires key."},
          SetField(&O::cert));
  set.Add({.name = "key",
           .kind = OptionKind::kString,
           .default_text = "",
           .doc = "Path of the client private key (PEM) for mutual TLS; requires cert."},
          SetField(&O::key));
  set.Add({.name = "insecure-skip-verify",
           .kind = OptionKind::kBool,
           .default_text = "false",
           .doc = "Do not verify the brokers' certificates and host names (TLS only; testing)."},
          SetField(&O::insecure_skip_verify));
  return set;
}

base::OptionSet<O> MakeClient() {
  base::OptionSet<O> set;
  set.Add({.name = "kafka-client-id",
           .kind = OptionKind::kString,
           .default_text = "sluice_producer (sink), sluice_consumer (source)",
           .doc = "Kafka client.id of the producer or consumer.",
           .pattern = "^[A-Za-z0-9._-]+$",
           .pattern_doc = "letters, digits, '.', '_' and '-'"},
          SetField(&O::kafka_client_id));
  set.Add({.name = "dial-timeout",
           .kind = OptionKind::kDuration,
           .default_text = "10s",
           .doc = "Timeout for connecting to a broker and for the reachability check at start.",
           .min = 1,
           .max = 3600000},
          SetField(&O::dial_timeout));
  set.Add({.name = "read-timeout",
           .kind = OptionKind::kDuration,
           .default_text = "10s",
           .doc = "Timeout for a broker response (socket timeout).",
           .min = 1,
           .max = 3600000},
          SetField(&O::read_timeout));
  set.Add({.name = "reconnect-backoff-max",
           .kind = OptionKind::kDuration,
           .default_text = "500ms",
           .doc = "Longest wait between attempts to reconnect to a broker that went away (starts "
                  "at 100 ms or this value, whichever is less, and doubles; librdkafka adds "
                  "-25%..+50% jitter). It bounds how soon deliveries resume after a broker is "
                  "back; librdkafka's own default is 10s.",
           .min = 10,
           .max = 3600000},
          SetField(&O::reconnect_backoff_max));
  return set;
}

base::OptionSet<O> Make() {
  base::OptionSet<O> set;
  for (const auto& part : {MakeClient(), MakeSasl(), MakeGssapi(), MakeTls()}) {
    for (const auto& e : part.entries()) set.Add(e.spec, e.apply);
  }
  set.AddValidator(ValidateSasl);
  set.AddValidator(ValidateGssapi);
  set.AddValidator(ValidateTls);
  return set;
}

}  // namespace

std::string_view SaslMechanismName(SaslMechanism m) { return SaslNames().Name(m); }

std::string ConnectionOptions::GssapiPrincipal() const {
  return gssapi_realm.empty() ? gssapi_user : gssapi_user + "@" + gssapi_realm;
}

std::string ConnectionOptions::BrokerList() const {
  std::string out;
  for (size_t i = 0; i < brokers.size(); ++i) {
    if (i) out += ',';
    out += brokers[i];
  }
  return out;
}

std::string ConnectionOptions::SecurityProtocol() const {
  bool sasl = sasl_mechanism != SaslMechanism::kNone;
  return enable_tls ? (sasl ? "SASL_SSL" : "SSL") : (sasl ? "SASL_PLAINTEXT" : "PLAINTEXT");
}

std::string ConnectionOptions::RedactedUserinfo() const {
  if (!userinfo_given) return "";
  return fmt::format("{}:{}@", base::PercentEncode(sasl_user, "/:*,"), base::kSecretMask);
}

bool ValidTopicName(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool IsKafkaScheme(std::string_view scheme) {
  std::string s = base::ToLower(scheme);
  return s == "kafka" || s == "kafka+ssl";
}

const base::OptionSet<ConnectionOptions>& ConnectionOptionSet() {
  static const base::OptionSet<ConnectionOptions> set = Make();
  return set;
}

base::Status ApplyAuthority(const base::UriParts& uri, std::string_view usage,
                            ConnectionOptions* o, const base::OptionContext& ctx) {
  o->tls_scheme = base::ToLower(uri.scheme) == "kafka+ssl";
  if (uri.has_userinfo) {
    SLUICE_ASSIGN_OR_RETURN(o->sasl_user, Decode(uri.user, "the user name", ctx));
    SLUICE_ASSIGN_OR_RETURN(o->sasl_password,
                            Decode(uri.password.value_or(""), "the password", ctx));
    if (o->sasl_user.empty()) {
      return base::InvalidArgument("{}: userinfo has an empty user name; use user:password@",
                                   ctx.what);
    }
    o->userinfo_given = true;
  }
  if (uri.authority.empty()) {
    return base::InvalidArgument("{}: no broker address; use {}", ctx.what, usage);
  }
  std::string what = fmt::format("{}: broker", ctx.what);
  for (const std::string& item : base::SplitList(uri.authority)) {
    if (item.empty()) {
      return base::InvalidArgument(
          "{}: empty broker address in the host list; use host1:port1,host2:port2", ctx.what);
    }
    SLUICE_ASSIGN_OR_RETURN(base::HostPort hp, base::ParseHostPort(item, 9092, what));
    o->brokers.push_back(hp.ToString());
  }
  return base::Status::Ok();
}

}  // namespace sluice::client::kafka
