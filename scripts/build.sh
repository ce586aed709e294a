#!/usr/bin/env bash
# Configures and builds sluice into <build dir> (default: build/). Used by demo.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
type=${CMAKE_BUILD_TYPE:-RelWithDebInfo}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
cmake --build "$build" -j "$(nproc)"
# The web console served by `sluice server` (static files in <build dir>/web).
"$root/scripts/web.sh" "$build"
