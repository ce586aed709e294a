#!/usr/bin/env bash
# Flink's own debezium-json / canal-json formats as an independent consumer for tests.
#
#   scripts/flink-formats.sh fetch                                   # resolve and compile once
#   scripts/flink-formats.sh run <debezium-json|canal-json> <schema> <messages>
#
# The Flink jars come from Maven Central through tools/flink-formats/pom.xml, resolved once by
# scripts/maven-libs.sh into ${SLUICE_CACHE:-$HOME/.cache/sluice}/flink-<ver>/libs;
# tools/flink-formats/src is compiled with javac into .../classes, keyed by the checksum of the
# pom and the sources, and re-used from there (offline once cached; SLUICE_OFFLINE=1 makes
# Maven offline). `run` prints one JSON line per Flink RowData (see FlinkFormats.java).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool="$root/tools/flink-formats"
pom="$tool/pom.xml"
java=${JAVA:-java}

log() { echo "[flink-formats.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints the directory holding classes/ (tools/flink-formats/src compiled against the jars) and
# the jars' directory, building them on first use. Concurrent callers are serialised by flock.
ensure_built() {
  local libs cache sum
  libs=$("$root/scripts/maven-libs.sh" "$pom" flink)
  cache=$(dirname "$libs")
  sum=$(cat "$pom" $(find "$tool/src" -name '*.java' | sort) | sha256sum | cut -d' ' -f1)
  (
    flock -w 900 9 || die "timed out waiting for the lock on $cache"
    if [[ -f "$cache/classes/.complete" && "$(cat "$cache/classes/.complete")" == "$sum" ]]; then
      exit 0
    fi
    command -v javac >/dev/null || die "javac not installed (scripts/install-deps.sh installs it)"
    rm -rf "$cache/classes.tmp"
    mkdir -p "$cache/classes.tmp"
    javac --release 17 -nowarn -cp "$libs/*" -d "$cache/classes.tmp" \
      $(find "$tool/src" -name '*.java') >"$cache/javac.log" 2>&1 ||
      { cat "$cache/javac.log" >&2; die "javac failed on tools/flink-formats (see above)"; }
    echo "$sum" >"$cache/classes.tmp/.complete"
    rm -rf "$cache/classes"
    mv "$cache/classes.tmp" "$cache/classes"
  ) 9>"$cache/.classes.lock"
  echo "$cache"
}

case "${1:-}" in
fetch) ensure_built >/dev/null && log "Flink formats ready" ;;
run)
  shift
  [[ $# -eq 3 ]] || die "usage: $0 run <debezium-json|canal-json> <schema> <messages>"
  cache=$(ensure_built)
  exec "$java" -cp "$cache/classes:$cache/libs/*" io.sluice.tools.FlinkFormats "$@"
  ;;
*) die "usage: $0 fetch | run <debezium-json|canal-json> <schema> <messages>" ;;
esac
