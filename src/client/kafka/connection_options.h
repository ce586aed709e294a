// ConnectionOptions: how to reach and log in to a Kafka cluster — brokers, client id, timeouts,
// TLS / mutual TLS, SASL PLAIN / SCRAM / GSSAPI (Kerberos). Declared once here and shared by the
// Kafka sink, the Kafka source and the API, so both ends accept exactly the same settings:
//
//   kafka://[user:password@]host1:port1[,host2:port2]/...?sasl-mechanism=scram-sha-512&ca=...
//   kafka+ssl://...   (TLS on, like enable-tls=true)
//
// ConnectionOptionSet() is the option table (base/options.h) with the cross-parameter rules
// (SASL needs user and password, cert needs key, ...); ApplyAuthority() parses the broker list
// and the userinfo of a split URI. Pure (no I/O).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/options.h"
#include "base/status.h"
#include "base/uri.h"

namespace sluice::client::kafka {

enum class SaslMechanism { kNone, kPlain, kScramSha256, kScramSha512, kGssapi };
// How a GSSAPI (Kerberos) client gets its ticket: kinit with a password, or with a keytab.
enum class GssapiAuthType { kUser, kKeytab };

// "none", "plain", "scram-sha-256", "scram-sha-512", "gssapi".
std::string_view SaslMechanismName(SaslMechanism m);

struct ConnectionOptions {
  std::vector<std::string> brokers;  // "host:port", at least one
  std::string kafka_client_id;       // the sink and the source set their own defaults
  std::chrono::milliseconds dial_timeout{10000};
  std::chrono::milliseconds read_timeout{10000};
  // librdkafka reconnect.backoff.max.ms (reconnect.backoff.ms = min(100 ms, this)).
  std::chrono::milliseconds reconnect_backoff_max{500};

  std::string sasl_user;
  std::string sasl_password;  // secret
  SaslMechanism sasl_mechanism = SaslMechanism::kNone;
  bool userinfo_given = false;  // user:password@ in the URI
  bool enable_tls = false;
  bool tls_scheme = false;  // kafka+ssl://
  std::string ca;           // file paths
  std::string cert;
  std::string key;
  bool insecure_skip_verify = false;

  // SASL/GSSAPI (Kerberos), sasl-mechanism=gssapi; see docs/kafka-security.md.
  GssapiAuthType gssapi_auth_type = GssapiAuthType::kUser;
  std::string gssapi_user;      // principal without the realm, e.g. "alice/for-kafka"
  std::string gssapi_password;  // secret; auth type user
  std::string gssapi_realm;     // empty: krb5.conf's default_realm
  std::string gssapi_keytab_path;
  std::string gssapi_kerberos_config_path;  // KRB5_CONFIG
  std::string gssapi_service_name = "kafka";
  bool gssapi_disable_pafxfast = false;

  // "user@REALM" (or "user" without a realm).
  std::string GssapiPrincipal() const;
  // "host1:port1,host2:port2" for bootstrap.servers.
  std::string BrokerList() const;
  // "PLAINTEXT", "SSL", "SASL_PLAINTEXT" or "SASL_SSL".
  std::string SecurityProtocol() const;
  // "user:****@" when the URI had userinfo, else "" (for redacted URIs).
  std::string RedactedUserinfo() const;
};

// A valid Kafka topic name: 1..249 of letters, digits, '.', '_' and '-', not "." or "..".
bool ValidTopicName(std::string_view topic);

// True for the schemes of a Kafka URI: kafka:// and kafka+ssl:// (case-insensitive).
bool IsKafkaScheme(std::string_view scheme);

// The connection parameters (sasl-*, enable-tls, ca, cert, key, insecure-skip-verify,
// dial-timeout, read-timeout, kafka-client-id, sasl-gssapi-*) and their rules.
const base::OptionSet<ConnectionOptions>& ConnectionOptionSet();

// Parses the authority of `uri` (the broker list, default port 9092) and its userinfo (the SASL
// user and password), and notes kafka+ssl://. Errors start with ctx.what; `usage` shows the
// expected form ("kafka://host1:port1[,host2:port2]/<topic>").
base::Status ApplyAuthority(const base::UriParts& uri, std::string_view usage,
                            ConnectionOptions* o, const base::OptionContext& ctx);

}  // namespace sluice::client::kafka
