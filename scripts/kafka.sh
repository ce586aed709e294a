#!/usr/bin/env bash
# Runs a real single-node Apache Kafka 4 broker in KRaft mode (combined broker+controller) on
# loopback, for the demo and the integration tests.
#
#   scripts/kafka.sh start <dir> [port]   # PLAINTEXT on 127.0.0.1:<port> (default 39092),
#                                         # controller on <port+1>; idempotent
#   scripts/kafka.sh stop <dir>           # SIGTERM, wait, then SIGKILL
#   scripts/kafka.sh fetch                # only resolve the jars into the cache
#
# The broker jars come from Maven Central through tools/kafka/pom.xml, resolved once with
# `mvn dependency:copy-dependencies` into ${SLUICE_CACHE:-$HOME/.cache/sluice}/kafka-<ver>/libs
# and re-used from there (works offline once cached). Everything else lives under <dir>:
# server.properties, data/ (log.dirs), logs/, kafka.out (stdout/stderr) and kafka.pid.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pom="$root/tools/kafka/pom.xml"
usage="usage: kafka.sh start <dir> [port] | kafka.sh stop <dir> | kafka.sh fetch"
cmd=${1:?$usage}
if [[ "$cmd" != fetch ]]; then
  dir=$(realpath -m "${2:?$usage}")
else
  dir=$(pwd)
fi
port=${3:-39092}
cport=$((port + 1))
pidfile="$dir/kafka.pid"
java=${JAVA:-java}

log() { echo "[kafka.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n1; }

# Prints the libs directory, resolving the jars with Maven on first use. The cache is keyed by
# the pom's checksum, so editing the pom re-resolves; concurrent starts are serialised by flock.
ensure_libs() {
  local ver cache libs sum
  ver=$(kafka_version)
  [[ -n "$ver" ]] || die "cannot read <kafka.version> from $pom"
  cache="${SLUICE_CACHE:-$HOME/.cache/sluice}/kafka-$ver"
  libs="$cache/libs"
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  mkdir -p "$cache"
  (
    flock -w 600 9 || die "timed out waiting for the lock on $cache"
    if [[ -f "$libs/.complete" && "$(cat "$libs/.complete")" == "$sum" ]]; then exit 0; fi
    command -v mvn >/dev/null || die "maven not installed (scripts/install-deps.sh installs it)"
    log "resolving Kafka $ver jars from Maven Central into $libs (once)"
    rm -rf "$libs.tmp"
    local offline=()
    [[ -n "${SLUICE_OFFLINE:-}" ]] && offline=(-o)
    mvn -q "${offline[@]}" -f "$pom" dependency:copy-dependencies \
      -DoutputDirectory="$libs.tmp" >"$cache/mvn.log" 2>&1 ||
      { cat "$cache/mvn.log" >&2; die "maven could not resolve the Kafka jars (see above)"; }
    echo "$sum" >"$libs.tmp/.complete"
    rm -rf "$libs"
    mv "$libs.tmp" "$libs"
  ) 9>"$cache/.lock"
  echo "$libs"
}

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

java_opts() {
  echo "-Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true" \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties -Dkafka.logs.dir=$dir/logs"
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
  command -v "$java" >/dev/null || die "java not found (scripts/install-deps.sh installs openjdk-17)"

  local libs t0 ver
  t0=$(date +%s%N)
  libs=$(ensure_libs)
  ver=$(kafka_version)
  write_config

  # Format once; a formatted data dir is re-used (topics survive a stop/start).
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    # shellcheck disable=SC2046
    "$java" $(java_opts) -cp "$libs/*" kafka.tools.StorageTool format --standalone \
      -t "$(random_cluster_id)" -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1 ||
      { cat "$dir/logs/format.log" >&2; die "formatting $dir/data failed"; }
  fi

  [[ -f "$dir/logs/server.log" ]] && mv -f "$dir/logs/server.log" "$dir/logs/server.log.1"
  # shellcheck disable=SC2046
  nohup "$java" $(java_opts) -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    >"$dir/kafka.out" 2>&1 </dev/null &
  echo $! >"$pidfile"

  local deadline=$((SECONDS + ${SLUICE_KAFKA_START_TIMEOUT:-60}))
  until port_open "$port" && grep -q "Kafka Server started" "$dir/logs/server.log" 2>/dev/null; do
    if ! running; then
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
  echo "kafka $ver ready on 127.0.0.1:$port (controller :$cport, pid $(cat "$pidfile"), ${ms} ms, dir $dir)"
}

stop() {
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
