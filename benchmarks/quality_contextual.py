"""Zero-shot quality: the contextual encoder beside static word vectors, on offline labelled sets.

Labelled sets (both bundled with gensim's test data, nothing downloaded):

- ``polarity``: ``pang_lee_polarity.cor``, 200 movie-review sentences (Pang & Lee), 100
  ``__label__pos`` and 100 ``__label__neg``;
- ``newsgroups``: ``mini_newsgroup``, 200 posts of 20 Newsgroups (100 alt.atheism, 100
  sci.space), a pickled scikit-learn Bunch. The header block (which names the newsgroup) is cut:
  a text is the post's Subject line and body, first 1,500 characters.

Every classifier is ``engine.ZeroShotClassifier`` with the same label descriptions; only the
embedding differs: the default static vectors (MiniLM input embeddings, SIF weighting fitted on
the Lee corpus; and fitted on the texts themselves) or ``engine.ContextualEncoder`` (bundled
all-MiniLM-L6-v2). Prints accuracy and macro-F1 beside the majority-class baseline.

    python benchmarks/quality_contextual.py [--quick]
"""
import argparse
import io
import os
import pickle
import platform
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import engine  # noqa: E402
from engine.datasets import gensim_test_file  # noqa: E402

LABELS = {
    "polarity": {
        "names": {"neg": "negative", "pos": "positive"},
        "descriptions": {"neg": "a bad, boring, dull and disappointing film",
                         "pos": "a good, moving, funny and wonderful film"},
    },
    "newsgroups": {
        "names": {"alt.atheism": "religion", "sci.space": "space"},  # "atheism" is no whole word of the static vocabulary
        "descriptions": {"alt.atheism": "religion, god, belief, faith and the bible",
                         "sci.space": "space, nasa, orbit, rockets and the moon"},
    },
}


def polarity_set():
    texts, labels = [], []
    with open(gensim_test_file("pang_lee_polarity.cor"), encoding="cp1252", errors="replace") as f:
        for line in f:
            tag, _, text = line.strip().partition(" ")
            texts.append(text)
            labels.append(tag.replace("__label__", ""))
    return texts, np.array(labels)


class _BunchAsDict(pickle.Unpickler):
    """gensim's file pickles ``sklearn.datasets.base.Bunch``, a module newer sklearn lacks."""

    def find_class(self, module, name):
        if (module, name) == ("sklearn.datasets.base", "Bunch"):
            return dict
        return super().find_class(module, name)


def newsgroups_set():
    with open(gensim_test_file("mini_newsgroup"), "rb") as f:
        bunch = _BunchAsDict(io.BytesIO(zlib.decompress(f.read())), encoding="latin1").load()
    texts = []
    for post in bunch["data"]:
        head, _, body = post.partition("\n\n")
        subject = next((h[len("Subject:"):].strip() for h in head.split("\n")
                        if h.startswith("Subject:")), "")
        texts.append((subject + "\n" + body)[:1500])
    names = bunch["target_names"]
    return texts, np.array([names[t] for t in bunch["target"]])


def macro_f1(y, pred):
    f1 = []
    for c in np.unique(y):
        tp = np.sum((pred == c) & (y == c))
        p = tp / max(np.sum(pred == c), 1)
        r = tp / max(np.sum(y == c), 1)
        f1.append(0.0 if p + r == 0 else 2 * p * r / (p + r))
    return float(np.mean(f1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="first 60 texts of each set")
    args = ap.parse_args(argv)

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    import torch

    print(f"machine: {cpu}; engine threads {engine.get_num_threads()}, torch threads "
          f"{torch.get_num_threads()}; load {os.getloadavg()[0]:.1f}")
    v = engine.datasets.default_vectors()
    enc = engine.ContextualEncoder()
    sets = {"polarity": polarity_set(), "newsgroups": newsgroups_set()}
    rows = []
    for name, (texts, y) in sets.items():
        if args.quick:
            keep = np.r_[0:30, len(texts) - 30:len(texts)]
            texts, y = [texts[i] for i in keep], y[keep]
        majority = max(np.mean(y == c) for c in np.unique(y))
        top = max(np.unique(y), key=lambda c: np.sum(y == c))
        rows.append((name, "majority class", "-", majority, macro_f1(y, np.full(len(y), top)), 0.0))
        for kind in ("names", "descriptions"):
            labels = LABELS[name][kind]
            setups = [("static vectors, SIF (Lee)", dict()),
                      ("static vectors, SIF (fit on texts)", dict(fit=True)),
                      ("contextual encoder", dict(encoder=enc))]
            for what, opts in setups:
                t0 = time.perf_counter()
                clf = engine.ZeroShotClassifier(v, labels, encoder=opts.get("encoder"))
                if opts.get("fit"):
                    clf.fit(texts)
                pred = clf.predict(texts).astype(str)
                dt = time.perf_counter() - t0
                rows.append((name, what, kind, float(np.mean(pred == y)), macro_f1(y, pred), dt))
    print(f"\n| set (n) | embedding | labels as | accuracy | macro-F1 | seconds |")
    print("|---|---|---|---|---|---|")
    for name, what, kind, acc, f1, dt in rows:
        n = len(sets[name][0]) if not args.quick else 60
        print(f"| {name} ({n}) | {what} | {kind} | {acc:.3f} | {f1:.3f} | {dt:.1f} |")


if __name__ == "__main__":
    main()
