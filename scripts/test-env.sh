#!/usr/bin/env bash
# Starts (up) or stops (down) the real servers the integration tests use, under <dir>:
# MariaDB on 127.0.0.1:${SLUICE_MARIADB_PORT:-33306} and a KRaft Kafka broker on
# 127.0.0.1:${SLUICE_KAFKA_PORT:-39092}, and PostgreSQL (wal_level=logical) on
# 127.0.0.1:${SLUICE_POSTGRES_PORT:-35432}. Writes <dir>/env.sh with what tests need.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: test-env.sh up|down <dir>}
dir=$(realpath -m "${2:?directory required}")
mport=${SLUICE_MARIADB_PORT:-33306}
kport=${SLUICE_KAFKA_PORT:-39092}
pport=${SLUICE_POSTGRES_PORT:-35432}

case "$cmd" in
up)
  mkdir -p "$dir"
  py=$("$here/python-env.sh")
  "$here/mariadb.sh" start "$dir/mariadb" "$mport"
  "$here/kafka.sh" start "$dir/kafka" "$kport"
  "$here/postgres.sh" start "$dir/postgres" "$pport"
  cat >"$dir/env.sh" <<ENV
SLUICE_MARIADB_HOST=127.0.0.1
SLUICE_MARIADB_PORT=$mport
SLUICE_MARIADB_SOCKET=$dir/mariadb/mysql.sock
SLUICE_MARIADB_USER=sluice
SLUICE_MARIADB_PASSWORD=sluice
SLUICE_KAFKA_BOOTSTRAP=127.0.0.1:$kport
SLUICE_POSTGRES_HOST=127.0.0.1
SLUICE_POSTGRES_PORT=$pport
SLUICE_POSTGRES_SOCKET_DIR=$dir/postgres
SLUICE_POSTGRES_USER=sluice
SLUICE_POSTGRES_PASSWORD=sluice
SLUICE_POSTGRES_DATABASE=sluice
SLUICE_SCRIPTS=$here
SLUICE_PYTHON=$py
ENV
  ;;
down)
  "$here/postgres.sh" stop "$dir/postgres" || true
  "$here/kafka.sh" stop "$dir/kafka" || true
  "$here/mariadb.sh" stop "$dir/mariadb" || true
  ;;
*) echo "usage: test-env.sh up|down <dir>" >&2; exit 2 ;;
esac
