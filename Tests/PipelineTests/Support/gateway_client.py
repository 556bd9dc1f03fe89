#!/usr/bin/env python3
"""A newsroom program that knows nothing but HTTP: it drives the gateway, and checks every JSON
response against docs/openapi.yaml (the response schema of its route, method and status).

Environment: GATEWAY_URL, OPENAPI (the document's path), ADMIN_TOKEN, ALICE_TOKEN, BOB_TOKEN (alice
and bob have read, publish and subscribe; they are different owners). Exits non-zero on the first
failed check, saying which.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.request

import jsonschema
import yaml

BASE = os.environ["GATEWAY_URL"].rstrip("/")
SPEC_TEXT = open(os.environ["OPENAPI"], "rb").read()
SPEC = yaml.safe_load(SPEC_TEXT)
ADMIN, ALICE, BOB = os.environ["ADMIN_TOKEN"], os.environ["ALICE_TOKEN"], os.environ["BOB_TOKEN"]
called = set()


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def operation(method, path):
    """The spec's path template and operation for a concrete path."""
    for template, item in SPEC["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    fail(f"{method} {path} is not in openapi.yaml")


def validate(method, path, status, content_type, body):
    template, op = operation(method, path)
    called.add((method.lower(), template))
    responses = op.get("responses", {})
    response = responses.get(str(status)) or responses.get("default")
    check(response is not None, f"{method} {path} answered {status}, which openapi.yaml does not list")
    if "$ref" in response:
        name = response["$ref"].split("/")[-1]
        response = SPEC["components"]["responses"][name]
    media = (content_type or "").split(";")[0].strip()
    content = response.get("content", {})
    check(media in content, f"{method} {path} {status} answered {media}, openapi.yaml has {list(content)}")
    schema = content[media].get("schema")
    if schema is None or not media.endswith("json"):
        return
    root = dict(SPEC)
    root.update(schema)
    try:
        jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker()).validate(json.loads(body))
    except jsonschema.ValidationError as error:
        fail(f"{method} {path} {status}: the body does not fit openapi.yaml: {error.message} at {list(error.absolute_path)}\n{body[:800]!r}")


def call(method, path, token=None, body=None, content_type="application/json", headers=None, expect=None):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, kind, raw = response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        status, kind, raw = error.code, error.headers.get("Content-Type"), error.read()
    validate(method, path.split("?")[0], status, kind, raw)
    if expect is not None:
        check(status == expect, f"{method} {path}: expected {expect}, got {status}: {raw[:500]!r}")
    try:
        return status, json.loads(raw) if raw and kind and "json" in kind else raw
    except ValueError:
        return status, raw


def eventually(condition, seconds=30, what="condition"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.25)
    fail(f"timed out waiting for {what}")


class Stream:
    """Reads a live stream in a thread: SSE events as (id, event, data) tuples."""

    def __init__(self, path, token, last_event_id=None):
        self.events = []
        self.error = None
        request = urllib.request.Request(BASE + path)
        request.add_header("Authorization", f"Bearer {token}")
        if last_event_id:
            request.add_header("Last-Event-ID", last_event_id)
        self.response = urllib.request.urlopen(request, timeout=60)
        validate("GET", path.split("?")[0], self.response.status, self.response.headers.get("Content-Type"), b"")
        # Every event after the `connected` one reaches this reader; its id is where the stream began.
        self.connected = None
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                self.connected = line[4:]
            if line == "event: connected":
                check(self.response.readline() == b"data: {}\n" and self.response.readline() == b"\n", "the connected event is data {}")
                break
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        fields = {}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line == "":
                    if "data" in fields:
                        self.events.append((fields.get("id"), fields.get("event"), json.loads(fields["data"])))
                    fields = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    fields[key] = value
        except Exception as error:  # the test closes the stream
            self.error = error

    def close(self):
        self.response.close()


def story(identifier, headline):
    return {"id": identifier, "headline": headline, "body": f"{headline}. Officials in Tehran spoke to reporters on Tuesday.",
            "source": "Gateway Wire"}


# --- health and the document -------------------------------------------------------------------
call("GET", "/healthz", expect=200)
eventually(lambda: call("GET", "/readyz")[0] == 200, what="readyz")
status, served = call("GET", "/openapi.yaml", expect=200)
check(served == SPEC_TEXT, "/openapi.yaml is not docs/openapi.yaml")

# --- no token, a wrong one: 401 and no effect ------------------------------------------------
call("GET", "/v1/search?q=iran", expect=401)
call("GET", "/v1/search?q=iran", token="tok_000000000000_wrong", expect=401)
call("POST", "/v1/subscriptions", token="not-a-token", body={"query": "place:Iran"}, expect=401)
call("GET", "/v1/tokens", token=ALICE, expect=403)

# --- publish: one story, JSON Lines, a feed ---------------------------------------------------
status, result = call("POST", "/v1/stories", token=ALICE, body=story("gw-1", "Iran and Oman reopen the Hormuz talks"), expect=200)
check(result["accepted"] == 1, f"one story: {result}")
lines = "\n".join(json.dumps(story(f"gw-{n}", f"Harbour story {n} from Chabahar, Iran")) for n in (2, 3)) + "\n{not json}\n"
status, result = call("POST", "/v1/stories", token=ALICE, body=lines.encode(), content_type="application/x-ndjson", expect=200)
check(result["accepted"] == 2 and result["refused"] == 1 and result["lines"]["refused"][0]["line"] == 3, f"JSON Lines: {result}")
status, result = call("POST", "/v1/stories", token=ALICE, body=lines.encode(), content_type="application/x-ndjson", expect=200)
check(result["skipped"] == 2, f"the same lines again are skipped: {result}")
rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Gulf Desk</title>
<item><title>Shipping resumes at Bandar Abbas</title><link>https://gulf.example/bandar</link><description>Port of Iran busy again.</description></item>
</channel></rss>"""
status, result = call("POST", "/v1/stories", token=ALICE, body=rss, content_type="application/rss+xml", expect=200)
check(result["accepted"] == 1, f"a feed: {result}")
call("POST", "/v1/stories", token=BOB, body=b"{}", expect=422)

# --- search -----------------------------------------------------------------------------------
eventually(lambda: call("GET", "/v1/search?q=hormuz", token=BOB)[1].get("total", 0) >= 1, what="the story to be searchable")
status, result = call("GET", "/v1/search?q=harbour&sort=date&limit=1&offset=0", token=BOB, expect=200)
check(result["total"] >= 2 and len(result["hits"]) == 1, f"paging: {result}")
status, problem = call("GET", "/v1/search?q=place:(Iran", token=BOB, expect=400)
check(problem.get("column") is not None, f"a bad query names its column: {problem}")

# --- subscriptions and owners -----------------------------------------------------------------
status, preview = call("POST", "/v1/subscriptions", token=ALICE, body={"query": "place:Iran", "dryRun": True, "backfill": "7d"}, expect=200)
check(preview["dryRun"] is True and preview["total"] >= 1, f"dry run: {preview}")
status, made = call("POST", "/v1/subscriptions", token=ALICE, body={"query": "place:Iran"}, expect=201)
alice_sub = made["subscription"]["id"]
call("POST", "/v1/subscriptions", token=ALICE, body={"query": "place:Iran"}, expect=200)
status, bobs = call("POST", "/v1/subscriptions", token=BOB, body={"query": "place:Iran"}, expect=201)
check(bobs["subscription"]["id"] != alice_sub, "another owner's same query is another subscription")
status, mine = call("GET", "/v1/subscriptions", token=BOB, expect=200)
check([s["id"] for s in mine] == [bobs["subscription"]["id"]], f"bob lists only his own: {mine}")
call("GET", f"/v1/subscriptions/{alice_sub}", token=BOB, expect=404)
call("DELETE", f"/v1/subscriptions/{alice_sub}", token=BOB, expect=404)
call("GET", f"/v1/subscriptions/{alice_sub}", token=ALICE, expect=200)
status, everyone = call("GET", "/v1/subscriptions", token=ADMIN, expect=200)
check({alice_sub, bobs["subscription"]["id"]} <= {s["id"] for s in everyone}, "an admin sees every owner's")
call("POST", "/v1/subscriptions", token=ALICE, body={"query": "place:(Iran"}, expect=400)

# --- delivery modes: a daily e-mail digest, changed later; its preview and send-now -------------
status, daily = call("POST", "/v1/subscriptions", token=ALICE, expect=201, body={
    "query": "place:Iran", "email": "alice@example.org", "digest": "daily@08:00", "timeZone": "Europe/Berlin"})
daily_id = daily["subscription"]["id"]
check(daily["subscription"]["delivery"] == {"mode": "daily", "time": "08:00", "timeZone": "Europe/Berlin"}, f"the schedule: {daily}")
call("POST", "/v1/subscriptions", token=ALICE, body={"query": "place:Iran", "digest": "daily@08:00"}, expect=400)  # no destination
call("POST", "/v1/subscriptions", token=ALICE, body={"query": "place:Iran", "email": "alice@example.org", "digest": "daily@8am"}, expect=400)
status, changed = call("PATCH", f"/v1/subscriptions/{daily_id}", token=ALICE, body={"maxPerHour": 5, "quietHours": "22:00-07:00"}, expect=200)
check(changed["delivery"]["maxPerHour"] == 5 and changed["delivery"]["mode"] == "daily", f"the change: {changed}")
status, problem = call("PATCH", f"/v1/subscriptions/{daily_id}", token=ALICE, body={"timeZone": "Mars/Olympus"}, expect=400)
check("time zone" in problem["detail"], f"names the field: {problem}")
call("PATCH", f"/v1/subscriptions/{daily_id}", token=BOB, body={"maxPerHour": 1}, expect=404)
status, preview = call("GET", f"/v1/subscriptions/{daily_id}/digest", token=ALICE, expect=200)
check(preview["sent"] is False and preview["schedule"].startswith("daily@08:00 Europe/Berlin"), f"the preview: {preview}")
call("GET", f"/v1/subscriptions/{daily_id}/digest", token=BOB, expect=404)
status, sent = call("POST", f"/v1/subscriptions/{daily_id}/digest", token=ALICE, expect=200)
check(sent["sent"] is False and "digest" not in sent, f"nothing was held: {sent}")

# --- the e-mail's unsubscribe link: its token is the subscription's HMAC, computed here from the secret
secret = base64.b64decode(daily["webhookSecret"][len("whsec_"):])
link_token = base64.urlsafe_b64encode(hmac.new(secret, f"unsubscribe:{daily_id}".encode(), hashlib.sha256).digest()).decode().rstrip("=")
status, page = call("GET", f"/unsubscribe?subscription={daily_id}&token={link_token}", expect=200)
check(b'method="post"' in page and daily_id.encode() in page, f"the confirming page: {page[:400]!r}")
call("GET", f"/v1/subscriptions/{daily_id}", token=ALICE, expect=200)  # a GET changes nothing
call("GET", f"/unsubscribe?subscription={daily_id}", expect=400)
one_click = b"List-Unsubscribe=One-Click"
form = "application/x-www-form-urlencoded"
call("POST", f"/unsubscribe?subscription={daily_id}&token={link_token[:-2]}xx", body=one_click, content_type=form, expect=404)
call("POST", f"/unsubscribe?subscription={bobs['subscription']['id']}&token={link_token}", body=one_click, content_type=form, expect=404)
status, page = call("POST", f"/unsubscribe?subscription={daily_id}&token={link_token}", body=one_click, content_type=form, expect=200)
check(b"no more alerts" in page, f"{page[:400]!r}")
call("GET", f"/v1/subscriptions/{daily_id}", token=ALICE, expect=404)
call("POST", f"/unsubscribe?subscription={daily_id}&token={link_token}", body=one_click, content_type=form, expect=404)

# --- the live alert stream, resumed with Last-Event-ID ----------------------------------------
live = Stream(f"/v1/alerts/stream?subscription={alice_sub}", ALICE)
check(live.connected and ":" in live.connected, f"the connected event's id is a cursor naming notify's replicas: {live.connected}")
call("POST", "/v1/stories", token=ALICE, body=story("gw-live-1", "Iran opens a new port at Jask"), expect=200)
eventually(lambda: any(e[2]["story"]["id"] == "gw-live-1" for e in live.events), what="the live alert")
first_id = [e for e in live.events if e[2]["story"]["id"] == "gw-live-1"][0][0]
check(first_id and ":" in first_id, f"the event id is a cursor: {first_id}")
live.close()
call("POST", "/v1/stories", token=ALICE, body=story("gw-live-2", "Iran and Qatar sign a gas deal"), expect=200)
eventually(lambda: any(a["story"]["id"] == "gw-live-2" for a in call("GET", f"/v1/alerts?subscription={alice_sub}", token=ALICE)[1]),
           what="the second alert to be stored")
resumed = Stream(f"/v1/alerts/stream?subscription={alice_sub}", ALICE, last_event_id=first_id)
eventually(lambda: any(e[2]["story"]["id"] == "gw-live-2" for e in resumed.events), what="the missed alert after resuming")
time.sleep(1)
ids = [e[2]["story"]["id"] for e in resumed.events if e[1] == "alert"]
check(ids == ["gw-live-2"], f"resuming sends what was missed, once, and nothing before the cursor: {ids}")
resumed.close()
status, bob_alerts = call("GET", "/v1/alerts?limit=100", token=BOB, expect=200)
check(all(a["subscriptionID"] != alice_sub for a in bob_alerts), "bob sees none of alice's alerts")
call("GET", "/v1/alerts/stream?format=xml", token=ALICE, expect=400)

# --- the stories stream as JSON Lines ---------------------------------------------------------
request = urllib.request.Request(BASE + "/v1/stories/stream?format=jsonl")
request.add_header("Authorization", f"Bearer {BOB}")
stories = urllib.request.urlopen(request, timeout=30)
validate("GET", "/v1/stories/stream", stories.status, stories.headers.get("Content-Type"), b"")
opening = json.loads(stories.readline())
check(opening.get("event") == "connected" and ":" in opening.get("id", ""), f"a JSON Lines stream opens with a connected line and its cursor: {opening}")
call("POST", "/v1/stories", token=ALICE, body=story("gw-tail-1", "Iran's central bank holds rates"), expect=200)
deadline = time.time() + 30
while time.time() < deadline:
    event = json.loads(stories.readline())
    if event.get("event") == "story" and event["data"]["story"]["id"] == "gw-tail-1":
        check(":" in event["id"], f"a JSON Lines event carries its cursor: {event['id']}")
        break
else:
    fail("the story never came on the stories stream")
stories.close()

# --- deliveries, feeds, status ----------------------------------------------------------------
call("GET", "/v1/deliveries?state=dead", token=ALICE, expect=200)
status, replay = call("POST", "/v1/deliveries/replay", token=ALICE, body={}, expect=200)
check(replay["replayed"] == 0, f"nothing to replay: {replay}")
call("GET", "/v1/deliveries?state=lost", token=ALICE, expect=400)
call("GET", "/v1/feeds", token=ADMIN, expect=200)
call("POST", "/v1/feeds", token=ADMIN, body={"url": "https://feeds.example.org/world.xml", "intervalSeconds": 600}, expect=201)
status, feeds = call("GET", "/v1/feeds", token=ADMIN, expect=200)
check(any(f["url"] == "https://feeds.example.org/world.xml" for f in feeds), f"the feed is listed: {feeds}")
call("DELETE", "/v1/feeds?url=https://feeds.example.org/world.xml", token=ADMIN, expect=200)
call("DELETE", "/v1/feeds?url=https://feeds.example.org/world.xml", token=ADMIN, expect=404)
status, pipeline = call("GET", "/v1/status", token=BOB, expect=200)
check(set(pipeline["stages"]) == {"ingest", "tag", "index", "notify"}, f"status: {list(pipeline)}")

# --- tokens through the API, and revocation ---------------------------------------------------
status, made = call("POST", "/v1/tokens", token=ADMIN, body={"scopes": ["read", "subscribe"], "owner": "carol"}, expect=201)
carol = made["token"]
call("GET", "/v1/subscriptions", token=carol, expect=200)
status, listed = call("GET", "/v1/tokens", token=ADMIN, expect=200)
check(any(t["id"] == made["info"]["id"] and "secret" not in json.dumps(t) for t in listed), "the token is listed, without its secret")
call("DELETE", f"/v1/tokens/{made['info']['id']}", token=ADMIN, expect=200)
before = len(call("GET", "/v1/subscriptions", token=ADMIN)[1])
call("POST", "/v1/subscriptions", token=carol, body={"query": "topic:economy"}, expect=401)
check(len(call("GET", "/v1/subscriptions", token=ADMIN)[1]) == before, "a revoked token's request had an effect")
call("DELETE", f"/v1/subscriptions/{bobs['subscription']['id']}", token=BOB, expect=200)

# --- hostile browsers and input ----------------------------------------------------------------
def raw(method, path, body=b"", headers=None):
    request = urllib.request.Request(BASE + path, data=body if method != "GET" else None, method=method)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()

# A form body that is not valid percent-encoding is refused, never a crash.
for body in (b"token=a b", b"token=%zz%", b"token=x\r\n#<"):
    status, _ = raw("POST", "/console/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded"})
    check(status in (200, 401), f"sign-in with {body!r}: {status}")
call("GET", "/healthz", expect=200)
cookie = {"Cookie": f"news_token={ALICE}"}
status, _ = raw("GET", "/console/search?q=iran&page=9223372036854775807", headers=cookie)
check(status == 200, f"a huge page number: {status}")
# The console's cookie does not let another site write.
status, problem = call("POST", "/v1/subscriptions", body={"query": "place:Oman"}, headers={**cookie, "Origin": "https://evil.example"}, expect=403)
check(problem.get("title") == "cross_site", f"a cross-site write: {problem}")
call("POST", "/v1/subscriptions", body={"query": "place:Oman"}, headers={**cookie, "Sec-Fetch-Site": "same-origin"}, expect=201)
# A story URL that is not a web address never becomes a link, and markup in a headline is text.
call("POST", "/v1/stories", token=ALICE, expect=200, body={
    "id": "gw-hostile-1", "headline": 'Oman port \u0022\u0301><b>bold</b> reopens', "url": "javascript:alert(1)",
    "body": "Oman port reopens at Duqm after the storm."})
eventually(lambda: call("GET", "/v1/search?q=duqm", token=ALICE)[1].get("total", 0) >= 1, what="the hostile story")
status, page = raw("GET", "/console/search?q=duqm", headers=cookie)
check(status == 200 and "javascript:" not in page and "<b>bold</b>" not in page, "the console links or renders a hostile story")
# A token may hold 8 streams at once; the ninth is refused.
dave = call("POST", "/v1/tokens", token=ADMIN, body={"scopes": ["read"], "owner": "dave"}, expect=201)[1]["token"]
held = [Stream("/v1/stories/stream", dave) for _ in range(8)]
call("GET", "/v1/stories/stream", token=dave, expect=429)
for stream in held:
    stream.close()

# --- every operation in the document was called -----------------------------------------------
documented = {(method, path) for path, item in SPEC["paths"].items() for method in item if method in ("get", "post", "delete", "put", "patch")}
missing = documented - called
check(not missing, f"operations in openapi.yaml never called: {sorted(missing)}")
print(f"ok: {len(called)} operations checked against openapi.yaml")
