"""Helpers shared by the tests written to kill the mutation pass's survivors
(tests/test_mutation_capabilities.py, tests/test_mutation_public_calls.py)."""

import numpy as np
import pytest

import engine
from engine.datasets import word2vec_keyedvectors


def lee_vectors():
    """gensim's Lee KeyedVectors and the same vectors as engine's ``Vectors``."""
    kv = word2vec_keyedvectors()
    return kv, engine.Vectors.from_gensim(kv)


def as_pairs(v, scores, ids):
    """One query's ``search`` answer as gensim's ``[(word, score), ...]``."""
    return [(v.index_to_key[i], float(s)) for s, i in zip(scores, ids) if i >= 0]


def unit64(x):
    x = np.asarray(x, dtype=np.float64)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)


class LengthNgrams:
    """What Vectors needs from an n-gram table: an unknown word of n letters is built as [n, 1]."""

    vector_size = 2

    def word_vector(self, word, norm=False):
        vec = np.array([len(word), 1.0], dtype=np.float32)
        return vec / np.linalg.norm(vec) if norm else vec


def pot_wmd(vec, d1, d2):
    """gensim's WMD by POT in float64: bags count / length, costs between unit vectors."""
    ot = pytest.importorskip("ot")

    def bag(doc):
        words, counts = np.unique(doc, return_counts=True)
        return words, counts / counts.sum()

    (w1, a), (w2, b) = bag(d1), bag(d2)
    X1, X2 = unit64([vec(w) for w in w1]), unit64([vec(w) for w in w2])
    return float(ot.emd2(a, b, np.linalg.norm(X1[:, None] - X2[None], axis=-1)))
