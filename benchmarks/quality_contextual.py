"""Zero- and few-shot quality: the contextual encoder beside static word vectors.

The labelled sets, label names and descriptions are those of ``benchmarks/quality_classify.py``
(gensim's bundled ``mini_newsgroup``, alt.atheism vs sci.space, and ``pang_lee_polarity.cor``,
negative vs positive; 200 texts each, nothing downloaded). Each row runs the same engine call
twice: on the default static vectors (SIF weighting fitted on the Lee corpus) and with
``encoder=engine.ContextualEncoder()`` (the bundled all-MiniLM-L6-v2, which reads at most 256
word pieces of a text). Zero-shot is scored on every text; few-shot by episodes (2-way, k
support + 50 query texts per class, seed 0), mean ± 95% interval, as quality_classify.py does.

    python benchmarks/quality_contextual.py [--quick] [--episodes N]

(``--quick``: 50 episodes; ``--tiny``: 12 texts per class of each set, k = 1, 4 queries per class,
2 episodes.)

A second table times the encoder itself (``ContextualEncoder.encode``, texts per second) on the
first texts of the ``fortunes`` set (1,000 with ``--quick``, all 3,827 in full; the polarity
texts with ``--tiny``): before — one call of sentence-transformers' ``encode`` with batch 64 and
torch's own thread count, what ``encode`` was — beside engine's ``encode`` (texts sorted by
length, ``batch_size`` at a time, torch held to ``engine.get_num_threads()``) at batch 8, 16, 32
and 64, at batch 16 in input order (no sort) and at batch 16 on one thread; each row's largest
difference from the first row's vectors is shown.
"""

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":  # `python benchmarks/quality_contextual.py` in a source checkout: its engine
    import _checkout  # noqa: F401
if HERE not in sys.path:  # its sibling quality_classify (engine bench puts the folder there itself)
    sys.path.insert(0, HERE)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _quality_data import load_text_set  # noqa: E402
from quality_classify import OPTIONS, TASKS, accuracy_format, add_rows, evaluate, load_task  # noqa: E402

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402

# per_class: texts of each class kept (None: all); the few-shot protocol of quality_classify.py
SIZES = {
    "tiny": dict(per_class=12, k_shots=(1,), n_query=4, n_episodes=2),
    "quick": dict(per_class=None, k_shots=(1, 5, 8), n_query=50, n_episodes=50),
    "full": dict(per_class=None, k_shots=(1, 5, 8), n_query=50, n_episodes=200),
}
KINDS = ("static", "contextual")


class CachedEncoder:
    """Encodes each distinct text once: every episode call re-embeds the whole set."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.cache = {}

    def encode(self, texts):
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            self.cache.update(zip(todo, self.encoder.encode(todo)))
        return np.vstack([self.cache[t] for t in texts])


def subsample(texts, labels, per_class):
    """The first ``per_class`` texts of each class (all of them when None), in their order."""
    if per_class is None:
        return texts, labels
    keep, seen = [], {}
    for i, y in enumerate(labels):
        seen[y] = seen.get(y, 0) + 1
        if seen[y] <= per_class:
            keep.append(i)
    return [texts[i] for i in keep], [labels[i] for i in keep]


def run(quick=False, *, tiny=False, episodes=None):
    """Each method on static vectors and with the contextual encoder; one row per method."""
    size = harness.size_name(quick, tiny)
    p = dict(SIZES[size], **({"n_episodes": episodes} if episodes else {}))
    v = engine.datasets.default_vectors()
    encoder = CachedEncoder(engine.ContextualEncoder())
    bench = harness.Bench("quality_contextual", "Classification quality: contextual beside static", size)
    cols = [("method", "method")]
    for task in TASKS:
        cols += [(f"{task}_{k}_acc", f"{task}: {k}", accuracy_format(f"{task}_{k}", f1=True)) for k in KINDS]
    table = bench.table(
        "accuracy (± 95% interval) and macro-F1",
        cols,
        intro=f"static: default vectors ({len(v):,} words × {v.vector_size}), SIF; contextual: "
        f"all-MiniLM-L6-v2 sentence vectors; few-shot: 2-way, {p['n_query']} queries per class, "
        f"{p['n_episodes']} episodes, seed 0.",
    )
    results = {}
    for task in TASKS:
        texts, labels = subsample(*load_task(task), p["per_class"])
        for kind, enc in zip(KINDS, (None, encoder)):
            results[f"{task}_{kind}"] = evaluate(
                texts,
                labels,
                TASKS[task],
                vectors=v,
                encoder=enc,
                k_shots=p["k_shots"],
                n_query=p["n_query"],
                n_episodes=p["n_episodes"],
            )
    add_rows(table, results)
    encoder_speed(bench, encoder.encoder, size)
    return bench.finish()


SPEED_TEXTS = {"tiny": None, "quick": 1000, "full": None}


def encoder_speed(bench, enc, size):
    """The encoder's texts per second, before (sentence-transformers' encode in one call) and
    now (engine's length-sorted batches on engine's threads); see the module's docstring."""
    import torch

    if size == "tiny":
        texts, name = load_task("polarity")[0][:24], "polarity"
    else:
        texts, name = load_text_set("fortunes")[0][: SPEED_TEXTS[size]], "fortunes"
    table = bench.table(
        "contextual encoder: texts per second",
        [
            ("method", "method"),
            ("rate", "texts/s", "{:,.0f}"),
            ("seconds", "seconds", "{:.1f}"),
            ("diff", "max |Δ| vs before", "{:.1e}"),
        ],
        intro=f"all-MiniLM-L6-v2 on CPU, {len(texts):,} {name} texts "
        f"({np.mean([len(t) for t in texts]):.0f} characters on average); engine threads "
        f"{engine.get_num_threads()}, torch's own {torch.get_num_threads()}.",
    )
    enc.encode(texts[:32])  # warm-up: the first forward pass allocates

    def plain():  # what ContextualEncoder.encode was: one call, sentence-transformers batches
        return enc.model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)

    def unsorted():  # engine's batches of 32 in input order (sentence-transformers sorts within each)
        return np.vstack(
            [enc.model.encode(texts[b : b + 32], batch_size=32) for b in range(0, len(texts), 32)]
        )

    runs = [("before: sentence-transformers encode, batch 64, one call", plain, None)]
    runs += [(f"engine encode, batch {b}", lambda: enc.encode(texts), b) for b in (8, 16, 32, 64)]
    runs += [("engine batches of 16 in input order (no sort)", unsorted, 16)]
    runs += [("engine encode, batch 16, 1 thread", lambda: enc.encode(texts), 16)]
    first, threads, batch_before = None, engine.get_num_threads(), enc.batch_size
    for method, call, batch in runs:
        enc.batch_size = batch or batch_before
        if method.endswith("1 thread"):
            engine.set_num_threads(1)
        try:
            start = time.perf_counter()
            X = call()
            seconds = time.perf_counter() - start
        finally:
            engine.set_num_threads(threads)
        first = X if first is None else first
        table.add(
            method=method, rate=len(texts) / seconds, seconds=seconds, diff=float(np.abs(X - first).max())
        )


def main(argv=None):
    harness.main(run, __doc__, argv, OPTIONS)


if __name__ == "__main__":
    main()
