#!/usr/bin/env python3
"""Combines the raw JSON files of bench/run.sh into results.json and results.md.

usage: report.py <raw dir> <out dir>
Standard library only (runs with the system python3).
"""
import json
import os
import sys

TARGETS = {
    "rows_per_s": ">= 150k rows/s on 2 cores; >= 5x Debezium",
    "cpu_s_per_million": "<= 1/5 of Debezium",
    "peak_rss_mb": "< 256 MB",
    "p99_ms": "< 100 ms at 10k rows/s",
}


def load(raw, name):
    path = os.path.join(raw, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def ratio(a, b):
    if a is None or b is None or not b:
        return None
    return a / b


def main():
    raw, out = sys.argv[1], sys.argv[2]
    setup = load(raw, "setup.json")
    res = {"setup": setup}
    for side in ("sluice", "debezium"):
        drain = load(raw, f"{side}-drain.json")
        lat = load(raw, f"{side}-latency.json")
        if drain is None:
            continue
        res[side] = {"drain": drain, "latency": lat}
    micro = load(raw, "micro.json")
    if micro:
        res["micro"] = [
            {"name": b["name"],
             "ns_per_row": 1e9 / b["items_per_second"] if b.get("items_per_second") else None,
             "rows_per_s": b.get("items_per_second")}
            for b in micro.get("benchmarks", [])
        ]

    rows = [
        ("drain rows/s", "drain", "rows_per_s", 0, True),
        ("drain CPU-seconds per million rows", "drain", "cpu_s_per_million", 2, False),
        ("drain CPU-seconds (total of the drain)", "drain", "cpu_s_drain", 1, False),
        ("drain time, first to last message (s)", "drain", "drain_s", 1, False),
        ("start-up, launch to first message (s)", "drain", "startup_s", 1, False),
        ("peak RSS, VmHWM (MB)", "latency", "peak_rss_mb", 1, False),
        ("latency p50 at 10k rows/s (ms)", "latency", "p50_ms", 1, False),
        ("latency p99 at 10k rows/s (ms)", "latency", "p99_ms", 1, False),
        ("latency max (ms)", "latency", "max_ms", 1, False),
        ("CPU at 10k rows/s (% of one core)", "latency", "cpu_pct", 1, False),
    ]
    s = setup or {}
    md = []
    md.append(f"Backlog: {s.get('expected_messages', '?'):,} row changes "
              f"({s.get('inserts', 0):,} inserts, {s.get('updates', 0):,} updates, "
              f"{s.get('deletes', 0):,} deletes in {s.get('batch')}-row transactions, then one "
              f"{s.get('txn_rows', 0):,}-row transaction) of a 10-column table; binlog "
              f"{(s.get('binlog_bytes') or 0) / 1e6:.0f} MB. Sink: Kafka, lz4, "
              f"{s.get('partitions')} partition(s). Machine: {s.get('cpus')} CPUs "
              f"({s.get('cpu_model')}), load average at the end {s.get('loadavg_at_end')}; "
              f"git {s.get('git')}, {s.get('build_type')} build, {s.get('date')}.")
    md.append("")
    md.append("| metric | sluice (canal-json) | Debezium 3.5 MariaDB (JSON) | sluice / Debezium |")
    md.append("|---|---:|---:|---:|")
    sl = res.get("sluice", {})
    db = res.get("debezium", {})
    for label, part, key, digits, _ in rows:
        a = (sl.get(part) or {}).get(key)
        b = (db.get(part) or {}).get(key)
        r = ratio(a, b)
        md.append(f"| {label} | {fmt(a, digits)} | {fmt(b, digits)} | "
                  f"{'-' if r is None else f'{r:.2f}x'} |")
    # The drain RSS, separately: the latency phase runs after the drain in the same process.
    md.append("")
    targets = []
    a = (sl.get("drain") or {}).get("rows_per_s")
    b = (db.get("drain") or {}).get("rows_per_s")
    if a:
        targets.append(f"rows/s >= 150k: {'met' if a >= 150000 else 'NOT met'} ({a:,.0f})")
    if a and b:
        targets.append(f"rows/s >= 5x Debezium: {'met' if a >= 5 * b else 'NOT met'} "
                       f"({a / b:.1f}x)")
    a = (sl.get("drain") or {}).get("cpu_s_per_million")
    b = (db.get("drain") or {}).get("cpu_s_per_million")
    if a and b:
        targets.append(f"CPU/M rows <= 1/5 Debezium: {'met' if a * 5 <= b else 'NOT met'} "
                       f"({b / a:.1f}x less)")
    p99 = (sl.get("latency") or {}).get("p99_ms")
    if p99 is not None:
        targets.append(f"p99 < 100 ms: {'met' if p99 < 100 else 'NOT met'} ({p99:.1f} ms)")
    rss = (sl.get("latency") or {}).get("peak_rss_mb")
    if rss is not None:
        targets.append(f"RSS < 256 MB: {'met' if rss < 256 else 'NOT met'} ({rss:.0f} MB)")
    if targets:
        md.append("Targets: " + "; ".join(targets) + ".")
        md.append("")
    if res.get("micro"):
        md.append("Micro-benchmarks (per row, single thread):")
        md.append("")
        md.append("| benchmark | ns/row | rows/s |")
        md.append("|---|---:|---:|")
        for m in res["micro"]:
            md.append(f"| {m['name']} | {fmt(m['ns_per_row'], 0)} | "
                      f"{fmt(m['rows_per_s'], 0)} |")
        md.append("")
    md.append(f"Command: `{s.get('command', 'bench/run.sh')}`")
    text = "\n".join(md) + "\n"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
