"""Exact search and recall: the reference an approximate index is measured and re-ranked against."""

import numpy as np

from .. import _kernels, compressed
from ..errors import FormatError


def recall_at_k(unit, rows, ids, k):
    """Recall@k of ``ids`` (``(Q, >= k)``, -1 for none) found for the words ``rows`` of ``unit``.

    Each query's own row is dropped from ``ids`` (as ``most_similar`` drops the word); a
    returned row counts as found when its exact cosine is at least the exact k-th best, the
    word itself excluded, so ties at the boundary are not misses. Any approximate search (FAISS,
    hnswlib ...) can be measured with it.

    Parameters
    ----------
    unit : ndarray of float32, shape (N, D)
        Unit rows of the vocabulary.
    rows : array of int, shape (Q,)
        The rows queried.
    ids : array of int, shape (Q, >= k)
        The rows the approximate search returned for them (-1 for none).
    k : int
        Neighbours compared per query.

    Returns
    -------
    float
        Recall@k in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.eye(4, dtype=np.float32) + 0.1
    >>> unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    >>> _, ids = exact_search(unit, unit[:2], 3)
    >>> recall_at_k(unit, np.array([0, 1]), ids, 2)
    1.0
    """
    q = np.ascontiguousarray(unit[rows])
    exact_scores, _ = exact_search(unit, q, k, exclude=rows)
    bound = exact_scores[:, k - 1] - 1e-5
    found = 0
    for r, row_ids, b, qv in zip(rows, np.asarray(ids), bound, q):
        got = [i for i in row_ids.tolist() if i >= 0 and i != r][:k]
        if got:
            found += int(np.count_nonzero(unit[got] @ qv >= b))
    return found / (len(rows) * k)


def exact_search(unit, queries, k, exclude=None):
    """Exact top-``k`` by inner product with engine's search kernel, ``(scores, ids)``.

    This is the reference ``recall`` measures against.

    Parameters
    ----------
    unit : ndarray of float32, shape (N, D)
        The rows searched (unit rows for cosines).
    queries : ndarray of float32, shape (Q, D)
        The queries.
    k : int
        Results per query (one fewer when ``exclude`` is given and ``k`` is ``N``).
    exclude : array of int, shape (Q,), optional
        One row per query removed from that query's results.

    Returns
    -------
    scores : ndarray of float32, shape (Q, k)
        Inner products, best first.
    ids : ndarray of int64, shape (Q, k)
        Their rows.

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    >>> scores, ids = exact_search(unit, unit[:1], 2, exclude=[0])
    >>> ids.tolist()
    [[1, 2]]
    """
    k = min(k, unit.shape[0] - (exclude is not None))
    rows = None if exclude is None else [[int(r)] for r in exclude]
    return _kernels.topk(unit, queries, k, exclude=rows)


def _rescore(vectors, q, ids, k, precision="float32"):
    """Exact float32 cosines of the candidate ``ids`` (-1: none), best ``k`` kept per query.

    The float32 kernel's single-query scores (those of ``Vectors.search``), ties by ascending
    row, duplicates counted once; ``precision`` (``engine.compressed.choose_rerank``) scores the
    candidates through a compressed copy first, re-reading fewer float32 rows for the same answer.
    """
    copies = vectors._copies()
    kind = compressed.choose_rerank(precision, copies, vectors.unit)
    copy = None if kind == "float32" else copies[kind]
    scores, ids, _ = compressed.rerank(vectors.unit, copy, q, ids, k)
    return scores, ids


def _check_ids(ids, n):
    """Row ids FAISS returned must name rows of the vocabulary (-1: none found)."""
    if ids.size and (int(ids.max()) >= n or int(ids.min()) < -1):
        bad = int(ids.max()) if int(ids.max()) >= n else int(ids.min())
        raise FormatError(
            f"FaissIndex: the FAISS index returned row id {bad}, outside the vocabulary of {n} words "
            "(a damaged index file)"
        )
