"""``Vectors``: one vocabulary and one unit-normalised float32 matrix.

Every producer of word vectors in engine returns a ``Vectors`` and every consumer takes one.
It keeps the original norms, so ``v["word"]`` gives back the raw vector as gensim's
``kv["word"]`` does (within float32 rounding), and is immutable after construction.
"""

import numpy as np

from . import _kernels, bags, evaluation, store
from ._text import index_keys
from .errors import EngineError, ShapeError, VocabularyError
from .ngrams import NgramVectors
from .similarity import SimilarityMixin


class Vectors(SimilarityMixin):
    """Word vectors: ``index_to_key``, ``key_to_index``, unit rows, norms, optional counts.

    Build one from arrays, from a gensim object or from a file::

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["apple", "pear"], np.array([[3.0, 4.0], [1.0, 0.0]]))
        >>> v["apple"]
        array([3., 4.], dtype=float32)
        >>> len(v), v.vector_size, "pear" in v
        (2, 2, True)

    Parameters
    ----------
    keys : sequence of str
        The vocabulary, in row order. A duplicate key is an error here (loaders keep the first
        occurrence and warn).
    vectors : array-like, shape (len(keys), dim)
        Raw vectors; stored unit-normalised as float32 with their norms. Zero rows stay zero.
    counts : array-like of int, optional
        Word frequencies, when the source has them.
    ngrams : engine.ngrams.NgramVectors, optional
        Character n-gram vectors (fastText) used to build vectors for words not in ``keys``.
    normalized : (unit, norms), optional
        Already unit-normalised rows and their norms (used by loaders to skip the work).
    meta : dict, optional
        Provenance, saved in ``meta.json``.
    key_to_index : dict, optional
        ``{key: row}`` already built by the caller (loaders build it while dropping duplicates);
        it must equal ``{k: i for i, k in enumerate(keys)}`` and is then used without a copy.
    """

    def __init__(
        self, keys, vectors=None, counts=None, *, ngrams=None, normalized=None, meta=None, key_to_index=None
    ):
        self.index_to_key = list(keys)
        if key_to_index is not None and len(key_to_index) == len(self.index_to_key):
            self.key_to_index = key_to_index  # built by a loader while it checked for duplicates
        else:
            self.key_to_index, dup = index_keys(self.index_to_key)
            if dup is not None:
                raise EngineError(f"Vectors: duplicate key {dup!r}; every word must appear once")
        if normalized is not None:
            unit, norms = normalized
            unit = _kernels.as_matrix(unit, "vectors", finite=False)
            norms = np.ascontiguousarray(norms, dtype=np.float32)
        else:
            if vectors is None:
                raise EngineError("Vectors: give the vectors (or normalized=(unit, norms))")
            unit, norms = _kernels.normalize_rows(vectors)
        if unit.shape[0] != len(self.index_to_key) or norms.shape != (unit.shape[0],):
            raise ShapeError(
                f"Vectors: {len(self.index_to_key)} keys but a matrix of shape {unit.shape} "
                f"and {norms.shape[0]} norms"
            )
        self._unit = _readonly(unit)
        self._norms = _readonly(norms)
        self.counts = None if counts is None else _readonly(np.asarray(counts, dtype=np.int64))
        if self.counts is not None and self.counts.shape != (len(self.index_to_key),):
            raise ShapeError(f"Vectors: counts has shape {self.counts.shape}, expected ({len(self)},)")
        self.ngrams = ngrams
        if ngrams is not None and ngrams.vector_size != unit.shape[1]:
            raise ShapeError(
                f"Vectors: n-gram vectors have {ngrams.vector_size} dimensions, words have {unit.shape[1]}"
            )
        self.meta = dict(meta or {})

    # ---- construction from other sources, and saving ----
    @classmethod
    def from_gensim(cls, model):
        """A ``Vectors`` from a gensim ``KeyedVectors``, ``Word2Vec``, ``FastText`` or ``Doc2Vec``.

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

        Examples
        --------
        >>> from gensim.models import Word2Vec
        >>> from gensim.test.utils import common_texts
        >>> m = Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1)
        >>> v = Vectors.from_gensim(m)
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

    def save(self, path):
        """Save in engine's own format (a directory), atomically. Load it with ``engine.load``.

        Parameters
        ----------
        path : str or PathLike
            The directory to write; an existing one is replaced only once the new one is whole.

        Examples
        --------
        >>> import os, tempfile, numpy as np, engine
        >>> path = os.path.join(tempfile.mkdtemp(), "ab.engine")
        >>> engine.Vectors(["a", "b"], np.eye(2)).save(path)
        >>> engine.load(path, mmap=True).index_to_key
        ['a', 'b']
        """
        store.write(
            path,
            self.index_to_key,
            self._unit,
            self._norms,
            counts=self.counts,
            ngrams=self.ngrams,
            provenance=self.meta,
        )

    # ---- the container ----
    def __len__(self):
        return len(self.index_to_key)

    @property
    def vector_size(self):
        """Dimensionality of the vectors."""
        return self._unit.shape[1]

    def __contains__(self, key):
        """``has_index_for(key)``; with fastText n-grams also True for any word (as gensim)."""
        return self.has_index_for(key) or (self.ngrams is not None and isinstance(key, str))

    def has_index_for(self, key):
        """True for a vocabulary word or a valid row number, as gensim's ``has_index_for``."""
        if isinstance(key, str):
            return key in self.key_to_index
        return isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self)

    def __iter__(self):
        return iter(self.index_to_key)

    def __repr__(self):
        return f"<engine.Vectors: {len(self)} words × {self.vector_size} dims>"

    def get_index(self, key, default=None):
        """Row of ``key`` (an int row is returned as is); VocabularyError if absent and no default."""
        idx = self.key_to_index.get(key) if isinstance(key, str) else None
        if idx is not None:
            return idx
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise VocabularyError(f"Key '{key}' not present in vocabulary")

    def get_vector(self, key, norm=False):
        """The vector of ``key``: raw as stored by the source, or unit length with ``norm=True``."""
        idx = self.key_to_index.get(key) if isinstance(key, str) else None
        if idx is None and not isinstance(key, str):
            idx = self.get_index(key)
        if idx is not None:
            if norm:
                return self._unit[idx].copy()
            return self._unit[idx] * self._norms[idx]
        if self.ngrams is not None:
            return self.ngrams.word_vector(key, norm=norm)
        raise VocabularyError(f"Key '{key}' not present in vocabulary")

    def __getitem__(self, key_or_keys):
        """``v["word"]`` → raw vector; ``v[["a", "b"]]`` → a (2, dim) array."""
        if isinstance(key_or_keys, (str, int, np.integer)):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(k) for k in key_or_keys])

    @property
    def norms(self):
        """Original L2 norm of every row (float32, read-only)."""
        return self._norms

    @property
    def unit(self):
        """The unit-normalised matrix (float32, C-contiguous, read-only; zero rows stay zero)."""
        return self._unit

    def get_normed_vectors(self):
        """The unit-normalised matrix, as gensim's method of that name."""
        return self._unit

    @property
    def vectors(self):
        """The raw matrix (rows × their norms): a new float32 array on each call."""
        return self._unit * self._norms[:, None]

    def ids(self, keys):
        """Rows of many keys at once (int64); VocabularyError names the first missing word."""
        k2i = self.key_to_index
        try:
            return np.fromiter((k2i[k] for k in keys), dtype=np.int64)
        except KeyError as e:
            raise VocabularyError(f"Key '{e.args[0]}' not present in vocabulary") from None

    # gensim's evaluations are methods of KeyedVectors: the functions take the vectors first
    evaluate_word_pairs = evaluation.evaluate_word_pairs
    evaluate_word_analogies = evaluation.evaluate_word_analogies

    def wmdistance(self, document1, document2, norm=True):
        """Word Mover's Distance between two documents, as gensim's ``wmdistance``.

        Out-of-vocabulary words are dropped (with fastText n-grams every word is kept, as in
        gensim); ``inf`` if a document is then empty; bag-of-words weights count / length;
        Euclidean costs between unit vectors (raw ones with ``norm=False``); solved exactly by
        engine's own network simplex. Strings are tokenized. See ``engine.WMD`` for batches.

        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 0], [0, 1.0]]))
        >>> round(v.wmdistance(["a", "a", "b"], ["b"]), 12)   # 2/3 * sqrt(2)
        0.942809041582
        """
        return bags.wmd_pair(self, document1, document2, norm=bool(norm))


def _readonly(a):
    a.flags.writeable = False
    return a
