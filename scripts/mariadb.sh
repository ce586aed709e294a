#!/usr/bin/env bash
# Runs a throwaway MariaDB 10.11 as a plain process (no systemd) for the demo and the tests.
#   scripts/mariadb.sh start <dir> [port]   data under <dir>, listening on 127.0.0.1:<port>
#   scripts/mariadb.sh stop  <dir>
# The server is configured as a CDC source: binlog on, ROW format, FULL images and metadata.
# A user sluice/sluice with the replication privileges sluice needs is created.
set -euo pipefail

cmd=${1:?usage: mariadb.sh start|stop <dir> [port]}
dir=$(realpath -m "${2:?data directory required}")
port=${3:-33306}

case "$cmd" in
start)
  if [[ -f "$dir/mariadbd.pid" ]] && kill -0 "$(cat "$dir/mariadbd.pid")" 2>/dev/null; then
    echo "[mariadb] already running (pid $(cat "$dir/mariadbd.pid"))"
    exit 0
  fi
  mkdir -p "$dir"
  if [[ ! -d "$dir/data/mysql" ]]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
      >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; exit 1; }
  fi
  mariadbd --no-defaults --user="$(id -un)" --datadir="$dir/data" --socket="$dir/mysql.sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" \
    --log-error="$dir/err.log" --server-id=1 --log-bin="$dir/data/mysql-bin" \
    --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
    --max-allowed-packet=256M --skip-name-resolve --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci --default-time-zone=+00:00 \
    --gtid-strict-mode=ON >/dev/null 2>&1 &
  for _ in $(seq 1 150); do
    if mariadb --no-defaults -uroot -S "$dir/mysql.sock" -e 'SELECT 1' >/dev/null 2>&1; then
      mariadb --no-defaults -uroot -S "$dir/mysql.sock" <<'SQL'
CREATE USER IF NOT EXISTS 'sluice'@'%' IDENTIFIED BY 'sluice';
CREATE USER IF NOT EXISTS 'sluice'@'127.0.0.1' IDENTIFIED BY 'sluice';
GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'%';
GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
      echo "[mariadb] up on 127.0.0.1:$port (socket $dir/mysql.sock)"
      exit 0
    fi
    sleep 0.2
  done
  echo "[mariadb] failed to start; last log lines:" >&2
  tail -20 "$dir/err.log" >&2 || true
  exit 1
  ;;
stop)
  if [[ -f "$dir/mariadbd.pid" ]]; then
    pid=$(cat "$dir/mariadbd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "[mariadb] stopped"
  fi
  ;;
*)
  echo "usage: mariadb.sh start|stop <dir> [port]" >&2
  exit 2
  ;;
esac
