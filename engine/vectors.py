"""``Vectors``: one vocabulary and one unit-normalised float32 matrix.

Every producer of word vectors in engine returns a ``Vectors`` and every consumer takes one.
It keeps the rows as loaded beside their unit rows and norms, so ``v["word"]`` gives back
exactly the stored vector as gensim's ``kv["word"]`` does, and is immutable after construction. The
similarity calls come from three mixins: engine's batched ``search`` (``engine.search``),
gensim's ``most_similar`` family (``engine.similarity``) and its word-to-word comparisons
(``engine.relations``); gensim's other accessors, conversions and evaluations from a fourth
(``engine.gensim_compat``); the file formats live in ``engine.io`` and ``engine.store``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _kernels, compressed_store, store
from ._text import index_keys
from ._vocab import VocabKeys
from .errors import EngineError, ShapeError, VocabularyError
from .gensim_compat import GensimMixin
from .interop import InteropMixin
from .relations import RelationsMixin
from .search import SearchMixin
from .similarity import SimilarityMixin

if TYPE_CHECKING:
    from ._typing import ArrayLike, Key, PathLike
    from .ngrams import NgramVectors


class Vectors(SearchMixin, SimilarityMixin, RelationsMixin, GensimMixin, InteropMixin):
    """Word vectors: a vocabulary and its rows, with gensim's ``KeyedVectors`` interface.

    Two matrices are kept: the rows as they were given or loaded (``vectors``, what ``v[word]``
    returns, bit for bit as gensim's ``kv[word]``), and the same rows unit-normalised with
    their original L2 norms (``unit`` and ``norms``, what every cosine kernel reads). Both are
    float32, C-contiguous, read-only and created once (memory-mapped when the store is). A
    ``Vectors`` is immutable: a new source makes a new one. Build one from arrays (here), from a
    gensim object (``from_gensim``) or from a file (``engine.load``).

    Parameters
    ----------
    keys : sequence of str
        The vocabulary, in row order. A duplicate key is an error here (loaders keep the first
        occurrence and warn).
    vectors : array-like, shape (len(keys), dim)
        Raw vectors; copied as float32 (``v.vectors``) and stored unit-normalised with their
        norms. Zero rows stay zero.
    counts : array-like of int, optional
        Word frequencies, when the source has them.
    ngrams : engine.ngrams.NgramVectors, optional
        Character n-gram vectors (fastText) used to build vectors for words not in ``keys``.
    normalized : (unit, norms), optional
        Already unit-normalised rows and their norms (used by loaders to skip the work).
    raw : array-like, shape (len(keys), dim), optional
        With ``normalized``: the rows as loaded, kept without a copy when already float32 and
        C-contiguous (and made read-only). Without it ``v.vectors`` is rebuilt once, on first
        use, as unit rows × norms (equal to the source within float32 rounding).
    meta : dict, optional
        Provenance, saved in ``meta.json``.
    key_to_index : dict, optional
        ``{key: row}`` already built by the caller (loaders build it while dropping duplicates);
        it must equal ``{k: i for i, k in enumerate(keys)}`` and is then used without a copy.

    Attributes
    ----------
    index_to_key : list of str
        The vocabulary in row order (gensim's name); a lazy sequence when opened with
        ``mmap=True`` from a version 2 store (``engine._vocab.VocabKeys``).
    key_to_index : dict
        ``{word: row}`` (gensim's name); a lazy mapping with a dict's semantics when opened with
        ``mmap=True`` from a version 2 store (``engine._vocab.VocabIndex``).
    counts : ndarray of int64 or None
        Word frequencies (read-only), when the source had them.
    ngrams : engine.ngrams.NgramVectors or None
        fastText character n-gram vectors, when the source had them.
    meta : dict
        Provenance (source file, format, ...).

    Raises
    ------
    EngineError
        If a key appears twice, or neither ``vectors`` nor ``normalized`` is given.
    ShapeError
        If the matrix, norms, counts or n-gram vectors do not fit the keys, or ``vectors``
        holds NaN or Inf.

    See Also
    --------
    engine.load : Read vectors from a file in any supported format.
    Vectors.from_gensim : Convert a gensim model or ``KeyedVectors``.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["apple", "pear"], np.array([[3.0, 4.0], [1.0, 0.0]]))
    >>> v["apple"]
    array([3., 4.], dtype=float32)
    >>> len(v), v.vector_size, "pear" in v
    (2, 2, True)
    >>> v.key_to_index
    {'apple': 0, 'pear': 1}
    """

    def __init__(
        self,
        keys: Iterable[str],
        vectors: ArrayLike | None = None,
        counts: ArrayLike | None = None,
        *,
        ngrams: NgramVectors | None = None,
        normalized: tuple[np.ndarray, np.ndarray] | None = None,
        raw: np.ndarray | None = None,
        meta: Mapping[str, Any] | None = None,
        key_to_index: dict[str, int] | None = None,
    ) -> None:
        # a mapped store's words stay on disk (engine._vocab): opening reads none of them
        self.index_to_key = keys if isinstance(keys, VocabKeys) else list(keys)
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
            # a copy the caller cannot change under us (normalize_rows writes into a new array)
            raw = np.array(vectors, dtype=np.float32, order="C")
            unit, norms = _kernels.normalize_rows(raw)
        if unit.shape[0] != len(self.index_to_key) or norms.shape != (unit.shape[0],):
            raise ShapeError(
                f"Vectors: {len(self.index_to_key)} keys but a matrix of shape {unit.shape} "
                f"and {norms.shape[0]} norms"
            )
        self._unit = _readonly(unit)
        self._norms = _readonly(norms)
        self._raw = None if raw is None else _readonly(_kernels.as_matrix(raw, "raw", finite=False))
        if self._raw is not None and self._raw.shape != unit.shape:
            raise ShapeError(f"Vectors: raw rows of shape {self._raw.shape}, unit rows of shape {unit.shape}")
        self.counts = None if counts is None else _readonly(np.asarray(counts, dtype=np.int64))
        if self.counts is not None and self.counts.shape != (len(self.index_to_key),):
            raise ShapeError(f"Vectors: counts has shape {self.counts.shape}, expected ({len(self)},)")
        self.ngrams = ngrams
        if ngrams is not None and ngrams.vector_size != unit.shape[1]:
            raise ShapeError(
                f"Vectors: n-gram vectors have {ngrams.vector_size} dimensions, words have {unit.shape[1]}"
            )
        self.meta = dict(meta or {})

    def __setstate__(self, state):
        """Unpickling: numpy unpickles arrays writable, so make them read-only again."""
        self.__dict__.update(state)
        for name in ("_unit", "_norms", "_raw", "counts"):
            if getattr(self, name, None) is not None:
                _readonly(getattr(self, name))

    def save(self, path: PathLike, compressed: bool | str | Sequence[str] | None = None) -> None:
        """Save in engine's own format (a directory); load it back with ``engine.load``.

        The directory holds ``vectors.npy`` (the unit rows, memory-mappable), ``norms.npy``,
        ``raw.npy`` (the rows as loaded), ``vocab.txt``, ``meta.json`` and, when present, ``counts.npy`` and ``ngrams.npy``
        (see ``engine.store``). It is written to a temporary directory beside ``path`` and
        renamed into place, so a failure mid-write leaves an existing ``path`` whole.

        Parameters
        ----------
        path : str or PathLike
            The directory to write; an existing one is replaced only once the new one is whole.
        compressed : None, bool, str or sequence of str, optional
            Compressed copies to keep beside the rows (``engine.compressed_store``): None keeps
            those built by ``compress``; True both kinds; "bfloat16" / "int8" (or both) build
            any that is missing; False none.

        Raises
        ------
        EngineError
            If a word contains a line break (``vocab.txt`` holds one word a line), or a file
            (not a directory) is in the way at ``path``.

        See Also
        --------
        engine.load : Read it back (``mmap=True`` opens it in constant time).
        engine.io.write_word2vec : Write word2vec or GloVe files instead.

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
            raw=self.vectors,
            counts=self.counts,
            ngrams=self.ngrams,
            provenance=self.meta,
        )
        self._compressed = compressed_store.write_copies(path, self._unit, self._copies(), compressed)

    # ---- saving, and the container ----
    def __len__(self):
        return len(self.index_to_key)

    @property
    def vector_size(self) -> int:
        """Dimensionality of the vectors (the number of columns).

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a"], np.zeros((1, 3))).vector_size
        3
        """
        return self._unit.shape[1]

    def __contains__(self, key):
        """Tell whether ``v[key]`` has a vector: ``key in v``.

        As gensim: ``has_index_for(key)`` (a vocabulary word or a valid row number), and with
        fastText n-grams True for every string, since any word gets a vector from its n-grams.

        Parameters
        ----------
        key : str or int
            A word or a row number.

        Returns
        -------
        bool
            True if ``v[key]`` gives a vector.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.eye(2))
        >>> "a" in v, "zzz" in v, 1 in v
        (True, False, True)
        """
        return self.has_index_for(key) or (self.ngrams is not None and isinstance(key, str))

    def __iter__(self):
        return iter(self.index_to_key)

    def __repr__(self):
        return f"<engine.Vectors: {len(self)} words × {self.vector_size} dims>"

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """Return the vector of a word, as gensim's ``get_vector``.

        A word outside the vocabulary gets the mean of its fastText n-gram vectors when the
        vectors have n-grams (bit-equal to gensim's ``FastTextKeyedVectors``).

        Parameters
        ----------
        key : str or int
            A word or a row number.
        norm : bool, default False
            Return the unit-length vector instead of the raw one.

        Returns
        -------
        ndarray of float32, shape (vector_size,)
            A read-only view of the stored row, as gensim's: the vector exactly as loaded, or
            its unit row with ``norm=True``. A word built from n-grams is a new array.

        Raises
        ------
        VocabularyError
            If ``key`` is not in the vocabulary and there are no n-grams to build it from.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a"], np.array([[3.0, 4.0]]))
        >>> v.get_vector("a"), v.get_vector("a", norm=True)
        (array([3., 4.], dtype=float32), array([0.6, 0.8], dtype=float32))
        """
        idx = self.key_to_index.get(key) if isinstance(key, str) else None
        if idx is None and not isinstance(key, str):
            idx = self.get_index(key)
        if idx is not None:
            return self._unit[idx] if norm else self.vectors[idx]
        if self.ngrams is not None:
            return self.ngrams.word_vector(key, norm=norm)
        raise VocabularyError(f"Key '{key}' not present in vocabulary")

    def __getitem__(self, key_or_keys):
        """Return raw vectors: ``v["word"]`` or ``v[["a", "b"]]``, as gensim.

        Parameters
        ----------
        key_or_keys : str, int or sequence of them
            One word (or row number), or several.

        Returns
        -------
        ndarray of float32
            ``get_vector(key)`` for one key, shape (vector_size,); for a sequence the vectors
            stacked in its order, shape (len(keys), vector_size).

        Raises
        ------
        VocabularyError
            If a word is missing (and there are no fastText n-grams to build it from).

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]]))
        >>> v[["b", "a"]]
        array([[3., 4.],
               [1., 2.]], dtype=float32)
        """
        if isinstance(key_or_keys, (str, int, np.integer)):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(k) for k in key_or_keys])

    @property
    def norms(self) -> np.ndarray:
        """Original L2 norm of every row (float32, read-only), shape (len(v),).

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a", "b"], np.array([[3.0, 4.0], [0.0, 0.0]])).norms
        array([5., 0.], dtype=float32)
        """
        return self._norms

    @property
    def unit(self) -> np.ndarray:
        """The unit-normalised matrix, shape (len(v), vector_size).

        float32, C-contiguous, read-only (memory-mapped when loaded with ``mmap=True``); zero
        rows stay zero. This is the array every similarity kernel reads, with no copy.

        Examples
        --------
        >>> import numpy as np, engine
        >>> engine.Vectors(["a"], np.array([[3.0, 4.0]])).unit
        array([[0.6, 0.8]], dtype=float32)
        """
        return self._unit

    @property
    def vectors(self) -> np.ndarray:
        """The raw matrix: every row as it was given or loaded, shape (len(v), vector_size).

        One float32 array, read-only, created once and shared (``v.vectors is v.vectors``;
        memory-mapped when the store was opened with ``mmap=True``), as gensim's
        ``kv.vectors``. A store written before engine kept raw rows (version 1) rebuilds it
        once, on first use, as unit rows × norms.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a"], np.array([[1.0, 2.0, 3.0]]))
        >>> v.vectors, v.vectors is v.vectors
        (array([[1., 2., 3.]], dtype=float32), True)
        """
        if self._raw is None:  # a source without raw rows: rebuilt once, then kept
            self._raw = _readonly(self._unit * self._norms[:, None])
        return self._raw

    def ids(self, keys: Iterable[str]) -> np.ndarray:
        """Return the rows of many words at once.

        Parameters
        ----------
        keys : iterable of str
            Vocabulary words (row numbers are not accepted here; n-gram-built words have no
            row).

        Returns
        -------
        ndarray of int64, shape (len(keys),)
            The row of each word, in the order given.

        Raises
        ------
        VocabularyError
            Naming the first word that is not in the vocabulary.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3))
        >>> v.ids(["c", "a"])
        array([2, 0])
        """
        k2i = self.key_to_index
        try:
            return np.fromiter((k2i[k] for k in keys), dtype=np.int64)
        except KeyError as e:
            raise VocabularyError(f"Key '{e.args[0]}' not present in vocabulary") from None


def _readonly(a):
    a.flags.writeable = False
    return a
