#!/usr/bin/env python3
"""The peer for near-duplicate clustering: datasketch's MinHash LSH (128 permutations, threshold 0.5)
over the same stream of stories and copies news-bench wrote, word pairs of the lower-cased words as
shingles; a story joins the cluster of the earliest earlier story LSH returns (so a copy of a copy
joins the first cluster, as ingest does). Prints one JSON object per stream: editRate, precision,
recall (pairwise), clusters, storiesPerSecond. Usage: cluster_peer.py STREAM.jsonl …"""
import json
import re
import sys
import time

from datasketch import MinHash, MinHashLSH


def pairs(counts):
    return sum(n * (n - 1) // 2 for n in counts.values())


for path in sys.argv[1:]:
    stories = [json.loads(line) for line in open(path)]
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    cluster, order = {}, {}
    for position, story in enumerate(stories):
        words = re.findall(r"\w+", (story["headline"] + " " + story["body"]).lower())
        shingles = {" ".join(words[i:i + 2]) for i in range(len(words) - 1)} or set(words)
        signature = MinHash(num_perm=128)
        for shingle in shingles:
            signature.update(shingle.encode())
        found = lsh.query(signature)
        cluster[story["id"]] = cluster[min(found, key=order.get)] if found else story["id"]
        order[story["id"]] = position
        lsh.insert(story["id"], signature)
    seconds = time.perf_counter() - start
    by_group, by_cluster, by_both = {}, {}, {}
    for story in stories:
        c = cluster[story["id"]]
        by_group[story["group"]] = by_group.get(story["group"], 0) + 1
        by_cluster[c] = by_cluster.get(c, 0) + 1
        by_both[(story["group"], c)] = by_both.get((story["group"], c), 0) + 1
    correct, predicted, true = pairs(by_both), pairs(by_cluster), pairs(by_group)
    rate = int(re.search(r"edits-(\d+)", path).group(1)) / 100
    print(json.dumps({"name": "datasketch MinHashLSH", "editRate": rate, "precision": correct / predicted if predicted else 1.0,
                      "recall": correct / true if true else 1.0, "clusters": len(by_cluster), "stories": len(stories),
                      "storiesPerSecond": len(stories) / seconds}))
