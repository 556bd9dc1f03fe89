#!/usr/bin/env bash
# `swift build` with the given arguments, tried once more when the tool itself dies of a signal: seen
# here, swift-package crashes now and then with SIGSEGV in libdispatch while planning, before any of
# the project's code compiles. A real compile error fails both times.
"${SWIFT:-swift}" build "$@"
status=$?
if [ "$status" -gt 128 ]; then
  echo "==> swift build died of signal $((status - 128)) (a toolchain crash); trying once more" >&2
  "${SWIFT:-swift}" build "$@"
  status=$?
fi
exit "$status"
