#!/usr/bin/env bash
# Benchmark `lockscope report` beside `cat`, a plain one-core scan and DuckDB, in one run,
# on two generated logs: the lean one (five fields, ~207 bytes a line) and one with the
# fields real services log (--extra-fields: level, host, pid, trace and span ids, an
# escaped msg; ~275 bytes a line). Machines differ from day to day: read the ratios.
#
#   Scripts/bench.sh                      # two ~256 MiB logs, seed 1
#   BENCH_SIZE=64M Scripts/bench.sh       # smaller logs
#   BENCH_CALLGRIND=1 Scripts/bench.sh    # also count instructions on a 20 MiB slice
#
# Environment (all optional):
#   BENCH_SIZE            size of each log for lockscope-loggen --bytes (default 256M)
#   BENCH_SEED            generator seed (default 1)
#   BENCH_RUNS            timed runs per command (default 3; the median is shown)
#   BENCH_WARMUP          warmup runs per command (default 1)
#   BENCH_INTERLEAVE      1 (default): BENCH_RUNS rounds, each timing every command once in
#                         turn, so a minute in which the machine is slow slows them all and
#                         their ratios hold; 0: every run of one command, then the next
#   BENCH_ARGS            extra arguments for every lockscope command (e.g. '--top 5')
#   BENCH_LOGS            which logs: 'lean extra' (default), 'lean' or 'extra'
#   BENCH_DUCKDB          0: leave DuckDB out; otherwise it is measured when
#                         `python3 -c 'import duckdb'` works (pip install duckdb)
#   LOCKSCOPE_BIN         the lockscope to measure (default: the release build); a
#                         variant it rejects (an older build without --threads) is left out
#   BENCH_CALLGRIND       1: also run valgrind --tool=callgrind on a small extra-fields log
#   BENCH_CALLGRIND_SIZE  size of that log (default 20M)
#   BENCH_RSS_HEADS       0: skip the peak RSS of the full report on the log's first
#                         quarter and half (default: measured, to show whether it is flat)
# See Scripts/README-bench.md for how to read the output.
set -euo pipefail

# Run from the repository root whatever the caller's directory, so relative paths hold.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size="${BENCH_SIZE:-256M}"
seed="${BENCH_SEED:-1}"
runs="${BENCH_RUNS:-3}"
warmup="${BENCH_WARMUP:-1}"
cg_size="${BENCH_CALLGRIND_SIZE:-20M}"
which_logs="${BENCH_LOGS:-lean extra}"
data_dir="bench-data"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 2; }

# The size and seed become part of a file name: keep them to plain tokens.
[[ "$size" =~ ^[0-9]+(\.[0-9]+)?([KMGTkmgt](i?[Bb])?)?$ ]] || die "BENCH_SIZE '$size' is not a size like 200M or 1G"
[[ "$cg_size" =~ ^[0-9]+(\.[0-9]+)?([KMGTkmgt](i?[Bb])?)?$ ]] || die "BENCH_CALLGRIND_SIZE '$cg_size' is not a size"
[[ "$seed" =~ ^[0-9]+$ ]] || die "BENCH_SEED '$seed' is not a non-negative integer"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS '$runs' is not a positive integer"
[[ "$warmup" =~ ^[0-9]+$ ]] || die "BENCH_WARMUP '$warmup' is not a non-negative integer"
for kind in $which_logs; do
  [[ "$kind" == lean || "$kind" == extra ]] || die "BENCH_LOGS takes 'lean' and/or 'extra', not '$kind'"
done

# --- tools ------------------------------------------------------------------------------
# apt-get as root, or through sudo; 'apt-get update' only when a first install fails
# (fresh containers ship without package lists). Returns non-zero instead of dying: every
# tool but GNU time is optional.
apt_install() {
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || return 1
    sudo=(sudo)
  fi
  log "installing $* with apt-get"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1 && return 0
  "${sudo[@]}" apt-get update >/dev/null 2>&1 || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1
}

command -v hyperfine >/dev/null || apt_install hyperfine || log "no hyperfine: timing runs with date instead"
# GNU time (for -v and its peak RSS); bash's `time` keyword cannot report memory.
/usr/bin/time -v true >/dev/null 2>&1 || apt_install time || die "need GNU time (/usr/bin/time -v) for peak RSS"
if [[ "${BENCH_CALLGRIND:-0}" == 1 ]]; then
  command -v valgrind >/dev/null || apt_install valgrind || die "BENCH_CALLGRIND=1 needs valgrind"
fi
have_duckdb=0
if [[ "${BENCH_DUCKDB:-1}" != 0 ]] && python3 -c 'import duckdb' 2>/dev/null; then have_duckdb=1; fi
[[ "$have_duckdb" == 1 ]] || log "DuckDB left out (python3 -m pip install duckdb to include it)"
command -v cc >/dev/null || die "need a C compiler (cc) for the plain scan"

# --- build ------------------------------------------------------------------------------
# The generator does not depend on LockscopeCore, so a LOCKSCOPE_BIN stand-in still works
# while lockscope itself does not build.
log "building lockscope-loggen (release)"
swift build -c release --product lockscope-loggen >&2
bin_dir="$(swift build -c release --show-bin-path)"
loggen="$bin_dir/lockscope-loggen"
lockscope="${LOCKSCOPE_BIN:-}"
if [[ -z "$lockscope" ]]; then
  log "building lockscope (release)"
  swift build -c release --product lockscope >&2 || die "lockscope does not build; set LOCKSCOPE_BIN to measure another build"
  lockscope="$bin_dir/lockscope"
fi
mkdir -p "$data_dir"
scan="$data_dir/plain-scan"
cc -O2 -o "$scan" Scripts/bench/plain-scan.c
# The issue's own baseline: the same walk in plain Swift (a byte loop; the C one's memchr
# finds quotes and newlines with vector instructions, about twice as fast here).
swift_scan="$data_dir/plain-scan-swift"
swiftc -O -o "$swift_scan" Scripts/bench/plain-scan.swift >&2
read -r -a extra_args <<<"${BENCH_ARGS:-}"

# --- data -------------------------------------------------------------------------------
# A log is made once per (kind, size, seed) and reused: generation is deterministic.
# Written to .tmp and renamed, so an interrupted run never leaves a truncated log behind.
generate() {  # generate KIND SIZE -> prints the log's path
  local kind="$1" sz="$2" out flags=()
  out="$data_dir/loggen-$kind-$sz-seed$seed.jsonl"
  # The extra-fields log is the issue's "realistic" one: 5000 locks, every line decorated.
  [[ "$kind" == extra ]] && flags=(--extra-fields --locks 5000)
  if [[ -s "$out" && -s "$out.info" ]]; then
    log "reusing $out"
  else
    log "generating $out (--bytes $sz --seed $seed ${flags[*]})"
    "$loggen" --bytes "$sz" --seed "$seed" "${flags[@]}" --out "$out.tmp" 2>"$out.info.tmp"
    mv "$out.tmp" "$out"
    mv "$out.info.tmp" "$out.info"
  fi
  cat "$out.info" >&2
  printf '%s\n' "$out"
}

# --- measuring --------------------------------------------------------------------------
# The commands, by name; FILE is replaced by the log. Shell-quoted, for hyperfine.
q() { printf '%q ' "$@"; }
names=(cat plain-scan plain-scan-swift report no-findings threads-1)
declare -A command_of=(
  [cat]="cat FILE"
  [plain-scan]="$(q "$scan") FILE"
  [plain-scan-swift]="$(q "$swift_scan") FILE"
  [report]="$(q "$lockscope" report --format json "${extra_args[@]}") FILE"
  [no-findings]="$(q "$lockscope" report --format json --no-findings "${extra_args[@]}") FILE"
  [threads-1]="$(q "$lockscope" report --format json --threads 1 "${extra_args[@]}") FILE"
)
declare -A shown_as=(
  [cat]='`cat` (page cache)'
  [plain-scan]='plain one-core scan of four fields (C)'
  [plain-scan-swift]='plain one-core scan of four fields (Swift)'
  [report]='`lockscope report --format json`'
  [no-findings]='`lockscope report --format json --no-findings`'
  [threads-1]='`lockscope report --format json --threads 1`'
  [duckdb]='DuckDB, per-lock hold percentiles, 2 threads'
)
if [[ "$have_duckdb" == 1 ]]; then
  names+=(duckdb)
  command_of[duckdb]="python3 Scripts/bench/duckdb-holds.py FILE"
fi

# The median of the numbers given as arguments.
median_of() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# User plus system seconds (hyperfine's two CPU columns).
cpu_seconds() { awk -v u="$1" -v s="$2" 'BEGIN { print u + s }'; }
# What part of the whole $1 the extra over $2 is, as a percentage ("n/a" when unknown).
share() { awk -v w="$1" -v p="$2" 'BEGIN { if (w == "" || p == "" || w == 0) print "n/a"; else printf "%.0f%%", (w - p) / w * 100 }'; }
# "fastest–slowest" of the seconds given as arguments: how far a command's runs spread (on
# a shared VM one command can move by half while the others hold).
range_of() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { low = $1 } { high = $1 } END { printf "%.3f–%.3f", low, high }'; }

# Medians in seconds of each command on FILE, into the array `median`.
# `cpu`: user + system seconds of the same runs (median): the work done, which a core the
# VM lends elsewhere for a moment does not inflate as it does the wall time of two threads.
declare -A median rss cpu spread
measure() {  # measure FILE KIND
  local file="$1" kind="$2" name cmd stamp
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  local usable=()
  for name in "${names[@]}"; do
    cmd="${command_of[$name]//FILE/$(q "$file")}"
    # A variant the binary rejects (an older build) is left out rather than timed failing.
    if ! (head -n 2000 "$file" >"$data_dir/probe.jsonl" && eval "${command_of[$name]//FILE/$data_dir/probe.jsonl}" >/dev/null 2>&1); then
      log "leaving out $name: it fails on the first lines of the log"
      continue
    fi
    usable+=("$name")
  done
  if command -v hyperfine >/dev/null && [[ "${BENCH_INTERLEAVE:-1}" != 0 ]]; then
    # Rounds: one hyperfine run of every command in turn, `runs` times after `warmup`
    # untimed rounds; each command's median is over the rounds. A machine whose speed
    # drifts by tens of percent within minutes (a shared VM) moves a whole round, not
    # one command's runs, so the ratios between commands hold.
    local csv="$data_dir/hyperfine-$kind-$stamp.csv" args=() round used
    for name in "${usable[@]}"; do
      args+=(--command-name "$name" "${command_of[$name]//FILE/$(q "$file")} > /dev/null")
    done
    declare -A times_of=() cpu_of=()
    echo "round,command,seconds,cpu_seconds" >"$csv"
    for ((round = 1 - warmup; round <= runs; round++)); do
      hyperfine --runs 1 --warmup 0 --style none --export-csv "$csv.round" "${args[@]}" >/dev/null
      ((round >= 1)) || continue
      # CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
      while IFS=, read -r name _ _ med user system _; do
        [[ "$name" == command ]] && continue
        used="$(cpu_seconds "$user" "$system")"
        times_of[$name]+="$med "
        cpu_of[$name]+="$used "
        echo "$round,$name,$med,$used" >>"$csv"
      done <"$csv.round"
      log "round $round of $runs done"
    done
    rm -f "$csv.round"
    for name in "${usable[@]}"; do
      median[$kind.$name]="$(median_of ${times_of[$name]})"
      cpu[$kind.$name]="$(median_of ${cpu_of[$name]})"
      spread[$kind.$name]="$(range_of ${times_of[$name]})"
    done
  elif command -v hyperfine >/dev/null; then
    local csv="$data_dir/hyperfine-$kind-$stamp.csv" args=()
    for name in "${usable[@]}"; do
      args+=(--command-name "$name" "${command_of[$name]//FILE/$(q "$file")} > /dev/null")
    done
    hyperfine --warmup "$warmup" --runs "$runs" --export-csv "$csv" --export-json "${csv%.csv}.json" "${args[@]}" >&2
    # CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
    while IFS=, read -r name _ _ med user system low high; do
      [[ "$name" == command ]] && continue
      median[$kind.$name]="$med"
      spread[$kind.$name]="$(range_of "$low" "$high")"
      cpu[$kind.$name]="$(cpu_seconds "$user" "$system")"  # hyperfine's means
    done <"$csv"
  else
    for name in "${usable[@]}"; do
      cmd="${command_of[$name]//FILE/$(q "$file")} > /dev/null"
      local times=() i start
      for ((i = 0; i < warmup; i++)); do eval "$cmd"; done
      for ((i = 0; i < runs; i++)); do
        start="$(date +%s.%N)"
        eval "$cmd"
        times+=("$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')")
      done
      median[$kind.$name]="$(median_of "${times[@]}")"
      spread[$kind.$name]="$(range_of "${times[@]}")"
    done
  fi
  # Peak memory: one run each under GNU time.
  for name in "${usable[@]}"; do
    cmd="${command_of[$name]//FILE/$(q "$file")} > /dev/null"
    /usr/bin/time -v -o "$data_dir/time-$kind-$name.txt" bash -c "$cmd"
    rss[$kind.$name]="$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%.0f", $2 * 1024 / 1e6 }' "$data_dir/time-$kind-$name.txt")"
  done
}

# Peak RSS of the full report on the first quarter and half of FILE (whole lines) and on
# all of it: flat in the log's length is the goal. Into `heads_rss[KIND]`.
declare -A heads_rss
rss_heads() {  # rss_heads FILE KIND
  local file="$1" kind="$2" bytes part head cmd out=()
  bytes="$(stat -c %s "$file")"
  for part in 4 2; do
    head="$data_dir/head-$kind.jsonl"
    head -c "$((bytes / part))" "$file" | sed '$d' >"$head"
    cmd="$(q "$lockscope" report --format json "${extra_args[@]}") $(q "$head") > /dev/null"
    /usr/bin/time -v -o "$data_dir/time-$kind-head.txt" bash -c "$cmd"
    out+=("$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%.0f", $2 * 1024 / 1e6 }' "$data_dir/time-$kind-head.txt")")
    rm -f "$head"
  done
  heads_rss[$kind]="${out[0]} MB (first quarter), ${out[1]} MB (first half), ${rss[$kind.report]:-?} MB (all)"
}

declare -A file_of bytes_of lines_of
for kind in $which_logs; do
  file_of[$kind]="$(generate "$kind" "$size")"
  bytes_of[$kind]="$(stat -c %s "${file_of[$kind]}")"
  lines_of[$kind]="$(wc -l <"${file_of[$kind]}")"
  # Both scans print their line count and checksum: they must agree (the same walk).
  "$scan" "${file_of[$kind]}" >&2
  "$swift_scan" "${file_of[$kind]}" >&2
  log "measuring on ${file_of[$kind]}"
  measure "${file_of[$kind]}" "$kind"
  if [[ "${BENCH_RSS_HEADS:-1}" != 0 ]]; then
    log "peak RSS on the first quarter and half of ${file_of[$kind]}"
    rss_heads "${file_of[$kind]}" "$kind"
  fi
done

# --- instruction count (optional) -------------------------------------------------------
# Callgrind counts instructions executed (all threads): unlike wall time it barely moves
# between runs or with load on the machine, so it shows changes timing noise hides.
cg_line=""
if [[ "${BENCH_CALLGRIND:-0}" == 1 ]]; then
  cg_log="$(generate extra "$cg_size")"
  cg_lines="$(wc -l <"$cg_log")"
  cg_out="$data_dir/callgrind-$(date -u +%Y%m%dT%H%M%SZ).out"
  # Instructions of one lockscope run under callgrind, its profile in OUT (and OUT.log).
  instructions() {  # instructions OUT ARGS...
    local out="$1"
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$lockscope" "$@" >/dev/null 2>"$out.log"
    # The out file's "summary:"/"totals:" line holds the total Ir of the whole run.
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
  }
  log "callgrind on $cg_log (slow: ~50x native)"
  ir="$(instructions "$cg_out" report --format json "${extra_args[@]}" "$cg_log")"
  # The same without the findings: their share of the instructions, which unlike their
  # share of the wall time does not move with the machine's load.
  ir_plain="$(instructions "$cg_out.no-findings" report --format json --no-findings "${extra_args[@]}" "$cg_log")"
  cg_line="$(awk -v i="$ir" -v l="$cg_lines" 'BEGIN { printf "%.0f instructions a line", i / l }')"
  cg_line="| instructions (callgrind, \`report --format json\`, $cg_size extra-fields log) | $ir Ir, $cg_line; $ir_plain Ir with \`--no-findings\` (findings: $(share "$ir" "$ir_plain") of the instructions) |"
fi

# --- summary ----------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == 0) print "n/a"; else printf "%.2f", b / a }'; }
cpu_model="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"

printf '\n---- benchmark summary (paste into the README) ----\n'
for kind in $which_logs; do
  b="${bytes_of[$kind]}"
  printf '\n%s log: %s MB, %s lines (%s bytes a line), lockscope-loggen --bytes %s --seed %s%s\n\n' \
    "$kind" "$(awk -v b="$b" 'BEGIN { printf "%.0f", b / 1e6 }')" "${lines_of[$kind]}" \
    "$(awk -v b="$b" -v l="${lines_of[$kind]}" 'BEGIN { printf "%.0f", b / l }')" "$size" "$seed" \
    "$([[ "$kind" == extra ]] && echo ' --extra-fields --locks 5000')"
  printf '| | MB/s | × C scan | × Swift scan | wall s, fastest–slowest run | CPU s (user + sys) | peak RSS |\n|---|---|---|---|---|---|---|\n'
  scan_s="${median[$kind.plain-scan]:-}"
  swift_s="${median[$kind.plain-scan-swift]:-}"
  for name in "${names[@]}"; do
    s="${median[$kind.$name]:-}"
    [[ -n "$s" ]] || continue
    printf '| %s | %s | %s | %s | %s | %s | %s MB |\n' "${shown_as[$name]}" \
      "$(awk -v b="$b" -v s="$s" 'BEGIN { printf "%.0f", b / 1e6 / s }')" "$(ratio "$s" "$scan_s")" \
      "$(ratio "$s" "$swift_s")" "${spread[$kind.$name]:-?}" "$(awk -v c="${cpu[$kind.$name]:-}" 'BEGIN { if (c == "") print "?"; else printf "%.2f", c }')" \
      "${rss[$kind.$name]:-?}"
  done
  report_s="${median[$kind.report]:-}"
  printf '\n'
  printf -- '- full report / plain Swift scan (the issue'"'"'s baseline): %s (goal ≥ 1.4)\n' "$(ratio "$report_s" "$swift_s")"
  printf -- '- --threads 1 / plain Swift scan: %s (goal ≥ 0.7)\n' "$(ratio "${median[$kind.threads-1]:-}" "$swift_s")"
  printf -- '- full report / plain C scan (stricter): %s; --threads 1: %s\n' "$(ratio "$report_s" "$scan_s")" \
    "$(ratio "${median[$kind.threads-1]:-}" "$scan_s")"
  [[ -n "${median[$kind.duckdb]:-}" ]] && printf -- '- full report / DuckDB: %s (goal ≥ 6)\n' "$(ratio "$report_s" "${median[$kind.duckdb]}")"
  if [[ -n "${median[$kind.no-findings]:-}" && -n "$report_s" ]]; then
    # The CPU time's share beside the wall time's: two threads' wall time moves with the
    # second core's availability far more than the work done does.
    printf -- '- findings cost: %s of the wall time over --no-findings (goal ≤ 10%%); %s of the CPU time\n' \
      "$(share "$report_s" "${median[$kind.no-findings]}")" "$(share "${cpu[$kind.report]:-}" "${cpu[$kind.no-findings]:-}")"
  fi
  if [[ -n "${heads_rss[$kind]:-}" ]]; then
    printf -- '- full report peak RSS by length: %s (goal: < 64 MB and flat)\n' "${heads_rss[$kind]}"
  fi
done
printf '\n%s\n' "${cg_line:+$cg_line}"
printf 'Medians of %s runs after %s warmup (%s%s); MB = 10^6 bytes. %s CPUs, %s; revision %s, %s.\n' \
  "$runs" "$warmup" "$(command -v hyperfine >/dev/null && echo hyperfine || echo 'date')" \
  "$([[ "${BENCH_INTERLEAVE:-1}" != 0 ]] && command -v hyperfine >/dev/null && echo ', in rounds of every command in turn')" \
  "$(nproc)" "$cpu_model" "$commit" "$(date -u +%Y-%m-%d)"
printf -- '---------------------------------------------------\n'
