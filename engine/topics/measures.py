r"""Distances between topic distributions, as ``gensim.matutils`` computes them, batched.

Every measure is a distance (0 between identical distributions), computed in float64 by the
C++ kernels (``csrc/topic_measures.hpp``) on the values given; with ``p``, ``q`` two rows of
non-negative shares (they need not sum to 1: gensim's ``get_document_topics`` leaves small shares
out without renormalising):

``hellinger``
    :math:`H(p, q) = \sqrt{\tfrac12 \sum_k (\sqrt{p_k} - \sqrt{q_k})^2}`
    (``matutils.hellinger``).
``jensen_shannon``
    :math:`\tfrac12 \big(KL(\hat p \,\|\, \hat m) + KL(\hat q \,\|\, \hat m)\big)` with
    :math:`m = (p + q)/2` and :math:`\hat x = x / \sum_k x_k` (``matutils.jensen_shannon``:
    ``scipy.stats.entropy`` normalises each side; natural logarithms).
``symmetric_kl``
    :math:`KL(\hat p \,\|\, \hat q) + KL(\hat q \,\|\, \hat p)`, the sum of gensim's
    ``matutils.kullback_leibler`` both ways; :math:`+\infty` where one side has a topic the other
    lacks.
``cosine``
    :math:`1 - \frac{p \cdot q}{\lVert p\rVert \lVert q\rVert}` (1 minus ``matutils.cossim``; 1
    when either side is all zeros, whose ``cossim`` is 0).

with :math:`KL(a \,\|\, b) = \sum_k a_k \ln(a_k / b_k)`, a term being 0 where :math:`a_k = 0`.
Distributions are rows of an array, or gensim's lists of ``(topic, share)`` pairs (with the
number of topics given). NaN, infinities and negative shares are errors; so is a row of zeros
for the two measures that normalise it (gensim's answer would be NaN).

>>> import numpy as np
>>> p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
>>> pairwise(p, measure="hellinger").round(4)
array([[0.    , 0.5578],
       [0.5578, 0.    ]])
"""

import numpy as np

from .. import _kernels
from .._params import Options, check
from ..errors import ShapeError

__all__ = ["MEASURES", "as_distributions", "is_numeric", "paired", "pairwise", "prepare"]

MEASURES = _kernels.TOPIC_MEASURES  # ("hellinger", "jensen_shannon", "symmetric_kl", "cosine")
_NORMALISED = ("jensen_shannon", "symmetric_kl")


def _is_pair(x):
    """A (topic, share) tuple, as gensim gives them."""
    return (
        isinstance(x, tuple)
        and len(x) == 2
        and isinstance(x[0], (int, np.integer))
        and not isinstance(x[0], bool)
    )


def _is_sparse_rows(x):
    """True for gensim's form: a list of (topic, share) tuples, or a list of such lists."""
    if not isinstance(x, (list, tuple)) or not x:
        return False
    if _is_pair(x[0]):
        return True
    return all(isinstance(r, (list, tuple)) for r in x) and any(len(r) and _is_pair(r[0]) for r in x)


def is_numeric(x):
    """Tell whether ``x`` holds distributions as numbers rather than documents.

    Parameters
    ----------
    x : object
        Distributions or documents.

    Returns
    -------
    bool
        True for a numeric array, a list of numbers, or a list of lists (or arrays) of numbers;
        False for texts, token lists and bags of words (lists of pairs).

    Examples
    --------
    >>> is_numeric([[0.5, 0.5]]), is_numeric([[(0, 1.0)]]), is_numeric(["a text"])
    (True, False, False)
    """
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "biuf"
    if not isinstance(x, (list, tuple)) or not x:
        return False
    first = x[0]
    if isinstance(first, np.ndarray) or (
        isinstance(first, (int, float, np.number)) and not isinstance(first, bool)
    ):
        return True
    return isinstance(first, list) and len(first) > 0 and isinstance(first[0], (int, float, np.number))


def _dense(rows, num_topics, name):
    """gensim's sparse rows as a dense array of ``num_topics`` columns."""
    out = np.zeros((len(rows), num_topics), dtype=np.float64)
    for i, row in enumerate(rows):
        for topic, share in row:
            if not 0 <= int(topic) < num_topics:
                raise ShapeError(f"{name}: row {i} has topic {int(topic)}, expected {num_topics} topics")
            out[i, int(topic)] = share
    return out


def as_distributions(x, name="distributions", num_topics=None):
    """Topic distributions as a checked float64 array.

    Parameters
    ----------
    x : array_like (n, K) or (K,), or gensim's sparse form
        Rows of shares; or a list of ``(topic, share)`` pairs (one distribution) or a list of
        such lists (then ``num_topics`` says K).
    name : str
        What ``x`` is, for the error messages.
    num_topics : int, optional
        The number of topics ``x`` must have (a model's).

    Returns
    -------
    distributions : numpy.ndarray, float64 (n, K)
    single : bool
        True when ``x`` was one distribution (1-D, or one list of pairs).

    Raises
    ------
    ShapeError
        For NaN or an infinity, a negative share, another number of topics than ``num_topics``,
        or an array of more than 2 dimensions.

    Examples
    --------
    >>> as_distributions([(0, 0.25), (2, 0.75)], num_topics=3)
    (array([[0.25, 0.  , 0.75]]), True)
    >>> as_distributions([[0.5, float("nan")]])
    Traceback (most recent call last):
    ...
    engine.errors.ShapeError: distributions: contains NaN or Inf (first at row 0, column 1)
    """
    single = False
    if _is_sparse_rows(x):
        single = _is_pair(x[0])
        rows = [x] if single else x
        if num_topics is None:
            num_topics = 1 + max((int(t) for r in rows for t, _ in r), default=-1)
        x = _dense(rows, num_topics, name)
    else:
        x = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
        single = x.ndim == 1
        if single:
            x = x[None, :]
    a = _kernels.as_matrix(x, name, dtype=np.float64)
    if num_topics is not None and a.shape[1] != num_topics:
        raise ShapeError(f"{name} has {a.shape[1]} topics, expected {num_topics}")
    if a.size and a.min() < 0:
        r, k = np.argwhere(a < 0)[0]
        raise ShapeError(f"{name}: a share is negative (row {r}, topic {k}: {a[r, k]!r})")
    return a, single


def prepare(p, measure):
    """The rows a measure's kernel reads, and their per-row values (``csrc/topic_measures.hpp``).

    Parameters
    ----------
    p : numpy.ndarray, float64 (n, K)
        Checked distributions (`as_distributions`).
    measure : str
        One of ``MEASURES``.

    Returns
    -------
    rows : numpy.ndarray, float64 (n, K)
        ``sqrt(p)`` (hellinger), ``p`` divided by its row sums (symmetric_kl), else ``p``.
    aux : numpy.ndarray, float64 (n,), or None
        The row sums (jensen_shannon), the row norms (cosine), or None.

    Raises
    ------
    ShapeError
        For a row of zeros under jensen_shannon or symmetric_kl.

    Examples
    --------
    >>> rows, aux = prepare(np.array([[1.0, 3.0]]), "symmetric_kl")
    >>> rows.tolist(), aux
    ([[0.25, 0.75]], None)
    """
    if measure == "hellinger":
        return np.sqrt(p), None
    if measure == "cosine":
        return p, np.sqrt(np.einsum("ij,ij->i", p, p))
    sums = p.sum(axis=1)  # as scipy.stats.entropy sums each side
    if (sums == 0).any():
        raise ShapeError(
            f"row {int(np.argmax(sums == 0))} has no mass (every share 0): {measure} needs a distribution"
        )
    if measure == "jensen_shannon":
        return p, sums
    return p / sums[:, None], None


def _pair_inputs(p, q, measure, num_topics):
    check("measure", measure, [Options(MEASURES)], where="topics")
    p, p_single = as_distributions(p, "p", num_topics)
    q, q_single = as_distributions(q, "q", num_topics if num_topics is not None else p.shape[1])
    return p, p_single, q, q_single


def pairwise(p, q=None, measure="hellinger", num_topics=None):
    """The distance between every distribution of ``p`` and every one of ``q``.

    Parameters
    ----------
    p : array_like (n, K) or gensim's sparse form
        Distributions (`as_distributions`).
    q : array_like (m, K), optional
        Default ``p``.
    measure : {"hellinger", "jensen_shannon", "symmetric_kl", "cosine"}
        The distance (the module's docstring has each formula).
    num_topics : int, optional
        K, for the sparse form; checked when given.

    Returns
    -------
    numpy.ndarray, float64 (n, m)

    Raises
    ------
    ShapeError
        For bad distributions (see `as_distributions`, `prepare`) or two sides with different
        numbers of topics.
    EngineError
        For an unknown measure.

    Examples
    --------
    >>> p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    >>> pairwise(p, p[:1], measure="jensen_shannon").round(4)
    array([[0.  ],
           [0.29]])
    """
    p, _, q, _ = _pair_inputs(p, p if q is None else q, measure, num_topics)
    a, a_aux = prepare(p, measure)
    b, b_aux = prepare(q, measure)
    return _kernels.topic_pairwise(measure, a, a_aux, b, b_aux)


def paired(p, q, measure="hellinger", num_topics=None):
    """The distance between ``p[i]`` and ``q[i]`` for each ``i`` (gensim's functions, batched).

    Parameters
    ----------
    p, q : array_like (n, K) or (K,), or gensim's sparse form
        Distributions; one side may be a single distribution, paired with every row of the other.
    measure : {"hellinger", "jensen_shannon", "symmetric_kl", "cosine"}
        The distance.
    num_topics : int, optional
        K, for the sparse form; checked when given.

    Returns
    -------
    numpy.ndarray, float64 (n,), or float
        A float when both sides are single distributions (as ``matutils.hellinger(p, q)``).

    Raises
    ------
    ShapeError
        For bad distributions, or sides of different lengths (neither single).

    Examples
    --------
    >>> round(paired([0.7, 0.2, 0.1], [0.1, 0.1, 0.8]), 4)
    0.5578
    >>> paired([(0, 1.0)], [(1, 1.0)], measure="cosine", num_topics=2)
    1.0
    """
    p, p_single, q, q_single = _pair_inputs(p, q, measure, num_topics)
    n = max(len(p), len(q))
    if len(p) != len(q) and not (p_single or q_single):
        raise ShapeError(f"p and q: {len(p)} and {len(q)} distributions, to be paired row by row")
    a, a_aux = prepare(p, measure)
    b, b_aux = prepare(q, measure)
    ia = np.zeros(n, dtype=np.int64) if p_single else np.arange(n, dtype=np.int64)
    ib = np.zeros(n, dtype=np.int64) if q_single else np.arange(n, dtype=np.int64)
    out = _kernels.topic_pairs(measure, a, a_aux, b, b_aux, ia, ib)
    return float(out[0]) if p_single and q_single else out
