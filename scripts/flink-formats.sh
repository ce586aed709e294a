#!/usr/bin/env bash
# Flink's own debezium-json / canal-json formats as an independent consumer for tests.
#
#   scripts/flink-formats.sh fetch                                   # resolve and compile once
#   scripts/flink-formats.sh run <debezium-json|canal-json> <schema> <messages>
#
# The Flink jars come from Maven Central through tools/flink-formats/pom.xml, resolved once with
# `mvn dependency:copy-dependencies` into ${SLUICE_CACHE:-$HOME/.cache/sluice}/flink-formats-<ver>/libs;
# tools/flink-formats/src is compiled with javac into .../classes. Both are keyed by the checksum
# of the pom and the sources and re-used from there (offline once cached; SLUICE_OFFLINE=1 makes
# Maven offline). `run` prints one JSON line per Flink RowData (see FlinkFormats.java).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool="$root/tools/flink-formats"
pom="$tool/pom.xml"
java=${JAVA:-java}

log() { echo "[flink-formats.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

flink_version() { sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$pom" | head -n1; }

# Prints the cache directory holding libs/ and classes/, building them on first use.
# Concurrent callers are serialised by flock.
ensure_built() {
  local ver cache sum
  ver=$(flink_version)
  [[ -n "$ver" ]] || die "cannot read <flink.version> from $pom"
  cache="${SLUICE_CACHE:-$HOME/.cache/sluice}/flink-formats-$ver"
  sum=$(cat "$pom" $(find "$tool/src" -name '*.java' | sort) | sha256sum | cut -d' ' -f1)
  mkdir -p "$cache"
  (
    flock -w 900 9 || die "timed out waiting for the lock on $cache"
    if [[ -f "$cache/.complete" && "$(cat "$cache/.complete")" == "$sum" ]]; then exit 0; fi
    command -v mvn >/dev/null || die "maven not installed (scripts/install-deps.sh installs it)"
    command -v javac >/dev/null || die "javac not installed (scripts/install-deps.sh installs it)"
    log "resolving Flink $ver format jars from Maven Central into $cache/libs (once)"
    rm -rf "$cache/libs.tmp" "$cache/classes.tmp" "$cache/.complete"
    local offline=()
    [[ -n "${SLUICE_OFFLINE:-}" ]] && offline=(-o)
    mvn -q "${offline[@]}" -f "$pom" dependency:copy-dependencies \
      -DoutputDirectory="$cache/libs.tmp" >"$cache/mvn.log" 2>&1 ||
      { cat "$cache/mvn.log" >&2; die "maven could not resolve the Flink jars (see above)"; }
    mkdir -p "$cache/classes.tmp"
    javac --release 17 -nowarn -cp "$cache/libs.tmp/*" -d "$cache/classes.tmp" \
      $(find "$tool/src" -name '*.java') >"$cache/javac.log" 2>&1 ||
      { cat "$cache/javac.log" >&2; die "javac failed on tools/flink-formats (see above)"; }
    rm -rf "$cache/libs" "$cache/classes"
    mv "$cache/libs.tmp" "$cache/libs"
    mv "$cache/classes.tmp" "$cache/classes"
    echo "$sum" >"$cache/.complete"
  ) 9>"$cache/.lock"
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
