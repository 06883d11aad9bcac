"""Classification quality on labelled text available offline (gensim's bundled test data).

Data sets (both ship inside the gensim wheel, in gensim/test/test_data; no network):

- newsgroups: ``mini_newsgroup``, 200 Usenet posts, 100 from alt.atheism and 100 from
  sci.space (a zlib-compressed pickle of a scikit-learn ``Bunch``, read here with an unpickler
  that only admits that Bunch, a dict and numpy arrays). Each post's header block (up to the
  first blank line: it names the newsgroup) is removed; the body is the text.
- polarity: ``pang_lee_polarity.cor``, 200 one-sentence movie reviews, 100 ``__label__neg`` and
  100 ``__label__pos`` (Pang & Lee); the prefix is the label, the rest the text.

Rows: majority-class baseline; zero-shot with the label names; zero-shot with short label
descriptions; few-shot with k = 1, 5, 8 examples per class, from the examples alone
(prior_weight=0) and blended with the descriptions (prior_weight=1). Zero-shot is scored on
every text; few-shot by episodes (2-way, k support + 50 query texts per class, 200 episodes,
seed 0), mean ± 95% interval. All on the default vectors, SIF weighting with the default
reference (gensim's Lee corpus).

    python benchmarks/quality_classify.py [--episodes N]
"""

import argparse
import io
import os
import pickle
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine  # noqa: E402
from engine.classify import ZeroShotClassifier, _macro_f1, episodes  # noqa: E402

TASKS = {
    "newsgroups": {
        "names": {"alt.atheism": "atheist", "sci.space": "space"},  # "atheism" is not a whole word in MiniLM
        "descriptions": {
            "alt.atheism": "atheist religion god belief bible christian faith church",
            "sci.space": "space nasa orbit rocket launch satellite moon shuttle",
        },
    },
    "polarity": {
        "names": {"neg": "negative", "pos": "positive"},
        "descriptions": {
            "neg": "bad boring awful dull poor terrible worst mess",
            "pos": "good great excellent wonderful enjoyable brilliant best fun",
        },
    },
}


class _BunchUnpickler(pickle.Unpickler):
    """Admits only what the mini_newsgroup pickle needs: a Bunch (read as a dict), numpy arrays."""

    def find_class(self, module, name):
        if (module, name) == ("sklearn.datasets.base", "Bunch"):
            return dict
        if (module, name) in (("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor")):
            import copyreg

            return copyreg._reconstructor
        if (module, name) in (("__builtin__", "dict"), ("builtins", "dict")):
            return dict
        if (module, name) in (("__builtin__", "object"), ("builtins", "object")):
            return object
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name == "_reconstruct":
            from numpy._core.multiarray import _reconstruct

            return _reconstruct
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        raise pickle.UnpicklingError(f"mini_newsgroup: unexpected object {module}.{name}")


def newsgroups():
    path = engine.datasets.gensim_test_file("mini_newsgroup")
    with open(path, "rb") as f:
        bunch = _BunchUnpickler(io.BytesIO(zlib.decompress(f.read())), encoding="latin1").load()
    texts = [doc.split("\n\n", 1)[1] if "\n\n" in doc else "" for doc in bunch["data"]]
    labels = [bunch["target_names"][int(t)] for t in bunch["target"]]
    return texts, labels


def polarity():
    path = engine.datasets.gensim_test_file("pang_lee_polarity.cor")
    texts, labels = [], []
    with open(path, encoding="latin-1") as f:  # the file is not valid UTF-8
        for line in f:
            tag, _, text = line.partition(" ")
            labels.append(tag.replace("__label__", ""))
            texts.append(text.strip())
    return texts, labels


def evaluate(v, n_episodes=200, seed=0):
    rows = {}
    for task, load in (("newsgroups", newsgroups), ("polarity", polarity)):
        texts, y = load()
        y = np.array(y, dtype=object)
        spec = TASKS[task]
        classes = sorted(set(y))
        counts = {c: int(np.sum(y == c)) for c in classes}
        majority = max(classes, key=lambda c: counts[c])
        rows.setdefault("majority class", {})[task] = (
            float(np.mean(y == majority)),
            _macro_f1(y, np.array([majority] * len(y), dtype=object), classes),
            None,
        )
        for name, labels in (
            ("zero-shot, label names", spec["names"]),
            ("zero-shot, descriptions", spec["descriptions"]),
        ):
            clf = ZeroShotClassifier(v, labels)
            pred = clf.predict(texts).astype(object)
            rows.setdefault(name, {})[task] = (float(np.mean(pred == y)), _macro_f1(y, pred, classes), None)
        for prior, tag in ((0.0, "examples only"), (1.0, "+ descriptions")):
            for k in (1, 5, 8):
                r = episodes(
                    texts,
                    y,
                    n_way=len(classes),
                    k_shot=k,
                    n_query=50,
                    n_episodes=n_episodes,
                    seed=seed,
                    vectors=v,
                    label_texts=spec["descriptions"] if prior else None,
                    prior_weight=prior,
                )
                rows.setdefault(f"few-shot k={k}, {tag}", {})[task] = (
                    r.mean,
                    float(r.macro_f1.mean()),
                    r.ci95,
                )
    return rows


def table(rows):
    tasks = ["newsgroups", "polarity"]
    out = [
        "| method | newsgroups accuracy | newsgroups macro-F1 | polarity accuracy | polarity macro-F1 |",
        "|---|---|---|---|---|",
    ]
    for name, per in rows.items():
        cells = []
        for t in tasks:
            acc, f1, ci = per[t]
            cells += [f"{acc:.3f}" + (f" ± {ci:.3f}" if ci is not None else ""), f"{f1:.3f}"]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=200)
    args = ap.parse_args(argv)
    v = engine.datasets.default_vectors()
    print(
        f"vectors: default ({len(v)} words × {v.vector_size}), weighting: sif, "
        f"few-shot: 2-way, 50 queries/class, {args.episodes} episodes, seed 0 (± = 95% interval)"
    )
    print(table(evaluate(v, args.episodes)))


if __name__ == "__main__":
    main()
