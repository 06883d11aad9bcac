"""``WMD``: Word Mover's Distance over a ``Vectors`` — one pair, pairs, matrices; ``emd`` itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import _kernels, bags
from .._docstrings import fill_doc
from ..errors import EngineError, ShapeError
from .knn import WmdIndex, all_pairs

if TYPE_CHECKING:
    from .._typing import Document, Documents, Progress
    from ..vectors import Vectors
    from .knn import KnnResult

# Largest cost matrix built at once (entries): batches are cut so it stays near 128 MB.
_MAX_COST_ENTRIES = 1 << 24


def emd(a, b, M):
    r"""Exact optimal transport cost (earth mover's distance), as POT's ``ot.emd2(a, b, M)``.

    .. math::

        \mathrm{EMD}(a, b, M) = \min_{T \ge 0,\; T \mathbf{1} = a,\; T^\top \mathbf{1} = b}
        \; \sum_{i,j} T_{ij} M_{ij}

    solved by engine's network simplex (``csrc/emd.hpp``), the solver behind every WMD.

    Parameters
    ----------
    a : array_like of float, shape (m,)
        Non-negative source masses with a positive total.
    b : array_like of float, shape (n,)
        Non-negative target masses with the same total as ``a`` (to about 1e-6; ``b`` is then
        scaled to ``a``'s total, as POT does).
    M : array_like of float, shape (m, n)
        The cost of moving a unit of mass from ``i`` to ``j``.

    Returns
    -------
    float
        The optimal cost.

    Raises
    ------
    ShapeError
        If the shapes do not fit, or a mass is negative, NaN or Inf, or a total is zero.
    EngineError
        If the totals of ``a`` and ``b`` differ.

    Examples
    --------
    >>> from engine.wmd import emd
    >>> emd([0.5, 0.5], [1.0], [[1.0], [3.0]])
    2.0
    """
    return _kernels.emd(a, b, M)


@fill_doc
class WMD:
    r"""Word Mover's Distance over a ``Vectors``, with gensim's ``wmdistance`` semantics.

    Each document becomes a bag of its unique known words with weights count / length
    (:math:`d_1`, :math:`d_2`, each summing to 1); the distance is the cost of the cheapest
    transport plan moving one bag onto the other when moving word :math:`i` to word :math:`j`
    costs the Euclidean distance of their vectors:

    .. math::

        \mathrm{WMD}(d_1, d_2) = \min_{T \ge 0,\; \sum_j T_{ij} = d_{1,i},\;
        \sum_i T_{ij} = d_{2,j}} \; \sum_{i,j} T_{ij} \, \lVert x_i - x_j \rVert_2

    As gensim: out-of-vocabulary words are dropped (with fastText n-grams every word is kept and
    gets its built vector); ``inf`` when a document has no known word, or when every
    word-to-word cost is zero (e.g. two different words with the same vector); 0.0 when both
    documents are the same single word. Differences: strings are tokenized (gensim would iterate
    over their characters), and a non-string token is an error.

    Parameters
    ----------
    vectors : engine.Vectors
        The word vectors (with fastText n-grams, out-of-vocabulary words get built vectors, as
        gensim keeps every word the model can build).
    norm : bool, default True
        Move words at the distance between unit-normalised vectors (gensim's default); False uses
        the raw vectors.
    lowercase : bool, default True
        Lowercase documents given as strings when tokenizing (token lists are used as given).

    Attributes
    ----------
    vectors : engine.Vectors
        As given.
    norm, lowercase : bool
        As given.

    Raises
    ------
    EngineError
        If ``vectors`` is not an ``engine.Vectors``.

    See Also
    --------
    engine.Vectors.wmdistance : One pair, gensim's call.
    engine.wmd.emd : The transport solver alone.

    %(examples_wmd_abc)s
    >>> wmd = engine.WMD(v)
    >>> round(wmd.distance(["a", "a", "b"], ["c"]), 6)   # 2/3 * |a-c| + 1/3 * |b-c|
    1.804738
    >>> wmd.pairwise([["a"], ["b"]], [["a"], ["c"]]).round(4)
    array([[0.    , 2.    ],
           [1.4142, 1.4142]])
    """

    def __init__(self, vectors: Vectors, norm: bool = True, lowercase: bool = True) -> None:
        from ..vectors import Vectors

        if not isinstance(vectors, Vectors):
            raise EngineError(f"WMD: expected an engine.Vectors, got {type(vectors).__name__}")
        self.vectors = vectors
        self.norm = bool(norm)
        self.lowercase = bool(lowercase)
        self._knn_corpus = None  # (the documents as tuples, their WmdIndex): knn's last corpus

    def __repr__(self):
        return f"<engine.WMD over {self.vectors!r}, norm={self.norm}>"

    def _bags(self, docs, name, oov):
        return bags.bags(self.vectors, docs, name, oov, self.lowercase)

    def _rows(self, gids, oov):
        return bags.word_rows(self.vectors, gids, oov, self.norm)

    # ---- distances -----------------------------------------------------------------------------
    def distance(self, doc1: Document, doc2: Document, method: str = "emd", reg: float = 0.01) -> float:
        r"""WMD between two documents, as gensim's ``wmdistance(doc1, doc2)``.

        Parameters
        ----------
        doc1, doc2 : str or list of str
            Token lists as in gensim, or strings (tokenized).
        method : {"emd", "sinkhorn"}, default "emd"
            ``"emd"`` solves exactly. ``"sinkhorn"`` gives the entropic approximation (Cuturi 2013):
            the transport cost :math:`\langle T_\varepsilon, C \rangle` of the plan that minimises
            :math:`\langle T, C \rangle - \varepsilon H(T)`, which lies in
            :math:`[\mathrm{WMD}, \mathrm{WMD} + \varepsilon \log \min(m, n)]` once converged.
        reg : float, default 0.01
            The regularisation :math:`\varepsilon` of ``"sinkhorn"`` (a positive number).

        Returns
        -------
        float
            The distance; ``inf`` when a document has no known word, or when every word-to-word
            cost is zero (as gensim); 0.0 when both are the same single word.

        Raises
        ------
        EngineError
            If ``method`` is unknown, or ``reg`` is not a positive number for ``"sinkhorn"``.
        ShapeError
            If a document is neither a string nor a list of string tokens.

        %(examples_wmd_ab)s
        >>> engine.WMD(v).distance(["a", "zzz"], ["b"])
        1.4142135623730951
        """
        m = self._method(method, reg)
        return bags.wmd_pair(self.vectors, doc1, doc2, self.norm, self.lowercase, m, reg)

    def pairwise(
        self, docs_a: Documents, docs_b: Documents | None = None, method: str = "emd", reg: float = 0.01
    ) -> np.ndarray:
        """Matrix of WMDs between two lists of documents, pairs solved in parallel.

        Without ``docs_b``, the symmetric matrix of ``docs_a`` against itself (each unordered pair
        solved once and mirrored). The word-to-word costs come from one product per batch of
        documents (batches are cut to keep that matrix near 128 MB).

        Parameters
        ----------
        docs_a : sequence of str or list of str
            The row documents.
        docs_b : sequence of str or list of str, optional
            The column documents; ``docs_a`` when omitted.
        %(method_reg)s

        Returns
        -------
        ndarray of float64, shape (len(docs_a), len(docs_b))
            ``out[i, j]`` is ``distance(docs_a[i], docs_b[j])``.

        Raises
        ------
        EngineError
            If ``method`` or ``reg`` is invalid.
        ShapeError
            If a list of documents is a single string, or a document is not one.

        See Also
        --------
        pairs : The distances of aligned pairs only.

        %(examples_wmd_ab)s
        >>> engine.WMD(v).pairwise([["a"], ["a", "b"]]).round(4)
        array([[0.    , 0.7071],
               [0.7071, 0.    ]])
        """
        m = self._method(method, reg)
        oov = bags.oov_table(self.vectors)
        A = self._bags(docs_a, "docs_a", oov)
        symmetric = docs_b is None
        B = A if symmetric else self._bags(docs_b, "docs_b", oov)
        out = np.empty((len(A), len(B)), dtype=np.float64)
        if out.size == 0:
            return out
        ub, loc_b = np.unique(B.gid, return_inverse=True)
        bcsr = B.csr(loc_b)
        for rows, D, acsr, _ in self._cost_batches(A, self._rows(ub, oov), oov):
            ia, ib = all_pairs(len(rows), len(B))
            if symmetric:  # only j >= i; the rest is mirrored below
                keep = ib >= rows[ia]
                ia, ib = ia[keep], ib[keep]
            out[rows[ia], ib] = _kernels.wmd_pairs(D, acsr, bcsr, ia, ib, m, reg)
        if symmetric:
            iu = np.triu_indices(len(A), 1)
            out[(iu[1], iu[0])] = out[iu]
        return out

    def pairs(
        self, docs_a: Documents, docs_b: Documents, method: str = "emd", reg: float = 0.01
    ) -> np.ndarray:
        """WMD of each pair ``(docs_a[i], docs_b[i])``, pairs solved in parallel.

        Parameters
        ----------
        docs_a, docs_b : sequence of str or list of str
            Two lists of documents of the same length.
        %(method_reg)s

        Returns
        -------
        ndarray of float64, shape (len(docs_a),)
            ``out[i]`` is ``distance(docs_a[i], docs_b[i])``.

        Raises
        ------
        ShapeError
            If the lists differ in length, or a document is not one.
        EngineError
            If ``method`` or ``reg`` is invalid.

        See Also
        --------
        pairwise : Every document of one list against every document of another.

        %(examples_wmd_ab)s
        >>> engine.WMD(v).pairs([["a"], ["a"]], [["b"], ["a", "b"]]).round(4)
        array([1.4142, 0.7071])
        """
        m = self._method(method, reg)
        oov = bags.oov_table(self.vectors)
        A = self._bags(docs_a, "docs_a", oov)
        B = self._bags(docs_b, "docs_b", oov)
        if len(A) != len(B):
            raise ShapeError(f"pairs: {len(A)} documents in docs_a but {len(B)} in docs_b")
        # One table of the words of both sides; each pair then builds its own small costs.
        u, loc = np.unique(np.concatenate([A.gid, B.gid]), return_inverse=True)
        X = self._rows(u, oov)
        na = len(A.gid)
        return _kernels.wmd_zip(X, A.csr(loc[:na]), B.csr(loc[na:]), m, reg)

    def _cost_batches(self, A, Xb, oov):
        """The bags ``A`` in batches whose costs against the word vectors ``Xb`` fit the budget:
        per batch its rows of ``A``, the word-to-word costs, its CSR (over its own words) and the
        vectors of those words."""
        for rows in self._chunks(A, len(Xb)):
            sub = A.take(rows)
            u, loc = np.unique(sub.gid, return_inverse=True)
            Xa = self._rows(u, oov)
            yield rows, _kernels.pair_costs(Xa, Xb), sub.csr(loc), Xa

    @staticmethod
    def _chunks(A, width):
        """Row ranges of A small enough that their cost matrix stays under the budget."""
        sizes = np.diff(A.ptr)
        budget = max(1, _MAX_COST_ENTRIES // max(width, 1))
        start, acc = 0, 0
        for i, s in enumerate(sizes):
            if acc + s > budget and i > start:
                yield np.arange(start, i)
                start, acc = i, 0
            acc += s
        if start < len(sizes):
            yield np.arange(start, len(sizes))

    @staticmethod
    def _method(method, reg):
        if method not in bags.METHODS:
            raise EngineError(f"WMD: method must be 'emd' or 'sinkhorn', got {method!r}")
        if method == "sinkhorn" and not (isinstance(reg, (int, float)) and np.isfinite(reg) and reg > 0):
            raise EngineError(f"WMD: reg must be a positive number, got {reg!r}")
        return bags.METHODS[method]

    # ---- nearest documents ---------------------------------------------------------------------
    def index(self, corpus: Documents, num_best: int | None = None) -> WmdIndex:
        """Prepare a corpus for repeated queries, as gensim's ``WmdSimilarity``.

        Parameters
        ----------
        corpus : sequence of str or list of str
            The documents.
        num_best : int, optional
            With an int, ``index[query]`` gives the ``num_best`` best ``(document, score)`` pairs
            (gensim's ``num_best``); None gives the scores of every document.

        Returns
        -------
        WmdIndex
            The prepared corpus.

        Raises
        ------
        EngineError
            If ``num_best`` is not a non-negative int or None.

        See Also
        --------
        knn : One-off exact nearest documents.

        %(examples_wmd_abc)s
        >>> idx = engine.WMD(v).index([["a"], ["b"], ["c"]])
        >>> idx.most_similar(["a", "b"], topn=2)
        [(0, 0.585786437626905), (1, 0.585786437626905)]
        """
        return WmdIndex(self, corpus, num_best=num_best)

    def knn(
        self, queries: Documents, corpus: Documents, k: int = 10, ict: bool = True, progress: Progress = False
    ) -> KnnResult:
        """Exact k nearest corpus documents of each query.

        Identical to solving every pair and sorting by (distance, index): documents are visited in
        order of their lower bound max(WCD, RWMD) and solved only while that bound can still beat
        the current k-th distance (with ``ict``, a survivor is first checked against the tighter ICT
        bound; see ``WmdIndex.bounds``). The prepared corpus (``index``) is kept for the next call
        with the same documents (compared by value), so repeated calls on one corpus prepare it
        once.

        Parameters
        ----------
        %(queries_documents)s
        corpus : sequence of str or list of str
            The documents searched.
        %(k_ict)s
        progress : bool or "always", default False
            A progress bar of the queries solved (``engine._progress``).

        Returns
        -------
        KnnResult
            ``distances`` and ``indices`` of shape (len(queries), min(k, len(corpus))), nearest
            first (a ``k`` above the corpus is clipped, as gensim clips ``topn``), and
            ``n_exact``: how many exact solves each query needed.

        Raises
        ------
        EngineError
            If ``k`` is not a positive int.
        ShapeError
            If a list of documents is a single string, or a document is not one.

        See Also
        --------
        index : Prepare the corpus once for many calls.

        %(examples_wmd_abc)s
        >>> r = engine.WMD(v).knn([["a"]], [["c"], ["b"], ["a", "b"]], k=2)
        >>> r.indices.tolist(), r.distances.round(4).tolist()
        ([[2, 1]], [[0.7071, 1.4142]])
        """
        return self._prepared(corpus).knn(queries, k=k, ict=ict, progress=progress)

    def _prepared(self, corpus):
        """The ``WmdIndex`` of ``corpus``: the last one ``knn`` built if the documents are equal."""
        docs = bags.listify(corpus, "corpus")
        try:
            key = tuple(d if isinstance(d, str) else tuple(d) for d in docs)
        except TypeError:  # not documents: index() says why
            return self.index(docs)
        cached = self._knn_corpus
        if cached is not None and cached[0] == key:
            return cached[1]
        index = self.index(docs)
        self._knn_corpus = (key, index)
        return index
