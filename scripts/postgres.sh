#!/usr/bin/env bash
# Runs a throwaway PostgreSQL 15 as a plain process (no systemd) for the demo and the tests.
#   scripts/postgres.sh start <dir> [port]   data under <dir>, listening on 127.0.0.1:<port>
#   scripts/postgres.sh stop  <dir>
# Configured as a logical-replication source (wal_level=logical). TCP logins use
# scram-sha-256 passwords (so a wrong password fails, as in production); the Unix socket in
# <dir> trusts local users. A role sluice/sluice (LOGIN REPLICATION CREATEDB) owns database
# `sluice`. initdb refuses to run as root, so as root the server runs as user `postgres`.
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop <dir> [port]}
dir=$(realpath -m "${2:?data directory required}")
port=${3:-35432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $bin/initdb ]] || { echo "[postgres] initdb not found; run scripts/install-deps.sh" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "[postgres] already running in $dir"
    exit 0
  fi
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_owner bash -c "echo postgres > '$dir/pwfile'"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "-c wal_level=logical \
    -c max_replication_slots=20 -c max_wal_senders=20 -c port=$port -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off -c timezone=UTC -c max_connections=200" start >/dev/null ||
    { tail -20 "$dir/server.log" >&2; exit 1; }
  psql -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sluice') THEN
    CREATE ROLE sluice LOGIN REPLICATION CREATEDB PASSWORD 'sluice';
  END IF;
END $$;
SELECT 'CREATE DATABASE sluice OWNER sluice'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sluice') \gexec
SQL
  echo "[postgres] up on 127.0.0.1:$port (socket dir $dir)"
  ;;
stop)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    echo "[postgres] stopped"
  fi
  ;;
*) echo "usage: postgres.sh start|stop <dir> [port]" >&2; exit 2 ;;
esac
