// librdkafka configuration built from KafkaSinkOptions, the handle deleters and the mapping of
// librdkafka errors to base::Code, shared by KafkaSink, TopicReader, the pre-flight checks and
// the Kafka source (source/kafka builds its consumer configuration here).
#pragma once

#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

#include "base/status.h"
#include "sink/kafka/kafka_sink_options.h"

namespace sluice::sink::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// unique_ptr deleters for the librdkafka handles the producer, admin calls and the connection
// test own.
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};

// Sets one librdkafka property; the error names the property (and hides secret values).
base::Status SetConf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// Connection settings common to producers and consumers: bootstrap.servers, client.id,
// socket/connect timeouts, TLS (security.protocol, ssl.*) and SASL (sasl.*).
base::Status ApplyConnectionConf(rd_kafka_conf_t* conf, const KafkaSinkOptions& options);

// SASL/GSSAPI (Kerberos) settings: sasl.kerberos.service.name, .principal (user@realm),
// .keytab (auth type keytab) and .kinit.cmd: `kinit -t <keytab> -k <principal>` (with -R first to
// renew), or for auth type user `kinit <principal>` fed the password on stdin from the
// environment variable GssapiPasswordEnvName() (set here). A kerberos-config-path is exported
// as KRB5_CONFIG for the process (FailedPrecondition if a different one is set already) and
// prefixed to kinit. Keytab and krb5.conf must be readable (FailedPrecondition naming them).
// Called by ApplyConnectionConf for sasl-mechanism=gssapi.
base::Status ApplyGssapiConf(rd_kafka_conf_t* conf, const KafkaSinkOptions& options);
std::string GssapiPasswordEnvName(const KafkaSinkOptions& options);
// "FILE:$TMPDIR/sluice-krb5cc-<uid>-<hash of principal and keytab path>": the login's own
// ticket cache, emptied and exported as KRB5CCNAME by ApplyGssapiConf.
std::string GssapiCredentialCache(const KafkaSinkOptions& options);

// For a failed SCRAM login: librdkafka before 2.6.1 repeats the client nonce in the SCRAM
// client-final-message, which Kafka 4.x brokers reject as invalid credentials
// (confluentinc/librdkafka#4895). Returns a hint naming that when it applies, else "".
std::string ScramCompatibilityHint(const KafkaSinkOptions& options);

// True for the client-level errors that explain why brokers are unreachable (SASL login, TLS
// handshake). librdkafka 2.x follows them with a generic "n/n brokers are down"
// (_ALL_BROKERS_DOWN) error callback; error callbacks keep the cause instead.
bool IsLoginError(int err);
bool KeepsLoginError(int previous, int next);

// The fix for a failed SASL login: names the mechanism and user, the URI settings to check and,
// for SCRAM, how to create the user's credentials on the broker (plus ScramCompatibilityHint).
std::string SaslLoginFix(const KafkaSinkOptions& options);

// Maps a librdkafka error to what the caller should do (see CONTRIBUTING.md).
base::Code CodeFor(rd_kafka_resp_err_t err);

}  // namespace sluice::sink::kafka::internal
