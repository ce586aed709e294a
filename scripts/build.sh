#!/usr/bin/env bash
# Configures and builds sluice into <build dir> (default: build/). Used by demo.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
type=${CMAKE_BUILD_TYPE:-RelWithDebInfo}
# librdkafka >= 2.6.1 (SASL/SCRAM with Kafka 4.x), built once per machine into ~/.cache/sluice;
# SLUICE_RDKAFKA_PREFIX=system uses Debian's 2.0.2 instead (no SCRAM with Kafka 4.x).
rdkafka=${SLUICE_RDKAFKA_PREFIX:-$("$root/scripts/librdkafka.sh")}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
  -DSLUICE_RDKAFKA_PREFIX="$rdkafka" >/dev/null
cmake --build "$build" -j "$(nproc)"
# The web console served by `sluice server` (static files in <build dir>/web).
"$root/scripts/web.sh" "$build"
