"""Document embedding: scores against a float64 numpy reference of the documented formulas,
the default (Lee) reference corpus, and the kernels the embedder runs on."""

import numpy as np
import pytest
from _classify_helpers import corpus, counted_vectors, in_classes_order, reference_embed, reference_model
from _classify_helpers import small_vectors as _small_vectors
from engine._text import encode
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import _kernels
from engine.classify import DocumentEmbedder, ZeroShotClassifier


@pytest.fixture(scope="module")
def small():
    return _small_vectors()


@pytest.fixture(scope="module")
def small_counted():
    return counted_vectors()


@pytest.fixture(scope="module")
def default():
    return engine.datasets.default_vectors()


@pytest.mark.parametrize("weighting", ["sif", "idf", "mean"])
@pytest.mark.parametrize("counted", [False, True])
def test_scores_equal_float64_reference(small, small_counted, weighting, counted):
    v = small_counted if counted else small
    ref = corpus(1)
    labels = {"sport": "sport game team", "food": ["food", "meal", "soup"], "car": "car w3 w4"}
    # p(w): the counts, else the reference corpus (wordfreq's lists have their own test below)
    freq = "auto" if counted else "corpus"
    clf = ZeroShotClassifier(v, labels, weighting=weighting, reference=ref, frequencies=freq)
    texts = corpus(2, 25) + ["", "zzz unknownword", "Sport GAME w1, w1 w1!"]
    D = reference_embed(v, texts, ref, weighting)
    L = reference_embed(v, list(labels.values()), ref, weighting)[in_classes_order(clf.fit(), labels)]
    got, unknown = clf.decision_function(texts, return_unknown=True)
    np.testing.assert_allclose(got, D @ L.T, atol=2e-5)
    embedded, embed_unknown = clf.embed(texts, return_unknown=True)
    np.testing.assert_allclose(embedded, D, atol=2e-5)
    np.testing.assert_array_equal(embed_unknown, ~np.any(D != 0, axis=1))
    np.testing.assert_array_equal(unknown, embed_unknown)


def test_default_reference_is_lee_and_fit_replaces_it(default):
    texts = ["the team won the match", "bake the bread in the oven", "laptop software update"]
    labels = ["sport", "food", "computer"]
    lee = engine.classify._lee_corpus()
    clf = ZeroShotClassifier(default, labels, frequencies="corpus")
    order = in_classes_order(ZeroShotClassifier(default, labels).fit(), labels)
    ref = reference_model(default, lee, "sif")
    np.testing.assert_allclose(clf.decision_function(texts), ref(texts) @ ref(labels)[order].T, atol=5e-5)
    assert clf.predict(texts).tolist() == labels
    own = texts * 3 + ["a quiet day at home", "the weather is nice today"]
    clf.fit(own)
    ref = reference_model(default, own, "sif")
    expect = ref(texts) @ ref(labels)[order].T
    np.testing.assert_allclose(clf.decision_function(texts), expect, atol=5e-5)


def test_sif_probabilities_from_wordfreq_when_the_vectors_have_no_counts(default, small_counted):
    wordfreq = pytest.importorskip("wordfreq")
    emb = DocumentEmbedder(default).fit()
    assert emb.frequency_source_ == "wordfreq"
    words = ["the", "team", "bread", "oven", "laptop", "atheist", "orbit"]
    # the oracle: wordfreq's own per-word lookup
    expect = [1e-3 / (1e-3 + wordfreq.word_frequency(w, "en")) for w in words]
    got = emb.word_weights_[[default.get_index(w) for w in words]]
    np.testing.assert_allclose(got, expect, rtol=5e-4)  # word_frequency rounds to 3 digits
    assert got[0] < 0.05 < 0.9 < got[-1]  # "the" weighs little, a rare word almost fully
    assert DocumentEmbedder(small_counted).fit().frequency_source_ == "counts"
    assert DocumentEmbedder(default, frequencies="corpus").fit().frequency_source_ == "corpus"
    assert DocumentEmbedder(default, "idf").fit().frequency_source_ is None
    with pytest.raises(engine.EngineError, match="carry no word counts"):
        DocumentEmbedder(default, frequencies="counts").fit()
    with pytest.raises(engine.EngineError, match="frequencies must be one of"):
        DocumentEmbedder(default, frequencies="zipf")


def test_embedder_transform_equals_reference_and_checks_its_parameters(small):
    ref = corpus(1)
    texts = corpus(5, 10) + ["zzz"]
    X, unknown = DocumentEmbedder(small, "idf", reference=ref, chunk_size=3).transform(texts)
    np.testing.assert_allclose(X, reference_embed(small, texts, ref, "idf"), atol=2e-5)
    assert unknown.tolist() == [False] * 10 + [True]
    with pytest.raises(engine.EngineError, match="DocumentEmbedder: weighting must be one of"):
        DocumentEmbedder(small, "tfidf")
    with pytest.raises(engine.EngineError, match="chunk_size must be an int in"):
        DocumentEmbedder(small, chunk_size=True)
    with pytest.raises(engine.EngineError, match="encoder must be None or an object with a method encode"):
        DocumentEmbedder(encoder=object())
    with pytest.raises(engine.EngineError, match="give word vectors"):
        DocumentEmbedder()


# ---- kernels ---------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 12), st.integers(1, 9), st.integers(0, 2), st.booleans(), st.integers(0, 2**31))
def test_doc_vectors_kernel_matches_numpy(n_docs, d, n_comp, normalize, seed):
    rng = np.random.default_rng(seed)
    emb = rng.standard_normal((30, d)).astype(np.float32)
    lengths = rng.integers(0, 6, n_docs)
    indptr = np.concatenate(([0], np.cumsum(lengths)))
    ids = rng.integers(0, 30, indptr[-1])
    w = rng.random(indptr[-1]).astype(np.float32)
    # fewer components than dimensions: removing all of them leaves only rounding noise
    comps = np.linalg.qr(rng.standard_normal((d, d)))[0][:, : min(n_comp, d - 1)].T
    out, norms = _kernels.doc_vectors(indptr, ids, w, emb, comps, normalize)
    ref = np.zeros((n_docs, d))
    for i in range(n_docs):
        for j in range(indptr[i], indptr[i + 1]):
            ref[i] += float(w[j]) * emb[ids[j]].astype(np.float64)
    ref -= (ref @ comps.T) @ comps
    rn = np.linalg.norm(ref, axis=1)
    np.testing.assert_allclose(norms, rn, rtol=1e-4, atol=1e-5)
    if normalize:
        ref = ref / np.where(rn > 0, rn, 1)[:, None]
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_doc_vectors_validation():
    emb = np.ones((3, 2), np.float32)
    with pytest.raises(engine.ShapeError, match=r"word ids must lie in \[0, 3\)"):
        _kernels.doc_vectors([0, 1], [3], [1.0], emb)
    with pytest.raises(engine.ShapeError, match="indptr"):
        _kernels.doc_vectors([0, 2], [1], [1.0], emb)
    with pytest.raises(engine.ShapeError, match="NaN"):
        _kernels.doc_vectors([0, 1], [1], [np.nan], emb)
    with pytest.raises(engine.ShapeError, match="components"):
        _kernels.doc_vectors([0, 1], [1], [1.0], emb, np.ones((1, 3), np.float32))
    lab = np.array([[1.0, 0.0]], np.float32)
    with pytest.raises(engine.ShapeError, match="word_weights must be 3"):
        _kernels.doc_scores([0, 1], [1], [1.0], emb, lab, word_weights=[1.0, 2.0])
    with pytest.raises(engine.ShapeError, match="label vectors have 3 columns"):
        _kernels.doc_scores([0, 1], [1], [1.0], emb, np.ones((1, 3), np.float32))
    # word_weights multiply the entry weights; the scale of a row never changes its cosine
    rng = np.random.default_rng(0)
    E = rng.standard_normal((5, 4)).astype(np.float32)
    L = _kernels.normalize_rows(rng.standard_normal((3, 4)).astype(np.float32))[0]
    ww = rng.random(5).astype(np.float32)
    ip, ids, c = [0, 3, 3, 5], [0, 2, 4, 1, 2], np.array([1, 2, 1, 3, 1], np.float32)
    got, norms = _kernels.doc_scores(ip, ids, c, E, L, word_weights=ww)
    D, _ = _kernels.doc_vectors(ip, ids, c * ww[ids], E)
    np.testing.assert_allclose(got, D @ L.T, atol=1e-6)
    assert norms[1] == 0 and (got[1] == 0).all()


_pieces = st.sampled_from(list("abcAB  '_-9.,é\u0130ß\n") + ["sport ", "game ", "Team", "don't "])
_texts = st.lists(_pieces, max_size=25).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(_texts, max_size=8), st.booleans())
def test_native_encoder_equals_cython_encode(texts, lowercase):
    keys = ["sport", "game", "team", "Team", "a", "b", "ab", "don't", "a_b", "9", "é", "ab9"]
    k2i = {k: i for i, k in enumerate(keys)}
    vocab = _kernels.ascii_vocab(keys)
    got = _kernels.encode_texts(texts, k2i, lowercase, vocab)
    want = encode(texts, k2i, lowercase)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


def test_native_encoder_on_real_vocabulary(default):
    texts = list(open(engine.datasets.gensim_test_file("lee_background.cor"), encoding="utf-8"))
    texts += [["token", "lists", "pass", "through"], "Ünïcödé text and café", ""]
    vocab = _kernels.ascii_vocab(default.index_to_key)
    for g, w in zip(
        _kernels.encode_texts(texts, default.key_to_index, True, vocab),
        encode(texts, default.key_to_index, True),
    ):
        np.testing.assert_array_equal(g, w)
