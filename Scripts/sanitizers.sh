#!/usr/bin/env bash
# The test suite under AddressSanitizer and ThreadSanitizer (too slow for .ci/run).
#
#   Scripts/sanitizers.sh            # both
#   SANITIZERS=address Scripts/sanitizers.sh
#
# Each sanitizer builds in its own directory (.build/sanitize-NAME), so the normal build is
# left alone. Exits non-zero if any test fails or a sanitizer reports an error.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
for sanitizer in ${SANITIZERS:-address thread}; do
  echo "==> swift test --sanitize=$sanitizer" >&2
  # halt_on_error: a sanitizer report fails the run instead of scrolling by.
  ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 TSAN_OPTIONS=halt_on_error=1 \
    swift test --sanitize="$sanitizer" --scratch-path ".build/sanitize-$sanitizer" 2>&1 | tail -5
done
