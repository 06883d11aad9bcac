"""Exact search through bf16 / int8 copies (engine.compressed, csrc/scan_lowp.hpp).

The oracle is the float32 kernel answering one query at a time (its SIMD-dots path, whose dot
product the compressed search re-scores with): every precision, on every dispatch path this
machine runs, must return exactly its ids, order and float32 scores. A float64 numpy re-score
checks that oracle's order independently, and the proof's bound is checked term by term.
"""

import numpy as np
import pytest
from _paths import PATHS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import _kernels, compressed
from engine._kernels import compressed as lowp

KINDS = ("bfloat16", "int8")


def unit_rows(a):
    a = np.asarray(a, dtype=np.float64)
    n = np.linalg.norm(a, axis=1, keepdims=True)
    n[n == 0] = 1
    return np.ascontiguousarray(a / n, dtype=np.float32)


def oracle(X, Q, k, lo, hi, exclude):
    """The float32 kernel, one query at a time (exclusions as lists)."""
    out_s, out_i = [], []
    for j in range(len(Q)):
        ex = None if exclude is None else [exclude[j]]
        s, i = _kernels.topk(X, Q[j : j + 1], k, lo, hi, ex)
        out_s.append(s[0])
        out_i.append(i[0])
    return np.array(out_s), np.array(out_i)


def check_order_float64(X, Q, ids, scores, k):
    """The oracle's float32 scores are near float64's, and in (score desc, row asc) order."""
    for j in range(len(Q)):
        got = ids[j][ids[j] >= 0]
        exact = X[got].astype(np.float64) @ Q[j].astype(np.float64)
        assert np.allclose(exact, scores[j][: len(got)], atol=1e-5)
        keys = list(zip(-scores[j][: len(got)], got))
        assert keys == sorted(keys)


@st.composite
def problems(draw):
    n = draw(st.integers(1, 200))
    d = draw(st.integers(1, 70))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, d))
    shape = draw(st.sampled_from(["random", "duplicates", "near-ties", "grid"]))
    if shape == "duplicates":  # exact ties: repeated rows
        base = base[rng.integers(0, max(1, n // 3), n)]
    elif shape == "near-ties":  # adversarial: scores within float32 rounding of each other
        base = base[:1] + 1e-6 * rng.standard_normal((n, d))
    elif shape == "grid":  # few distinct values: exact score ties between different rows
        base = rng.integers(-1, 2, (n, d)).astype(np.float64)
    X = unit_rows(base)
    nq = draw(st.integers(1, 40))
    qsrc = draw(st.sampled_from(["rows", "random"]))
    Q = X[rng.integers(0, n, nq)] if qsrc == "rows" else unit_rows(rng.standard_normal((nq, d)))
    lo = draw(st.integers(0, n - 1))
    hi = draw(st.integers(lo + 1, n))
    k = draw(st.integers(1, hi - lo))
    exclude = None
    if draw(st.booleans()):
        exclude = [list(rng.integers(0, n, rng.integers(0, 4))) for _ in range(nq)]
    return X, Q, k, lo, hi, exclude


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_precision_and_path_is_the_float32_answer(p):
    X, Q, k, lo, hi, exclude = p
    copies = {kind: compressed.compress(X, kind) for kind in KINDS}
    for path in _kernels.supported_paths():
        with _kernels.using_path(path):
            want_s, want_i = oracle(X, Q, k, lo, hi, exclude)
            for kind, copy in copies.items():
                for amx in (False, True):
                    s, i, rescored = lowp.topk_lowp(copy, X, Q, k, lo, hi, exclude, amx=amx)
                    assert np.array_equal(i, want_i), (path, kind, amx)
                    assert np.array_equal(s, want_s), (path, kind, amx)
                    assert (rescored >= (want_i >= 0).sum(axis=1)).all()
    check_order_float64(X, Q, want_i, want_s, k)


def margin64(copy, q, per_row=False):
    """E(q) of the module docstring, recomputed in float64 from the copy and the query.

    ``per_row``: E_r(q) for every row r instead (its own delta_r for the maximum Delta).
    """
    qt = quantise(copy.kind, q)
    d, dp = copy.d, lowp.padded_shape(1, copy.d)[1]
    u = 2.0**-24

    def g(m):
        return m * u / (1 - m * u)

    nq, nqt, dq = np.linalg.norm(q), np.linalg.norm(qt), np.linalg.norm(q - qt)
    e = g(d + 16) * nq * copy.max_norm + dq * copy.max_norm
    e += (g(2 * dp + 2) if copy.kind == "bfloat16" else g(4)) * nqt * copy.max_norm_copy
    e += nqt * (copy.err.astype(np.float64) if per_row else copy.max_err)
    return e, qt


def quantise(kind, v):
    """The copy of float32 vector(s) v, as the kernel makes it, in float64."""
    v = np.asarray(v, dtype=np.float32)
    if kind == "bfloat16":
        b = v.view(np.uint32).astype(np.uint64)
        tiny = (b & 0x7F800000) == 0
        r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) << 16
        r[tiny] = 0
        return r.astype(np.uint32).view(np.float32).astype(np.float64)
    s = np.float32(np.abs(v).max(axis=-1, keepdims=True)) / np.float32(127)
    c = np.where(s > 0, np.clip(np.rint(v / np.where(s > 0, s, 1)), -127, 127), 0)
    return s.astype(np.float64) * c


@pytest.mark.parametrize("kind", KINDS)
def test_the_bound_holds_for_every_row(kind):
    # |s - <q~, x~>| <= E(q) minus the compressed rounding term, for every row, exhaustively:
    # the float32 kernel's scores s against the exact inner products of the two copies
    rng = np.random.default_rng(3)
    X = unit_rows(rng.standard_normal((300, 37)))
    copy = compressed.compress(X, kind)
    Xt = quantise(kind, X)
    assert np.all(np.linalg.norm(X - Xt, axis=1) <= copy.err)
    for q in unit_rows(rng.standard_normal((20, 37))):
        s, ids = _kernels.topk(X, q[None], len(X))
        e, qt = margin64(copy, q, per_row=True)
        t = Xt[ids[0]] @ qt
        assert np.all(np.abs(s[0].astype(np.float64) - t) <= e[ids[0]])


@pytest.mark.parametrize("kind", KINDS)
def test_no_row_outside_the_rerank_set_can_win(kind):
    # exhaustively: the rows the kernel re-scores include every row whose score can reach the
    # k-th; equivalently no other row's score beats the k-th result, and the count is at least
    # the rows whose own upper bound (E_r: its delta_r) reaches the k-th best lower bound (from
    # float64 t = <q~, x~>), at most those within the global 2E of the k-th compressed score.
    # Rows of mixed spread (a few large components) make delta_r differ from row to row.
    rng = np.random.default_rng(5)
    base = rng.standard_normal((400, 24)) * np.where(
        rng.random((400, 1)) < 0.3, 1, rng.random((400, 24)) ** 4
    )
    X = unit_rows(base)
    copy = compressed.compress(X, kind)
    Xt = quantise(kind, X)
    fewer = 0
    for q in unit_rows(rng.standard_normal((30, 24))):
        s, ids, rescored = lowp.topk_lowp(copy, X, q[None], 5)
        e, qt = margin64(copy, q, per_row=True)
        t = Xt @ qt
        assert rescored[0] >= np.count_nonzero(t + e >= np.sort(t - e)[-5]) - 2  # float32 t~ vs t
        eg, _ = margin64(copy, q)
        wide = np.count_nonzero(t >= np.sort(t)[-5] - 2 * eg)
        assert rescored[0] <= wide + 2
        fewer += rescored[0] < wide
        all_s, all_i = _kernels.topk(X, q[None], len(X))
        assert not np.any(all_s[0][5:] > s[0][-1])
        np.testing.assert_array_equal(ids[0], all_i[0][:5])
    assert kind == "bfloat16" or fewer > 0  # the refinement is there: int8's delta_r vary


def certified_oracle(X, Q, k, exclude):
    """The exhaustive float32 answer for many queries at once, certified; and the batched kernel's.

    The batched float32 kernel (sgemm) scores every row; every float32 dot product of unit rows
    is within tau = gamma_{D+16} of the exact one (engine.compressed, step 1), so two summation
    orders differ by at most 2 tau. Its 64 best rows hold every row that can reach the k-th best
    under any order when the 65th is below the k-th by more than 2 tau (asserted): the float32
    re-rank of those (``compressed.rerank`` with no copy, tested above against the single-query
    kernel) is the single-query kernel's answer. Returns that and the batched kernel's top k.
    """
    d = X.shape[1]
    tau = (d + 16) * 2.0**-24 / (1 - (d + 16) * 2.0**-24) * 1.01
    s, i = _kernels.topk(X, Q, 65, exclude=exclude)
    assert np.all(s[:, 64] < s[:, k - 1] - 2 * tau)
    return (*compressed.rerank(X, None, Q, i[:, :64], k)[:2], s[:, :k], i[:, :k])


def test_default_vectors_10000_queries_every_precision():
    # 5,000 vocabulary words (each excluding itself) and 5,000 random directions (each excluding
    # three random rows): every precision returns the certified exhaustive float32 answer
    v = engine.datasets.default_vectors(mmap=True).compress()
    X = v.unit
    rng = np.random.default_rng(11)
    rows = rng.choice(len(v), 5000, replace=False)
    Q = np.vstack([X[rows], unit_rows(rng.standard_normal((5000, X.shape[1])))])
    exclude = [[int(r)] for r in rows] + [
        sorted(rng.choice(len(v), 3, replace=False).tolist()) for _ in range(5000)
    ]
    want_s, want_i, s32, i32 = certified_oracle(X, Q, 10, exclude)
    for kind in KINDS:
        s, i, _ = compressed.search(X, v._copies()[kind], Q, 10, exclude=exclude)
        assert np.array_equal(i, want_i) and np.array_equal(s, want_s), kind
    # the batched float32 kernel (sgemm) differs from the single-query answer only where two
    # rows' scores tie to within float32 rounding: counted, and each one explained
    assert np.allclose(s32, want_s, atol=2e-6)
    differ = np.flatnonzero(np.any(i32 != want_i, axis=1))
    for j in differ:
        a = X[i32[j]].astype(np.float64) @ Q[j].astype(np.float64)
        b = X[want_i[j]].astype(np.float64) @ Q[j].astype(np.float64)
        assert np.allclose(np.sort(a), np.sort(b), atol=2e-6)  # the same scores, to rounding
        m = np.flatnonzero(i32[j] != want_i[j])[0]  # the first place they part: a float32 tie
        assert abs(float(want_s[j, m]) - float(s32[j, m])) <= 2e-6
    assert len(differ) < 50, len(differ)  # ties are rare: the count is the report


def test_api_precisions_and_errors():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 8))
    v = engine.Vectors([f"w{i}" for i in range(50)], X)
    with pytest.raises(engine.EngineError, match="Vectors.compress"):
        v.search(["w1"], precision="int8")
    with pytest.raises(engine.errors.ShapeError, match="precision"):
        v.search(["w1"], precision="fp8")
    assert v.search(["w1"], precision="auto")[1].shape == (1, 10)  # no copy: float32
    v.compress()
    for p in ("auto", "float32", "bfloat16", "int8"):
        a = v.most_similar_batch(["w1", "w2"], topn=5, precision=p)
        assert a[0] == v.most_similar("w1", topn=5, precision="float32")
        assert v.most_similar("w1", topn=5, precision=p) == a[0]
        b = v.most_similar(positive=["w1", "w4"], negative=["w2"], topn=5, precision=p)
        assert b == v.most_similar(positive=["w1", "w4"], negative=["w2"], topn=5, precision="float32")
        s, i = v.analogies(["w1"], ["w2"], ["w3"], topn=4, precision=p)
        s0, i0 = v.analogies(["w1"], ["w2"], ["w3"], topn=4, precision="float32")
        assert np.array_equal(i, i0)
    with pytest.raises(engine.errors.ShapeError, match="NaN"):
        v.search(np.full((1, 8), np.nan), precision="int8")
    with pytest.raises(engine.errors.ShapeError, match="dimensions"):
        v.search(np.ones((1, 7)), precision="int8")
    with pytest.raises(engine.errors.ShapeError, match="k must be at least 1"):
        v.search(["w1"], k=0, precision="bfloat16")
    # k above the rows is clipped, as gensim clips topn, on every precision alike
    for p in ("bfloat16", "int8"):
        s51, i51 = v.search(["w1"], k=51, precision=p)
        s50, i50 = v.search(["w1"], k=50, precision="float32")
        assert np.array_equal(i51, i50) and np.array_equal(s51, s50)


def test_copy_of_another_matrix_is_refused():
    X = unit_rows(np.random.default_rng(0).standard_normal((40, 6)))
    copy = compressed.compress(X, "int8")
    with pytest.raises(engine.EngineError, match="does not match"):
        compressed.check_copy(copy, unit_rows(X + 0.01))
    with pytest.raises(engine.EngineError, match="rows"):
        compressed.check_copy(copy, X[:39])
    with pytest.raises(engine.errors.ShapeError, match="data"):
        lowp.topk_lowp(copy._replace(data=copy.data[:32]), X, X[:1], 3)


def test_save_load_mmap_checksum_and_stale(tmp_path):
    rng = np.random.default_rng(4)
    v = engine.Vectors([f"w{i}" for i in range(70)], rng.standard_normal((70, 12)))
    path = tmp_path / "v.engine"
    v.save(path, compressed=True)
    w = engine.load(path, mmap=True)
    assert sorted(w._copies()) == list(KINDS)
    assert isinstance(w._copies()["int8"].data, np.memmap)
    assert compressed.mapped_file(w.unit) is not None  # re-scores read rows with pread
    before = {p: w.search(["w3"], k=7, precision=p) for p in KINDS}
    for p in KINDS:
        assert np.array_equal(before[p][1], v.search(["w3"], k=7, precision=p)[1])
    # the directory replaced under a loaded Vectors: its descriptor still reads its own file
    engine.Vectors([f"w{i}" for i in range(70)], rng.standard_normal((70, 12))).save(tmp_path / "x")
    v.save(path, compressed=True)
    engine.Vectors([f"w{i}" for i in range(70)], rng.standard_normal((70, 12))).save(path, compressed=True)
    for p in KINDS:
        after = w.search(["w3"], k=7, precision=p)
        assert np.array_equal(after[0], before[p][0]) and np.array_equal(after[1], before[p][1])
    v.save(path, compressed=True)
    # a flipped byte in the codes: refused on load, never a wrong answer
    codes = path / "compressed-int8" / "codes.npy"
    raw = bytearray(codes.read_bytes())
    raw[-1] ^= 0x55
    codes.write_bytes(bytes(raw))
    with pytest.raises(engine.errors.FormatError, match="checksum"):
        engine.load(path)
    # a copy of other vectors put in the directory: stale, refused
    other = engine.Vectors([f"w{i}" for i in range(70)], rng.standard_normal((70, 12))).compress("int8")
    from engine import compressed_store

    compressed_store.write_copy(path, other._copies()["int8"])
    with pytest.raises(engine.EngineError, match="does not match"):
        engine.load(path)


def test_convert_adds_copies_in_place(tmp_path, capsys):
    from engine.cli import main

    path = tmp_path / "v.engine"
    engine.Vectors(["a", "b", "c"], np.eye(3)).save(path)
    main(["convert", str(path), str(path), "--to", "engine", "--compressed", "int8"])
    assert sorted(engine.load(path)._copies()) == ["int8"]
    main(["search", "a", "--precision", "int8", "-k", "2", "--vectors", str(path)])
    assert capsys.readouterr().out.splitlines()[-1].startswith("a\t2\t")


def test_paths_listed():
    assert set(_kernels.supported_paths()) <= set(PATHS)


def test_auto_follows_the_measured_table():
    X = unit_rows(np.random.default_rng(1).standard_normal((40, 6)))
    both = {k: compressed.compress(X, k) for k in KINDS}
    assert compressed.choose("auto", {}, 1) == "float32"
    assert compressed.choose("float32", both, 1) == "float32"
    for path in _kernels.supported_paths():
        with _kernels.using_path(path):
            for n_queries in (1, 8, 33, 256):
                limit_kinds = compressed._AUTO.get(path, compressed._AUTO_DEFAULT)
                want = next(kinds for limit, kinds in limit_kinds if limit is None or n_queries <= limit)
                assert compressed.choose("auto", both, n_queries) == (want[0] if want else "float32")
                only = {"bfloat16": both["bfloat16"]}
                assert compressed.choose("auto", only, n_queries) == ("bfloat16" if want else "float32")


def rerank_oracle(X, Q, cand, k):
    """The float32 re-rank by hand: distinct candidates, single-query kernel scores, sorted."""
    out_s, out_i = np.full((len(Q), k), -np.inf, np.float32), np.full((len(Q), k), -1)
    for j, (q, ids) in enumerate(zip(Q, cand)):
        ids = np.unique(ids[ids >= 0])
        s, all_i = _kernels.topk(X, q[None], len(X))
        score = dict(zip(all_i[0].tolist(), s[0].tolist()))
        best = sorted((-score[i], i) for i in ids.tolist())[:k]
        out_s[j, : len(best)] = [-a for a, _ in best]
        out_i[j, : len(best)] = [i for _, i in best]
    return out_s, out_i


@pytest.mark.parametrize("shape", ["random", "grid"])
def test_rerank_of_candidates_is_the_float32_rerank_on_every_path(shape):
    # duplicates, -1 and (grid) exact ties among the candidates; every path, both copies
    rng = np.random.default_rng(8)
    base = rng.standard_normal((300, 40)) if shape == "random" else rng.integers(-1, 2, (300, 40))
    X = unit_rows(base.astype(np.float64) + (shape == "grid") * np.eye(300, 40))
    Q = unit_rows(rng.standard_normal((25, 40)))
    cand = rng.integers(-1, 300, (25, 60))
    cand[:, 30:40] = cand[:, :10]
    copies = {kind: compressed.compress(X, kind) for kind in KINDS}
    for path in _kernels.supported_paths():
        with _kernels.using_path(path):  # each path's float32 kernel is its own oracle
            want_s, want_i = rerank_oracle(X, Q, cand, 12)
            for copy in (None, *copies.values()):
                s, i, rescored = compressed.rerank(X, copy, Q, cand, 12)
                np.testing.assert_array_equal(i, want_i)
                np.testing.assert_array_equal(s, want_s)
                assert (rescored >= (want_i >= 0).sum(axis=1)).all()
    s, i, _ = compressed.rerank(X, copies["int8"], Q[:1], np.full((1, 5), -1), 3)
    assert i.tolist() == [[-1] * 3] and np.isneginf(s).all()


@pytest.fixture(scope="module")
def clustered_copies():
    return engine.datasets.clustered_vectors(2000, 32, seed=4).compress()


@pytest.mark.parametrize("kind, params", [("pq", {"rerank": 10}), ("hnsw", {"rerank": 4})])
def test_faiss_rerank_precision_is_the_float32_rerank(clustered_copies, kind, params):
    v = clustered_copies
    index = engine.FaissIndex.build(v, kind, **params)
    queries = np.vstack([v.unit[:60], unit_rows(np.random.default_rng(2).standard_normal((40, 32)))])
    want_s, want_i = index.search(queries, 10, precision="float32")
    # the float32 re-rank is the float32 kernel's own scores of the candidates, ties by row
    for q, s, i in zip(queries, want_s, want_i):
        all_s, all_i = _kernels.topk(v.unit, q[None], len(v))
        np.testing.assert_array_equal(s, all_s[0][np.argsort(all_i[0])][i])
        assert all((a, -x) >= (b, -y) for a, b, x, y in zip(s, s[1:], i, i[1:]))
    for precision in ("bfloat16", "int8", "auto"):
        s, i = index.search(queries, 10, precision=precision)
        np.testing.assert_array_equal(i, want_i)
        np.testing.assert_array_equal(s, want_s)
    index.precision = "int8"
    assert index.most_similar("w3", topn=5) == index.most_similar("w3", topn=5, precision="float32")
    with pytest.raises(engine.EngineError, match="no bfloat16 copy"):
        engine.FaissIndex.build(engine.datasets.clustered_vectors(300, 8), kind, **params).search(
            "w1", precision="bfloat16"
        )
    with pytest.raises(engine.errors.ShapeError, match="precision must be one of"):
        index.precision = "float16"


def test_faiss_rerank_auto_reads_fewer_float32_rows_from_a_mapped_store(tmp_path, clustered_copies):
    clustered_copies.save(tmp_path / "v", compressed=("int8",))
    v = engine.load(tmp_path / "v", mmap=True)
    assert compressed.choose_rerank("auto", v._copies(), v.unit) == "int8"
    assert compressed.choose_rerank("auto", clustered_copies._copies(), clustered_copies.unit) == "float32"
    _, cand = _kernels.topk(v.unit, v.unit[:50], 100)
    _, _, n32 = compressed.rerank(v.unit, None, v.unit[:50], cand, 10)
    _, _, n8 = compressed.rerank(v.unit, v._copies()["int8"], v.unit[:50], cand, 10)
    assert (n32 == 100).all() and np.median(n8) < 40
