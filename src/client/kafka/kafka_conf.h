// The librdkafka layer shared by the Kafka sink (producer), the Kafka source (consumer group),
// the pre-flight checks and TopicReader: configuration built from ConnectionOptions, RAII
// handles, the librdkafka error -> base::Code mapping and the login-failure explanations.
// Only client/kafka, sink/kafka and source/kafka include <librdkafka/rdkafka.h>.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

#include "base/status.h"
#include "client/kafka/connection_options.h"

namespace sluice::client::kafka {

// unique_ptr deleters for the librdkafka handles.
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
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
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Sets one librdkafka property; the error names the property (and hides secret values).
base::Status SetConf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// Connection settings common to producers and consumers: bootstrap.servers, client.id,
// socket/connect timeouts, TLS (security.protocol, ssl.*) and SASL (sasl.*). socket.timeout.ms
// is the longer of read-timeout and `request_timeout` (the producer's write-timeout).
base::Status ApplyConnectionConf(rd_kafka_conf_t* conf, const ConnectionOptions& options,
                                 std::chrono::milliseconds request_timeout = {});

// SASL/GSSAPI (Kerberos) settings: sasl.kerberos.service.name, .principal (user@realm),
// .keytab (auth type keytab) and .kinit.cmd: `kinit -t <keytab> -k <principal>` (with -R first to
// renew), or for auth type user `kinit <principal>` fed the password on stdin from the
// environment variable GssapiPasswordEnvName() (set here). A kerberos-config-path is exported
// as KRB5_CONFIG for the process (FailedPrecondition if a different one is set already) and
// prefixed to kinit. Keytab and krb5.conf must be readable (FailedPrecondition naming them).
// Called by ApplyConnectionConf for sasl-mechanism=gssapi.
base::Status ApplyGssapiConf(rd_kafka_conf_t* conf, const ConnectionOptions& options);
std::string GssapiPasswordEnvName(const ConnectionOptions& options);
// "FILE:$TMPDIR/sluice-krb5cc-<uid>-<hash of principal and keytab path>": the login's own
// ticket cache, emptied and exported as KRB5CCNAME by ApplyGssapiConf.
std::string GssapiCredentialCache(const ConnectionOptions& options);

// For a failed SCRAM login: librdkafka before 2.6.1 repeats the client nonce in the SCRAM
// client-final-message, which Kafka 4.x brokers reject as invalid credentials
// (confluentinc/librdkafka#4895). Returns a hint naming that when it applies, else "".
std::string ScramCompatibilityHint(const ConnectionOptions& options);

// True for the client-level errors that explain why brokers are unreachable (SASL login, TLS
// handshake). librdkafka 2.x follows them with a generic "n/n brokers are down"
// (_ALL_BROKERS_DOWN) error callback; error callbacks keep the cause instead.
bool IsLoginError(int err);
bool KeepsLoginError(int previous, int next);

// The fix for a failed SASL login: names the mechanism and user, the settings to check in
// `configured_by` ("sink URI") and, for SCRAM, how to create the user's credentials on the
// broker (plus ScramCompatibilityHint).
std::string SaslLoginFix(const ConnectionOptions& options, std::string_view configured_by);

// Maps a librdkafka error to what the caller should do (see CONTRIBUTING.md).
base::Code CodeFor(rd_kafka_resp_err_t err);

// Reads one config entry of a broker (RD_KAFKA_RESOURCE_BROKER, resource = broker id) or topic
// resource with DescribeConfigs. Returns the librdkafka error (NO_ERROR with *value set; __NOENT
// when the entry is missing) and a reason in *errstr.
rd_kafka_resp_err_t DescribeConfig(rd_kafka_t* rk, rd_kafka_ResourceType_t type,
                                   const std::string& resource, const std::string& name,
                                   int timeout_ms, std::string* value, std::string* errstr);
// The same as a Result: DeadlineExceeded, NotFound (no such entry) or the mapped code.
base::Result<std::string> DescribeConfigValue(rd_kafka_t* rk, rd_kafka_ResourceType_t type,
                                              const std::string& resource, const std::string& name,
                                              int timeout_ms);

}  // namespace sluice::client::kafka
