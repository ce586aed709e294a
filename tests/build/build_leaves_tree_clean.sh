#!/usr/bin/env bash
# A build leaves the checkout as it found it: `git status` stays clean.
#
# Clones the committed tree (HEAD, or $SLUICE_CLEAN_TREE_REV) into a temporary directory and runs
# there the build steps that could write next to the sources: CMake's configure (the first step
# of scripts/build.sh) and the web console's build from nothing (scripts/web.sh: `npm ci` from
# web/package-lock.json, then tsc + vite). Then `git status --porcelain` of the clone must be
# empty. It fails when web/package-lock.json is incomplete or out of date (npm ci refuses it; an
# `npm install` would have rewritten it) or when a step writes an untracked or tracked file in the
# tree. The compile itself writes only into the build directory (out-of-source CMake), so it is
# not repeated here. Run by ctest as build_leaves_tree_clean; exit 77 (skipped) when the sources
# are not a git checkout.
set -euo pipefail
src=${SLUICE_SOURCE_DIR:?run through ctest (build_leaves_tree_clean)}
rev=${SLUICE_CLEAN_TREE_REV:-HEAD}
if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  echo "SKIP: $src is not a git checkout"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-clean-tree.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
git clone --quiet --shared --no-checkout "$src" "$tmp/src"
git -C "$tmp/src" -c advice.detachedHead=false checkout --quiet "$(git -C "$src" rev-parse "$rev")"

cmake_args=(-S "$tmp/src" -B "$tmp/build" -G Ninja)
[[ -n "${SLUICE_RDKAFKA_PREFIX:-}" ]] && cmake_args+=(-DSLUICE_RDKAFKA_PREFIX="$SLUICE_RDKAFKA_PREFIX")
echo "== cmake configure (out of source)"
cmake "${cmake_args[@]}" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; exit 1; }
echo "== scripts/web.sh (npm ci + build, fresh node_modules)"
"$tmp/src/scripts/web.sh" "$tmp/build"

status=$(git -C "$tmp/src" status --porcelain --untracked-files=all)
if [[ -n "$status" ]]; then
  echo "FAIL: the build changed the checkout (git status --porcelain):" >&2
  echo "$status" >&2
  git -C "$tmp/src" diff --stat >&2 || true
  exit 1
fi
echo "OK: git status is clean after configure + web build of $(git -C "$src" rev-parse --short "$rev")"
