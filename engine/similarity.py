"""gensim's nearest-word calls over a ``Vectors``: ``most_similar``, ``most_similar_cosmul`` and kin.

The arguments and results are gensim 4.4's ``KeyedVectors`` (see each call); the scores come
from the exact top-k kernel (``engine._kernels.topk``) over the unit rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _kernels
from ._docstrings import fill_doc
from .errors import ShapeError, VocabularyError

if TYPE_CHECKING:
    from ._typing import ArrayLike, Key


@fill_doc
class SimilarityMixin:
    """gensim's ``most_similar`` family for ``Vectors``: mean vectors, 3CosAdd, 3CosMul.

    A mixin: ``engine.Vectors`` is the class to use; it relies on ``engine.search.SearchMixin``
    for gensim's argument conventions.

    %(see_also_vectors)s

    %(examples_abc)s
    >>> isinstance(v, SimilarityMixin), [w for w, _ in v.most_similar("a", topn=1)]
    (True, ['b'])
    """

    if TYPE_CHECKING:  # the attributes and calls engine.Vectors provides to its mixins

        def __getattr__(self, name: str) -> Any: ...

        def __iter__(self) -> Iterator[str]: ...

    # -- gensim KeyedVectors API -----------------------------------------------------
    def get_mean_vector(
        self,
        keys: Any,
        weights: Any = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
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
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        clip_start: int = 0,
        clip_end: int | None = None,
        restrict_vocab: int | None = None,
        indexer: Any = None,
        precision: str = "auto",
    ) -> list[tuple[str, float]] | np.ndarray:
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
        precision : {"auto", "float32", "bfloat16", "int8"}, default "auto"
            As for ``search``: scan a compressed copy (``compress``); the answer is exactly the
            float32 kernel's either way.

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

        %(examples_default)s
        >>> [w for w, _ in v.most_similar(positive=["king", "woman"], negative=["man"], topn=3)]
        ['queen', 'kings', 'monarch']
        >>> v.most_similar("apple", topn=None).shape
        (21745,)
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        if (
            indexer is None
            and not negative
            and type(topn) is int
            and clip_start == 0
            and clip_end is None
            and not restrict_vocab
            and (precision == "float32" or (precision == "auto" and not self._copies()))
            and (row := self._single_word_row(positive)) is not None
        ):
            return self._most_similar_row(row, topn)
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
        scores, ids = self._topk(mean[None, :], k, clip_start, clip_end, [all_keys], precision)
        return self._results(scores, ids)[0]

    def _single_word_row(self, positive):
        """The row of ``positive`` when it is one vocabulary word (alone or in a list), else None."""
        if type(positive) is list and len(positive) == 1:
            positive = positive[0]
        return self.key_to_index.get(positive) if type(positive) is str else None

    def _most_similar_row(self, row, topn):
        """``most_similar`` of one vocabulary word, without the general path's list handling
        and checks: the same query bits (``get_mean_vector``'s float arithmetic for one word of
        weight 1), the same kernel, the word left out."""
        mean = self._unitvec(self._unit[row] / np.float64(1.0)).astype(np.float32)
        scores, ids = _kernels.topk_one(self._unit, mean, min(topn, len(self.index_to_key)), row)
        return self._results(scores, ids)[0]

    def similar_by_word(
        self, word: Key, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """Find the words most similar to ``word``: gensim's alias of ``similar_by_key``.

        The arguments and the result are those of ``similar_by_key(word, topn, restrict_vocab)``.

        Parameters
        ----------
        word : str or int
            A word or a row number (left out of the results).
        %(topn)s
        %(restrict_vocab)s

        %(returns_most_similar)s

        %(raises_missing_word)s

        See Also
        --------
        similar_by_key : The call this one names.

        %(examples_abc)s
        >>> v.similar_by_word("c", topn=2) == v.similar_by_key("c", topn=2)
        True
        """
        return self.similar_by_key(word, topn, restrict_vocab)

    def similar_by_key(
        self, key: Key, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """Find the words most similar to ``key``, as gensim.

        Parameters
        ----------
        key : str or int
            A word or a row number (left out of the results).
        %(topn)s
        %(restrict_vocab)s

        %(returns_most_similar)s

        %(raises_missing_word)s

        %(see_also_most_similar)s

        %(examples_abc)s
        >>> [w for w, _ in v.similar_by_key("a", topn=2)]
        ['b', 'c']
        """
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(
        self, vector: ArrayLike, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """Find the words most similar to a vector, as gensim.

        Nothing is excluded: a vector equal to a word's finds that word first.

        Parameters
        ----------
        vector : ndarray, shape (vector_size,)
            The query (normalised here).
        %(topn)s
        %(restrict_vocab)s

        %(returns_most_similar)s

        Raises
        ------
        ShapeError
            If the vector has the wrong dimension or holds NaN or Inf.

        %(see_also_most_similar)s

        %(examples_abc)s
        >>> v.similar_by_vector(np.array([1.0, 0.0], dtype=np.float32), topn=1)
        [('a', 1.0)]
        """
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
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

        %(examples_default)s
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
