#!/usr/bin/env bash
# Resolves the jars a pom under tools/ lists, once per machine, and prints where they are:
#
#   scripts/maven-libs.sh <pom> <name> [<version> [<group:artifact:version>...]]
#
# prints ${SLUICE_CACHE:-$HOME/.cache/sluice}/<name>-<version>/libs. <version> defaults to the
# pom's <name.version> property (tools/kafka/pom.xml has <kafka.version>, tools/debezium/pom.xml
# <debezium.version>, ...); another one is passed to Maven as -D<name>.version=<version>. Extra
# artifacts are copied next to the dependencies. The jars come from Maven Central through
# `mvn dependency:copy-dependencies`; the cache is keyed by the pom's checksum, the version and
# the extras, so editing the pom re-resolves, and is re-used from there (offline once cached;
# SLUICE_OFFLINE=1 makes Maven offline). Concurrent callers are serialised by flock. Used by
# scripts/kafka.sh, scripts/kafka-matrix.sh, scripts/flink-formats.sh and bench/debezium.sh.
set -euo pipefail

usage="usage: maven-libs.sh <pom> <name> [<version> [<group:artifact:version>...]]"
pom=${1:?$usage}
name=${2:?$usage}
ver=${3:-}
extras=("${@:4}")

log() { echo "[maven-libs.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

versions=()
if [[ -z "$ver" ]]; then
  ver=$(sed -n "s:.*<$name.version>\(.*\)</$name.version>.*:\1:p" "$pom" | head -n1)
  [[ -n "$ver" ]] || die "cannot read <$name.version> from $pom"
else
  versions=(-D"$name.version=$ver")
fi
cache="${SLUICE_CACHE:-$HOME/.cache/sluice}/$name-$ver"
libs="$cache/libs"
sum=$(sha256sum "$pom" | cut -d' ' -f1)
[[ ${#versions[@]} -gt 0 || ${#extras[@]} -gt 0 ]] && sum="$sum ${versions[*]} ${extras[*]}"
mkdir -p "$cache"
(
  flock -w 900 9 || die "timed out waiting for the lock on $cache"
  if [[ -f "$libs/.complete" && "$(cat "$libs/.complete")" == "$sum" ]]; then exit 0; fi
  command -v mvn >/dev/null || die "maven not installed (scripts/install-deps.sh installs it)"
  log "resolving $name $ver jars from Maven Central into $libs (once)"
  rm -rf "$libs.tmp"
  offline=()
  [[ -n "${SLUICE_OFFLINE:-}" ]] && offline=(-o)
  mvn -q "${offline[@]}" -f "$pom" "${versions[@]}" dependency:copy-dependencies \
    -DoutputDirectory="$libs.tmp" >"$cache/mvn.log" 2>&1 ||
    { cat "$cache/mvn.log" >&2; die "maven could not resolve the $name $ver jars of $pom (see above)"; }
  for artifact in "${extras[@]}"; do
    mvn -q "${offline[@]}" dependency:copy -Dartifact="$artifact" -DoutputDirectory="$libs.tmp" \
      >>"$cache/mvn.log" 2>&1 ||
      { cat "$cache/mvn.log" >&2; die "maven could not resolve $artifact (see above)"; }
  done
  echo "$sum" >"$libs.tmp/.complete"
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
) 9>"$cache/.lock"
echo "$libs"
