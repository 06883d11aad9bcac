"""MetaEmbeddings: every method against a float64 numpy/scipy reference, fills, vocabularies,
weights, errors, and the post's example on real data."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import EngineError, ShapeError, Vectors, _kernels
from engine.meta import MetaEmbeddings, agreement_weights, fill_map, one_to_n, svd_projection

METHODS = ["conc", "avg", "svd", "1ton", "align"]


# ---------------------------------------------------------------- synthetic sources
def make_sources(seed=0, n=160, dims=(12, 7, 9), latent=6, noise=0.3, drop=0.2):
    """Sources that are noisy linear views of one latent space; each lacks a random ``drop`` of the words."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    Z = rng.normal(size=(n, latent))
    out = []
    for s, d in enumerate(dims):
        X = Z @ rng.normal(size=(latent, d)) + noise * rng.normal(size=(n, d))
        keep = rng.random(n) > (drop if s else 0.0)  # source 0 has every word
        rows = np.flatnonzero(keep)
        rng.shuffle(rows)  # a different row order in every source
        out.append(Vectors([words[i] for i in rows], X[rows]))
    return out


def unit64(X):
    X = np.asarray(X, np.float64)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, n, out=np.zeros_like(X), where=n > 0)


def reference(sources, words, method, weights, oov, dim=None, fill_ridge=0.1, ridge=0.01):
    """The meta matrix computed directly in float64 (numpy + scipy), word by word."""
    S = len(sources)
    w = np.asarray(weights, np.float64) / np.sum(weights)
    a = np.sqrt(w)
    U = [unit64(v.unit) for v in sources]
    rows = [np.array([v.key_to_index.get(x, -1) for x in words]) for v in sources]
    # fill maps on the words both sources have
    maps = {}
    for s in range(S):
        for t in range(S):
            both = [x for x in words if x in sources[s].key_to_index and x in sources[t].key_to_index]
            if s != t and len(both) >= 20:
                Xt = U[t][[sources[t].key_to_index[x] for x in both]]
                Xs = U[s][[sources[s].key_to_index[x] for x in both]]
                lam = fill_ridge * np.trace(Xt.T @ Xt) / Xt.shape[1]
                maps[t, s] = np.linalg.solve(Xt.T @ Xt + lam * np.eye(Xt.shape[1]), Xt.T @ Xs)
    per = []  # per source, the (filled) unit rows of every word
    for s in range(S):
        M = np.zeros((len(words), sources[s].vector_size))
        for i, r in enumerate(rows[s]):
            if r >= 0:
                M[i] = U[s][r]
            elif oov == "fill":
                acc = sum(
                    (
                        U[t][rows[t][i]] @ maps[t, s]
                        for t in range(S)
                        if t != s and rows[t][i] >= 0 and (t, s) in maps
                    ),
                    np.zeros(M.shape[1]),
                )
                M[i] = unit64(acc[None])[0]
        per.append(M)
    shared = np.all(np.stack(rows) >= 0, axis=0)
    C = np.hstack([a[s] * per[s] for s in range(S)])
    dims = [v.vector_size for v in sources]
    if method == "conc":
        return unit64(C)
    if method == "avg":
        D = max(dims)
        return unit64(sum(np.pad(a[s] * per[s], ((0, 0), (0, D - dims[s]))) for s in range(S)))
    if method in ("svd", "1ton"):
        d = dim or max(dims)
        _, sv, vt = scipy.linalg.svd(C[shared], full_matrices=False)
        V = vt[:d].T
        if method == "svd":
            return unit64(C @ V)
        lam = ridge * np.sqrt(np.sum(sv**2) / C.shape[1])
        return unit64(C @ (V * (np.sqrt(np.maximum(sv[:d] - lam, 0)) / sv[:d])))
    # align: generalised Procrustes onto the largest source, then the mean
    ref = int(np.argmax(dims))
    T = a[ref] * per[ref][shared]
    for _ in range(20):
        W = []
        for s in range(S):
            u, _, vt = np.linalg.svd((a[s] * per[s][shared]).T @ T, full_matrices=False)
            W.append(u @ vt)
        T_new = sum(a[s] * per[s][shared] @ W[s] for s in range(S)) / S
        done = np.linalg.norm(T_new - T) <= 1e-6 * np.linalg.norm(T_new)
        T = T_new
        if done:
            break
    return unit64(sum(a[s] * per[s] @ W[s] for s in range(S)))


def cosines(M):
    M = unit64(M)
    return M @ M.T


# ---------------------------------------------------------------- methods vs reference
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("oov", ["fill", "zero"])
def test_methods_match_float64_reference(method, oov):
    src = make_sources()
    weights = [0.5, 0.3, 0.2]
    meta = MetaEmbeddings(src, method=method, weights=weights, oov=oov)
    ref = reference(src, meta.wv.index_to_key, method, weights, oov)
    got = meta.wv.unit
    assert got.shape[1] == ref.shape[1]
    if method in ("conc", "avg"):
        np.testing.assert_allclose(got, ref, atol=2e-6)
    else:  # learned bases are unique only up to signs/rotation: compare the cosines they give
        np.testing.assert_allclose(cosines(got), cosines(ref), atol=5e-5)


@pytest.mark.parametrize("method", ["svd", "1ton"])
def test_svd_and_1ton_dim(method):
    src = make_sources(seed=3)
    meta = MetaEmbeddings(src, method=method, dim=5, vocab="intersection")
    ref = reference(src, meta.wv.index_to_key, method, [1, 1, 1], "zero", dim=5)
    assert meta.wv.vector_size == 5
    np.testing.assert_allclose(cosines(meta.wv.unit), cosines(ref), atol=5e-5)


def test_conc_cosine_is_weighted_mean_of_source_cosines():
    src = make_sources(seed=1, drop=0.0)
    w = np.array([3.0, 1.0, 0.5])
    meta = MetaEmbeddings(src, weights=w)
    pairs = [("w1", "w2"), ("w3", "w40"), ("w7", "w100")]
    for x, y in pairs:
        expect = sum(
            wi * s.unit[s.key_to_index[x]] @ s.unit[s.key_to_index[y]] for wi, s in zip(w / w.sum(), src)
        )
        assert meta.wv.similarity(x, y) == pytest.approx(expect, abs=1e-5)


def test_svd_projection_matches_scipy():
    C = np.random.default_rng(2).normal(size=(80, 15))
    V, sv = svd_projection(C, 6)
    _, s_ref, vt = scipy.linalg.svd(C)
    np.testing.assert_allclose(sv, s_ref[:6], rtol=1e-10)
    np.testing.assert_allclose(np.abs(V.T @ vt[:6].T), np.eye(6), atol=1e-8)  # same vectors up to sign


def test_1ton_als_reaches_the_svd_optimum():
    """Without the penalty 1TON's optimum is the truncated SVD (Eckart–Young); ALS learns it."""
    rng = np.random.default_rng(4)
    C = rng.normal(size=(120, 6)) @ rng.normal(size=(6, 14)) + 0.1 * rng.normal(size=(120, 14))
    d = 4
    B, M, info = one_to_n(C, d, ridge=0.0, solver="als", rng=rng)
    E = C @ B
    u, s, vt = scipy.linalg.svd(C, full_matrices=False)
    best = u[:, :d] * s[:d] @ vt[:d]
    np.testing.assert_allclose(E @ M, best, atol=1e-4)  # ALS stops at a 1e-12 relative objective change
    assert info["objective"] == pytest.approx(np.sum(s[d:] ** 2), rel=1e-6)
    # at the optimum every map is the least-squares map from the meta space to its source
    for cols in (slice(0, 5), slice(5, 14)):
        np.testing.assert_allclose(M[:, cols], scipy.linalg.lstsq(E, C[:, cols])[0], atol=1e-4)


def test_1ton_exact_and_als_agree_with_penalty():
    rng = np.random.default_rng(5)
    C = rng.normal(size=(100, 10))
    Be, Me, ie = one_to_n(C, 3, ridge=0.05, solver="exact")
    Ba, Ma, ia = one_to_n(C, 3, ridge=0.05, solver="als", rng=rng)
    assert ia["objective"] == pytest.approx(ie["objective"], rel=1e-6)
    np.testing.assert_allclose(cosines(C @ Be), cosines(C @ Ba), atol=1e-4)
    # soft-thresholded singular values: E = U (S - lam)^(1/2)
    s = scipy.linalg.svd(C, compute_uv=False)[:3]
    np.testing.assert_allclose(np.linalg.svd(C @ Be, compute_uv=False), np.sqrt(s - ie["lambda"]), rtol=1e-8)
    with pytest.raises(EngineError, match="solver"):
        one_to_n(C, 3, solver="sgd")


def test_align_recovers_rotated_copies():
    """Sources that are rotations (into different dims) of one space align back onto it exactly."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(100, 8))
    words = [f"w{i}" for i in range(100)]
    q1, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    srcs = [Vectors(words, X), Vectors(words, np.pad(X, ((0, 0), (0, 4))) @ q1)]
    meta = MetaEmbeddings(srcs, method="align")
    assert meta.wv.vector_size == 12
    np.testing.assert_allclose(cosines(meta.wv.unit), cosines(X), atol=1e-5)
    for W in meta.projections:  # isometries
        np.testing.assert_allclose(
            W.T @ W if W.shape[0] >= W.shape[1] else W @ W.T, np.eye(min(W.shape)), atol=1e-5
        )


# ---------------------------------------------------------------- filling
def test_fill_map_recovers_held_out_vectors_better_than_zeros():
    src = make_sources(seed=7, drop=0.0, noise=0.1)
    full = src[1]
    held = [f"w{i}" for i in range(0, 160, 4)]  # 25% of the words
    kept = [w for w in full.index_to_key if w not in set(held)]
    partial = Vectors(kept, full.unit[full.ids(kept)])
    S = [src[0], partial, src[2]]
    filled = MetaEmbeddings(S, oov="fill")
    zeros = MetaEmbeddings(S, oov="zero")
    assert filled.report["sources"][1]["filled_map"] == len(held)
    assert zeros.report["sources"][1]["zero"] == len(held)
    slot = slice(12, 19)  # source 1's columns in the concatenation
    truth = full.unit[full.ids(held)]
    got = unit64(filled.wv[held][:, slot])
    cos = np.sum(got * truth, axis=1)
    assert cos.mean() > 0.9 and cos.min() > 0.5
    # and the similarity structure is closer to the one with nothing held out
    complete = MetaEmbeddings(src, oov="zero")
    ref = cosines(complete.wv[held])
    err_fill = np.abs(cosines(filled.wv[held]) - ref).mean()
    err_zero = np.abs(cosines(zeros.wv[held]) - ref).mean()
    assert err_fill < 0.5 * err_zero


def test_fill_map_is_ridge_least_squares():
    rng = np.random.default_rng(8)
    F, T = rng.normal(size=(50, 6)), rng.normal(size=(50, 4))
    A = fill_map(F, T, ridge=0.3)
    lam = 0.3 * np.trace(F.T @ F) / 6
    aug = np.vstack([F, np.sqrt(lam) * np.eye(6)])
    np.testing.assert_allclose(A, scipy.linalg.lstsq(aug, np.vstack([T, np.zeros((6, 4))]))[0], atol=1e-10)


def test_fasttext_ngrams_fill_missing_words():
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    ft = FastText(common_texts, vector_size=10, min_count=1, seed=1, workers=1, epochs=5)
    other = Vectors(["computer", "zebra", "human"], np.random.default_rng(0).normal(size=(3, 5)))
    meta = MetaEmbeddings([other, ft], weights=[1, 1])
    rep = meta.report["sources"][1]
    assert rep["filled_ngrams"] == 1 and rep["filled_map"] == 0  # "zebra" from n-grams
    # two shared words are too few to learn a map (20 needed): the first source's gaps stay zero
    assert meta.report["sources"][0]["filled_map"] == 0
    assert meta.report["sources"][0]["zero"] == len(ft.wv) - 2
    z = meta.wv["zebra"][5:]
    expect = ft.wv["zebra"] / np.linalg.norm(ft.wv["zebra"])
    np.testing.assert_allclose(z / np.linalg.norm(z), expect, atol=1e-5)


# ---------------------------------------------------------------- vocabulary
def test_union_and_intersection_counts_and_order():
    a = Vectors(["the", "apple", "pear", "kiwi"], np.eye(4))
    b = Vectors(["the", "car", "apple"], np.eye(3))
    u = MetaEmbeddings([a, b], oov="zero")
    # ordered by the best relative rank in any source: the 0, apple 1/4, car 1/3, pear 2/4, kiwi 3/4
    assert u.wv.index_to_key == ["the", "apple", "car", "pear", "kiwi"]
    assert [s["present"] for s in u.report["sources"]] == [4, 3]
    assert [s["zero"] for s in u.report["sources"]] == [1, 2]
    i = MetaEmbeddings([a, b], vocab="intersection")
    assert i.wv.index_to_key == ["the", "apple"]
    assert [s["zero"] for s in i.report["sources"]] == [0, 0]


def test_add_words_filled_by_ngrams_or_dropped():
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    ft = FastText(common_texts, vector_size=8, min_count=1, seed=1, workers=1, epochs=2)
    other = Vectors(["computer", "human"], np.eye(2))
    m = MetaEmbeddings([other, ft], add_words=["computers", "system"])
    assert "computers" in m.wv.key_to_index and m.report["dropped"] == 0
    plain = MetaEmbeddings([other, Vectors(["human"], np.ones((1, 3)))], add_words=["nothing"])
    assert "nothing" not in plain.wv.key_to_index and plain.report["dropped"] == 1


# ---------------------------------------------------------------- weights
def test_auto_weights_rank_sources_by_noise():
    rng = np.random.default_rng(9)
    truth = rng.normal(size=(400, 16))
    words = [f"w{i}" for i in range(400)]
    srcs = [Vectors(words, truth + s * rng.normal(size=truth.shape)) for s in (0.4, 0.9, 2.0)]
    meta = MetaEmbeddings(srcs, weights="auto")
    w = meta.weights
    assert w[0] > w[1] > w[2] and w.sum() == pytest.approx(1.0)
    assert "one-factor" in meta.report["weighting"]["how"]
    # auto weights beat equal weights at recovering the true similarity structure
    ref = cosines(truth)
    iu = np.triu_indices(400, 1)

    def quality(m):
        return np.corrcoef(cosines(m.wv[words])[iu], ref[iu])[0, 1]

    assert quality(meta) > quality(MetaEmbeddings(srcs))


def test_auto_weights_equalise_spread_with_two_sources():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(200, 10))
    words = [f"w{i}" for i in range(200)]
    wide = X + 3.0  # a common offset: every cosine high, wide spread
    w, info = agreement_weights([unit64(X), unit64(wide)])
    sims = [np.std((unit64(m) @ unit64(m).T)[np.triu_indices(200, 1)]) for m in (X, wide)]
    assert w[0] / w[1] == pytest.approx(sims[1] / sims[0], rel=1e-6)
    assert "two sources" in info["how"]
    assert MetaEmbeddings([Vectors(words, X), Vectors(words, wide)], weights="auto").weights == pytest.approx(
        w
    )


def test_local_pairs_are_each_words_nearest_in_every_source_plus_as_many_random():
    from engine.meta.weights import _local_pairs

    rng = np.random.default_rng(3)
    a, b = unit64(rng.normal(size=(50, 6))), unit64(rng.normal(size=(50, 6)))
    i, j = _local_pairs([a @ a.T, b @ b.T], np.random.default_rng(0), k=3)
    pairs = set(zip(i.tolist(), j.tolist()))
    assert all(x < y for x, y in pairs) and len(pairs) == len(i)
    nearest = set()  # the oracle: a plain sort of each row, the word itself left out
    for g in (a @ a.T, b @ b.T):
        np.fill_diagonal(g, -np.inf)
        nearest |= {(min(x, y), max(x, y)) for x in range(50) for y in np.argsort(-g[x])[:3].tolist()}
    assert nearest <= pairs and len(pairs) == 2 * len(nearest)
    # the weights keep their order on noisy copies of one structure
    truth = rng.normal(size=(300, 12))
    X = [unit64(truth + s * rng.normal(size=truth.shape)) for s in (0.3, 0.8, 1.6)]
    w, info = agreement_weights(X, pairs="local")
    assert w[0] > w[1] > w[2] and "one-factor" in info["how"]


def test_minres_loadings_are_the_least_squares_one_factor_fit():
    from scipy.optimize import least_squares

    from engine.meta.weights import _minres, _triads

    rng = np.random.default_rng(5)
    for _ in range(5):
        rho = rng.uniform(0.3, 0.9, size=4)
        R = np.outer(rho, rho) + np.diag(1 - rho**2)
        noise = rng.normal(scale=0.02, size=R.shape)
        R = R + (noise + noise.T) / 2
        np.fill_diagonal(R, 1.0)
        iu = np.triu_indices(4, k=1)
        fit = least_squares(  # the oracle
            lambda r, R=R, iu=iu: (R - np.outer(r, r))[iu], x0=np.full(4, 0.5), bounds=(0, 1)
        )
        np.testing.assert_allclose(_minres(R), fit.x**2, atol=1e-5)
    # an exact one-factor matrix: minres and the triads agree on the truth
    rho = np.array([0.8, 0.6, 0.5])
    R = np.outer(rho, rho) + np.diag(1 - rho**2)
    np.testing.assert_allclose(_minres(R), rho**2, atol=1e-8)
    np.testing.assert_allclose(_triads(R), rho**2, atol=1e-12)


def test_a_source_that_agrees_with_nobody_gets_almost_no_weight():
    rng = np.random.default_rng(6)
    truth = rng.normal(size=(400, 12))
    good = [unit64(truth + s * rng.normal(size=truth.shape)) for s in (0.3, 0.4)]
    junk = unit64(rng.normal(size=truth.shape))  # unrelated to the truth
    w, info = agreement_weights(good + [junk])
    assert "one-factor" in info["how"] and w[2] < 0.05 < w[1] < w[0]
    old, old_info = agreement_weights(good + [junk], fit="triads")  # min agreement fails: 1/sd only
    assert "reliability not estimated" in old_info["how"] and old[2] > 0.2


@pytest.mark.parametrize(
    "weights, match",
    [
        ([1.0], "1 weights for 2 sources"),
        ([1.0, -1.0], ">= 0"),
        ([1.0, np.nan], "finite"),
        ([0.0, 0.0], "at least one weight"),
        ("best", "None, 'auto'"),
        ([[1, 2]], "weights"),
    ],
)
def test_weight_errors(weights, match):
    src = make_sources()[:2]
    with pytest.raises(EngineError, match=match):
        MetaEmbeddings(src, weights=weights)


def test_argument_errors():
    src = make_sources()[:2]
    with pytest.raises(EngineError, match="method must be one of"):
        MetaEmbeddings(src, method="mean")
    with pytest.raises(EngineError, match="vocab"):
        MetaEmbeddings(src, vocab="all")
    with pytest.raises(EngineError, match="oov"):
        MetaEmbeddings(src, oov="drop")
    with pytest.raises(EngineError, match="at least 2"):
        MetaEmbeddings(src[:1])
    with pytest.raises(EngineError, match="list of sources"):
        MetaEmbeddings(src[0])
    with pytest.raises(EngineError, match="dim=5 is only for"):
        MetaEmbeddings(src, method="conc", dim=5)
    with pytest.raises(EngineError, match="dim must be between"):
        MetaEmbeddings(src, method="svd", dim=10_000)
    with pytest.raises(EngineError, match="from_gensim"):
        MetaEmbeddings([src[0], object()])
    with pytest.raises(EngineError, match="2 names for 3"):
        MetaEmbeddings(make_sources(), names=["a", "b"])
    with pytest.raises(EngineError, match="only 0 words|share only"):
        MetaEmbeddings(
            [
                Vectors(["a"], np.ones((1, 2))),
                Vectors(["b"], np.ones((1, 2))),
                Vectors(["c"], np.ones((1, 2))),
            ],
            weights="auto",
        )


def test_kernel_validation():
    x = np.ones((3, 2), np.float32)
    with pytest.raises(ShapeError, match="out of range"):
        _kernels.build_meta([dict(rows=x, idx=[0, 3])], [None], 2)
    with pytest.raises(ShapeError, match="projection has 5 rows"):
        _kernels.build_meta([dict(rows=x, idx=[0], proj=np.ones((5, 2)))], [None], 2)
    with pytest.raises(ShapeError, match="outside the 2 output columns"):
        _kernels.build_meta([dict(rows=x, idx=[0], offset=1)], [None], 2)
    with pytest.raises(ShapeError, match="NaN"):
        _kernels.build_meta([dict(rows=x, idx=[0], proj=np.full((2, 2), np.nan))], [None], 2)


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 700),
    d1=st.integers(1, 40),
    d2=st.integers(1, 70),
    w=st.integers(1, 80),
    seed=st.integers(0, 2**16),
)
def test_kernel_random_shapes_match_numpy(n, d1, d2, w, seed):
    """Blocks, register tiles and their tails: any n and widths, missing rows, fills."""
    rng = np.random.default_rng(seed)
    X1, X2 = rng.normal(size=(n, d1)).astype(np.float32), rng.normal(size=(n + 3, d2)).astype(np.float32)
    i1 = rng.permutation(n)
    i2 = rng.integers(-1, n + 3, size=n)
    P1, P2 = rng.normal(size=(d1, w)).astype(np.float32), rng.normal(size=(d2, w)).astype(np.float32)
    A = rng.normal(size=(d1, d2)).astype(np.float32)
    out, norms = _kernels.build_meta(
        [dict(rows=X1, idx=i1, scale=0.7, proj=P1), dict(rows=X2, idx=i2, scale=1.3, proj=P2)],
        [None, A, None, None],
        w,
    )
    U1 = unit64(X1)[i1]
    U2 = np.where((i2 >= 0)[:, None], unit64(X2)[np.maximum(i2, 0)], unit64(U1 @ A))
    ref = 0.7 * U1 @ P1 + 1.3 * U2 @ P2
    nrm = np.linalg.norm(ref, axis=1)
    # The tolerance is float32's own error bound, row by row (Higham's gamma_m = m u / (1 - m u)
    # for a sum of m products, u = 2^-24, on the sum of the terms' magnitudes; the fill U1 @ A adds
    # the error of its own sum, normalised): a fixed atol would hide a wrong term in a row whose
    # terms cancel, and fail correct rows that cancel more than it allows.
    u = np.finfo(np.float32).eps / 2
    gamma = lambda m: m * u / (1 - m * u)  # noqa: E731
    fill = U1 @ A.astype(np.float64)
    fill_err = np.where(
        i2 < 0,
        2 * gamma(d1 + 3) * np.linalg.norm(np.abs(U1) @ np.abs(A), axis=1) / np.linalg.norm(fill, axis=1),
        0.0,
    )
    terms = 0.7 * np.abs(U1) @ np.abs(P1) + 1.3 * np.abs(U2) @ np.abs(P2)
    entry_err = gamma(d1 + d2 + 4) * terms + 1.3 * fill_err[:, None] * np.linalg.norm(P2, axis=0)
    row_err = np.linalg.norm(entry_err, axis=1)
    assert (np.abs(norms - nrm) <= 2 * row_err + 4 * u * nrm).all()
    unit_err = np.abs(out - ref / nrm[:, None]).max(axis=1)
    assert (unit_err <= 2 * (2 * row_err / nrm + 4 * u)).all(), unit_err.max()


def test_threads_do_not_change_the_result():
    src = make_sources(seed=11, n=700)
    prev = engine.get_num_threads()
    try:
        engine.set_num_threads(1)
        one = MetaEmbeddings(src, method="svd").wv.unit.copy()
        engine.set_num_threads(2)
        two = MetaEmbeddings(src, method="svd").wv.unit
    finally:
        engine.set_num_threads(prev)
    np.testing.assert_array_equal(one, two)


def test_save_and_load_roundtrip(tmp_path):
    meta = MetaEmbeddings(make_sources(), method="align")
    meta.wv.save(tmp_path / "meta")
    back = engine.load(tmp_path / "meta")
    assert back.index_to_key == meta.wv.index_to_key
    np.testing.assert_array_equal(back.unit, meta.wv.unit)
    assert back.meta["method"] == "align"


def test_paths_and_gensim_models_as_sources(tmp_path):
    from gensim.models import Word2Vec
    from gensim.test.utils import common_texts

    m1 = Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1)
    m2 = Word2Vec(common_texts, vector_size=6, min_count=1, seed=2, workers=1)
    Vectors.from_gensim(m2).save(tmp_path / "m2")
    meta = MetaEmbeddings([m1, str(tmp_path / "m2")])
    assert meta.wv.vector_size == 14 and len(meta.wv) == len(m1.wv)
    assert meta.names[1] == "m2"


# ---------------------------------------------------------------- the post's example, real data
@pytest.fixture(scope="module")
def real():
    return engine.datasets.default_vectors(), engine.datasets.word2vec_keyedvectors()


def test_post_example_on_real_sources(real):
    m1, m2 = real
    meta_model = MetaEmbeddings([m1, m2])
    similar_words = meta_model.wv.most_similar("apple")
    assert len(similar_words) == 10 and "apple" not in [w for w, _ in similar_words]
    embedding = meta_model.wv["apple"]
    assert embedding.shape == (384 + 100,) and np.linalg.norm(embedding) == pytest.approx(1.0, abs=1e-5)
    # "apple" is not in the Lee Word2Vec: its slot was filled by the learned map, not left zero
    assert "apple" not in m2.key_to_index and np.linalg.norm(embedding[384:]) > 0.1
    assert meta_model.report["sources"][1]["filled_map"] == len(meta_model.wv) - len(m2)
