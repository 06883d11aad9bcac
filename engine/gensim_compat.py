"""Vectors mixin: gensim's ``KeyedVectors`` calls that are not similarity searches.

Per-key attributes (``expandos``, ``get_vecattr``), row lookups as gensim does them (``get_index``,
``has_index_for``), the normalised matrix under gensim's name, ``vectors_for_all``,
gensim's evaluations and ``wmdistance``: everything a gensim user calls on ``KeyedVectors`` besides the ``most_similar``
family (``engine.similarity``), the word-to-word comparisons (``engine.relations``), the
conversions (``engine.interop``) and the container itself (``engine.vectors``). The mixin reads the attributes ``Vectors`` sets
(``index_to_key``, ``key_to_index``, ``_unit``, ``_norms``, ``counts``, ``ngrams``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from . import bags, evaluation
from ._docstrings import fill_doc
from .errors import EngineError, VocabularyError

if TYPE_CHECKING:
    from ._typing import Document, Key

_G = TypeVar("_G", bound="GensimMixin")


@fill_doc
class GensimMixin:
    """gensim's ``KeyedVectors`` accessors, conversions and evaluations, mixed into ``Vectors``.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> isinstance(v, GensimMixin), v.get_index("b")
    (True, 1)
    """

    if TYPE_CHECKING:  # the attributes and calls engine.Vectors provides to its mixins

        def __getattr__(self, name: str) -> Any: ...

    def has_index_for(self, key: Key) -> bool:
        """Tell whether ``key`` is a vocabulary word or a valid row number, as gensim.

        Unlike ``key in v``, words built from fastText n-grams do not count.

        Parameters
        ----------
        key : str or int
            A word or a row number (a bool is neither).

        Returns
        -------
        bool
            True if ``key`` has a row of its own.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.eye(2))
        >>> v.has_index_for("b"), v.has_index_for(2)
        (True, False)
        """
        if isinstance(key, str):
            return key in self.key_to_index
        return isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self)

    def get_index(self, key: Any, default: Any = None) -> Any:
        """Return the row of a word, as gensim's ``get_index``.

        Parameters
        ----------
        key : str or int
            A word, or a row number (returned as is when in range).
        default : object, optional
            Returned when ``key`` is neither; None (the default) raises instead.

        Returns
        -------
        int
            The row, or ``default``.

        Raises
        ------
        VocabularyError
            If ``key`` is not in the vocabulary (nor a valid row) and no ``default`` is given.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.eye(2))
        >>> v.get_index("b"), v.get_index("zzz", -1)
        (1, -1)
        """
        idx = self.key_to_index.get(key) if isinstance(key, str) else None
        if idx is not None:
            return idx
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise VocabularyError(f"Key '{key}' not present in vocabulary")

    # ---- per-key attributes (gensim's "vecattrs"); read-only here ----
    @property
    def expandos(self) -> dict[str, np.ndarray]:
        """Per-key attributes as gensim's ``kv.expandos``: ``{"count": counts}`` when there are counts.

        Returns
        -------
        dict of str to ndarray
            A new dict each time; the arrays are read-only (``Vectors`` is immutable).

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a", "b"], np.eye(2), counts=[5, 2]).expandos
        {'count': array([5, 2])}
        """
        return {} if self.counts is None else {"count": self.counts}

    def get_vecattr(self, key: Key, attr: str) -> Any:
        """Return one per-key attribute, as gensim's ``get_vecattr`` (``"count"`` is the one kept).

        Parameters
        ----------
        key : str or int
            A word or a row number (as ``get_index``).
        attr : str
            The attribute's name, a key of ``expandos``.

        Returns
        -------
        numpy.int64
            The value for ``key``.

        Raises
        ------
        VocabularyError
            If ``key`` is not a word nor a row, or the vectors have no attribute ``attr`` (a
            ``KeyError``, as gensim).

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a", "b"], np.eye(2), counts=[5, 2]).get_vecattr("b", "count")
        np.int64(2)
        """
        values = self.expandos.get(attr)
        if values is None:
            raise VocabularyError(
                f"get_vecattr: no attribute {attr!r} (these vectors have: {sorted(self.expandos)})"
            )
        return values[self.get_index(key)]

    def set_vecattr(self, key: Key, attr: str, val: Any) -> None:
        """Refuse to set an attribute: a ``Vectors`` is immutable (gensim's ``set_vecattr`` changes it).

        Parameters
        ----------
        key : str
            A word.
        attr : str
            An attribute name.
        val : object
            The value gensim would store.

        Raises
        ------
        EngineError
            Always; build a new ``Vectors`` (``counts=``) or convert with ``to_gensim()``.

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a"], np.eye(1)).set_vecattr("a", "count", 3)
        Traceback (most recent call last):
        ...
        engine.errors.EngineError: set_vecattr: a Vectors is immutable; pass counts= when building one, or change v.to_gensim()
        """
        raise EngineError(
            "set_vecattr: a Vectors is immutable; pass counts= when building one, or change v.to_gensim()"
        )

    def fill_norms(self, force: bool = False) -> None:
        """Do nothing, as there is nothing to do: the norms are computed when the vectors are made.

        gensim fills ``kv.norms`` lazily; here ``norms`` always exists.

        Parameters
        ----------
        force : bool, default False
            Ignored (gensim recomputes the norms with it).

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a"], np.array([[3.0, 4.0]]))
        >>> v.fill_norms(); v.norms
        array([5.], dtype=float32)
        """

    def words_closer_than(self, word1: Key, word2: Key) -> list[str]:
        """The words closer to ``word1`` than ``word2`` is: gensim's deprecated alias of ``closer_than``.

        Parameters
        ----------
        word1, word2 : str
            Vocabulary words.

        Returns
        -------
        list of str
            As ``closer_than(word1, word2)``.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]))
        >>> v.words_closer_than("a", "c")
        ['b']
        """
        return self.closer_than(word1, word2)

    def vectors_for_all(
        self: _G, keys: Iterable[str], allow_inference: bool = True, copy_vecattrs: bool = False
    ) -> _G:
        """A new ``Vectors`` of the given keys, as gensim's ``vectors_for_all``.

        Keys are deduplicated in their first order; a key is kept if ``key in v`` (with
        ``allow_inference``, which with fastText n-grams is every string: its vector is built
        from the n-grams) or if it is a vocabulary word (without). As gensim the result has no
        n-grams and ``"count"`` attributes: ``len - position`` (gensim's invented counts), or
        with ``copy_vecattrs`` the source's counts where it has them.

        Parameters
        ----------
        keys : iterable of str
            The words wanted (anything else, a row number included, is skipped).
        allow_inference : bool, default True
            Build vectors for words outside the vocabulary from fastText n-grams.
        copy_vecattrs : bool, default False
            Copy the source's counts.

        Returns
        -------
        Vectors
            The kept keys with their vectors (exactly ``v[key]``).

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3), counts=[7, 8, 9])
        >>> w = v.vectors_for_all(["c", "zzz", "a", "c"], copy_vecattrs=True)
        >>> w.index_to_key, w.counts.tolist()
        (['c', 'a'], [9, 7])
        """
        wanted, seen = [], set()
        for key in keys:
            if key not in seen:
                seen.add(key)
                # strings only: gensim takes a row number for a key, then skips it as a duplicate
                # of the empty slot it preallocated (leaving a None key); here it is just skipped
                if isinstance(key, str) and key in (self if allow_inference else self.key_to_index):
                    wanted.append(key)
        n = len(wanted)
        rows = np.empty((n, self.vector_size), dtype=np.float32)
        counts = n - np.arange(n, dtype=np.int64)  # gensim's invented counts
        for i, key in enumerate(wanted):
            rows[i] = self[key]
            if copy_vecattrs and self.counts is not None and self.has_index_for(key):
                counts[i] = self.counts[self.get_index(key)]
        return type(self)(wanted, rows, counts, meta={"source": "vectors_for_all", **self.meta})

    def get_normed_vectors(self) -> np.ndarray:
        """Return the unit-normalised matrix, as gensim's method of that name.

        Returns
        -------
        ndarray of float32, shape (len(v), vector_size)
            ``unit`` itself (read-only, no copy; gensim returns a writable array).

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a"], np.array([[0.0, 2.0]])).get_normed_vectors()
        array([[0., 1.]], dtype=float32)
        """
        return self._unit

    # gensim's evaluations are methods of KeyedVectors: the functions take the vectors first
    evaluate_word_pairs = evaluation.evaluate_word_pairs
    evaluate_word_analogies = evaluation.evaluate_word_analogies

    def wmdistance(self, document1: Document, document2: Document, norm: bool = True) -> float:
        r"""Word Mover's Distance between two documents, as gensim's ``wmdistance``.

        Each document becomes a bag of its unique words with weights count / length
        (:math:`d_1` and :math:`d_2`); the distance is the cheapest way to move one bag onto
        the other when moving word :math:`i` to word :math:`j` costs the Euclidean distance of
        their vectors (Kusner et al. 2015):

        .. math::

            \mathrm{WMD}(d_1, d_2) = \min_{T \ge 0,\; \sum_j T_{ij} = d_{1,i},\;
            \sum_i T_{ij} = d_{2,j}} \; \sum_{i,j} T_{ij} \, \lVert x_i - x_j \rVert_2

        solved exactly by engine's own network simplex. As gensim: out-of-vocabulary words are
        dropped (with fastText n-grams every word is kept); the result is ``inf`` if a document
        is then empty, or if every word-to-word cost is zero; 0.0 when both documents hold the
        same single word.

        Parameters
        ----------
        document1, document2 : str or list of str
            Token lists as in gensim, or strings (tokenized and lowercased by engine's
            tokenizer).
        norm : bool, default True
            Costs between unit-normalised vectors (gensim 4.4's default); False uses the raw
            vectors.

        Returns
        -------
        float
            The distance (non-negative, or ``inf``).

        %(raises_document)s

        See Also
        --------
        engine.WMD : Batches (``pairwise``, ``pairs``), exact k nearest documents, Sinkhorn.

        %(examples_wmd_ab)s
        >>> round(v.wmdistance(["a", "a", "b"], ["b"]), 12)   # 2/3 * sqrt(2)
        0.942809041582
        """
        return bags.wmd_pair(self, document1, document2, norm=bool(norm))
