#!/usr/bin/env python3
"""What Python's feedparser reads from each feed fixture: per entry its id, its title as plain text
(markup removed and entities decoded once when feedparser reports it as HTML; None when it has none),
whether it has any text, and its date (published, else updated, as UTC RFC 3339), written to
expected.json beside the fixtures.
The Swift test FeedParserAgreementTests compares FeedReader with these. Regenerate after adding a
fixture: .build/bench-venv/bin/python bench/feedparser_expected.py Tests/StageTests/Fixtures/feeds"""
import calendar, html, json, pathlib, re, sys, time
import feedparser

def plain(detail, value):
    if not value:
        return None
    if detail is not None and detail.get("type") in ("text/html", "application/xhtml+xml"):
        value = html.unescape(re.sub(r"<[^>]*>", "", value))
    value = " ".join(value.split())
    return value or None

def rfc3339(parsed):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed))) if parsed else None

folder = pathlib.Path(sys.argv[1])
expected = {}
for path in sorted(folder.glob("*.xml")):
    parsed = feedparser.parse(path.read_bytes())
    expected[path.name] = {
        "feedparser": feedparser.__version__,
        "bozo": bool(parsed.bozo),
        "entries": [
            {"id": entry.get("id"),
             "title": plain(entry.get("title_detail"), entry.get("title")),
             "hasText": bool(plain(entry.get("title_detail"), entry.get("title")) or plain(entry.get("summary_detail"), entry.get("summary"))),
             "date": rfc3339(entry.get("published_parsed") or entry.get("updated_parsed"))}
            for entry in parsed.entries],
    }
(folder / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
print(f"{len(expected)} fixtures")
