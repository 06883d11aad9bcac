"""The distances between topic distributions against gensim.matutils, on the same inputs."""

import numpy as np
import pytest
from _topics_helpers import RTOL, assert_close, gensim_distance, random_distributions
from gensim import matutils
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import engine.topics
from engine.topics import paired, pairwise


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 8),
    m=st.integers(1, 8),
    k=st.integers(1, 50),
    zeros=st.sampled_from([0.0, 0.3, 0.7]),
    measure=st.sampled_from(engine.topics.MEASURES),
)
def test_pairwise_equals_gensim(seed, n, m, k, zeros, measure):
    p = random_distributions(seed, n, k, zeros)
    q = random_distributions(seed + 1, m, k, zeros)
    got = pairwise(p, q, measure)
    ref = [[gensim_distance(measure, a, b) for b in q] for a in p]
    assert got.shape == (n, m)
    assert_close(got, ref)


@pytest.mark.parametrize("measure", engine.topics.MEASURES)
def test_paired_equals_gensim_and_a_single_pair_is_a_float(measure):
    p, q = random_distributions(1, 30, 12, 0.2), random_distributions(2, 30, 12, 0.2)
    assert_close(paired(p, q, measure), [gensim_distance(measure, a, b) for a, b in zip(p, q)])
    one = paired(p[0], q[0], measure)
    assert isinstance(one, float)
    assert_close(np.array([one]), [gensim_distance(measure, p[0], q[0])])
    assert_close(paired(p[0], q, measure), [gensim_distance(measure, p[0], b) for b in q])


def test_unnormalised_rows_follow_gensims_formulas():
    """Shares left out by minimum_probability are not renormalised: gensim's formulas apply as is."""
    p = np.array([[0.5, 0.3, 0.0], [2.0, 1.0, 1.0]])
    q = np.array([[0.2, 0.2, 0.55]])
    for measure in engine.topics.MEASURES:
        assert_close(pairwise(p, q, measure)[:, 0], [gensim_distance(measure, a, q[0]) for a in p])


def test_gensims_sparse_form_is_accepted():
    a = [(0, 0.6), (2, 0.4)]
    b = [(1, 0.5), (2, 0.5)]
    dense = np.array([[0.6, 0.0, 0.4], [0.0, 0.5, 0.5]])
    assert paired(a, b, num_topics=3) == paired(dense[0], dense[1])
    assert paired(a, b) == pytest.approx(matutils.hellinger(a, b), rel=RTOL)
    assert np.array_equal(pairwise([a, b], num_topics=3), pairwise(dense))


def test_symmetric_kl_is_infinite_where_gensims_kl_is():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.4, 0.3, 0.3])
    assert paired(p, q, "symmetric_kl") == np.inf
    assert np.isinf(matutils.kullback_leibler(q, p))


def test_bad_distributions_are_clear_errors():
    good = np.full((2, 3), 1 / 3)
    with pytest.raises(engine.ShapeError, match="NaN"):
        pairwise(np.array([[0.5, np.nan, 0.5]]), good)
    with pytest.raises(engine.ShapeError, match="NaN or Inf"):
        paired(good, np.array([[0.5, np.inf, 0.5], [0.2, 0.2, 0.6]]))
    with pytest.raises(engine.ShapeError, match="negative"):
        pairwise(np.array([[0.5, -0.1, 0.6]]))
    with pytest.raises(engine.ShapeError, match="q has 4 topics, expected 3"):
        pairwise(good, np.full((1, 4), 0.25))
    with pytest.raises(engine.ShapeError, match="p has 3 topics, expected 2"):
        pairwise(good, num_topics=2)
    with pytest.raises(engine.ShapeError, match="no mass"):
        pairwise(good, np.zeros((1, 3)), "jensen_shannon")
    with pytest.raises(engine.ShapeError, match="2 and 3 distributions"):
        paired(good, np.full((3, 3), 1 / 3))
    with pytest.raises(engine.EngineError, match="measure must be one of"):
        pairwise(good, measure="euclidean")
    with pytest.raises(engine.ShapeError, match="topic 5, expected 2 topics"):
        paired([(0, 0.5), (5, 0.5)], [(0, 1.0)], num_topics=2)
    # a row of zeros is fine for hellinger and cosine (gensim's cossim of an empty vector is 0)
    assert pairwise(good, np.zeros((1, 3)), "cosine")[:, 0].tolist() == [1.0, 1.0]
