r"""A corpus of topic distributions prepared once: exact k nearest, and MatrixSimilarity's scores.

Hellinger and cosine go through engine's float32 top-k kernel (``engine._kernels.topk``), then
an exact float64 re-rank that is certified; Jensen–Shannon and symmetric KL, which are not inner
products, are a brute-force scan in float64 (``csrc/topic_measures.hpp``).

**Hellinger as an inner product.** With :math:`s_p = \sum_k p_k`,

.. math::

    H^2(p, q) = \tfrac12 \sum_k (\sqrt{p_k} - \sqrt{q_k})^2
              = \tfrac12 s_q - \Big(\sum_k \sqrt{p_k}\sqrt{q_k} - \tfrac12 s_p\Big),

so the nearest rows by Hellinger are the rows of largest inner product between
:math:`[\sqrt{p}, -\tfrac12 s_p]` and :math:`[\sqrt{q}, 1]` (for distributions summing to 1 this is
:math:`H^2 = 1 - \sum_k \sqrt{p_k q_k}`, one minus the Bhattacharyya coefficient). Cosine is the
inner product of unit rows.

**Exactness.** The kernel scores in float32; each score is within
:math:`\varepsilon = (K + 4)\,2^{-23} \sum_k |a_k b_k|` of its exact value (a bound on the
rounding of the inputs and of a sum of K + 1 products). The ``k' > k`` best rows by float32
score are re-ranked by their exact float64 distance (ties by ascending row); a query is done
when every other row is provably farther: its float32 score, at most the k'-th, plus
:math:`\varepsilon` cannot reach the k-th exact distance. Otherwise k' grows, and past a few
thousand the query is answered by the exact brute-force scan. The result is therefore exactly
the brute-force answer: the k smallest float64 distances, ties by ascending row.
"""

from collections import namedtuple
from numbers import Integral

import numpy as np

from .. import _kernels
from .._params import Interval, Options, check
from ..errors import EngineError
from .measures import MEASURES, as_distributions, is_numeric, prepare

__all__ = ["TopicIndex", "TopicKnn"]

TopicKnn = namedtuple("TopicKnn", ["distances", "indices"])
TopicKnn.__doc__ = """The k nearest documents of each query: ``(distances, indices)``.

Rows follow the queries; columns go from the nearest document to the k-th, ties by ascending
document index.

Parameters
----------
distances : numpy.ndarray, float64 (n_queries, k)
    The distances, nearest first.
indices : numpy.ndarray, int64 (n_queries, k)
    The documents' indices in the corpus.

Examples
--------
>>> import numpy as np
>>> idx = TopicIndex(np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]]))
>>> idx.knn([[0.2, 0.8]], k=2).indices
array([[1, 2]])
"""
TopicKnn.distances.__doc__ = "Distances, float64 of shape (n_queries, k), nearest first."
TopicKnn.indices.__doc__ = "Document indices, int64 of shape (n_queries, k)."

_EXPAND = 8  # k' grows by this factor while a query is not certified
_MAX_CANDIDATES = 4096  # past this many candidates, the brute-force scan


class TopicIndex:
    """A corpus of topic distributions prepared once for repeated queries.

    Parameters
    ----------
    distributions : array_like (n, K), or gensim's sparse form
        The corpus's topic distributions (``TopicSpace.transform``, or any non-negative rows).
    measure : {"hellinger", "jensen_shannon", "symmetric_kl", "cosine"}
        The distance of ``knn`` (``engine.topics.measures`` has the formulas).
    num_best : int, optional
        For ``index[query]``: return the ``num_best`` best ``(document, score)`` pairs instead
        of every score, as gensim's ``MatrixSimilarity(num_best=...)``.
    space : TopicSpace, optional
        Lets queries be documents (texts, token lists, bags of words), turned into
        distributions by ``space.transform`` with ``minimum_probability``.
    minimum_probability : float, optional
        Passed to ``space.transform`` for document queries.

    Attributes
    ----------
    measure : str
    num_best : int or None
    num_topics : int

    Raises
    ------
    EngineError
        For an unknown measure or a bad ``num_best``; ``ShapeError`` for bad distributions.

    Examples
    --------
    >>> import numpy as np
    >>> idx = TopicIndex(np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]]))
    >>> r = idx.knn([[0.2, 0.8]], k=2)
    >>> r.indices, r.distances.round(4)
    (array([[1, 2]]), array([[0.1003, 0.2265]]))
    >>> idx[[0.2, 0.8]].round(4)  # cosine of the square roots, as MatrixSimilarity over them
    array([0.7071, 0.9899, 0.9487], dtype=float32)
    """

    def __init__(
        self, distributions, measure="hellinger", num_best=None, *, space=None, minimum_probability=None
    ):
        check("measure", measure, [Options(MEASURES)], where="TopicIndex")
        check("num_best", num_best, [None, Interval(Integral, 0, None)], where="TopicIndex")
        self.measure, self.num_best = measure, num_best
        self._space, self._minimum_probability = space, minimum_probability
        p, _ = as_distributions(distributions, "corpus", space.num_topics if space is not None else None)
        if len(p) == 0:
            raise EngineError("TopicIndex: the corpus has no documents")
        self.num_topics = p.shape[1]
        self._rows, self._aux = prepare(p, measure)
        if np.may_share_memory(self._rows, distributions):  # the caller's array: keep our own
            self._rows = self._rows.copy()
        self._x32 = self._bound = None
        if measure == "hellinger":
            sums = p.sum(axis=1)
            self._x32 = np.empty((len(p), self.num_topics + 1), dtype=np.float32)
            self._x32[:, :-1] = self._rows
            self._x32[:, -1] = -0.5 * sums
            self._sums, self._max_sum = sums, float(sums.max())
        elif measure == "cosine":
            self._x32 = _unit32(p, self._aux)
        self._unit = None  # the unit rows of index[query], made on first use

    def __len__(self):
        return len(self._rows)

    def __repr__(self):
        return f"<engine.TopicIndex: {len(self)} documents, {self.num_topics} topics, {self.measure}>"

    def _queries(self, queries):
        """The queries as checked distributions (documents through the space), and if single."""
        if self._space is not None and not is_numeric(queries):
            single = isinstance(queries, str)
            q = self._space.transform([queries] if single else queries, self._minimum_probability)
            return q, single
        return as_distributions(queries, "queries", self.num_topics)

    def knn(self, queries, k=10):
        """The ``k`` nearest documents of each query, exactly.

        Parameters
        ----------
        queries : array_like (q, K) or (K,), or documents
            Topic distributions; or, for an index made by ``TopicSpace.index``, documents.
        k : int
            Neighbours per query, at most the corpus size.

        Returns
        -------
        TopicKnn
            ``distances`` (float64) and ``indices`` (int64), each (q, k), nearest first, ties
            by ascending index (a single query still gives one row).

        Raises
        ------
        EngineError
            For ``k`` outside ``[1, len(index)]``; ``ShapeError`` for bad distributions.

        Examples
        --------
        >>> import numpy as np
        >>> idx = TopicIndex(np.array([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1]]), "jensen_shannon")
        >>> idx.knn([0.8, 0.2], k=2).indices
        array([[0, 2]])
        """
        check("k", k, [Interval(Integral, 1, len(self))], where="TopicIndex.knn")
        q, _ = self._queries(queries)
        q_rows, q_aux = prepare(q, self.measure)
        if len(q) == 0:
            return TopicKnn(np.empty((0, k)), np.empty((0, k), dtype=np.int64))
        if self._x32 is None:  # not an inner product: the exact scan
            return TopicKnn(*_kernels.topic_knn(self.measure, self._rows, self._aux, q_rows, q_aux, k))
        return TopicKnn(*self._certified(q, q_rows, q_aux, int(k)))

    def _certified(self, q, q_rows, q_aux, k):
        """Candidates from the float32 kernel, re-ranked exactly, certified (see the module)."""
        n, K = len(self), self.num_topics
        if self.measure == "hellinger":
            s_q = q.sum(axis=1)
            q32 = np.hstack([q_rows, np.ones((len(q), 1))]).astype(np.float32)
            eps = (K + 4) * 2.0**-23 * (np.sqrt(self._max_sum * s_q) + 0.5 * self._max_sum)
        else:
            q32 = _unit32(q, q_aux)
            eps = np.full(len(q), (K + 4) * 2.0**-23)
        dist = np.empty((len(q), k))
        ids = np.empty((len(q), k), dtype=np.int64)
        todo, kk = np.arange(len(q)), min(n, max(2 * k, k + 16))
        while todo.size and kk <= _MAX_CANDIDATES:
            score32, cand = _kernels.topk(self._x32, q32[todo], kk)
            exact = _kernels.topic_pairs(
                self.measure, q_rows, q_aux, self._rows, self._aux, np.repeat(todo, kk), cand.ravel()
            ).reshape(len(todo), kk)
            order = np.lexsort((cand, exact), axis=1)[:, :k]
            d_k = np.take_along_axis(exact, order, 1)
            if kk == n:
                done = np.ones(len(todo), dtype=bool)
            elif self.measure == "hellinger":  # every other row: H^2 >= s_q / 2 - (its score + eps)
                floor = 0.5 * s_q[todo] - (score32[:, -1].astype(np.float64) + eps[todo])
                done = floor > d_k[:, -1] ** 2 * (1 + 1e-12) + 1e-15
            else:  # every other row: 1 - cos >= 1 - (its score + eps)
                done = (
                    1.0 - (score32[:, -1].astype(np.float64) + eps[todo]) > d_k[:, -1] * (1 + 1e-12) + 1e-15
                )
            rows = todo[done]
            dist[rows] = d_k[done]
            ids[rows] = np.take_along_axis(cand, order, 1)[done]
            todo = todo[~done]
            kk = n if kk * _EXPAND >= n else kk * _EXPAND
        if todo.size:
            sub_rows = q_rows[todo]
            sub_aux = None if q_aux is None else q_aux[todo]
            dist[todo], ids[todo] = _kernels.topic_knn(
                self.measure, self._rows, self._aux, sub_rows, sub_aux, k
            )
        return dist, ids

    def __getitem__(self, queries):
        """gensim ``MatrixSimilarity``'s scores of the queries against every document.

        ``cosine``: the cosine of the topic distributions, as ``MatrixSimilarity`` over them;
        ``hellinger``: the cosine of their square roots, as ``MatrixSimilarity`` over
        :math:`\\sqrt{p}` (:math:`1 - H^2` for distributions that sum to 1). float32, as gensim.

        Parameters
        ----------
        queries : array_like (q, K) or (K,), or documents
            As for `knn`.

        Returns
        -------
        numpy.ndarray, float32 (q, n) or (n,) for a single query
            With ``num_best``: per query a list of the ``num_best`` best ``(document, score)``
            pairs, best first (ties by index), leaving out scores of 0 as gensim does.

        Raises
        ------
        EngineError
            For an index by ``jensen_shannon`` or ``symmetric_kl``, which have no such scores.

        Examples
        --------
        >>> import numpy as np
        >>> idx = TopicIndex(np.array([[1.0, 0.0], [0.6, 0.8]]), "cosine", num_best=1)
        >>> [[(i, round(s, 4)) for i, s in best] for best in idx[[[0.0, 1.0], [1.0, 0.0]]]]
        [[(1, 0.8)], [(0, 1.0)]]
        """
        if self.measure not in ("cosine", "hellinger"):
            raise EngineError(
                f"TopicIndex: index[query] gives MatrixSimilarity's scores for cosine and hellinger; "
                f"use knn() for {self.measure}"
            )
        q, single = self._queries(queries)
        unit = self._unit_rows()
        rows, aux = prepare(q, self.measure)
        q32 = _unit32(rows, np.sqrt(np.einsum("ij,ij->i", rows, rows)))
        if self.num_best is not None:
            best = self._best(unit, q32)
            return best[0] if single else best
        scores = q32 @ unit.T
        return scores[0] if single else scores

    def _unit_rows(self):
        if self._unit is None:
            if self.measure == "cosine":
                self._unit = self._x32
            else:
                self._unit = _unit32(self._rows, np.sqrt(self._sums))
        return self._unit

    def _best(self, unit, q32):
        if self.num_best == 0 or len(q32) == 0:
            return [[] for _ in q32]
        scores, ids = _kernels.topk(unit, q32, min(self.num_best, len(unit)))
        return [
            [(int(i), float(s)) for s, i in zip(srow, irow) if abs(s) > 1e-9]
            for srow, irow in zip(scores.tolist(), ids.tolist())
        ]


def _unit32(rows, norms):
    """Unit rows in float32 (a zero row stays zero)."""
    safe = np.where(norms > 0, norms, 1.0)
    return np.ascontiguousarray(rows / safe[:, None], dtype=np.float32)
