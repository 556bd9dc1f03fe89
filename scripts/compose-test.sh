#!/usr/bin/env bash
# make test-compose: the compose stack for real. Builds the image (make image), brings the stack up
# under a project of its own, waits for the healthchecks, streams the seed stories, checks a search and
# an alert, restarts the stack to check the data survives, scales tag to three replicas, and tears
# everything down: no container, network, volume or daemon of its own is left behind.
set -euo pipefail

PROJECT=${COMPOSE_PROJECT:-newstest$$}
COMPOSE=(docker-compose -p "$PROJECT" -f deploy/compose.yaml)
# The gateway's host port: a free one, so a gateway of make run on 8080 does not collide.
NEWS_GATEWAY_PORT=${NEWS_GATEWAY_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
export NEWS_GATEWAY_PORT
fail() { echo "compose test FAILED: $*" >&2; "${COMPOSE[@]}" logs --tail 30 >&2 || true; exit 1; }

scripts/image.sh
cleanup() {
  "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  scripts/dockerd.sh stop
}
trap cleanup EXIT

wait_healthy() {
  local deadline=$((SECONDS + 180))
  while [ $SECONDS -lt $deadline ]; do
    local ids states
    ids=$("${COMPOSE[@]}" ps -q)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      states=$(docker inspect --format '{{.State.Health.Status}}' $ids | sort -u | tr '\n' ' ')
      [ "$states" = "healthy " ] && return 0
    fi
    sleep 2
  done
  fail "services not healthy within 180 s: ${states:-none}"
}
ctl() { "${COMPOSE[@]}" exec -T ingest newsctl "$@"; }

echo "==> up"
"${COMPOSE[@]}" up -d
wait_healthy
subscription=$(ctl subscribe 'place:Iran OR tariffs' | head -1)
echo "==> streaming seeds/stories.jsonl (subscription $subscription)"
ctl publish - < seeds/stories.jsonl
deadline=$((SECONDS + 60))
until ctl search --json 'tariffs' | grep -q '"id"'; do
  [ $SECONDS -lt $deadline ] || fail "no search hit for tariffs"
  sleep 1
done
until ctl alerts --json "$subscription" | grep -q '"subscriptionID"'; do
  [ $SECONDS -lt $deadline ] || fail "no alert for $subscription"
  sleep 1
done
stories=$(ctl status index --json | sed -n 's/.*"stories":\([0-9]*\).*/\1/p')
echo "    searchable, alerted; index holds $stories stories"

echo "==> the gateway: a token and a search over HTTP"
deadline=$((SECONDS + 60))
token=$("${COMPOSE[@]}" exec -T notify newsctl tokens create --scope read | head -1 | tr -d '\r')
gateway="http://127.0.0.1:${NEWS_GATEWAY_PORT}"
until curl -sf -H "Authorization: Bearer $token" "$gateway/v1/search?q=tariffs" | grep -q '"total"'; do
  [ $SECONDS -lt $deadline ] || fail "the gateway answered no search at $gateway"
  sleep 1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$gateway/v1/search?q=tariffs")" = 401 ] || fail "the gateway answered without a token"
echo "    the gateway searched with a token and refused a request without one"

echo "==> down and up again: the data stays"
"${COMPOSE[@]}" down
"${COMPOSE[@]}" up -d
wait_healthy
again=$(ctl status index --json | sed -n 's/.*"stories":\([0-9]*\).*/\1/p')
[ "$again" = "$stories" ] || fail "index held $stories stories before down and $again after"
ctl subscriptions | grep -q "$subscription" || fail "the subscription did not survive down and up"
instances() { ctl status "$1" --json | grep -o "\"instance\":\"$1-[0-9]*\"" | sort | tr '\n' ' '; }
[ "$(instances ingest)" = '"instance":"ingest-0" ' ] || fail "ingest came back as $(instances ingest), not ingest-0"
[ "$(instances tag)" = '"instance":"tag-0" ' ] || fail "tag came back as $(instances tag), not tag-0"
journals=$("${COMPOSE[@]}" exec -T tag sh -c 'ls /var/lib/news/journal-*.sqlite' | tr -d '\r' | tr '\n' ' ')
[ "$journals" = "/var/lib/news/journal-tag-0.sqlite " ] || fail "tag's data volume holds $journals: a journal was orphaned"

echo "==> scaling tag to 3"
"${COMPOSE[@]}" up -d --scale tag=3
wait_healthy
deadline=$((SECONDS + 60))
until [ "$(instances tag)" = '"instance":"tag-0" "instance":"tag-1" "instance":"tag-2" ' ]; do
  [ $SECONDS -lt $deadline ] || fail "three tag replicas did not answer as tag-0, tag-1 and tag-2: $(instances tag)"
  sleep 1
done
echo '{"headline": "Tariffs on steel after scaling", "body": "A story tagged by one of three tag replicas."}' | ctl publish -
until ctl search --json '"after scaling"' | grep -q '"id"'; do
  [ $SECONDS -lt $deadline ] || fail "no story made it through the scaled stack"
  sleep 1
done

echo "==> down"
"${COMPOSE[@]}" down -v --remove-orphans
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"; docker network ls -q --filter "label=com.docker.compose.project=$PROJECT"; docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "left behind: $left"
echo "compose test passed"
