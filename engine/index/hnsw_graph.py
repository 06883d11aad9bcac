"""HNSW searches by engine's own routine (csrc/hnsw.hpp) over the graph FAISS built.

FAISS's ``IndexHNSW::search`` costs, per call, more than one query's walk needs (a visited
table of N bytes allocated and cleared, an OpenMP region, result handlers) and reads three
places per neighbour (its offset, its list, its row). An ``IndexHNSWFlat`` with the inner
product is searched here instead: the upper levels are FAISS's arrays read in place; level 0
and the rows are copied once, at the first search, into hnswlib's layout (one 64-byte aligned
block per node: its row, then its list; ``_kernels.hnsw_pack``), so an expansion touches one
block per neighbour; the visited marks are 2-byte tags kept between calls, one row per thread,
with a generation counter instead of a clear. The walk is the HNSW paper's (greedy descent
through the upper levels, best-first search keeping ``efSearch`` nodes at level 0);
tests/test_index_hnsw.py checks it against FAISS's own search of the same graph and against
exact search.

On by default (``FaissIndex.walk``; False searches with FAISS and frees the copy): on this
project's machine it answers single queries and batches faster than FAISS's own search of the
same graph, and single queries at least as fast as hnswlib at equal recall on clustered data
(benchmarks/bench_index.py; its saved page, docs/performance/bench_index, has the rates, the
recall and the memory). The copy costs the index's size again: per node the row, 4 bytes per
level-0 slot (2·M slots) and padding to 64 bytes. Before the copy the walk read FAISS's layout
and lost to FAISS's search on memory latency per distance; and GCC could not inline
std::push_heap's comparison under the per-ISA target pragma, so the heaps are written out.
"""

import threading

import numpy as np

from .. import _kernels
from .._config import get_num_threads
from .._params import check


class WalkSwitch:
    """``FaissIndex.walk``: whether an ``hnsw`` index is searched by engine's walk (True, the
    default) or by FAISS's own search (False).

    The walk searches a packed copy of FAISS's level 0 and of the rows, made at the first
    search: about the FAISS index's size again (the rows, 4 bytes per level-0 slot, 2·M slots a
    node, and padding to 64-byte blocks). Setting False
    frees it. A choice of this process (memory against speed), so not saved with the index.

    Returns
    -------
    bool

    Examples
    --------
    >>> import engine
    >>> index = engine.FaissIndex.build(engine.datasets.clustered_vectors(500, 8), "hnsw")
    >>> index.walk
    True
    >>> index.walk = False  # FAISS's own search, the copy freed
    >>> index.search("w3", k=1)[1].tolist()
    [[3]]
    """

    def __get__(self, owner, cls=None):
        if owner is None:
            return self
        return owner.__dict__.get("_walk", True)

    def __set__(self, owner, value):
        owner._walk = check("walk", value, [bool], "FaissIndex")
        owner.__dict__.pop("_graph_of", None)  # made again at the next search if True


class HnswGraph:
    """FAISS's HNSW graph of one index, and the visited marks of its searches.

    Parameters
    ----------
    faiss : module
        The ``faiss`` module.
    index : faiss.IndexHNSWFlat
        A built index with the inner-product metric (``HnswGraph.of`` checks).

    Examples
    --------
    >>> import faiss, numpy as np
    >>> x = np.eye(8, dtype=np.float32)
    >>> index = faiss.IndexHNSWFlat(8, 4, faiss.METRIC_INNER_PRODUCT)
    >>> index.add(x)
    >>> scores, ids = HnswGraph.of(faiss, index).search(x[[5]], k=2, ef=16)
    >>> int(ids[0, 0]), float(scores[0, 0])
    (5, 1.0)
    """

    def __init__(self, faiss, index):
        h = index.hnsw
        n, d = index.ntotal, index.d
        self._index = index  # the upper levels' arrays below are views of its memory: keep it alive
        neighbors = faiss.rev_swig_ptr(h.neighbors.data(), h.neighbors.size())
        offsets = faiss.vector_to_array(h.offsets).astype(np.uint64, copy=False)
        cum = faiss.vector_to_array(h.cum_nneighbor_per_level).astype(np.int32, copy=False)
        rows = faiss.rev_swig_ptr(faiss.downcast_index(index.storage).get_xb(), n * d).reshape(n, d)
        self.blocks = _kernels.hnsw_pack(neighbors, offsets, cum, rows)  # level 0 and the rows, packed
        self.graph = (neighbors, offsets, cum, int(h.entry_point), int(h.max_level), self.blocks, d)
        self.hnsw = h
        self._lock = threading.Lock()
        self._marks = None  # (tags (T, n) uint16, gens (T,) uint16), made at the first search

    @classmethod
    def of(cls, faiss, index):
        """The graph of ``index`` if it is a non-empty ``IndexHNSWFlat`` with the inner product
        over a flat storage; None otherwise (FAISS's own search then runs).

        Examples
        --------
        >>> import faiss
        >>> HnswGraph.of(faiss, faiss.IndexFlatIP(4)) is None
        True
        """
        index = faiss.downcast_index(index)
        if type(index) is not faiss.IndexHNSWFlat or index.metric_type != faiss.METRIC_INNER_PRODUCT:
            return None
        if index.ntotal == 0 or type(faiss.downcast_index(index.storage)) not in (
            faiss.IndexFlat,
            faiss.IndexFlatIP,
        ):
            return None
        return cls(faiss, index)

    @classmethod
    def cached(cls, owner, load_faiss):
        """``of(owner.index)``, made once per index object of ``owner`` (a FaissIndex) and kept;
        None when ``owner.walk`` is False."""
        if not owner.__dict__.get("_walk", True):
            return None
        cached = owner.__dict__.get("_graph_of")
        if cached is not None and cached[0] is owner.index:
            return cached[1]
        graph = cls.of(load_faiss(), owner.index)
        owner._graph_of = (owner.index, graph)
        return graph

    @property
    def nbytes(self):
        """Bytes of the packed level 0 (the rows again, the level-0 lists and the padding),
        beside the FAISS index it copies."""
        return self.blocks.nbytes

    def search(self, q, k, ef):
        """Top-``k`` rows of the unit queries ``q`` (C-contiguous float32, shape (Q, d)):
        ``(scores float32, ids int64)``, each (Q, k); ``ef`` nodes kept at level 0."""
        threads = 1 if q.shape[0] == 1 else max(1, min(get_num_threads(), q.shape[0]))
        n = self.blocks.shape[0]
        if self._lock.acquire(blocking=False):
            try:
                if self._marks is None or self._marks[0].shape[0] < threads:
                    self._marks = (np.zeros((threads, n), np.uint16), np.zeros(threads, np.uint16))
                tags, gens = self._marks
                return _kernels.hnsw_search(self.graph, q, k, ef, tags, gens, threads)
            finally:
                self._lock.release()
        # another thread is searching this index right now: marks of this call's own
        tags, gens = np.zeros((threads, n), np.uint16), np.zeros(threads, np.uint16)
        return _kernels.hnsw_search(self.graph, q, k, ef, tags, gens, threads)
