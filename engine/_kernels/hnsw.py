"""The k nearest rows by an HNSW graph that FAISS built (csrc/hnsw.hpp): level 0 packed in
hnswlib's layout (``hnsw_pack``), the upper levels read in place (``hnsw_search``)."""

import numpy as np

from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch

# nodes packed per step: bounds the temporary index arrays of the gather (a few MB)
_PACK_CHUNK = 8192


def hnsw_pack(neighbors, offsets, cum, rows):
    """Level 0 of faiss::HNSW's graph and its rows, one 64-byte aligned block per node.

    Node ``v``'s block (row ``v`` of the result) holds its row (``d`` floats), then, read as
    int32, its number of level-0 neighbours (FAISS's list up to its first -1) and FAISS's
    level-0 slots (``width`` of them) as FAISS holds them (the ids in FAISS's order, then -1
    where the list is not full), zeros after (the padding). A walk then reads one block per
    neighbour instead of FAISS's three places (offsets, neighbour lists, rows), as hnswlib lays
    out its graph.

    Parameters
    ----------
    neighbors : ndarray of int32
        faiss::HNSW's ``neighbors``.
    offsets : ndarray of uint64, shape (n + 1,)
        faiss::HNSW's ``offsets``.
    cum : ndarray of int32
        faiss::HNSW's ``cum_nneighbor_per_level``.
    rows : ndarray of float32, shape (n, d)
        The rows the graph indexes.

    Returns
    -------
    ndarray of float32, shape (n, stride)
        The blocks; ``stride`` is the smallest multiple of 16 floats ≥ ``d + 1 + width``, where
        ``width`` is FAISS's level-0 slots per node (2 M). Its memory is the rows' again plus 4
        bytes per slot.

    Examples
    --------
    >>> import faiss, numpy as np
    >>> x = np.eye(4, dtype=np.float32)
    >>> index = faiss.IndexHNSWFlat(4, 2, faiss.METRIC_INNER_PRODUCT)
    >>> index.add(x)
    >>> h = index.hnsw
    >>> blocks = hnsw_pack(faiss.vector_to_array(h.neighbors), faiss.vector_to_array(h.offsets),
    ...                    faiss.vector_to_array(h.cum_nneighbor_per_level), x)
    >>> blocks.shape, blocks[2, :4].tolist(), int(blocks[2, 4:].view(np.int32)[0])
    ((4, 16), [0.0, 0.0, 1.0, 0.0], 3)
    """
    n, d = rows.shape
    if offsets.shape != (n + 1,) or len(cum) < 2:
        raise ShapeError(f"hnsw_pack: {offsets.shape[0]} offsets and {len(cum)} levels for {n} rows")
    base, width = int(cum[0]), int(cum[1] - cum[0])
    stride = -(-(d + 1 + width) // 16) * 16  # floats: a whole number of 64-byte lines
    raw = np.empty(n * stride + 16, dtype=np.float32)
    skip = (-raw.ctypes.data % 64) // 4  # np.empty aligns to 16 bytes; the blocks start on a line
    blocks = raw[skip : skip + n * stride].reshape(n, stride)
    ints = blocks.view(np.int32)
    slots = np.arange(width, dtype=np.int64) + base
    for start in range(0, n, _PACK_CHUNK):
        stop = min(n, start + _PACK_CHUNK)
        ids = neighbors[offsets[start:stop, None].astype(np.int64) + slots]
        empty = ids < 0  # FAISS ends a list with -1 (a full list has none)
        blocks[start:stop, :d] = rows[start:stop]
        ints[start:stop, d] = np.where(empty.any(axis=1), empty.argmax(axis=1), width)
        ints[start:stop, d + 1 : d + 1 + width] = ids
        ints[start:stop, d + 1 + width :] = 0
    return blocks


def hnsw_search(graph, Q, k, ef, tags, gens, n_threads=None):
    """Top-``k`` rows for each row of ``Q`` by inner product, walking ``graph``.

    Parameters
    ----------
    graph : tuple
        ``(neighbors int32, offsets uint64, cum_nneighbor_per_level int32, entry_point,
        max_level, blocks, d)``: faiss::HNSW's arrays (the upper levels), ``hnsw_pack``'s blocks
        of them (level 0 and the rows) and the dimension (``engine.index.hnsw_graph`` makes it).
    Q : ndarray of float32, shape (nq, d), C order
        The queries.
    k, ef : int
        Results per query; nodes kept while searching level 0 (at least ``k``).
    tags : ndarray of uint16, shape (T, n)
        Visited marks, one row per thread, kept between calls (zeros at first).
    gens : ndarray of uint16, shape (T,)
        The generation of each row of ``tags``.
    n_threads : int, optional
        At most ``T``; default engine's thread count.

    Returns
    -------
    scores : ndarray of float32, shape (nq, k)
        Inner products, best first (ties in ascending row); -inf where the graph holds fewer
        than ``k`` rows.
    ids : ndarray of int64, shape (nq, k)
        Rows; -1 where none.

    Examples
    --------
    >>> import faiss, numpy as np
    >>> x = np.eye(4, dtype=np.float32)
    >>> index = faiss.IndexHNSWFlat(4, 4, faiss.METRIC_INNER_PRODUCT)
    >>> index.add(x)
    >>> h = index.hnsw
    >>> arrays = (faiss.vector_to_array(h.neighbors), faiss.vector_to_array(h.offsets),
    ...           faiss.vector_to_array(h.cum_nneighbor_per_level))
    >>> graph = (*arrays, h.entry_point, h.max_level, hnsw_pack(*arrays, x), 4)
    >>> tags, gens = np.zeros((1, 4), np.uint16), np.zeros(1, np.uint16)
    >>> hnsw_search(graph, x[2:3], 1, 4, tags, gens)[1].tolist()
    [[2]]
    """
    neighbors, offsets, cum, entry, max_level, blocks, d = graph
    n = blocks.shape[0]
    width = int(cum[1] - cum[0])
    if blocks.ndim != 2 or blocks.shape[1] < d + 1 + width or offsets.shape != (n + 1,):
        raise ShapeError(f"hnsw_search: blocks of shape {blocks.shape} for {n} rows of dimension {d}")
    if Q.ndim != 2 or Q.shape[1] != d:
        raise ShapeError(f"hnsw_search: queries of shape {Q.shape}, rows of dimension {d}")
    if tags.shape[1:] != (n,) or gens.shape != tags.shape[:1]:
        raise ShapeError(f"hnsw_search: visited marks of shape {tags.shape} for {n} rows")
    for name, a, dtype in (
        ("Q", Q, np.float32),
        ("blocks", blocks, np.float32),
        ("tags", tags, np.uint16),
        ("gens", gens, np.uint16),
    ):
        if a.dtype != dtype or not a.flags.c_contiguous:  # the kernel reads / writes them in place
            raise ShapeError(
                f"hnsw_search: {name} must be C-contiguous {np.dtype(dtype).name}, got {a.dtype}"
            )
    if not 0 <= entry < n or k < 1:
        raise ShapeError(f"hnsw_search: entry point {entry} of {n} rows, k={k}")
    threads = min(tags.shape[0], get_num_threads() if n_threads is None else n_threads)
    scores = np.empty((Q.shape[0], k), dtype=np.float32)
    ids = np.empty((Q.shape[0], k), dtype=np.int64)
    _dispatch.active.hnsw_search(
        neighbors,
        offsets,
        cum,
        int(entry),
        int(max_level),
        blocks,
        int(d),
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
