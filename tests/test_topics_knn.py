"""TopicIndex: exact k nearest documents (equal to brute force, ties by ascending index) and gensim
MatrixSimilarity's scores."""

import numpy as np
import pytest
from _topics_helpers import random_distributions
from gensim import matutils
from gensim.similarities import MatrixSimilarity
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import engine.topics
from engine.topics import TopicIndex, pairwise
from engine.topics import knn as knn_module


def brute_force(corpus, queries, measure, k):
    """The k smallest float64 distances per query, ties by ascending index."""
    d = pairwise(queries, corpus, measure)
    order = np.lexsort((np.broadcast_to(np.arange(d.shape[1]), d.shape), d), axis=1)[:, :k]
    return np.take_along_axis(d, order, 1), order


def corpus_with_ties(seed, n, num_topics, distinct):
    """``n`` rows drawn from ``distinct`` distributions: many exact ties."""
    rng = np.random.default_rng(seed)
    base = random_distributions(seed, distinct, num_topics, zeros=0.3)
    return base[rng.integers(0, distinct, n)]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 300),
    num_topics=st.integers(1, 30),
    distinct=st.integers(1, 40),
    n_queries=st.integers(1, 12),
    k=st.integers(1, 30),
    measure=st.sampled_from(engine.topics.MEASURES),
)
def test_knn_equals_brute_force_with_ties_by_ascending_index(
    seed, n, num_topics, distinct, n_queries, k, measure
):
    corpus = corpus_with_ties(seed, n, num_topics, distinct)
    queries = np.vstack([corpus[: n_queries // 2], random_distributions(seed + 7, n_queries, num_topics)])
    k = min(k, n)
    res = TopicIndex(corpus, measure).knn(queries, k=k)
    d, i = brute_force(corpus, queries, measure, k)
    assert np.array_equal(res.indices, i)
    assert np.array_equal(res.distances, d)


@pytest.mark.parametrize("measure", ["hellinger", "cosine"])
def test_many_duplicates_fall_back_to_the_exact_scan(monkeypatch, measure):
    """A corpus where thousands of rows tie with the k-th: candidates grow, then the brute-force
    scan answers; the result is still the brute-force one."""
    rng = np.random.default_rng(3)
    corpus = np.vstack([np.tile([0.5, 0.3, 0.2], (5000, 1)), random_distributions(4, 500, 3)])
    corpus = corpus[rng.permutation(len(corpus))]
    calls = []
    real = knn_module._kernels.topic_knn
    monkeypatch.setattr(knn_module._kernels, "topic_knn", lambda *a: calls.append(1) or real(*a))
    res = TopicIndex(corpus, measure).knn([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]], k=10)
    d, i = brute_force(corpus, np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]), measure, 10)
    assert np.array_equal(res.indices, i) and np.array_equal(res.distances, d)
    assert calls  # the tied query needed the scan


def test_knn_of_the_lee_corpus_by_documents():
    lda, dictionary = engine.topics.lee_lda()
    space = engine.TopicSpace(lda, dictionary, init="mean")
    docs = engine.datasets.lee_sentences()
    index = space.index(docs, minimum_probability=0)
    res = index.knn(docs[:5], k=3)
    assert res.indices[:, 0].tolist() == [0, 1, 2, 3, 4]  # each document is its own nearest
    d, i = brute_force(space.transform(docs, 0), space.transform(docs[:5], 0), "hellinger", 3)
    assert np.array_equal(res.indices, i) and np.array_equal(res.distances, d)
    assert repr(index) == "<engine.TopicIndex: 300 documents, 15 topics, hellinger>"


def sparse(p):
    return [matutils.full2sparse(row) for row in p]


def test_cosine_scores_equal_matrix_similarity():
    corpus, queries = random_distributions(5, 200, 20), random_distributions(6, 7, 20)
    ms = MatrixSimilarity(sparse(corpus), num_features=20)
    ours = TopicIndex(corpus, "cosine")[queries]
    np.testing.assert_allclose(ours, ms[sparse(queries)], atol=1e-6)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(TopicIndex(corpus, "cosine")[queries[0]], ms[sparse(queries)[0]], atol=1e-6)


def test_hellinger_scores_equal_matrix_similarity_over_square_roots():
    corpus, queries = random_distributions(7, 150, 12), random_distributions(8, 5, 12)
    ms = MatrixSimilarity(sparse(np.sqrt(corpus)), num_features=12)
    ours = TopicIndex(corpus, "hellinger")[queries]
    np.testing.assert_allclose(ours, ms[sparse(np.sqrt(queries))], atol=1e-6)
    full = corpus / corpus.sum(1, keepdims=True)  # for distributions summing to 1: 1 - H^2
    q = queries / queries.sum(1, keepdims=True)
    np.testing.assert_allclose(TopicIndex(full)[q], 1 - pairwise(q, full, "hellinger") ** 2, atol=1e-6)


def test_num_best_as_matrix_similarity():
    corpus, queries = random_distributions(9, 300, 10), random_distributions(10, 4, 10)
    ms = MatrixSimilarity(sparse(corpus), num_features=10, num_best=5)
    ours = TopicIndex(corpus, "cosine", num_best=5)[queries]
    for got, ref in zip(ours, ms[sparse(queries)]):
        assert [i for i, _ in got] == [int(i) for i, _ in ref]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in ref], atol=1e-6)
    assert TopicIndex(corpus, "cosine", num_best=0)[queries[0]] == []


def test_bad_queries_and_parameters_are_clear_errors():
    corpus = random_distributions(11, 20, 4)
    index = TopicIndex(corpus)
    with pytest.raises(engine.ShapeError, match="NaN"):
        index.knn([[0.5, np.nan, 0.25, 0.25]])
    with pytest.raises(engine.ShapeError, match="queries has 3 topics, expected 4"):
        index.knn([[0.5, 0.25, 0.25]])
    with pytest.raises(engine.EngineError, match=r"k must be an int in \[1, 20\]"):
        index.knn(corpus[:1], k=21)
    with pytest.raises(engine.EngineError, match="measure must be one of"):
        TopicIndex(corpus, "euclidean")
    with pytest.raises(engine.EngineError, match="num_best"):
        TopicIndex(corpus, num_best=-1)
    with pytest.raises(engine.EngineError, match="use knn"):
        TopicIndex(corpus, "jensen_shannon")[corpus[:1]]
    with pytest.raises(engine.EngineError, match="no documents"):
        TopicIndex(np.zeros((0, 4)))
    with pytest.raises(engine.ShapeError, match="corpus: contains NaN"):
        TopicIndex(np.full((2, 4), np.nan))
    assert index.knn(np.zeros((0, 4)), k=2).indices.shape == (0, 2)
