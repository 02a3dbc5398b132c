#!/usr/bin/env bash
# Compare two lockscope builds on a machine whose speed drifts: run them alternately, A B
# A B …, on the same arguments, so a slow minute slows both, and print each one's median
# and fastest wall time, its median user time, and the ratio of the medians.
#
#   Scripts/ab.sh OLD_BIN NEW_BIN report --format json bench-data/loggen-extra-256M-seed1.jsonl
#   AB_RUNS=15 Scripts/ab.sh OLD NEW report app.jsonl      # runs of each (default 9)
#
# Both see the same arguments; to compare two option sets of one build, give a wrapper
# script as one side (`exec lockscope "$@" --threads 3`). Outputs go to /dev/null; a
# non-zero exit status is reported and stops the comparison.
set -euo pipefail

[[ $# -ge 3 ]] || { echo "usage: Scripts/ab.sh BIN_A BIN_B ARGS..." >&2; exit 2; }
a=$1 b=$2
shift 2
runs="${AB_RUNS:-9}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: AB_RUNS '$runs' is not a positive integer" >&2; exit 2; }
/usr/bin/time -f "" true 2>/dev/null || { echo "ab.sh: needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 2; }

times=$(mktemp)
trap 'rm -f "$times"' EXIT
for _ in $(seq "$runs"); do
  for side in A B; do
    bin=$a
    [[ $side == B ]] && bin=$b
    if ! /usr/bin/time -o "$times" -a -f "$side %e %U" "$bin" "$@" > /dev/null 2> /dev/null; then
      echo "ab.sh: $bin $* failed" >&2
      exit 2
    fi
  done
done

python3 - "$times" "$a" "$b" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line[:2] in ("A ", "B ")]
medians = {}
for side, name in (("A", sys.argv[2]), ("B", sys.argv[3])):
    wall = [float(r[1]) for r in rows if r[0] == side]
    user = [float(r[2]) for r in rows if r[0] == side]
    medians[side] = statistics.median(wall)
    print(f"{side} {name}: median wall {medians[side]:.3f} s, fastest {min(wall):.3f} s, median user {statistics.median(user):.3f} s ({len(wall)} runs)")
print(f"B / A (median wall): {medians['B'] / medians['A']:.3f}")
PY
