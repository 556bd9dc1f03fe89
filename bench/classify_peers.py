#!/usr/bin/env python3
"""The peers for the topic classifier, on the same labelled files as `tag train` / `tag eval`:
fastText (fasttext-numpy2; one-vs-all loss, word bigrams) and scikit-learn's LinearSVC on TF-IDF
(one-vs-rest, defaults). Prints one JSON object per peer: name, microF1, macroF1, trainSeconds,
storiesPerSecond (prediction)."""
import json
import os
import re
import sys
import tempfile
import time

import fasttext
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC


def load(path):
    with open(path) as handle:
        stories = [json.loads(line) for line in handle if line.strip()]
    return [s["headline"] + "\n" + s["body"] for s in stories], [s["labels"] for s in stories]


def scores(binarizer, gold, predicted):
    y_true, y_pred = binarizer.transform(gold), binarizer.transform(predicted)
    return (f1_score(y_true, y_pred, average="micro", zero_division=0),
            f1_score(y_true, y_pred, average="macro", zero_division=0))


def main():
    train_text, train_labels = load(sys.argv[1])
    test_text, test_labels = load(sys.argv[2])
    binarizer = MultiLabelBinarizer().fit(train_labels + test_labels)

    # fastText: one line per story, "__label__x __label__y text", lower-cased, on one line.
    def line(text):
        return re.sub(r"\s+", " ", text.lower())

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        for text, labels in zip(train_text, train_labels):
            handle.write(" ".join("__label__" + label for label in labels) + " " + line(text) + "\n")
        path = handle.name
    start = time.perf_counter()
    model = fasttext.train_supervised(input=path, loss="ova", wordNgrams=2, epoch=25, lr=0.5, minCount=1, verbose=0)
    train_seconds = time.perf_counter() - start
    os.unlink(path)
    start = time.perf_counter()
    predicted = [[label.replace("__label__", "") for label in model.predict(line(text), k=-1, threshold=0.5)[0]]
                 for text in test_text]
    predict_seconds = time.perf_counter() - start
    micro, macro = scores(binarizer, test_labels, predicted)
    print(json.dumps({"name": "fastText", "microF1": micro, "macroF1": macro, "trainSeconds": train_seconds,
                      "storiesPerSecond": len(test_text) / predict_seconds}))

    start = time.perf_counter()
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1)
    x_train = vectorizer.fit_transform(train_text)
    classifier = OneVsRestClassifier(LinearSVC()).fit(x_train, binarizer.transform(train_labels))
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = classifier.predict(vectorizer.transform(test_text))
    predict_seconds = time.perf_counter() - start
    y_true = binarizer.transform(test_labels)
    print(json.dumps({"name": "LinearSVC", "microF1": f1_score(y_true, y_pred, average="micro", zero_division=0),
                      "macroF1": f1_score(y_true, y_pred, average="macro", zero_division=0), "trainSeconds": train_seconds,
                      "storiesPerSecond": len(test_text) / predict_seconds}))


if __name__ == "__main__":
    main()
