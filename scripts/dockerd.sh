#!/usr/bin/env bash
# Makes sure a Docker engine answers, starting Debian's dockerd with its own data root when none runs,
# and stops it again only if this script started it. Usage: dockerd.sh start|stop
set -euo pipefail

STATE=${DOCKERD_STATE:-/var/lib/news-pipeline/dockerd}
DATA_ROOT=${DOCKER_DATA_ROOT:-/var/lib/news-pipeline/docker}

case "${1:-start}" in
start)
  if docker info >/dev/null 2>&1; then exit 0; fi
  command -v dockerd >/dev/null || { echo "error: no dockerd; install Debian's docker.io (make image does)" >&2; exit 1; }
  mkdir -p "$STATE" "$DATA_ROOT"
  echo "==> starting dockerd (data root $DATA_ROOT; log $STATE/dockerd.log)"
  nohup dockerd --data-root "$DATA_ROOT" --pidfile "$STATE/dockerd.pid" >"$STATE/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      touch "$STATE/started-here"
      exit 0
    fi
    sleep 0.5
  done
  echo "error: dockerd did not answer within 30 s; see $STATE/dockerd.log" >&2
  tail -5 "$STATE/dockerd.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -f "$STATE/started-here" ] && [ -f "$STATE/dockerd.pid" ]; then
    pid=$(cat "$STATE/dockerd.pid")
    echo "==> stopping the dockerd make started (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$STATE/started-here"
  fi
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
