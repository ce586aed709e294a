#!/usr/bin/env bash
# One-command benchmark: sluice vs Debezium draining the same MariaDB binlog backlog to Kafka.
# See bench/README.md for what is measured and how. Everything runs on loopback under
# build/bench (its own MariaDB and Kafka, fresh each run); results go to bench/results/.
#
# Environment (defaults in brackets):
#   BENCH_ROWS [1000000]        row changes in small transactions: 70% inserts, 20% updates,
#                               10% deletes, BENCH_BATCH rows per transaction
#   BENCH_TXN_ROWS [1000000]    rows of the one large INSERT transaction
#   BENCH_BATCH [100]           rows per small transaction
#   BENCH_PARTITIONS [1]        partitions of every topic
#   BENCH_RATE [10000]          rows/s of the latency phase
#   BENCH_LATENCY_SECONDS [30]  length of the latency phase (first 3 s are warm-up)
#   BENCH_DEBEZIUM [1]          0 skips the Debezium side
#   BENCH_MICRO [1]             0 skips the micro-benchmarks
#   BENCH_PERF                  1 records a perf profile of the sluice drain (build/bench/perf.data)
#   BENCH_BUILD_TYPE [Release]  BENCH_BUILD_DIR [build/bench/build]
#   BENCH_OUT [bench/results]   where results.json and results.md are written
#   SLUICE_MARIADB_PORT [41306] SLUICE_KAFKA_PORT [41092] (and +1) BENCH_CONNECT_PORT [41083]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/bench"
rows=${BENCH_ROWS:-1000000}
txn_rows=${BENCH_TXN_ROWS:-1000000}
batch=${BENCH_BATCH:-100}
parts=${BENCH_PARTITIONS:-1}
rate=${BENCH_RATE:-10000}
lat_s=${BENCH_LATENCY_SECONDS:-30}
mport=${SLUICE_MARIADB_PORT:-41306}
kport=${SLUICE_KAFKA_PORT:-41092}
cport=${BENCH_CONNECT_PORT:-41083}
build=${BENCH_BUILD_DIR:-$work/build}
out=${BENCH_OUT:-$root/bench/results}
raw="$work/raw"
brokers="127.0.0.1:$kport"

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

cleanup() {
  [[ -n "${sluice_pid:-}" ]] && kill "$sluice_pid" 2>/dev/null && wait "$sluice_pid" 2>/dev/null
  "$root/bench/debezium.sh" stop "$work/connect" 2>/dev/null || true
  if [[ -z "${BENCH_KEEP:-}" ]]; then
    "$root/scripts/kafka.sh" stop "$work/kafka" >/dev/null 2>&1 || true
    "$root/scripts/mariadb.sh" stop "$work/mariadb" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# --- build --------------------------------------------------------------------------------
"$root/scripts/install-deps.sh" >&2
"$root/scripts/kafka.sh" fetch
log "building sluice (${BENCH_BUILD_TYPE:-Release}) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BENCH_BUILD_TYPE:-Release}" \
  -DSLUICE_BUILD_BENCH=ON >/dev/null
targets=(sluice bench_driver)
[[ "${BENCH_MICRO:-1}" != 0 ]] && targets+=(sluice_micro)
ninja -C "$build" "${targets[@]}" >"$work.build.log" 2>&1 || { tail -50 "$work.build.log"; exit 1; }
sluice="$build/src/cli/sluice"
driver="$build/bench/bench_driver"

# --- servers ------------------------------------------------------------------------------
"$root/scripts/kafka.sh" stop "$work/kafka" >/dev/null 2>&1 || true
"$root/scripts/mariadb.sh" stop "$work/mariadb" >/dev/null 2>&1 || true
rm -rf "$work/mariadb" "$work/kafka" "$work/connect" "$work/sluice-state" "$raw"
mkdir -p "$raw" "$work/connect" "$work/sluice-state" "$out"
"$root/scripts/mariadb.sh" start "$work/mariadb" "$mport" >&2
"$root/scripts/kafka.sh" start "$work/kafka" "$kport" >&2
sql() { mariadb --no-defaults -uroot -S "$work/mariadb/mysql.sock" "$@"; }

cols="id BIGINT PRIMARY KEY, k INT NOT NULL, name VARCHAR(64), note VARCHAR(255),
      amount DECIMAL(12,2), qty INT, ratio DOUBLE, created DATETIME(3), flag TINYINT,
      ins_us BIGINT"
sql -e "CREATE DATABASE bench;
        CREATE TABLE bench.t ($cols) CHARACTER SET utf8mb4;
        CREATE TABLE bench.lat ($cols) CHARACTER SET utf8mb4;
        CREATE TABLE bench.probe (id INT AUTO_INCREMENT PRIMARY KEY);"
"$driver" create-topics --brokers "$brokers" --partitions "$parts" \
  sluice_bench_t sluice_bench_lat dbz.bench.t dbz.bench.lat dbz.bench.probe

# --- Debezium, first start: record its position before the backlog ------------------------
dbz_on=${BENCH_DEBEZIUM:-1}
if [[ "$dbz_on" != 0 ]]; then
  "$root/bench/debezium.sh" fetch >/dev/null
  cat >"$work/connect/worker.properties" <<PROPS
bootstrap.servers=$brokers
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
offset.storage.file.filename=$work/connect/offsets.dat
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$cport
producer.compression.type=lz4
PROPS
  cat >"$work/connect/connector.properties" <<PROPS
name=bench-debezium
connector.class=io.debezium.connector.mariadb.MariaDbConnector
tasks.max=1
database.hostname=127.0.0.1
database.port=$mport
database.user=sluice
database.password=sluice
database.server.id=4102
database.ssl.mode=disable
topic.prefix=dbz
database.include.list=bench
table.include.list=bench.t,bench.lat,bench.probe
snapshot.mode=no_data
schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory
schema.history.internal.file.filename=$work/connect/schema-history.dat
include.schema.changes=false
tombstones.on.delete=false
decimal.handling.mode=string
topic.creation.default.replication.factor=1
topic.creation.default.partitions=$parts
PROPS
  log "Debezium: first start (snapshot.mode=no_data) to pin its offset before the backlog"
  "$root/bench/debezium.sh" start "$work/connect" "$cport"
  # RUNNING comes before the binlog stream is open: probe until Debezium has seen a probe row.
  for i in $(seq 1 60); do
    sql -e "INSERT INTO bench.probe VALUES ()"
    "$driver" drain --brokers "$brokers" --topic dbz.bench.probe --expect 1 --timeout 2 \
      >/dev/null && break
    ((i < 60)) || { log "Debezium never delivered a probe row"; exit 1; }
  done
  sleep 3  # > offset.flush.interval.ms; the stop below also commits offsets
  "$root/bench/debezium.sh" stop "$work/connect"
fi
start_gtid=$(sql -N -e "SELECT @@gtid_binlog_pos")

# --- the backlog --------------------------------------------------------------------------
ins=$((rows * 7 / 10))
upd=$((rows * 2 / 10))
del=$((rows - ins - upd))
expect=$((ins + upd + del + txn_rows))
log "building the backlog: $ins inserts, $upd updates, $del deletes in $batch-row transactions," \
  "then one $txn_rows-row transaction ($expect row changes)"
t0=$(date +%s.%N)
{
  echo "SET SESSION max_recursive_iterations = 100000000;"
  for ((a = 1; a <= ins; a += batch)); do
    b=$((a + batch - 1 > ins ? ins : a + batch - 1))
    echo "INSERT INTO bench.t SELECT seq, seq % 1000, CONCAT('name-', seq), CONCAT('note ', MD5(seq)),
          seq * 1.25, seq % 97, seq / 7, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND,
          seq % 2, 0 FROM seq_${a}_to_${b};"
  done
  for ((a = 1; a <= upd; a += batch)); do
    b=$((a + batch - 1 > upd ? upd : a + batch - 1))
    echo "UPDATE bench.t SET qty = qty + 1, amount = amount + 1, note = CONCAT(note, '!')
          WHERE id BETWEEN $a AND $b;"
  done
  for ((a = ins - del + 1; a <= ins; a += batch)); do
    b=$((a + batch - 1 > ins ? ins : a + batch - 1))
    echo "DELETE FROM bench.t WHERE id BETWEEN $a AND $b;"
  done
  if ((txn_rows > 0)); then
    echo "BEGIN;
          INSERT INTO bench.t SELECT 1000000000 + seq, seq % 1000, CONCAT('big-', seq),
            CONCAT('note ', MD5(seq)), seq * 1.25, seq % 97, seq / 7,
            TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND, seq % 2, 0
          FROM seq_1_to_${txn_rows};
          COMMIT;"
  fi
} | sql bench
backlog_s=$(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $t0}")
end_gtid=$(sql -N -e "SELECT @@gtid_binlog_pos")
binlog_bytes=$(sql -N -e "SHOW BINARY LOGS" | awk '{s += $2} END {print s}')
log "backlog ready in ${backlog_s}s: GTID $start_gtid -> $end_gtid, binlog $binlog_bytes bytes"

# --- sluice -------------------------------------------------------------------------------
cat >"$work/sluice.toml" <<'TOML'
[filter]
rules = ['bench.t', 'bench.lat']

[sink]
dispatchers = [
  {matcher = ['bench.*'], topic = "sluice_{schema}_{table}", partition = "index-value"},
]
TOML
log "sluice: draining from gtid:$start_gtid"
since=$(date +%s%N)
"$sluice" --log-level info run --id bench \
  --source "mysql://sluice:sluice@127.0.0.1:$mport/?start=gtid:$start_gtid&server-id=4101" \
  --sink "kafka://$brokers/sluice_bench?protocol=canal-json&compression=lz4&partition-num=$parts" \
  --config "$work/sluice.toml" --state-dir "$work/sluice-state" >"$work/sluice.log" 2>&1 &
sluice_pid=$!
if [[ -n "${BENCH_PERF:-}" ]]; then  # profile the drain: perf report -i build/bench/perf.data
  perf record -e cpu-clock -F 999 -g -p "$sluice_pid" -o "$work/perf.data" >"$work/perf.log" 2>&1 &
  perf_pid=$!
fi
"$driver" drain --brokers "$brokers" --topic sluice_bench_t --expect "$expect" --pid "$sluice_pid" \
  --since-ns "$since" --out "$raw/sluice-drain.json" >&2 || { tail -20 "$work/sluice.log"; exit 1; }
if [[ -n "${perf_pid:-}" ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
log "sluice: latency at $rate rows/s for ${lat_s}s"
"$driver" latency --mysql "127.0.0.1:$mport" --user sluice --password sluice --table bench.lat \
  --brokers "$brokers" --topic sluice_bench_lat --rate "$rate" --seconds "$lat_s" --id-base 1 \
  --pid "$sluice_pid" --out "$raw/sluice-latency.json" >&2
sluice_lat_rows=$(sql -N -e "SELECT COUNT(*) FROM bench.lat")
kill -TERM "$sluice_pid"
wait "$sluice_pid" || true
sluice_pid=

# --- Debezium -----------------------------------------------------------------------------
if [[ "$dbz_on" != 0 ]]; then
  log "Debezium: draining from its stored offset"
  since=$(date +%s%N)
  "$root/bench/debezium.sh" start "$work/connect" "$cport" &
  starter=$!
  # The JVM pid appears once debezium.sh has forked it.
  for _ in $(seq 1 100); do [[ -s "$work/connect/connect.pid" ]] && break; sleep 0.05; done
  dbz_pid=$(cat "$work/connect/connect.pid")
  "$driver" drain --brokers "$brokers" --topic dbz.bench.t --expect "$expect" --pid "$dbz_pid" \
    --since-ns "$since" --out "$raw/debezium-drain.json" >&2 ||
    { tail -30 "$work/connect/logs/connect.log"; exit 1; }
  wait "$starter"
  # Debezium also sees the rows sluice's latency phase wrote; let it pass them first.
  "$driver" drain --brokers "$brokers" --topic dbz.bench.lat --expect "$sluice_lat_rows" \
    --timeout 600 >/dev/null
  log "Debezium: latency at $rate rows/s for ${lat_s}s"
  "$driver" latency --mysql "127.0.0.1:$mport" --user sluice --password sluice \
    --table bench.lat --brokers "$brokers" --topic dbz.bench.lat --rate "$rate" \
    --seconds "$lat_s" --id-base 100000000 --pid "$dbz_pid" --out "$raw/debezium-latency.json" >&2
  "$root/bench/debezium.sh" stop "$work/connect"
fi

# --- micro-benchmarks ---------------------------------------------------------------------
if [[ "${BENCH_MICRO:-1}" != 0 ]]; then
  log "micro-benchmarks"
  "$build/bench/micro/sluice_micro" --benchmark_format=json --benchmark_min_time=0.2 \
    >"$raw/micro.json" 2>"$raw/micro.err" || { cat "$raw/micro.err"; exit 1; }
fi

# --- report -------------------------------------------------------------------------------
cmdline="$(env | grep -E '^BENCH_(ROWS|TXN_ROWS|BATCH|PARTITIONS|RATE|LATENCY_SECONDS|DEBEZIUM|MICRO|BUILD_TYPE)=' |
  sort | tr '\n' ' ' || true)bench/run.sh"
cat >"$raw/setup.json" <<JSON
{"rows": $rows, "txn_rows": $txn_rows, "batch": $batch, "partitions": $parts,
 "inserts": $ins, "updates": $upd, "deletes": $del, "expected_messages": $expect,
 "backlog_build_s": $backlog_s, "binlog_bytes": $binlog_bytes,
 "start_gtid": "$start_gtid", "end_gtid": "$end_gtid",
 "rate": $rate, "latency_seconds": $lat_s,
 "cpus": $(nproc), "cpu_model": "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)",
 "loadavg_at_end": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "git": "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo -dirty)",
 "build_type": "${BENCH_BUILD_TYPE:-Release}", "date": "$(date -u +%FT%TZ)",
 "command": "$cmdline"}
JSON
python3 "$root/bench/report.py" "$raw" "$out"
