#!/usr/bin/env python3
"""A local HTTP server for the tests that cross HTTP: ingest's feed polling (feeds whose content the
test sets, with ETag and Last-Modified, and feeds that fail, hang, drip or never end) and notify's
webhooks (receivers that accept, fail, or fail until told otherwise). Prints its port on the first
line of stdout. Standard library only.

  PUT  /feeds/NAME           sets the feed NAME's body (validators change with it)
  GET  /feeds/NAME           the body, with ETag and Last-Modified; 304 when the client's validators match
  GET  /plain/NAME           the same body without validators
  GET  /flaky/NAME?fail=N    503 for the first N requests to this URL, then like /plain/NAME
  GET  /status/CODE?retry=S  answers CODE (with Retry-After: S when given)
  GET  /slow                 waits 60 s before answering
  GET  /redirect?to=URL      answers 302 with Location: URL
  GET  /drip                 a body that sends one byte a second, forever
  GET  /endless              a body that never ends, as fast as the client reads
  PUT  /hooks/NAME           sets the status POSTs to /hooks/NAME answer with (the body, such as 503)
  POST /hooks/NAME           a webhook receiver: logged with its webhook-* headers and body; 200 by default
  POST /NAME/                the same, as an ntfy server's root (ntfy's JSON publishing posts there)
  GET  /_log                 every request so far, as JSON
"""
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
feeds = {}       # name -> (body, etag, last_modified)
log = []         # requests
hits = {}        # path -> count
hook_status = {} # hook name -> status its POSTs answer with


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status, extra=None):
        with lock:
            log.append({**(extra or {}),
                "method": self.command,
                "path": self.path,
                "ifNoneMatch": self.headers.get("If-None-Match"),
                "ifModifiedSince": self.headers.get("If-Modified-Since"),
                "userAgent": self.headers.get("User-Agent"),
                "status": status,
                "receivedAt": time.time(),
            })

    def send(self, status, body=b"", headers=None):
        self.record(status)
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        parts = urlsplit(self.path).path.strip("/").split("/")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if len(parts) == 2 and parts[0] == "hooks":
            with lock:
                hook_status[parts[1]] = int(body.decode().strip())
            return self.send(204)
        if len(parts) != 2 or parts[0] != "feeds":
            return self.send(404)
        with lock:
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
            # Last-Modified has one-second resolution: keep it moving when the body changes quickly.
            previous = feeds.get(parts[1])
            stamp = time.time()
            if previous and previous[3] >= int(stamp):
                stamp = previous[3] + 1
            feeds[parts[1]] = (body, etag, formatdate(int(stamp), usegmt=True), int(stamp))
        self.send(204)

    def do_GET(self):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        query = parse_qs(url.query)
        with lock:
            hits[self.path] = hits.get(self.path, 0) + 1
            count = hits[self.path]
        if parts == ["_log"]:
            with lock:
                body = json.dumps(log).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if len(parts) == 2 and parts[0] in ("feeds", "plain", "flaky"):
            with lock:
                feed = feeds.get(parts[1])
            if parts[0] == "flaky" and count <= int(query.get("fail", ["0"])[0]):
                return self.send(503, b"try later")
            if feed is None:
                return self.send(404, b"no such feed")
            body, etag, modified, _ = feed
            if parts[0] != "feeds":
                return self.send(200, body, {"Content-Type": "application/rss+xml"})
            if self.headers.get("If-None-Match") == etag or (
                self.headers.get("If-None-Match") is None and self.headers.get("If-Modified-Since") == modified
            ):
                return self.send(304, b"", {"ETag": etag, "Last-Modified": modified})
            return self.send(200, body, {"Content-Type": "application/rss+xml", "ETag": etag, "Last-Modified": modified})
        if len(parts) == 2 and parts[0] == "status":
            headers = {"Retry-After": query["retry"][0]} if "retry" in query else {}
            return self.send(int(parts[1]), b"failing on purpose", headers)
        if parts == ["redirect"]:
            return self.send(302, b"", {"Location": query["to"][0]})
        if parts == ["slow"]:
            time.sleep(60)
            return self.send(200, b"<rss/>")
        if parts in (["drip"], ["endless"]):
            self.record(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<rss><channel>" if parts == ["drip"] else b"<item><title>x</title></item>" * 2000
            try:
                self.wfile.write(b"<?xml version='1.0'?><rss><channel>")
                while True:
                    self.wfile.write(chunk[:1] if parts == ["drip"] else chunk)
                    self.wfile.flush()
                    if parts == ["drip"]:
                        time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                return
        return self.send(404, b"not found")


    def do_POST(self):
        parts = urlsplit(self.path).path.strip("/").split("/")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if len(parts) == 1 and parts[0]:
            # An ntfy server's root under a path (/NAME/): ntfy's JSON publishing posts there.
            parts = ["hooks", parts[0]]
        if len(parts) != 2 or parts[0] != "hooks":
            return self.send(404)
        with lock:
            status = hook_status.get(parts[1], 200)
        delay = 0
        if status >= 10000:
            # A slow receiver: status 10000 + S records the request, waits S seconds, then answers 200.
            delay, status = status - 10000, 200
        extra = {
            "webhookId": self.headers.get("webhook-id"),
            "webhookTimestamp": self.headers.get("webhook-timestamp"),
            "webhookSignature": self.headers.get("webhook-signature"),
            "contentType": self.headers.get("Content-Type"),
            "body": body.decode("utf-8", "replace"),
        }
        self.record(status, extra)
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            return


def main():
    # The test harness stops children with SIGTERM; a child of the test process inherits it blocked
    # (and python's threads would keep it pending), so unblock it and exit at once.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if "--ipv6" in sys.argv:
        class IPv6Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6
        server = IPv6Server(("::1", 0), Handler)
    else:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
