#!/usr/bin/env bash
# Fuzz the parser, the state machine and the fleet summary reader with libFuzzer and
# AddressSanitizer.
#
#   Scripts/fuzz.sh              # 60 s
#   FUZZ_SECONDS=1800 Scripts/fuzz.sh
#
# Builds Fuzz/FuzzTarget.swift with every LockscopeCore source (swiftc -sanitize=fuzzer,address),
# seeds the corpus from fixtures/, and runs. A crash leaves crash-* files in fuzz-data/ and
# exits non-zero: turn each into a regression test named after what it was. (The Swift
# backtracer is off: under ASan it crashes itself and hides the trap message.)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swiftc >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swiftc ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
seconds="${FUZZ_SECONDS:-60}"
out=fuzz-data
mkdir -p "$out/corpus"
# Seeds: every fixture, whole, and behind a command-line selector.
n=0
for f in $(find fixtures -name '*.jsonl'); do
  cp "$f" "$out/corpus/$(echo "$f" | tr '/' '_')"
  # The same log behind 0x01 and a command-line index: the whole CLI (Fuzz/FuzzTarget.swift).
  { printf '\001'; printf "\\$(printf '%03o' $((n % 256)))"; cat "$f"; } > "$out/corpus/cli-$n-$(echo "$f" | tr '/' '_')"
  n=$((n + 1))
done
# Fleet summaries behind 0x02 (SPEC §7: the summary reader must refuse, never trap).
for f in $(find fixtures -name '*.summary.json'); do
  { printf '\002'; cat "$f"; } > "$out/corpus/summary-$(echo "$f" | tr '/' '_')"
done
binary="$out/lockscope-fuzz"
if [ ! -x "$binary" ] || [ -n "$(find Sources/LockscopeCore Sources/Heap Fuzz -newer "$binary" -name '*.swift' | head -1)" ]; then
  echo "==> building $binary" >&2
  # The heap is its own module (Package.swift), imported by LockscopeCore: built first.
  swiftc -O -sanitize=address -parse-as-library -module-name Heap -emit-module -emit-module-path "$out/Heap.swiftmodule" \
    -emit-library -static Sources/Heap/*.swift -o "$out/libHeap.a"
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name LockscopeFuzz \
    -I Sources/CZlib -I "$out" -L "$out" -lHeap $(find Sources/LockscopeCore -name '*.swift') Fuzz/FuzzTarget.swift -o "$binary"
fi
echo "==> fuzzing for ${seconds}s" >&2
SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" 2>&1 | tail -25
