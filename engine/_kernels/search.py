"""Exact top-k rows of a float32 matrix by inner product, or by gensim's 3CosMul over several
query rows per item (csrc/topk.hpp). The tile sizes and the scoring are the kernel's own
classes, ``TopKParams`` and ``Scoring``: their defaults live in C++ only."""

import functools

import numpy as np

from .. import _native
from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch
from ._arrays import as_matrix
from ._blas import sgemm_address, single_threaded_blas

TopKParams = _native.TopKParams
Scoring = _native.Scoring

# Never modified; their values are read once here (a bound attribute costs ~0.15 µs a read).
_TILES = TopKParams()  # the kernel's tile sizes as csrc/topk.hpp sets them
_TILES_SMALL_BATCH = _TILES.small_batch
_INNER_PRODUCT = (Scoring(), Scoring().columns())  # one query row per item, by inner product


def exclusion_csr(exclude, n_items):
    """Per-item rows to leave out, as the sorted CSR the kernel reads.

    Parameters
    ----------
    exclude : sequence of iterables of int, or None
        One iterable of rows per item (None: nothing excluded).
    n_items : int
        The number of query items.

    Returns
    -------
    indptr : numpy.ndarray, int64 (n_items + 1,)
    ids : numpy.ndarray, int64
        Item ``i``'s rows, sorted and unique, are ``ids[indptr[i]:indptr[i + 1]]``.

    Examples
    --------
    >>> indptr, ids = exclusion_csr([[3, 1, 3], []], 2)
    >>> indptr.tolist(), ids.tolist()
    ([0, 2, 2], [1, 3])
    """
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    if exclude is None:
        return indptr, np.zeros(0, dtype=np.int64)
    if len(exclude) != n_items:
        raise ShapeError(f"exclude: one list per query expected ({n_items}), got {len(exclude)}")
    lists = [
        np.unique(np.asarray(list(e) if not isinstance(e, np.ndarray) else e, dtype=np.int64))
        for e in exclude
    ]
    np.cumsum([len(e) for e in lists], out=indptr[1:])
    ids = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
    return indptr, np.ascontiguousarray(ids, dtype=np.int64)


def _scoring(cosmul):
    """The kernel's Scoring for ``cosmul`` and its query rows per item."""
    if cosmul is None:
        return _INNER_PRODUCT
    n_pos, n_neg = cosmul
    return _cosmul(n_pos, n_neg)


def _cosmul(n_pos, n_neg):
    """3CosMul over ``n_pos`` positive and ``n_neg`` negative rows (never modified), its columns."""
    scoring = Scoring()
    scoring.cosmul = True
    scoring.n_pos, scoring.n_neg = n_pos, n_neg
    return scoring, scoring.columns()


# applied here, not as a decorator: mutmut 3 does not mutate a decorated function (docs/evidence.md)
_cosmul = functools.lru_cache(maxsize=16)(_cosmul)


def topk(matrix, queries, k, lo=0, hi=None, exclude=None, cosmul=None, params=None):
    """Exact top-``k`` rows of ``matrix[lo:hi]`` by inner product with each query.

    Parameters
    ----------
    matrix : array_like, float32 (n, d)
        The rows searched (not checked for NaN: a Vectors' rows were checked when it was built).
    queries : array_like, float32 (n_items * columns, d)
        One row per item, or ``n_pos + n_neg`` rows per item with ``cosmul``.
    k : int
        Results per item, at least 1 and at most ``hi - lo``.
    lo, hi : int
        The range of rows searched (``hi=None``: to the end).
    exclude : sequence of iterables of int, optional
        One iterable of rows per item, never returned for it.
    cosmul : (int, int), optional
        ``(n_pos, n_neg)``: rank the items by gensim's 3CosMul over their query rows instead.
    params : TopKParams, optional
        Tile sizes of the kernel; by default the kernel's own.

    Returns
    -------
    scores : numpy.ndarray, float32 (n_items, k)
    ids : numpy.ndarray, int64 (n_items, k)
        Best first, exact ties by ascending row; ids are rows of ``matrix``. Slots beyond the
        rows available (after exclusions) hold id -1 and score -inf.

    Examples
    --------
    >>> X = np.eye(3, dtype=np.float32)
    >>> scores, ids = topk(X, X[:1] + X[2:] / 2, 2)
    >>> ids.tolist(), scores.tolist()
    ([[0, 2]], [[1.0, 0.5]])
    """
    matrix = as_matrix(matrix, "matrix", finite=False)
    queries = as_matrix(queries, "queries")
    n, d = matrix.shape
    hi = n if hi is None else hi
    if not 0 <= lo <= hi <= n:
        raise ShapeError(f"row range [{lo}, {hi}) is not within the {n} rows")
    if queries.shape[1] != d:
        raise ShapeError(f"queries have {queries.shape[1]} dimensions, the vectors {d}")
    scoring, cols = _scoring(cosmul)
    if queries.shape[0] % cols:
        raise ShapeError(f"queries: {queries.shape[0]} rows is not a multiple of {cols} per item")
    n_items = queries.shape[0] // cols
    if n_items == 0:
        raise ShapeError("queries: no query given")
    k = int(k)
    if k <= 0:
        raise ShapeError(f"k must be at least 1, got {k}")
    if k > hi - lo:
        raise ShapeError(f"k = {k} exceeds the {hi - lo} vectors searched")
    ex_ptr, ex_ids = exclusion_csr(exclude, n_items)
    scores = np.empty((n_items, k), dtype=np.float32)
    ids = np.empty((n_items, k), dtype=np.int64)
    if params is None:
        params, small_batch = _TILES, _TILES_SMALL_BATCH
    else:
        small_batch = params.small_batch
    args = (matrix, lo, hi, queries, k, ex_ptr, ex_ids, scoring)
    tail = (scores, ids, get_num_threads(), params)
    if queries.shape[0] <= small_batch:  # no sgemm call on this path
        _dispatch.active.topk(*args, 0, *tail)
    else:
        sgemm = sgemm_address()  # first: loads scipy's BLAS, which the limiter must see
        with single_threaded_blas:
            _dispatch.active.topk(*args, sgemm, *tail)
    return scores, ids


_NO_EXCLUSION = np.zeros(2, dtype=np.int64)  # indptr of one item with nothing excluded (read-only)
_NO_EXCLUSION.flags.writeable = False
_ONE_EXCLUSION = np.array([0, 1], dtype=np.int64)
_ONE_EXCLUSION.flags.writeable = False


def topk_one(matrix, query, k, exclude_row=-1):
    """`topk` of one query over a whole matrix known to be good, with at most one row left out.

    The per-call path of ``Vectors.most_similar(word)``: ``matrix`` is a Vectors' unit matrix
    (C-contiguous float32, checked when the Vectors was built), so nothing about it is checked
    or copied again; ``query`` is a C-contiguous float32 vector of its width and ``1 <= k <=
    rows`` (the caller's guarantee). Returns ``(scores, ids)`` of shape (1, k), as `topk`.

    Examples
    --------
    >>> X = np.eye(3, dtype=np.float32)
    >>> topk_one(X, X[0] + X[2] / 2, 2, exclude_row=0)[1].tolist()
    [[2, 1]]
    """
    n = matrix.shape[0]
    if exclude_row >= 0:
        ex_ptr, ex_ids = _ONE_EXCLUSION, np.array([exclude_row], dtype=np.int64)
    else:
        ex_ptr, ex_ids = _NO_EXCLUSION, _NO_EXCLUSION[:0]
    scores = np.empty((1, k), dtype=np.float32)
    ids = np.empty((1, k), dtype=np.int64)
    _dispatch.active.topk(
        matrix,
        0,
        n,
        query.reshape(1, -1),
        k,
        ex_ptr,
        ex_ids,
        _INNER_PRODUCT[0],
        0,
        scores,
        ids,
        get_num_threads(),
        _TILES,
    )
    return scores, ids
