"""Parity of Vectors' similarity API with gensim 4.4 KeyedVectors, on the Lee word2vec vectors,
the embedded default vectors and random vocabularies; errors; the batched forms."""

import numpy as np
import pytest
from _search_helpers import COSMUL, assert_same_results, gensim_twin
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.datasets import default_vectors, word2vec_keyedvectors


@pytest.fixture(scope="module")
def lee():
    kv = word2vec_keyedvectors()
    return kv, engine.Vectors.from_gensim(kv)


@pytest.fixture(scope="module")
def default():
    v = default_vectors()
    return gensim_twin(v), v


@pytest.fixture(params=["lee", "default"])
def pair(request, lee, default):
    return lee if request.param == "lee" else default


def test_most_similar_single_words(pair):
    kv, v = pair
    for w in kv.index_to_key[:400:4]:
        assert_same_results(v.most_similar(w), kv.most_similar(w))


def _cases(kv):
    w = kv.index_to_key
    a, b, c, d = w[10], w[25], w[40], w[77]
    return [
        dict(positive=[a, b], negative=[c]),
        dict(positive=[a], negative=[b, c], topn=25),
        dict(positive=a, negative=b),
        dict(positive=[(a, 2.0), (b, -0.5)], negative=[(c, 0.3)]),
        dict(positive=[kv[a], b], topn=20),
        dict(positive=[(kv[a], 0.5), d]),
        dict(positive=kv[[a, b, c]]),
        dict(positive=kv[a]),
        dict(positive=[a], restrict_vocab=300),
        dict(positive=[a], clip_start=50, clip_end=700),
        dict(positive=[a], clip_start=50, clip_end=700, restrict_vocab=200),
        dict(positive=[a], clip_end=0),
        dict(positive=[5, np.int64(7)], topn=3),
        dict(positive=[a, 5], negative=[np.int32(9)]),
        dict(positive=[a], topn=len(w) + 10),
        dict(positive=[a, b], topn=len(w) - 1),
        dict(positive=[a], topn=True),
    ]


def test_most_similar_argument_combinations(pair):
    kv, v = pair
    for case in _cases(kv):
        assert_same_results(v.most_similar(**case), kv.most_similar(**case))


def test_most_similar_topn_none_and_below_one(pair):
    kv, v = pair
    w = kv.index_to_key[3]
    for extra in [{}, dict(restrict_vocab=100), dict(clip_start=10, clip_end=90)]:
        got, want = v.most_similar(w, topn=None, **extra), kv.most_similar(w, topn=None, **extra)
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-5)
    for topn in [0, -1, False]:
        assert v.most_similar(w, topn=topn) == kv.most_similar(w, topn=topn) == []


def test_most_similar_cosmul(pair):
    kv, v = pair
    w = kv.index_to_key
    cases = [
        dict(positive=[w[10], w[25]], negative=[w[40]]),
        dict(positive=w[10], negative=w[11], topn=30),
        dict(positive=[w[10], w[25], w[3]], negative=[w[40], w[41]]),
        dict(positive=[kv[w[10]], w[25]], topn=7),
        dict(positive=[w[10]], topn=len(w)),
    ]
    for case in cases:
        assert_same_results(v.most_similar_cosmul(**case), kv.most_similar_cosmul(**case))
    got, want = (
        v.most_similar_cosmul(w[10], w[12], topn=None),
        kv.most_similar_cosmul(w[10], w[12], topn=None),
    )
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert v.most_similar_cosmul(w[1], topn=0) == []


def test_similar_by(pair):
    kv, v = pair
    w = kv.index_to_key[33]
    assert_same_results(v.similar_by_word(w, topn=15), kv.similar_by_word(w, topn=15))
    assert_same_results(v.similar_by_key(w, restrict_vocab=500), kv.similar_by_key(w, restrict_vocab=500))
    vec = kv[w] + 0.5 * kv[kv.index_to_key[34]]
    assert_same_results(v.similar_by_vector(vec, topn=12), kv.similar_by_vector(vec, topn=12))


def test_pairwise_functions(pair):
    kv, v = pair
    w = kv.index_to_key
    a, b, c, d = w[4], w[20], w[60], w[99]
    assert abs(v.similarity(a, b) - kv.similarity(a, b)) < 1e-6
    assert abs(v.distance(a, c) - kv.distance(a, c)) < 1e-6
    assert abs(v.n_similarity([a, b], [c, d]) - kv.n_similarity([a, b], [c, d])) < 1e-6
    assert (
        abs(v.n_similarity([a, "not-a-word-xyz"], [c]) - kv.n_similarity([a, "not-a-word-xyz"], [c])) < 1e-6
    )
    assert v.doesnt_match([a, b, c, d]) == kv.doesnt_match([a, b, c, d])
    assert v.doesnt_match([a, b, "not-a-word-xyz"]) == kv.doesnt_match([a, b, "not-a-word-xyz"])
    np.testing.assert_allclose(v.distances(a), kv.distances(a), atol=1e-5)
    np.testing.assert_allclose(v.distances(a, [b, c]), kv.distances(a, [b, c]), atol=1e-5)
    np.testing.assert_allclose(v.distances(kv[d], (b, c)), kv.distances(kv[d], (b, c)), atol=1e-5)
    for x, y in [(a, b), (a, c), (b, d)]:
        assert v.rank(x, y) == kv.rank(x, y)
        assert v.closer_than(x, y) == kv.closer_than(x, y)
    assert v.most_similar_to_given(a, [b, c, d]) == kv.most_similar_to_given(a, [b, c, d])
    assert abs(v.relative_cosine_similarity(a, b) - kv.relative_cosine_similarity(a, b)) < 1e-5
    m = kv.vectors[:7]
    np.testing.assert_allclose(
        engine.Vectors.cosine_similarities(kv[a], m), KeyedVectors.cosine_similarities(kv[a], m), atol=1e-6
    )


def test_get_mean_vector(pair):
    kv, v = pair
    w = kv.index_to_key
    keys = [w[1], w[2], 7, kv[w[3]]]
    for kwargs in [
        {},
        dict(weights=[0.5, 1, -2, 1]),
        dict(weights=np.array([1.0, 2.0, 3.0, 4.0])),
        dict(pre_normalize=False),
        dict(post_normalize=True),
    ]:
        np.testing.assert_allclose(
            v.get_mean_vector(keys, **kwargs), kv.get_mean_vector(keys, **kwargs), atol=1e-6
        )
    np.testing.assert_allclose(
        v.get_mean_vector([w[1], "not-a-word-xyz"]), kv.get_mean_vector([w[1], "not-a-word-xyz"]), atol=1e-6
    )
    with pytest.raises(engine.VocabularyError, match="not-a-word-xyz"):
        v.get_mean_vector([w[1], "not-a-word-xyz"], ignore_missing=False)


class RecordingIndexer:
    def __init__(self):
        self.calls = []

    def most_similar(self, vector, topn):
        self.calls.append((np.array(vector), topn))
        return [("from-indexer", 1.0)]


def test_indexer_contract(lee):
    kv, v = lee
    w = kv.index_to_key
    ours, theirs = RecordingIndexer(), RecordingIndexer()
    args = dict(positive=[w[5], w[6]], negative=[w[7]], restrict_vocab=50)
    assert v.most_similar(**args, topn=4, indexer=ours) == [("from-indexer", 1.0)]
    kv.most_similar(**args, topn=4, indexer=theirs)
    assert ours.calls[0][1] == 4 and isinstance(ours.calls[0][1], int)
    np.testing.assert_allclose(ours.calls[0][0], theirs.calls[0][0], atol=1e-7)
    assert abs(np.linalg.norm(ours.calls[0][0]) - 1) < 1e-6
    # gensim falls back to the exact search for a topn that is not a Python int
    fallback = RecordingIndexer()
    assert_same_results(
        v.most_similar(w[5], topn=np.int64(3), indexer=fallback), kv.most_similar(w[5], topn=3)
    )
    assert v.most_similar(w[5], topn=None, indexer=fallback).shape == (len(v),)
    assert fallback.calls == []
    with pytest.raises(engine.VocabularyError, match="'not-a-word-xyz' not present"):
        v.most_similar("not-a-word-xyz", indexer=RecordingIndexer())


def test_batched_forms_equal_single_calls(pair):
    kv, v = pair
    words = kv.index_to_key[:60]
    batch = v.most_similar_batch(words, topn=8)
    for w, got in zip(words, batch):
        assert_same_results(got, kv.most_similar(w, topn=8))
    restricted = v.most_similar_batch(words[:5], topn=4, restrict_vocab=100)
    for w, got in zip(words, restricted):
        assert_same_results(got, kv.most_similar(w, topn=4, restrict_vocab=100))
    scores, ids = v.search(words, k=5)
    assert ids[:, 0].tolist() == list(range(60))  # the query word itself is not excluded by search
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)
    for w, row, sc in zip(words, ids, scores):
        assert_same_results(
            [(v.index_to_key[i], s) for i, s in zip(row[1:], sc[1:].tolist())], kv.most_similar(w, topn=4)
        )


def test_search_inputs_exclude_restrict(lee):
    kv, v = lee
    w = kv.index_to_key
    s1, i1 = v.search([w[3], w[9]], k=6, exclude=[[w[3], 20], []], restrict_vocab=(2, 500))
    assert 3 not in i1[0] and 20 not in i1[0]
    assert ((i1 >= 2) & (i1 < 500)).all()
    assert_same_results(
        [(w[i], s) for i, s in zip(i1[0], s1[0].tolist())],
        kv.most_similar(w[3], topn=6, clip_start=2, clip_end=500),
    )
    s2, i2 = v.search([3, 9], k=6, exclude=[[3, 20], []], restrict_vocab=(2, 500))
    np.testing.assert_array_equal(i1, i2)
    s3, i3 = v.search(kv[[w[3], w[9]]] * 7.0, k=6, exclude=[[3, 20], []], restrict_vocab=(2, 500))
    np.testing.assert_array_equal(i1, i3)
    np.testing.assert_allclose(s1, s3, atol=1e-5)
    s5, i5 = v.search([w[3]], k=6, exclude=[w[3]], restrict_vocab=(2, 500))  # a word, not a list
    assert 3 not in i5[0]
    s6, i6 = v.search([kv[w[3]], kv[w[9]]], k=6, exclude=[[3, 20], []], restrict_vocab=(2, 500))
    np.testing.assert_array_equal(i1, i6)  # a list of vectors
    s4, i4 = v.search(kv[w[3]], k=3, restrict_vocab=100)  # one 1-D vector
    assert i4.shape == (1, 3) and (i4 < 100).all()
    assert s1.dtype == np.float32 and i1.dtype == np.int64


def _cosmul_reference(u, a, b, c, topn, restrict):
    """3CosMul in float64 over the first ``restrict`` rows, a, b and c excluded: (ids, scores),
    best first, ties in ascending row order."""
    x = u[:restrict].astype(np.float64)
    cos = x @ u[[b, c, a]].astype(np.float64).T
    score = (1 + cos[:, 0]) / 2 * ((1 + cos[:, 1]) / 2) / ((1 + cos[:, 2]) / 2 + 1e-6)
    score[[i for i in (a, b, c) if i < restrict]] = -np.inf
    ids = np.lexsort((np.arange(len(score)), -score))[:topn]
    return ids, score[ids]


def test_analogies_equal_gensim(lee):
    """Every rank of every answer, with its score: ids compared alone would let any order pass."""
    kv, v = lee
    w = kv.index_to_key
    rng = np.random.default_rng(0)
    abc = rng.integers(0, 300, (40, 3))
    a, b, c = ([w[i] for i in abc[:, j]] for j in range(3))
    for restrict in [None, 400]:
        sc, ids = v.analogies(a, b, c, topn=6, restrict_vocab=restrict)
        sc_mul, ids_mul = v.analogies(a, b, c, topn=6, method="3cosmul", restrict_vocab=restrict)
        for j in range(40):
            want = kv.most_similar(positive=[b[j], c[j]], negative=[a[j]], topn=6, restrict_vocab=restrict)
            assert_same_results([(w[i], s) for i, s in zip(ids[j], sc[j].tolist())], want)
            got_mul = [(w[i], s) for i, s in zip(ids_mul[j], sc_mul[j].tolist())]
            if restrict is None:
                want = kv.most_similar_cosmul(positive=[b[j], c[j]], negative=[a[j]], topn=6)
            else:  # gensim's most_similar_cosmul ignores restrict_vocab: a float64 reference
                ref_ids, ref_scores = _cosmul_reference(v.unit, *abc[j], topn=6, restrict=restrict)
                want = [(w[i], float(s)) for i, s in zip(ref_ids, ref_scores)]
            assert_same_results(got_mul, want, **COSMUL)


def test_zero_rows_score_zero_not_nan():
    v = engine.Vectors(["a", "b", "zero", "c"], np.array([[1.0, 0], [0.6, 0.8], [0, 0], [-1, 0]]))
    res = dict(v.most_similar("a", topn=3))
    assert res["zero"] == 0.0
    assert not np.isnan(v.most_similar("a", topn=None)).any()
    assert v.similarity("a", "zero") == 0.0
    assert not np.isnan(v.distances("zero")).any()


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(4, 60),
    d=st.integers(2, 8),
    seed=st.integers(0, 2**31 - 1),
    n_pos=st.integers(1, 3),
    n_neg=st.integers(0, 2),
    topn=st.one_of(st.none(), st.integers(-1, 70)),
    restrict=st.one_of(st.none(), st.integers(1, 60)),
)
def test_random_vocabularies(n, d, seed, n_pos, n_neg, topn, restrict):
    rng = np.random.default_rng(seed)
    keys = [f"w{i}" for i in range(n)]
    vecs = rng.standard_normal((n, d)).astype(np.float32)
    kv = KeyedVectors(d)
    kv.add_vectors(keys, vecs)
    v = engine.Vectors(keys, vecs)
    pos = [keys[i] for i in rng.integers(0, n, n_pos)]
    # a word both added and subtracted can cancel the query to rounding noise (pos = neg = [a, b]
    # gives 0 exactly, then unit noise), which engine and gensim round differently: keep them apart
    neg = [w for w in (keys[i] for i in rng.integers(0, n, n_neg)) if w not in pos]
    got = v.most_similar(pos, neg, topn=topn, restrict_vocab=restrict)
    want = kv.most_similar(pos, neg, topn=topn, restrict_vocab=restrict)
    if topn is None:
        np.testing.assert_allclose(got, want, atol=1e-5)
    else:
        assert_same_results(got, want)
        # 3CosMul divides by prod((1 + cos(w, neg)) / 2) + 1e-6: where a word is nearly opposite a
        # negative, float32 rounding of cos (~1e-7, in gensim as in engine) is amplified beyond any
        # fixed tolerance, so such draws compare only most_similar above.
        unit = vecs.astype(np.float64) / np.linalg.norm(vecs.astype(np.float64), axis=1, keepdims=True)
        neg_terms = (1 + unit @ unit[[keys.index(w) for w in neg]].T) / 2
        if neg and neg_terms.min() < 1e-3:
            return
        # restrict_vocab is accepted and ignored by gensim's most_similar_cosmul, and so by ours
        assert_same_results(
            v.most_similar_cosmul(pos, neg, topn=topn, restrict_vocab=restrict),
            kv.most_similar_cosmul(pos, neg, topn=topn, restrict_vocab=restrict),
            **COSMUL,
        )


# ---- errors -------------------------------------------------------------------------------


def test_missing_word_names_it(lee):
    _, v = lee
    calls = [
        lambda: v.most_similar("zzzmissing"),
        lambda: v.most_similar(positive=["the"], negative=["zzzmissing"]),
        lambda: v.most_similar_cosmul("zzzmissing"),
        lambda: v.search(["the", "zzzmissing"]),
        lambda: v.most_similar_batch(["zzzmissing"]),
        lambda: v.similarity("the", "zzzmissing"),
        lambda: v.analogies(["the"], ["zzzmissing"], ["the"]),
        lambda: v.search(["the"], exclude=[["zzzmissing"]]),
        lambda: v.rank("the", "zzzmissing"),
    ]
    for call in calls:
        with pytest.raises(engine.VocabularyError, match="zzzmissing") as e:
            call()
        assert isinstance(e.value, KeyError)


def test_bad_queries_raise_clear_errors(lee):
    _, v = lee
    with pytest.raises(engine.ShapeError, match="at least 1"):
        v.search(["the"], k=0)
    with pytest.raises(engine.ShapeError, match="no query"):
        v.search([])
    with pytest.raises(engine.ShapeError, match="no query"):
        v.search(np.zeros((0, v.vector_size), np.float32))
    with pytest.raises(engine.ShapeError, match="dimensions"):
        v.search(np.ones((2, v.vector_size + 1), np.float32))
    with pytest.raises(engine.ShapeError, match="NaN"):
        v.search(np.full((1, v.vector_size), np.nan, np.float32))
    with pytest.raises(engine.ShapeError, match="NaN"):
        v.most_similar(positive=[np.full(v.vector_size, np.nan, np.float32)])
    with pytest.raises(engine.ShapeError, match="no input"):
        v.most_similar(positive=[])
    with pytest.raises(engine.ShapeError, match="restrict_vocab"):
        v.search(["the"], restrict_vocab=(5, 2))
    with pytest.raises(engine.ShapeError, match="no input"):  # also a ValueError, as gensim's
        v.most_similar(positive=[], negative=[])


def test_k_above_the_rows_searched_is_clipped_as_gensim_clips_topn(lee):
    """One rule everywhere (docs/similarity.md): gensim's most_similar clips topn to the
    vocabulary, so search, FaissIndex, WMD knn and the CLI clip k the same way."""
    kv, v = lee
    scores, ids = v.search(["the"], k=len(v) + 1)
    assert ids.shape == (1, len(v)) and sorted(ids[0].tolist()) == list(range(len(v)))
    scores, ids = v.search(["the"], k=11, restrict_vocab=10)
    assert ids.shape == (1, 10)
    assert len(v.most_similar("the", topn=len(v) + 5)) == len(kv.most_similar("the", topn=len(v) + 5))


def test_results_do_not_depend_on_thread_count(default):
    _, v = default
    words = v.index_to_key[:300:7]
    out = []
    for threads in (1, 2):
        engine.set_num_threads(threads)
        try:
            out.append(v.search(words, k=15))
        finally:
            engine.set_num_threads(0)
    np.testing.assert_array_equal(out[0][1], out[1][1])
    np.testing.assert_array_equal(out[0][0], out[1][0])


@pytest.mark.parametrize("use_norm", [True, False])
def test_rank_by_centrality_equals_gensim(lee, use_norm):
    """Every rank and score of gensim's ranking, not only its last word (doesnt_match)."""
    kv, v = lee
    rng = np.random.default_rng(1)
    for size in (2, 5, 12):
        for _ in range(10):
            words = [kv.index_to_key[i] for i in rng.choice(500, size, replace=False)]
            got = v.rank_by_centrality(words + ["not-a-word"], use_norm=use_norm)
            want = kv.rank_by_centrality(words, use_norm=use_norm)
            assert_same_results([(w, float(s)) for s, w in got], [(w, float(s)) for s, w in want], tol=1e-5)
