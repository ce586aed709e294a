#!/usr/bin/env bash
# Sets up everything on a fresh Debian 12 machine and runs every test:
#   system packages -> Kafka jars -> build -> ctest (unit tests, then integration tests
#   against a real MariaDB 10.11 and a real Kafka 4 broker that the ctest fixture starts
#   and stops under build/test-env).
# Extra arguments go to ctest, e.g. scripts/test.sh -L unit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/kafka.sh" fetch
"$root/scripts/build.sh" "$root/build"
cd "$root/build"
# Leftovers of an interrupted earlier run would hold the fixture's ports.
"$root/scripts/test-env.sh" down "$root/build/test-env" >/dev/null 2>&1 || true
ctest --output-on-failure --timeout 900 -j 2 "$@"
