#!/usr/bin/env bash
# Real Kafka brokers of three generations on loopback, and the Kafka sink/source integration
# tests run against each (issue 19: TiCDC tests its sink against many Kafka versions).
#
#   scripts/kafka-matrix.sh start <gen> <dir> [port]  # gen 2: Kafka 2.8.2 + ZooKeeper (its own
#                                                     #   zookeeper dependency, on port+1)
#                                                     # gen 3: Kafka 3.9.1, KRaft (controller port+1)
#                                                     # gen 4: scripts/kafka.sh (today's 4.x)
#   scripts/kafka-matrix.sh stop <dir>
#   scripts/kafka-matrix.sh run <build dir> [gen...]  # default gens: 2 3 4
#
# `run` needs the ctest `servers` fixture's MariaDB/PostgreSQL (<build dir>/test-env/env.sh; it
# runs `scripts/test-env.sh up` if missing), starts each generation on a free port block, and
# runs sink_kafka_integration_test and source_kafka_integration_test with SLUICE_KAFKA_BOOTSTRAP
# pointing at it (SLUICE_MATRIX_FILTER narrows them with a gtest filter). Prints one line per
# generation and test binary, and exits non-zero if any failed.
#
# Jars: tools/kafka/pom.xml with -Dkafka.version=<ver>, resolved once from Maven Central into
# ${SLUICE_CACHE:-$HOME/.cache/sluice}/kafka-<ver>/libs (as scripts/kafka.sh does for 4.x), plus
# log4j's 1.2 bridge for 2.8 (it logs through the log4j 1 API).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pom="$root/tools/kafka/pom.xml"
KAFKA2=${SLUICE_KAFKA2_VERSION:-2.8.2}
KAFKA3=${SLUICE_KAFKA3_VERSION:-3.9.1}
java=${JAVA:-java}
log() { echo "[kafka-matrix] $*" >&2; }
die() { log "error: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
usage="usage: kafka-matrix.sh start <2|3|4> <dir> [port] | stop <dir> | run <build dir> [gen...]"

# Prints the libs directory of Kafka <ver>, resolving it once (scripts/maven-libs.sh); 2.x
# brokers also need log4j's 1.2 bridge.
ensure_libs() {
  local extra=()
  [[ "$1" == 2.* ]] && extra=(org.apache.logging.log4j:log4j-1.2-api:2.25.3)
  "$root/scripts/maven-libs.sh" "$pom" kafka "$1" "${extra[@]}"
}

common_props() {
  cat <<PROPS
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
group.initial.rebalance.delay.ms=0
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
PROPS
}

write_log4j() {
  cat >"$dir/log4j2.properties" <<'PROPS'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
PROPS
}

jopts() {
  echo "-Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true" \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties -Dkafka.logs.dir=$dir/logs"
}

# Starts `java <args>` in the background; its pid goes to <dir>/<name>.pid.
spawn() {
  local name=$1
  shift
  # shellcheck disable=SC2046
  nohup "$java" $(jopts) "$@" >"$dir/$name.out" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

wait_ready() {
  local name=$1 p=$2 what=$3
  local deadline=$((SECONDS + ${SLUICE_KAFKA_START_TIMEOUT:-180}))
  until port_open "$p" && { [[ -z "$what" ]] || grep -q "$what" "$dir/logs/server.log" 2>/dev/null; }; do
    kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null ||
      { tail -n 30 "$dir/$name.out" "$dir/logs/server.log" >&2 2>/dev/null; die "$name exited during startup"; }
    ((SECONDS < deadline)) || { stop; die "$name did not become ready on 127.0.0.1:$p"; }
    sleep 0.3
  done
}

start() {
  local gen=$1 t0=$SECONDS libs ver
  mkdir -p "$dir/data" "$dir/logs"
  echo "$gen" >"$dir/generation"
  case "$gen" in
  4)
    "$here/kafka.sh" start "$dir" "$port"
    return
    ;;
  3)
    ver=$KAFKA3
    libs=$(ensure_libs "$ver")
    write_log4j
    {
      echo "process.roles=broker,controller"
      echo "node.id=1"
      echo "controller.quorum.voters=1@127.0.0.1:$((port + 1))"
      echo "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))"
      echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
      echo "controller.listener.names=CONTROLLER"
      echo "inter.broker.listener.name=PLAINTEXT"
      echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
      common_props
    } >"$dir/server.properties"
    if [[ ! -f "$dir/data/meta.properties" ]]; then
      # shellcheck disable=SC2046
      "$java" $(jopts) -cp "$libs/*" kafka.tools.StorageTool format \
        -t "$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | sed 's/^-/A/')" \
        -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1 ||
        { cat "$dir/logs/format.log" >&2; die "formatting failed"; }
    fi
    ;;
  2)
    ver=$KAFKA2
    libs=$(ensure_libs "$ver")
    write_log4j
    mkdir -p "$dir/zk"
    printf 'dataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n' \
      "$dir/zk" "$((port + 1))" >"$dir/zookeeper.properties"
    spawn zookeeper -cp "$libs/*" org.apache.zookeeper.server.quorum.QuorumPeerMain \
      "$dir/zookeeper.properties"
    wait_ready zookeeper "$((port + 1))" ""
    {
      echo "broker.id=1"
      echo "zookeeper.connect=127.0.0.1:$((port + 1))"
      echo "listeners=PLAINTEXT://127.0.0.1:$port"
      echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
      common_props
    } >"$dir/server.properties"
    ;;
  *) die "unknown generation '$gen' (2, 3 or 4)" ;;
  esac
  spawn kafka -cp "$libs/*" kafka.Kafka "$dir/server.properties"
  wait_ready kafka "$port" "started (kafka.server.Kafka"
  echo "kafka $ver (generation $gen) ready on 127.0.0.1:$port ($((SECONDS - t0)) s, dir $dir)"
}

stop_pid() {
  local f="$dir/$1.pid" pid
  [[ -f "$f" ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

stop() {
  if [[ "$(cat "$dir/generation" 2>/dev/null)" == 4 ]]; then
    "$here/kafka.sh" stop "$dir"
    return
  fi
  stop_pid kafka
  stop_pid zookeeper
  echo "stopped (dir $dir)"
}

free_block() {
  local base
  for _ in $(seq 1 100); do
    base=$((42000 + RANDOM % 15000))
    port_open "$base" || port_open "$((base + 1))" || { echo "$base"; return; }
  done
  die "no free port pair"
}

run() {
  local build gens=("$@") failed=0
  build=$(realpath "$1")
  gens=("${@:2}")
  ((${#gens[@]})) || gens=(2 3 4)
  [[ -f "$build/test-env/env.sh" ]] || "$here/test-env.sh" up "$build/test-env"
  for gen in "${gens[@]}"; do
    dir=$(mktemp -d "/tmp/sluice-kafka$gen-XXXXXX")
    port=$(free_block)
    start "$gen" >&2 || { failed=1; continue; }
    sed "s|^SLUICE_KAFKA_BOOTSTRAP=.*|SLUICE_KAFKA_BOOTSTRAP=127.0.0.1:$port|" \
      "$build/test-env/env.sh" >"$dir/env.sh"
    for t in src/sink/kafka/sink_kafka_integration_test src/source/kafka/source_kafka_integration_test; do
      local t0=$SECONDS out
      out="$dir/$(basename "$t").log"
      if SLUICE_TEST_ENV="$dir/env.sh" "$build/$t" --gtest_filter="${SLUICE_MATRIX_FILTER:-*}" \
        >"$out" 2>&1; then
        echo "kafka generation $gen: $(basename "$t"): $(grep -o '[0-9]* tests\? from [0-9]* test suites\? ran' "$out" | head -1), PASSED ($((SECONDS - t0)) s)"
      else
        failed=1
        echo "kafka generation $gen: $(basename "$t"): FAILED ($((SECONDS - t0)) s):"
        grep -E '^\[  FAILED  \]' "$out" | sort -u | sed 's/^/    /'
      fi
    done
    stop >&2
    rm -rf "$dir"
  done
  return $failed
}

cmd=${1:?$usage}
case "$cmd" in
start)
  gen=${2:?$usage}
  dir=$(realpath -m "${3:?$usage}")
  port=${4:-39192}
  start "$gen"
  ;;
stop)
  dir=$(realpath -m "${2:?$usage}")
  stop
  ;;
run) shift; run "$@" ;;
*) echo "$usage" >&2; exit 2 ;;
esac
