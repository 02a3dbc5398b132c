#!/usr/bin/env bash
# Alert latency of `lockscope watch`: from a deadlock's closing line becoming readable to
# its alert being read back, through a pipe and through a followed file (issue: < 100 ms).
#
#   Scripts/watch-latency.sh          # 200 rounds each
#   ROUNDS=1000 Scripts/watch-latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
swift build -c release --product lockscope >&2
python3 Scripts/watch-latency.py "$(swift build -c release --show-bin-path)/lockscope" "${ROUNDS:-200}"
