"""The top-k kernel against a float64 numpy reference: ranking, exclusions, row ranges, ties,
3CosMul, thread counts, both compute paths (SIMD dots for few queries, sgemm tiles for many),
on every dispatch path this machine supports."""

import numpy as np
import pytest
from _paths import kernel_path  # noqa: F401  (the fixture)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import _kernels

pytestmark = pytest.mark.usefixtures("kernel_path")

TOL = 1e-5


def reference(X, Q, k, lo, hi, exclude=None):
    """float64 scores; the best k per query among rows [lo, hi) minus exclusions."""
    S = Q.astype(np.float64) @ X.astype(np.float64).T
    S[:, :lo] = -np.inf
    S[:, hi:] = -np.inf
    if exclude is not None:
        for i, ex in enumerate(exclude):
            S[i, list(ex)] = -np.inf
    return S


def check_topk(S, k, scores, ids):
    """A valid top-k: scores are the reference scores of the ids (within TOL), sorted, unique,
    allowed, and nothing left out scores better than the k-th (beyond TOL)."""
    for i in range(S.shape[0]):
        valid = np.isfinite(S[i])
        n_ok = min(k, int(valid.sum()))
        got = ids[i, :n_ok]
        assert (ids[i, n_ok:] == -1).all() and np.isneginf(scores[i, n_ok:]).all()
        assert len(set(got.tolist())) == n_ok
        assert valid[got].all(), "an excluded or out-of-range row was returned"
        np.testing.assert_allclose(scores[i, :n_ok], S[i, got], atol=TOL)
        assert (np.diff(scores[i, :n_ok]) <= 0).all()
        if n_ok:
            kth = np.sort(S[i][valid])[::-1][n_ok - 1]
            assert S[i, got].min() >= kth - TOL


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(1, 300),
    d=st.integers(1, 40),
    nq=st.integers(1, 30),
    k=st.integers(1, 12),
    seed=st.integers(0, 2**31 - 1),
    restrict=st.booleans(),
    with_exclude=st.booleans(),
)
def test_topk_matches_float64_reference(n, d, nq, k, seed, restrict, with_exclude):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    Q = rng.standard_normal((nq, d)).astype(np.float32)
    lo, hi = (int(rng.integers(0, n)), n) if restrict else (0, n)
    if restrict:
        hi = int(rng.integers(lo + 1, n + 1))
    k = min(k, hi - lo)
    exclude = (
        [rng.integers(0, n, size=rng.integers(0, 5)).tolist() for _ in range(nq)] if with_exclude else None
    )
    scores, ids = _kernels.topk(X, Q, k, lo, hi, exclude)
    check_topk(reference(X, Q, k, lo, hi, exclude), k, scores, ids)


@pytest.mark.parametrize("nq", [1, 5, 8, 9, 300])
@pytest.mark.parametrize("threads", [1, 2])
def test_large_matrix_both_paths_and_threads(nq, threads):
    # 10,000 rows: several tiles per thread; 300 queries: more than one query block
    rng = np.random.default_rng(nq)
    X = rng.standard_normal((10_000, 48)).astype(np.float32)
    Q = rng.standard_normal((nq, 48)).astype(np.float32)
    exclude = [rng.integers(0, 10_000, 20) for _ in range(nq)]
    before = engine.get_num_threads()
    engine.set_num_threads(threads)
    try:
        scores, ids = _kernels.topk(X, Q, 25, 17, 9_990, exclude)
    finally:
        engine.set_num_threads(before)
    check_topk(reference(X, Q, 25, 17, 9_990, exclude), 25, scores, ids)


def test_exact_ties_come_in_ascending_row_order():
    # one-hot rows: every product is exactly 0 or 1, whatever the summation order
    d = 16
    rows = np.arange(9_000) % d
    X = np.eye(d, dtype=np.float32)[rows]
    for nq, threads in [(1, 1), (1, 2), (3, 2), (40, 1), (40, 2)]:
        Q = np.eye(d, dtype=np.float32)[np.arange(nq) % d]
        engine.set_num_threads(threads)
        scores, ids = _kernels.topk(X, Q, 30, exclude=[[j % d] for j in range(nq)])
        for j in range(nq):
            expected = np.flatnonzero(rows == j % d)
            expected = expected[expected != j % d][:30]  # ties: ascending rows, the excluded one skipped
            assert ids[j].tolist() == expected.tolist()
            assert (scores[j] == 1.0).all()
    engine.set_num_threads(0)


def test_cosmul_matches_gensim_formula():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 20)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    items = rng.integers(0, 500, (12, 3))
    Q = X[items].reshape(-1, 20)
    scores, ids = _kernels.topk(X, Q, 7, exclude=list(items), cosmul=(2, 1))
    cos = X.astype(np.float64) @ X.astype(np.float64).T
    half = (1 + cos) / 2
    S = half[items[:, 0]] * half[items[:, 1]] / (half[items[:, 2]] + 1e-6)
    for i, it in enumerate(items):
        S[i, it] = -np.inf
    check_topk(S, 7, scores, ids)


def test_padding_when_exclusions_leave_fewer_rows():
    X = np.eye(4, dtype=np.float32)
    scores, ids = _kernels.topk(X, X[:1], 4, exclude=[[0, 2]])
    assert ids.tolist() == [[1, 3, -1, -1]]
    assert np.isneginf(scores[0, 2:]).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(k=0), "at least 1"),
        (dict(k=-3), "at least 1"),
        (dict(k=11), "exceeds the 10"),
        (dict(k=3, lo=5, hi=4), "row range"),
        (dict(k=3, queries=np.zeros((0, 4), np.float32)), "no query"),
        (dict(k=3, queries=np.zeros((2, 5), np.float32)), "dimensions"),
        (dict(k=3, queries=np.array([[0, np.nan, 0, 0]], np.float32)), "NaN"),
        (dict(k=3, exclude=[[1]]), "one list per query"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    X = np.ones((10, 4), np.float32)
    args = dict(queries=np.ones((2, 4), np.float32), lo=0, hi=None)
    args.update(kwargs)
    with pytest.raises(engine.ShapeError, match=message):
        _kernels.topk(X, args.pop("queries"), **args)


def test_large_k_splits_query_blocks():
    # k = 9,000 over 2 threads caps a query block at 233 items (heap memory), so 300 queries
    # take two blocks on the sgemm path
    rng = np.random.default_rng(11)
    X = rng.standard_normal((10_000, 8)).astype(np.float32)
    Q = rng.standard_normal((300, 8)).astype(np.float32)
    engine.set_num_threads(2)
    try:
        scores, ids = _kernels.topk(X, Q, 9_000)
    finally:
        engine.set_num_threads(0)
    check_topk(reference(X, Q, 9_000, 0, 10_000), 9_000, scores, ids)


def test_tile_sizes_are_the_kernels_own_and_tunable():
    # the defaults live in csrc/topk.hpp only: Python reads them from the bound class
    p = _kernels.TopKParams()
    assert min(p.small_batch, p.query_block, p.row_tile, p.small_row_tile) >= 1
    assert "small_batch=" in repr(p)
    # tiny tiles: 5 queries take the sgemm path in blocks of 3, rows in tiles of 100
    p.small_batch, p.query_block, p.row_tile, p.small_row_tile = 2, 3, 100, 50
    assert (p.small_batch, p.query_block, p.row_tile, p.small_row_tile) == (2, 3, 100, 50)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((1_000, 12)).astype(np.float32)
    exclude = [rng.integers(0, 1_000, 5) for _ in range(5)]
    for nq in (1, 2, 5):
        Q = rng.standard_normal((nq, 12)).astype(np.float32)
        scores, ids = _kernels.topk(X, Q, 9, 3, 990, exclude[:nq], params=p)
        check_topk(reference(X, Q, 9, 3, 990, exclude[:nq]), 9, scores, ids)


def test_scoring_is_the_kernels_own():
    s = _kernels.Scoring()
    assert (s.cosmul, s.columns()) == (False, 1)
    s.cosmul, s.n_pos, s.n_neg = True, 2, 1
    assert s.columns() == 3
