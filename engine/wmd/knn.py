"""Exact k-nearest documents by WMD: a prepared corpus, lower bounds (WCD, RWMD, ICT), pruning."""

from collections import namedtuple

import numpy as np

from .. import _kernels, _progress, bags
from .._docstrings import fill_doc
from .._params import is_int
from ..errors import EngineError

KnnResult = namedtuple("KnnResult", ["distances", "indices", "n_exact"])
KnnResult.__doc__ = """The result of ``WMD.knn`` and ``WmdIndex.knn``: nearest documents and the work done.

A named tuple ``(distances, indices, n_exact)``; rows follow the queries, columns go from the
nearest document to the k-th (ties by document index).

See Also
--------
WMD.knn : The call that returns it.

%(examples_wmd_ab)s
>>> r = engine.WMD(v).knn([["a"]], [["b"], ["a"]], k=1)
>>> r.indices, r.distances, r.n_exact
(array([[1]]), array([[0.]]), array([1]))
"""
fill_doc(KnnResult)
KnnResult.distances.__doc__ = "WMDs, float64 of shape (n_queries, k), nearest first."
KnnResult.indices.__doc__ = "Corpus document indices, int64 of shape (n_queries, k)."
KnnResult.n_exact.__doc__ = "Exact solves each query needed (int64, shape (n_queries,)); the rest was pruned."


@fill_doc
class WmdIndex:
    r"""A corpus prepared once for WMD queries (ids, weights, vectors and centroids).

    ``index[query]`` gives gensim ``WmdSimilarity`` scores :math:`1 / (1 + \mathrm{WMD})`
    against every document (a 2-D array for a list of queries); with ``num_best`` it gives the
    ``num_best`` best ``(document, score)`` pairs instead, found by pruned search, leaving out
    scores of 0 (an infinite distance) as gensim does. ``most_similar`` and ``knn`` use the
    pruned search. Build one with ``WMD.index``.

    Parameters
    ----------
    wmd : WMD
        The distance (vectors, ``norm``, ``lowercase``).
    corpus : sequence of str or list of str
        The documents.
    num_best : int, optional
        See ``__getitem__``.

    Attributes
    ----------
    wmd : WMD
        As given.
    num_best : int or None
        As given.

    Raises
    ------
    EngineError
        If ``num_best`` is not a non-negative int or None.

    %(examples_wmd_abc)s
    >>> idx = engine.WMD(v).index([["a"], ["b"], ["c"]])
    >>> idx[["a"]].round(4)
    array([1.    , 0.4142, 0.3333])
    >>> len(idx)
    3
    """

    def __init__(self, wmd, corpus, num_best=None):
        if num_best is not None and (not is_int(num_best) or num_best < 0):
            raise EngineError(f"WmdIndex: num_best must be a non-negative int or None, got {num_best!r}")
        self.wmd = wmd
        self.num_best = num_best
        self._oov = bags.oov_table(wmd.vectors)
        self._bags = wmd._bags(corpus, "corpus", self._oov)
        self._vocab, loc = np.unique(self._bags.gid, return_inverse=True)
        self._csr = self._bags.csr(loc)
        self._X = wmd._rows(self._vocab, self._oov)
        self._centroids = _centroids(self._csr, self._X, len(self._bags))

    def __len__(self):
        return len(self._bags)

    def __repr__(self):
        return f"<engine.WmdIndex: {len(self)} documents, {len(self._vocab)} distinct words>"

    def _queries(self, queries, name="queries"):
        """Bags of the queries, their cost rows against the corpus vocabulary, their centroids."""
        # Unknown words of the queries extend a copy of the corpus' table, so the corpus' ids
        # stay valid and n-gram-built words keep one id for both sides.
        oov = dict(self._oov) if self._oov is not None else None
        Q = self.wmd._bags(queries, name, oov)
        return Q, oov

    def _query_batches(self, Q, oov):
        for rows, D, csr, Xq in self.wmd._cost_batches(Q, self._X, oov):
            yield rows, D, csr, _centroids(csr, Xq, len(rows))

    def distances(self, queries):
        """Exact WMD from each query to every document.

        Parameters
        ----------
        %(queries_documents)s

        Returns
        -------
        ndarray of float64, shape (len(queries), len(index))
            ``out[q, d]`` is the WMD of query ``q`` and document ``d``.

        %(raises_queries)s

        %(examples_wmd_abc)s
        >>> engine.WMD(v).index([["a"], ["b"], ["c"]]).distances([["a", "b"]]).round(4)
        array([[0.7071, 0.7071, 1.7071]])
        """
        Q, oov = self._queries(queries)
        out = np.empty((len(Q), len(self)), dtype=np.float64)
        for rows, D, csr, _ in self._query_batches(Q, oov):
            ia, ib = all_pairs(len(rows), len(self))
            out[rows] = _kernels.wmd_pairs(D, csr, self._csr, ia, ib).reshape(len(rows), -1)
        return out

    def bounds(self, queries):
        r"""Lower bounds of the WMD from each query to every document: ``(wcd, rwmd, ict)``.

        With query weights :math:`a_i` on words :math:`x_i` and document weights :math:`b_j` on
        words :math:`y_j`, :math:`c_{ij} = \lVert x_i - y_j \rVert`:

        - WCD, the distance of the weighted centroids: :math:`\lVert \sum_i a_i x_i - \sum_j b_j
          y_j \rVert`;
        - RWMD, the larger of the two one-sided relaxations:
          :math:`\max(\sum_i a_i \min_j c_{ij},\; \sum_j b_j \min_i c_{ij})`;
        - ICT (iterated constrained transfers, Atasu et al. 2017): each word moves its mass to the
          nearest words of the other side, each taking at most its own weight, so
          RWMD <= ICT <= WMD.

        Parameters
        ----------
        %(queries_documents)s

        Returns
        -------
        tuple of ndarray of float64
            ``(wcd, rwmd, ict)``, each of shape (len(queries), len(index)) and each at most the
            exact WMD.

        %(raises_queries)s

        %(examples_wmd_abc)s
        >>> idx = engine.WMD(v).index([["a"], ["b"], ["c"]])
        >>> [b.round(4).tolist() for b in idx.bounds([["a", "b"]])]
        [[[0.7071, 0.7071, 1.5811]], [[0.7071, 0.7071, 1.7071]], [[0.7071, 0.7071, 1.7071]]]
        """
        Q, oov = self._queries(queries)
        res = [np.empty((len(Q), len(self))) for _ in range(3)]
        for rows, D, csr, qcent in self._query_batches(Q, oov):
            for r, b in zip(res, _kernels.wmd_bounds(D, csr, self._csr, qcent, self._centroids)):
                r[rows] = b
        return tuple(res)

    def knn(self, queries, k=10, ict=True, progress=False):
        """Exact k nearest documents of each query; see ``WMD.knn``.

        Parameters
        ----------
        %(queries_documents)s
        %(k_ict)s
        progress : bool or "always", default False
            A progress bar of the queries solved (``engine._progress``).

        Returns
        -------
        KnnResult
            ``distances`` and ``indices`` of shape (len(queries), min(k, len(index))), nearest first
            (ties by document index), and ``n_exact``.

        Raises
        ------
        EngineError
            If ``k`` is not a positive int.

        %(examples_wmd_abc)s
        >>> engine.WMD(v).index([["a"], ["b"], ["c"]]).knn([["a"]], k=2).indices
        array([[0, 1]])
        """
        if not is_int(k) or k < 1:
            raise EngineError(f"knn: k must be a positive int, got {k!r}")
        Q, oov = self._queries(queries)
        k = min(int(k), len(self))
        dist = np.empty((len(Q), k), dtype=np.float64)
        idx = np.empty((len(Q), k), dtype=np.int64)
        n_exact = np.zeros(len(Q), dtype=np.int64)
        if k == 0 or len(Q) == 0:
            return KnnResult(dist, idx, n_exact)
        with _progress.bar(total=len(Q), desc="wmd knn", unit="query", progress=progress) as b:
            for rows, D, csr, qcent in self._query_batches(Q, oov):
                d, i, n = _kernels.wmd_knn(D, csr, self._csr, qcent, self._centroids, k, ict)
                dist[rows], idx[rows], n_exact[rows] = d, i, n
                b.update(len(dist[rows]))
        return KnnResult(dist, idx, n_exact)

    def most_similar(self, query, topn=10):
        r"""The ``topn`` most similar documents to one query, best first.

        The score is gensim ``WmdSimilarity``'s :math:`1 / (1 + \mathrm{WMD})`; documents at an
        infinite distance (score 0) are left out, as in gensim's ``num_best`` results.

        Parameters
        ----------
        query : str or list of str
            One document.
        topn : int, default 10
            How many documents (0 gives ``[]``).

        Returns
        -------
        list of (int, float)
            ``(document index, score)`` pairs, best first (ties by document index).

        Raises
        ------
        EngineError
            If ``topn`` is not a non-negative int.
        ShapeError
            If ``query`` is not a document.

        %(examples_wmd_abc)s
        >>> engine.WMD(v).index([["a"], ["b"], ["c"]]).most_similar(["a"], topn=2)
        [(0, 1.0), (1, 0.4142135623730951)]
        """
        if not is_int(topn) or topn < 0:
            raise EngineError(f"most_similar: topn must be a non-negative int, got {topn!r}")
        if topn == 0 or len(self) == 0:
            return []
        r = self.knn([bags.as_doc(query, "query")], k=topn)
        return [
            (int(i), float(1.0 / (1.0 + d))) for d, i in zip(r.distances[0], r.indices[0]) if np.isfinite(d)
        ]

    def __getitem__(self, query):
        r"""Score one query or several against the corpus: ``index[query]``, as gensim.

        Parameters
        ----------
        query : str, list of str, or list of documents
            One document (a string or a token list) or a list of documents.

        Returns
        -------
        ndarray or list
            Without ``num_best``: the scores :math:`1 / (1 + \mathrm{WMD})` against every document,
            shape (len(index),) for one query or (len(queries), len(index)) for several. With
            ``num_best``: ``most_similar(query, topn=num_best)``, or a list of those.

        %(examples_wmd_abc)s
        >>> engine.WMD(v).index([["a"], ["b"], ["c"]], num_best=1)[[["a"], ["c"]]]
        [[(0, 1.0)], [(2, 1.0)]]
        """
        single = bags.is_single_doc(query)
        if self.num_best is not None:
            if single:
                return self.most_similar(query, topn=self.num_best)
            return [self.most_similar(q, topn=self.num_best) for q in query]
        sims = 1.0 / (1.0 + self.distances([query] if single else query))
        return sims[0] if single else sims


def _centroids(csr, X, n_docs):
    """Weighted mean vector of every document (float64), for the WCD bound."""
    from scipy.sparse import csr_matrix

    ptr, loc, _, w = csr
    W = csr_matrix((w, loc, ptr), shape=(n_docs, X.shape[0]))
    return np.ascontiguousarray(W @ X, dtype=np.float64)


def all_pairs(n_a, n_b):
    """``(ia, ib)``: every pair of ``range(n_a)`` and ``range(n_b)``, ``ia`` major (flat arrays).

    >>> [a.tolist() for a in all_pairs(2, 3)]
    [[0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]]
    """
    ia, ib = np.meshgrid(np.arange(n_a), np.arange(n_b), indexing="ij")
    return ia.ravel(), ib.ravel()
