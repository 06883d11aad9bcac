"""Episodic evaluation: N-way k-shot accuracy and macro-F1 of ``FewShotClassifier``."""

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .._params import Interval, validate_params
from ..errors import EngineError
from .fewshot import FewShotClassifier
from .inputs import as_targets, as_text_list

__all__ = ["EpisodeResult", "episodes", "macro_f1"]


@dataclass
class EpisodeResult:
    """Mean accuracy over episodes with a normal-approximation 95% interval."""

    mean: float
    low: float
    high: float
    accuracies: np.ndarray
    macro_f1: np.ndarray = None  # each episode's macro-averaged F1 over its n_way classes

    @property
    def ci95(self):
        return (self.high - self.low) / 2

    def __str__(self):
        return f"{self.mean:.3f} ± {self.ci95:.3f} ({len(self.accuracies)} episodes)"


@validate_params(
    n_way=[Interval(Integral, 1, None)],
    k_shot=[Interval(Integral, 0, None)],
    n_query=[Interval(Integral, 1, None)],
    n_episodes=[Interval(Integral, 1, None)],
)
def episodes(
    texts,
    labels,
    n_way,
    k_shot,
    n_query,
    n_episodes=100,
    seed=0,
    *,
    vectors=None,
    label_texts=None,
    encoder=None,
    weighting="sif",
    prior_weight="auto",
    temperature=None,
    reference=None,
):
    """N-way k-shot episodic accuracy of ``FewShotClassifier`` (``k_shot=0``: zero-shot).

    Each episode draws ``n_way`` classes that have at least ``k_shot + n_query`` texts, then
    ``k_shot`` support and ``n_query`` query texts per class (without overlap), fits on the
    support (plus the label descriptions, weighted ``prior_weight``) and scores the queries.
    Texts are embedded once.

    Parameters
    ----------
    texts, labels : sequences of the same length
        The labelled texts.
    n_way, k_shot, n_query, n_episodes : int
        Classes per episode, support and query texts per class, episodes.
    seed : int
        Seed of the episodes' random draws.
    vectors, encoder, weighting, prior_weight, temperature, reference
        As for ``FewShotClassifier``.
    label_texts : dict, optional
        A class → its description; with ``k_shot=0`` a class without one is described by its
        own name.

    Returns
    -------
    EpisodeResult
        Mean, ``low``/``high`` = mean ∓ 1.96·sd/√n_episodes, every episode's accuracy and macro-F1.

    Examples
    --------
    >>> import engine
    >>> from engine.classify import episodes
    >>> texts = ["goal match", "team won", "soup bowl", "bread oven", "car road", "fast engine"]
    >>> r = episodes(texts, ["s", "s", "f", "f", "c", "c"], n_way=2, k_shot=1, n_query=1,
    ...              n_episodes=5, seed=0, vectors=engine.datasets.default_vectors())
    >>> 0.0 <= r.mean <= 1.0
    True
    """
    texts = as_text_list(texts, "texts")
    y = as_targets(labels, len(texts))
    eligible = _eligible_classes(y, n_way, k_shot + n_query)
    base = FewShotClassifier(
        vectors,
        labels=_descriptions(label_texts, eligible, k_shot) or None,
        weighting=weighting,
        prior_weight=prior_weight,
        temperature=temperature,
        encoder=encoder,
        reference=reference,
    )
    base._setup()
    if base.embedder_ is None:
        raise EngineError("episodes: give vectors=... or encoder=...")
    D, _ = base.embedder_.transform(texts)
    rng = np.random.default_rng(seed)
    by_class = {c: np.flatnonzero(y == c) for c in eligible.tolist()}
    acc, f1 = np.empty(n_episodes), np.empty(n_episodes)
    for e in range(n_episodes):
        acc[e], f1[e] = _episode(base, D, eligible, by_class, rng, n_way, k_shot, n_query)
    mean = float(acc.mean())
    half = 1.96 * float(acc.std(ddof=1)) / math.sqrt(n_episodes) if n_episodes > 1 else 0.0
    return EpisodeResult(mean, mean - half, mean + half, acc, f1)


def _eligible_classes(y, n_way, needed):
    classes, counts = np.unique(y, return_counts=True)
    eligible = classes[counts >= needed]
    if len(eligible) < n_way:
        raise EngineError(
            f"episodes: only {len(eligible)} classes have at least k_shot + n_query = "
            f"{needed} texts; n_way={n_way} needs {n_way}"
        )
    return eligible


def _descriptions(label_texts, eligible, k_shot):
    """The label descriptions of the eligible classes (zero-shot: a class's name by default)."""
    label_texts = dict(label_texts or {})
    if k_shot == 0:
        label_texts = {_item(c): label_texts.get(c, str(c)) for c in eligible}
    names = set(eligible.tolist())
    return {c: d for c, d in label_texts.items() if c in names}


def _item(c):
    return c.item() if isinstance(c, np.generic) else c


def _episode(base, D, eligible, by_class, rng, n_way, k_shot, n_query):
    """One episode's accuracy and macro-F1."""
    way = rng.choice(len(eligible), size=n_way, replace=False)
    cls = [_item(eligible[i]) for i in way]
    sup, qry, ys, yq = [], [], [], []
    for c in cls:
        idx = rng.permutation(by_class[c])[: k_shot + n_query]
        sup.extend(idx[:k_shot])
        ys.extend([c] * k_shot)
        qry.extend(idx[k_shot:])
        yq.extend([c] * n_query)
    clf = _episode_classifier(base, cls)
    clf._add(D[np.array(sup, dtype=np.int64)], np.array(ys, dtype=object), reset_features=True)
    pred = clf.classes_[np.argmax(D[np.array(qry, dtype=np.int64)] @ clf.prototypes_.T, axis=1)]
    yq = np.array(yq, dtype=object)
    return float(np.mean(pred == yq)), macro_f1(yq, pred.astype(object), cls)


def macro_f1(y_true, y_pred, classes):
    """Macro-averaged F1 over ``classes`` (a class never predicted nor present counts 0).

    >>> macro_f1(np.array(["a", "a", "b"]), np.array(["a", "b", "b"]), ["a", "b"])
    0.6666666666666666
    """
    scores = []
    for c in classes:
        tp = float(np.sum((y_pred == c) & (y_true == c)))
        denom = float(np.sum(y_pred == c) + np.sum(y_true == c))
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))


def _episode_classifier(base, classes):
    """A fitted-state copy of ``base`` restricted to ``classes`` (shares the embedder)."""
    clf = FewShotClassifier.__new__(FewShotClassifier)
    clf.__dict__.update(base.__dict__)
    clf._prior = {c: base._prior[c] for c in classes if c in base._prior}
    clf._sums, clf._counts, clf._rows = dict.fromkeys(classes, 0.0), dict.fromkeys(classes, 0), {}
    return clf
