"""The E-step (csrc/lda.hpp) against gensim's LdaModel.inference, and get_document_topics against
gensim's: from the same start, on the Lee corpus and on random models."""

import copy
import threading

import numpy as np
import pytest
from _topics_helpers import gensim_inference, random_bows, random_lda
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import engine.topics
from engine import _kernels
from engine.datasets import lee_sentences
from engine.topics.documents import Bags


@pytest.fixture(scope="module")
def lee():
    lda, dictionary = engine.topics.lee_lda()
    docs = lee_sentences()
    return lda, dictionary, [dictionary.doc2bow(d) for d in docs], docs


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    num_topics=st.integers(1, 40),
    num_terms=st.integers(1, 300),
    n=st.integers(1, 40),
)
def test_float64_inference_equals_gensim_from_the_same_start(seed, num_topics, num_terms, n):
    lda, _ = random_lda(seed, num_topics, num_terms, np.float64)
    bows = random_bows(seed, n, num_terms)
    start = np.random.default_rng(seed + 1).gamma(100.0, 0.01, (n, num_topics))
    ours = engine.TopicSpace(lda).inference(bows, gamma=start)
    ref = gensim_inference(lda, bows, start)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)


def test_float32_inference_on_the_lee_corpus_equals_gensim_from_the_same_start(lee):
    lda, dictionary, bows, _ = lee
    start = np.random.default_rng(0).gamma(100.0, 0.01, (len(bows), lda.num_topics)).astype(np.float32)
    ours = engine.TopicSpace(lda, dictionary).inference(bows, gamma=start)
    ref = gensim_inference(lda, bows, start)
    assert ours.dtype == np.float32
    # the topic distributions agree to 1e-6; gamma itself to float32 rounding (a few units in the
    # last place, more for the documents that reach the 50-round cap without converging)
    p, r = ours / ours.sum(1, keepdims=True), ref / ref.sum(1, keepdims=True)
    assert np.abs(p - r).max() <= 1e-6
    np.testing.assert_allclose(ours, ref, rtol=1e-4)


def test_get_document_topics_equal_gensim_from_the_same_random_state(lee):
    """init="random" draws as gensim draws: a copy of the model gives gensim's answers."""
    lda, dictionary, bows, docs = lee
    theirs, ours = copy.deepcopy(lda), copy.deepcopy(lda)
    ref = [theirs.get_document_topics(b) for b in bows]
    got = engine.TopicSpace(ours, dictionary).document_topics(docs)
    assert [[t for t, _ in r] for r in ref] == [[t for t, _ in g] for g in got]
    diff = max(abs(float(x) - y) for r, g in zip(ref, got) for (_, x), (_, y) in zip(r, g))
    assert diff <= 1e-6
    # and both random states advanced alike: the next draws agree
    assert theirs.random_state.randint(1 << 30) == ours.random_state.randint(1 << 30)


@pytest.mark.parametrize("minimum_probability", [None, 0.0, 0.05, 0.2, 1.0])
def test_minimum_probability_as_gensim_applies_it(lee, minimum_probability):
    lda, dictionary, bows, _ = lee
    theirs, ours = copy.deepcopy(lda), copy.deepcopy(lda)
    ref = [theirs.get_document_topics(b, minimum_probability=minimum_probability) for b in bows[:60]]
    dense = engine.TopicSpace(ours, dictionary).transform(bows[:60], minimum_probability)
    for r, row in zip(ref, dense):
        assert [t for t, _ in r] == np.flatnonzero(row).tolist()


def test_the_threshold_compares_in_the_models_dtype():
    """numpy compares a float32 share with a Python float in float32, so float32(0.01) is kept."""
    from engine.topics.inference import distributions

    gamma = np.array([[np.float32(0.01), np.float32(0.99)]], dtype=np.float32)
    assert distributions(gamma, 0.01)[0, 0] > 0 and np.float32(0.01) >= 0.01


def test_an_empty_document_gets_the_prior_as_in_gensim(lee):
    lda, dictionary, _, _ = lee
    theirs = copy.deepcopy(lda)
    ref = dict(theirs.get_document_topics([], minimum_probability=0))
    space = engine.TopicSpace(copy.deepcopy(lda), dictionary)
    for doc in ([], "", "zzzq qqqz", ["xyzzy", "qqqz"]):
        p = space.transform([doc], minimum_probability=0)[0]
        np.testing.assert_allclose(p, [ref[k] for k in range(lda.num_topics)], rtol=1e-6)
        np.testing.assert_allclose(p, lda.alpha / lda.alpha.sum(), rtol=1e-6)


def test_texts_tokens_and_bags_give_the_same_distributions(lee):
    lda, dictionary, bows, docs = lee
    space = engine.TopicSpace(lda, dictionary, init="mean")
    texts = [" ".join(d) for d in docs[:20]]
    a = space.transform(texts)
    b = space.transform(docs[:20])
    c = space.transform(bows[:20])
    from scipy.sparse import csr_matrix

    bags = space.bags(bows[:20])
    d = space.transform(csr_matrix((bags.counts, bags.ids, bags.indptr), shape=(20, space.num_terms)))
    assert np.array_equal(a, b) and np.array_equal(b, c) and np.array_equal(c, d)
    assert space.bags(docs[:3]).ids.tolist() == [i for b in bows[:3] for i, _ in b]


def test_init_mean_depends_on_each_document_alone(lee):
    lda, dictionary, bows, _ = lee
    space = engine.TopicSpace(lda, dictionary, init="mean")
    docs = bows[:30]
    whole = space.transform(docs)
    parts = np.vstack([space.transform(docs[i : i + 7]) for i in range(0, 30, 7)])
    reversed_ = space.transform(docs[::-1])[::-1]
    assert np.array_equal(whole, parts) and np.array_equal(whole, reversed_)


def test_results_do_not_depend_on_the_thread_count(lee):
    lda, dictionary, bows, _ = lee
    space = engine.TopicSpace(lda, dictionary, init="mean")
    before = engine.get_num_threads()
    try:
        engine.set_num_threads(1)
        one = space.transform(bows)
        engine.set_num_threads(2)
        two = space.transform(bows)
    finally:
        engine.set_num_threads(before)
    assert np.array_equal(one, two)


def test_the_kernel_releases_the_gil():
    lda, _ = random_lda(0, 100, 2000, np.float32)
    bags = Bags.from_bows(random_bows(1, 3000, 2000, empty_every=0), 2000)
    space = engine.TopicSpace(lda, init="mean")
    worker = threading.Thread(target=space.transform, args=(bags,))
    count = 0
    worker.start()
    while worker.is_alive():
        count += 1
    worker.join()
    assert count > 1000  # this thread ran Python while the kernel worked


def test_ldamulticore_is_an_lda_model(lee):
    from gensim.models import LdaMulticore

    _, dictionary, bows, _ = lee
    lda = LdaMulticore(bows[:50], id2word=dictionary, num_topics=3, workers=1, passes=1, random_state=0)
    theirs = copy.deepcopy(lda)
    ref = [theirs.get_document_topics(b) for b in bows[:10]]
    got = engine.TopicSpace(lda).document_topics(bows[:10])
    assert [[t for t, _ in r] for r in ref] == [[t for t, _ in g] for g in got]


def test_bad_kernel_input_is_a_shape_error():
    wt = np.full((3, 2), 0.5)
    ok = dict(alpha=[0.5, 0.5], indptr=[0, 1], ids=[0], counts=[1.0], gamma=[[1.0, 1.0]])
    _kernels.lda_inference(wt, iterations=5, threshold=1e-3, **ok)
    bad = [
        dict(alpha=[0.5]),
        dict(alpha=[0.5, 0.0]),
        dict(ids=[3]),
        dict(counts=[-1.0]),
        dict(counts=[float("nan")]),
        dict(indptr=[0, 2]),
        dict(gamma=[[1.0, 1.0], [1.0, 1.0]]),
        dict(gamma=[[1.0, 0.0]]),
        dict(gamma=[[1.0, float("inf")]]),
    ]
    for change in bad:
        with pytest.raises(engine.ShapeError, match=f"^{next(iter(change))}"):  # names the argument
            _kernels.lda_inference(wt, iterations=5, threshold=1e-3, **{**ok, **change})
    with pytest.raises(engine.ShapeError, match="float32 or float64"):
        _kernels.lda_inference(wt.astype(np.float16), iterations=5, threshold=1e-3, **ok)
