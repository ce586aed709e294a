#!/usr/bin/env bash
# Installs every system package sluice needs to build, test and run its demo on a
# fresh Debian 12 machine. Idempotent: re-running only installs what is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format ccache
  # libraries
  librdkafka-dev libmariadb-dev libpq-dev libsimdjson-dev libtomlplusplus-dev
  libcli11-dev libspdlog-dev libfmt-dev libsqlite3-dev libssl-dev zlib1g-dev
  libcpp-httplib-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libavro-dev
  # build deps of the newer librdkafka that scripts/librdkafka.sh builds (SASL/GSSAPI, codecs)
  libsasl2-dev libzstd-dev liblz4-dev
  # real servers used by the demo and the integration tests
  mariadb-server mariadb-client postgresql postgresql-client
  # MIT Kerberos KDC and client tools for the GSSAPI tests (scripts/kdc.sh runs the KDC as a plain
  # process with its own config; nothing system-wide is configured) and Cyrus SASL's GSSAPI
  # plugin, which librdkafka's sasl.mechanisms=GSSAPI loads at run time
  krb5-kdc krb5-admin-server krb5-user libsasl2-modules-gssapi-mit
  # Kafka broker runtime (jars come from Maven Central, see scripts/kafka.sh)
  openjdk-17-jre-headless maven
  # test harness
  python3 python3-pip python3-venv procps openssl
  # browser for the web console's Playwright test (tests/web; playwright-core never downloads one)
  chromium
  # javac for tools/flink-formats (Flink's formats as a test consumer, scripts/flink-formats.sh)
  openjdk-17-jdk-headless
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "[install-deps] installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts mariadb/postgresql services on install where an init system exists;
  # sluice runs its own instances on other ports, so nothing here depends on them.
else
  echo "[install-deps] all system packages present"
fi
