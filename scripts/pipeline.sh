#!/usr/bin/env bash
# Starts and stops the stages on one machine, each as N replicas, with pid files and logs in the run
# directory: run/<stage>-<i>.pid and run/<stage>-<i>.log.
# Usage: pipeline.sh start|stop|status
# Environment: BIN_DIR (the binaries), RUN_DIR (default run), INGEST_REPLICAS, TAG_REPLICAS,
# INDEX_REPLICAS, NOTIFY_REPLICAS (default 1 each); GATEWAY_HTTP, the gateway's host:port (default
# 127.0.0.1:8080; the gateway is started once the stages answer, and its URL is in run/gateway-0.http).
set -euo pipefail

BIN_DIR=${BIN_DIR:?set BIN_DIR to the directory holding the stage binaries}
RUN_DIR=${RUN_DIR:-run}
STAGES=(index notify tag ingest)   # downstream first; with journals and feeds any order works
mkdir -p "$RUN_DIR"

replicas() {
  local variable
  variable="$(echo "$1" | tr '[:lower:]' '[:upper:]')_REPLICAS"
  local count=${!variable:-1}
  [[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "error: $variable must be a whole number of 1 or more, not '$count'" >&2; exit 2; }
  echo "$count"
}

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
    local count
    count=$(replicas "$stage")
    for ((i = 0; i < count; i++)); do
      local instance="$stage-$i" pidfile="$RUN_DIR/$stage-$i.pid"
      if alive "$pidfile" "$stage"; then
        echo "    $instance already running (pid $(cat "$pidfile"))"
        continue
      fi
      # Metrics on a free loopback port each; the URL is written to run/<instance>.metrics.
      # NOTIFY_FLAGS (and INGEST_FLAGS, TAG_FLAGS, INDEX_FLAGS) pass options through, such as --smtp-url.
      flags_variable="$(echo "$stage" | tr '[:lower:]' '[:upper:]')_FLAGS"
      # shellcheck disable=SC2086
      nohup "$BIN_DIR/$stage" --run-dir "$RUN_DIR" --instance "$instance" --metrics 127.0.0.1:0 ${!flags_variable:-} >> "$RUN_DIR/$instance.log" 2>&1 &
      echo $! > "$pidfile"
      started+=("$instance")
      echo "    started $instance (pid $!, log $RUN_DIR/$instance.log)"
    done
  done
  if ! "$BIN_DIR/newsctl" status --run-dir "$RUN_DIR" --wait 30 >/dev/null; then
    for instance in "${started[@]}"; do
      if ! alive "$RUN_DIR/$instance.pid" "${instance%-*}"; then
        echo "error: $instance exited; the end of $RUN_DIR/$instance.log:" >&2
        tail -n 5 "$RUN_DIR/$instance.log" >&2
      fi
    done
    "$BIN_DIR/newsctl" status --run-dir "$RUN_DIR" >&2 || true
    exit 1
  fi
  start_gateway
}

start_gateway() {
  local pidfile="$RUN_DIR/gateway-0.pid"
  if alive "$pidfile" gateway; then
    echo "    gateway-0 already running (pid $(cat "$pidfile"))"
  else
    rm -f "$RUN_DIR/gateway-0.http"
    nohup "$BIN_DIR/gateway" --run-dir "$RUN_DIR" --instance gateway-0 --http "${GATEWAY_HTTP:-127.0.0.1:8080}" --metrics 127.0.0.1:0 \
      >> "$RUN_DIR/gateway-0.log" 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 100); do [ -s "$RUN_DIR/gateway-0.http" ] && break; alive "$pidfile" gateway || break; sleep 0.1; done
    if [ ! -s "$RUN_DIR/gateway-0.http" ]; then
      echo "error: the gateway did not start (is ${GATEWAY_HTTP:-127.0.0.1:8080} taken? set GATEWAY_HTTP); the end of $RUN_DIR/gateway-0.log:" >&2
      tail -n 5 "$RUN_DIR/gateway-0.log" >&2
      exit 1
    fi
    echo "    started gateway-0 (pid $(cat "$pidfile"), log $RUN_DIR/gateway-0.log)"
  fi
  echo "    metrics (Prometheus text; /healthz and /readyz beside them):"
  for _ in $(seq 50); do [ -s "$RUN_DIR/gateway-0.metrics" ] && break; sleep 0.1; done
  for file in "$RUN_DIR"/*.metrics; do
    [ -s "$file" ] && echo "      $(basename "$file" .metrics): $(cat "$file")/metrics"
  done
  # One admin token for the console, made once and kept readable by this user only.
  if [ ! -s "$RUN_DIR/console.token" ]; then
    (umask 077; "$BIN_DIR/newsctl" tokens create --run-dir "$RUN_DIR" --scope admin --owner console > "$RUN_DIR/console.token" 2>/dev/null)
  fi
}

stop() {
  shopt -s nullglob
  for stage in gateway ingest tag index notify; do
    for pidfile in "$RUN_DIR/$stage"-*.pid; do
      local instance pid
      instance=$(basename "$pidfile" .pid)
      if alive "$pidfile" "$stage"; then
        pid=$(cat "$pidfile")
        kill -TERM "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
          echo "    $instance did not stop within 10 s; killing it" >&2
          kill -KILL "$pid" 2>/dev/null || true
        fi
        echo "    stopped $instance"
      fi
      rm -f "$pidfile"
    done
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) "$BIN_DIR/newsctl" status --run-dir "$RUN_DIR" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
