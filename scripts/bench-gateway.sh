#!/usr/bin/env bash
# The gateway benchmark (run by make bench after news-bench has written run/bench/ingest.jsonl and
# run/bench/search/queries.jsonl): a pipeline of its own (ipc sockets in its run directory, the
# gateway on a free port) holds the ingest benchmark's Reuters stories, and bench/gateway_load.py
# sends the search benchmark's queries to the gateway and to a peer, a Python http.server over SQLite
# FTS5 holding the same stories' headlines and bodies, with the same load client.
set -euo pipefail

BIN_DIR=${BIN_DIR:?set BIN_DIR to the release binaries}
RUN_DIR=${RUN_DIR:-run}
for file in "$RUN_DIR/bench/ingest.jsonl" "$RUN_DIR/bench/search/queries.jsonl"; do
  [ -s "$file" ] || { echo "error: $file is missing; make bench writes it (news-bench --ingest-file, --search-out)" >&2; exit 2; }
done

GATEWAY_RUN="$RUN_DIR/bench/gateway-run"
rm -rf "$GATEWAY_RUN"
stop_gateway_run() { BIN_DIR="$BIN_DIR" RUN_DIR="$GATEWAY_RUN" scripts/pipeline.sh stop > /dev/null 2>&1 || true; }
trap stop_gateway_run EXIT
BIN_DIR="$BIN_DIR" RUN_DIR="$GATEWAY_RUN" GATEWAY_HTTP=127.0.0.1:0 scripts/pipeline.sh start > /dev/null
"$BIN_DIR/newsctl" status --run-dir "$GATEWAY_RUN" --wait 60 > /dev/null
"$BIN_DIR/newsctl" publish --run-dir "$GATEWAY_RUN" "$RUN_DIR/bench/ingest.jsonl" > /dev/null
accepted=$("$BIN_DIR/newsctl" status ingest --run-dir "$GATEWAY_RUN" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["counters"].get("accepted", 0))')
for _ in $(seq 600); do
  indexed=$("$BIN_DIR/newsctl" status index --run-dir "$GATEWAY_RUN" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["counters"].get("indexed", 0))')
  [ "$indexed" -ge "$accepted" ] && break
  sleep 0.5
done
token=$("$BIN_DIR/newsctl" tokens create --run-dir "$GATEWAY_RUN" --scope read 2> /dev/null)
python3 bench/gateway_load.py run "$(cat "$GATEWAY_RUN/gateway-0.http")" "$token" "$RUN_DIR/bench/ingest.jsonl" \
  "$RUN_DIR/bench/search/queries.jsonl" "$RUN_DIR/bench/gateway" > "$RUN_DIR/bench/gateway.jsonl"
stop_gateway_run
trap - EXIT
python3 - "$RUN_DIR/bench/gateway.jsonl" "$indexed" <<'PY' | tee "$RUN_DIR/bench/gateway.txt"
import json, sys
ours, peer = [json.loads(line) for line in open(sys.argv[1])]
print(f"gateway search, {sys.argv[2]} stories indexed, {ours['queries']} queries x {ours['requests'] // ours['queries']} over {ours['concurrency']} connections: "
      f"{ours['requestsPerSecond']:.0f} requests/s, p50 {ours['p50ms']:.2f} ms, p99 {ours['p99ms']:.2f} ms, {ours['failures']} failed, {ours['hitsPerPass']} hits a pass")
print(f"  peer {peer['name']} ({peer['stories']} stories): {peer['requestsPerSecond']:.0f} requests/s (ratio {ours['requestsPerSecond'] / peer['requestsPerSecond']:.2f}); "
      f"p50 {peer['p50ms']:.2f} ms, p99 {peer['p99ms']:.2f} ms (ratio of p50 {ours['p50ms'] / peer['p50ms']:.2f}); {peer['failures']} failed, {peer['hitsPerPass']} hits a pass")
PY

