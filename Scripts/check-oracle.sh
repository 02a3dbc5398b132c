#!/usr/bin/env bash
# Cross-check `lockscope report` against the independent reference implementation
# Scripts/oracle.py, on every fixture and on a few generated logs.
#
#   Scripts/check-oracle.sh                       # build (release), then compare
#   SCRATCH=/tmp/my-build Scripts/check-oracle.sh # build directory (default .build)
#   BIN_DIR=/path/to/bins Scripts/check-oracle.sh # use lockscope + lockscope-loggen from
#                                                 # there, do not build
#   CHECK_BYTES=2M CHECK_SEEDS="1 2 3 4 5" Scripts/check-oracle.sh
#
# Exit status: 0 every compared value agrees, 1 some mismatch (or lockscope failed on an
# input), 2 could not run (build failed, no python3, ...).
# Tolerances and their reasons: Scripts/README-oracle.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { printf 'check-oracle.sh: %s\n' "$*" >&2; exit 2; }
log() { printf '==> %s\n' "$*" >&2; }

command -v python3 >/dev/null || die "python3 not found"
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

if [[ -n "${BIN_DIR:-}" ]]; then
    bin="$BIN_DIR"
else
    scratch="${SCRATCH:-.build}"
    command -v swift >/dev/null || die "swift not found (add it to PATH or set BIN_DIR)"
    log "swift build -c release --scratch-path $scratch"
    swift build -c release --scratch-path "$scratch" >&2 || die "build failed"
    bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
fi
lockscope="$bin/lockscope"
loggen="$bin/lockscope-loggen"
[[ -x "$lockscope" ]] || die "no lockscope binary at $lockscope"
[[ -x "$loggen" ]] || die "no lockscope-loggen binary at $loggen"

bytes="${CHECK_BYTES:-2M}"
read -r -a seeds <<< "${CHECK_SEEDS:-1 2 3 4 5}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/check-oracle.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------------------
# The comparison: lockscope's JSON against the oracle's, one input at a time.
# ---------------------------------------------------------------------------------------
cat > "$tmp/compare.py" <<'PY'
import json, math, sys
from fractions import Fraction

label, ls_path, or_path = sys.argv[1:4]
with open(ls_path) as f:
    ls = json.load(f)
with open(or_path) as f:
    orc = json.load(f)

EXACT_PERCENTILE_SAMPLES = 128      # lockscope keeps this many samples exactly per row
PERCENTILE_REL = 0.01               # then a histogram within 0.8%; we allow 1%
FLOAT_REL = 1e-9                    # rates, means, shares
JSON_DECIMALS = 6                   # lockscope prints fractions with 6 decimals
STATS = ("count", "mean_ns", "p50_ns", "p90_ns", "p95_ns", "p99_ns", "max_ns")
INTS = ("attempts", "acquisitions", "timeouts", "queue_max", "caused_wait_ns",
        "wait_total_ns", "hold_total_ns")
FLOATS = ("contention_rate", "timeout_rate", "queue_mean", "utilization", "wait_share")

problems = []
def bad(row, key, lv, ov):
    problems.append(f"{label}  {row}  {key}  lockscope={lv!r}  oracle={ov!r}")

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)

def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)

def float_ok(lv, ov):
    if not is_num(lv):
        return False
    tol = FLOAT_REL * max(abs(ov), 1e-300)
    if round(lv, JSON_DECIMALS) == lv:
        # A value printed with 6 decimals: rounding to the 6th decimal may differ from the
        # exact one by half a unit there.
        tol = max(tol, 0.5 * 10 ** -JSON_DECIMALS * (1 + 1e-6))
    return abs(lv - ov) <= tol

def compare_metrics(row, l, o):
    for k in INTS:
        lv, ov = l.get(k), o[k]
        if k == "caused_wait_ns" and "caused_wait_exact" in o and is_int(lv):
            # An agent's share of a wait split among several blockers can be fractional;
            # any integer within 1/2 of the exact value is a correct rounding.
            if abs(Fraction(lv) - Fraction(o["caused_wait_exact"])) <= Fraction(1, 2):
                continue
            bad(row, k, lv, f'{ov} (exact {o["caused_wait_exact"]})')
        elif not is_int(lv) or lv != ov:
            bad(row, k, lv, ov)
    for k in FLOATS:
        lv, ov = l.get(k), o[k]
        if not float_ok(lv, ov):
            bad(row, k, lv, ov)
    # SPEC §2 fairness: a float for locks and overall, null for agents.
    lv, ov = l.get("fairness", "absent"), o["fairness"]
    if (ov is None and lv is not None) or (ov is not None and not float_ok(lv, ov)):
        bad(row, "fairness", lv, ov)
    lx, ox = l.get("hold_over_expected"), o["hold_over_expected"]
    if not isinstance(lx, dict) or not is_int(lx.get("count")) or lx.get("count") != ox["count"]:
        bad(row, "hold_over_expected.count", lx, ox)
    elif not float_ok(lx.get("share"), ox["share"]):
        bad(row, "hold_over_expected.share", lx.get("share"), ox["share"])
    for part in ("wait", "hold", "blocked"):
        lp, op = l.get(part), o[part]
        if not isinstance(lp, dict):
            bad(row, part, lp, op)
            continue
        keys = STATS + (("unfinished", "unfinished_max_ns") if part == "hold" else ())
        for k in keys:
            lv, ov = lp.get(k), op[k]
            if not is_int(lv):
                bad(row, f"{part}.{k}", lv, ov)
            elif k.startswith("p") and op["count"] > EXACT_PERCENTILE_SAMPLES:
                if abs(lv - ov) > PERCENTILE_REL * ov:
                    bad(row, f"{part}.{k} (n={op['count']}, ±1%)", lv, ov)
            elif lv != ov:
                bad(row, f"{part}.{k}", lv, ov)

# summary
ls_sum, or_sum = ls.get("summary", {}), orc["summary"]
for k in ("events", "skipped_lines", "locks", "agents"):
    if ls_sum.get(k) != or_sum[k]:
        bad("summary", k, ls_sum.get(k), or_sum[k])
ls_an = ls.get("anomalies", ls_sum.get("anomalies", {})) or {}
or_an = orc["anomalies"]
for kind in sorted(set(ls_an) | set(or_an)):
    if ls_an.get(kind, 0) != or_an.get(kind, 0):
        bad("anomalies", kind, ls_an.get(kind, 0), or_an.get(kind, 0))

compare_metrics("overall", ls.get("overall", {}), orc["overall"])

tables = (("locks", "lock"), ("agents", "agent")) + ((("families", "family"),) if "families" in orc else ())
for table, name in tables:
    lrows = ls.get(table, [])
    lmap = {r.get(name): r for r in lrows}
    omap = {r[name]: r for r in orc[table]}
    for n in omap:
        if n not in lmap:
            bad(f"{name}:{n}", "(row)", "missing", "present")
    for n in lmap:
        if n not in omap:
            bad(f"{name}:{n}", "(row)", "present", "missing")
    for n, o in omap.items():
        if n in lmap:
            compare_metrics(f"{name}:{n}", lmap[n], o)
            if table == "families" and lmap[n].get("locks") != o["locks"]:
                bad(f"{name}:{n}", "locks", lmap[n].get("locks"), o["locks"])
    # §5: rows sorted by total wait, largest first.
    totals = [r.get("wait_total_ns", 0) for r in lrows]
    for i in range(1, len(totals)):
        if totals[i] > totals[i - 1]:
            bad(table, "order (by wait_total_ns, largest first)",
                f"row {i} {lrows[i].get(name)!r} {totals[i]} after {totals[i-1]}", "sorted")
            break

# SPEC §2 sites: present only when events carry `site`; wait and blocked over the
# attempts requested at a site, hold and caused wait over the holds acquired there.
ls_sites = {r.get("site"): r for r in ls.get("sites", [])}
or_sites = {r["site"]: r for r in orc.get("sites", [])}
for n in sorted(set(ls_sites) ^ set(or_sites)):
    bad(f"site:{n}", "(row)", "present" if n in ls_sites else "missing", "present" if n in or_sites else "missing")
for n, o in or_sites.items():
    l = ls_sites.get(n)
    if l is None:
        continue
    for k in ("attempts", "acquisitions", "timeouts", "wait_total_ns"):
        if not is_int(l.get(k)) or l.get(k) != o[k]:
            bad(f"site:{n}", k, l.get(k), o[k])
    lv = l.get("caused_wait_ns")
    if not is_int(lv) or abs(Fraction(lv) - Fraction(o["caused_wait_exact"])) > Fraction(1, 2):
        bad(f"site:{n}", "caused_wait_ns", lv, f'{o["caused_wait_ns"]} (exact {o["caused_wait_exact"]})')
    for part in ("wait", "blocked", "hold"):
        lp, op = l.get(part), o[part]
        if not isinstance(lp, dict):
            bad(f"site:{n}", part, lp, op)
            continue
        for k in STATS + (("unfinished", "unfinished_max_ns") if part == "hold" else ()):
            lv, ov = lp.get(k), op[k]
            if not is_int(lv):
                bad(f"site:{n}", f"{part}.{k}", lv, ov)
            elif k.startswith("p") and op["count"] > EXACT_PERCENTILE_SAMPLES:
                if abs(lv - ov) > PERCENTILE_REL * ov:
                    bad(f"site:{n}", f"{part}.{k} (n={op['count']}, ±1%)", lv, ov)
            elif lv != ov:
                bad(f"site:{n}", f"{part}.{k}", lv, ov)

limit = 40
for p in problems[:limit]:
    print(p)
if len(problems) > limit:
    print(f"{label}  ... and {len(problems) - limit} more mismatches")
sys.exit(1 if problems else 0)
PY

failures=0
checked=0

# check LABEL FILE... : run both on the same inputs and compare.
check() {
    local label="$1"; shift
    checked=$((checked + 1))
    local rc=0
    "$lockscope" report --format json --no-findings "$@" > "$tmp/ls.json" 2> "$tmp/ls.err" || rc=$?
    if ((rc != 0)); then
        printf '%s  lockscope failed (exit %s): %s\n' "$label" "$rc" "$(head -c 300 "$tmp/ls.err")"
        failures=$((failures + 1))
        return
    fi
    if ! python3 Scripts/oracle.py "$@" > "$tmp/or.json" 2> "$tmp/or.err"; then
        printf '%s  oracle failed: %s\n' "$label" "$(tail -c 300 "$tmp/or.err")"
        failures=$((failures + 1))
        return
    fi
    if python3 "$tmp/compare.py" "$label" "$tmp/ls.json" "$tmp/or.json"; then
        printf '%s  ok\n' "$label"
    else
        failures=$((failures + 1))
    fi
}

# (a) fixtures
if [[ -d fixtures ]]; then
    while IFS= read -r -d '' f; do
        # Nothing to compare: every line is bad, or every line needs the --field remap (the
        # oracle has no remapping; with no event read, report exits 2).
        case "$(basename "$f")" in *malformed* | remap.jsonl) continue ;; esac
        # OpenTelemetry spans (--from otlp): the oracle reads lock event lines only.
        case "$f" in fixtures/otlp/*) continue ;; esac
        # The input forms (quoted epochs, offset-less times, prefixes, remaps, lines a few
        # ms out of order for the reorder window) are the parser's, checked by hand-worked
        # tests (fixtures/input/README.md); the oracle reads the plain form of SPEC §1.
        case "$f" in fixtures/input/*) continue ;; esac
        check "$f" "$f"
    done < <(find fixtures -name '*.jsonl' -type f -print0 | sort -z)
    # Expected holds from the command line as well as from expected_ms.
    if [[ -f fixtures/metrics/expected-hold.jsonl ]]; then
        check "fixtures/metrics/expected-hold.jsonl --expect-hold 'db:*=50ms' --expect-hold '*=250ms'" \
            --expect-hold 'db:*=50ms' --expect-hold '*=250ms' fixtures/metrics/expected-hold.jsonl
    fi
    # Logs meant to be read together (one file per writer): also merged, in name order.
    if [[ -d fixtures/merge ]]; then
        mapfile -t parts < <(find fixtures/merge -name '*.jsonl' -type f | sort)
        if ((${#parts[@]} > 1)); then
            check "fixtures/merge/*.jsonl merged (${#parts[@]} files)" "${parts[@]}"
        fi
    fi
fi

# (b) generated logs: different seeds, timestamp formats, fault rates and shapes.
i=0
for seed in "${seeds[@]}"; do
    split=0
    case $((i % 5)) in
        0) opts=() ;;
        1) opts=(--ts-format epoch-ns --fault-rate 10) ;;
        2) opts=(--ts-format epoch-s --fault-rate 5 --locks 40 --agents 60) ;;
        3) opts=(--ts-format epoch-ms --zipf 1.6 --locks 200) ;;
        4) opts=(--fault-rate 20 --agents 40 --locks 30); split=1 ;;
    esac
    i=$((i + 1))
    name="gen-seed$seed"
    if ((split)); then
        # One file per agent, merged again on the command line.
        mkdir -p "$tmp/$name"
        "$loggen" --quiet --bytes "$bytes" --seed "$seed" "${opts[@]}" --split-by-agent "$tmp/$name" \
            || die "lockscope-loggen failed"
        mapfile -t parts < <(find "$tmp/$name" -name '*.jsonl' | sort)
        check "loggen --seed $seed ${opts[*]} --split-by-agent (${#parts[@]} files)" "${parts[@]}"
    else
        "$loggen" --quiet --bytes "$bytes" --seed "$seed" ${opts[@]+"${opts[@]}"} --out "$tmp/$name.jsonl" \
            || die "lockscope-loggen failed"
        check "loggen --seed $seed ${opts[*]-}" "$tmp/$name.jsonl"
        if ((i == 1)); then
            check "loggen --seed $seed --expect-hold '*=20ms'" --expect-hold '*=20ms' "$tmp/$name.jsonl"
            # SPEC §2 sites: the same log with a site on most requests and some acquires
            # (chosen from the agent and lock, so a hold's site is sometimes its request's).
            python3 - "$tmp/$name.jsonl" > "$tmp/$name-sites.jsonl" <<'ADDSITES'
import json, sys, zlib
for raw in open(sys.argv[1], "rb"):
    try:
        e = json.loads(raw)
    except ValueError:
        sys.stdout.write(raw.decode("utf-8", "replace")); continue
    if isinstance(e, dict) and e.get("event") in ("request", "acquire"):
        h = zlib.crc32(f'{e.get("agent")}/{e.get("lock")}/{e.get("event")}'.encode()) % 7
        if h < (5 if e["event"] == "request" else 2):
            e["site"] = f"worker.py:{10 * h + 1} step{h}"
    sys.stdout.write(json.dumps(e) + "\n")
ADDSITES
            check "loggen --seed $seed with sites" "$tmp/$name-sites.jsonl"
            # SPEC §2 lock families: auto (db:orders:85465 is db:orders:*) and a glob first.
            check "loggen --seed $seed --family 'pool/*' --family auto" --family 'pool/*' --family auto "$tmp/$name.jsonl"
        fi
    fi
done

if ((failures)); then
    printf 'check-oracle.sh: %d of %d inputs disagree\n' "$failures" "$checked"
    exit 1
fi
printf 'check-oracle.sh: all %d inputs agree\n' "$checked"
