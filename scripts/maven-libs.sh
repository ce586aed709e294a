#!/usr/bin/env bash
# Resolves the jars a pom under tools/ lists, once per machine, and prints where they are:
#
#   scripts/maven-libs.sh <pom> <name>
#
# prints ${SLUICE_CACHE:-$HOME/.cache/sluice}/<name>-<version>/libs, where <version> is the pom's
# <name.version> property (tools/kafka/pom.xml has <kafka.version>, tools/debezium/pom.xml
# <debezium.version>, ...). The jars come from Maven Central through
# `mvn dependency:copy-dependencies`; the cache is keyed by the pom's checksum, so editing the pom
# re-resolves, and is re-used from there (offline once cached; SLUICE_OFFLINE=1 makes Maven
# offline). Concurrent callers are serialised by flock. Used by scripts/kafka.sh,
# scripts/flink-formats.sh and bench/debezium.sh.
set -euo pipefail

pom=${1:?usage: maven-libs.sh <pom> <name>}
name=${2:?usage: maven-libs.sh <pom> <name>}

log() { echo "[maven-libs.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

ver=$(sed -n "s:.*<$name.version>\(.*\)</$name.version>.*:\1:p" "$pom" | head -n1)
[[ -n "$ver" ]] || die "cannot read <$name.version> from $pom"
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}/$name-$ver"
libs="$cache/libs"
sum=$(sha256sum "$pom" | cut -d' ' -f1)
mkdir -p "$cache"
(
  flock -w 900 9 || die "timed out waiting for the lock on $cache"
  if [[ -f "$libs/.complete" && "$(cat "$libs/.complete")" == "$sum" ]]; then exit 0; fi
  command -v mvn >/dev/null || die "maven not installed (scripts/install-deps.sh installs it)"
  log "resolving $name $ver jars from Maven Central into $libs (once)"
  rm -rf "$libs.tmp"
  offline=()
  [[ -n "${SLUICE_OFFLINE:-}" ]] && offline=(-o)
  mvn -q "${offline[@]}" -f "$pom" dependency:copy-dependencies \
    -DoutputDirectory="$libs.tmp" >"$cache/mvn.log" 2>&1 ||
    { cat "$cache/mvn.log" >&2; die "maven could not resolve the $name jars of $pom (see above)"; }
  echo "$sum" >"$libs.tmp/.complete"
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
) 9>"$cache/.lock"
echo "$libs"
