#!/usr/bin/env bash
# Builds the librdkafka that sluice links (once per machine) and prints its install prefix.
#
#   scripts/librdkafka.sh            -> ~/.cache/sluice/librdkafka-<version> (stdout, one line)
#
# Why not Debian 12's librdkafka-dev (2.0.2): before 2.6.1 librdkafka repeats the client nonce
# in the SCRAM client-final-message, and Kafka 4.x brokers reject that as invalid credentials
# (confluentinc/librdkafka#4895), so SASL/SCRAM cannot log in. See docs/kafka-security.md.
#
# Source: the librdkafka tree vendored, unmodified, in the Rust crate rdkafka-sys (the crate's
# version carries the librdkafka version after the '+'), fetched with cargo from the Rust package
# registry and pinned by sha256 (the registry's own checksum of the .crate file). Build:
# mklove ./configure with OpenSSL, Cyrus SASL (GSSAPI), zstd, external lz4, zlib, builtin
# snappy; no libcurl (only for OIDC token fetching, which sluice does not offer). Shared library;
# CMake links it by full path and the build-tree RPATH finds it at run time (no
# LD_LIBRARY_PATH). Idempotent and safe to run concurrently (flock): a finished prefix carries a
# stamp with the source hash and flags and is reused by every checkout and CI run on the
# machine. Build deps (libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev) come from
# scripts/install-deps.sh.
#
# Environment: SLUICE_CACHE_DIR (default ~/.cache/sluice); cargo on PATH (or in ~/.cargo/bin)
# for the one download.
set -euo pipefail

version=2.12.1
crate=rdkafka-sys-4.10.0+2.12.1
sha256=e234cf318915c1059d4921ef7f75616b5219b10b46e9f3a511a15eb4b56a3f77
flags=(--enable-ssl --enable-gssapi --enable-zstd --enable-zlib --enable-lz4-ext --disable-curl)

cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
prefix="$cache/librdkafka-$version"
stamp="$prefix/.sluice-stamp"
want="$sha256 ${flags[*]}"
log() { echo "[librdkafka] $*" >&2; }

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$prefix"
  exit 0
fi

mkdir -p "$cache/downloads"
exec 9>"$cache/librdkafka-$version.lock"
flock 9
# Another run may have finished while this one waited for the lock.
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$prefix"
  exit 0
fi

archive="$cache/downloads/$crate.crate"
if [[ ! -f "$archive" ]] || ! echo "$sha256  $archive" | sha256sum -c --status; then
  # cargo downloads the crate (and its few small dependencies) into its registry cache; a
  # throwaway manifest that depends on exactly this version is the ordinary way to ask for it.
  cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
  [[ -x "$cargo" ]] || { log "cargo is needed once to fetch $crate; install Rust's cargo"; exit 1; }
  fetch=$(mktemp -d)
  mkdir -p "$fetch/src" && touch "$fetch/src/lib.rs"
  cat >"$fetch/Cargo.toml" <<TOML
[package]
name = "sluice-librdkafka-source"
version = "0.0.0"
edition = "2021"
[dependencies]
rdkafka-sys = { version = "=${crate#rdkafka-sys-}", default-features = false }
TOML
  log "fetching $crate with cargo"
  (cd "$fetch" && "$cargo" fetch --quiet) || { rm -rf "$fetch"; exit 1; }
  rm -rf "$fetch"
  found=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$crate.crate" | head -1)
  [[ -n "$found" ]] || { log "cargo fetched no $crate.crate"; exit 1; }
  cp "$found" "$archive.part"
  mv "$archive.part" "$archive"
fi
if ! echo "$sha256  $archive" | sha256sum -c --status; then
  log "checksum mismatch for $archive (want sha256 $sha256); removed it, run again"
  rm -f "$archive"
  exit 1
fi

work=$(mktemp -d "$cache/librdkafka-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work" "$crate/librdkafka"
src="$work/$crate/librdkafka"
grep -q "RD_KAFKA_VERSION 0x$(printf '%02x%02x%02x' ${version//./ })ff" "$src/src/rdkafka.h" ||
  { log "$archive does not contain librdkafka $version"; exit 1; }

log "building librdkafka $version into $prefix (once per machine; about half a minute on 2 cores)"
start=$SECONDS
(
  cd "$src"
  ./configure --prefix="$prefix" "${flags[@]}" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; exit 1; }
  # mklove drops a feature whose library is missing; GSSAPI (Kerberos) must not go silently.
  grep -q '^#define WITH_SASL_CYRUS 1' config.h ||
    { log "configure found no Cyrus SASL: install libsasl2-dev (scripts/install-deps.sh)"; exit 1; }
  nice make -C src -j "$(nproc)" >"$work/make.log" 2>&1 || { tail -50 "$work/make.log" >&2; exit 1; }
  make -C src install DESTDIR="$work/stage" >>"$work/make.log" 2>&1 ||
    { tail -50 "$work/make.log" >&2; exit 1; }
)
rm -rf "$prefix"
mv "$work/stage$prefix" "$prefix"
echo "$want" >"$stamp"
log "built in $((SECONDS - start)) s"
echo "$prefix"
