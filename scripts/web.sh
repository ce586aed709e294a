#!/usr/bin/env bash
# Builds the web console (web/, TypeScript + Vite 7) into <build dir>/web, where `sluice server`
# finds it by default (<binary>/../../web). Installs web/node_modules from package-lock.json
# with `npm install` when they are missing or older than the lock file. Needs Node.js >= 20.19.
# Called by scripts/build.sh (so by test.sh and demo.sh too).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
web="$root/web"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[web] node and npm are needed to build the console (Node.js >= 20.19)" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  echo "[web] Node.js $(node --version) is too old for Vite 7; install Node.js >= 20.19" >&2
  exit 1
fi
cd "$web"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # `npm install` with the committed lock file, not `npm ci`: the lock lists only the rollup
  # binaries for the platforms this registry serves (linux x64/arm64), and `npm ci` refuses a
  # lock without every platform's optional package. The versions installed are the locked ones.
  npm install --no-audit --no-fund --loglevel=error
fi
SLUICE_WEB_OUT="$build/web" npm run --silent build >/dev/null
echo "[web] console built into $build/web"
