"""The k nearest rows by an HNSW graph that FAISS built, its arrays read in place (csrc/hnsw.hpp)."""

import numpy as np

from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch


def hnsw_search(graph, X, Q, k, ef, tags, gens, n_threads=None):
    """Top-``k`` rows of ``X`` for each row of ``Q`` by inner product, walking ``graph``.

    Parameters
    ----------
    graph : tuple
        ``(neighbors int32, offsets uint64, cum_nneighbor_per_level int32, entry_point,
        max_level)``: faiss::HNSW's arrays (``engine.index.hnsw_graph`` reads them).
    X : ndarray of float32, shape (n, d), C order
        The rows the graph indexes.
    Q : ndarray of float32, shape (nq, d), C order
        The queries.
    k, ef : int
        Results per query; nodes kept while searching level 0 (at least ``k``).
    tags : ndarray of uint32, shape (T, n)
        Visited marks, one row per thread, kept between calls (zeros at first).
    gens : ndarray of uint32, shape (T,)
        The generation of each row of ``tags``.
    n_threads : int, optional
        At most ``T``; default engine's thread count.

    Returns
    -------
    scores : ndarray of float32, shape (nq, k)
        Inner products, best first; -inf where the graph holds fewer than ``k`` rows.
    ids : ndarray of int64, shape (nq, k)
        Rows; -1 where none.

    Examples
    --------
    >>> import faiss, numpy as np
    >>> x = np.eye(4, dtype=np.float32)
    >>> index = faiss.IndexHNSWFlat(4, 4, faiss.METRIC_INNER_PRODUCT)
    >>> index.add(x)
    >>> h = index.hnsw
    >>> graph = (faiss.vector_to_array(h.neighbors), faiss.vector_to_array(h.offsets),
    ...          faiss.vector_to_array(h.cum_nneighbor_per_level), h.entry_point, h.max_level)
    >>> tags, gens = np.zeros((1, 4), np.uint32), np.zeros(1, np.uint32)
    >>> hnsw_search(graph, x, x[2:3], 1, 4, tags, gens)[1].tolist()
    [[2]]
    """
    neighbors, offsets, cum, entry, max_level = graph
    n, d = X.shape
    if Q.ndim != 2 or Q.shape[1] != d:
        raise ShapeError(f"hnsw_search: queries of shape {Q.shape}, rows of dimension {d}")
    if tags.shape[1:] != (n,) or gens.shape != tags.shape[:1]:
        raise ShapeError(f"hnsw_search: visited marks of shape {tags.shape} for {n} rows")
    threads = min(tags.shape[0], get_num_threads() if n_threads is None else n_threads)
    scores = np.empty((Q.shape[0], k), dtype=np.float32)
    ids = np.empty((Q.shape[0], k), dtype=np.int64)
    _dispatch.active.hnsw_search(
        neighbors,
        offsets,
        cum,
        int(entry),
        int(max_level),
        X,
        Q,
        int(k),
        int(ef),
        tags,
        gens,
        scores,
        ids,
        threads,
    )
    return scores, ids
