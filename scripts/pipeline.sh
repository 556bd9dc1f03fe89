#!/usr/bin/env bash
# Starts and stops the four stages on one machine, with pid files and logs under the run directory.
# Usage: pipeline.sh start|stop|status   (environment: BIN_DIR, RUN_DIR)
set -euo pipefail

BIN_DIR=${BIN_DIR:?set BIN_DIR to the directory holding the stage binaries}
RUN_DIR=${RUN_DIR:-run}
STAGES=(index notify tag ingest)   # downstream first, so subscribers are connecting when publishers bind
mkdir -p "$RUN_DIR"

alive() { # pidfile stage
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "/$2 " || return 1
}

start() {
  local started=()
  for stage in "${STAGES[@]}"; do
    local pidfile="$RUN_DIR/$stage.pid"
    if alive "$pidfile" "$stage"; then
      echo "    $stage already running (pid $(cat "$pidfile"))"
      continue
    fi
    nohup "$BIN_DIR/$stage" --run-dir "$RUN_DIR" >> "$RUN_DIR/$stage.log" 2>&1 &
    echo $! > "$pidfile"
    started+=("$stage")
    echo "    started $stage (pid $!, log $RUN_DIR/$stage.log)"
  done
  if ! "$BIN_DIR/newsctl" status --run-dir "$RUN_DIR" --wait 30 >/dev/null; then
    for stage in "${started[@]}"; do
      if ! alive "$RUN_DIR/$stage.pid" "$stage"; then
        echo "error: $stage exited; the end of $RUN_DIR/$stage.log:" >&2
        tail -n 5 "$RUN_DIR/$stage.log" >&2
      fi
    done
    "$BIN_DIR/newsctl" status --run-dir "$RUN_DIR" >&2 || true
    exit 1
  fi
}

stop() {
  for stage in "${STAGES[@]}"; do
    local pidfile="$RUN_DIR/$stage.pid"
    if alive "$pidfile" "$stage"; then
      local pid
      pid=$(cat "$pidfile")
      kill -TERM "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "    $stage did not stop within 10 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
      echo "    stopped $stage"
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) "$BIN_DIR/newsctl" status --run-dir "$RUN_DIR" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
