"""FaissIndex against independent references: re-ranked scores are the exact cosines, the default
``nlist`` and PQ ``m`` are the documented formulas, and ``recall`` is the brute-force count.

Each test would pass a plausible bug if it compared the index with itself; here every expected
value is computed in float64 from the unit rows, or from the documented formula written again.
"""

import math

import numpy as np
import pytest

from engine import FaissIndex
from engine.datasets import clustered_vectors


@pytest.fixture(scope="module")
def clustered():
    return clustered_vectors(3000, 48, seed=11)


def _exact_cosines(unit, queries, ids):
    """float64 cosine of each query with each returned row (NaN for a missing row, id -1)."""
    u = unit.astype(np.float64)
    q = queries.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    out = np.einsum("qd,qkd->qk", q, u[np.maximum(ids, 0)])
    out[ids < 0] = np.nan
    return out


@pytest.mark.parametrize("kind, params", [("pq", {}), ("sq8", {"rerank": 3}), ("hnsw", {"rerank": 2})])
def test_reranked_scores_are_exact_cosines_in_order(clustered, kind, params):
    index = FaissIndex.build(clustered, kind, **params)
    queries = np.random.default_rng(0).standard_normal((40, clustered.vector_size)).astype(np.float32)
    scores, ids = index.search(queries, 10)
    assert (ids >= 0).all()
    # float32 dot products of unit rows against the float64 reference: a few ulps of 1.0
    np.testing.assert_allclose(scores, _exact_cosines(clustered.unit, queries, ids), rtol=0, atol=2e-6)
    assert (np.diff(scores, axis=1) <= 0).all()  # best first, after the re-rank reordered them


def test_without_rerank_pq_scores_are_not_exact(clustered):
    """The control for the test above: PQ's own scores are approximate (so that test can fail)."""
    index = FaissIndex.build(clustered, "pq", rerank=0)
    queries = clustered.unit[:40]
    scores, ids = index.search(queries, 10)
    assert np.abs(scores - _exact_cosines(clustered.unit, queries, ids)).max() > 1e-3


@pytest.mark.parametrize("n", [3000, 30_000])  # nlist clipped by N // 39; not clipped
def test_default_nlist_and_pq_m_are_the_documented_formulas(n):
    v = clustered_vectors(n, 48, seed=2)
    nlist = max(1, min(round(4 * math.sqrt(n)), n // 39, 65536))  # docs: clip(round(4 sqrt N), 1, ...)
    ivf = FaissIndex.build(v, "ivf")
    assert ivf.params["nlist"] == nlist and ivf.nprobe == min(64, nlist)
    pq = FaissIndex.build(v, "pq")
    # docs: the largest divisor m of D with D / m >= 8 (48: 6 sub-quantizers of 8 dimensions)
    assert pq.params["m"] == 6 and pq.params["nlist"] == nlist and pq.rerank == 10
    assert pq.index.pq.M == 6 and FaissIndex._ivf(pq).nlist == nlist  # what FAISS was given


def _brute_force_recall(unit, found, k):
    """Recall@k counted from float64 cosines: the query's own row removed, a found row is a hit
    when its cosine reaches the exact k-th best (ties at the boundary are not misses)."""
    u = unit.astype(np.float64)
    hits = 0
    for i, got in enumerate(found):
        cos = u @ u[i]
        cos[i] = -np.inf
        kth = np.sort(cos)[-k]
        got = [j for j in got if j != i and j >= 0][:k]
        hits += sum(cos[j] >= kth - 1e-9 for j in got)
    return hits / (len(found) * k)


def test_recall_is_the_brute_force_count(clustered):
    v = clustered_vectors(800, 32, seed=5)
    index = FaissIndex.build(v, "ivf", nlist=40, nprobe=1)  # one list of 40: visibly approximate
    k = 10
    _, ids = index.search(v.unit, k + 1)
    want = _brute_force_recall(v.unit, ids, k)
    assert 0.2 < want < 0.98
    # sample = the whole vocabulary: every word queried, no sampling between the two counts
    assert index.recall(sample=len(v), k=k) == pytest.approx(want, abs=1 / (len(v) * k))
    index.nprobe = 40
    assert (
        index.recall(sample=len(v), k=k)
        == 1.0
        == _brute_force_recall(v.unit, index.search(v.unit, k + 1)[1], k)
    )
