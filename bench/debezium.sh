#!/usr/bin/env bash
# Kafka Connect standalone with Debezium's MariaDB connector, for the comparison in run.sh.
#
#   bench/debezium.sh fetch                 resolve the jars (tools/debezium/pom.xml) into
#                                           ${SLUICE_CACHE:-~/.cache/sluice}/debezium-<ver>/libs
#                                           (scripts/maven-libs.sh)
#   bench/debezium.sh start <dir> <rest-port>
#                                           run ConnectStandalone with <dir>/worker.properties
#                                           and <dir>/connector.properties; wait until the task
#                                           is RUNNING; pid in <dir>/connect.pid
#   bench/debezium.sh stop <dir>            SIGTERM (Connect commits offsets), wait, SIGKILL
#
# The JVM gets Kafka's own defaults for Connect (bin/connect-standalone.sh + kafka-run-class.sh):
# -Xms256M -Xmx2G, G1 with MaxGCPauseMillis=20.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pom="$root/tools/debezium/pom.xml"
cmd=${1:?usage: debezium.sh fetch|start <dir> <rest-port>|stop <dir>}

log() { echo "[debezium.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

ensure_libs() { "$root/scripts/maven-libs.sh" "$pom" debezium; }

case "$cmd" in
fetch)
  ensure_libs
  ;;
start)
  dir=$(realpath -m "${2:?dir}")
  rest=${3:?rest port}
  libs=$(ensure_libs)
  mkdir -p "$dir/logs"
  cat >"$dir/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/logs/connect.log
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
PROPS
  name=$(sed -n 's/^name=//p' "$dir/connector.properties")
  nohup java -Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone \
    "$dir/worker.properties" "$dir/connector.properties" >"$dir/connect.out" 2>&1 </dev/null &
  echo $! >"$dir/connect.pid"
  for _ in $(seq 1 600); do
    kill -0 "$(cat "$dir/connect.pid")" 2>/dev/null ||
      { tail -40 "$dir/connect.out" "$dir/logs/connect.log" >&2; die "Connect exited"; }
    if curl -fs "http://127.0.0.1:$rest/connectors/$name/status" 2>/dev/null |
      grep -q '"tasks":\[{"id":0,"state":"RUNNING"'; then
      log "connector $name running (pid $(cat "$dir/connect.pid"))"
      exit 0
    fi
    sleep 0.2
  done
  die "connector $name not RUNNING after 120 s (see $dir/logs/connect.log)"
  ;;
stop)
  dir=$(realpath -m "${2:?dir}")
  [[ -f "$dir/connect.pid" ]] || exit 0
  pid=$(cat "$dir/connect.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/connect.pid"
  ;;
*) die "unknown command $cmd" ;;
esac
