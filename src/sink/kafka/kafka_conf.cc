#include "sink/kafka/kafka_conf.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace sluice::sink::kafka::internal {

base::Status SetConf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    bool secret = name.find("password") != std::string::npos;
    return base::InvalidArgument("kafka client setting {}={} rejected by librdkafka: {}", name,
                                 secret ? "******" : value, secret ? "invalid value" : err);
  }
  return base::Status::Ok();
}

std::string GssapiPasswordEnvName(const KafkaSinkOptions& o) {
  // FNV-1a of the principal: one variable per principal, stable across processes.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : o.GssapiPrincipal()) h = (h ^ c) * 1099511628211ULL;
  return fmt::format("SLUICE_KRB5_PASSWORD_{:016x}", h);
}

std::string GssapiCredentialCache(const KafkaSinkOptions& o) {
  // FNV-1a of the principal and where its key comes from (never the password itself).
  std::string id = o.GssapiPrincipal() + '\0' +
                   (o.gssapi_auth_type == GssapiAuthType::kKeytab ? o.gssapi_keytab_path
                                                                  : std::string("password"));
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ULL;
  const char* tmp = std::getenv("TMPDIR");
  return fmt::format("FILE:{}/sluice-krb5cc-{}-{:016x}", tmp && *tmp ? tmp : "/tmp", getuid(), h);
}

std::string GssapiKinitCommand(const KafkaSinkOptions& o) {
  // Values are single-quoted; the option patterns exclude quotes. librdkafka renders
  // %{property} before running the command with system().
  std::string env = o.gssapi_kerberos_config_path.empty()
                        ? ""
                        : fmt::format("KRB5_CONFIG='{}' ", o.gssapi_kerberos_config_path);
  if (o.gssapi_auth_type == GssapiAuthType::kKeytab) {
    return fmt::format(
        "{0}kinit -R -t '%{{sasl.kerberos.keytab}}' -k '%{{sasl.kerberos.principal}}' || "
        "{0}kinit -t '%{{sasl.kerberos.keytab}}' -k '%{{sasl.kerberos.principal}}'",
        env);
  }
  return fmt::format("printf '%s\\n' \"${}\" | {}kinit '%{{sasl.kerberos.principal}}'",
                     GssapiPasswordEnvName(o), env);
}

base::Status ApplyGssapiConf(rd_kafka_conf_t* conf, const KafkaSinkOptions& o) {
  for (auto [what, path] :
       {std::pair{"sasl-gssapi-keytab-path", &o.gssapi_keytab_path},
        std::pair{"sasl-gssapi-kerberos-config-path", &o.gssapi_kerberos_config_path}}) {
    if (!path->empty() && access(path->c_str(), R_OK) != 0) {
      return base::FailedPrecondition("{}={} is not readable ({}); give a readable file", what,
                                      *path, std::strerror(errno));
    }
  }
  if (!o.gssapi_kerberos_config_path.empty()) {
    // The Kerberos library inside this process (Cyrus SASL's GSSAPI plugin) reads KRB5_CONFIG,
    // so it is per process, not per changefeed.
    const char* have = std::getenv("KRB5_CONFIG");
    if (have && *have && o.gssapi_kerberos_config_path != have) {
      return base::FailedPrecondition(
          "sasl-gssapi-kerberos-config-path={} differs from KRB5_CONFIG={} already set for this "
          "process (by its environment or another changefeed); one sluice process uses one "
          "krb5.conf: give the same file, or run the changefeeds in separate processes",
          o.gssapi_kerberos_config_path, have);
    }
    setenv("KRB5_CONFIG", o.gssapi_kerberos_config_path.c_str(), 1);
  }
  // The ticket cache is this login's own, emptied here: a kinit that fails (wrong keytab or
  // password, unknown principal) must not leave the login to another principal's or an older
  // ticket in a shared cache, which the GSSAPI plugin would silently use. Like KRB5_CONFIG it is
  // per process (KRB5CCNAME, inherited by kinit): one Kerberos login per sluice process.
  std::string ccache = GssapiCredentialCache(o);
  std::remove(ccache.substr(5).c_str());
  setenv("KRB5CCNAME", ccache.c_str(), 1);
  if (o.gssapi_auth_type == GssapiAuthType::kUser) {
    // kinit reads the password from stdin; it reaches the command through this process's
    // environment (readable only by its user), never through a command line.
    setenv(GssapiPasswordEnvName(o).c_str(), o.gssapi_password.c_str(), 1);
  } else {
    SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.kerberos.keytab", o.gssapi_keytab_path));
  }
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.kerberos.service.name", o.gssapi_service_name));
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.kerberos.principal", o.GssapiPrincipal()));
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.kerberos.kinit.cmd", GssapiKinitCommand(o)));
  return base::Status::Ok();
}

base::Status ApplyConnectionConf(rd_kafka_conf_t* conf, const KafkaSinkOptions& o) {
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "bootstrap.servers", o.BrokerList()));
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "client.id", o.kafka_client_id));
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "socket.connection.setup.timeout.ms",
                                 std::to_string(std::max<int64_t>(1000, o.dial_timeout.count()))));
  SLUICE_RETURN_IF_ERROR(
      SetConf(conf, "socket.timeout.ms",
              std::to_string(std::max<int64_t>(
                  10, std::max(o.read_timeout.count(), o.write_timeout.count())))));
  // A broker that went away is retried quickly (librdkafka's default backs off up to 10 s, so
  // deliveries resumed up to 10 s after the broker was back).
  const int64_t reconnect_max = std::max<int64_t>(10, o.reconnect_backoff_max.count());
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "reconnect.backoff.ms",
                                 std::to_string(std::min<int64_t>(100, reconnect_max))));
  SLUICE_RETURN_IF_ERROR(
      SetConf(conf, "reconnect.backoff.max.ms", std::to_string(reconnect_max)));
  // Loopback and small clusters: do not resolve "localhost" to ::1 first.
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "broker.address.family", "any"));

  bool sasl = o.sasl_mechanism != SaslMechanism::kNone;
  const char* protocol =
      o.enable_tls ? (sasl ? "sasl_ssl" : "ssl") : (sasl ? "sasl_plaintext" : "plaintext");
  SLUICE_RETURN_IF_ERROR(SetConf(conf, "security.protocol", protocol));
  if (o.enable_tls) {
    if (!o.ca.empty()) SLUICE_RETURN_IF_ERROR(SetConf(conf, "ssl.ca.location", o.ca));
    if (!o.cert.empty()) SLUICE_RETURN_IF_ERROR(SetConf(conf, "ssl.certificate.location", o.cert));
    if (!o.key.empty()) SLUICE_RETURN_IF_ERROR(SetConf(conf, "ssl.key.location", o.key));
    if (o.insecure_skip_verify) {
      SLUICE_RETURN_IF_ERROR(SetConf(conf, "enable.ssl.certificate.verification", "false"));
      SLUICE_RETURN_IF_ERROR(SetConf(conf, "ssl.endpoint.identification.algorithm", "none"));
    } else {
      SLUICE_RETURN_IF_ERROR(SetConf(conf, "ssl.endpoint.identification.algorithm", "https"));
    }
  }
  if (sasl) {
    const char* mech = "PLAIN";
    switch (o.sasl_mechanism) {
      case SaslMechanism::kScramSha256:
        mech = "SCRAM-SHA-256";
        break;
      case SaslMechanism::kScramSha512:
        mech = "SCRAM-SHA-512";
        break;
      case SaslMechanism::kGssapi:
        mech = "GSSAPI";
        break;
      default:
        break;
    }
    SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.mechanisms", mech));
    if (o.sasl_mechanism != SaslMechanism::kGssapi) {
      SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.username", o.sasl_user));
      SLUICE_RETURN_IF_ERROR(SetConf(conf, "sasl.password", o.sasl_password));
    } else {
      SLUICE_RETURN_IF_ERROR(ApplyGssapiConf(conf, o));
    }
  }
  return base::Status::Ok();
}

std::string ScramCompatibilityHint(const KafkaSinkOptions& o) {
  bool scram = o.sasl_mechanism == SaslMechanism::kScramSha256 ||
               o.sasl_mechanism == SaslMechanism::kScramSha512;
  if (!scram || rd_kafka_version() >= 0x020601ff) return "";
  return fmt::format(
      "; note: this build uses librdkafka {}, whose SCRAM login Kafka 4.x brokers reject even "
      "with the right password (fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895): "
      "upgrade librdkafka, or use sasl-mechanism=plain over TLS",
      rd_kafka_version_str());
}

bool IsLoginError(int err) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL;
}

bool KeepsLoginError(int previous, int next) {
  return IsLoginError(previous) &&
         (next == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || next == RD_KAFKA_RESP_ERR__TRANSPORT);
}

std::string SaslLoginFix(const KafkaSinkOptions& o) {
  std::string mech(SaslMechanismName(o.sasl_mechanism));
  std::string upper = mech;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  if (o.sasl_mechanism == SaslMechanism::kGssapi) {
    return fmt::format(
        "check sasl-gssapi-user, sasl-gssapi-realm, the {} and sasl-gssapi-service-name in the "
        "sink URI (login as Kerberos principal '{}' to service '{}'); the host needs kinit "
        "(krb5-user) and the Cyrus GSSAPI plugin (libsasl2-modules-gssapi-mit)",
        o.gssapi_auth_type == GssapiAuthType::kKeytab ? "sasl-gssapi-keytab-path"
                                                      : "sasl-gssapi-password",
        o.GssapiPrincipal(), o.gssapi_service_name);
  }
  std::string fix = fmt::format(
      "check sasl-user, sasl-password and sasl-mechanism={} in the sink URI (login as user '{}' "
      "with SASL {})",
      mech, o.sasl_user, upper);
  if (o.sasl_mechanism == SaslMechanism::kScramSha256 ||
      o.sasl_mechanism == SaslMechanism::kScramSha512) {
    fix += fmt::format(
        "; a SCRAM user needs {} credentials on the brokers, e.g. kafka-configs.sh "
        "--bootstrap-server {} --alter --add-config '{}=[password=<password>]' --entity-type "
        "users --entity-name {}",
        upper, o.brokers.empty() ? std::string("<broker>") : o.brokers.front(), upper, o.sasl_user);
  }
  return fix + ScramCompatibilityHint(o);
}

base::Code CodeFor(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return base::Code::kOk;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return base::Code::kResourceExhausted;
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
      return base::Code::kFailedPrecondition;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return base::Code::kNotFound;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return base::Code::kDeadlineExceeded;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return base::Code::kUnavailable;
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE:
    case RD_KAFKA_RESP_ERR__INCONSISTENT:
      return base::Code::kDataLoss;
    default:
      return base::Code::kInternal;
  }
}

}  // namespace sluice::sink::kafka::internal
