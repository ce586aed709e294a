#!/usr/bin/env bash
# Runs a real single-node Apache Kafka 4 broker in KRaft mode (combined broker+controller) on
# loopback, for the demo and the integration tests.
#
#   scripts/kafka.sh start <dir> [port]   # PLAINTEXT on 127.0.0.1:<port> (default 39092),
#                                         # controller on <port+1>; idempotent
#   scripts/kafka.sh start-secure <dir> [port]
#                                         # as start, plus secured listeners (below)
#   scripts/kafka.sh stop <dir>           # SIGTERM, wait, then SIGKILL
#   scripts/kafka.sh fetch                # only resolve the jars into the cache
#
# The broker jars come from Maven Central through tools/kafka/pom.xml, resolved once by
# scripts/maven-libs.sh into ${SLUICE_CACHE:-$HOME/.cache/sluice}/kafka-<ver>/libs and re-used
# from there (works offline once cached). Everything else lives under <dir>:
# server.properties, data/ (log.dirs), logs/, kafka.out (stdout/stderr) and kafka.pid.
#
# start-secure (also: SLUICE_KAFKA_SECURE=1 with start) adds, for security tests:
#   <port>    PLAINTEXT       inter-broker listener; principal User:ANONYMOUS is a super user
#   <port+1>  CONTROLLER      PLAINTEXT
#   <port+2>  SASL_PLAINTEXT  PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
#   <port+3>  SSL             server certificate for 127.0.0.1/localhost, no client auth
#   <port+4>  SSL (mTLS)      client certificate required (signed by the same CA)
#   <port+5>  SASL_SSL        PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 over TLS (same certificate)
#   <port+6>  SASL_PLAINTEXT  GSSAPI (Kerberos; the JVM's Krb5LoginModule with a keytab) against
#                             an MIT KDC that start-secure starts under <dir>/kdc (scripts/kdc.sh;
#                             realm SLUICE.TEST, service principal kafka/127.0.0.1)
# with StandardAuthorizer, allow.everyone.if.no.acl.found=false and super.users admin,
# ANONYMOUS (the PLAINTEXT/controller listeners) and the client certificate's DN.
# Users (same password for PLAIN and both SCRAM mechanisms; SCRAM ones created at format time):
#   admin/admin-secret (super user), alice/alice-secret, bob/bob-secret (no ACLs are created:
#   tests grant them through the admin API).
# Certificates (openssl, under <dir>/tls): ca.pem, server.pem/server-key.pem, client.pem,
# client-key.pem, and other-ca.pem (an unrelated CA, for bad-certificate tests).
# <dir>/secure.env lists the ports and paths as KEY=VALUE lines (and the KDC's, from kdc.env);
# stop also stops the KDC.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pom="$root/tools/kafka/pom.xml"
usage="usage: kafka.sh start|start-secure <dir> [port] | kafka.sh stop <dir> | kafka.sh fetch"
cmd=${1:?$usage}
if [[ "$cmd" != fetch ]]; then
  dir=$(realpath -m "${2:?$usage}")
else
  dir=$(pwd)
fi
port=${3:-39092}
cport=$((port + 1))
secure=${SLUICE_KAFKA_SECURE:-}
if [[ "$cmd" == start-secure ]]; then
  cmd=start
  secure=1
fi
[[ "$secure" == 0 ]] && secure=
sasl_port=$((port + 2))
ssl_port=$((port + 3))
mtls_port=$((port + 4))
sasl_ssl_port=$((port + 5))
gssapi_port=$((port + 6))
client_dn="CN=sluice-client,O=sluice"
pidfile="$dir/kafka.pid"
java=${JAVA:-java}

log() { echo "[kafka.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n1; }

# Prints the libs directory, resolving the jars with Maven on first use (scripts/maven-libs.sh).
ensure_libs() { "$here/maven-libs.sh" "$pom" kafka; }

# True if the pid in the pid file is a live Kafka broker started for this directory.
running() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid=$(cat "$pidfile")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $dir/server.properties"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Kafka cluster ids are 16 random bytes in unpadded URL-safe base64, not starting with '-'.
random_cluster_id() {
  local id
  while :; do
    id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

write_config() {
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<PROPS
# Written by scripts/kafka.sh; regenerated on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Room above the sink's 10 MiB default max-message-bytes.
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
socket.request.max.bytes=104857600
log.retention.hours=24
log.segment.bytes=104857600
PROPS
  cat >"$dir/log4j2.properties" <<'PROPS'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
PROPS
}

# A test CA, a server certificate for 127.0.0.1/localhost, a client certificate and an
# unrelated CA, all PEM; regenerated only when missing.
make_certs() {
  local t="$dir/tls"
  [[ -f "$t/.complete" ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
  mkdir -p "$t"
  (
    cd "$t"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 3650 \
      -subj "/CN=sluice test CA" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca-key.pem -out other-ca.pem \
      -days 3650 -subj "/CN=unrelated CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr \
      -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -out server.pem -days 3650 -extfile server.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout client-key.pem -out client.csr \
      -subj "/O=sluice/CN=sluice-client" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
      -out client.pem -days 3650 -extfile client.ext 2>/dev/null
    # Kafka's PEM key store: PKCS#8 private key followed by the certificate chain.
    cat server-key.pem server.pem ca.pem >server-keystore.pem
  ) || die "generating test certificates in $t failed"
  touch "$t/.complete"
}

write_secure_config() {
  local t="$dir/tls" users="" u
  for u in admin alice bob; do users+=" user_$u=\"$u-secret\""; done
  local extra_l="SASL_SSL://127.0.0.1:$sasl_ssl_port,KERBEROS://127.0.0.1:$gssapi_port"
  sed -i -e "s|^listeners=.*|listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port,MTLS://127.0.0.1:$mtls_port,$extra_l|" \
    -e "s|^advertised.listeners=.*|advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port,MTLS://127.0.0.1:$mtls_port,$extra_l|" \
    -e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,KERBEROS:SASL_PLAINTEXT|" \
    "$dir/server.properties"
  cat >>"$dir/server.properties" <<PROPS
# --- start-secure ---
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS;User:$client_dn
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$users;
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$t/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$t/ca.pem
ssl.client.auth=none
listener.name.mtls.ssl.client.auth=required
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$users;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.kerberos.sasl.enabled.mechanisms=GSSAPI
listener.name.kerberos.gssapi.sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="$SLUICE_KDC_SERVICE_KEYTAB" principal="$SLUICE_KDC_SERVICE_PRINCIPAL";
sasl.kerberos.service.name=kafka
PROPS
  cat >"$dir/secure.env" <<ENV
SLUICE_KAFKA_SECURE_PLAINTEXT=127.0.0.1:$port
SLUICE_KAFKA_SECURE_SASL=127.0.0.1:$sasl_port
SLUICE_KAFKA_SECURE_SSL=127.0.0.1:$ssl_port
SLUICE_KAFKA_SECURE_MTLS=127.0.0.1:$mtls_port
SLUICE_KAFKA_SECURE_TLS_DIR=$t
SLUICE_KAFKA_SECURE_CLIENT_PRINCIPAL=User:$client_dn
SLUICE_KAFKA_SECURE_SASL_SSL=127.0.0.1:$sasl_ssl_port
SLUICE_KAFKA_SECURE_GSSAPI=127.0.0.1:$gssapi_port
ENV
  cat "$dir/kdc/kdc.env" >>"$dir/secure.env"
}

# The MIT KDC of the GSSAPI listener (scripts/kdc.sh, under <dir>/kdc); exports its kdc.env.
start_kdc() {
  "$here/kdc.sh" start "$dir/kdc" >&2 || die "starting the KDC for the GSSAPI listener failed"
  set -a
  # shellcheck disable=SC1091
  source "$dir/kdc/kdc.env"
  set +a
}

# SCRAM credentials are stored in the KRaft metadata log, so they are added when formatting.
scram_args() {
  local u m
  for u in admin alice bob; do
    for m in SCRAM-SHA-256 SCRAM-SHA-512; do
      printf '%s\n' --add-scram "$m=[name=\"$u\",password=\"$u-secret\"]"
    done
  done
}

java_opts() {
  echo "-Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true" \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties -Dkafka.logs.dir=$dir/logs"
  [[ -n "$secure" ]] && echo "-Djava.security.krb5.conf=$dir/kdc/krb5.conf"
  return 0
}

start() {
  if running; then
    if port_open "$port"; then
      echo "kafka already running on 127.0.0.1:$port (pid $(cat "$pidfile"), dir $dir)"
      return 0
    fi
    die "a broker for $dir runs (pid $(cat "$pidfile")) but 127.0.0.1:$port does not answer; stop it first"
  fi
  port_open "$port" && die "127.0.0.1:$port is already in use by another process; pick another port"
  port_open "$cport" && die "controller port 127.0.0.1:$cport is already in use; pick another port"
  if [[ -n "$secure" ]]; then
    local p
    for p in "$sasl_port" "$ssl_port" "$mtls_port" "$sasl_ssl_port" "$gssapi_port"; do
      port_open "$p" && die "port 127.0.0.1:$p (secure listeners use port+2..port+6) is in use; pick another port"
    done
  fi
  command -v "$java" >/dev/null || die "java not found (scripts/install-deps.sh installs openjdk-17)"

  local libs t0 ver
  t0=$(date +%s%N)
  libs=$(ensure_libs)
  ver=$(kafka_version)
  write_config
  if [[ -n "$secure" ]]; then
    make_certs
    start_kdc
    write_secure_config
  fi

  # Format once; a formatted data dir is re-used (topics survive a stop/start).
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local extra=()
    [[ -n "$secure" ]] && mapfile -t extra < <(scram_args)
    # shellcheck disable=SC2046
    "$java" $(java_opts) -cp "$libs/*" kafka.tools.StorageTool format --standalone \
      -t "$(random_cluster_id)" -c "$dir/server.properties" "${extra[@]}" \
      >"$dir/logs/format.log" 2>&1 ||
      { cat "$dir/logs/format.log" >&2; die "formatting $dir/data failed"; }
  fi

  [[ -f "$dir/logs/server.log" ]] && mv -f "$dir/logs/server.log" "$dir/logs/server.log.1"
  # shellcheck disable=SC2046
  nohup "$java" $(java_opts) -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    >"$dir/kafka.out" 2>&1 </dev/null &
  echo $! >"$pidfile"

  local deadline=$((SECONDS + ${SLUICE_KAFKA_START_TIMEOUT:-60}))
  until port_open "$port" && grep -q "Kafka Server started" "$dir/logs/server.log" 2>/dev/null; do
    # kill -0, not running(): right after the fork /proc/<pid>/cmdline may not show java yet.
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      tail -n 30 "$dir/kafka.out" "$dir/logs/server.log" >&2 || true
      rm -f "$pidfile"
      die "broker exited during startup (logs in $dir/logs)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$dir/logs/server.log" >&2 || true
      stop >/dev/null
      die "broker did not become ready on 127.0.0.1:$port within ${SLUICE_KAFKA_START_TIMEOUT:-60}s"
    fi
    sleep 0.2
  done
  local ms=$((($(date +%s%N) - t0) / 1000000))
  local extra_msg=""
  [[ -n "$secure" ]] && extra_msg=", SASL :$sasl_port, SSL :$ssl_port, mTLS :$mtls_port, SASL_SSL :$sasl_ssl_port, GSSAPI :$gssapi_port"
  echo "kafka $ver ready on 127.0.0.1:$port (controller :$cport$extra_msg, pid $(cat "$pidfile"), ${ms} ms, dir $dir)"
}

stop() {
  if [[ -d "$dir/kdc" ]]; then "$here/kdc.sh" stop "$dir/kdc" >/dev/null || true; fi
  if ! running; then
    rm -f "$pidfile"
    echo "kafka not running (dir $dir)"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker pid $pid ignored SIGTERM for 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  echo "kafka stopped (pid $pid, dir $dir)"
}

case "$cmd" in
start) start ;;
stop) stop ;;
fetch) ensure_libs >/dev/null && log "Kafka jars ready" ;;
*) echo "$usage" >&2; exit 2 ;;
esac
