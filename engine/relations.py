"""gensim's calls that compare given words: ``similarity``, ``distance``, ``n_similarity``,
``doesnt_match``, ``rank``, ``closer_than`` and the rest, over a ``Vectors``' unit rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._docstrings import fill_doc
from .errors import ShapeError, VocabularyError

if TYPE_CHECKING:
    from ._typing import ArrayLike, Key


@fill_doc
class RelationsMixin:
    """gensim's word-to-word comparisons for ``Vectors`` (cosines between given words).

    A mixin: ``engine.Vectors`` is the class to use.

    %(see_also_vectors)s

    %(examples_abc)s
    >>> isinstance(v, RelationsMixin), round(float(v.similarity("a", "b")), 3)
    (True, 0.8)
    """

    if TYPE_CHECKING:  # the attributes and calls engine.Vectors provides to its mixins

        def __getattr__(self, name: str) -> Any: ...

        def __iter__(self) -> Iterator[str]: ...

        def __contains__(self, key: object) -> bool: ...

    def similarity(self, w1: Key, w2: Key) -> np.floating:
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

        %(raises_missing_word)s

        See Also
        --------
        distance : ``1 - similarity``.
        n_similarity : The similarity of two word lists.

        %(examples_abc)s
        >>> round(float(v.similarity("a", "b")), 3)
        0.8
        """
        return np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True))

    def distance(self, w1: Key, w2: Key) -> np.floating:
        """Cosine distance of two words: ``1 - similarity(w1, w2)``, as gensim.

        Parameters
        ----------
        w1, w2 : str or int
            Words or row numbers.

        Returns
        -------
        numpy.float32
            The distance, in [0, 2].

        %(raises_missing_word)s

        See Also
        --------
        similarity : The cosine itself.
        distances : From one word to many.

        %(examples_abc)s
        >>> float(v.distance("a", "c"))
        1.0
        """
        return 1 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> np.floating:
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
            If a list is empty; it is also a ``ZeroDivisionError``, as gensim raises.

        %(examples_abc)s
        >>> round(float(v.n_similarity(["a", "c"], ["b"])), 3)
        0.99
        """
        if not (len(ws1) and len(ws2)):
            raise _EmptyListError("n_similarity: at least one of the word lists is empty")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return np.dot(self._unitvec(mean1), self._unitvec(mean2))

    def rank_by_centrality(
        self, words: Sequence[Key], use_norm: bool = True
    ) -> list[tuple[np.floating, Key]]:
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

        %(examples_abc)s
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

    def doesnt_match(self, words: Iterable[Key]) -> Key:
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

        %(examples_abc)s
        >>> v.doesnt_match(["a", "b", "c"])
        'c'
        """
        return self.rank_by_centrality(list(words))[-1][1]

    @staticmethod
    def cosine_similarities(vector_1: ArrayLike, vectors_all: ArrayLike) -> np.ndarray:
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

    def distances(self, word_or_vector: Key | ArrayLike, other_words: Sequence[Key] = ()) -> np.ndarray:
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

        %(raises_missing_word)s

        See Also
        --------
        distance : Between two words.

        %(examples_abc)s
        >>> [round(float(d), 3) for d in v.distances("a")]
        [0.0, 0.2, 1.0]
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

    def closer_than(self, key1: Key, key2: Key) -> list[str]:
        """All words closer to ``key1`` than ``key2`` is, as gensim.

        %(parameters_key1_key2)s

        Returns
        -------
        list of str
            The words whose cosine distance to ``key1`` is smaller than ``key2``'s, in row order,
            ``key1`` itself left out.

        %(raises_missing_word)s

        See Also
        --------
        rank : How many words are closer, plus one.

        %(examples_abc)s
        >>> v.closer_than("a", "c")
        ['b']
        """
        all_distances = self.distances(key1)
        e1, e2 = self.get_index(key1), self.get_index(key2)
        closer = np.where(all_distances < all_distances[e2])[0]
        return [self.index_to_key[i] for i in closer if i != e1]

    def rank(self, key1: Key, key2: Key) -> int:
        """Rank of ``key2`` among the neighbours of ``key1``, as gensim.

        %(parameters_key1_key2)s

        Returns
        -------
        int
            ``len(closer_than(key1, key2)) + 1``: 1 when ``key2`` is the nearest.

        %(raises_missing_word)s

        %(examples_abc)s
        >>> v.rank("a", "c")
        2
        """
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1: Key, keys_list: Sequence[Key]) -> Key:
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

        %(raises_missing_word)s

        %(examples_abc)s
        >>> v.most_similar_to_given("a", ["c", "b"])
        'b'
        """
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa: Key, wb: Key, topn: int = 10) -> float:
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

        %(examples_abc)s
        >>> round(v.relative_cosine_similarity("a", "b", topn=2), 3)
        1.0
        """
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ShapeError("Cannot calculate relative cosine similarity without any similar words.")
        return float(self.similarity(wa, wb)) / (sum(sim for _, sim in sims))


class _EmptyListError(ShapeError, ZeroDivisionError):
    """An empty word list where a mean is taken: a ShapeError, and the ZeroDivisionError gensim raises."""
