"""The gateway benchmark: the same searches over HTTP to the gateway (token checked by notify, the
query parsed, index's BM25, count and snippets, JSON) and to a peer, a small Python HTTP search
service over SQLite FTS5 (BM25 with the headline weighted 3 to 1, top 10, a snippet, the total count),
with the same stories, the same queries and the same load client.

  python gateway_load.py serve DB PORT_FILE
      the peer: serves GET /search?q=<FTS5 query> from DB (ThreadingHTTPServer), writing its port
  python gateway_load.py run GATEWAY_URL TOKEN STORIES_JSONL QUERIES_JSONL WORK_DIR
      builds the peer's database from the stories (headline and body), starts the peer in its own
      process, and loads both: CONCURRENCY threads (4), each on one keep-alive connection, ROUNDS (3)
      passes over the queries after a warm-up pass. Prints one JSON object per target: requests/s,
      latency p50 and p99 in milliseconds, and the hits counted.

The queries are the search benchmark's (queries.jsonl: `ours` in the query language and `fts5`);
those with a place clause are left out, since the peer's table holds no tags.
"""
import http.client
import http.server
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

CONCURRENCY = int(os.environ.get("CONCURRENCY", "4"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))]


def serve(path, port_file):
    local = threading.local()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold each response 40 ms.
        disable_nagle_algorithm = True

        def log_message(self, *arguments):
            pass

        def do_GET(self):
            if not hasattr(local, "db"):
                local.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("q", [""])[0]
            try:
                rows = local.db.execute(
                    "SELECT rowid, headline, snippet(story, 1, '[', ']', '…', 16), bm25(story, 3.0, 1.0) AS score "
                    "FROM story WHERE story MATCH ? ORDER BY score LIMIT 10", (query,)).fetchall()
                total = local.db.execute("SELECT count(*) FROM story WHERE story MATCH ?", (query,)).fetchone()[0]
                body = json.dumps({"query": query, "total": total, "hits": [
                    {"id": str(rowid), "headline": headline, "snippet": snippet, "score": -score} for rowid, headline, snippet, score in rows
                ]}).encode()
                status = 200
            except sqlite3.Error as error:
                body, status = json.dumps({"detail": str(error)}).encode(), 400
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


def build_peer(stories_path, path):
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE VIRTUAL TABLE story USING fts5(headline, body, tokenize = \"unicode61 tokenchars '_'\")")
    stories = [json.loads(line) for line in open(stories_path) if line.strip()]
    with db:
        db.executemany("INSERT INTO story (headline, body) VALUES (?, ?)", [(s.get("headline", ""), s.get("body", "")) for s in stories])
    db.close()
    return len(stories)


def load(host, port, paths, headers):
    """Runs `paths` once to warm up, then ROUNDS times over CONCURRENCY connections."""
    latencies, hits, failures = [], [0], [0]
    lock = threading.Lock()

    def worker(share, record):
        connection = http.client.HTTPConnection(host, port, timeout=60)
        for path in share:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if not record:
                continue
            with lock:
                latencies.append(elapsed)
                if response.status == 200:
                    hits[0] += json.loads(body)["total"]
                else:
                    failures[0] += 1
        connection.close()

    def run(work, record):
        shares = [work[i::CONCURRENCY] for i in range(CONCURRENCY)]
        threads = [threading.Thread(target=worker, args=(share, record)) for share in shares]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    run(paths, False)
    seconds = run(paths * ROUNDS, True)
    return {"requests": len(latencies), "requestsPerSecond": len(latencies) / seconds, "p50ms": percentile(latencies, 0.5),
            "p99ms": percentile(latencies, 0.99), "hitsPerPass": hits[0] // ROUNDS, "failures": failures[0]}


def main():
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
        return
    gateway, token, stories, queries_path, work = sys.argv[2:7]
    os.makedirs(work, exist_ok=True)
    queries = [json.loads(line) for line in open(queries_path) if line.strip()]
    queries = [q for q in queries if "place:" not in q["ours"]]
    database = os.path.join(work, "peer.sqlite")
    count = build_peer(stories, database)
    port_file = os.path.join(work, "peer.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    peer = subprocess.Popen([sys.executable, __file__, "serve", database, port_file])
    try:
        for _ in range(100):
            if os.path.exists(port_file):
                break
            time.sleep(0.1)
        peer_port = int(open(port_file).read())
        url = urllib.parse.urlsplit(gateway)
        ours = load(url.hostname, url.port, [f"/v1/search?q={urllib.parse.quote(q['ours'])}" for q in queries],
                    {"Authorization": f"Bearer {token}"})
        theirs = load("127.0.0.1", peer_port, [f"/search?q={urllib.parse.quote(q['fts5'])}" for q in queries], {})
    finally:
        peer.terminate()
        peer.wait()
    print(json.dumps({"name": "gateway", "stories": count, "queries": len(queries), "concurrency": CONCURRENCY, **ours}))
    print(json.dumps({"name": "Python http.server over SQLite FTS5", "stories": count, "queries": len(queries), "concurrency": CONCURRENCY, **theirs}))


if __name__ == "__main__":
    main()
