"""The search benchmark's peers on the same documents and queries as news-bench's StoryIndex run:
SQLite FTS5 driven directly from Python (the same tokenizer, BM25 with the headline weighted 3 to 1,
a snippet, the total count) and tantivy (PyPI), headline boosted 3 to 1, top 10, count, a snippet.

  python search_peers.py DIR   (DIR holds documents.jsonl and queries.jsonl)

Prints one JSON object per peer: indexing rate and query latency p50 and p99 in milliseconds.
"""
import json
import os
import shutil
import sqlite3
import sys
import time

import tantivy


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))]


def time_queries(run, queries):
    """One warm-up pass, then each query timed once; returns the latencies (ms) and the total hits."""
    for query in queries:
        run(query)
    latencies, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        hits += run(query)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, hits


def fts5(directory, documents, queries):
    path = os.path.join(directory, "peer-fts5.sqlite")
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE VIRTUAL TABLE story USING fts5(headline, body, tags, tokenize = \"unicode61 tokenchars '_'\")")
    start = time.perf_counter()
    for offset in range(0, len(documents), 1000):
        with db:
            db.executemany("INSERT INTO story (headline, body, tags) VALUES (?, ?, ?)",
                           [(d["headline"], d["body"], d["tags"]) for d in documents[offset:offset + 1000]])
    indexing = len(documents) / (time.perf_counter() - start)

    def run(query):
        rows = db.execute(
            "SELECT rowid, snippet(story, 1, '[', ']', '…', 16) FROM story WHERE story MATCH ? "
            "ORDER BY bm25(story, 3.0, 1.0, 0.0) LIMIT 10", (query["fts5"],)).fetchall()
        total = db.execute("SELECT count(*) FROM story WHERE story MATCH ?", (query["fts5"],)).fetchone()[0]
        return total

    latencies, hits = time_queries(run, queries)
    db.close()
    return {"name": "SQLite FTS5 from Python", "indexingPerSecond": indexing, "p50ms": percentile(latencies, 0.5),
            "p99ms": percentile(latencies, 0.99), "meanHits": hits / len(queries)}


def tantivy_peer(directory, documents, queries):
    path = os.path.join(directory, "peer-tantivy")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("headline", stored=True)
    builder.add_text_field("body", stored=True)
    builder.add_text_field("tags", tokenizer_name="whitespace")
    schema = builder.build()
    index = tantivy.Index(schema, path=path)
    start = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    for d in documents:
        writer.add_document(tantivy.Document(id=d["id"], headline=d["headline"], body=d["body"], tags=d["tags"]))
    writer.commit()
    writer.wait_merging_threads()
    indexing = len(documents) / (time.perf_counter() - start)
    index.reload()
    searcher = index.searcher()

    def run(query):
        parsed = index.parse_query(query["tantivy"], ["headline", "body"], field_boosts={"headline": 3.0})
        result = searcher.search(parsed, 10, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
        for _, address in result.hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()
        return result.count

    latencies, hits = time_queries(run, queries)
    return {"name": "tantivy", "indexingPerSecond": indexing, "p50ms": percentile(latencies, 0.5),
            "p99ms": percentile(latencies, 0.99), "meanHits": hits / len(queries)}


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "documents.jsonl"), encoding="utf-8") as handle:
        documents = [json.loads(line) for line in handle]
    with open(os.path.join(directory, "queries.jsonl"), encoding="utf-8") as handle:
        queries = [json.loads(line) for line in handle]
    for peer in (fts5, tantivy_peer):
        print(json.dumps(peer(directory, documents, queries)), flush=True)


if __name__ == "__main__":
    main()
