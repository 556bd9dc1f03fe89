#!/usr/bin/env bash
# The part of `make run` that shows the pipeline working: a demo subscription, the seed stories streamed
# through, the tagged stories as they leave `tag`, a search, and the alerts that arrived.
set -euo pipefail

BIN_DIR=${BIN_DIR:?set BIN_DIR}
RUN_DIR=${RUN_DIR:-run}
SEEDS=${SEEDS:-seeds/stories.jsonl}
QUERY=${DEMO_QUERY:-"place:Iran OR tariff*"}
newsctl() { "$BIN_DIR/newsctl" "$1" --run-dir "$RUN_DIR" "${@:2}"; }

count=$(grep -c . "$SEEDS")
subscription=$(newsctl subscribe "$QUERY")
echo "==> demo subscription $subscription: $QUERY"

# Follow the tagged stream and the alert stream before publishing.
newsctl tail --count "$count" --for 30 > "$RUN_DIR/demo-tagged.txt" 2>/dev/null &
tail_pid=$!
newsctl alerts --follow "$subscription" --for 60 > "$RUN_DIR/demo-alerts.txt" 2>/dev/null &
alerts_pid=$!
# Wait (bounded) until both followers' subscriptions have reached the publishers.
for _ in $(seq 100); do
  status=$(newsctl status tag notify --json || true)
  tag_subs=$(echo "$status" | grep '"stage":"tag"' | sed -E 's/.*"subscribers":([0-9]+).*/\1/')
  notify_subs=$(echo "$status" | grep '"stage":"notify"' | sed -E 's/.*"subscribers":([0-9]+).*/\1/')
  [ "${tag_subs:-0}" -ge 3 ] && [ "${notify_subs:-0}" -ge 1 ] && break
  sleep 0.1
done

notify_counter() { # the named counter of notify, from its status
  newsctl status notify --json | sed -E "s/.*\"$1\":([0-9]+).*/\1/;t;s/.*/0/"
}
received_before=$(notify_counter received)

echo "==> publishing $count stories from $SEEDS"
newsctl publish "$SEEDS"

wait "$tail_pid" || echo "    (not every story came out of tag within 30 s; see newsctl status)"
echo
echo "==> tagged stories, as they left the tag stage"
cat "$RUN_DIR/demo-tagged.txt"

echo
echo "==> newsctl search 'tariffs AND place:Iran'"
newsctl search 'tariffs AND place:Iran'

# notify has matched every story once its received counter has grown by the number published.
for _ in $(seq 200); do
  [ "$(notify_counter received)" -ge $((received_before + count)) ] && break
  sleep 0.1
done
sleep 0.2   # the last alert's bytes travel from notify to the follower
kill -INT "$alerts_pid" 2>/dev/null || true
wait "$alerts_pid" 2>/dev/null || true
echo
echo "==> alerts that arrived for $subscription"
if [ -s "$RUN_DIR/demo-alerts.txt" ]; then
  cat "$RUN_DIR/demo-alerts.txt"
else
  echo "    none new this time: these stories already alerted on an earlier run. Stored alerts:"
  newsctl alerts "$subscription"
fi

cat <<TEXT

The pipeline is still running (pids and logs in $RUN_DIR/). Try:
  $BIN_DIR/newsctl publish my-stories.jsonl        # one JSON story per line
  $BIN_DIR/newsctl search 'topic:immigration AND place:Minneapolis'
  $BIN_DIR/newsctl subscribe 'place:Gaza'           # prints a subscription id
  $BIN_DIR/newsctl alerts --follow                  # live alerts, Ctrl-C to stop
  $BIN_DIR/newsctl status
  make stop                                          # stop the pipeline
TEXT
