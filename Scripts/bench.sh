#!/usr/bin/env bash
# Benchmark `lockscope report` on a generated lock event log.
#
#   Scripts/bench.sh                      # ~1 GiB log, seed 1
#   BENCH_SIZE=200M Scripts/bench.sh      # smaller log
#   BENCH_CALLGRIND=1 Scripts/bench.sh    # also count instructions on a 20 MiB log
#
# Environment (all optional):
#   BENCH_SIZE            log size for lockscope-loggen --bytes (default 1G; K/M/G = KiB/MiB/GiB)
#   BENCH_SEED            generator seed (default 1)
#   BENCH_RUNS            hyperfine timed runs (default 5)
#   BENCH_WARMUP          hyperfine warmup runs (default 1)
#   BENCH_ARGS            extra arguments for lockscope (e.g. '--top 5')
#   LOCKSCOPE_BIN         the program to measure (default: the release build of lockscope);
#                         may hold a command with words, e.g. 'wc -l' (alias: LOCKSCOPE)
#   LOCKSCOPE_ARGS        the subcommand and options before BENCH_ARGS
#                         (default 'report --format json'; set it empty for a stand-in)
#   BENCH_CALLGRIND       1: also run valgrind --tool=callgrind on a small log
#   BENCH_CALLGRIND_SIZE  size of that log (default 20M)
# See Scripts/README-bench.md for how to read the output.
set -euo pipefail

# Run from the repository root whatever the caller's directory, so relative paths hold.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size="${BENCH_SIZE:-1G}"
seed="${BENCH_SEED:-1}"
runs="${BENCH_RUNS:-5}"
warmup="${BENCH_WARMUP:-1}"
cg_size="${BENCH_CALLGRIND_SIZE:-20M}"
data_dir="bench-data"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 2; }

# The size and seed become part of a file name: keep them to plain tokens.
[[ "$size" =~ ^[0-9]+(\.[0-9]+)?([KMGTkmgt](i?[Bb])?)?$ ]] || die "BENCH_SIZE '$size' is not a size like 200M or 1G"
[[ "$cg_size" =~ ^[0-9]+(\.[0-9]+)?([KMGTkmgt](i?[Bb])?)?$ ]] || die "BENCH_CALLGRIND_SIZE '$cg_size' is not a size"
[[ "$seed" =~ ^[0-9]+$ ]] || die "BENCH_SEED '$seed' is not a non-negative integer"

# --- tools ------------------------------------------------------------------------------
# apt-get as root, or through sudo; 'apt-get update' only when a first install fails
# (fresh containers ship without package lists).
apt_install() {
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root or sudo to install: $*"
    sudo=(sudo)
  fi
  log "installing $* with apt-get"
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null; then
    "${sudo[@]}" apt-get update >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null
  fi
}

command -v hyperfine >/dev/null || apt_install hyperfine
# GNU time (for -v and its peak RSS); bash's `time` keyword cannot report memory.
/usr/bin/time -v true >/dev/null 2>&1 || apt_install time
if [[ "${BENCH_CALLGRIND:-0}" == 1 ]]; then
  command -v valgrind >/dev/null || apt_install valgrind
fi

# --- build ------------------------------------------------------------------------------
# Build the two products separately: the generator does not depend on LockscopeCore, so a
# stand-in LOCKSCOPE_BIN still works while lockscope itself does not build.
log "building lockscope-loggen (release)"
swift build -c release --product lockscope-loggen >&2
bin_dir="$(swift build -c release --show-bin-path)"
loggen="$bin_dir/lockscope-loggen"

lockscope_bin="${LOCKSCOPE_BIN:-${LOCKSCOPE:-}}"
if [[ -z "$lockscope_bin" ]]; then
  log "building lockscope (release)"
  swift build -c release --product lockscope >&2 \
    || die "lockscope does not build; set LOCKSCOPE_BIN to measure another program"
  lockscope_bin="$bin_dir/lockscope"
fi
# Split the command into words so a stand-in like 'wc -l' works; paths with spaces do not.
read -r -a lockscope_cmd <<<"$lockscope_bin"
read -r -a lockscope_args <<<"${LOCKSCOPE_ARGS-report --format json}"
read -r -a extra_args <<<"${BENCH_ARGS:-}"

# --- data -------------------------------------------------------------------------------
mkdir -p "$data_dir"

# Generate a log once per (size, seed) and reuse it: generation is deterministic, and a
# 1 GiB file takes a few seconds to write. Written to .tmp and renamed, so an interrupted
# run never leaves a truncated log behind that a later run would reuse.
generate() {  # generate SIZE -> prints the log's path
  local sz="$1" out="$data_dir/loggen-$1-seed$seed.jsonl"
  if [[ -s "$out" && -s "$out.info" ]]; then
    log "reusing $out"
  else
    log "generating $out (--bytes $sz --seed $seed)"
    "$loggen" --bytes "$sz" --seed "$seed" --out "$out.tmp" 2>"$out.info.tmp"
    mv "$out.tmp" "$out"
    mv "$out.info.tmp" "$out.info"
  fi
  cat "$out.info" >&2
  printf '%s\n' "$out"
}

log_file="$(generate "$size")"
bytes="$(stat -c %s "$log_file")"
lines="$(wc -l <"$log_file")"
mb="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"

# One command line, shell-quoted, for hyperfine (which runs it through sh).
cmd_line="$(printf '%q ' "${lockscope_cmd[@]}" "${lockscope_args[@]}" "${extra_args[@]}" "$log_file")> /dev/null"
# The same, for people: program name without the build directory, no file.
shown_cmd="${lockscope_cmd[*]}"
[[ -n "${LOCKSCOPE_BIN:-${LOCKSCOPE:-}}" ]] || shown_cmd="lockscope"
shown_cmd="$shown_cmd${lockscope_args[*]:+ ${lockscope_args[*]}}${extra_args[*]:+ ${extra_args[*]}} FILE"
log "measuring: $cmd_line"

# --- 1. wall time -----------------------------------------------------------------------
# Median, not mean: on a shared machine, a few runs slowed by neighbours pull the mean up.
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
json_out="$data_dir/hyperfine-$stamp.json"
csv_out="$data_dir/hyperfine-$stamp.csv"
hyperfine --warmup "$warmup" --runs "$runs" --command-name lockscope \
  --export-json "$json_out" --export-csv "$csv_out" "$cmd_line" >&2
# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
median="$(awk -F, 'NR == 2 { printf "%.3f", $4 }' "$csv_out")"
min_s="$(awk -F, 'NR == 2 { printf "%.3f", $7 }' "$csv_out")"
max_s="$(awk -F, 'NR == 2 { printf "%.3f", $8 }' "$csv_out")"
# Throughput from the unrounded median.
mbps="$(awk -F, -v b="$bytes" 'NR == 2 { printf "%.1f", b / 1e6 / $4 }' "$csv_out")"
printf '\nmedian %s s (min %s, max %s over %s runs)  ->  %s MB/s\n' \
  "$median" "$min_s" "$max_s" "$runs" "$mbps"

# --- 2. peak memory ---------------------------------------------------------------------
time_out="$data_dir/time-$stamp.txt"
/usr/bin/time -v -o "$time_out" "${lockscope_cmd[@]}" "${lockscope_args[@]}" "${extra_args[@]}" \
  "$log_file" >/dev/null
rss_kb="$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$time_out")"
rss_mb="$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')"
printf 'peak RSS %s MB (%s kB)\n' "$rss_mb" "$rss_kb"

# --- 3. instruction count (optional) ----------------------------------------------------
# Callgrind counts instructions executed: unlike wall time it barely moves between runs or
# with load on the machine, so it shows small changes (±1%) that timing noise hides.
cg_line=""
if [[ "${BENCH_CALLGRIND:-0}" == 1 ]]; then
  cg_log="$(generate "$cg_size")"
  cg_bytes="$(stat -c %s "$cg_log")"
  cg_out="$data_dir/callgrind-$stamp.out"
  log "callgrind on $cg_log (slow: ~50x native)"
  valgrind --tool=callgrind --callgrind-out-file="$cg_out" \
    "${lockscope_cmd[@]}" "${lockscope_args[@]}" "${extra_args[@]}" "$cg_log" \
    >/dev/null 2>"$cg_out.log"
  # The out file's "summary:"/"totals:" line holds the total Ir of the whole run.
  ir="$(awk '/^(summary|totals):/ { print $2; exit }' "$cg_out")"
  ipb="$(awk -v i="$ir" -v b="$cg_bytes" 'BEGIN { printf "%.1f", i / b }')"
  printf 'callgrind: %s instructions (Ir) on %s bytes -> %s instructions/byte\n' \
    "$ir" "$cg_bytes" "$ipb"
  cg_line="| instructions/byte | $ipb (callgrind, $cg_size log, Ir $ir) |"
fi

# --- 4. summary -------------------------------------------------------------------------
cpu="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
[[ -n "$cpu" ]] || cpu="$(uname -m)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
git diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"

cat <<EOF

---- benchmark summary (paste into the README) ----
| | |
|---|---|
| command | \`$shown_cmd\` |
| input | $mb MB ($bytes bytes), $lines lines, lockscope-loggen --bytes $size --seed $seed |
| median wall time | $median s ($runs runs after $warmup warmup; min $min_s s) |
| throughput | $mbps MB/s |
| peak RSS | $rss_mb MB |
${cg_line:+$cg_line
}| machine | $(nproc) CPUs, $cpu |
| revision | $commit, $(date -u +%Y-%m-%d) |
(MB = 10^6 bytes. Raw results: $json_out, $time_out)
---------------------------------------------------
EOF
