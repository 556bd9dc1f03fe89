#!/usr/bin/env python3
"""The peer for topics across outlets: scikit-learn's LinearSVC (one-vs-rest, TF-IDF of words and word
pairs, defaults) trained on the stories `tag train --export` wrote (the project's own stories and the
IPTC definitions, top-level labels), predicting the cross-outlet headlines. Prints one JSON object: per
label precision and recall, micro and macro F1. Usage: topic_peer.py TRAIN.jsonl TEST.jsonl"""
import json
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC


def load(path):
    stories = [json.loads(line) for line in open(path) if line.strip()]
    return [s["headline"] + "\n" + (s["body"] or s["headline"]) for s in stories], [s["labels"] for s in stories]


train_text, train_labels = load(sys.argv[1])
test_text, test_labels = load(sys.argv[2])
binarizer = MultiLabelBinarizer().fit(train_labels)
vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1)
classifier = OneVsRestClassifier(LinearSVC()).fit(vectorizer.fit_transform(train_text), binarizer.transform(train_labels))
y_pred = classifier.predict(vectorizer.transform(test_text))
y_true = binarizer.transform([[l for l in labels if l in binarizer.classes_] for labels in test_labels])
precision, recall, _, support = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
print(json.dumps({
    "name": "LinearSVC",
    "microF1": f1_score(y_true, y_pred, average="micro", zero_division=0),
    "macroF1": f1_score(y_true, y_pred, average="macro", zero_division=0),
    "perLabel": [{"label": label, "precision": p, "recall": r, "expected": int(s), "predicted": int(y_pred[:, i].sum())}
                 for i, (label, p, r, s) in enumerate(zip(binarizer.classes_, precision, recall, support))],
}))
