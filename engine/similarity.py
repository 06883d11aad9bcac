"""The similarity API of ``Vectors``: gensim's ``KeyedVectors`` calls and engine's batched search.

Everything here reads the unit rows through the exact top-k kernel (``engine._kernels.topk``):
``search``, ``most_similar_batch`` and ``analogies`` for many queries at once, and gensim 4.4's
``most_similar``, ``most_similar_cosmul``, ``similarity``, ``n_similarity``, ``doesnt_match``,
``distances``, ``rank`` and the rest with gensim's arguments and results. A mixin of ``Vectors``:
it uses ``_unit``, ``key_to_index``, ``index_to_key``, ``get_index`` and ``get_vector``.
"""

from numbers import Integral

import numpy as np

from . import _kernels
from .errors import ShapeError, VocabularyError


class SimilarityMixin:
    """The similarity calls of gensim and engine's batched search, over a ``Vectors``' unit rows.

    A mixin: ``engine.Vectors`` is the class to use; it provides ``_unit``, ``key_to_index``,
    ``index_to_key``, ``get_index`` and ``get_vector``. Every score is a cosine (or built from
    cosines) between unit-normalised vectors, read by the exact top-k kernel.

    See Also
    --------
    engine.Vectors : The class that carries these methods.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> isinstance(v, SimilarityMixin), float(v.similarity("a", "b"))
    (True, 0.0)
    """

    # -- helpers: gensim's input handling --------------------------------------------
    _KEY_TYPES = (str, int, np.integer)
    _EXTENDED_KEY_TYPES = (str, int, np.integer, np.ndarray)

    @staticmethod
    def _ensure_list(value):
        # gensim's _ensure_list: one key or one 1-D vector becomes a list; a 2-D array its rows
        if value is None:
            return []
        if isinstance(value, SimilarityMixin._KEY_TYPES) or (
            isinstance(value, np.ndarray) and value.ndim == 1
        ):
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
        queries = list(queries)
        if not queries:
            raise ShapeError("queries: no query given")
        rows = self._rows(queries)
        return self._unit_rows(rows), rows

    def _topk_range(self, k, lo, hi, name="k"):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ShapeError(f"{name} must be an int, got {k!r}")
        if k < 1:
            raise ShapeError(f"{name} must be at least 1, got {k}")
        if k > hi - lo:
            raise ShapeError(f"{name} = {k} exceeds the {hi - lo} vectors searched")
        return int(k)

    # -- batched search --------------------------------------------------------------
    def search(self, queries, k=10, exclude=None, restrict_vocab=None):
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
            Results per query: at least 1 and at most the number of rows searched.
        exclude : sequence, optional
            One entry per query: a word, a row number or an iterable of them, never returned for
            that query.
        restrict_vocab : int or (int, int), optional
            An int N searches only the first N rows (as gensim); a ``(start, end)`` pair searches
            rows ``start`` to ``end - 1``. None searches all rows.

        Returns
        -------
        scores : ndarray of float32, shape (Q, k)
            Cosines, best first; exact ties come in ascending row order.
        ids : ndarray of int64, shape (Q, k)
            The rows. When exclusions leave fewer than ``k`` rows, the remaining slots hold row -1
            and score -inf.

        Raises
        ------
        VocabularyError
            If a query or excluded word is not in the vocabulary, or a row number is out of range.
        ShapeError
            If there is no query, a query vector has the wrong dimension or holds NaN/Inf, ``k`` is
            not an int in range, ``restrict_vocab`` is not a non-empty row range, or ``exclude``
            does not have one entry per query.

        See Also
        --------
        most_similar_batch : The same search with gensim's results (words, query word excluded).
        most_similar : One query, gensim's arguments.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
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
            exclude = [
                self._rows([e] if isinstance(e, self._KEY_TYPES) else list(e), "exclude") for e in exclude
            ]
        return _kernels.topk(self._unit, q, k, lo, hi, exclude)

    def most_similar_batch(self, queries, topn=10, restrict_vocab=None):
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

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
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
        scores, ids = _kernels.topk(self._unit, q, min(int(topn), hi - lo), lo, hi, exclude)
        return self._results(scores, ids)

    def _results(self, scores, ids):
        keys = self.index_to_key
        return [
            [(keys[i], s) for i, s in zip(ir, sr) if i >= 0] for ir, sr in zip(ids.tolist(), scores.tolist())
        ]

    def analogies(self, a, b, c, topn=10, restrict_vocab=None, method="3cosadd"):
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

        Examples
        --------
        >>> import engine
        >>> v = engine.datasets.default_vectors()
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
            return _kernels.topk(u, q, k, lo, hi, exclude)
        if method == "3cosmul":
            q = np.stack([u[rb], u[rc], u[ra]], axis=1).reshape(-1, self.vector_size)
            return _kernels.topk(u, q, k, lo, hi, exclude, cosmul=(2, 1))
        raise ShapeError(f"analogies: method must be '3cosadd' or '3cosmul', got {method!r}")

    # -- gensim KeyedVectors API -----------------------------------------------------
    def get_mean_vector(
        self, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True
    ):
        r"""Weighted mean of word vectors, exactly as gensim's ``get_mean_vector``.

        .. math::

            m = \frac{\sum_i w_i \, x_i}{\sum_i \lvert w_i \rvert}

        with :math:`x_i` the unit vectors of the words (raw ones with ``pre_normalize=False``;
        arrays are used as given), accumulated in float32 in gensim's order so that the result is
        equal to the last bit. Missing words are left out of both sums.

        Parameters
        ----------
        keys : sequence of str, int or ndarray
            Words, row numbers or 1-D vectors of length ``vector_size``.
        weights : list or ndarray of float, optional
            One weight per key; all 1 by default.
        pre_normalize : bool, default True
            Average the unit vectors of words (not of arrays) rather than the raw ones.
        post_normalize : bool, default False
            Return the mean unit-normalised.
        ignore_missing : bool, default True
            Skip words not in the vocabulary; False raises instead.

        Returns
        -------
        ndarray of float32, shape (vector_size,)
            The mean; the zero vector if every key was skipped.

        Raises
        ------
        ShapeError
            If ``keys`` is empty, ``weights`` does not have one entry per key, a vector has the
            wrong shape, or the result holds NaN or Inf.
        VocabularyError
            If a word is missing and ``ignore_missing`` is False.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[2.0, 0], [0, 1.0]]))
        >>> v.get_mean_vector(["a", "b"]).tolist()
        [0.5, 0.5]
        >>> v.get_mean_vector(["a", "b"], pre_normalize=False).tolist()
        [1.0, 0.5]
        """
        if len(keys) == 0:
            raise ShapeError("cannot compute mean with no input")
        if isinstance(weights, list):
            weights = np.array(weights, dtype=np.float32)
        if weights is None:
            weights = np.ones(len(keys), dtype=np.float32)
        if len(keys) != weights.shape[0]:
            raise ShapeError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, np.float32)
        total_weight = 0
        # the same float32 accumulation as gensim, so that results match to the last bit
        for idx, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                if key.shape != (self.vector_size,):
                    raise ShapeError(
                        f"a vector of shape {key.shape} given, the vectors have {self.vector_size} dims"
                    )
                mean += weights[idx] * key
                total_weight += abs(weights[idx])
            elif key in self:
                mean += weights[idx] * self.get_vector(key, norm=pre_normalize)
                total_weight += abs(weights[idx])
            elif not ignore_missing:
                raise VocabularyError(f"Key '{key}' not present in vocabulary")
        if not np.isfinite(mean).all():
            raise ShapeError("the input vectors contain NaN or Inf")
        if total_weight > 0:
            mean = mean / total_weight
        if post_normalize:
            mean = self._unitvec(mean).astype(np.float32)
        return mean

    def most_similar(
        self,
        positive=None,
        negative=None,
        topn=10,
        clip_start=0,
        clip_end=None,
        restrict_vocab=None,
        indexer=None,
    ):
        r"""The ``topn`` words closest to the mean of ``positive`` minus ``negative``, as gensim.

        The query is the unit-normalised ``get_mean_vector`` of the inputs (unit vectors of words,
        weight +1 for positives and -1 for negatives unless given), and every candidate :math:`x`
        scores

        .. math::

            \cos(q, x) = \frac{q \cdot x}{\lVert q \rVert \, \lVert x \rVert}

        Arguments and results are gensim 4.4's ``KeyedVectors.most_similar``. Input words are not
        returned. Differences: exact ties come in ascending row order (gensim's order is
        unspecified), and rows of norm zero score 0 instead of NaN.

        Parameters
        ----------
        positive : str, int, ndarray or list of them, optional
            Words, row numbers or vectors that count positively; a 2-D array counts each row; a
            ``(key, weight)`` tuple gives its own weight.
        negative : str, int, ndarray or list of them, optional
            The same, counting negatively.
        topn : int or None, default 10
            Number of results; below 1 gives ``[]``; None gives the raw scores instead.
        clip_start, clip_end : int, optional
            Search only rows ``clip_start`` to ``clip_end - 1`` (``clip_end`` None: to the end).
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` words; overrides ``clip_start``/``clip_end``.
        indexer : object, optional
            An approximate index (e.g. ``engine.FaissIndex``): when ``topn`` is an int, its
            ``most_similar(unit_query, topn)`` answers instead.

        Returns
        -------
        list of (str, float) or ndarray of float32
            ``(word, cosine)`` pairs, best first (fewer than ``topn`` when the range holds fewer
            words); with ``topn=None`` the cosines of every row in the clip range, in row order.

        Raises
        ------
        VocabularyError
            If an input word is not in the vocabulary.
        ShapeError
            If there is no input at all, or a vector has the wrong dimension.

        See Also
        --------
        most_similar_batch : Many single queries in one call.
        search : Exact top-k arrays for many queries.
        most_similar_cosmul : The 3CosMul ranking.

        Examples
        --------
        >>> import engine
        >>> v = engine.datasets.default_vectors()
        >>> [w for w, _ in v.most_similar(positive=["king", "woman"], negative=["man"], topn=3)]
        ['queen', 'kings', 'monarch']
        >>> v.most_similar("apple", topn=None).shape
        (21745,)
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive = self._ensure_list(positive)
        negative = self._ensure_list(negative)
        clip_start, clip_end = self._clip(clip_start, clip_end, restrict_vocab)

        keys = []
        weight = np.concatenate((np.ones(len(positive)), -1.0 * np.ones(len(negative))))
        for idx, item in enumerate(positive + negative):
            if isinstance(item, self._EXTENDED_KEY_TYPES):
                keys.append(item)
            else:
                keys.append(item[0])
                weight[idx] = item[1]
        mean = self.get_mean_vector(
            keys, weight, pre_normalize=True, post_normalize=True, ignore_missing=False
        )
        all_keys = sorted(
            {
                self.get_index(key)
                for key in keys
                if isinstance(key, self._KEY_TYPES) and self.has_index_for(key)
            }
        )

        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(mean, topn)
        if not topn:
            return self._unit[clip_start:clip_end] @ mean
        k = min(int(topn), clip_end - clip_start)
        if k < 1:
            return []
        scores, ids = _kernels.topk(self._unit, mean[None, :], k, clip_start, clip_end, [all_keys])
        return self._results(scores, ids)[0]

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """Find the words most similar to ``word`` (gensim's alias of ``similar_by_key``).

        Parameters
        ----------
        word : str or int
            A word or a row number.
        topn : int or None, default 10
            Number of results; None gives the raw scores of every row.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` words.

        Returns
        -------
        list of (str, float) or ndarray of float32
            As ``most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)``.

        Raises
        ------
        VocabularyError
            If ``word`` is not in the vocabulary.

        See Also
        --------
        most_similar : The general call.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> [w for w, _ in v.similar_by_word("c", topn=2)]
        ['b', 'a']
        """
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """Find the words most similar to ``key``, as gensim.

        Parameters
        ----------
        key : str or int
            A word or a row number (left out of the results).
        topn : int or None, default 10
            Number of results; None gives the raw scores of every row.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` words.

        Returns
        -------
        list of (str, float) or ndarray of float32
            As ``most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)``.

        Raises
        ------
        VocabularyError
            If ``key`` is not in the vocabulary.

        See Also
        --------
        most_similar : The general call.
        most_similar_batch : Many keys in one call.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> [w for w, _ in v.similar_by_key("a", topn=2)]
        ['b', 'c']
        """
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Find the words most similar to a vector, as gensim.

        Nothing is excluded: a vector equal to a word's finds that word first.

        Parameters
        ----------
        vector : ndarray, shape (vector_size,)
            The query (normalised here).
        topn : int or None, default 10
            Number of results; None gives the raw scores of every row.
        restrict_vocab : int, optional
            Search only the first ``restrict_vocab`` words.

        Returns
        -------
        list of (str, float) or ndarray of float32
            As ``most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)``.

        Raises
        ------
        ShapeError
            If the vector has the wrong dimension or holds NaN or Inf.

        See Also
        --------
        most_similar : The general call.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> v.similar_by_vector(np.array([1.0, 0.0], dtype=np.float32), topn=1)
        [('a', 1.0)]
        """
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        r"""Levy & Goldberg's 3CosMul ranking, as gensim's ``most_similar_cosmul``.

        Every word :math:`x` scores, over the positives :math:`P` and negatives :math:`N`,

        .. math::

            \mathrm{score}(x) = \frac{\prod_{p \in P} \frac{1 + \cos(x, p)}{2}}
            {\prod_{n \in N} \frac{1 + \cos(x, n)}{2} + 10^{-6}}

        (an empty product is 1). Words are unit-normalised, vectors used as given; input words are
        not returned. As in gensim, ``restrict_vocab`` is accepted and ignored (use ``analogies``
        for a restricted, batched 3CosMul). Differences: int keys are rows (gensim misuses them as
        scalars); zero rows have cosine 0 instead of NaN; ties come in ascending row order.

        Parameters
        ----------
        positive : str, int, ndarray or list of them, optional
            Words, row numbers or vectors in the numerator; at least one is needed.
        negative : str, int, ndarray or list of them, optional
            Words, row numbers or vectors in the denominator.
        topn : int or None, default 10
            Number of results; below 1 gives ``[]``; None gives the scores of every row.
        restrict_vocab : int, optional
            Ignored, as in gensim.

        Returns
        -------
        list of (str, float) or ndarray of float32
            ``(word, score)`` pairs, best first; with ``topn=None`` the score of every row.

        Raises
        ------
        VocabularyError
            If an input word is not in the vocabulary.
        ShapeError
            If there is no positive, or a vector has the wrong dimension.

        See Also
        --------
        analogies : Many 3CosMul (or 3CosAdd) analogies at once.
        most_similar : The additive ranking.

        Examples
        --------
        >>> import engine
        >>> v = engine.datasets.default_vectors()
        >>> [w for w, _ in v.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=3)]
        ['queen', 'monarch', 'kings']
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive = self._ensure_list(positive)
        negative = self._ensure_list(negative)
        all_words = sorted(
            {
                self.get_index(w)
                for w in positive + negative
                if not isinstance(w, np.ndarray) and self.has_index_for(w)
            }
        )

        def term(w):
            if isinstance(w, np.ndarray):
                return np.asarray(w, dtype=np.float32)
            return self.get_vector(w, norm=True)

        pos = [term(w) for w in positive]
        neg = [term(w) for w in negative]
        if not pos:
            raise ShapeError("cannot compute similarity with no input")
        terms = _kernels.as_matrix(np.vstack(pos + neg), "query vectors")
        if terms.shape[1] != self.vector_size:
            raise ShapeError(
                f"query vectors have {terms.shape[1]} dimensions, the vectors {self.vector_size}"
            )
        if not topn:
            cos = terms @ self._unit.T
            half = (1 + cos) / 2
            return np.prod(half[: len(pos)], axis=0) / (np.prod(half[len(pos) :], axis=0) + 0.000001)
        k = min(int(topn), len(self))
        scores, ids = _kernels.topk(
            self._unit, terms, k, 0, len(self), [all_words], cosmul=(len(pos), len(neg))
        )
        return self._results(scores, ids)[0]

    def similarity(self, w1, w2):
        r"""Cosine similarity of two words, as gensim.

        .. math::

            \cos(x, y) = \frac{x \cdot y}{\lVert x \rVert \, \lVert y \rVert}

        Parameters
        ----------
        w1, w2 : str or int
            Words or row numbers (with fastText n-grams, any word).

        Returns
        -------
        numpy.float32
            The cosine, in [-1, 1]; 0 when a vector is zero.

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.

        See Also
        --------
        distance : ``1 - similarity``.
        n_similarity : The similarity of two word lists.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0.8, 0.6]]))
        >>> round(float(v.similarity("a", "b")), 3)
        0.8
        """
        return np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True))

    def distance(self, w1, w2):
        """Cosine distance of two words: ``1 - similarity(w1, w2)``, as gensim.

        Parameters
        ----------
        w1, w2 : str or int
            Words or row numbers.

        Returns
        -------
        numpy.float32
            The distance, in [0, 2].

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.

        See Also
        --------
        similarity : The cosine itself.
        distances : From one word to many.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0, 1.0]]))
        >>> float(v.distance("a", "b"))
        1.0
        """
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        r"""Cosine similarity of the means of two word lists, as gensim.

        .. math::

            \cos\Big(\frac{1}{\lvert W_1 \rvert} \sum_{w \in W_1} x_w,\;
            \frac{1}{\lvert W_2 \rvert} \sum_{w \in W_2} x_w\Big)

        with the raw vectors :math:`x_w`; words not in the vocabulary are skipped.

        Parameters
        ----------
        ws1, ws2 : sequence of str
            The two word lists.

        Returns
        -------
        numpy.float32
            The cosine; 0 when every word of a list is missing.

        Raises
        ------
        ShapeError
            If a list is empty (gensim raises ZeroDivisionError).

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> round(float(v.n_similarity(["a", "c"], ["b"])), 3)
        0.99
        """
        if not (len(ws1) and len(ws2)):
            raise ShapeError("n_similarity: at least one of the word lists is empty")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return np.dot(self._unitvec(mean1), self._unitvec(mean2))

    def rank_by_centrality(self, words, use_norm=True):
        """Rank words by their similarity to the words' mean, as gensim.

        The mean is that of the words' vectors, unit-normalised; each word scores its dot product
        with it (its cosine, with ``use_norm=True``). Words not in the vocabulary are logged as a
        warning and left out.

        Parameters
        ----------
        words : sequence of str
            The words to rank.
        use_norm : bool, default True
            Use the unit vectors (False: the raw ones).

        Returns
        -------
        list of (numpy.float32, str)
            ``(similarity, word)`` pairs, most central first.

        Raises
        ------
        VocabularyError
            If none of the words is in the vocabulary (gensim raises ValueError).

        See Also
        --------
        doesnt_match : The last word of this ranking.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> [w for _, w in v.rank_by_centrality(["a", "b", "c"])]
        ['b', 'a', 'c']
        """
        import logging

        used = [w for w in words if w in self]
        if len(used) != len(words):
            logging.getLogger(__name__).warning(
                "vectors for words %s are not present in the model, ignoring these words",
                set(words) - set(used),
            )
        if not used:
            raise VocabularyError(f"none of the words {list(words)!r} is in the vocabulary")
        vectors = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float32)
        mean = self.get_mean_vector(vectors, post_normalize=True)
        dists = np.dot(vectors, mean)
        return sorted(zip(dists, used), reverse=True)

    def doesnt_match(self, words):
        """The word furthest from the mean of ``words``, as gensim.

        Parameters
        ----------
        words : sequence of str
            The words; those not in the vocabulary are ignored (with a logged warning).

        Returns
        -------
        str
            The last word of ``rank_by_centrality(words)``.

        Raises
        ------
        VocabularyError
            If none of the words is in the vocabulary.

        See Also
        --------
        rank_by_centrality : The whole ranking.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.9, 0.1], [0, 1]]))
        >>> v.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(words)[-1][1]

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        r"""Cosine of one vector with each row of a matrix, as gensim's static method.

        .. math::

            s_i = \frac{v \cdot a_i}{\lVert v \rVert \, \lVert a_i \rVert}

        Difference: a zero vector gives 0, not NaN.

        Parameters
        ----------
        vector_1 : ndarray, shape (dim,)
            The vector.
        vectors_all : ndarray, shape (n, dim)
            The rows to compare it with.

        Returns
        -------
        ndarray, shape (n,)
            The cosines, in the inputs' float type.

        Examples
        --------
        >>> import numpy as np, engine
        >>> rows = np.array([[2.0, 0], [0, 3], [0, 0]])
        >>> engine.Vectors.cosine_similarities(np.array([1.0, 0]), rows).tolist()
        [1.0, 0.0, 0.0]
        """
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        dots = np.dot(vectors_all, vector_1)
        denom = norm * all_norms
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, dots / np.where(denom > 0, denom, 1), 0 * dots)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances from a word or vector to other words, as gensim.

        Parameters
        ----------
        word_or_vector : str, int or ndarray
            A word, a row number or a vector of length ``vector_size``.
        other_words : sequence of str or int, optional
            The words to measure to; all words, in row order, when empty.

        Returns
        -------
        ndarray of float32
            ``1 - cos`` for each of ``other_words`` (or every row).

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.

        See Also
        --------
        distance : Between two words.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0, 1.0]]))
        >>> v.distances("a").tolist()
        [0.0, 1.0]
        """
        if isinstance(word_or_vector, self._KEY_TYPES):
            q = self.get_vector(word_or_vector, norm=True)
        else:
            q = self._unitvec(np.asarray(word_or_vector, dtype=np.float32))
        if len(other_words) == 0:
            others = self._unit
        else:
            others = self._unit[[self.get_index(w) for w in other_words]]
        return 1 - others @ q

    def closer_than(self, key1, key2):
        """All words closer to ``key1`` than ``key2`` is, as gensim.

        Parameters
        ----------
        key1, key2 : str or int
            Words or row numbers.

        Returns
        -------
        list of str
            The words whose cosine distance to ``key1`` is smaller than ``key2``'s, in row order,
            ``key1`` itself left out.

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.

        See Also
        --------
        rank : How many words are closer, plus one.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> v.closer_than("a", "c")
        ['b']
        """
        all_distances = self.distances(key1)
        e1, e2 = self.get_index(key1), self.get_index(key2)
        closer = np.where(all_distances < all_distances[e2])[0]
        return [self.index_to_key[i] for i in closer if i != e1]

    def rank(self, key1, key2):
        """Rank of ``key2`` among the neighbours of ``key1``, as gensim.

        Parameters
        ----------
        key1, key2 : str or int
            Words or row numbers.

        Returns
        -------
        int
            ``len(closer_than(key1, key2)) + 1``: 1 when ``key2`` is the nearest.

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> v.rank("a", "c")
        2
        """
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``, as gensim.

        Parameters
        ----------
        key1 : str or int
            The reference word.
        keys_list : sequence of str or int
            The candidates.

        Returns
        -------
        str or int
            The candidate of highest cosine with ``key1`` (the first one on a tie).

        Raises
        ------
        VocabularyError
            If a word is not in the vocabulary.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> v.most_similar_to_given("a", ["c", "b"])
        'b'
        """
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa, wb, topn=10):
        r"""Relative cosine similarity of ``wb`` to ``wa``, as gensim (Leeuwenberg et al. 2016).

        .. math::

            \mathrm{rcs}(w_a, w_b) = \frac{\cos(w_a, w_b)}{\sum_{w \in \mathrm{top}_n(w_a)} \cos(w_a, w)}

        over the ``topn`` nearest words of ``wa`` (``wa`` left out). gensim suggests that a value
        above 0.10 marks ``wb`` as a likely synonym of ``wa``.

        Parameters
        ----------
        wa, wb : str
            The two words.
        topn : int, default 10
            How many neighbours of ``wa`` make the denominator.

        Returns
        -------
        float
            The ratio.

        Raises
        ------
        ShapeError
            If ``wa`` has no neighbour (``topn`` below 1, or a one-word vocabulary).
        VocabularyError
            If a word is not in the vocabulary.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0], [0.8, 0.6], [0, 1]]))
        >>> round(v.relative_cosine_similarity("a", "b", topn=2), 3)
        1.0
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ShapeError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / (sum(sim for _, sim in sims))
