#!/usr/bin/env python3
"""Compares a merged fleet report (lockscope merge --format json) with the single-process
report of the same log (lockscope report --format json), as SPEC §7 promises: counts,
totals and maxima exactly, percentiles within 1%, the same deadlocks, orphans and
inversions. Prints each difference; exits 1 if there is one.

Usage: compare_reports.py MERGED.json WHOLE.json
"""
import json
import sys

EXACT = ["attempts", "acquisitions", "timeouts", "queue_max"]
STATS = ["wait", "hold", "blocked"]
PERCENTILES = ["p50_ns", "p90_ns", "p95_ns", "p99_ns"]
FINDINGS = ["deadlock", "orphan", "lock-order-inversion"]


def close(a, b, relative):
    return abs(a - b) <= relative * max(abs(a), abs(b)) + 1


def compare_rows(kind, merged, whole, problems, lock_rows):
    by_name = {row[kind]: row for row in merged}
    names = [row[kind] for row in whole]
    if sorted(by_name) != sorted(names):
        problems.append(f"{kind} rows differ: {sorted(set(by_name) ^ set(names))[:5]}")
    for row in whole:
        other = by_name.get(row[kind])
        if other is None:
            continue
        label = f"{kind} {row[kind]!r}"
        keys = EXACT if lock_rows else [k for k in EXACT if k != "queue_max"]
        for key in keys:
            if row[key] != other[key]:
                problems.append(f"{label}: {key} {other[key]} != {row[key]}")
        for stat in STATS:
            a, b = other[stat], row[stat]
            for key in ["count", "max_ns"]:
                if a[key] != b[key]:
                    problems.append(f"{label}: {stat}.{key} {a[key]} != {b[key]}")
            for key in PERCENTILES + ["mean_ns"]:
                if not close(a[key], b[key], 0.01):
                    problems.append(f"{label}: {stat}.{key} {a[key]} not within 1% of {b[key]}")
        for key in ["contention_rate", "timeout_rate", "wait_share"] + (["utilization", "queue_mean"] if lock_rows else []):
            if not close(other[key], row[key], 1e-6):
                problems.append(f"{label}: {key} {other[key]} != {row[key]}")
        if not close(other["caused_wait_ns"], row["caused_wait_ns"], 1e-9):
            problems.append(f"{label}: caused_wait_ns {other['caused_wait_ns']} != {row['caused_wait_ns']}")


def finding_keys(report, kind):
    """A deadlock whose cycle spans shards is the merge's possible-deadlock: the same locks,
    the same instant, the same event that broke it."""
    kinds = {kind, "possible-deadlock"} if kind == "deadlock" else {kind}
    return sorted(
        (tuple(sorted(f["locks"])), f["ts"], f.get("cause"), str(f.get("resolved_by")))
        + (() if kind == "deadlock" else (tuple(sorted(f["agents"])),))
        for f in report["findings"]
        if f["kind"] in kinds
    )


def compare(merged, whole):
    problems = []
    for key in ["events", "skipped_lines", "first_ts", "last_ts", "locks", "agents"]:
        if merged["summary"][key] != whole["summary"][key]:
            problems.append(f"summary.{key}: {merged['summary'][key]} != {whole['summary'][key]}")
    compare_rows("lock", merged["locks"], whole["locks"], problems, lock_rows=True)
    compare_rows("agent", merged["agents"], whole["agents"], problems, lock_rows=False)
    overall_m, overall_w = dict(merged["overall"], lock=""), dict(whole["overall"], lock="")
    compare_rows("lock", [overall_m], [overall_w], problems, lock_rows=False)
    for kind in FINDINGS:
        a, b = finding_keys(merged, kind), finding_keys(whole, kind)
        if a != b:
            problems.append(f"{kind} findings differ:\n  merged {a[:3]}\n  whole  {b[:3]}")
    return problems


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        merged = json.load(f)
    with open(sys.argv[2]) as f:
        whole = json.load(f)
    problems = compare(merged, whole)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
