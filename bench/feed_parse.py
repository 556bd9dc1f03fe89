#!/usr/bin/env python3
"""The peer for feed parsing: feedparser reads the same RSS and Atom files news-bench wrote, three
passes, best one reported as `items items/s MB/s`."""
import os
import sys
import time

import feedparser


def main() -> None:
    directory = sys.argv[1]
    documents = []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            documents.append(handle.read())
    size = sum(len(d) for d in documents)
    best, items = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        items = sum(len(feedparser.parse(d).entries) for d in documents)
        best = min(best, time.perf_counter() - start)
    print(f"{items} {items / best:.0f} {size / 1048576 / best:.2f}")


if __name__ == "__main__":
    main()
