"""Tests written to kill the mutants the mutation pass left alive in the kernels' Python edge,
``engine/_kernels`` (docs/evidence.md, "Mutation testing"): each pins a behaviour a user relies
on, or a message that is the promise (it names the argument and the problem), against an
independent answer (POT, float64 numpy).
"""

import os
import re
import subprocess
import sys

import numpy as np
import ot
import pytest
from test_mutation_kills import _bags  # CSR bags of random words, normalised weights

from engine._kernels import wmd as kwmd
from engine.errors import EngineError, ShapeError


def _raises(exc, message, fn, *args, **kwargs):
    """``fn(*args)`` raises ``exc`` whose message starts with ``message`` (escaped: literal)."""
    with pytest.raises(exc, match="^" + re.escape(message)):
        fn(*args, **kwargs)


# --- emd: POT's ot.emd2 contract, and messages naming the argument -------------------------


def test_emd_scales_b_to_the_total_of_a_as_pot():
    rng = np.random.default_rng(0)
    a, b = rng.random(4) + 0.1, rng.random(3) + 0.1
    b *= a.sum() / b.sum() * (1 + 1e-7)  # totals equal to 6 decimals, not exactly
    M = rng.random((4, 3))
    assert kwmd.emd(a, b, M) == pytest.approx(ot.emd2(a, b * (a.sum() / b.sum()), M), rel=1e-12)
    assert kwmd.emd(list(a), list(b), M.tolist()) == kwmd.emd(a, b, M)  # sequences are read as float64


def test_emd_names_the_bad_argument():
    M = [[1.0], [3.0]]
    _raises(
        ShapeError,
        "M: expected shape (2, 1) for the masses given, got (1, 2)",
        kwmd.emd,
        [0.5, 0.5],
        [1.0],
        [[1.0, 3.0]],
    )
    _raises(ShapeError, "a: masses must be finite and non-negative", kwmd.emd, [-0.5, 1.5], [1.0], M)
    _raises(ShapeError, "a: masses must be finite and non-negative", kwmd.emd, [np.nan, 1.0], [1.0], M)
    _raises(ShapeError, "b: masses must be finite and non-negative", kwmd.emd, [0.5, 0.5], [np.inf], M)
    _raises(ShapeError, "a: needs a positive total mass", kwmd.emd, [0.0, 0.0], [0.0], M)
    _raises(ShapeError, "b: needs a positive total mass", kwmd.emd, [0.5, 0.5], [], np.zeros((2, 0)))
    _raises(
        EngineError, "emd: a and b must have the same total mass (1.0 != 2.0)", kwmd.emd, [0.5, 0.5], [2.0], M
    )
    assert kwmd.emd([0.5, 0.5], [1.0 + 1.4e-6], M) == pytest.approx(2.0)  # within 1.5e-6: accepted
    _raises(
        EngineError, "emd: a and b must have the same total mass", kwmd.emd, [0.5, 0.5], [1.0 + 1.6e-6], M
    )


def test_emd_conversions_name_the_argument():
    M = [[1.0], [3.0]]
    _raises(ShapeError, "a: expected a 1-D array, got shape (1, 2)", kwmd.emd, [[0.5, 0.5]], [1.0], M)
    _raises(ShapeError, "b: expected a 1-D array, got shape (1, 1)", kwmd.emd, [0.5, 0.5], [[1.0]], M)
    _raises(ShapeError, "M: cannot be read as a float64 array", kwmd.emd, [0.5, 0.5], [1.0], [["1"], ["x"]])
    _raises(
        ShapeError,
        "M: contains NaN or Inf (first at row 1, column 0)",
        kwmd.emd,
        [0.5, 0.5],
        [1.0],
        [[1.0], [np.nan]],
    )


def test_emd_total_mass_tolerance_is_pots():
    # POT's emd2 accepts totals differing by less than 1.5e-6 (assert_almost_equal, 6 decimals)
    # and refuses a difference of exactly 1.5e-6; 1.5e-6 and 3e-6 differ by exactly that
    a, b, M = np.array([1.5e-6]), np.array([3e-6]), np.ones((1, 1))
    assert b.sum() - a.sum() == 1.5e-6
    with pytest.raises(AssertionError):
        ot.emd2(a, b, M)
    _raises(EngineError, "emd: a and b must have the same total mass", kwmd.emd, a, b, M)


# --- WMD of one pair: the guards, and every Sinkhorn parameter reaching the kernel ------------


def _pair(seed=0, m=3, n=4, d=5):
    rng = np.random.default_rng(seed)
    Xa, Xb = rng.standard_normal((m, d)), rng.standard_normal((n, d))
    wa, wb = rng.random(m) + 0.1, rng.random(n) + 0.1
    return (
        Xa,
        np.arange(m, dtype=np.int64),
        wa / wa.sum(),
        Xb,
        np.arange(m, m + n, dtype=np.int64),
        wb / wb.sum(),
    )


def _cost(Xa, Xb):
    return np.sqrt(((Xa[:, None, :] - Xb[None, :, :]) ** 2).sum(-1))


def _pot_sinkhorn(a, b, M, reg, n_iter=20000, tol=1e-12):
    plan = ot.sinkhorn(a, b, M, reg, numItermax=n_iter, stopThr=tol, method="sinkhorn_log")
    return float((plan * M).sum())


SINK = kwmd.WMD_METHODS["sinkhorn"]


def test_wmd_single_against_pot_with_every_sinkhorn_parameter():
    Xa, ga, wa, Xb, gb, wb = _pair()
    M = _cost(Xa, Xb)
    assert kwmd.wmd_single(Xa, ga, wa, Xb, gb, wb) == pytest.approx(ot.emd2(wa, wb, M), rel=1e-12)
    for reg in (0.5, 0.2):
        got = kwmd.wmd_single(Xa, ga, wa, Xb, gb, wb, SINK, reg=reg, max_iter=20000, tol=1e-12)
        assert got == pytest.approx(_pot_sinkhorn(wa, wb, M, reg), rel=1e-6)
    converged = kwmd.wmd_single(Xa, ga, wa, Xb, gb, wb, SINK, reg=0.05, max_iter=5000, tol=1e-12)
    assert kwmd.wmd_single(Xa, ga, wa, Xb, gb, wb, SINK, reg=0.05, max_iter=2, tol=1e-12) != pytest.approx(
        converged
    )
    assert kwmd.wmd_single(Xa, ga, wa, Xb, gb, wb, SINK, reg=0.05, max_iter=5000, tol=0.5) != pytest.approx(
        converged
    )


def test_wmd_single_refuses_each_inconsistency():
    Xa, ga, wa, Xb, gb, wb = _pair()
    good = [Xa, ga, wa, Xb, gb, wb]
    bad = {
        0: Xa.astype(np.float32),  # dtype
        3: Xb[:, :4].copy(),  # width
        1: ga[:2],  # a row count
        4: gb[:2],
        2: wa.astype(np.float32),
        5: wb.astype(np.float32),
    }
    for i, value in bad.items():
        args = list(good)
        args[i] = value
        _raises(ShapeError, "wmd_single: inconsistent word arrays", kwmd.wmd_single, *args)
    args = list(good)
    args[1], args[4] = ga.astype(np.int32), gb.astype(np.int32)
    _raises(ShapeError, "wmd_single: inconsistent word arrays", kwmd.wmd_single, *args)
    args = list(good)
    args[0] = np.asfortranarray(np.vstack([Xa, Xa]))[:3]  # not C-contiguous
    _raises(ShapeError, "wmd_single: inconsistent word arrays", kwmd.wmd_single, *args)
    args = list(good)
    args[3] = Xb[:, ::1][:, None, :]  # 3-D
    _raises(ShapeError, "wmd_single: inconsistent word arrays", kwmd.wmd_single, *args)


def _vocab(seed=1, n=8, d=5):
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((n, d)).astype(np.float32)
    norms = np.linalg.norm(raw, axis=1).astype(np.float32)
    return np.ascontiguousarray(raw / norms[:, None]), norms


def test_wmd_single_ids_against_pot_with_every_sinkhorn_parameter():
    unit, norms = _vocab()
    ids = np.array([0, 2, 5, 1, 3], dtype=np.int32)
    counts = np.array([1, 2, 1, 3, 1], dtype=np.float32)
    a, b = counts[:3] / counts[:3].sum(), counts[3:] / counts[3:].sum()
    raw = unit.astype(np.float64) * norms[:, None]
    for nrm, X in ((None, unit.astype(np.float64)), (norms, raw)):  # unit rows, raw rows
        M = _cost(X[ids[:3]], X[ids[3:]])
        got = kwmd.wmd_single_ids(unit, nrm, ids, counts, 3)
        assert got == pytest.approx(ot.emd2(a.astype(np.float64), b.astype(np.float64), M), rel=1e-5)
        for reg in (0.5, 0.2):
            got = kwmd.wmd_single_ids(unit, nrm, ids, counts, 3, SINK, reg=reg, max_iter=20000, tol=1e-12)
            assert got == pytest.approx(
                _pot_sinkhorn(a.astype(np.float64), b.astype(np.float64), M, reg), rel=1e-5
            )
    converged = kwmd.wmd_single_ids(unit, None, ids, counts, 3, SINK, reg=0.05, max_iter=5000, tol=1e-12)
    assert kwmd.wmd_single_ids(
        unit, None, ids, counts, 3, SINK, reg=0.05, max_iter=2, tol=1e-12
    ) != pytest.approx(converged)
    assert kwmd.wmd_single_ids(
        unit, None, ids, counts, 3, SINK, reg=0.05, max_iter=5000, tol=0.5
    ) != pytest.approx(converged)


def test_wmd_single_ids_refuses_each_inconsistency():
    unit, _ = _vocab()
    ids = np.array([0, 2, 5, 1], dtype=np.int32)
    counts = np.ones(4, dtype=np.float32)
    for args in (
        (unit.astype(np.float64), None, ids, counts, 2),
        (unit[0], None, ids, counts, 2),
        (np.asfortranarray(unit), None, ids, counts, 2),
        (unit, None, ids.astype(np.int64), counts, 2),
        (unit, None, ids, counts.astype(np.float64), 2),
        (unit, None, ids, counts[:3], 2),
        (unit, None, ids, counts, 5),
        (unit, None, ids, counts, -1),
    ):
        _raises(ShapeError, "wmd_single_ids: inconsistent word arrays", kwmd.wmd_single_ids, *args)


# --- WMD bounds and kNN: the bags are checked against the side of the cost matrix they index ---


def _bag(loc, n=None):
    loc = np.asarray(loc, dtype=np.int32)
    w = np.full(loc.size, 1.0 / max(1, loc.size))
    return (np.array([0, loc.size], dtype=np.int64), loc, loc.astype(np.int64), w)


def test_wmd_bounds_check_queries_against_rows_and_corpus_against_columns():
    Dq = np.ones((2, 5))
    cent = np.zeros((1, 3))
    ok = kwmd.wmd_bounds(Dq, _bag([0, 1]), _bag([3, 4]), cent, cent)
    assert [b.dtype for b in ok] == [np.float64] * 3
    # a query word 3 is a column of Dq, not a row: refused by name before the kernel reads it
    for fn, extra in ((kwmd.wmd_bounds, ()), (kwmd.wmd_knn, (1,))):
        for name, q, c in (("queries", [0, 3], [3]), ("corpus", [0], [5])):
            _raises(
                ShapeError,
                f"{name}: malformed bag-of-words arrays",
                fn,
                Dq,
                _bag(q),
                _bag(c),
                cent,
                cent,
                *extra,
            )


# --- document scores: messages name the call and the argument; word weights as a list ------


def test_doc_scores_messages_and_word_weights_as_a_list():
    from engine._kernels import docvec

    emb = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    labels = np.array([[1, 0], [0, 1]], dtype=np.float32)
    indptr, ids, w = [0, 2, 3], [0, 2, 1], [1.0, 2.0, 1.0]
    ww = [0.5, 2.0, 1.0]
    scores, norms = docvec.doc_scores(indptr, ids, w, emb, labels, word_weights=ww)
    docs = np.array([0.5 * emb[0] + 2.0 * emb[2], 2.0 * emb[1]], dtype=np.float64)
    want = docs @ labels.T / np.linalg.norm(docs, axis=1)[:, None]
    np.testing.assert_allclose(scores, want, rtol=1e-6)
    np.testing.assert_allclose(norms, np.linalg.norm(docs, axis=1), rtol=1e-6)
    _raises(ShapeError, "doc_scores: indptr must start at 0", docvec.doc_scores, [1, 3], ids, w, emb, labels)
    _raises(
        ShapeError,
        "label vectors: contains NaN or Inf",
        docvec.doc_scores,
        indptr,
        ids,
        w,
        emb,
        [[np.nan, 0]],
    )


# --- scipy's BLAS held to one thread while the top-k kernel runs its own threads -------------


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_single_threaded_blas_limits_blas_to_one_thread_and_restores_it():
    from threadpoolctl import threadpool_limits

    from engine._kernels import _blas

    assert _blas.sgemm_address() == _blas.sgemm_address() != 0  # looked up once, a real address
    ctx = _blas._SingleThreadedBlas()
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        assert before and set(before.values()) == {2}
        with ctx:
            assert set(_blas_threads().values()) == {1}
            with ctx:  # a concurrent search shares the limit
                assert set(_blas_threads().values()) == {1}
            assert set(_blas_threads().values()) == {1}  # still one search inside
        assert _blas_threads() == before  # the last to leave restores the limits
        with ctx:  # and it can be entered again
            assert set(_blas_threads().values()) == {1}
        assert _blas_threads() == before


# in a process of its own that loads engine's kernels and scipy's BLAS (threaded by pthreads)
# only: an OpenMP-threaded BLAS, such as FAISS's OpenBLAS, sets its OpenMP runtime's count when
# its BLAS count is set, so once FAISS is loaded the runtimes' counts say nothing about the limiter
_OPENMP_UNDER_THE_LIMITER = """
from threadpoolctl import threadpool_info, threadpool_limits
from engine._kernels import _blas

def openmp():
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"}

_blas.sgemm_address()
assert all(i.get("threading_layer") != "openmp" for i in threadpool_info() if i["user_api"] == "blas")
with threadpool_limits(limits=2, user_api="openmp"):
    before = openmp()
    assert before and set(before.values()) == {2}, before  # engine's own OpenMP runtime
    with _blas._SingleThreadedBlas():
        assert openmp() == before, (openmp(), before)
"""


def test_single_threaded_blas_leaves_openmp_alone_and_lets_errors_through():
    import engine
    from engine._kernels import _blas

    # the engine this test imported (the checkout, or the mutation pass's copy)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(engine.__file__)))
    run = subprocess.run(
        [sys.executable, "-c", _OPENMP_UNDER_THE_LIMITER], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    _blas.sgemm_address()
    ctx = _blas._SingleThreadedBlas()
    with pytest.raises(RuntimeError, match="^inside$"):  # an error in the block is never swallowed
        with ctx:
            raise RuntimeError("inside")
    with ctx:  # and the failed block left the count right: it limits and restores again
        assert set(_blas_threads().values()) == {1}


def _knn_case(seed=7, V=40, d=6, n_queries=5, n_docs=60):
    """Word vectors, their cost matrix, query and corpus bags over them, and the centroids."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((V, d))
    bags = [_bags(rng, n, V) for n in (n_queries, n_docs)]
    cents = [
        np.array(
            [
                (X[b[1][b[0][i] : b[0][i + 1]]] * b[3][b[0][i] : b[0][i + 1], None]).sum(0)
                for i in range(len(b[0]) - 1)
            ]
        )
        for b in bags
    ]
    return X, _cost(X, X), bags[0], bags[1], cents[0], cents[1]


def test_wmd_knn_is_pots_brute_force_and_ict_saves_exact_solves():
    X, D, Q, C, qc, cc = _knn_case()
    k = 3
    want = np.array(
        [
            [
                ot.emd2(
                    Q[3][Q[0][i] : Q[0][i + 1]],
                    C[3][C[0][j] : C[0][j + 1]],
                    D[np.ix_(Q[1][Q[0][i] : Q[0][i + 1]], C[1][C[0][j] : C[0][j + 1]])],
                )
                for j in range(len(C[0]) - 1)
            ]
            for i in range(len(Q[0]) - 1)
        ]
    )
    order = np.lexsort((np.broadcast_to(np.arange(want.shape[1]), want.shape), want), axis=1)[:, :k]
    runs = {ict: kwmd.wmd_knn(D, Q, C, qc, cc, k, ict) for ict in (True, False)}
    for d, i, _ in runs.values():
        np.testing.assert_array_equal(i, order)
        np.testing.assert_allclose(d, np.take_along_axis(want, order, 1), rtol=1e-9)
        assert d.dtype == np.float64 and i.dtype == np.int64
    # the ICT bound prunes candidates before they are solved: fewer exact solves, on by default
    assert runs[True][2].sum() < runs[False][2].sum()
    np.testing.assert_array_equal(kwmd.wmd_knn(D, Q, C, qc, cc, k)[2], runs[True][2])


def test_wmd_centroids_are_checked_one_by_one():
    X, D, Q, C, qc, cc = _knn_case(n_queries=2, n_docs=4)
    kwmd.wmd_bounds(D, Q, C, qc, cc)  # consistent
    for q, c in (
        (qc.astype(np.float32), cc),
        (qc, cc.astype(np.float32)),
        (np.asfortranarray(qc), cc),
        (qc, np.asfortranarray(cc)),
        (qc[:1], cc),
        (qc, cc[:3]),
        (qc.ravel()[: len(qc)], cc),
        (qc, cc.ravel()[: len(cc)]),
        (qc[:, :3].copy(), cc),
    ):
        _raises(ShapeError, "wmd: centroid arrays do not match the documents", kwmd.wmd_bounds, D, Q, C, q, c)


def test_emd_reads_masses_as_float64_vectors():
    M = [[1.0], [3.0]]
    _raises(ShapeError, "a: cannot be read as a float64 array", kwmd.emd, ["x", "1"], [1.0], M)
    assert kwmd.emd([1, 1], [2], M) == 4.0  # integer masses are read as float64


# --- document vectors: the CSR checks and the messages naming the call and argument ----------


def test_doc_vectors_csr_checks_and_messages():
    from engine._kernels import docvec

    emb = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    vec, norms = docvec.doc_vectors(np.array([0.0, 2.0]), [0, 2], [3.0, 1.0], emb)  # pointers as floats
    np.testing.assert_allclose(norms, [np.hypot(4, 1)], rtol=1e-6)
    np.testing.assert_allclose(vec, [[4 / np.hypot(4, 1), 1 / np.hypot(4, 1)]], rtol=1e-6)
    for indptr, ids, w, shapes in (
        ([0, 2], [0, 1], [1.0], "indptr (2,), ids (2,) and weights (1,)"),  # weights short
        ([], [0], [1.0], "indptr (0,), ids (1,) and weights (1,)"),  # no pointer
        ([[0, 1]], [0], [1.0], "indptr (1, 2), ids (1,) and weights (1,)"),  # 2-D pointers
        ([0, 1], [[0]], [[1.0]], "indptr (2,), ids (1, 1) and weights (1, 1)"),  # 2-D ids
    ):
        _raises(
            ShapeError,
            f"doc_vectors: {shapes} do not form a CSR matrix",
            docvec.doc_vectors,
            indptr,
            ids,
            w,
            emb,
        )
    _raises(ShapeError, "doc_vectors: indptr must start at 0", docvec.doc_vectors, [1, 2], [0], [1.0], emb)
    _raises(
        ShapeError,
        "embedding matrix: expected a 2-D array, got shape (2,)",
        docvec.doc_vectors,
        [0, 1],
        [0],
        [1.0],
        emb[0],
    )
    _raises(
        ShapeError,
        "components: contains NaN or Inf",
        docvec.doc_vectors,
        [0, 1],
        [0],
        [1.0],
        emb,
        [[np.nan, 0.0]],
    )


# --- exact top-k: one query over a whole matrix, against float64 numpy -----------------------


def test_topk_one_against_float64_numpy():
    from engine._kernels import search

    rng = np.random.default_rng(11)
    X = rng.standard_normal((30, 8)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    q = np.ascontiguousarray(X[0] + 0.1 * X[1])  # row 0 is the best
    exact = X.astype(np.float64) @ q.astype(np.float64)
    order = np.argsort(-exact, kind="stable")
    for exclude_row, want in ((-1, order[:5]), (0, order[1:6])):
        scores, ids = search.topk_one(X, q, 5, exclude_row)
        assert ids.shape == scores.shape == (1, 5) and ids.dtype == np.int64 and scores.dtype == np.float32
        np.testing.assert_array_equal(ids[0], want)
        np.testing.assert_allclose(scores[0], exact[want], rtol=1e-6)
    assert search.topk_one(X, q, 5)[1][0, 0] == 0  # nothing left out by default


def test_topk_messages_name_the_argument():
    from engine._kernels import search

    X = np.eye(3, dtype=np.float32)
    _raises(ShapeError, "matrix: expected a 2-D array, got shape (3,)", search.topk, X[0], X, 1)
    _raises(
        ShapeError,
        "queries: contains NaN or Inf (first at row 0, column 1)",
        search.topk,
        X,
        [[0, np.nan, 0]],
        1,
    )
    Y = np.eye(6, 5, dtype=np.float32)
    _raises(ShapeError, "queries: no query given", search.topk, Y, Y[:0], 1)
    # 3CosMul reads n_pos + n_neg rows per item: 4 rows of width 5 are not items of 3
    _raises(
        ShapeError, "queries: 4 rows is not a multiple of 3 per item", search.topk, Y, Y[:4], 1, cosmul=(2, 1)
    )
    # a range that starts past row 0 holds hi - lo rows; an empty one is refused for its k
    _raises(ShapeError, "k = 4 exceeds the 3 vectors searched", search.topk, Y, Y[:1], 4, lo=2, hi=5)
    _raises(ShapeError, "k = 1 exceeds the 0 vectors searched", search.topk, Y, Y[:1], 1, lo=3, hi=3)
    _raises(ShapeError, "row range [4, 3) is not within the 6 rows", search.topk, Y, Y[:1], 1, lo=4, hi=3)


# --- the choice of kernel path: what is missing, and the messages that name it ---------------


@pytest.fixture
def dispatch():
    from engine._kernels import _dispatch

    if "avx512" not in _dispatch.PATHS:
        pytest.skip("a build without the x86 paths")
    return _dispatch


def test_a_feature_the_cpu_does_not_report_is_missing(dispatch, monkeypatch):
    # a CPU that reports the baseline's features only: the others are absent, not False
    monkeypatch.setattr(dispatch, "FEATURES", dict.fromkeys(dispatch.requirements("baseline"), True))
    assert dispatch.missing("avx2") == list(dispatch.requirements("avx2"))
    assert dispatch.supported_paths() == (dispatch.PATHS[-1],) == ("baseline",)


def test_path_choice_messages_list_what_is_missing(dispatch, monkeypatch, caplog):
    import logging

    every = {f: True for p in dispatch.PATHS for f in dispatch.requirements(p)}
    every.update({"avx512bw": False, "amx-tile": False, "fma": False})
    monkeypatch.setattr(dispatch, "FEATURES", every)
    monkeypatch.setattr(dispatch, "_AMX_REFUSAL", [0])
    paths = ", ".join(dispatch.PATHS)
    _raises(
        EngineError,
        f"ENGINE_KERNELS=sse2: no such kernel path in this build (it has {paths})",
        dispatch._choose,
        "sse2",
    )
    _raises(
        EngineError, "ENGINE_KERNELS=avx512: this CPU or OS lacks fma, avx512bw", dispatch._choose, "avx512"
    )
    with caplog.at_level(logging.DEBUG, logger=dispatch.__name__):
        assert dispatch._choose("") == "baseline"
    assert caplog.messages == [
        "engine kernels: the baseline path (spr lacks fma, avx512bw, amx-tile; avx512 lacks fma, avx512bw; avx2 lacks fma)"
    ]
    # a one-path build for another CPU (ENGINE_CPU=native) on a CPU without its features
    monkeypatch.setattr(dispatch, "PATHS", ("avx2",))
    monkeypatch.setattr(dispatch, "FEATURES", {})
    needs = ", ".join(dispatch.requirements("avx2"))
    _raises(
        EngineError,
        f"this engine was built for another CPU (ENGINE_CPU=native): this one lacks {needs}; "
        "reinstall it from source on this machine",
        dispatch._choose,
        "",
    )


# --- the meta-embedding projection: defaults against float64 numpy, messages naming the source


def test_build_meta_default_scale_and_two_sources_against_float64():
    from engine._kernels import meta

    rng = np.random.default_rng(13)
    A, B = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((5, 2)).astype(np.float32)
    idx_a, idx_b = [0, 1, 2, 3], [4, 3, 2, 1]
    got, norms = meta.build_meta(
        [dict(rows=A, idx=idx_a), dict(rows=B, idx=idx_b, scale=0.0, offset=3)], [None] * 4, 5, block=2
    )
    unit = lambda X: X.astype(np.float64) / np.linalg.norm(X.astype(np.float64), axis=1, keepdims=True)  # noqa: E731
    want = np.hstack([unit(A[idx_a]), 0.0 * unit(B[idx_b])])  # scale 1 by default, 0 allowed
    np.testing.assert_allclose(norms, np.linalg.norm(want, axis=1), rtol=1e-6)
    np.testing.assert_allclose(got, want / np.linalg.norm(want, axis=1, keepdims=True), rtol=1e-6, atol=1e-7)


def test_build_meta_messages_name_the_source():
    from engine._kernels import meta

    A = np.eye(3, dtype=np.float32)
    ok = dict(rows=A, idx=[0, 1])
    cases = [
        ([], [], "build_meta: no sources"),
        ([ok, dict(rows=A, idx=[0, 1, 2])], [None] * 4, "source 1: 3 row indices, source 0 has 2"),
        ([dict(rows=A, idx=[[0, 1]])], [None], "source 0: row indices must be 1-D, got shape (1, 2)"),
        (
            [dict(rows=A, idx=[0, -2])],  # fill 0 with no fills: the lowest index refused
            [None],
            "source 0: a row index is out of range (-2..0 for 3 rows and 0 fills)",
        ),
        (
            [dict(rows=A[:, :2], idx=[0, 3])],  # 3 rows of 2 dims: the message counts rows
            [None],
            "source 0: a row index is out of range (0..3 for 3 rows and 0 fills)",
        ),
        (
            [dict(rows=A, idx=[0], extra=np.ones((1, 2)))],
            [None],
            "source 0: fills have 2 dims, the source has 3",
        ),
        ([dict(rows=A, idx=[0], scale=-1)], [None], "source 0: the scale must be finite and >= 0, got -1.0"),
        (
            [dict(rows=A, idx=[0], scale=np.inf)],
            [None],
            "source 0: the scale must be finite and >= 0, got inf",
        ),
        ([dict(rows=A, idx=[0], offset=1)], [None], "source 0: slot [1, 4) outside the 3 output columns"),
        ([dict(rows=A[0], idx=[0])], [None], "source 0 vectors: expected a 2-D array"),
        ([dict(rows=A, idx=[0], extra=[[np.nan] * 3])], [None], "source 0 fills: contains NaN or Inf"),
        (
            [dict(rows=A, idx=[0], proj=[[np.nan] * 3] * 3)],
            [None],
            "source 0 projection: contains NaN or Inf",
        ),
        ([ok], [None, None], "build_meta: 2 fill maps, expected 1"),
        ([ok, ok], [None] * 3, "build_meta: 3 fill maps, expected 4"),
        ([ok], [np.eye(3)], "fill map 0->0: shape (3, 3), expected (3, 3)"),
        ([ok, ok], [None, [[np.nan] * 3] * 3, None, None], "fill map 0->1: contains NaN or Inf"),
    ]
    for sources, maps, message in cases:
        _raises(ShapeError, message, meta.build_meta, sources, maps, 3)
    # the lowest fill index, -2 - (K - 1), is in range
    unit, _ = meta.build_meta([dict(rows=A, idx=[-3], extra=[[0, 0, 1], [0, 2, 0]])], [None], 3)
    np.testing.assert_allclose(unit, [[0, 1, 0]])


def test_normalize_rows_checks_finite_values_by_default_and_names_them():
    from engine._kernels import normalize

    bad = [[1.0, 2.0], [1.0, np.nan]]
    _raises(
        ShapeError, "vectors: contains NaN or Inf (first at row 1, column 1)", normalize.normalize_rows, bad
    )
    unit, norms = normalize.normalize_rows([[3.0, 4.0]], check_finite=False)  # skipping the scan is allowed
    np.testing.assert_allclose(unit, [[0.6, 0.8]], rtol=1e-7)
    assert norms.tolist() == [5.0]


# --- compressed copies: the re-rank and the scan through a copy, against float64 numpy -------


def _unit(rng, n, d):
    X = rng.standard_normal((n, d))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def _rerank64(X, Q, cand, k):
    """The re-rank in float64: the k best distinct candidates (>= 0) of each query."""
    out = []
    for q, ids in zip(Q.astype(np.float64), cand):
        ids = np.unique(ids[ids >= 0])
        s = X[ids].astype(np.float64) @ q
        order = np.argsort(-s, kind="stable")[:k]
        out.append((ids[order], s[order]))
    return out


def _check_rerank(got, want):
    scores, ids = got[0], got[1]
    assert scores.shape == ids.shape and len(ids) == len(got[2]) == len(want)  # a row per query
    for j, (wi, ws) in enumerate(want):
        assert ids[j, : len(wi)].tolist() == wi.tolist()
        np.testing.assert_allclose(scores[j, : len(wi)], ws, rtol=1e-5, atol=1e-6)
        assert (ids[j, len(wi) :] == -1).all() and np.isneginf(scores[j, len(wi) :]).all()


def test_compressed_rerank_against_float64_with_every_id_form():
    from engine._kernels import compressed as klowp
    from engine.compressed import compress

    rng = np.random.default_rng(3)
    X, Q = _unit(rng, 50, 7), _unit(rng, 3, 7)  # 3 queries of 7 dimensions: rows are not dimensions
    cand = rng.integers(-1, 50, (3, 9))
    cand[0, 0] = 49  # the last row is a candidate
    want = _rerank64(X, Q, cand, 4)
    for copy in (None, compress(X, "int8"), compress(X, "bfloat16")):
        _check_rerank(klowp.rerank(copy, X, Q, cand, 4), want)
        _check_rerank(klowp.rerank(copy, X, Q, cand.tolist(), 4), want)
        # unsigned ids (no -1 among them) are read as int64 rows too
        pos = np.where(cand < 0, 0, cand).astype(np.uint64)
        _check_rerank(klowp.rerank(copy, X, Q, pos, 4), _rerank64(X, Q, pos.astype(np.int64), 4))
        # k = 1: the best candidate alone
        _check_rerank(klowp.rerank(copy, X, Q, cand, 1), [(i[:1], s[:1]) for i, s in want])


def test_compressed_rerank_messages():
    from engine._kernels import compressed as klowp

    rng = np.random.default_rng(4)
    X, Q = _unit(rng, 20, 6), _unit(rng, 2, 6)
    ids = np.array([[1, 2], [3, 4]])
    need = "matrix: a C-contiguous float32 matrix is needed"
    _raises(ShapeError, need, klowp.rerank, None, np.asfortranarray(X), Q, ids, 1)
    _raises(ShapeError, need, klowp.rerank, None, X.astype(np.float64), Q, ids, 1)
    Qbad = Q.copy()
    Qbad[1, 2] = np.nan
    _raises(
        ShapeError,
        "queries: contains NaN or Inf (first at row 1, column 2)",
        klowp.rerank,
        None,
        X,
        Qbad,
        ids,
        1,
    )
    bad = "rerank: (2, 6) queries and {} candidate ids do not match 20 x 6 rows"
    _raises(ShapeError, bad.format((2,)), klowp.rerank, None, X, Q, np.array([1, 2]), 1)  # 1-D ids
    _raises(ShapeError, bad.format((3, 2)), klowp.rerank, None, X, Q, np.ones((3, 2), int), 1)  # rows
    _raises(
        ShapeError,
        "rerank: (2, 5) queries and (2, 2) candidate ids do not match 20 x 6 rows",
        klowp.rerank,
        None,
        X,
        Q[:, :5],
        ids,
        1,
    )
    rows = "rerank: candidate ids must be rows of the 20 (or -1)"
    _raises(ShapeError, rows, klowp.rerank, None, X, Q, [[1, 20], [3, 4]], 1)  # one past the last
    _raises(ShapeError, rows, klowp.rerank, None, X, Q, [[1, -2], [3, 4]], 1)
    _raises(ShapeError, "rerank: k = 0 must be >= 1", klowp.rerank, None, X, Q, ids, 0)


def _file_of_rows(tmp_path, rows, offset):
    """An open file holding ``offset`` bytes of garbage, then ``rows`` (float32, C order)."""
    path = tmp_path / "rows.bin"
    path.write_bytes(b"\x7f" * offset + np.ascontiguousarray(rows, np.float32).tobytes())
    return open(path, "rb")


def test_compressed_scans_rescore_the_rows_of_the_source_file(tmp_path):
    # the documented source: the float32 rows are read from (fd, offset), not from the matrix
    # given (the file of a mapped matrix holds the same rows; here it holds 2 X to tell them apart)
    from engine._kernels import compressed as klowp
    from engine.compressed import compress

    rng = np.random.default_rng(5)
    X, Q = _unit(rng, 40, 8), _unit(rng, 2, 8)
    cand = rng.integers(0, 40, (2, 10))
    with _file_of_rows(tmp_path, 2 * X, 12) as f:
        source = (f.fileno(), 12)
        want = [(i, 2 * s) for i, s in _rerank64(X, Q, cand, 3)]
        for copy in (None, compress(X, "int8")):
            _check_rerank(klowp.rerank(copy, X, Q, cand, 3, source=source), want)
        s, i, _ = klowp.topk_lowp(compress(X, "int8"), X, Q, 3, source=source)
        s0, i0, _ = klowp.topk_lowp(compress(X, "int8"), X, Q, 3)
        assert i.tolist() == i0.tolist()
        np.testing.assert_allclose(s, 2 * s0, rtol=1e-6)


def test_compressed_scans_without_source_read_the_matrix_not_stdout(tmp_path):
    # with no source the matrix in memory is read, whatever file descriptor 1 holds
    from engine._kernels import compressed as klowp
    from engine.compressed import compress

    rng = np.random.default_rng(6)
    X, Q = _unit(rng, 40, 8), _unit(rng, 2, 8)
    cand = rng.integers(0, 40, (2, 10))
    want = _rerank64(X, Q, cand, 3)
    copy = compress(X, "int8")
    s0, i0, _ = klowp.topk_lowp(copy, X, Q, 3)
    with _file_of_rows(tmp_path, 3 * X, 0) as f:
        saved = os.dup(1)
        os.dup2(f.fileno(), 1)  # fd 1 readable, holding other rows
        try:
            got = klowp.rerank(None, X, Q, cand, 3)
            s, i, _ = klowp.topk_lowp(copy, X, Q, 3)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    _check_rerank(got, want)
    assert i.tolist() == i0.tolist() and s.tolist() == s0.tolist()


def test_compressed_topk_messages():
    from engine._kernels import compressed as klowp
    from engine.compressed import compress

    rng = np.random.default_rng(7)
    X, Q = _unit(rng, 10, 4), _unit(rng, 2, 4)
    c = compress(X, "bfloat16")
    need = "matrix: a C-contiguous float32 matrix is needed"
    _raises(ShapeError, need, klowp.topk_lowp, c, np.asfortranarray(X), Q, 1)
    _raises(ShapeError, need, klowp.topk_lowp, c, X.astype(np.float64), Q, 1)
    _raises(
        ShapeError,
        "queries: contains NaN or Inf (first at row 0, column 3)",
        klowp.topk_lowp,
        c,
        X,
        [[0, 0, 0, np.inf]],
        1,
    )
    _raises(ShapeError, "queries have 3 dimensions, the vectors 4", klowp.topk_lowp, c, X, Q[:, :3], 1)
    _raises(ShapeError, "queries: no query given", klowp.topk_lowp, c, X, np.zeros((0, 4)), 1)
    _raises(ShapeError, "row range [3, 11) is not within the 10 rows", klowp.topk_lowp, c, X, Q, 1, 3, 11)
    _raises(ShapeError, "row range [-1, 4) is not within the 10 rows", klowp.topk_lowp, c, X, Q, 1, -1, 4)
    # an empty range is a range: k is what it refuses
    _raises(ShapeError, "k = 1 is not within 1 .. 0, the vectors searched", klowp.topk_lowp, c, X, Q, 1, 4, 4)
    _raises(
        ShapeError, "k = 5 is not within 1 .. 4, the vectors searched", klowp.topk_lowp, c, X, Q, 5, 6, 10
    )
    # by default every row is searched: the first and the last row find themselves
    assert klowp.topk_lowp(c, X, X[[0, 9]], 1)[1].ravel().tolist() == [0, 9]
    s, i, _ = klowp.topk_lowp(c, X, Q, 4, 6, 10)  # k = hi - lo: every row of the range
    want = np.argsort(-(Q.astype(np.float64) @ X[6:].T.astype(np.float64)), axis=1) + 6
    assert i.tolist() == want.tolist()


def test_use_amx_on_the_spr_path_only_or_a_native_build_the_os_granted(dispatch, monkeypatch):
    from engine import _native
    from engine._kernels import compressed as klowp

    for p in dispatch.supported_paths():
        with dispatch.using_path(p):
            assert klowp.use_amx() is (p == "spr"), p
    # a native build (ENGINE_CPU=native): AMX where the CPU has tiles and the OS grants them
    monkeypatch.setattr(dispatch, "path", "native")
    for has_tiles, errno, want in ((True, 0, True), (True, 1, False), (True, 13, False), (False, 0, False)):
        monkeypatch.setattr(dispatch, "FEATURES", {"amx-tile": has_tiles})
        monkeypatch.setattr(_native, "request_amx", lambda e=errno: e)
        assert klowp.use_amx() is want, (has_tiles, errno)


def test_compressed_copy_checks_name_each_array():
    from engine._kernels import compressed as klowp
    from engine.compressed import compress

    rng = np.random.default_rng(8)
    X, Q = _unit(rng, 40, 70), _unit(rng, 1, 70)  # padded to (64, 128)
    c = compress(X, "int8")
    _raises(ShapeError, "kind must be one of bfloat16, int8, got 'int4'", klowp.compress_rows, X, "int4")
    _raises(
        ShapeError,
        "kind must be one of bfloat16, int8, got 'int4'",
        klowp.topk_lowp,
        c._replace(kind="int4"),
        X,
        Q,
        1,
    )
    _raises(
        ShapeError,
        "matrix: contains NaN or Inf (first at row 0, column 0)",
        klowp.compress_rows,
        [[np.nan]],
        "int8",
    )

    def refused(message, **fields):
        for fn in (klowp.topk_lowp, klowp.rerank):
            args = (c._replace(**fields), X, Q) + ((1,) if fn is klowp.topk_lowp else ([[0]], 1))
            _raises(ShapeError, "compressed copy: " + message, fn, *args)

    refused("data must be C-contiguous int8 (64, 128), got uint8 (64, 128)", data=c.data.view(np.uint8))
    refused("data must be C-contiguous int8 (64, 128), got int8 (32, 128)", data=c.data[:32].copy())
    refused("data must be C-contiguous int8 (64, 128), got int8 (64, 128)", data=np.asfortranarray(c.data))
    refused("data must be C-contiguous int8 (64, 128), got list", data=c.data.tolist())
    refused("scale must be C-contiguous float32 (64,), got float64 (64,)", scale=c.scale.astype(np.float64))
    refused("rowsum must be C-contiguous int32 (64,), got int32 (40,)", rowsum=c.rowsum[:40].copy())
    refused("rowsum must be C-contiguous int32 (64,), got int32 (64,)", rowsum=np.tile(c.rowsum, 2)[::2])
    refused("err must be C-contiguous float32 (40,), got float64 (40,)", err=c.err.astype(np.float64))
    refused("err must be C-contiguous float32 (40,), got float32 (39,)", err=c.err[:39].copy())
    refused("err must be C-contiguous float32 (40,), got float32 (40,)", err=np.tile(c.err, 2)[::2])
    refused("err must be C-contiguous float32 (40,), got list", err=c.err.tolist())


# --- WMD over a cost matrix: pair_costs, wmd_pairs and the bag checks, against POT ------------


def test_pair_costs_against_float64_numpy_and_its_messages():
    rng = np.random.default_rng(9)
    A, B = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    got = kwmd.pair_costs(A.tolist(), B.astype(np.float32))  # sequences and float32: read as float64
    assert got.dtype == np.float64 and got.shape == (4, 5)
    np.testing.assert_allclose(got, _cost(A, B.astype(np.float32).astype(np.float64)), rtol=1e-12)
    _raises(ShapeError, "pair_costs: 3 vs 2 dimensions", kwmd.pair_costs, A, B[:, :2])
    _raises(ShapeError, "A: expected a 2-D array, got shape (3,)", kwmd.pair_costs, A[0], B)
    _raises(ShapeError, "B: expected a 2-D array, got shape (3,)", kwmd.pair_costs, A, B[0])
    _raises(ShapeError, "A: cannot be read as a float64 array", kwmd.pair_costs, [["x"]], B)
    _raises(ShapeError, "B: cannot be read as a float64 array", kwmd.pair_costs, A, [["x"]])


def test_wmd_pairs_against_pot_with_every_sinkhorn_parameter():
    rng = np.random.default_rng(10)
    Xa, Xb = rng.standard_normal((9, 4)), rng.standard_normal((7, 4))
    D = _cost(Xa, Xb)
    A, B = _bags(rng, 3, 9), _bags(rng, 4, 7)
    B = (*B[:2], B[2] + 100, B[3])  # other words than A's (a shared word's mass stays in place)
    ia, ib = [0, 2, 1, 2], [3, 0, 1, 3]  # lists: read as int64

    def want(solve):
        out = []
        for i, j in zip(ia, ib):
            ra, rb = slice(A[0][i], A[0][i + 1]), slice(B[0][j], B[0][j + 1])
            out.append(solve(A[3][ra], B[3][rb], D[np.ix_(A[1][ra], B[1][rb])]))
        return np.array(out)

    got = kwmd.wmd_pairs(D, A, B, ia, ib)
    assert got.dtype == np.float64 and got.shape == (4,)
    np.testing.assert_allclose(got, want(ot.emd2), rtol=1e-9)
    for reg in (0.5, 0.2):
        got = kwmd.wmd_pairs(D, A, B, ia, ib, SINK, reg=reg, max_iter=20000, tol=1e-12)
        np.testing.assert_allclose(got, want(lambda a, b, M, r=reg: _pot_sinkhorn(a, b, M, r)), rtol=1e-5)
    converged = kwmd.wmd_pairs(D, A, B, ia, ib, SINK, reg=0.05, max_iter=5000, tol=1e-12)
    assert not np.allclose(kwmd.wmd_pairs(D, A, B, ia, ib, SINK, reg=0.05, max_iter=2, tol=1e-12), converged)
    assert not np.allclose(kwmd.wmd_pairs(D, A, B, ia, ib, SINK, reg=0.05, max_iter=5000, tol=0.5), converged)
    # the last document of each side is a valid index; one past it is refused
    assert kwmd.wmd_pairs(D, A, B, [2], [3])[0] == pytest.approx(want(ot.emd2)[3], rel=1e-9)
    for bad_a, bad_b in (([3], [0]), ([0], [4]), ([-1], [0]), ([0], [-1]), ([0, 1], [0])):
        _raises(ShapeError, "wmd_pairs: pair indices out of range", kwmd.wmd_pairs, D, A, B, bad_a, bad_b)
    # docs_a index the rows of D, docs_b its columns (9 rows, 7 columns)
    _raises(ShapeError, "docs_b: malformed bag-of-words arrays", kwmd.wmd_pairs, D, A, _bag([7]), [0], [0])
    _raises(
        ShapeError,
        "docs_a: malformed bag-of-words arrays",
        kwmd.wmd_pairs,
        D.T.copy(),
        A,
        _bag([0]),
        [0],
        [0],
    )
    assert kwmd.wmd_pairs(D, _bag([8]), _bag([6]), [0], [0])[0] == pytest.approx(D[8, 6])


def test_bags_are_refused_for_each_malformation():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((6, 3))
    A = _bags(rng, 2, 6)
    ptr, loc, gid, w = A
    bad = [
        (ptr.astype(np.int32), loc, gid, w),
        (ptr, loc.astype(np.int64), gid, w),
        (ptr, loc, gid.astype(np.int32), w),
        (ptr, loc, gid, w.astype(np.float32)),
        (ptr, np.repeat(loc, 2)[::2], gid, w),  # not contiguous
        (ptr, loc, np.repeat(gid, 2)[::2], w),
        (ptr, loc, gid, np.repeat(w, 2)[::2]),
        (np.repeat(ptr, 2)[::2], loc, gid, w),
        (ptr[None], loc, gid, w),  # 2-D
        (ptr, loc[None], gid[None], w[None]),
        (ptr, loc, gid[:-1], w),  # sizes differ
        (ptr, loc, gid, w[:-1]),
        (ptr, loc[:-1], gid[:-1], w[:-1]),  # the pointers do not end at the size
        (ptr + 1, loc, gid, w),  # nor start at 0
        (ptr[::-1].copy(), loc, gid, w),
        (ptr, np.where(loc == loc.max(), 6, loc).astype(np.int32), gid, w),  # a row of 6
        (ptr, np.where(loc == loc.min(), -1, loc).astype(np.int32), gid, w),
    ]
    assert kwmd.wmd_zip(X, A, A).shape == (2,)
    for docs in bad:
        with pytest.raises(ShapeError, match=r"^docs_a: malformed bag-of-words arrays$"):
            kwmd.wmd_zip(X, docs, A)


def test_a_pivot_limit_is_an_engine_error_naming_the_solver():
    kwmd._check_status(0)
    for status in (1, 2, -1):
        _raises(
            EngineError,
            "emd: the network simplex hit its pivot limit (please report this input)",
            kwmd._check_status,
            status,
        )


# --- the rows left out per query: exclusion_csr against a Python oracle -----------------------


def test_exclusion_csr_is_the_sorted_unique_rows_of_each_item():
    from engine._kernels import exclusion_csr

    items = [[5, 1, 5], (), {9, 2}, np.array([7, 7, 0], dtype=np.int32), iter([3]), range(4, 6)]
    want = [[1, 5], [], [2, 9], [0, 7], [3], [4, 5]]
    indptr, ids = exclusion_csr(items, 6)
    assert indptr.dtype == ids.dtype == np.int64 and ids.flags.c_contiguous
    assert indptr.tolist() == np.cumsum([0] + [len(w) for w in want]).tolist()
    assert [ids[indptr[i] : indptr[i + 1]].tolist() for i in range(6)] == want
    for exclude, n in ((None, 3), ([], 0), ([[]], 1)):
        indptr, ids = exclusion_csr(exclude, n)
        assert indptr.tolist() == [0] * (n + 1) and ids.size == 0 and ids.dtype == np.int64
    _raises(ShapeError, "exclude: one list per query expected (2), got 3", exclusion_csr, [[1], [2], [3]], 2)
    # the kernel leaves them out: each query's own rows only
    from engine._kernels import topk

    X = np.eye(4, dtype=np.float32) + 0.1
    _, got = topk(X, X[:2], 2, exclude=[[0], {1, 0}])
    assert got.tolist() == [[1, 2], [2, 3]]
