#!/usr/bin/env python3
"""The peer for ingest's rate from JSON Lines: a minimal ingest in Python on the same file. It does what
ingest does for each line short of near-duplicate detection: json.loads, checks the required fields,
an id (given, else SHA-256 of the text), an exact-duplicate check on the id, and a journal entry (the
story as JSON) committed to SQLite in WAL mode with synchronous=NORMAL, 256 lines a transaction (ingest's
settings). Prints `stories stories/s`."""
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone


def main() -> None:
    path = sys.argv[1]
    with tempfile.TemporaryDirectory() as directory:
        db = sqlite3.connect(os.path.join(directory, "journal.sqlite"), isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("CREATE TABLE entry (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, envelope BLOB NOT NULL, created REAL NOT NULL)")
        db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY)")
        start = time.perf_counter()
        stories = 0
        batch = []

        def flush():
            db.execute("BEGIN")
            for story_id, envelope in batch:
                if db.execute("INSERT OR IGNORE INTO seen (id) VALUES (?)", (story_id,)).rowcount:
                    db.execute("INSERT INTO entry (topic, envelope, created) VALUES (?, ?, ?)", ("story.ingested", envelope, time.time()))
            db.execute("COMMIT")
            batch.clear()

        with open(path, "rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                fields = json.loads(line)
                headline, body = fields.get("headline"), fields.get("body")
                if not isinstance(headline, str) or not isinstance(body, str) or not headline.strip() or not body.strip():
                    continue
                story_id = fields.get("id") or "h-" + hashlib.sha256(f"{headline}\n{body}".encode()).hexdigest()[:24]
                story = dict(fields, id=story_id, receivedAt=datetime.now(timezone.utc).isoformat())
                batch.append((story_id, json.dumps({"v": 1, "payload": {"story": story}}).encode()))
                stories += 1
                if len(batch) >= 256:
                    flush()
        flush()
        elapsed = time.perf_counter() - start
    print(f"{stories} {stories / elapsed:.0f}")


if __name__ == "__main__":
    main()
