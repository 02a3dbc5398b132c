#!/usr/bin/env bash
# Large scale without falling over: peak memory and time of `lockscope report` on
#   1. 1,000,000 distinct agents          (lockscope-loggen --agents 1000000)
#   2. 1,000,000 distinct locks           (lockscope-loggen --locks 1000000)
#   3. one lock with 100,000 waiters queued at once
#   4. 50,000,000 events (~10 GB), piped straight from the generator, never on disk
#   5. the shapes that once hung or trapped (Scripts/shapes.py), beside an ordinary log of
#      the same size for events/s: transactions taking rows in key order, one agent holding
#      2,000 locks, random nested pairs, 40,000 readers at once, a 20,000-slot semaphore
#      with 20,000 waiters, `timeline` over 40,000 waiters, 10,000 agents queued 12 days
#   6. 200,000 agents each taking its own lock once (400k events), text and JSON, beside the
#      same events over 1,000 names: what a name costs (issue 18)
#   7. 2,000,000 events over 1,000, 10,000, 100,000 and 1,000,000 distinct agents and locks
#      (agent i on lock i, one acquire/release pair at a time; at 1M each takes its own lock
#      once): events/s and peak bytes a name (agent and lock counted apart) should stay flat
#
#   Scripts/scale.sh                 # all of them
#   SCALE_ONLY=3 Scripts/scale.sh    # one of them
#   SCALE_RUNS=5 SCALE_ONLY=5 Scripts/scale.sh   # case 5 keeps the median of 5 runs a row (default 3)
#   SCALE_BASELINE=/tmp/main/lockscope SCALE_ONLY=5 Scripts/scale.sh   # case 5 beside another
#                                    # build, run in turn with this one (a ratio a row)
#
# Prints a Markdown table (wall time, peak RSS from /usr/bin/time -v). Data goes to
# bench-data/ (gitignored); case 4 writes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
if [ ! -x /usr/bin/time ]; then
  echo "==> installing GNU time" >&2
  (apt-get install -y time >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y time >/dev/null)) || { echo "need /usr/bin/time" >&2; exit 1; }
fi
swift build -c release --product lockscope >&2
swift build -c release --product lockscope-loggen >&2
bin=$(swift build -c release --show-bin-path)
mkdir -p bench-data
only="${SCALE_ONLY:-}"
rows=()

measure() {  # name, then the command (its stdin may be a pipe); lockscope is the measured process
  local name="$1"; shift
  local log; log=$(mktemp)
  local start; start=$(date +%s%N)
  "$@" 2> "$log" > /dev/null
  local end; end=$(date +%s%N)
  local rss; rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$log")
  rows+=("| $name | $(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }') s | $(( rss / 1024 )) MB |")
  rm -f "$log"
}

report() {  # lockscope ($LOCKSCOPE when set: case 5's baseline) under /usr/bin/time -v, JSON to /dev/null
  /usr/bin/time -v "${LOCKSCOPE:-$bin/lockscope}" report --format json --top 5 "$@"
}

if [ -z "$only" ] || [ "$only" = 1 ]; then
  f=bench-data/scale-agents-1M.jsonl
  [ -s "$f" ] || "$bin/lockscope-loggen" --events 3000000 --agents 1000000 --locks 2000 --quiet --out "$f"
  measure "1,000,000 agents (3M events, $(du -h "$f" | cut -f1))" report "$f"
fi
if [ -z "$only" ] || [ "$only" = 2 ]; then
  f=bench-data/scale-locks-1M.jsonl
  [ -s "$f" ] || "$bin/lockscope-loggen" --events 3000000 --agents 2000 --locks 1000000 --zipf 0.5 --quiet --out "$f"
  measure "1,000,000 locks (3M events, $(du -h "$f" | cut -f1))" report "$f"
fi
if [ -z "$only" ] || [ "$only" = 3 ]; then
  f=bench-data/scale-queue-100k.jsonl
  [ -s "$f" ] || python3 - "$f" <<'PY'
import sys
n = 100_000
t = 1_795_341_600_000_000  # µs
with open(sys.argv[1], "w") as out:
    out.write('{"ts":%d,"event":"acquire","agent":"holder","lock":"L"}\n' % t)
    for i in range(n):
        t += 1
        out.write('{"ts":%d,"event":"request","agent":"w%d","lock":"L"}\n' % (t, i))
    t += 1
    out.write('{"ts":%d,"event":"release","agent":"holder","lock":"L"}\n' % t)
    for i in range(n):
        out.write('{"ts":%d,"event":"acquire","agent":"w%d","lock":"L"}\n' % (t, i))
        t += 1
        out.write('{"ts":%d,"event":"release","agent":"w%d","lock":"L"}\n' % (t, i))
PY
  measure "one lock, 100,000 waiters queued (300k events)" report "$f"
fi
if [ -z "$only" ] || [ "$only" = 4 ]; then
  pipeline() { "$bin/lockscope-loggen" --events 50000000 --quiet | report -; }
  measure "50,000,000 events (~10 GB, piped from the generator)" pipeline
fi

if [ -z "$only" ] || [ "$only" = 5 ]; then
  # Each row is the run of median wall time among SCALE_RUNS (the machine is often shared:
  # one slow run should not decide a ratio), with that run's peak RSS and CPU time.
  # SCALE_BASELINE=/path/to/lockscope (another build, say main's) is run in turn with this
  # one, run for run, so both see the same minutes of a shared machine: each row is then
  # followed by the baseline's and the ratio of their medians.
  runs="${SCALE_RUNS:-3}"
  baseline="${SCALE_BASELINE:-}"
  one() {  # binary, then the command, run with LOCKSCOPE set to the binary: "ns rss cpu"
    local binary="$1"; shift
    local log start end; log=$(mktemp)
    start=$(date +%s%N)
    LOCKSCOPE="$binary" "$@" 2> "$log" > /dev/null
    end=$(date +%s%N)
    echo "$((end - start)) $(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); r = $2}
      /User time/ {u = $2} /System time/ {s = $2} END {printf "%d %.2f", r, u + s}' "$log")"
    rm -f "$log"
  }
  row() {  # name, events, "ns rss cpu" of the median run
    local ns rss cpu rate=""
    read -r ns rss cpu <<< "$3"
    if [ -n "$2" ]; then rate=$(awk -v n="$2" -v ns="$ns" 'BEGIN { printf " %.0f k events/s |", n / ns * 1e6 }'); fi
    rows+=("| $1 | $(awk -v ns="$ns" 'BEGIN { printf "%.2f", ns / 1e9 }') s ($cpu s CPU) | $(( rss / 1024 )) MB |$rate")
  }
  median() {  # name, events, then the command: adds one row (two and a ratio with a baseline)
    local name="$1" events="$2"; shift 2
    local results=() others=() i
    for ((i = 0; i < runs; i++)); do
      results+=("$(one "$bin/lockscope" "$@")")
      if [ -n "$baseline" ]; then others+=("$(one "$baseline" "$@")"); fi
    done
    local pick=$(( (runs + 1) / 2 ))
    local chosen; chosen=$(printf '%s\n' "${results[@]}" | sort -n | sed -n "${pick}p")
    row "$name" "$events" "$chosen"
    if [ -n "$baseline" ]; then
      local other; other=$(printf '%s\n' "${others[@]}" | sort -n | sed -n "${pick}p")
      row "$name, baseline" "$events" "$other"
      rows[-1]="${rows[-1]} $(awk -v a="${chosen%% *}" -v b="${other%% *}" 'BEGIN { printf "%.2fx the baseline |", b / a }')"
    fi
  }
  shape() {  # name, file, then shapes.py arguments
    local name="$1" f="bench-data/shape-$2.jsonl"; shift 2
    [ -s "$f" ] || python3 Scripts/shapes.py "$@" > "$f"
    local lines; lines=$(wc -l < "$f")
    median "$name ($lines events)" "$lines" report "$f"
  }
  f=bench-data/shape-ordinary.jsonl
  [ -s "$f" ] || "$bin/lockscope-loggen" --events 400000 --quiet --out "$f"
  median "ordinary log (loggen, 400000 events)" 400000 report "$f"
  shape "transactions: 10,000 of 20 rows out of 100,000, in key order" transactions transactions 10000 20 100000
  shape "one agent holding 2,000 locks at once" nesting nesting 2000
  shape "1,000,000 random nested pairs over 3,000 locks" pairs pairs 1000000 3000
  shape "40,000 readers holding one lock at once" readers readers 40000
  shape "a 20,000-slot semaphore, 20,000 holders and 20,000 waiters" semaphore semaphore 20000
  shape "10,000 agents queued 12 days on one lock" long-queue long-queue 10000 12
  f=bench-data/shape-queue.jsonl
  [ -s "$f" ] || python3 Scripts/shapes.py queue 40000 > "$f"
  timeline() { /usr/bin/time -v "$LOCKSCOPE" timeline "$@"; }
  median "timeline (text) over 40,000 waiters" "" timeline "$f"
fi

if [ -z "$only" ] || [ "$only" = 6 ]; then
  own() {  # file, number of distinct names: 200,000 acquire/release pairs, agent i on lock i
    [ -s "$1" ] || python3 - "$1" "$2" <<'PY'
import sys
names = int(sys.argv[2])
t = 1_795_341_600_000_000  # µs
with open(sys.argv[1], "w") as out:
    for i in range(200_000):
        k = i % names
        out.write('{"ts":%d,"event":"acquire","agent":"agent-%d","lock":"lock-%d"}\n' % (t + 2 * i, k, k))
        out.write('{"ts":%d,"event":"release","agent":"agent-%d","lock":"lock-%d"}\n' % (t + 2 * i + 1, k, k))
PY
  }
  text() { /usr/bin/time -v "$bin/lockscope" report "$@"; }
  json() { /usr/bin/time -v "$bin/lockscope" report --format json "$@"; }
  own bench-data/own-200k.jsonl 200000
  own bench-data/own-1k.jsonl 1000
  measure "200,000 agents × own lock (400k events), text" text bench-data/own-200k.jsonl
  measure "200,000 agents × own lock (400k events), JSON" json bench-data/own-200k.jsonl
  measure "the same events over 1,000 names, text" text bench-data/own-1k.jsonl
  measure "the same events over 1,000 names, JSON" json bench-data/own-1k.jsonl
fi

if [ -z "$only" ] || [ "$only" = 7 ]; then
  for names in 1000 10000 100000 1000000; do
    f=bench-data/names-$names.jsonl
    [ -s "$f" ] || python3 - "$f" "$names" <<'PY'
import sys
names = int(sys.argv[2])
t = 1_795_341_600_000_000  # µs
with open(sys.argv[1], "w") as out:
    for i in range(1_000_000):
        k = i % names
        out.write('{"ts":%d,"event":"acquire","agent":"agent-%d","lock":"lock-%d"}\n' % (t + 2 * i, k, k))
        out.write('{"ts":%d,"event":"release","agent":"agent-%d","lock":"lock-%d"}\n' % (t + 2 * i + 1, k, k))
PY
    text() { /usr/bin/time -v "$bin/lockscope" report "$@"; }
    start=$(date +%s%N); measure "2,000,000 events over $names agents and $names locks, text" text "$f"; end=$(date +%s%N)
    rss=$(awk -F'|' '{ gsub(/[ MB]/, "", $4); print $4 }' <<< "${rows[-1]}")
    rows[-1]="${rows[-1]} $(awk -v ns=$((end - start)) -v mb="$rss" -v n="$names" \
      'BEGIN { printf "%.0f k events/s, %.0f B a name |", 2000000 / ns * 1e6, mb * 1048576 / (2 * n) }')"
  done
fi

echo
echo "| case | wall time | peak RSS of lockscope | events/s |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
