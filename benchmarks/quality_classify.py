"""Classification quality on labelled text available offline: zero-shot and few-shot, every
method beside the majority class and the contextual encoder, with 95% intervals.

Data sets. Three multi-class sets built by ``benchmarks/_quality_data.py`` from Debian packages
(fetched with ``apt-get download`` into the bench cache on first use; see that script for how each
is built): ``fortunes`` (12 topics, 3,827 fortune cookies), ``wordnet-nouns`` and
``wordnet-verbs`` (WordNet glosses by supersense, 12 classes, 4,800 and 4,572 glosses). Their
labels are their names (zero-shot with label names). And two 2-class sets that ship inside the
gensim wheel (gensim/test/test_data):

- newsgroups: ``mini_newsgroup``, 200 Usenet posts, 100 from alt.atheism and 100 from
  sci.space (a zlib-compressed pickle of a scikit-learn ``Bunch``, read here with an unpickler
  that only admits that Bunch, a dict and numpy arrays). Each post's header block (up to the
  first blank line: it names the newsgroup) is removed; the body is the text.
- polarity: ``pang_lee_polarity.cor``, 200 one-sentence movie reviews, 100 ``__label__neg`` and
  100 ``__label__pos`` (Pang & Lee); the prefix is the label, the rest the text.

Rows (``run``): the majority class; zero-shot with the label names on every text, SIF with p(w)
from the Lee corpus (``frequencies="corpus"``, the default before ``wordfreq``) and from
``wordfreq``, and with the contextual encoder (all-MiniLM-L6-v2 sentence vectors; not in
``--tiny``), and with model2vec's own distillation of the same model (``model2vec[distill]``
0.5, a benchmark peer only, when installed); few-shot by episodes (min(10, classes)-way, k support + 20 query texts per class,
seed 0; the label names as priors) for k = 0 (zero-shot on the same episodes), 1, 2, 4, 8 with
``prior_weight=1`` (the old default), ``"auto"`` (leave-one-out gated by a sign-flip test) and 0
(the examples alone), and ``auto − zero-shot (paired)``: per episode, the accuracy of ``"auto"``
minus that of ``prior_weight=inf`` (the label names alone) on the same support and queries.
Intervals: Wilson for a zero-shot accuracy, a seeded bootstrap (200 resamples) for its macro-F1,
mean ± 1.96·sd/√episodes for episodes. Default vectors throughout.

    python benchmarks/quality_classify.py [--quick] [--episodes N]

(``--quick``: 50 episodes; full: 200; ``--tiny``: 3 episodes, the gensim sets and only those
built sets already in the cache.)
"""

import io
import os
import pickle
import sys
import time
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if __name__ == "__main__":  # `python benchmarks/quality_classify.py` in a source checkout: its engine
    import _checkout  # noqa: F401
if HERE not in sys.path:  # its sibling _quality_data (engine bench puts the folder there itself)
    sys.path.insert(0, HERE)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _quality_data import TEXT_SETS, load_text_set  # noqa: E402  (imported now: the runner removes the folder after import)

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.classify import ZeroShotClassifier, _macro_f1  # noqa: E402
from engine.classify import episodes as fewshot_episodes  # noqa: E402
from engine.classify.frequencies import have_wordfreq  # noqa: E402

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


FEW_K = (0, 1, 2, 4, 8)
PRIORS = (("prior 1", 1.0), ("prior auto", "auto"), ("examples only", 0.0))
FEW_QUERY = 20
NEIGHBORS = (3, 10, 20, 30, 50)  # label_neighbors tried (the sweep behind the default, docs/classify.md)


def all_sets(fetch=True):
    """``{name: (texts, labels, names)}``: the built multi-class sets (fetched when missing, or
    only those in the cache when ``fetch`` is False) and the two gensim sets; ``names`` maps each
    class to its label name."""
    out = {}
    for name in TEXT_SETS:
        got = load_text_set(name, fetch=fetch)
        if got is not None:
            out[name] = (*got, {c: c for c in sorted(set(got[1]))})
    for task, spec in TASKS.items():
        out[task] = (*load_task(task), spec["names"])
    return out


def wilson(hits, n, z=1.96):
    """Half-width of the Wilson 95% interval of a proportion ``hits / n`` (around its centre)."""
    if n == 0:
        return float("nan")
    p = hits / n
    return float(z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n))


def scored(y, pred, classes, seed=0, resamples=200):
    """(accuracy, its Wilson half-width, macro-F1, its bootstrap half-width)."""
    acc = float(np.mean(pred == y))
    rng = np.random.default_rng(seed)
    boots = [
        _macro_f1(y[i], pred[i], classes) for i in (rng.integers(0, len(y), len(y)) for _ in range(resamples))
    ]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return acc, wilson(acc * len(y), len(y)), _macro_f1(y, pred, classes), float((hi - lo) / 2)


def zero_shot_rows(texts, labels, names, v, encoder, distilled=None, speed=None, peer=None):
    """The majority class and zero-shot with label names: ``{method: scored(...)}``; ``speed``
    (a dict) gets each method's texts per second."""
    y = np.array(labels, dtype=object)
    classes = sorted(set(labels))
    top = max(classes, key=list(labels).count)
    out = {"majority class": scored(y, np.full(len(y), top, dtype=object), classes)}
    runs = [("zero-shot names, p(w) Lee corpus", dict(frequencies="corpus"))]
    if have_wordfreq():
        runs.append(("zero-shot names, p(w) wordfreq", dict(frequencies="wordfreq")))
    for n in NEIGHBORS:
        runs.append((f"zero-shot names + {n} neighbours", dict(label_neighbors=n)))
    if distilled is not None:
        runs.append(("zero-shot names, distilled vectors", dict(vectors=distilled)))
    if peer is not None:  # model2vec's StaticModel has encode(texts): the classifiers' encoder hook
        runs.append(("zero-shot names, model2vec distill (peer)", dict(encoder=peer)))
    if encoder is not None:
        runs.append(("zero-shot names, contextual encoder", dict(encoder=encoder)))
    for method, kw in runs:
        clf = ZeroShotClassifier(kw.pop("vectors", v), {c: names[c] for c in classes}, **kw).fit()
        start = time.perf_counter()
        pred = clf.predict(texts).astype(object)
        if speed is not None:
            speed[method] = len(texts) / (time.perf_counter() - start)
        out[method] = scored(y, pred, classes)
    return out


def few_shot_rows(texts, labels, names, v, n_episodes, k_shots=FEW_K):
    """Few-shot episodes with the label names as priors: ``{method: (acc, ci, f1, ci)}``; for
    k ≥ 1 also ``auto − zero-shot (paired)``: the same episodes (same seed, so the same support
    and queries) scored with ``prior_weight=inf`` (the descriptions alone), difference per episode."""
    classes = sorted(set(labels))
    counts = [list(labels).count(c) for c in classes]
    n_query = min(FEW_QUERY, min(counts) - max(k_shots))
    out = {}
    for k in k_shots:
        runs = {}
        for tag, prior in PRIORS[:1] if k == 0 else PRIORS + (("zero-shot", np.inf),):
            runs[tag] = fewshot_episodes(
                texts,
                np.array(labels, dtype=object),
                n_way=min(10, len(classes)),
                k_shot=k,
                n_query=n_query,
                n_episodes=n_episodes,
                seed=0,
                vectors=v,
                label_texts=None if prior == 0.0 else {c: names[c] for c in classes},
                prior_weight=prior,
            )
        for tag, r in runs.items():
            if tag == "zero-shot":
                continue
            method = "few-shot k=0 (zero-shot, episodes)" if k == 0 else f"few-shot k={k}, {tag}"
            out[method] = (r.mean, r.ci95, float(r.macro_f1.mean()), _half(r.macro_f1))
        if k:
            acc = runs["prior auto"].accuracies - runs["zero-shot"].accuracies
            f1 = runs["prior auto"].macro_f1 - runs["zero-shot"].macro_f1
            out[f"few-shot k={k}, auto − zero-shot (paired)"] = (acc.mean(), _half(acc), f1.mean(), _half(f1))
    return out


def _half(values):
    """1.96 standard errors of the mean of ``values`` (0 for a single value)."""
    return 1.96 * float(values.std(ddof=1)) / np.sqrt(len(values)) if len(values) > 1 else 0.0


def run(quick=False, *, tiny=False, episodes=None):
    """Accuracy and macro-F1 (95% intervals) of each method on every set; one row per method."""
    size = harness.size_name(quick, tiny)
    n_episodes = episodes or (3 if tiny else SIZES[size]["n_episodes"])
    v = engine.datasets.default_vectors()
    sets = all_sets(fetch=not tiny)
    encoder = None if tiny else _encoder()
    distilled = None if tiny else _distilled()
    peer, peer_seconds = (None, None) if tiny else _model2vec_peer()
    bench = harness.Bench("quality_classify", "Classification quality: zero- and few-shot", size)
    cols = [("method", "method")]
    for name in sets:
        cols += [
            (f"{name}_acc", f"{name} accuracy", [f"{{:.3f}} ± {{{name}_ci:.3f}}", "{:.3f}"]),
            (f"{name}_f1", f"{name} macro-F1", [f"{{:.3f}} ± {{{name}_f1ci:.3f}}", "{:.3f}"]),
        ]
    sizes = ", ".join(f"{n} {len(t):,} texts / {len(set(y))} classes" for n, (t, y, _) in sets.items())
    table = bench.table(
        "accuracy and macro-F1 (± 95% interval)",
        cols,
        intro=f"Default vectors ({len(v):,} words × {v.vector_size}), SIF; sets: {sizes}; few-shot: "
        f"min(10, classes)-way, {FEW_QUERY} queries per class, {n_episodes} episodes, seed 0.",
    )
    results, speeds = {}, {}
    for name, (texts, labels, names) in sets.items():
        speeds[name] = {}
        results[name] = zero_shot_rows(texts, labels, names, v, encoder, distilled, speeds[name], peer)
        results[name].update(few_shot_rows(texts, labels, names, v, n_episodes))
    methods = list(dict.fromkeys(m for r in results.values() for m in r))
    for method in methods:
        row = {"method": method}
        for name, res in results.items():
            if method in res:
                acc, aci, f1, fci = res[method]
                row.update({f"{name}_acc": acc, f"{name}_ci": aci, f"{name}_f1": f1, f"{name}_f1ci": fci})
        table.add(row)
    for name, res in results.items():
        paired = {k: res[f"few-shot k={k}, auto − zero-shot (paired)"][0] for k in FEW_K[1:]}
        worst = min(paired, key=paired.get)
        table.note(
            f"{name}: few-shot (prior auto) never below zero-shot on the same episodes: "
            f"{harness.verdict(paired[worst] >= 0)} (worst k={worst}: {paired[worst]:+.3f}); "
            f"k=8 ≥ +0.10 over zero-shot: {harness.verdict(paired[8] >= 0.10)} ({paired[8]:+.3f})"
        )
    _speed_notes(table, results, speeds)
    if peer_seconds is not None:
        table.note(f"model2vec's distill of the same model took {peer_seconds:.1f} s (wall)")
    return bench.finish()


def _speed_notes(table, results, speeds):
    """Texts per second of zero-shot predict per method, and the distilled-vectors target."""
    for name, sp in speeds.items():
        table.note(
            f"{name}: zero-shot texts/s " + ", ".join(f"{m.split(', ')[-1]} {r:,.0f}" for m, r in sp.items())
        )
    ctx, dis = "zero-shot names, contextual encoder", "zero-shot names, distilled vectors"
    for name, res in results.items():
        if ctx in res and dis in res:
            gap = res[ctx][0] - res[dis][0]
            ratio = speeds[name][dis] / speeds[name][ctx]
            table.note(
                f"{name}: distilled within 5 points of the encoder at ≥ 100× its texts/s: "
                f"{harness.verdict(gap <= 0.05 and ratio >= 100)} (gap {gap:+.3f}, {ratio:,.0f}×; "
                "the encoder's rate is its first pass over the texts)"
            )


def _distilled():
    """quality_meta's vectors distilled from MiniLM (its cached copy)."""
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        return None
    from quality_meta import SIZES, distilled

    return distilled(SIZES["quick"])


def _model2vec_peer():
    """model2vec's own distillation of the bundled MiniLM (a benchmark peer only) and the seconds
    it took, or ``(None, None)`` without model2vec. Distilled on every run, never cached: with
    model2vec 0.5 a ``save_pretrained`` / ``from_pretrained`` round trip of a distilled model
    gives back vectors whose cosines are noise (sports·"the team won the football game" 0.475
    before, −0.046 after), which once put the peer below the majority class."""
    try:
        from model2vec.distill import distill
    except ImportError:
        return None, None
    from engine.contextual import default_model_path

    start = time.perf_counter()
    model = distill(default_model_path(), pca_dims=256)
    return model, time.perf_counter() - start


def _encoder():
    """The contextual encoder, caching each distinct text's vector (None without the extra)."""
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        return None
    from quality_contextual import CachedEncoder

    return CachedEncoder(engine.ContextualEncoder())


def main(argv=None):
    harness.main(run, __doc__, argv, OPTIONS)


if __name__ == "__main__":
    main()
