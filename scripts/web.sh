#!/usr/bin/env bash
# Builds the web console (web/, TypeScript + Vite 7) into <build dir>/web, where `sluice server`
# finds it by default (<binary>/../../web). Installs web/node_modules exactly as
# web/package-lock.json says (`npm ci`: never rewrites the lock file, fails when it does not
# match package.json) when they are missing or older than the lock file. Needs Node.js >= 20.19.
# Called by scripts/build.sh (so by test.sh and demo.sh too). A build leaves `git status` clean:
# the ctest `build_leaves_tree_clean` (tests/build/) checks it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build}")  # absolute: npm runs in web/
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
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ||
      package.json -nt node_modules/.package-lock.json ]]; then
  # The lock lists every platform's optional packages (rollup, esbuild); npm ci installs the
  # ones for this machine. To change dependencies: `npm install <pkg>` in web/ and commit both
  # package.json and package-lock.json.
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "[web] npm ci failed: web/package-lock.json must match web/package.json; run" \
      "'npm install' in web/ and commit the lock file" >&2
    exit 1
  fi
fi
SLUICE_WEB_OUT="$build/web" npm run --silent build >/dev/null
echo "[web] console built into $build/web"
