"""Tests written to kill the mutants the mutation pass left alive in ``engine/_kernels/topics.py``
(docs/evidence.md, "Mutation testing"): the kernels' edge called directly, against independent
answers.

- ``lda_inference`` against gensim's ``LdaModel.inference`` from the same start, in float32 and
  float64: the gamma it returns (a new array; the start is left alone), the rounds each document
  took (the first round whose gamma, gensim's after that many ``iterations``, moved less than the
  threshold), the round cap, and every argument's check with its exact message (unreadable
  values name the dtype they are read in: the model's);
- ``topic_pairwise`` / ``topic_pairs`` / ``topic_knn`` against ``gensim.matutils`` on rows
  prepared by ``engine.topics.measures.prepare``, the measure named or given as the enum (shapes,
  dtypes, nearest first with ties by ascending row, ``k`` of 1 and of every row, unsigned row
  numbers), and each check of the rows, per-row values, row numbers and ``k`` with its exact
  message.
"""

import numpy as np
import pytest
from _topics_helpers import (
    assert_close,
    gensim_distance,
    gensim_inference,
    random_bows,
    random_distributions,
    random_lda,
)
from gensim.matutils import mean_absolute_difference

from engine import _kernels
from engine.errors import ShapeError
from engine.topics.measures import prepare

MEASURES = ("hellinger", "jensen_shannon", "symmetric_kl", "cosine")


# ------------------------------------------------------------------------------ lda_inference


def csr(bows):
    """Bags of words as the kernel's CSR lists (plain Python lists: the edge converts them)."""
    indptr, ids, counts = [0], [], []
    for bow in bows:
        ids += [w for w, _ in bow]
        counts += [c for _, c in bow]
        indptr.append(len(ids))
    return indptr, ids, counts


def model_case(dtype, seed=3, num_topics=5, num_terms=40, n=12):
    lda, _ = random_lda(seed, num_topics, num_terms, dtype)
    bows = random_bows(seed, n, num_terms, max_len=12)
    start = np.random.default_rng(seed + 1).gamma(100.0, 0.01, (n, num_topics)).astype(dtype)
    return lda, bows, start


def word_topics(lda):
    return np.ascontiguousarray(lda.expElogbeta.T)


def infer(lda, bows, start, iterations=None, **kw):
    iterations = lda.iterations if iterations is None else iterations
    return _kernels.lda_inference(
        word_topics(lda), lda.alpha, *csr(bows), start, iterations, lda.gamma_threshold, **kw
    )


def gensim_at(lda, bows, start, iterations):
    saved = lda.iterations
    lda.iterations = iterations
    try:
        return gensim_inference(lda, bows, start.copy())
    finally:
        lda.iterations = saved


@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_lda_inference_equals_gensim_and_leaves_the_start_alone(dtype, rtol):
    lda, bows, start = model_case(dtype)
    before = start.copy()
    gamma, rounds = infer(lda, bows, start)
    np.testing.assert_allclose(gamma, gensim_at(lda, bows, start, lda.iterations), rtol=rtol, atol=0)
    assert gamma.dtype == dtype and gamma.shape == start.shape and gamma.flags.c_contiguous
    assert rounds.dtype == np.int32 and rounds.shape == (len(bows),)
    assert gamma is not start and np.array_equal(start, before)  # "a new array"


def test_lda_inference_counts_the_rounds_gensim_takes():
    """A document's rounds: the first round whose gamma (gensim's after that many ``iterations``)
    moved less than the threshold from the round before, by gensim's own mean absolute change."""
    lda, bows, start = model_case(np.float64, seed=5, n=10)
    _, rounds = infer(lda, bows, start)
    steps = [start] + [gensim_at(lda, bows, start, r) for r in range(1, lda.iterations + 1)]
    want = [
        next(
            (
                r
                for r in range(1, lda.iterations + 1)
                if mean_absolute_difference(steps[r][d], steps[r - 1][d]) < lda.gamma_threshold
            ),
            lda.iterations,
        )
        for d in range(len(bows))
    ]
    assert rounds.tolist() == want
    assert rounds[0] == 2 and 2 < rounds.max() < lda.iterations  # an empty document: 2 rounds


def test_lda_inference_stops_at_the_round_cap_and_the_threshold():
    lda, bows, start = model_case(np.float64, seed=6)
    gamma, rounds = infer(lda, bows, start, iterations=3)
    np.testing.assert_allclose(gamma, gensim_at(lda, bows, start, 3), rtol=1e-12, atol=0)
    assert rounds.max() == 3 and (rounds >= 1).all()
    # a threshold nothing falls below: every document takes every round, as gensim's does
    lda.gamma_threshold = -1.0
    gamma, rounds = infer(lda, bows, start, iterations=np.int64(7))
    np.testing.assert_allclose(gamma, gensim_at(lda, bows, start, 7), rtol=1e-12, atol=0)
    assert rounds.tolist() == [7] * len(bows)


def test_lda_inference_converts_array_likes_to_the_models_dtype():
    lda, bows, start = model_case(np.float32, seed=7)
    indptr, ids, counts = csr(bows)
    gamma, _ = _kernels.lda_inference(
        word_topics(lda),
        lda.alpha.astype(np.float64).tolist(),
        np.array(indptr, dtype=np.int32),
        np.array(ids, dtype=np.int64),
        np.array(counts, dtype=np.float64),
        np.asfortranarray(start.astype(np.float64)),
        lda.iterations,
        lda.gamma_threshold,
    )
    assert gamma.dtype == np.float32
    np.testing.assert_allclose(gamma, gensim_at(lda, bows, start, lda.iterations), rtol=1e-5, atol=0)


def test_zero_counts_and_the_last_word_are_accepted():
    lda, _, _ = model_case(np.float64, seed=8, num_terms=6, n=1)
    bows = [[(0, 0.0), (5, 2.0)], [(5, 0.0)]]
    start = np.full((2, 5), 1.0)
    gamma, _ = infer(lda, bows, start)
    np.testing.assert_allclose(gamma, gensim_at(lda, bows, start, lda.iterations), rtol=1e-12, atol=0)


WT = np.full((3, 2), 0.5)
OK = dict(alpha=[0.5, 0.5], indptr=[0, 1], ids=[0], counts=[1.0], gamma=[[1.0, 1.0]])


def call(word_topics=WT, **change):
    return _kernels.lda_inference(word_topics, iterations=5, threshold=1e-3, **{**OK, **change})


@pytest.mark.parametrize(
    "word_topics",
    [WT.tolist(), WT.astype(np.float16), WT.astype(np.int64), WT.astype(np.complex128)],
    ids=["list", "float16", "int64", "complex"],
)
def test_word_topics_must_be_a_float_array(word_topics):
    with pytest.raises(ShapeError, match=r"^word_topics: expected a float32 or float64 numpy array$"):
        call(word_topics)


def test_word_topics_are_checked_finite_unless_told_not_to():
    bad = WT.copy()
    bad[2, 1] = np.inf
    with pytest.raises(ShapeError, match=r"^word_topics: contains NaN or Inf \(first at row 2, column 1\)$"):
        call(bad)
    with pytest.raises(ShapeError, match=r"^word_topics: expected a 2-D array, got shape \(3,\)$"):
        call(WT[:, 0].copy())
    # finite=False: the scan is skipped (a matrix checked before), word 2 is never read
    gamma, rounds = call(bad, finite=False)
    good, _ = call(WT)
    assert np.array_equal(gamma, good) and rounds.shape == (1,)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(alpha=[0.5]), r"^alpha: 1 values for 2 topics$"),
        (dict(alpha=[[0.5, 0.5]]), r"^alpha: expected a 1-D array, got shape \(1, 2\)$"),
        (dict(alpha=[0.5, 0.0]), r"^alpha: every value must be positive and finite$"),
        (dict(alpha=[-0.5, 0.5]), r"^alpha: every value must be positive and finite$"),
        (dict(alpha=[0.5, np.inf]), r"^alpha: every value must be positive and finite$"),
        (dict(alpha=[np.nan, 0.5]), r"^alpha: every value must be positive and finite$"),
        (dict(indptr=[0, 2]), r"^indptr, ids, counts: not a CSR matrix \(pointers and entries disagree\)$"),
        (
            dict(counts=[1.0, 1.0]),
            r"^indptr, ids, counts: not a CSR matrix \(pointers and entries disagree\)$",
        ),
        (dict(indptr=[[0, 1]]), r"^indptr: expected a 1-D array, got shape \(1, 2\)$"),
        (dict(ids=[3]), r"^ids: word ids must lie in \[0, 3\) \(the model's vocabulary\)$"),
        (dict(ids=[-1]), r"^ids: word ids must lie in \[0, 3\) \(the model's vocabulary\)$"),
        (dict(counts=[-1.0]), r"^counts: every count must be non-negative and finite$"),
        (dict(counts=[np.nan]), r"^counts: every count must be non-negative and finite$"),
        (dict(counts=[np.inf]), r"^counts: every count must be non-negative and finite$"),
        (dict(gamma=[[1.0, 1.0], [1.0, 1.0]]), r"^gamma: expected shape \(1, 2\), got \(2, 2\)$"),
        (dict(gamma=[[1.0, 1.0, 1.0]]), r"^gamma: expected shape \(1, 2\), got \(1, 3\)$"),
        (dict(gamma=[1.0, 1.0]), r"^gamma: expected a 2-D array, got shape \(2,\)$"),
        (dict(gamma=[[1.0, 0.0]]), r"^gamma: every start value must be positive$"),
        (dict(gamma=[[-1.0, 1.0]]), r"^gamma: every start value must be positive$"),
    ],
)
def test_bad_lda_inference_arguments_are_exact_messages(change, message):
    with pytest.raises(ShapeError, match=message):
        call(**change)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("change", "name", "want"),
    [
        (dict(alpha=[0.5, "x"]), "alpha", None),
        (dict(indptr=[0, None]), "indptr", "int64"),
        (dict(ids=[None]), "ids", "int32"),
        (dict(counts=["x"]), "counts", None),
        (dict(gamma=[[1.0, "x"]]), "gamma", None),
    ],
)
def test_unreadable_lda_inference_arguments_name_the_dtype_they_need(dtype, change, name, want):
    """Values are read in the model's dtype (the row pointers and word ids in theirs)."""
    want = want or np.dtype(dtype).name
    with pytest.raises(ShapeError, match=rf"^{name}: cannot be read as a {want} array \("):
        call(WT.astype(dtype), **change)


# ------------------------------------------------------------------------ distances and knn


def gensim_matrix(measure, p, q):
    return np.array([[gensim_distance(measure, a, b) for b in q] for a in p]).reshape(len(p), len(q))


def test_the_measures_are_the_enums_in_order():
    assert _kernels.TOPIC_MEASURES == MEASURES
    assert [_kernels.TopicMeasure.__members__[m].name for m in MEASURES] == list(MEASURES)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("as_enum", [False, True], ids=["name", "enum"])
def test_pairwise_pairs_and_knn_equal_gensim(measure, as_enum):
    p, q = random_distributions(21, 9, 6, 0.3), random_distributions(22, 4, 6, 0.3)
    p[3] = p[1]  # an exact tie for knn
    a, a_aux = prepare(p, measure)
    b, b_aux = prepare(q, measure)
    m = _kernels.TopicMeasure.__members__[measure] if as_enum else measure
    ref = gensim_matrix(measure, p, q)

    got = _kernels.topic_pairwise(m, a, a_aux, b, b_aux)
    assert got.dtype == np.float64 and got.shape == (9, 4)
    assert_close(got, ref)

    ia, ib = [8, 0, 3, 3, 1], [3, 0, 2, 0, 3]  # the last rows of both sides, repeats
    got = _kernels.topic_pairs(m, a, a_aux, b, b_aux, ia, ib)
    assert got.dtype == np.float64 and got.shape == (5,)
    assert_close(got, ref[ia, ib])
    unsigned = _kernels.topic_pairs(m, a, a_aux, b, b_aux, np.array(ia, np.uint64), np.array(ib, np.uint64))
    assert np.array_equal(unsigned, got)  # any integer array of row numbers

    d, i = _kernels.topic_knn(m, a, a_aux, b, b_aux, np.int64(9))  # k = every corpus row
    assert d.dtype == np.float64 and i.dtype == np.int64 and d.shape == i.shape == (4, 9)
    order = np.lexsort((np.broadcast_to(np.arange(9), ref.T.shape), ref.T), axis=1)
    assert i.tolist() == order.tolist()  # nearest first, ties by ascending row
    assert_close(d, np.take_along_axis(ref.T, order, 1))
    for k in (1, 2.0):
        dk, ik = _kernels.topic_knn(m, a, a_aux, b, b_aux, k)
        assert ik.tolist() == order[:, : int(k)].tolist() and np.array_equal(dk, d[:, : int(k)])


def test_rows_are_converted_to_float64():
    p = random_distributions(23, 5, 4, 0.0).astype(np.float32).astype(np.float64)  # exact in float32
    q = random_distributions(24, 3, 4, 0.0)
    a, a_aux = prepare(p, "cosine")
    b, b_aux = prepare(q, "cosine")
    got = _kernels.topic_pairwise(
        "cosine", a.astype(np.float32).tolist(), a_aux.tolist(), np.asfortranarray(b), b_aux.tolist()
    )
    assert_close(got, gensim_matrix("cosine", p, q))


def test_no_pairs_and_no_queries_give_empty_answers():
    a, _ = prepare(random_distributions(25, 3, 4), "hellinger")
    assert _kernels.topic_pairs("hellinger", a, None, a, None, [], []).shape == (0,)
    d, i = _kernels.topic_knn("hellinger", a, None, a[:0], None, 2)
    assert d.shape == i.shape == (0, 2) and i.dtype == np.int64


@pytest.mark.parametrize("measure", ["euclidean", None, ["hellinger"], 0])
def test_an_unknown_measure_is_an_exact_message(measure):
    rows = np.full((2, 3), 1 / 3)
    message = rf"^measure must be one of hellinger, jensen_shannon, symmetric_kl, cosine, got {measure!r}$"
    for call_ in (
        lambda: _kernels.topic_pairwise(measure, rows, None, rows, None),
        lambda: _kernels.topic_pairs(measure, rows, None, rows, None, [0], [0]),
        lambda: _kernels.topic_knn(measure, rows, None, rows, None, 1),
    ):
        with pytest.raises(ShapeError, match=message.replace("[", r"\[").replace("]", r"\]")):
            call_()


ROWS, AUX = np.full((2, 3), 1 / 3), np.full(2, 1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((ROWS, AUX[:1], ROWS, AUX), r"^a: 1 per-row values for 2 rows$"),
        ((ROWS, AUX, ROWS[:1], AUX), r"^b: 2 per-row values for 1 rows$"),
        (
            (ROWS, AUX[:, None], ROWS, AUX),
            r"^a \(per-row values\): expected a 1-D array, got shape \(2, 1\)$",
        ),
        (
            (ROWS, AUX, ROWS, [[1.0, 1.0]]),
            r"^b \(per-row values\): expected a 1-D array, got shape \(1, 2\)$",
        ),
        ((ROWS[0], None, ROWS, None), r"^a: expected a 2-D array, got shape \(3,\)$"),
        ((ROWS, None, ROWS[0], None), r"^b: expected a 2-D array, got shape \(3,\)$"),
        ((ROWS, None, np.full((2, 4), 0.25), None), r"^the two sides have 3 and 4 topics$"),
        (([[0.5, "x"]], None, ROWS, None), r"^a: cannot be read as a float64 array \("),
        ((ROWS, None, [["x", 0.5]], None), r"^b: cannot be read as a float64 array \("),
        ((ROWS, [1.0, "x"], ROWS, AUX), r"^a \(per-row values\): cannot be read as a float64 array \("),
        ((ROWS, AUX, ROWS, ["x", 1.0]), r"^b \(per-row values\): cannot be read as a float64 array \("),
        ((np.full((2, 4), 0.25), None, ROWS, None), r"^the two sides have 4 and 3 topics$"),
    ],
)
def test_bad_rows_and_per_row_values_are_exact_messages(args, message):
    with pytest.raises(ShapeError, match=message):
        _kernels.topic_pairwise("cosine", *args)
    with pytest.raises(ShapeError, match=message):
        _kernels.topic_pairs("cosine", *args, [0], [0])
    with pytest.raises(ShapeError, match=message):
        _kernels.topic_knn("cosine", *args, 1)


@pytest.mark.parametrize(
    ("ia", "ib", "message"),
    [
        ([0, None], [0, 0], r"^ia: cannot be read as a int64 array \("),
        ([0, 0], [None, 0], r"^ib: cannot be read as a int64 array \("),
        ([0, 1], [0], r"^ia, ib: 2 and 1 row numbers$"),
        ([0], [0, 1, 2], r"^ia, ib: 1 and 3 row numbers$"),
        ([[0]], [0], r"^ia: expected a 1-D array, got shape \(1, 1\)$"),
        ([0], [[0]], r"^ib: expected a 1-D array, got shape \(1, 1\)$"),
        ([2], [0], r"^ia, ib: a row number is out of range$"),
        ([-1], [0], r"^ia, ib: a row number is out of range$"),
        ([0], [3], r"^ia, ib: a row number is out of range$"),
        ([0], [-1], r"^ia, ib: a row number is out of range$"),
    ],
)
def test_bad_row_numbers_are_exact_messages(ia, ib, message):
    a, b = np.full((2, 3), 1 / 3), np.full((3, 3), 1 / 3)
    with pytest.raises(ShapeError, match=message):
        _kernels.topic_pairs("hellinger", a, None, b, None, ia, ib)


@pytest.mark.parametrize("k", [0, -1, 4])
def test_k_outside_the_corpus_is_an_exact_message(k):
    corpus, queries = np.full((3, 2), 0.5), np.full((5, 2), 0.5)
    with pytest.raises(ShapeError, match=rf"^k must lie in \[1, 3\] \(the corpus rows\), got {k}$"):
        _kernels.topic_knn("hellinger", corpus, None, queries, None, k)
