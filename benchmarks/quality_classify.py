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

    python benchmarks/quality_classify.py [--quick] [--episodes N]

(``--quick``: 50 episodes; ``--tiny``: 5.)
"""

import io
import pickle
import zlib

import numpy as np

if __name__ == "__main__":  # `python benchmarks/quality_classify.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.classify import ZeroShotClassifier, _macro_f1  # noqa: E402
from engine.classify import episodes as fewshot_episodes  # noqa: E402

SIZES = {
    "tiny": dict(n_episodes=5),
    "quick": dict(n_episodes=50),
    "full": dict(n_episodes=200),
}
K_SHOTS = (1, 5, 8)
N_QUERY = 50
OPTIONS = [("--episodes", int, "few-shot episodes (default 200)")]  # also quality_contextual's

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


def load_task(task):
    """(texts, labels) of ``"newsgroups"`` or ``"polarity"``."""
    return newsgroups() if task == "newsgroups" else polarity()


def evaluate(
    texts, labels, spec, *, vectors, encoder=None, k_shots=K_SHOTS, n_query=N_QUERY, n_episodes=200, seed=0
):
    """``{method: (accuracy, macro-F1, 95% interval or None)}`` on one labelled set: the majority
    class, zero-shot with the label names and with the descriptions, few-shot by episodes from the
    examples alone and blended with the descriptions. ``encoder``: a sentence encoder to embed
    the texts with instead of ``vectors``."""
    y = np.array(labels, dtype=object)
    classes = sorted(set(labels))
    top = max(classes, key=list(labels).count)
    out = {
        "majority class": (
            float(np.mean(y == top)),
            _macro_f1(y, np.full(len(y), top, dtype=object), classes),
            None,
        )
    }
    for name, label_spec in (
        ("zero-shot, label names", spec["names"]),
        ("zero-shot, descriptions", spec["descriptions"]),
    ):
        pred = ZeroShotClassifier(vectors, label_spec, encoder=encoder).predict(texts).astype(object)
        out[name] = (float(np.mean(pred == y)), _macro_f1(y, pred, classes), None)
    for prior, tag in ((0.0, "examples only"), (1.0, "+ descriptions")):
        for k in k_shots:
            r = fewshot_episodes(
                texts,
                y,
                n_way=len(classes),
                k_shot=k,
                n_query=n_query,
                n_episodes=n_episodes,
                seed=seed,
                vectors=vectors if encoder is None else None,
                encoder=encoder,
                label_texts=spec["descriptions"] if prior else None,
                prior_weight=prior,
            )
            out[f"few-shot k={k}, {tag}"] = (r.mean, float(r.macro_f1.mean()), r.ci95)
    return out


def add_rows(table, results):
    """One row per method; ``results`` = ``{prefix: evaluate(...)}``, each method's accuracy,
    macro-F1 and interval stored as ``prefix_acc``, ``prefix_f1`` and ``prefix_ci``."""
    for method in next(iter(results.values())):
        row = {"method": method}
        for prefix, res in results.items():
            row[f"{prefix}_acc"], row[f"{prefix}_f1"], row[f"{prefix}_ci"] = res[method]
        table.add(row)


def accuracy_format(prefix, f1=False):
    """Cell formats (tried in order) for an accuracy ± its interval, optionally with macro-F1."""
    tail = f" (F1 {{{prefix}_f1:.3f}})" if f1 else ""
    return [f"{{:.3f}} ± {{{prefix}_ci:.3f}}{tail}", f"{{:.3f}}{tail}"]


def run(quick=False, *, tiny=False, episodes=None):
    """Accuracy and macro-F1 of each method on both sets; one row per method."""
    size = harness.size_name(quick, tiny)
    n_episodes = episodes or SIZES[size]["n_episodes"]
    v = engine.datasets.default_vectors()
    bench = harness.Bench("quality_classify", "Classification quality: zero- and few-shot", size)
    cols = [("method", "method")]
    for task in TASKS:
        cols += [
            (f"{task}_acc", f"{task} accuracy", accuracy_format(task)),
            (f"{task}_f1", f"{task} macro-F1", "{:.3f}"),
        ]
    table = bench.table(
        "accuracy and macro-F1",
        cols,
        intro=f"Default vectors ({len(v):,} words × {v.vector_size}), SIF weighting; few-shot: 2-way, "
        f"{N_QUERY} queries per class, {n_episodes} episodes, seed 0 (± = 95% interval).",
    )
    results = {
        task: evaluate(*load_task(task), TASKS[task], vectors=v, n_episodes=n_episodes) for task in TASKS
    }
    add_rows(table, results)
    return bench.finish()


def main(argv=None):
    harness.main(run, __doc__, argv, OPTIONS)


if __name__ == "__main__":
    main()
