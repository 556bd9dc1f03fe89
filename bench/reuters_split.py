#!/usr/bin/env python3
"""Writes Reuters-21578's ModApte split as labelled stories (the public input format with "labels"):
TOPICS="YES" documents, LEWISSPLIT TRAIN and TEST, keeping the 90 categories with at least one training
and one test document, and the documents that have one of them (7,769 and 3,019). Reads the corpus in
place (research use only; nothing is copied into the repository).

usage: reuters_split.py CORPUS_DIR OUT_DIR   ->   OUT_DIR/reuters-train.jsonl, OUT_DIR/reuters-test.jsonl
"""
import html
import json
import os
import re
import sys

DOCUMENT = re.compile(r"<REUTERS([^>]*)>(.*?)</REUTERS>", re.S)


def field(text, tag):
    match = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    return html.unescape(match.group(1)).replace("\x03", "").strip() if match else ""


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    documents = {"TRAIN": [], "TEST": []}
    for name in sorted(os.listdir(corpus)):
        if not (name.startswith("reut2-") and name.endswith(".sgm")):
            continue
        with open(os.path.join(corpus, name), encoding="latin-1") as handle:
            text = handle.read()
        for attributes, body in DOCUMENT.findall(text):
            split = re.search(r'LEWISSPLIT="([\w-]+)"', attributes).group(1)
            if 'TOPICS="YES"' not in attributes or split not in documents:
                continue
            topics = re.findall(r"<D>(.*?)</D>", re.search(r"<TOPICS>(.*?)</TOPICS>", body, re.S).group(1))
            title, text_body = field(body, "TITLE"), field(body, "BODY")
            if not title and not text_body:
                continue
            ident = re.search(r'NEWID="(\d+)"', attributes).group(1)
            documents[split].append({"id": f"reuters-{ident}", "headline": title or text_body.split("\n")[0][:120],
                                     "body": text_body or title, "source": "Reuters", "labels": topics})
    train_labels = {label for d in documents["TRAIN"] for label in d["labels"]}
    test_labels = {label for d in documents["TEST"] for label in d["labels"]}
    keep = train_labels & test_labels
    os.makedirs(out, exist_ok=True)
    for split, name in (("TRAIN", "reuters-train.jsonl"), ("TEST", "reuters-test.jsonl")):
        kept = 0
        with open(os.path.join(out, name), "w") as handle:
            for document in documents[split]:
                labels = [label for label in document["labels"] if label in keep]
                if labels:
                    handle.write(json.dumps(dict(document, labels=labels)) + "\n")
                    kept += 1
        print(f"{name}: {kept} stories", file=sys.stderr)
    print(f"{len(keep)} categories", file=sys.stderr)


if __name__ == "__main__":
    main()
