"""Batched exact search over a ``Vectors``' unit rows, and gensim's conventions for query arguments.

``search``, ``most_similar_batch`` and ``analogies`` answer many queries with one call of the
exact top-k kernel (``engine._kernels.topk``). The helpers here turn gensim-style arguments
(words, row numbers, vectors, ``restrict_vocab``, clip ranges) into rows and unit queries; the
gensim calls of ``engine.similarity`` and ``engine.relations`` use them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from . import _kernels, compressed
from ._docstrings import fill_doc
from .errors import ShapeError, VocabularyError

if TYPE_CHECKING:
    from ._typing import Key, Queries

_S = TypeVar("_S", bound="SearchMixin")


@fill_doc
class SearchMixin:
    """Batched exact search (``search``, ``most_similar_batch``, ``analogies``) for ``Vectors``.

    A mixin: ``engine.Vectors`` is the class to use; it provides ``_unit``, ``key_to_index``,
    ``index_to_key``, ``get_index`` and ``get_vector``.

    %(see_also_vectors)s

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> isinstance(v, SearchMixin), v.search(["a"], k=1)[1].tolist()
    (True, [[0]])
    """

    if TYPE_CHECKING:  # the attributes and calls engine.Vectors provides to its mixins

        def __getattr__(self, name: str) -> Any: ...

    # -- helpers: gensim's input handling --------------------------------------------
    _KEY_TYPES = (str, int, np.integer)
    _EXTENDED_KEY_TYPES = (str, int, np.integer, np.ndarray)

    @staticmethod
    def _ensure_list(value):
        # gensim's _ensure_list: one key or one 1-D vector becomes a list; a 2-D array its rows
        if value is None:
            return []
        if isinstance(value, SearchMixin._KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
            return [value]
        if isinstance(value, np.ndarray) and value.ndim == 2:
            return list(value)
        return list(value)

    @staticmethod
    def _unitvec(vec):
        # gensim's matutils.unitvec: norm and scaling in float64, back to the input's dtype
        v64 = np.asarray(vec, dtype=np.float64)
        veclen = np.sqrt(np.dot(v64, v64)) if v64.size else 0.0
        if veclen > 0.0:
            return (v64 * (1.0 / veclen)).astype(vec.dtype)
        return vec

    def _clip(self, clip_start, clip_end, restrict_vocab):
        # gensim: restrict_vocab overrides the clip range; clip_end 0/None means the whole vocabulary
        n = len(self)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        clip_end = clip_end or n
        start, stop, _ = slice(int(clip_start), int(clip_end)).indices(n)
        return start, max(start, stop)

    def _restrict_range(self, restrict_vocab):
        # search(): None → all rows; an int → that many first rows; (start, end) → a row range
        n = len(self)
        if restrict_vocab is None:
            return 0, n
        if isinstance(restrict_vocab, (int, np.integer)) and not isinstance(restrict_vocab, bool):
            if restrict_vocab < 1:
                raise ShapeError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
            return 0, min(int(restrict_vocab), n)
        try:
            lo, hi = (int(x) for x in restrict_vocab)
        except (TypeError, ValueError):
            raise ShapeError(
                f"restrict_vocab: an int or a (start, end) pair, got {restrict_vocab!r}"
            ) from None
        if not 0 <= lo < hi <= n:
            raise ShapeError(f"restrict_vocab: ({lo}, {hi}) is not a non-empty row range within {n}")
        return lo, hi

    def _rows(self, keys, what="queries"):
        # words or row numbers → int64 rows; VocabularyError names the first missing word
        rows = np.empty(len(keys), dtype=np.int64)
        for i, key in enumerate(keys):
            if isinstance(key, str):
                idx = self.key_to_index.get(key)
                if idx is None:
                    raise VocabularyError(f"Key '{key}' not present in vocabulary")
                rows[i] = idx
            elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
                if not 0 <= key < len(self):
                    raise VocabularyError(f"{what}: row {key} is out of range (0..{len(self) - 1})")
                rows[i] = key
            else:
                raise ShapeError(f"{what}: expected words or row numbers, got {type(key).__name__}")
        return rows

    def _unit_rows(self, rows):
        # unit query vectors renormalised as gensim's most_similar does with one positive word
        q = self._unit[rows].astype(np.float64)
        n = np.sqrt(np.einsum("ij,ij->i", q, q))
        n[n == 0] = 1.0
        return (q * (1.0 / n)[:, None]).astype(np.float32)

    def _queries(self, queries):
        # search() input → (unit float32 query matrix, the query rows or None for vectors)
        if isinstance(queries, (list, tuple)) and queries and all(isinstance(x, np.ndarray) for x in queries):
            queries = np.vstack(queries).astype(np.float32, copy=False)  # a list of vectors
        if isinstance(queries, np.ndarray) and queries.dtype.kind == "f":
            q = queries[None, :] if queries.ndim == 1 else queries
            q = _kernels.as_matrix(q, "queries")
            if q.shape[0] == 0:
                raise ShapeError("queries: no query given")
            if q.shape[1] != self.vector_size:
                raise ShapeError(f"queries have {q.shape[1]} dimensions, the vectors {self.vector_size}")
            return _kernels.normalize_rows(q)[0], None
        if isinstance(queries, self._KEY_TYPES):
            queries = [queries]
        if queries is None or isinstance(queries, (dict, bytes)) or not hasattr(queries, "__iter__"):
            raise ShapeError(f"queries: expected words, row ids or vectors, got {type(queries).__name__}")
        queries = list(queries)
        if not queries:
            raise ShapeError("queries: no query given")
        rows = self._rows(queries)
        return self._unit_rows(rows), rows

    def _exclusions(self, e):
        """One query's exclusions as a list: a word or row id, or an iterable of them."""
        if isinstance(e, self._KEY_TYPES):
            return [e]
        if e is None or isinstance(e, (dict, bytes)) or not hasattr(e, "__iter__"):
            raise ShapeError(
                f"exclude: expected a word, a row id or a list of them per query, got {type(e).__name__}"
            )
        return list(e)

    def _topk_range(self, k, lo, hi, name="k"):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ShapeError(f"{name} must be an int, got {k!r}")
        if k < 1:
            raise ShapeError(f"{name} must be at least 1, got {k}")
        # clipped to the rows searched, as gensim's topn (and FaissIndex, WMD knn, the CLI) do
        return int(min(k, hi - lo))

    # -- precision: the float32 kernel or a compressed copy (engine.compressed) -------------
    def _copies(self):
        return self.__dict__.get("_compressed") or {}

    def compress(self: _S, kinds: str | Sequence[str] = ("bfloat16", "int8")) -> _S:
        """Build compressed copies of the unit rows for exact search at lower precision.

        A copy (bf16: half the bytes of float32; int8 with a per-row scale: a quarter) is scanned
        instead of the float32 rows; a certified bound then re-scores the few rows that could be
        in the top k with the float32 kernel, so results stay exactly the float32 kernel's (see
        ``engine.compressed``). Built with ``engine.set_num_threads`` threads; kept with the
        vectors by ``save``.

        Parameters
        ----------
        kinds : str or sequence of str, default ("bfloat16", "int8")
            Which copies to build (an existing one is rebuilt).

        Returns
        -------
        Vectors
            ``self``, now answering ``precision="bfloat16"`` / ``"int8"`` (and ``"auto"``).

        Raises
        ------
        ShapeError
            For an unknown kind.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3)).compress("int8")
        >>> v.search(["a"], k=2, precision="int8")[1].tolist()
        [[0, 1]]
        """
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        copies = dict(self._copies())
        for kind in kinds:
            copies[kind] = compressed.compress(self._unit, kind)
        self._compressed = copies
        return self

    def _topk(self, q, k, lo, hi, exclude, precision):
        # the exact top-k at `precision`: the float32 kernel, or a copy's scan + float32 re-rank
        kind = compressed.choose(precision, self._copies(), q.shape[0])
        if kind == "float32":
            return _kernels.topk(self._unit, q, k, lo, hi, exclude)
        return compressed.search(self._unit, self._copies()[kind], q, k, lo, hi, exclude)[:2]

    # -- batched search --------------------------------------------------------------
    def search(
        self,
        queries: Queries,
        k: int = 10,
        exclude: Sequence[Any] | None = None,
        restrict_vocab: int | None = None,
        precision: str = "auto",
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Exact cosine top-``k`` for many queries at once.

        Each query :math:`q` is scored against every row :math:`x` searched by

        .. math::

            \cos(q, x) = \frac{q \cdot x}{\lVert q \rVert \, \lVert x \rVert}

        in one batched, multi-threaded kernel call over the stored unit rows. The answer is exact
        (no approximate index is involved).

        Parameters
        ----------
        queries : str, int, sequence of str or int, ndarray or list of ndarray
            Words or row numbers; a float array of shape (Q, vector_size) or one 1-D vector; or a
            list of vectors. Vectors are unit-normalised here; a zero vector scores 0 everywhere.
            A query word is *not* excluded from its own results unless listed in ``exclude``.
        k : int, default 10
            Results per query, at least 1; a ``k`` above the number of rows searched is clipped
            to it, as gensim clips ``topn``.
        exclude : sequence, optional
            One entry per query: a word, a row number or an iterable of them, never returned for
            that query.
        restrict_vocab : int or (int, int), optional
            An int N searches only the first N rows (as gensim); a ``(start, end)`` pair searches
            rows ``start`` to ``end - 1``. None searches all rows.
        precision : {"auto", "float32", "bfloat16", "int8"}, default "auto"
            Scan the float32 rows, or a compressed copy built by ``compress`` (or loaded with
            the vectors). Every precision returns exactly the float32 kernel's answer (ids,
            order and float32 scores; see ``engine.compressed``); "auto" picks the fastest copy
            at hand for this CPU and batch size, float32 when there is none.

        Returns
        -------
        scores : ndarray of float32, shape (Q, min(k, rows searched))
            Cosines, best first; exact ties come in ascending row order.
        ids : ndarray of int64, shape (Q, min(k, rows searched))
            The rows. When exclusions leave fewer than ``k`` rows, the remaining slots hold row -1
            and score -inf.

        Raises
        ------
        VocabularyError
            If a query or excluded word is not in the vocabulary, or a row number is out of range.
        ShapeError
            If there is no query, a query vector has the wrong dimension or holds NaN/Inf, ``k`` is
            not an int of at least 1, ``restrict_vocab`` is not a non-empty row range, or ``exclude``
            does not have one entry per query.

        See Also
        --------
        most_similar_batch : The same search with gensim's results (words, query word excluded).
        most_similar : One query, gensim's arguments.

        %(examples_abc)s
        >>> scores, ids = v.search(["a", "c"], k=2)
        >>> ids.tolist(), [[round(float(s), 2) for s in row] for row in scores]
        ([[0, 1], [2, 1]], [[1.0, 0.8], [1.0, 0.6]])
        >>> v.search(["a"], k=3, exclude=[["a"]])[1]
        array([[ 1,  2, -1]])
        >>> v.search(np.array([0.0, 2.0]), k=1, restrict_vocab=(0, 2))[1]
        array([[1]])
        """
        q, _ = self._queries(queries)
        lo, hi = self._restrict_range(restrict_vocab)
        k = self._topk_range(k, lo, hi)
        if exclude is not None:
            if len(exclude) != q.shape[0]:
                raise ShapeError(f"exclude: one list per query expected ({q.shape[0]}), got {len(exclude)}")
            exclude = [self._rows(self._exclusions(e), "exclude") for e in exclude]
        return self._topk(q, k, lo, hi, exclude, precision)

    def most_similar_batch(
        self, queries: Queries, topn: int = 10, restrict_vocab: int | None = None, precision: str = "auto"
    ) -> list[list[tuple[str, float]]]:
        """``most_similar`` for many single queries in one batched call.

        Each result equals ``most_similar(query, topn=topn, restrict_vocab=restrict_vocab)``: the
        ``topn`` words of highest cosine with the query, the query word itself left out (vector
        queries leave nothing out).

        Parameters
        ----------
        queries : str, int, sequence of str or int, ndarray or list of ndarray
            As for ``search``: words, row numbers or vectors.
        topn : int, default 10
            Results per query (fewer when the vocabulary searched is smaller); below 1 gives empty
            lists.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` words (gensim's meaning; a row range is not
            accepted here).
        precision : {"auto", "float32", "bfloat16", "int8"}, default "auto"
            Scan the float32 rows, or a compressed copy built by ``compress`` (or loaded with
            the vectors). Every precision returns exactly the float32 kernel's answer (ids,
            order and float32 scores; see ``engine.compressed``); "auto" picks the fastest copy
            at hand for this CPU and batch size, float32 when there is none.

        Returns
        -------
        list of list of (str, float)
            One list per query of ``(word, cosine)``, best first; exact ties in ascending row order.

        Raises
        ------
        VocabularyError
            If a query word is not in the vocabulary.
        ShapeError
            If ``topn`` is not an int, there is no query, or a query vector does not fit.

        See Also
        --------
        search : The arrays behind it, with exclusions and row ranges.

        %(examples_abc)s
        >>> [[w for w, _ in r] for r in v.most_similar_batch(["a", "c"], topn=2)]
        [['b', 'c'], ['b', 'a']]
        """
        q, rows = self._queries(queries)
        if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)):
            raise ShapeError(f"topn must be an int, got {topn!r}")
        if topn < 1:
            return [[] for _ in range(q.shape[0])]
        lo, hi = self._clip(0, None, restrict_vocab)
        if hi <= lo:
            return [[] for _ in range(q.shape[0])]
        exclude = None if rows is None else [[r] for r in rows]
        scores, ids = self._topk(q, min(int(topn), hi - lo), lo, hi, exclude, precision)
        return self._results(scores, ids)

    def _results(self, scores, ids):
        keys = self.index_to_key
        return [
            [(keys[i], s) for i, s in zip(ir, sr) if i >= 0] for ir, sr in zip(ids.tolist(), scores.tolist())
        ]

    def analogies(
        self,
        a: Sequence[Key] | np.ndarray,
        b: Sequence[Key] | np.ndarray,
        c: Sequence[Key] | np.ndarray,
        topn: int = 10,
        restrict_vocab: int | None = None,
        method: str = "3cosadd",
        precision: str = "auto",
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""Answer many analogies "a is to b as c is to ?" at once.

        With ``method="3cosadd"`` the candidates :math:`x` are ranked by the cosine with the
        unit-normalised mean of the unit vectors :math:`\hat b + \hat c - \hat a`, as gensim's
        ``most_similar(positive=[b, c], negative=[a])``; with ``"3cosmul"`` by Levy & Goldberg's
        3CosMul, as gensim's ``most_similar_cosmul(positive=[b, c], negative=[a])``:

        .. math::

            \mathrm{3CosMul}(x) = \frac{\frac{1 + \cos(x, b)}{2} \cdot \frac{1 + \cos(x, c)}{2}}
            {\frac{1 + \cos(x, a)}{2} + 10^{-6}}

        ``a``, ``b`` and ``c`` are never returned.

        Parameters
        ----------
        a, b, c : sequence of str or int
            Equal-length sequences of words or row numbers, one analogy per position.
        topn : int, default 10
            Answers per analogy: at least 1 and at most the number of rows searched.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` words (as gensim).
        method : {"3cosadd", "3cosmul"}, default "3cosadd"
            The ranking.
        precision : {"auto", "float32", "bfloat16", "int8"}, default "auto"
            Scan the float32 rows, or a compressed copy built by ``compress`` (or loaded with
            the vectors). Every precision returns exactly the float32 kernel's answer (ids,
            order and float32 scores; see ``engine.compressed``); "auto" picks the fastest copy
            at hand for this CPU and batch size, float32 when there is none.
            3CosMul (a product of cosines) always runs in float32.

        Returns
        -------
        scores : ndarray of float32, shape (Q, topn)
            The scores, best first (ties in ascending row order).
        ids : ndarray of int64, shape (Q, topn)
            The rows; slots beyond the rows available hold row -1 and score -inf.

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.
        ShapeError
            If ``a``, ``b`` and ``c`` differ in length or are empty, ``topn`` is out of range, or
            ``method`` is unknown.

        See Also
        --------
        most_similar : One 3CosAdd analogy, gensim's arguments.
        most_similar_cosmul : One 3CosMul analogy.

        %(examples_default)s
        >>> scores, ids = v.analogies(["man"], ["king"], ["woman"], topn=3)
        >>> [v.index_to_key[i] for i in ids[0]]
        ['queen', 'kings', 'monarch']
        """
        ra, rb, rc = (
            self._rows(list(x) if not isinstance(x, np.ndarray) else x.tolist(), name)
            for x, name in ((a, "a"), (b, "b"), (c, "c"))
        )
        if not len(ra) == len(rb) == len(rc):
            raise ShapeError(f"analogies: a, b and c differ in length ({len(ra)}, {len(rb)}, {len(rc)})")
        if len(ra) == 0:
            raise ShapeError("analogies: no analogy given")
        lo, hi = self._clip(0, None, restrict_vocab)
        k = self._topk_range(topn, lo, hi, "topn")
        exclude = list(np.stack([ra, rb, rc], axis=1))
        u = self._unit
        if method == "3cosadd":
            # gensim's get_mean_vector: float32 sums in the order b, c, -a; the mean and its
            # normalisation in float64
            m = ((u[rb] + u[rc]) - u[ra]).astype(np.float64) / 3.0
            n = np.sqrt(np.einsum("ij,ij->i", m, m))
            n[n == 0] = 1.0
            q = (m * (1.0 / n)[:, None]).astype(np.float32)
            return self._topk(q, k, lo, hi, exclude, precision)
        if method == "3cosmul":
            compressed.choose(precision, self._copies(), 1)  # an unknown precision is still an error
            q = np.stack([u[rb], u[rc], u[ra]], axis=1).reshape(-1, self.vector_size)
            return _kernels.topk(u, q, k, lo, hi, exclude, cosmul=(2, 1))
        raise ShapeError(f"analogies: method must be '3cosadd' or '3cosmul', got {method!r}")
