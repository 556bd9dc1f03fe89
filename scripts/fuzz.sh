#!/usr/bin/env bash
# make fuzz: libFuzzer over every parser ingest runs on untrusted input (UntrustedInput.parseAll).
# Builds a sanitizer-instrumented copy in .build-fuzz, seeds the corpus with the test fixtures, and
# fuzzes for FUZZ_SECONDS (default 300). Crash inputs are written to Tests/StageTests/FuzzInputs/,
# where the StageTests replay every file on each `make test`: commit them with the fix.
# (Swift Build does not support --sanitize fuzzer, so this build uses the native build system.)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN="${FUZZ_SECONDS:-300}"
CORPUS="${RUN_DIR:-run}/fuzz-corpus"
CRASHES="Tests/StageTests/FuzzInputs"
SCRATCH=".build-fuzz"

echo "==> building ingest-fuzz with -sanitize=fuzzer (first build takes a few minutes)"
swift build --build-system native --scratch-path "$SCRATCH" --sanitize fuzzer -Xswiftc -DFUZZING --product ingest-fuzz
BIN="$(swift build --build-system native --scratch-path "$SCRATCH" --show-bin-path)/ingest-fuzz"

mkdir -p "$CORPUS" "$CRASHES"
# Seeds: the sample stories and every crash input found so far.
cp -n seeds/* "$CORPUS"/ 2>/dev/null || true
cp -n "$CRASHES"/* "$CORPUS"/ 2>/dev/null || true

echo "==> fuzzing for ${SECONDS_TO_RUN} s (corpus: $CORPUS, crashes: $CRASHES)"
set +e
# Swift's own crash backtracer would take the signal before libFuzzer could save the input.
SWIFT_BACKTRACE=enable=no "$BIN" "$CORPUS" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$CRASHES/" -print_final_stats=1
status=$?
set -e
if [ $status -ne 0 ]; then
  echo "==> the fuzzer found a failing input (exit $status); it is in $CRASHES/ and make test now replays it" >&2
  exit $status
fi
echo "==> no crash in ${SECONDS_TO_RUN} s"
