"""Tests written to kill the mutants the mutation pass left alive in the capabilities
(docs/evidence.md, "Mutation testing"): each pins down a behaviour a user relies on that no test
of the pass's selection checked, against an independent answer.

- ``search``: row numbers at both ends of the vocabulary, ``restrict_vocab`` as 1, ``(0, n)`` and
  ``(lo, n)`` against gensim's ``most_similar`` (``restrict_vocab`` / ``clip_start``,
  ``clip_end``), a word query equal to a query with its own unit vector, a zero row, and the
  messages of bad row numbers, keys, ranges and exclusions;
"""

import re

import numpy as np
import pytest
from _classify_helpers import corpus, reference_embed, small_vectors
from _mutation_helpers import LengthNgrams, as_pairs, lee_vectors, pot_wmd, unit64
from _search_helpers import assert_same_results
from sklearn.exceptions import NotFittedError

import engine
from engine.errors import ShapeError, VocabularyError


@pytest.fixture(scope="module")
def lee():
    return lee_vectors()


# ---------------------------------------------------------------- search: rows and ranges
def test_search_by_the_first_and_last_row_numbers_equals_gensim(lee):
    kv, v = lee
    n = len(v)
    scores, ids = v.search([0, n - 1, np.int64(1)], k=8)
    for j, row in enumerate([0, n - 1, 1]):
        # a vector query in gensim leaves nothing out, as a row query in search
        assert_same_results(
            as_pairs(v, scores[j], ids[j]), kv.most_similar(positive=[kv.vectors[row]], topn=8)
        )
    assert ids[0, 0] == 0 and ids[1, 0] == n - 1


def test_search_row_numbers_out_of_range_name_the_argument(lee):
    _, v = lee
    n = len(v)
    for bad in (n, -1):
        with pytest.raises(VocabularyError, match=rf"^queries: row {bad} is out of range \(0\.\.{n - 1}\)$"):
            v.search([0, bad])
    with pytest.raises(VocabularyError, match=rf"^exclude: row {n} is out of range \(0\.\.{n - 1}\)$"):
        v.search([0], exclude=[[n]])


@pytest.mark.parametrize(("key", "kind"), [(True, "bool"), (1.5, "float"), (None, "NoneType")])
def test_search_refuses_keys_that_are_neither_words_nor_row_numbers(lee, key, kind):
    _, v = lee
    with pytest.raises(ShapeError, match=rf"^queries: expected words or row numbers, got {kind}$"):
        v.search([v.index_to_key[0], key])


def test_search_restrict_vocab_one_and_row_ranges_reaching_the_ends_equal_gensim(lee):
    kv, v = lee
    n = len(v)
    q = kv.vectors[17]
    scores, ids = v.search(q, k=3, restrict_vocab=1)  # k clipped to the one row searched
    assert ids.tolist() == [[0]]
    assert_same_results(
        as_pairs(v, scores[0], ids[0]), kv.most_similar(positive=[q], topn=1, restrict_vocab=1)
    )
    for lo, hi in [(0, n), (0, 40), (n - 30, n)]:
        scores, ids = v.search(q, k=12, restrict_vocab=(lo, hi))
        want = kv.most_similar(positive=[q], topn=12, clip_start=lo, clip_end=hi)
        assert_same_results(as_pairs(v, scores[0], ids[0]), want)
        assert lo <= ids.min() and ids.max() < hi


def test_search_bad_restrict_vocab_messages(lee):
    _, v = lee
    n = len(v)
    cases = [
        (0, r"restrict_vocab must be at least 1, got 0"),
        ("x", r"restrict_vocab: an int or a \(start, end\) pair, got 'x'"),
        ((2, 2), rf"restrict_vocab: \(2, 2\) is not a non-empty row range within {n}"),
        ((0, n + 1), rf"restrict_vocab: \(0, {n + 1}\) is not a non-empty row range within {n}"),
    ]
    for restrict, message in cases:
        with pytest.raises(ShapeError, match=f"^{message}$"):
            v.search([0], k=1, restrict_vocab=restrict)


@pytest.mark.parametrize(("entry", "kind"), [(b"ab", "bytes"), ({"the": 1}, "dict"), (None, "NoneType")])
def test_search_refuses_an_exclusion_that_is_not_words_or_rows(lee, entry, kind):
    # bytes would otherwise become row ids (97, 98) and a dict its keys, both silently excluded
    _, v = lee
    message = f"exclude: expected a word, a row id or a list of them per query, got {kind}"
    with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
        v.search([0, 1], exclude=[[2], entry])


# ---------------------------------------------------------------- search: the word queries
@pytest.mark.parametrize("d", [2, 3, 7])
def test_a_word_query_is_the_query_of_its_own_unit_vector(d):
    # in few dimensions a float32 unit row is often a rounding away from the unit vector of its
    # own direction; searching by the word must search by that unit vector, as passing
    # get_vector(word, norm=True) does (normalised again there by the native kernel)
    rng = np.random.default_rng(d)
    v = engine.Vectors([f"w{i}" for i in range(600)], rng.standard_normal((600, d)).astype(np.float32))
    words = v.index_to_key
    by_word = v.search(words, k=6)
    by_vector = v.search(np.stack([v.get_vector(w, norm=True) for w in words]), k=6)
    np.testing.assert_array_equal(by_word[1], by_vector[1])
    np.testing.assert_array_equal(by_word[0], by_vector[0])


def test_a_zero_row_queried_by_word_scores_zero_everywhere():
    X = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    v = engine.Vectors(["a", "zero", "b", "c"], X)
    scores, ids = v.search(["zero", 1], k=4)
    # cos with a zero vector is 0 by the documented convention; exact ties in ascending row order
    assert ids.tolist() == [[0, 1, 2, 3]] * 2
    assert scores.tolist() == [[0.0] * 4] * 2
    np.testing.assert_array_equal(v.search(np.zeros(2), k=4)[0], scores[:1])


def test_k_is_an_int_of_at_least_one_clipped_to_the_rows_searched(lee):
    kv, v = lee
    n = len(v)
    q = kv.vectors[5]
    scores, ids = v.search(q, k=1)
    assert_same_results(as_pairs(v, scores[0], ids[0]), kv.most_similar(positive=[q], topn=1))
    scores, ids = v.search(q, k=100, restrict_vocab=(n - 30, n))  # clipped to the 30 rows searched
    assert ids.shape == (1, 30) and (ids >= n - 30).all()
    assert_same_results(
        as_pairs(v, scores[0], ids[0]),
        kv.most_similar(positive=[q], topn=100, clip_start=n - 30, clip_end=n),
    )
    for bad, message in [
        (0, "k must be at least 1, got 0"),
        (2.5, "k must be an int, got 2.5"),
        (True, "k must be an int, got True"),
        ("3", "k must be an int, got '3'"),
    ]:
        with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
            v.search([0], k=bad)
    with pytest.raises(ShapeError, match="^topn must be at least 1, got 0$"):
        v.analogies([0], [1], [2], topn=0)


def test_vector_arguments_are_normalised_in_float64_with_gensims_result_types(lee):
    # the norm of a float32 vector is taken in float64: at 1e20 its float32 square would
    # overflow (every distance 1) and at 1e-25 underflow (the vector left unnormalised)
    kv, v = lee
    x = kv.vectors[3]
    x64 = x.astype(np.float64)
    want = 1 - (kv.vectors.astype(np.float64) @ x64) / (
        np.linalg.norm(kv.vectors, axis=1) * np.linalg.norm(x64)
    )
    for scale in (1.0, 1e20, 1e-25):
        got = v.distances(x * np.float32(scale))
        assert got.dtype == kv.distances(x).dtype == np.float32
        np.testing.assert_allclose(got, want, atol=2e-6)
    got, expected = v.n_similarity(["the", "of"], ["and"]), kv.n_similarity(["the", "of"], ["and"])
    assert type(got) is type(expected) is np.float32
    assert got == pytest.approx(expected, abs=1e-6)


# ---------------------------------------------------------------- few-shot
def _softmax(z):
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _prototypes(X, y, classes):
    """Unit sums of the unit examples per class (λ = 0, no labels): zero rows for no example."""
    U, y = unit64(X), np.asarray(y)
    return unit64(np.array([U[y == c].sum(axis=0) for c in classes]))


def test_fewshot_classes_announced_before_their_examples():
    # integer classes, numeric document vectors (no word vectors): a nearest-centroid classifier
    rng = np.random.default_rng(3)
    X1, X2 = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    fs = engine.FewShotClassifier(prior_weight=0.0).partial_fit(X1, [1, 1, 2], classes=[0, 1, 2, 3])
    assert fs.classes_.tolist() == [0, 1, 2, 3]
    assert fs.class_counts_.tolist() == [0, 2, 1, 0] and fs.class_counts_.dtype.kind == "i"
    assert fs.prototypes_.dtype == np.float32  # the documented type of the attribute
    np.testing.assert_allclose(fs.prototypes_, _prototypes(X1, [1, 1, 2], [0, 1, 2, 3]), atol=1e-6)
    fs.partial_fit(X2, [0, 3, 1])  # the announced classes get their first examples, 1 a third
    X, y = np.vstack([X1, X2]), [1, 1, 2, 0, 3, 1]
    assert fs.class_counts_.tolist() == [1, 3, 1, 1]
    np.testing.assert_allclose(fs.prototypes_, _prototypes(X, y, [0, 1, 2, 3]), atol=1e-6)
    Q = rng.standard_normal((4, 6))
    np.testing.assert_allclose(
        fs.decision_function(Q), unit64(Q) @ _prototypes(X, y, [0, 1, 2, 3]).T, atol=1e-6
    )


def test_fewshot_temperature_reaches_the_softmax():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((6, 5)), ["a", "b", "c", "a", "b", "c"]
    Q = rng.standard_normal((3, 5))
    for T in (0.5, 2.0):
        fs = engine.FewShotClassifier(prior_weight=0.0, temperature=T).fit(X, y)
        assert fs.get_params()["temperature"] == T
        want = _softmax(unit64(Q) @ _prototypes(X, y, ["a", "b", "c"]).T / T)
        np.testing.assert_allclose(fs.predict_proba(Q), want, atol=1e-6)


def test_fewshot_with_an_encoder_and_no_word_vectors():
    class SeededEncoder:  # a stand-in contextual encoder: a fixed random vector per word, summed
        def encode(self, texts):
            out = np.zeros((len(texts), 8))
            for i, t in enumerate(texts):
                for w in t.split():
                    out[i] += np.random.default_rng(sum(map(ord, w))).standard_normal(8)
            return out

    enc = SeededEncoder()
    X, y = ["red apple", "green apple pie", "blue sky", "grey sky today"], ["fruit", "fruit", "sky", "sky"]
    fs = engine.FewShotClassifier(encoder=enc, prior_weight=0.0).fit(X, y)
    assert fs.get_params()["encoder"] is enc
    P = _prototypes(enc.encode(X), y, ["fruit", "sky"])
    np.testing.assert_allclose(fs.prototypes_, P, atol=1e-6)
    queries = ["apple", "sky blue"]
    scores = unit64(enc.encode(queries)) @ P.T
    np.testing.assert_allclose(fs.decision_function(queries), scores[:, 1] - scores[:, 0], atol=1e-6)


def test_fewshot_reference_and_n_components_shape_the_document_vectors():
    small = small_vectors()
    ref = corpus(1)
    X, y = corpus(5, 12), ["p", "q", "r"] * 4
    for n_comp in (1, 2):
        fs = engine.FewShotClassifier(
            small, weighting="sif", reference=ref, n_components=n_comp, frequencies="corpus", prior_weight=0.0
        ).fit(X, y)
        D = reference_embed(small, X, ref, "sif", n_comp=n_comp)  # the documented formulas in float64
        np.testing.assert_allclose(fs.embed(X), D, atol=2e-5)
        np.testing.assert_allclose(fs.prototypes_, _prototypes(D, y, ["p", "q", "r"]), atol=2e-5)


def test_fewshot_array_and_text_inputs_and_their_errors():
    small = small_vectors()
    texts, y = ["sport game team", "food meal soup", "team game w1", "soup w2 meal"], ["s", "f", "s", "f"]
    fs = engine.FewShotClassifier(small, prior_weight=0.0).fit(texts, y)
    queries = ["game w3", "meal w4 soup"]
    D = fs.embed(queries)
    # document vectors given as an array are scored as the texts they came from
    np.testing.assert_allclose(fs.decision_function(D), fs.decision_function(queries), atol=1e-6)
    scores = D.astype(np.float64) @ fs.prototypes_.T.astype(np.float64)
    np.testing.assert_allclose(fs.decision_function(D), scores[:, 1] - scores[:, 0], atol=1e-6)
    numeric = engine.FewShotClassifier(prior_weight=0.0).fit(np.eye(3), ["a", "b", "c"])
    message = "texts need word vectors (vectors=...) or an encoder (encoder=...)"
    with pytest.raises(engine.EngineError, match=f"^{re.escape(message)}$"):
        numeric.predict(["a text"])
    with pytest.raises(
        engine.EngineError, match="^label descriptions need word vectors or an encoder to embed them$"
    ):
        engine.FewShotClassifier(labels=["a", "b"]).fit(np.eye(2), ["a", "b"])
    with pytest.raises(NotFittedError, match="^this FewShotClassifier is not fitted yet; call fit first$"):
        engine.FewShotClassifier(small).predict(["a"])


def test_fewshot_document_vector_errors_name_the_problem():
    fs = engine.FewShotClassifier(prior_weight=0.0)
    nan = np.array([[1.0, np.nan], [0.0, 1.0]])
    reshape = "Reshape your data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample"
    cases = [
        (nan, ShapeError, "X: contains NaN or Inf (first at row 0, column 1)"),
        (np.ones((2, 2), dtype=complex), ShapeError, "X: Complex data not supported"),
        (np.ones(2), ShapeError, f"X: expected a 2-D array of document vectors, got shape (2,). {reshape}"),
        (np.zeros((0, 2)), ShapeError, "fit: no examples and no label descriptions: nothing to learn from"),
    ]
    for X, error, message in cases:
        with pytest.raises(error, match=f"^{re.escape(message)}$"):
            fs.fit(X, ["a", "b"][: len(X)])
    fs.fit(np.eye(2), ["a", "b"])
    message = "X has 3 features, but FewShotClassifier is expecting 2 features as input"
    with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
        fs.partial_fit(np.eye(3), ["a", "b", "c"])


def test_fewshot_a_zero_document_vector_is_unknown():
    fs = engine.FewShotClassifier(prior_weight=0.0).fit(np.eye(3), ["a", "b", "c"])
    proba, unknown = fs.predict_proba(np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]]), return_unknown=True)
    assert unknown.tolist() == [True, False]
    np.testing.assert_allclose(proba[0], 1 / 3)
    np.testing.assert_allclose(proba[1], _softmax(np.array([[1.0, 0.0, 0.0]]) / 0.05)[0], atol=1e-12)


# ---------------------------------------------------------------- WMD
def test_wmd_index_keeps_ngram_built_words_of_corpus_and_queries():
    stored = {"ab": [2.0, 1.0], "c": [0.0, 1.0]}
    v = engine.Vectors(list(stored), np.array(list(stored.values())), ngrams=LengthNgrams())
    vec = lambda w: stored.get(w, [len(w), 1.0])  # noqa: E731
    corpus = [["xyz", "c"], ["ab"], ["wxyz", "c", "c"], ["c"], ["vwxyz"]]
    queries = [["xyz"], ["c", "uvwxyz"], ["ab", "tuvwxyz", "ab"]]
    want = np.array([[pot_wmd(vec, q, d) for d in corpus] for q in queries])
    for _ in range(2):  # a second call: the queries' words must not have changed the corpus' table
        idx = engine.WMD(v).index(corpus)
        # the vectors are stored in float32: 1e-6 relative is their precision, not the solver's
        np.testing.assert_allclose(idx.distances(queries), want, rtol=1e-6)
        r = idx.knn(queries, k=2)
        np.testing.assert_array_equal(r.indices, np.argsort(want, axis=1, kind="stable")[:, :2])
        np.testing.assert_allclose(r.distances, np.sort(want, axis=1)[:, :2], rtol=1e-6)


def test_wmd_index_num_best_and_the_errors_of_index_and_wmd():
    v = engine.Vectors(["ab", "c"], np.array([[2.0, 1.0], [0.0, 1.0]]))
    wmd = engine.WMD(v)
    assert wmd.index([["ab"], ["c"]], num_best=0)[["ab"]] == []  # non-negative: 0 asks for nothing
    assert wmd.index([["ab"], ["c"]], num_best=1)[["c"]] == [(1, 1.0)]
    for bad in (-1, 2.5, True, "2"):
        message = f"WmdIndex: num_best must be a non-negative int or None, got {bad!r}"
        with pytest.raises(engine.EngineError, match=f"^{re.escape(message)}$"):
            wmd.index([["ab"]], num_best=bad)
    with pytest.raises(engine.EngineError, match=r"^WMD: expected an engine\.Vectors, got dict$"):
        engine.WMD({})
    cases = [
        (
            lambda: wmd.index([["ab"], 5]),
            "corpus[1]: a document must be a string or a list of string tokens, got int",
        ),
        (lambda: wmd.knn([["ab"]], [["c"], [1]]), "corpus[1]: token 0 is a int, expected str"),
        (
            lambda: wmd.index([["ab"]]).distances([["ab"], 3]),
            "queries[1]: a document must be a string or a list of string tokens, got int",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
            call()


def test_wmd_knn_reuses_its_prepared_corpus_only_for_equal_documents():
    vocab = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [1.0, 1.0], "ab": [2.0, -1.0]}
    v = engine.Vectors(list(vocab), np.array(list(vocab.values())))
    vec = lambda w: vocab[w]  # noqa: E731
    wmd = engine.WMD(v)
    q = [["a", "b"]]

    def check(docs_in, docs):
        r = wmd.knn(q, docs_in, k=2)
        want = [pot_wmd(vec, q[0], d) for d in docs]
        np.testing.assert_allclose(r.distances[0], np.sort(want), rtol=1e-6)
        assert r.indices.tolist() == [np.argsort(want, kind="stable").tolist()]

    # a string and the list of its characters are different documents ("ab c" is ["ab", "c"])
    check(["ab c", "b"], [["ab", "c"], ["b"]])
    check([list("ab c"), ["b"]], [["a", "b", "c"], ["b"]])
    docs = [["a"], ["c"]]
    check(docs, [["a"], ["c"]])
    docs[0][0] = "ab"  # changed in place: the next call must see the new document
    check(docs, [["ab"], ["c"]])
    for docs_in, message in [
        ("a b", "corpus: expected a list of documents, got a single string"),
        ([["a"], 5], "corpus[1]: a document must be a string or a list of string tokens, got int"),
    ]:
        with pytest.raises(ShapeError, match=f"^{re.escape(message)}$"):
            wmd.knn(q, docs_in)


def _chunk_sizes_hold_the_promise(sizes, width):
    """WMD._chunks: consecutive non-empty row ranges covering every document in order, each of
    several documents with a cost matrix of at most _MAX_COST_ENTRIES entries, and none that could
    have taken the next document without passing it."""
    from types import SimpleNamespace

    from engine.wmd import distance

    most, w = distance._MAX_COST_ENTRIES, max(width, 1)
    ptr = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
    chunks = [c.tolist() for c in distance.WMD._chunks(SimpleNamespace(ptr=ptr), width)]
    assert [i for c in chunks for i in c] == list(range(len(sizes)))
    assert all(c == list(range(c[0], c[-1] + 1)) for c in chunks)  # non-empty ranges
    for j, c in enumerate(chunks):
        total = sum(sizes[i] for i in c)
        assert len(c) == 1 or total * w <= most, (j, total)
        if j + 1 < len(chunks):
            assert (total + sizes[chunks[j + 1][0]]) * w > most, (j, total)
    return chunks


def test_wmd_cost_batches_stay_within_the_budget_and_are_as_large_as_it_allows():
    from engine.wmd import distance

    most = distance._MAX_COST_ENTRIES
    rng = np.random.default_rng(9)
    assert _chunk_sizes_hold_the_promise([], 5) == []
    cases = [
        ([most // 2, most - most // 2, 1, most, 3, 4], 1),  # a batch filled exactly; one doc at the budget
        ([most // 2, most - most // 2, 1, most, 3, 4], 0),  # no words on the other side: as width 1
        ([most + 1, 1, 1, most // 2 + 1, most // 2], 1),  # a document alone over the budget
        ([most, most // 2, most - most // 2], 1),  # a batch filled exactly after a cut
        ([1, 1, 2, 1], most + 5),  # a budget below one word: one document per batch
        (rng.integers(1, most // 3 // 8, 60).tolist(), 3),
        (rng.integers(1, most // 4000 // 8, 80).tolist(), 4000),
    ]
    for sizes, width in cases:
        assert len(_chunk_sizes_hold_the_promise(sizes, width)) > 1 or len(sizes) < 2


def test_wmd_results_do_not_depend_on_the_batches(lee, monkeypatch):
    from engine.wmd import distance

    _, v = lee
    rng = np.random.default_rng(11)
    words = v.index_to_key[:300]
    docs = [list(rng.choice(words, int(rng.integers(1, 7)))) for _ in range(14)]
    wmd = engine.WMD(v)
    whole = wmd.pairwise(docs[:9], docs[9:]), wmd.pairwise(docs[:6]), wmd.index(docs[6:]).distances(docs[:6])
    knn = wmd.index(docs[6:]).knn(docs[:6], k=3)
    monkeypatch.setattr(distance, "_MAX_COST_ENTRIES", 40)  # a few documents per batch
    cut = wmd.pairwise(docs[:9], docs[9:]), wmd.pairwise(docs[:6]), wmd.index(docs[6:]).distances(docs[:6])
    for a, b in zip(whole, cut):
        np.testing.assert_array_equal(a, b)
    r = wmd.index(docs[6:]).knn(docs[:6], k=3)
    np.testing.assert_array_equal(r.indices, knn.indices)
    np.testing.assert_array_equal(r.distances, knn.distances)
    vec = lambda w: v.get_vector(w).astype(np.float64)  # noqa: E731
    want = [[pot_wmd(vec, a, b) for b in docs[9:]] for a in docs[:9]]
    np.testing.assert_allclose(cut[0], want, rtol=1e-6)


def test_wmd_lowercase_and_norm_reach_the_bags_and_the_vectors():
    vocab = {"ab": [2.0, 1.0], "c": [0.0, 3.0], "d": [1.0, -1.0]}
    v = engine.Vectors(list(vocab), np.array(list(vocab.values())))
    raw = lambda w: np.array(vocab[w])  # noqa: E731
    texts, other = ["AB c", "ab C d"], [["d"], ["c", "ab"]]
    got = engine.WMD(v).pairwise(texts, other)
    want = [[pot_wmd(raw, a, b) for b in other] for a in (["ab", "c"], ["ab", "c", "d"])]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    got = engine.WMD(v, lowercase=False).pairwise(texts, other)  # "AB" and "C" are unknown words
    want = [[pot_wmd(raw, a, b) for b in other] for a in (["c"], ["ab", "d"])]
    np.testing.assert_allclose(got, want, rtol=1e-6)

    def raw_wmd(d1, d2):  # norm=False: costs between the raw vectors, not the unit ones
        ot = pytest.importorskip("ot")
        (w1, c1), (w2, c2) = (np.unique(d, return_counts=True) for d in (d1, d2))
        M = np.linalg.norm(
            np.array([vocab[w] for w in w1])[:, None] - np.array([vocab[w] for w in w2])[None], axis=-1
        )
        return float(ot.emd2(c1 / c1.sum(), c2 / c2.sum(), M))

    got = engine.WMD(v, norm=False).pairwise(texts, other)
    want = [[raw_wmd(a, b) for b in other] for a in (["ab", "c"], ["ab", "c", "d"])]
    np.testing.assert_allclose(got, want, rtol=1e-6)
