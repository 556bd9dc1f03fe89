#!/usr/bin/env python3
"""Reads a gateway stream and prints each event as one JSON line {id, event, data}, until COUNT events
arrived, the stream ended, or SECONDS passed. With SLOW=1 the socket's receive buffer is tiny and
nothing is read until GO_FILE exists (or for PAUSE seconds), as a client that cannot keep up.

Environment: URL (the full stream URL), TOKEN, LAST_EVENT_ID (optional), COUNT, SECONDS, SLOW, PAUSE,
READY_FILE (made once the stream has opened: every event from then on reaches this reader). The first
line printed is {"status": 200, "connected": <the connected event's id>}.
"""
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

url = urllib.parse.urlsplit(os.environ["URL"])
count = int(os.environ.get("COUNT", "1"))
deadline = time.time() + float(os.environ.get("SECONDS", "30"))
slow = os.environ.get("SLOW") == "1"


class SlowConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if slow:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(max(1, deadline - time.time()))
        self.sock.connect((self.host, self.port))


connection = SlowConnection(url.hostname, url.port)
headers = {"Authorization": f"Bearer {os.environ['TOKEN']}"}
if os.environ.get("LAST_EVENT_ID"):
    headers["Last-Event-ID"] = os.environ["LAST_EVENT_ID"]
connection.request("GET", url.path + ("?" + url.query if url.query else ""), headers=headers)
response = connection.getresponse()
if response.status != 200:
    print(json.dumps({"status": response.status, "body": response.read().decode()}))
    sys.exit(2)
# The `connected` event comes once the stream reads every replica's feed: from then on nothing made
# is missed, so READY_FILE (when given) tells the test it may publish. Its id is where the stream began.
connected = None
for raw in iter(response.fp.readline, b""):
    line = raw.decode().rstrip("\n")
    if line.startswith("id: "):
        connected = line[4:]
    if line == "event: connected":
        response.fp.readline()  # its data
        response.fp.readline()  # the blank line that ends it
        break
print(json.dumps({"status": 200, "connected": connected}), flush=True)
if os.environ.get("READY_FILE"):
    open(os.environ["READY_FILE"], "w").close()
if slow:
    # Reads nothing until GO_FILE exists (or for PAUSE seconds): its buffers fill, and it stalls.
    go = os.environ.get("GO_FILE")
    until = time.time() + float(os.environ.get("PAUSE", "10"))
    while (go and not os.path.exists(go)) or (not go and time.time() < until):
        time.sleep(0.2)
seen = 0
fields = {}
try:
    while seen < count and time.time() < deadline:
        raw = response.fp.readline()
        if not raw:
            break
        line = raw.decode().rstrip("\n")
        if line == "":
            if "data" in fields:
                print(json.dumps({"id": fields.get("id"), "event": fields.get("event"), "data": json.loads(fields["data"])}), flush=True)
                seen += 1
            fields = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            fields[key] = value
except (socket.timeout, TimeoutError):
    pass
print(json.dumps({"end": True, "events": seen}), flush=True)
