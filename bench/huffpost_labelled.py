#!/usr/bin/env python3
"""Writes the HuffPost headline subset (measurement only: never train a shipped model on it) as
labelled stories for `tag eval`: the 32 categories that map to an IPTC top-level topic
(huffpost_to_iptc.json), each headline a headline-only story labelled with that topic's code.
Usage: huffpost_labelled.py HUFFPOST_DIR OUT.jsonl"""
import json
import pathlib
import sys

# The v2 categories in descending frequency: the dataset's label numbers 0-40 (its README).
CATEGORIES = ("POLITICS,WELLNESS,ENTERTAINMENT,TRAVEL,STYLE & BEAUTY,PARENTING,HEALTHY LIVING,QUEER VOICES,"
              "FOOD & DRINK,BUSINESS,COMEDY,SPORTS,BLACK VOICES,HOME & LIVING,PARENTS,THE WORLDPOST,WEDDINGS,WOMEN,"
              "IMPACT,DIVORCE,CRIME,MEDIA,WEIRD NEWS,GREEN,WORLDPOST,RELIGION,STYLE,SCIENCE,WORLD NEWS,TASTE,TECH,"
              "MONEY,ARTS,FIFTY,GOOD NEWS,ARTS & CULTURE,ENVIRONMENT,COLLEGE,LATINO VOICES,CULTURE & ARTS,EDUCATION").split(",")

folder = pathlib.Path(sys.argv[1])
mapping = json.loads((folder / "huffpost_to_iptc.json").read_text())["mapping"]
written = 0
with open(sys.argv[2], "w") as out:
    for number, line in enumerate((folder / "huffpost_bao2020_36900.json").read_text().splitlines()):
        row = json.loads(line)
        code = mapping.get(CATEGORIES[row["label"]])
        if code is None:
            continue
        story = {"id": f"huffpost-{number}", "headline": row["raw"], "body": "", "labels": [f"medtop:{code}"]}
        out.write(json.dumps(story) + "\n")
        written += 1
print(f"{written} headlines in {len(set(v for v in mapping.values() if v))} topics", file=sys.stderr)
