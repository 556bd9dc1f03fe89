#!/usr/bin/env python3
"""Scrapes every process's /metrics with Prometheus's own parser (prometheus-client) and checks the
families each must have, and /healthz and /readyz.

Environment: RUN_DIR (each process wrote its metrics URL to <instance>.metrics there).
"""
import glob
import json
import os
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

RUN_DIR = os.environ["RUN_DIR"]
EXPECTED = {
    "ingest": {"news_stage_events", "news_messages_published", "news_journal_entries", "news_journal_bytes"},
    "tag": {"news_messages_received", "news_messages_published", "news_feed_lag", "news_journal_entries", "news_journal_bytes"},
    "index": {"news_messages_received", "news_feed_lag", "news_search_duration_seconds"},
    "notify": {"news_messages_received", "news_messages_published", "news_feed_lag", "news_alerts", "news_submit_to_alert_seconds",
               "news_journal_entries"},
    "gateway": {"hb_requests", "http_server_request_duration"},
}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


files = sorted(glob.glob(os.path.join(RUN_DIR, "*.metrics")))
instances = {os.path.basename(f)[: -len(".metrics")]: open(f).read().strip() for f in files}
missing_processes = {"ingest-0", "tag-0", "index-0", "notify-0", "gateway-0"} - set(instances)
if missing_processes:
    fail(f"no metrics address from {sorted(missing_processes)} (found {sorted(instances)})")
for instance, url in sorted(instances.items()):
    stage = instance.rsplit("-", 1)[0]
    status, kind, text = get(url + "/metrics")
    if status != 200 or not kind.startswith("text/plain"):
        fail(f"{instance}: /metrics answered {status} {kind}")
    families = {}
    try:
        for family in text_string_to_metric_families(text):
            families[family.name] = family
    except Exception as error:
        fail(f"{instance}: /metrics is not Prometheus text: {error}\n{text[:2000]}")
    absent = EXPECTED[stage] - set(families)
    if absent:
        fail(f"{instance}: no {sorted(absent)} in /metrics; it has {sorted(families)}")
    if stage == "notify":
        histogram = families["news_submit_to_alert_seconds"]
        if histogram.type != "histogram":
            fail(f"submit-to-alert latency is a {histogram.type}, not a histogram")
        counts = [s.value for s in histogram.samples if s.name.endswith("_count")]
        if not counts or max(counts) < 1:
            fail(f"no submit-to-alert latency recorded: {histogram.samples[:5]}")
    if stage in ("tag", "index", "notify"):
        received = sum(s.value for s in families["news_messages_received"].samples if s.name.endswith("_total"))
        if received < 1:
            fail(f"{instance}: no messages counted in")
    for path, want in (("/healthz", 200), ("/readyz", 200)):
        status, _, body = get(url + path)
        if status != want:
            fail(f"{instance}: {path} answered {status}: {body}")
        json.loads(body)
    print(f"{instance}: {len(families)} metric families, healthy and ready")
print("ok")
