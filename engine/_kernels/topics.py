"""The LDA E-step (csrc/lda.hpp) and the distances between topic distributions
(csrc/topic_measures.hpp). The measures' names are the C++ enum's, ``TopicMeasure``."""

import numpy as np

from .. import _native
from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch
from ._arrays import as_array, as_matrix, in_range, is_indptr

TopicMeasure = _native.TopicMeasure
TOPIC_MEASURES = tuple(TopicMeasure.__members__)  # in the order C++ declares them

_EMPTY = np.zeros(0, dtype=np.float64)


def _measure(measure):
    if isinstance(measure, TopicMeasure):
        return measure
    try:
        return TopicMeasure.__members__[measure]
    except (KeyError, TypeError):
        raise ShapeError(f"measure must be one of {', '.join(TOPIC_MEASURES)}, got {measure!r}") from None


def lda_inference(word_topics, alpha, indptr, ids, counts, gamma, iterations, threshold, finite=True):
    """gensim's ``LdaModel.inference`` (the variational E-step) of many documents at once.

    Parameters
    ----------
    word_topics : numpy.ndarray, float32 or float64 (V, K)
        The model's ``expElogbeta`` transposed (one row of K topics per word), C-contiguous;
        its dtype is the dtype of every computation (gensim's ``LdaModel.dtype``).
    alpha : array_like (K,)
        The document-topic prior, positive.
    indptr : array_like, int64 (n + 1,)
        CSR row pointers: document ``d`` is entries ``indptr[d]:indptr[d + 1]``.
    ids : array_like, int32
        Word ids, each in ``[0, V)``.
    counts : array_like
        Their counts (non-negative).
    gamma : array_like (n, K)
        The start of each document's gamma (gensim draws it from Gamma(100, 1/100)); positive.
    iterations : int
        At most this many rounds per document (``LdaModel.iterations``).
    threshold : float
        A document stops when the mean absolute change of its gamma falls below this
        (``LdaModel.gamma_threshold``).
    finite : bool
        Check ``word_topics`` for NaN and infinities (skip it for a matrix checked before).

    Returns
    -------
    gamma : numpy.ndarray (n, K), ``word_topics.dtype``
        A new array: the variational Dirichlet parameters (unnormalised topic weights).
    rounds : numpy.ndarray, int32 (n,)
        The rounds each document took (``iterations`` for one that did not converge).

    Examples
    --------
    >>> wt = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> g, r = lda_inference(wt, [0.5, 0.5], [0, 1], [0], [3.0], [[1.0, 1.0]], 50, 1e-3)
    >>> bool(g[0, 0] > g[0, 1]), g.dtype
    (True, dtype('float64'))
    """
    if not isinstance(word_topics, np.ndarray) or word_topics.dtype not in (np.float32, np.float64):
        raise ShapeError("word_topics: expected a float32 or float64 numpy array")
    dtype = word_topics.dtype
    wt = as_matrix(word_topics, "word_topics", dtype=dtype, finite=finite)
    V, K = wt.shape
    alpha = as_array(alpha, "alpha", dtype, 1)
    if alpha.shape[0] != K:
        raise ShapeError(f"alpha: {alpha.shape[0]} values for {K} topics")
    if not (np.isfinite(alpha).all() and (alpha > 0).all()):
        raise ShapeError("alpha: every value must be positive and finite")
    indptr = as_array(indptr, "indptr", np.int64, 1)
    ids = as_array(ids, "ids", np.int32, 1)
    counts = as_array(counts, "counts", dtype, 1)
    if ids.shape != counts.shape or not is_indptr(indptr, ids.shape[0]):
        raise ShapeError("indptr, ids, counts: not a CSR matrix (pointers and entries disagree)")
    if not in_range(ids, V):
        raise ShapeError(f"ids: word ids must lie in [0, {V}) (the model's vocabulary)")
    if not (np.isfinite(counts).all() and (counts >= 0).all()):
        raise ShapeError("counts: every count must be non-negative and finite")
    gamma = np.array(as_matrix(gamma, "gamma", dtype=dtype), dtype=dtype, order="C", copy=True)
    if gamma.shape != (indptr.shape[0] - 1, K):
        raise ShapeError(f"gamma: expected shape {(indptr.shape[0] - 1, K)}, got {gamma.shape}")
    if not (gamma > 0).all():
        raise ShapeError("gamma: every start value must be positive")
    rounds = np.zeros(gamma.shape[0], dtype=np.int32)
    infer = _dispatch.active.lda_infer_f32 if dtype == np.float32 else _dispatch.active.lda_infer_f64
    infer(wt, alpha, indptr, ids, counts, gamma, rounds, int(iterations), float(threshold), get_num_threads())
    return gamma, rounds


def _rows(x, aux, name):
    x = as_matrix(x, name, dtype=np.float64, finite=False)
    if aux is None:
        return x, _EMPTY
    aux = as_array(aux, f"{name} (per-row values)", np.float64, 1)
    if aux.shape[0] != x.shape[0]:
        raise ShapeError(f"{name}: {aux.shape[0]} per-row values for {x.shape[0]} rows")
    return x, aux


def _two(a, a_aux, b, b_aux):
    a, a_aux = _rows(a, a_aux, "a")
    b, b_aux = _rows(b, b_aux, "b")
    if a.shape[1] != b.shape[1]:
        raise ShapeError(f"the two sides have {a.shape[1]} and {b.shape[1]} topics")
    return a, a_aux, b, b_aux


def topic_pairwise(measure, a, a_aux, b, b_aux):
    """Distances between every row of ``a`` and every row of ``b``.

    Parameters
    ----------
    measure : str or TopicMeasure
        One of ``TOPIC_MEASURES``.
    a, b : array_like, float64 (n, K) and (m, K)
        Rows prepared for the measure (csrc/topic_measures.hpp says which form each reads).
    a_aux, b_aux : array_like, float64 (n,) and (m,), or None
        Their per-row values (sums for ``jensen_shannon``, norms for ``cosine``; None for the
        others).

    Returns
    -------
    numpy.ndarray, float64 (n, m)

    Examples
    --------
    >>> p = np.sqrt([[0.5, 0.5], [1.0, 0.0]])
    >>> topic_pairwise("hellinger", p, None, p, None).round(4).tolist()
    [[0.0, 0.5412], [0.5412, 0.0]]
    """
    m = _measure(measure)
    a, a_aux, b, b_aux = _two(a, a_aux, b, b_aux)
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    _dispatch.active.topic_pairwise(m, a, a_aux, b, b_aux, out, get_num_threads())
    return out


def topic_pairs(measure, a, a_aux, b, b_aux, ia, ib):
    """Distances of the pairs ``(a[ia[t]], b[ib[t]])``.

    Parameters
    ----------
    measure, a, a_aux, b, b_aux
        As for `topic_pairwise`.
    ia, ib : array_like of int, (t,)
        Row numbers of ``a`` and of ``b``.

    Returns
    -------
    numpy.ndarray, float64 (t,)

    Examples
    --------
    >>> p = np.array([[0.5, 0.5], [1.0, 0.0]])
    >>> topic_pairs("cosine", p, np.linalg.norm(p, axis=1), p, np.linalg.norm(p, axis=1), [0], [1]).round(4)
    array([0.2929])
    """
    m = _measure(measure)
    a, a_aux, b, b_aux = _two(a, a_aux, b, b_aux)
    ia = as_array(ia, "ia", np.int64, 1)
    ib = as_array(ib, "ib", np.int64, 1)
    if ia.shape != ib.shape:
        raise ShapeError(f"ia, ib: {ia.shape[0]} and {ib.shape[0]} row numbers")
    if not (in_range(ia, a.shape[0]) and in_range(ib, b.shape[0])):
        raise ShapeError("ia, ib: a row number is out of range")
    out = np.empty(ia.shape[0], dtype=np.float64)
    _dispatch.active.topic_pairs(m, a, a_aux, b, b_aux, ia, ib, out, get_num_threads())
    return out


def topic_knn(measure, corpus, corpus_aux, queries, queries_aux, k):
    """The ``k`` rows of ``corpus`` nearest to each query by brute force, exactly.

    Parameters
    ----------
    measure : str or TopicMeasure
        One of ``TOPIC_MEASURES``.
    corpus, queries : array_like, float64 (n, K) and (q, K)
        Rows prepared for the measure.
    corpus_aux, queries_aux : array_like, float64, or None
        Their per-row values, as for `topic_pairwise`.
    k : int
        Neighbours per query, in ``[1, n]``.

    Returns
    -------
    distances : numpy.ndarray, float64 (q, k)
    ids : numpy.ndarray, int64 (q, k)
        Nearest first, ties by ascending row.

    Examples
    --------
    >>> p = np.sqrt([[0.5, 0.5], [1.0, 0.0], [0.5, 0.5]])
    >>> d, i = topic_knn("hellinger", p, None, p[:1], None, 2)
    >>> i.tolist(), d.tolist()
    ([[0, 2]], [[0.0, 0.0]])
    """
    m = _measure(measure)
    corpus, corpus_aux, queries, queries_aux = _two(corpus, corpus_aux, queries, queries_aux)
    k = int(k)
    if not 1 <= k <= corpus.shape[0]:
        raise ShapeError(f"k must lie in [1, {corpus.shape[0]}] (the corpus rows), got {k}")
    d = np.empty((queries.shape[0], k), dtype=np.float64)
    i = np.empty((queries.shape[0], k), dtype=np.int64)
    _dispatch.active.topic_knn(m, corpus, corpus_aux, queries, queries_aux, d, i, get_num_threads())
    return d, i
