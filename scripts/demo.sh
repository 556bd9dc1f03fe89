#!/usr/bin/env bash
# The part of `make run` that shows the pipeline working: a demo subscription, the seed stories streamed
# through, the tagged stories as they leave `tag`, a search, and the alerts that arrived.
set -euo pipefail

BIN_DIR=${BIN_DIR:?set BIN_DIR}
RUN_DIR=${RUN_DIR:-run}
SEEDS=${SEEDS:-seeds/stories.jsonl}
QUERY=${DEMO_QUERY:-"place:Iran OR tariff*"}
newsctl() { "$BIN_DIR/newsctl" "$1" --run-dir "$RUN_DIR" "${@:2}"; }
# The followers run in the background as the binary itself (not through the function, whose background
# subshell would take the kill and leave newsctl running until --for ran out).

count=$(grep -c . "$SEEDS")
subscription=$(newsctl subscribe "$QUERY")
echo "==> demo subscription $subscription: $QUERY"

# Follow the tagged stories and the alerts from now on, and wait until both followers have joined.
"$BIN_DIR/newsctl" tail --run-dir "$RUN_DIR" --for 90 > "$RUN_DIR/demo-tagged.txt" 2> "$RUN_DIR/demo-tagged.err" &
tail_pid=$!
"$BIN_DIR/newsctl" alerts --run-dir "$RUN_DIR" --follow "$subscription" --for 90 > "$RUN_DIR/demo-alerts.txt" 2> "$RUN_DIR/demo-alerts.err" &
alerts_pid=$!
for _ in $(seq 100); do
  grep -q following "$RUN_DIR/demo-tagged.err" 2>/dev/null && grep -q following "$RUN_DIR/demo-alerts.err" 2>/dev/null && break
  sleep 0.1
done

echo "==> publishing $count stories from $SEEDS"
newsctl publish "$SEEDS"

# Every stage has handled everything once none of them lags behind its input (lag comes with the
# heartbeats, which arrive every second).
sleep 1.2
for _ in $(seq 300); do
  lags=$(newsctl status tag index notify --json | grep -o '"lag":[0-9]*' | cut -d: -f2 | sort -u)
  [ "$lags" = "0" ] && break
  sleep 0.1
done
sleep 0.5   # the last messages travel to the followers
kill -TERM "$tail_pid" "$alerts_pid" 2>/dev/null || true
wait "$tail_pid" "$alerts_pid" 2>/dev/null || true

echo
echo "==> tagged stories, as they left the tag stage"
if [ -s "$RUN_DIR/demo-tagged.txt" ]; then
  cat "$RUN_DIR/demo-tagged.txt"
else
  echo "    none new this time: ingest skips stories it already has (newsctl search finds them)."
fi

echo "==> newsctl search 'tariffs AND place:Iran'"
newsctl search 'tariffs AND place:Iran'

echo
echo "==> alerts that arrived for $subscription"
if [ -s "$RUN_DIR/demo-alerts.txt" ]; then
  cat "$RUN_DIR/demo-alerts.txt"
else
  echo "    none new this time: these stories already alerted on an earlier run. Stored alerts:"
  newsctl alerts "$subscription"
fi

url=$(cat "$RUN_DIR/gateway-0.http" 2>/dev/null || echo "http://127.0.0.1:8080")
cat <<TEXT

The web console: $url/   (sign in with the token in $RUN_DIR/console.token: $(cat "$RUN_DIR/console.token" 2>/dev/null))
The HTTP API:    $url/openapi.yaml, for example
  curl -H "Authorization: Bearer \$(cat $RUN_DIR/console.token)" '$url/v1/search?q=place:Iran'

The pipeline is still running (pids and logs in $RUN_DIR/). Try:
  $BIN_DIR/newsctl publish my-stories.jsonl        # one JSON story per line
  $BIN_DIR/newsctl search 'topic:immigration AND place:Minneapolis'
  $BIN_DIR/newsctl subscribe 'place:Gaza'           # prints a subscription id
  $BIN_DIR/newsctl alerts --follow                  # live alerts, Ctrl-C to stop
  $BIN_DIR/newsctl status
  make stop                                          # stop the pipeline
TEXT
