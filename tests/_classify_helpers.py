"""Shared builders for the classification tests: small random vectors, random corpora and an
independent float64 implementation of the documented embedding formulas."""

from collections import Counter

import numpy as np
from engine._text import tokenize

import engine

WORDS = [f"w{i}" for i in range(60)] + ["sport", "game", "team", "food", "meal", "soup", "car"]


# Labelled texts of three classes, and the classes' descriptions (default vectors).
LABELS = {
    "sport": "sport football team match",
    "food": "food cooking meal bread",
    "tech": "computer software internet",
}
TRAIN = [
    ("the striker scored a goal", "sport"),
    ("the team lost the final", "sport"),
    ("simmer the soup for an hour", "food"),
    ("bake the bread in the oven", "food"),
    ("install the new software update", "tech"),
    ("my laptop keyboard is broken", "tech"),
]


def small_vectors():
    rng = np.random.default_rng(7)
    return engine.Vectors(WORDS, rng.standard_normal((len(WORDS), 12)).astype(np.float32))


def counted_vectors():
    rng = np.random.default_rng(8)
    counts = rng.integers(1, 1000, len(WORDS))
    return engine.Vectors(WORDS, rng.standard_normal((len(WORDS), 12)).astype(np.float32), counts)


def corpus(seed, n=40):
    rng = np.random.default_rng(seed)
    vocab = WORDS + ["unknownword", "zzz"]
    return [" ".join(rng.choice(vocab, rng.integers(1, 12))) for _ in range(n)]


def in_classes_order(clf, names):
    """Indices putting columns given in the order of ``names`` into ``clf.classes_`` order."""
    names = list(names)
    return [names.index(c) for c in clf.classes_.tolist()]


# ---- the float64 reference: engine.classify.embedder's formulas, written independently -------
def reference_embed(v, texts, reference, weighting, a=1e-3, n_comp=None):
    return reference_model(v, reference, weighting, a, n_comp)(texts)


def reference_model(v, reference, weighting, a=1e-3, n_comp=None):
    """The embedding function of the documented formulas, fitted on ``reference``."""
    n_comp = (1 if weighting == "sif" else 0) if n_comp is None else n_comp
    E = v.unit.astype(np.float64)
    k2i = v.key_to_index
    ref_tokens = [tokenize(t) for t in reference]
    if weighting == "mean":
        weight = lambda w: 1.0  # noqa: E731
    elif weighting == "idf":
        df = Counter(w for toks in ref_tokens for w in set(toks))
        weight = lambda w: np.log((1 + len(reference)) / (1 + df[w])) + 1  # noqa: E731
    else:
        if v.counts is not None:
            total = float(v.counts.sum())
            p = lambda w: v.counts[k2i[w]] / total  # noqa: E731
        else:
            tf = Counter(w for toks in ref_tokens for w in toks)
            total = sum(len(t) for t in ref_tokens)
            p = lambda w: tf[w] / total  # noqa: E731
        weight = lambda w: a / (a + p(w))  # noqa: E731

    def raw(tokens):
        known = [w for w in tokens if w in k2i]
        out = np.zeros(E.shape[1])
        for w in known:
            out += weight(w) * E[k2i[w]]
        return out / len(known) if known else out

    U = np.zeros((0, E.shape[1]))
    if n_comp:
        R = np.array([raw(t) for t in ref_tokens])
        R = R[np.any(R != 0, axis=1)]
        U = np.linalg.svd(R, full_matrices=False)[2][:n_comp]

    def final(tokens):
        x = raw(tokens)
        x = x - U.T @ (U @ x)
        n = np.linalg.norm(x)
        return x / n if n > 0 else x

    def embed(texts):
        return np.array([final(tokenize(t) if isinstance(t, str) else t) for t in texts]).reshape(
            len(texts), -1
        )

    return embed
