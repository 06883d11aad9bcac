"""The EMD solver against POT, the lower bounds against the exact distance, knn against brute force,
on every dispatch path this machine supports."""

import numpy as np
import pytest
from _paths import kernel_path  # noqa: F401  (the fixture)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import datasets
from engine.wmd import emd

ot = pytest.importorskip("ot")

pytestmark = pytest.mark.usefixtures("kernel_path")


def _check(a, b, M):
    ref = ot.emd2(a, b, M)
    got = emd(a, b, M)
    assert abs(got - ref) <= 1e-9 * abs(ref) + 1e-13, (got, ref)


@st.composite
def problems(draw):
    m = draw(st.integers(1, 25))
    n = draw(st.integers(1, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    kind = draw(st.sampled_from(["uniform", "ties", "zeros", "integer-mass", "euclid"]))
    rng = np.random.default_rng(seed)
    a, b = rng.random(m), rng.random(n)
    M = rng.random((m, n))
    if kind == "ties":  # few distinct costs and masses: degenerate pivots everywhere
        M = rng.integers(0, 3, (m, n)).astype(float)
        a, b = np.ones(m), np.ones(n)
    elif kind == "zeros":
        a[rng.random(m) < 0.4] = 0
        b[rng.random(n) < 0.4] = 0
        a[0] += 0.1
        b[-1] += 0.1
    elif kind == "integer-mass":  # count/length weights as WMD builds them
        a, b = rng.integers(1, 4, m).astype(float), rng.integers(1, 4, n).astype(float)
    elif kind == "euclid":
        P, Q = rng.random((m, 5)), rng.random((n, 5))
        M = np.sqrt(((P[:, None] - Q[None]) ** 2).sum(-1))
    return a / a.sum(), b / b.sum(), M


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problems())
def test_emd_matches_pot(p):
    _check(*p)


def test_emd_special_shapes():
    rng = np.random.default_rng(0)
    _check(np.array([1.0]), np.array([1.0]), np.array([[0.7]]))
    b = rng.random(9)
    _check(np.array([1.0]), b / b.sum(), rng.random((1, 9)))  # one-point side
    _check(b / b.sum(), np.array([1.0]), rng.random((9, 1)))
    _check(np.ones(6) / 6, np.ones(6) / 6, np.zeros((6, 6)))  # all costs equal
    _check(np.ones(6) / 6, np.ones(6) / 6, np.full((6, 6), 2.5))
    M = rng.random((7, 7)) - 0.5  # negative costs
    _check(np.ones(7) / 7, np.ones(7) / 7, M)
    a = rng.random(150)
    c = rng.random(140)
    _check(a / a.sum(), c / c.sum(), rng.random((150, 140)))  # larger
    assert emd([2.0, 2.0], [4.0], [[1.0], [3.0]]) == 8.0  # unnormalised masses, as POT
    x = rng.random(5)
    assert emd(x / x.sum(), x / x.sum(), 1 - np.eye(5)) == 0.0  # identity plan


def test_emd_is_deterministic():
    rng = np.random.default_rng(1)
    a = rng.integers(1, 3, 40).astype(float)
    M = rng.integers(0, 4, (40, 40)).astype(float)
    vals = {emd(a / a.sum(), a[::-1] / a.sum(), M) for _ in range(5)}
    assert len(vals) == 1


@pytest.fixture(scope="module")
def lee_wmd():
    kv = datasets.word2vec_keyedvectors()
    return engine.WMD(engine.Vectors.from_gensim(kv))


@pytest.fixture(scope="module")
def lee_docs():
    sents = [s for s in datasets.lee_sentences() if len(s) >= 4]
    return sents


def test_bounds_never_exceed_exact(lee_wmd, lee_docs):
    rng = np.random.default_rng(4)
    corpus = [lee_docs[i][: rng.integers(1, 40)] for i in rng.integers(len(lee_docs), size=60)]
    corpus += [["qqxyzzy"], [corpus[0][0]]]
    queries = [lee_docs[i][: rng.integers(1, 30)] for i in rng.integers(len(lee_docs), size=4)]
    queries.append([corpus[0][0]])
    idx = lee_wmd.index(corpus)
    exact = idx.distances(queries)
    wcd, rwmd, ict = idx.bounds(queries)
    for b in (wcd, rwmd, ict):
        assert np.all(b <= exact)
    fin = np.isfinite(exact)
    assert np.all(ict[fin] >= rwmd[fin] * (1 - 1e-9))  # ICT is the tighter one
    assert np.mean(rwmd[fin] / np.maximum(exact[fin], 1e-12)) > 0.5  # and RWMD is not vacuous
    assert np.array_equal(exact, lee_wmd.pairwise(queries, corpus))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_docs=st.integers(1, 40),
    k=st.integers(1, 12),
    vocab=st.integers(3, 30),
    ict=st.booleans(),
)
def test_knn_identical_to_brute_force(lee_wmd, seed, n_docs, k, vocab, ict):
    rng = np.random.default_rng(seed)
    words = lee_wmd.vectors.index_to_key[:vocab] + ["qqxyzzy"]  # a small vocabulary makes ties

    def doc():
        return [words[i] for i in rng.integers(len(words), size=rng.integers(0, 8))]

    corpus = [doc() for _ in range(n_docs)]
    corpus += [list(corpus[0])]  # a duplicate document: an exact tie
    queries = [doc() for _ in range(3)] + [list(corpus[0])]
    res = lee_wmd.knn(queries, corpus, k=k, ict=ict)
    full = lee_wmd.index(corpus).distances(queries)
    kk = min(k, len(corpus))
    for q in range(len(queries)):
        order = sorted(range(len(corpus)), key=lambda i: (full[q, i], i))[:kk]
        assert res.indices[q].tolist() == order
        assert np.array_equal(res.distances[q], full[q, order])
    assert res.indices.shape == (len(queries), kk)
    assert np.all(res.n_exact <= len(corpus))


def test_knn_prunes_on_real_text(lee_wmd, lee_docs):
    corpus = [d[:40] for d in lee_docs[:250]]
    queries = [d[:30] for d in lee_docs[250:253]]
    res = lee_wmd.knn(queries, corpus, k=5)
    full = lee_wmd.index(corpus).distances(queries)
    for q in range(3):
        assert res.indices[q].tolist() == sorted(range(250), key=lambda i: (full[q, i], i))[:5]
    assert res.n_exact.max() < 250 / 2  # the bounds do their job


def test_threads_do_not_change_results(lee_wmd, lee_docs):
    docs = lee_docs[:40]
    old = engine.get_num_threads()
    try:
        engine.set_num_threads(1)
        one = lee_wmd.pairwise(docs[:20], docs[20:])
        k1 = lee_wmd.knn(docs[:3], docs, k=4)
        engine.set_num_threads(2)
        two = lee_wmd.pairwise(docs[:20], docs[20:])
        k2 = lee_wmd.knn(docs[:3], docs, k=4)
    finally:
        engine.set_num_threads(old)
    assert np.array_equal(one, two)
    assert np.array_equal(k1.indices, k2.indices) and np.array_equal(k1.distances, k2.distances)


def test_sinkhorn_defaults_are_the_kernels_own():
    from engine import _kernels

    p = _kernels.SinkhornParams()
    assert p.reg > 0 and p.max_iter >= 1 and p.tol > 0
    assert set(_kernels.WMD_METHODS) == {"emd", "sinkhorn"}
    rng = np.random.default_rng(2)
    Xa, Xb = rng.standard_normal((4, 8)), rng.standard_normal((5, 8))
    ga, gb = np.arange(4, dtype=np.int64), np.arange(4, 9, dtype=np.int64)
    wa, wb = np.full(4, 0.25), np.full(5, 0.2)
    sinkhorn = _kernels.WMD_METHODS["sinkhorn"]
    default = _kernels.wmd_single(Xa, ga, wa, Xb, gb, wb, sinkhorn)
    explicit = _kernels.wmd_single(Xa, ga, wa, Xb, gb, wb, sinkhorn, p.reg, p.max_iter, p.tol)
    assert default == explicit
    assert _kernels.wmd_single(Xa, ga, wa, Xb, gb, wb, sinkhorn, 10 * p.reg) != default
    exact = _kernels.wmd_single(Xa, ga, wa, Xb, gb, wb)
    ref = ot.emd2(wa, wb, np.sqrt(((Xa[:, None] - Xb[None]) ** 2).sum(-1)))
    assert abs(exact - ref) <= 1e-9 * ref


def _float64_pair(v, d1, d2, norm=True):
    """The float64 route for one pair: bags, float64 rows, the solver on float64 costs."""
    from engine import _kernels, bags

    b = bags.bags(v, [d1, d2], "docs", None)
    s = int(b.ptr[1])
    X = bags.word_rows(v, b.gid, None, norm)
    return _kernels.wmd_single(X[:s], b.gid[:s], b.w[:s], X[s:], b.gid[s:], b.w[s:])


def _same(got, ref, rel):
    return got == ref if np.isinf(ref) or ref == 0 else abs(got - ref) <= rel * abs(ref)


@pytest.mark.parametrize("norm", [True, False])
def test_one_pair_on_float32_costs_equals_float64(lee_wmd, lee_docs, norm):
    # Vectors.wmdistance solves on float32 costs and prices the plan in float64: the float64
    # optimum's own plan, so the float64 answer to rounding.
    v = lee_wmd.vectors
    rng = np.random.default_rng(8)
    for _ in range(60):
        d1, d2 = (lee_docs[i][: rng.integers(1, 45)] for i in rng.integers(len(lee_docs), size=2))
        got, ref = v.wmdistance(d1, d2, norm=norm), _float64_pair(v, d1, d2, norm)
        assert _same(got, ref, 1e-9), (d1, d2, got, ref)


def test_one_pair_on_float32_costs_edge_cases():
    # 37 dimensions (the lanes' tail), near-duplicate and identical vectors (gensim's inf rule),
    # a word in both documents, raw and unit vectors.
    rng = np.random.default_rng(5)
    X = rng.standard_normal((12, 37)).astype(np.float32)
    X[1] = X[0] + 1e-4 * rng.standard_normal(37).astype(np.float32)  # nearly equal
    X[2] = X[3]  # equal
    v = engine.Vectors([f"w{i}" for i in range(12)], X)
    cases = [
        (["w0"], ["w1"]),
        (["w0", "w0", "w4"], ["w1", "w4"]),
        (["w2"], ["w3"]),  # every cost zero: inf
        (["w2", "w2"], ["w3", "w3", "w3"]),
        (["w2", "w5"], ["w3", "w5"]),
        (["w5"], ["w5"]),
        ([f"w{i}" for i in range(12)], [f"w{i}" for i in range(11, 3, -1)]),
    ]
    for d1, d2 in cases:
        for norm in (True, False):
            got, ref = v.wmdistance(d1, d2, norm=norm), _float64_pair(v, d1, d2, norm)
            assert _same(got, ref, 1e-9), (d1, d2, norm, got, ref)
    assert v.wmdistance(["w2"], ["w3"]) == np.inf
    assert v.wmdistance(["w5"], ["w5"]) == 0.0


def test_knn_keeps_its_prepared_corpus_for_equal_documents(lee_wmd, lee_docs):
    wmd = engine.WMD(lee_wmd.vectors)
    corpus = [list(d[:20]) for d in lee_docs[:30]]
    first = wmd.knn([corpus[3]], corpus, k=3)
    prepared = wmd._knn_corpus[1]
    again = wmd.knn([corpus[3]], [list(d) for d in corpus], k=3)  # equal documents, new lists
    assert wmd._knn_corpus[1] is prepared
    assert np.array_equal(first.indices, again.indices) and np.array_equal(first.distances, again.distances)
    corpus[0] = list(corpus[3])  # changed in place: prepared again, and the answer follows
    changed = wmd.knn([corpus[3]], corpus, k=2)
    assert wmd._knn_corpus[1] is not prepared
    assert changed.indices[0].tolist() == [0, 3] and changed.distances[0].tolist() == [0.0, 0.0]
