"""Tests written to kill the mutants of the capabilities' public calls, which the mutation pass
(docs/evidence.md, "Mutation testing") reaches since ``@fill_doc`` moved from them to their class
(engine/_docstrings.py): each pins down a behaviour a user relies on that no test of the pass's
selection checked, against an independent answer.

- ``search``'s exclusion count; ``most_similar_batch`` and ``analogies`` against gensim (3CosMul
  against float64 numpy), row 0 and a zero mean, the messages naming ``a``, ``b``, ``c``;
- ``WMD.pairwise``/``pairs`` with n-gram-built words and Sinkhorn's ``reg`` against POT, the
  messages naming ``docs_a``/``docs_b``; ``knn``'s defaults (``k``, the ICT bound, no progress
  bar), its result types and empty cases; ``WmdIndex.bounds`` (the word centroid distance in
  float64), ``most_similar`` and ``num_best`` lists against POT.
"""

import io
import re
import sys

import numpy as np
import pytest
from _mutation_helpers import LengthNgrams, as_pairs, lee_vectors, pot_wmd, unit64
from _search_helpers import assert_same_results, gensim_twin

import engine
from engine import compressed
from engine.errors import ShapeError, VocabularyError


@pytest.fixture(scope="module")
def lee():
    return lee_vectors()


# ---------------------------------------------------------------- search: the public calls
# (mutated once @fill_doc moved from them to their class)
def test_search_exclude_needs_one_entry_per_query(lee):
    _, v = lee
    with pytest.raises(ShapeError, match=r"^exclude: one list per query expected \(2\), got 3$"):
        v.search([0, 1], exclude=[[2], [3], [4]])


def test_most_similar_batch_topn_and_vector_queries_equal_gensim(lee):
    kv, v = lee
    words = [kv.index_to_key[5], kv.index_to_key[17]]
    for topn, got in [(10, v.most_similar_batch(words)), (1, v.most_similar_batch(words, topn=1))]:
        for w, g in zip(words, got):
            assert_same_results(g, kv.most_similar(w, topn=topn))
    # vector queries leave nothing out, as gensim's vector positive
    got = v.most_similar_batch(kv.vectors[[5, 17]], topn=4)
    for row, g in zip([5, 17], got):
        assert_same_results(g, kv.most_similar(positive=[kv.vectors[row]], topn=4))
    # no result below topn 1 or on an empty row range: one empty list per query (2 queries of
    # 100 dimensions)
    assert v.most_similar_batch(words, topn=0) == [[], []]
    assert v.most_similar_batch(words, restrict_vocab=-len(v)) == [[], []]
    assert kv.most_similar(words[0], restrict_vocab=-len(v)) == []
    for bad in (2.5, True, "3"):
        with pytest.raises(ShapeError, match=f"^{re.escape(f'topn must be an int, got {bad!r}')}$"):
            v.most_similar_batch(words, topn=bad)


def _cosmul64(u, a, b, c, lo, hi, k):
    """3CosMul top-``k`` over rows lo..hi-1 in float64, a, b and c left out."""
    U = u.astype(np.float64)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    cos = U[lo:hi] @ U[[a, b, c]].T
    s = (1 + cos[:, 1]) / 2 * (1 + cos[:, 2]) / 2 / ((1 + cos[:, 0]) / 2 + 1e-6)
    s[[r - lo for r in (a, b, c) if lo <= r < hi]] = -np.inf
    order = np.lexsort((np.arange(lo, hi), -s))[:k]
    return s[order], order + lo


def test_analogies_default_topn_and_restrict_vocab_reaching_row_0(lee):
    kv, v = lee
    a, b, c = 50, 30, 40
    key = kv.index_to_key
    scores, ids = v.analogies([a], [b], [c])
    assert ids.shape == (1, 10)
    assert_same_results(
        as_pairs(v, scores[0], ids[0]), kv.most_similar(positive=[key[b], key[c]], negative=[key[a]])
    )
    # the first 5 rows, a, b and c outside them: every row 0..4 is an answer, row 0 included
    scores, ids = v.analogies([a], [b], [c], topn=5, restrict_vocab=5)
    want = kv.most_similar(positive=[key[b], key[c]], negative=[key[a]], topn=5, restrict_vocab=5)
    assert_same_results(as_pairs(v, scores[0], ids[0]), want)
    assert sorted(ids[0].tolist()) == [0, 1, 2, 3, 4]
    # 3CosMul (gensim's most_similar_cosmul ignores restrict_vocab): against float64 numpy
    scores, ids = v.analogies([a], [b], [c], topn=5, restrict_vocab=5, method="3cosmul")
    want_s, want_ids = _cosmul64(kv.vectors, a, b, c, 0, 5, 5)
    assert ids[0].tolist() == want_ids.tolist()
    np.testing.assert_allclose(scores[0], want_s, rtol=1e-5)


def test_analogies_answer_row_0_without_restrict_vocab():
    # row 0 is searched when no range is given (3CosAdd against gensim, 3CosMul against float64)
    X = np.array([[0.1, 1.0, 0.2], [1.0, 0.0, 0.0], [0.9, 0.5, 0.0], [0.0, 0.3, 1.0], [-1.0, 0.2, 0.1]])
    v = engine.Vectors(["r0", "r1", "r2", "r3", "r4"], X)
    kv = gensim_twin(v)
    scores, ids = v.analogies(["r1"], ["r2"], ["r3"], topn=2)
    assert ids[0, 0] == 0
    assert_same_results(
        as_pairs(v, scores[0], ids[0]), kv.most_similar(positive=["r2", "r3"], negative=["r1"], topn=2)
    )
    scores, ids = v.analogies(["r1"], ["r2"], ["r3"], topn=2, method="3cosmul")
    want_s, want_ids = _cosmul64(X.astype(np.float32), 1, 2, 3, 0, 5, 2)
    assert ids[0].tolist() == want_ids.tolist() and 0 in ids[0]
    np.testing.assert_allclose(scores[0], want_s, rtol=1e-5)


def test_analogies_with_a_zero_mean_score_zero_everywhere():
    # b + c - a = 0 (a = b, c a zero row): the query is the zero vector, which scores 0 against
    # every row (the documented convention), so the answers are the other rows in row order
    X = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    v = engine.Vectors(["x", "y", "zero", "p", "q"], X)
    scores, ids = v.analogies(["x"], ["x"], ["zero"], topn=3)
    assert ids.tolist() == [[1, 3, 4]]
    assert scores.tolist() == [[0.0, 0.0, 0.0]]


def test_analogies_3cosmul_on_a_cpu_path_whose_auto_precision_depends_on_the_batch(lee, monkeypatch):
    # "auto" picks a compressed copy by batch size on some CPU paths; 3CosMul only validates the
    # precision, and must do so on every path
    _, v = lee
    want = v.analogies([50], [30], [40], topn=5, method="3cosmul")
    monkeypatch.setattr(compressed._dispatch, "path", "baseline")
    got = v.analogies([50], [30], [40], topn=5, method="3cosmul")
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[0], want[0])


def test_analogies_messages_name_the_argument(lee):
    _, v = lee
    n = len(v)
    for i, name in enumerate("abc"):
        args = [[1], [2], [3]]
        args[i] = [n]
        with pytest.raises(VocabularyError, match=rf"^{name}: row {n} is out of range \(0\.\.{n - 1}\)$"):
            v.analogies(*args)
        args[i] = np.array([1.5])  # an array's items are read as Python values
        with pytest.raises(ShapeError, match=rf"^{name}: expected words or row numbers, got float$"):
            v.analogies(*args)
    cases = [
        (([1], [2, 3], [4]), {}, "analogies: a, b and c differ in length (1, 2, 1)"),
        (([], [], []), {}, "analogies: no analogy given"),
        (([1], [2], [3]), {"method": "x"}, "analogies: method must be '3cosadd' or '3cosmul', got 'x'"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
            v.analogies(*args, **kwargs)


# ---------------------------------------------------------------- WMD: the public calls
# (mutated once @fill_doc moved from them to their class)
def _ngram_wmd():
    stored = {"ab": [2.0, 1.0], "c": [0.0, 1.0]}
    v = engine.Vectors(list(stored), np.array(list(stored.values())), ngrams=LengthNgrams())
    return v, lambda w: stored.get(w, [len(w), 1.0])


def test_wmd_pairwise_and_pairs_keep_ngram_built_words_by_default_emd():
    v, vec = _ngram_wmd()
    A = [["xyz", "c"], ["ab"], ["wxyz", "c", "c"]]
    B = [["c", "uvwxyz"], ["ab", "tuvwxyz", "ab"], ["xyz"]]
    wmd = engine.WMD(v)
    # float32 vectors: 1e-6 relative is their precision, not the solver's
    want = np.array([[pot_wmd(vec, a, b) for b in B] for a in A])
    np.testing.assert_allclose(wmd.pairwise(A, B), want, rtol=1e-6)
    np.testing.assert_allclose(wmd.pairs(A, B), np.diag(want), rtol=1e-6)
    np.testing.assert_allclose(
        wmd.pairwise(B), [[pot_wmd(vec, a, b) for b in B] for a in B], rtol=1e-6, atol=1e-7
    )


def test_wmd_sinkhorn_reg_reaches_every_call():
    ot = pytest.importorskip("ot")
    X = np.random.default_rng(3).standard_normal((6, 4))
    v = engine.Vectors(list("abcdef"), X)
    A, B = [["a", "b", "b"], ["c", "d"]], [["e", "a"], ["f", "c", "d"]]
    U = unit64(X)

    def pot(d1, d2, reg):
        def bag(d):
            w, n = np.unique([ord(t) - 97 for t in d], return_counts=True)
            return w, n / n.sum()

        (w1, a), (w2, b) = bag(d1), bag(d2)
        M = np.linalg.norm(U[w1][:, None] - U[w2][None], axis=-1)
        return float(
            (ot.sinkhorn(a, b, M, reg, numItermax=20000, stopThr=1e-12, method="sinkhorn_log") * M).sum()
        )

    wmd = engine.WMD(v)
    want = np.array([[pot(a, b, 0.2) for b in B] for a in A])
    assert wmd.distance(A[0], B[1], "sinkhorn", 0.2) == pytest.approx(want[0, 1], rel=1e-6)
    np.testing.assert_allclose(wmd.pairwise(A, B, "sinkhorn", 0.2), want, rtol=1e-6)
    np.testing.assert_allclose(wmd.pairs(A, B, "sinkhorn", 0.2), np.diag(want), rtol=1e-6)
    # the documented default reg is 0.01 (a default a user relies on without passing it)
    assert wmd.distance(A[0], B[1], "sinkhorn") == wmd.distance(A[0], B[1], "sinkhorn", 0.01)
    np.testing.assert_array_equal(wmd.pairwise(A, B, "sinkhorn"), wmd.pairwise(A, B, "sinkhorn", 0.01))
    np.testing.assert_array_equal(wmd.pairs(A, B, "sinkhorn"), wmd.pairs(A, B, "sinkhorn", 0.01))
    assert wmd.distance(A[0], B[1], "sinkhorn") != pytest.approx(want[0, 1], rel=1e-3)  # 0.01 is not 0.2
    with pytest.raises(engine.EngineError, match=r"^WMD: reg must be a positive number, got -1$"):
        wmd.pairs(A, B, "sinkhorn", -1)


def test_wmd_pairwise_and_pairs_messages_name_the_argument():
    v, _ = _ngram_wmd()
    wmd = engine.WMD(v)
    for call in (wmd.pairwise, wmd.pairs):
        with pytest.raises(ShapeError, match="^docs_a: expected a list of documents, got a single string$"):
            call("ab c", [["c"]])
        with pytest.raises(ShapeError, match="^docs_b: expected a list of documents, got a single string$"):
            call([["c"]], "ab c")
        with pytest.raises(ShapeError, match=r"^docs_b\[0\]: token 1 is a int, expected str$"):
            call([["c"]], [["c", 1]])
    with pytest.raises(ShapeError, match="^pairs: 1 documents in docs_a but 2 in docs_b$"):
        wmd.pairs([["c"]], [["c"], ["ab"]])


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _random_wmd_case():
    """40 random 5-d words, 14 documents of 4 words and 3 queries of 3 (seeded)."""
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    v = engine.Vectors(words, rng.standard_normal((40, 5)))
    corpus = [list(rng.choice(words, 4)) for _ in range(14)]
    queries = [list(rng.choice(words, 3)) for _ in range(3)]
    return v, corpus, queries


def test_wmd_knn_defaults_k_ict_and_progress(monkeypatch):
    v, corpus, queries = _random_wmd_case()
    wmd = engine.WMD(v)
    want = wmd.pairwise(queries, corpus)  # checked against POT in test_wmd.py
    r = wmd.knn(queries, corpus)  # k defaults to 10
    np.testing.assert_array_equal(r.indices, np.argsort(want, axis=1, kind="stable")[:, :10])
    # the ICT bound is on by default and saves exact solves over the other bounds alone
    with_ict, without = wmd.knn(queries, corpus, k=3), wmd.knn(queries, corpus, k=3, ict=False)
    np.testing.assert_array_equal(with_ict.indices, without.indices)
    assert with_ict.n_exact.sum() < without.n_exact.sum()
    # no bar by default even on a terminal; "always" draws one wherever standard error goes
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    wmd.knn(queries, corpus, k=1)
    assert term.getvalue() == ""
    wmd.knn(queries, corpus, k=1, progress="always")
    assert "wmd knn" in term.getvalue()


_CORPUS = [["xyz", "c"], ["ab"], ["wxyz", "c", "c"], ["c"], ["vwxyz"]]
_QUERIES = [["xyz"], ["c", "uvwxyz"], ["ab", "tuvwxyz", "ab"]]


def test_wmd_index_bounds_keep_ngram_built_words_of_the_queries():
    v, vec = _ngram_wmd()
    idx = engine.WMD(v).index(_CORPUS)
    wcd, rwmd, ict = idx.bounds(_QUERIES)

    def centroid(doc):
        words, counts = np.unique(doc, return_counts=True)
        return counts / counts.sum() @ unit64([vec(w) for w in words])

    # the word centroid distance in float64 (float32 vectors: 1e-6 relative)
    want = np.array([[np.linalg.norm(centroid(q) - centroid(d)) for d in _CORPUS] for q in _QUERIES])
    np.testing.assert_allclose(wcd, want, rtol=1e-6, atol=1e-7)
    exact = np.array([[pot_wmd(vec, q, d) for d in _CORPUS] for q in _QUERIES])
    # each a lower bound of the exact distance (POT), ICT at least RWMD
    assert (rwmd <= ict + 1e-9).all() and (np.maximum(wcd, ict) <= exact + 1e-6).all()


def test_wmd_index_knn_defaults_types_and_empty_cases(monkeypatch):
    v, corpus, queries = _random_wmd_case()
    idx = engine.WMD(v).index(corpus)
    want = idx.distances(queries)
    r = idx.knn(queries)  # k defaults to 10
    np.testing.assert_array_equal(r.indices, np.argsort(want, axis=1, kind="stable")[:, :10])
    assert (r.distances.dtype, r.indices.dtype, r.n_exact.dtype) == (np.float64, np.int64, np.int64)
    with_ict, without = idx.knn(queries, k=3), idx.knn(queries, k=3, ict=False)
    np.testing.assert_array_equal(with_ict.indices, without.indices)
    assert with_ict.n_exact.sum() < without.n_exact.sum()
    # no query, or an empty corpus: empty results of the documented shapes and types
    for got, shape in [(idx.knn([], k=2), (0, 2)), (engine.WMD(v).index([]).knn(queries, k=2), (3, 0))]:
        assert got.distances.shape == got.indices.shape == shape
        assert (got.distances.dtype, got.indices.dtype, got.n_exact.dtype) == (np.float64, np.int64, np.int64)
        assert got.n_exact.tolist() == [0] * shape[0]
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    idx.knn(queries, k=1)
    assert term.getvalue() == ""
    idx.knn(queries, k=1, progress="always")
    assert "wmd knn:" in term.getvalue() and "/3 " in term.getvalue() and "query/s" in term.getvalue()


def test_wmd_index_most_similar_and_num_best_lists():
    v, vec = _ngram_wmd()
    idx = engine.WMD(v).index(_CORPUS, num_best=2)
    for q in _QUERIES:
        d = np.array([pot_wmd(vec, q, doc) for doc in _CORPUS])
        order = np.argsort(d, kind="stable")
        want = [(int(i), 1.0 / (1.0 + d[i])) for i in order]
        for topn, got in [(10, idx.most_similar(q)), (2, idx.most_similar(q, topn=2))]:
            assert [i for i, _ in got] == [i for i, _ in want[:topn]]
            np.testing.assert_allclose([s for _, s in got], [s for _, s in want[:topn]], rtol=1e-6)
    assert idx[_QUERIES] == [idx.most_similar(q, topn=2) for q in _QUERIES]
    one = engine.WMD(v).index([["ab"]])
    assert one.most_similar(["ab"]) == [(0, 1.0)]
    for bad in (-1, 2.5):
        with pytest.raises(
            engine.EngineError, match=f"^most_similar: topn must be a non-negative int, got {bad}$"
        ):
            idx.most_similar(["c"], topn=bad)
    with pytest.raises(ShapeError, match="^query: token 1 is a int, expected str$"):
        idx.most_similar(["c", 1])


def test_wmd_index_most_similar_topn_defaults_to_10():
    # similarities 1 / (1 + WMD) of the 10 nearest, on a corpus larger than 10
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    v = engine.Vectors(words, rng.standard_normal((40, 5)))
    idx = engine.WMD(v).index([list(rng.choice(words, 4)) for _ in range(14)])
    query = list(rng.choice(words, 3))
    d = idx.distances([query])[0]
    order = np.argsort(d, kind="stable")[:10]
    assert idx.most_similar(query) == [(int(i), 1.0 / (1.0 + d[i])) for i in order]
