"""Vectors mixin: gensim's ``KeyedVectors`` calls that are not similarity searches.

The conversions from gensim objects, row lookups as gensim does them (``get_index``,
``has_index_for``), the normalised matrix under gensim's name, gensim's evaluations and
``wmdistance``: everything a gensim user calls on ``KeyedVectors`` besides the ``most_similar``
family (``engine.similarity``), the word-to-word comparisons (``engine.relations``) and the
container itself (``engine.vectors``). The mixin reads the attributes ``Vectors`` sets
(``index_to_key``, ``key_to_index``, ``_unit``, ``_norms``, ``counts``, ``ngrams``).
"""

import numpy as np

from . import bags, evaluation
from ._docstrings import fill_doc
from .errors import EngineError, VocabularyError
from .ngrams import NgramVectors


class GensimMixin:
    """gensim's ``KeyedVectors`` accessors, conversions and evaluations, mixed into ``Vectors``.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> isinstance(v, GensimMixin), v.get_index("b")
    (True, 1)
    """

    @classmethod
    def from_gensim(cls, model):
        """Build a ``Vectors`` from a gensim ``KeyedVectors``, ``Word2Vec``, ``FastText`` or ``Doc2Vec``.

        A FastText model keeps its character n-grams, so words outside the vocabulary get the
        same vectors gensim's ``ft.wv[word]`` gives them. A Doc2Vec gives its document vectors
        (integer tags become strings); a Word2Vec keeps its word counts.

        Parameters
        ----------
        model : gensim.models.KeyedVectors, Word2Vec, FastText or Doc2Vec
            The trained or loaded gensim object.

        Returns
        -------
        Vectors
            The same words in the same order, with the model's vectors (copied); ``meta``
            records the source type.

        Raises
        ------
        EngineError
            If ``model`` is none of the gensim types above.

        See Also
        --------
        engine.load_gensim : Load a gensim-saved ``.kv`` or ``.model`` file.

        Examples
        --------
        >>> from gensim.models import Word2Vec
        >>> from gensim.test.utils import common_texts
        >>> m = Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1)
        >>> import engine
        >>> v = engine.Vectors.from_gensim(m)
        >>> len(v) == len(m.wv)
        True
        """
        from gensim.models import Doc2Vec, FastText, KeyedVectors, Word2Vec
        from gensim.models.fasttext import FastTextKeyedVectors

        if isinstance(model, Doc2Vec):
            kv = model.dv
        elif isinstance(model, (Word2Vec, FastText)):
            kv = model.wv
        elif isinstance(model, KeyedVectors):
            kv = model
        else:
            raise EngineError(
                "from_gensim: expected a gensim KeyedVectors, Word2Vec, FastText or Doc2Vec, "
                f"got {type(model).__name__}"
            )
        keys = [k if isinstance(k, str) else str(k) for k in kv.index_to_key]
        counts = None
        if len(kv) and "count" in kv.expandos:
            counts = np.asarray(kv.expandos["count"], dtype=np.int64)
        ngrams = None
        if isinstance(kv, FastTextKeyedVectors) and kv.bucket:
            # a copy: gensim trains vectors_ngrams in place, and a Vectors must not change under us
            table = np.array(kv.vectors_ngrams, dtype=np.float32, order="C")
            ngrams = NgramVectors(table, min_n=kv.min_n, max_n=kv.max_n, bucket=kv.bucket)
        meta = {"source": f"gensim {type(model).__name__}"}
        return cls(keys, kv.vectors, counts, ngrams=ngrams, meta=meta)

    def has_index_for(self, key):
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

    def get_index(self, key, default=None):
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

    def get_normed_vectors(self):
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

    @fill_doc
    def wmdistance(self, document1, document2, norm=True):
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
