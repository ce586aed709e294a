#!/usr/bin/env bash
# Sets up everything on a fresh Debian 12 machine and runs the demo changefeed:
# MariaDB 10.11 -> sluice -> Kafka 4 (canal-json), all on loopback under build/demo.
# It creates a table, starts a changefeed, writes rows (insert, update, delete, DDL) and
# prints the Kafka messages sluice produced. Servers and sluice are stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/build/demo"
mport=${DEMO_MARIADB_PORT:-43306}
kport=${DEMO_KAFKA_PORT:-49092}

"$root/scripts/install-deps.sh"
"$root/scripts/kafka.sh" fetch
"$root/scripts/build.sh" "$root/build"
sluice="$root/build/src/cli/sluice"

cleanup() {
  [[ -n "${sluice_pid:-}" ]] && kill "$sluice_pid" 2>/dev/null && wait "$sluice_pid" 2>/dev/null
  "$root/scripts/kafka.sh" stop "$demo/kafka" >/dev/null 2>&1 || true
  "$root/scripts/mariadb.sh" stop "$demo/mariadb" >/dev/null 2>&1 || true
}
trap cleanup EXIT

rm -rf "$demo"
mkdir -p "$demo"
"$root/scripts/mariadb.sh" start "$demo/mariadb" "$mport"
"$root/scripts/kafka.sh" start "$demo/kafka" "$kport"
sql() { mariadb --no-defaults -uroot -S "$demo/mariadb/mysql.sock" "$@"; }

echo
echo "== 1. a table to replicate"
sql -e "CREATE DATABASE demo;
        CREATE TABLE demo.orders (id INT PRIMARY KEY, customer VARCHAR(64), amount DECIMAL(10,2),
                                  created DATETIME(3), note TEXT) CHARACTER SET utf8mb4;"

source_uri="mysql://sluice:sluice@127.0.0.1:$mport/?start=now"
sink_uri="kafka://127.0.0.1:$kport/sluice_default?protocol=canal-json&partition-num=3&compression=lz4&enable-tidb-extension=true"

echo "== 2. preflight: sluice check"
"$sluice" check --source "$source_uri" --sink "$sink_uri" --config "$root/examples/demo-changefeed.toml"

echo "== 3. start the changefeed: sluice run"
"$sluice" run --id demo --source "$source_uri" --sink "$sink_uri" \
  --config "$root/examples/demo-changefeed.toml" --state-dir "$demo/state" >"$demo/sluice.log" 2>&1 &
sluice_pid=$!
for _ in $(seq 1 100); do
  grep -q "changefeed demo started" "$demo/sluice.log" && break
  kill -0 "$sluice_pid" 2>/dev/null || { cat "$demo/sluice.log"; exit 1; }
  sleep 0.1
done

echo "== 4. write to MariaDB"
writes="
INSERT INTO demo.orders VALUES (1, 'Ada', 12.50, '2026-11-23 10:00:00.125', 'first order'),
                               (2, 'Grace', 99.99, NOW(3), 'ünïcödé ✓');
BEGIN; UPDATE demo.orders SET amount = 15.00 WHERE id = 1;
       INSERT INTO demo.orders VALUES (3, 'Linus', 7.25, NOW(3), NULL); COMMIT;
DELETE FROM demo.orders WHERE id = 2;
ALTER TABLE demo.orders ADD COLUMN status ENUM('new','paid') DEFAULT 'new';
UPDATE demo.orders SET status = 'paid' WHERE id = 3;"
echo "$writes"
sql -e "$writes"

# Wait until the checkpoint covers the last write.
target=$(sql -N -e "SELECT @@gtid_binlog_pos")
for _ in $(seq 1 100); do
  grep -q "gtid=$target" "$demo/state/demo.checkpoint" 2>/dev/null && break
  sleep 0.1
done

echo
echo "== 5. the messages in Kafka topic sluice_demo_orders (canal-json)"
"$sluice" consume --brokers "127.0.0.1:$kport" --topic sluice_demo_orders --with-meta
echo
echo "== checkpoint: $(cat "$demo/state/demo.checkpoint")"
echo "== sluice log: $demo/sluice.log"
