"""Vectors mixin: to and from gensim — its objects and its word2vec files, as gensim does it.

``from_gensim`` / ``to_gensim`` convert gensim's ``KeyedVectors`` (``FastTextKeyedVectors``
with n-grams) both ways; ``load_word2vec_format`` / ``save_word2vec_format`` read and write
word2vec files with gensim's arguments and gensim's results (its invented counts included).
The parsers live in ``engine.io``, which imports ``Vectors``: ``load_word2vec_format`` imports
it when called (the one upward import the layer contract allows, see docs/architecture.md).
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import os
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ._safe_files import disk_errors, new_temp_file, remove_stale
from .errors import EngineError, FormatError, VocabularyError, WordDecodingError
from .ngrams import NgramVectors

if TYPE_CHECKING:
    from ._typing import PathLike

_I = TypeVar("_I", bound="InteropMixin")


class InteropMixin:
    """Conversions to and from gensim objects and files, mixed into ``Vectors``.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> type(v.to_gensim()).__name__
    'KeyedVectors'
    """

    if TYPE_CHECKING:  # the attributes and calls engine.Vectors provides to its mixins

        def __getattr__(self, name: str) -> Any: ...

    @classmethod
    def from_gensim(cls: type[_I], model: Any) -> _I:
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

    def to_gensim(self) -> Any:
        """Return a real gensim ``KeyedVectors`` holding these vectors (a copy gensim may change).

        With fastText n-grams the result is a ``FastTextKeyedVectors`` whose out-of-vocabulary
        vectors equal ``v[word]``; counts become gensim's ``"count"`` attribute.

        Returns
        -------
        gensim.models.KeyedVectors or gensim.models.fasttext.FastTextKeyedVectors
            The same keys in the same order, ``kv.vectors`` equal to ``v.vectors`` bit for bit.
            A ``FastTextKeyedVectors`` answers queries but cannot be trained further: its
            ``vectors_vocab`` (the training-only word rows) are the final word vectors.

        Raises
        ------
        DependencyError
            If gensim is not installed.

        See Also
        --------
        from_gensim : The other way.

        Examples
        --------
        >>> import numpy as np, engine
        >>> kv = engine.Vectors(["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]])).to_gensim()
        >>> kv["b"], kv.index_to_key
        (array([3., 4.], dtype=float32), ['a', 'b'])
        """
        gensim_models = _gensim()
        keys = list(self.index_to_key)
        if self.ngrams is not None:
            ng = self.ngrams
            kv = gensim_models.fasttext.FastTextKeyedVectors(self.vector_size, ng.min_n, ng.max_n, ng.bucket)
        else:
            kv = gensim_models.KeyedVectors(self.vector_size)
        kv.index_to_key = keys
        kv.key_to_index = dict(self.key_to_index)
        kv.vectors = np.array(self.vectors, dtype=np.float32)  # writable: gensim may change it
        kv.norms = None
        kv.next_index = len(keys)
        if self.ngrams is not None:
            kv.vectors_ngrams = np.array(self.ngrams.vectors, dtype=np.float32)
            kv.vectors_vocab = kv.vectors.copy()
            kv.recalc_char_ngram_buckets()
        if self.counts is not None:
            kv.allocate_vecattrs(["count"], [np.int64])
            kv.expandos["count"][:] = self.counts
        return kv

    @classmethod
    def load_word2vec_format(
        cls: type[_I],
        fname: PathLike,
        fvocab: PathLike | None = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: int | None = None,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> _I:
        """Load a word2vec binary or text file as gensim's ``KeyedVectors.load_word2vec_format``.

        The same arguments and results as gensim's, and the counts it makes up: without
        ``fvocab`` each word's ``"count"`` is ``len - row`` (descending, as gensim invents them);
        with ``fvocab`` (the ``-save-vocab`` file of word2vec's C tool) the counts are read from
        it. ``engine.load`` reads the same files with the format detected.

        Parameters
        ----------
        fname : str or PathLike
            The file (``.gz``/``.bz2`` decompressed by extension).
        fvocab : str or PathLike, optional
            ``word count`` lines giving each word's count.
        binary : bool, default False
            Binary word2vec (True) or text (False).
        encoding : str, default "utf8"
            The encoding of the words.
        unicode_errors : str, default "strict"
            ``"strict"`` (a ``WordDecodingError``, also a ``UnicodeDecodeError``), ``"replace"``
            or ``"ignore"``.
        limit : int, optional
            Read only the first ``limit`` vectors.
        datatype : numpy float type, default numpy.float32
            engine keeps float32 rows; ``numpy.float16`` rounds them to float16 values first
            (as gensim's float16 store holds them). Other types are refused.
        no_header : bool, default False
            The file has no ``COUNT DIM`` line (GloVe); text only, as gensim.

        Returns
        -------
        Vectors
            The vectors, words in file order, with counts.

        Raises
        ------
        FormatError
            If the file is malformed (a ``TruncatedFileError``, also an ``EOFError``, when it
            ends early), or ``fvocab`` lacks a word or has a malformed line.
        EngineError
            If ``datatype`` is not float32 or float16, or ``no_header`` is asked with ``binary``.

        See Also
        --------
        save_word2vec_format : Write such files.
        engine.load : Every format, detected.

        Examples
        --------
        >>> import engine
        >>> v = engine.Vectors.load_word2vec_format(engine.datasets.gensim_test_file("euclidean_vectors.bin"), binary=True)
        >>> int(v.get_vecattr(v.index_to_key[0], "count")) == len(v)
        True
        """
        from .io.word2vec import read_word2vec  # engine.io imports Vectors: imported when called

        dtype = np.dtype(datatype)
        if dtype not in (np.float32, np.float16):
            raise EngineError(
                f"load_word2vec_format: datatype {dtype} is not supported; engine keeps float32 rows"
            )
        if no_header and binary:
            raise EngineError("load_word2vec_format: no_header is only available for text files (as gensim)")
        fmt = "glove" if no_header else ("word2vec" if binary else "text")
        v = read_word2vec(fname, format=fmt, limit=limit, unicode_errors=unicode_errors, encoding=encoding)
        counts = read_fvocab(fvocab, v.index_to_key, unicode_errors) if fvocab is not None else None
        if counts is None:  # gensim invents descending counts for files without them
            counts = len(v) - np.arange(len(v), dtype=np.int64)
        raw = v.vectors if dtype == np.float32 else v.vectors.astype(np.float16).astype(np.float32)
        normalized = (v.unit, v.norms) if dtype == np.float32 else None
        vectors = None if normalized else raw
        return cls(
            v.index_to_key,
            vectors,
            counts,
            normalized=normalized,
            raw=raw if normalized else None,
            meta=v.meta,
            key_to_index=v.key_to_index,
        )

    def save_word2vec_format(
        self,
        fname: PathLike,
        fvocab: PathLike | None = None,
        binary: bool = False,
        total_vec: int | None = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None:
        """Write a word2vec file as gensim's ``KeyedVectors.save_word2vec_format`` writes it.

        Byte for byte gensim's output: the rows in descending ``sort_attr`` order when the
        vectors have that attribute (``"count"``), else in row order; text values printed as
        numpy prints float32 (the shortest form that reads back exactly); binary records without
        a newline after the vector. Unlike gensim the file is written under a temporary name and
        renamed (with ``append``, the old contents are copied first), so a failure leaves an
        existing file whole. ``.gz``/``.bz2`` compress by extension.

        Parameters
        ----------
        fname : str or PathLike
            The file to write.
        fvocab : str or PathLike, optional
            Also write ``word count`` lines (``prefix`` before each word) to this file.
        binary : bool, default False
            Binary word2vec (True) or text (False).
        total_vec : int, optional
            The count written in the header (default: the number of vectors).
        write_header : bool, default True
            Write the ``COUNT DIM`` line (False: GloVe's layout).
        prefix : str, default ""
            Put before every word.
        append : bool, default False
            Add to the end of ``fname`` (and ``fvocab``) instead of replacing it.
        sort_attr : str, default "count"
            The per-word attribute (see ``expandos``) that orders the rows, largest first.

        Raises
        ------
        EngineError
            If ``fvocab`` is given but the vectors have no ``sort_attr`` (as gensim's
            ``ValueError``; this one is also a ``ValueError``), or a word holds a line break
            (or, for text, a space); a ``StorageError`` naming the file if writing fails.

        See Also
        --------
        load_word2vec_format : Read it back.
        engine.io.write_word2vec : engine's writer (row order, the original tool's newlines).

        Examples
        --------
        >>> import os, tempfile, numpy as np, engine
        >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 2.5], [3.0, 4.0]]), counts=[1, 5])
        >>> p = os.path.join(tempfile.mkdtemp(), "v.txt")
        >>> v.save_word2vec_format(p)
        >>> open(p).read()
        '2 2\\nb 3.0 4.0\\na 1.0 2.5\\n'
        """
        order = self._save_order(sort_attr, fvocab)
        keys = self.index_to_key
        bad = next((keys[i] for i in order if "\n" in keys[i] or (not binary and " " in keys[i])), None)
        if bad is not None:
            raise EngineError(f"save_word2vec_format {fname}: the word {bad!r} cannot be held by the format")
        values = self.expandos[sort_attr] if fvocab is not None else None
        if fvocab is not None:
            lines = (f"{prefix}{keys[i]} {values[i]}\n".encode() for i in order)
            _write_atomic(os.fspath(fvocab), lines, append)
        header = f"{len(self) if total_vec is None else total_vec} {self.vector_size}\n".encode()
        records = _records(self.vectors, keys, order, prefix, binary)
        _write_atomic(os.fspath(fname), itertools.chain([header] if write_header else [], records), append)

    def _save_order(self, sort_attr, fvocab):
        """The rows in gensim's writing order: descending ``sort_attr`` (stable), else as stored."""
        if sort_attr in self.expandos:
            # a stable sort on -value over the rows in order: gensim's sorted(key_to_index, key=-attr)
            return np.argsort(-np.asarray(self.expandos[sort_attr], dtype=np.float64), kind="stable")
        if fvocab is not None:
            raise _ValueError(
                f"save_word2vec_format: cannot store the vocabulary with {sort_attr!r}, which these vectors lack"
            )
        return np.arange(len(self))


class _ValueError(EngineError, ValueError):
    """A bad argument value (gensim raises ``ValueError``)."""


def _gensim():
    try:
        import gensim.models
        import gensim.models.fasttext  # noqa: F401  (the submodule, for FastTextKeyedVectors)
    except ImportError:
        from .errors import DependencyError

        raise DependencyError("to_gensim needs gensim: pip install gensim") from None
    return gensim.models


def _records(vectors, keys, order, prefix, binary):
    """gensim's records: ``prefix+word `` and the float32 bytes, or the values as numpy prints them."""
    for i in order:
        row = vectors[i]
        if binary:
            yield f"{prefix}{keys[i]} ".encode() + row.tobytes()
        else:
            yield f"{prefix}{keys[i]} {' '.join(str(x) for x in row)}\n".encode()


def _write_atomic(path, chunks, append):
    """Write ``chunks`` to ``path`` under a temporary name, then rename (after the old bytes if ``append``)."""
    with disk_errors(path, "write"):
        remove_stale(path)
        tmp = new_temp_file(path)
        try:
            with open(tmp, "wb") as raw:
                low = path.lower()
                if append and os.path.exists(path):
                    with open(path, "rb") as old:  # the old bytes as they are (compressed members too)
                        while block := old.read(1 << 20):
                            raw.write(block)
                if low.endswith(".gz"):
                    f = gzip.GzipFile(
                        filename=os.path.basename(path)[:-3], mode="wb", fileobj=raw, compresslevel=6
                    )
                elif low.endswith(".bz2"):
                    f = bz2.BZ2File(raw, "wb")
                else:
                    f = raw
                with f:
                    for chunk in chunks:
                        f.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def read_fvocab(path, keys, unicode_errors="strict"):
    """Each key's count from a ``word count`` file (UTF-8, as gensim reads it).

    Parameters
    ----------
    path : str or PathLike
        The vocabulary file (word2vec's ``-save-vocab`` output).
    keys : list of str
        The words whose counts are wanted.
    unicode_errors : str, default "strict"
        How bad UTF-8 is decoded.

    Returns
    -------
    ndarray of int64, shape (len(keys),)

    Raises
    ------
    FormatError
        If the file is unreadable or a line is not ``word count``.
    VocabularyError
        Naming the first key the file has no count for.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    >>> _ = open(p, "w").write("a 5\\nb 2\\n")
    >>> read_fvocab(p, ["b", "a"])
    array([2, 5])
    """
    counts = {}
    try:
        f = open(os.fspath(path), "rb")
    except OSError as e:
        raise FormatError(f"{path}: not readable ({e.strerror or e})") from None
    with f:
        for lineno, line in enumerate(f, 1):
            try:
                parts = line.decode("utf-8", unicode_errors).strip().split()
            except UnicodeDecodeError as e:
                raise WordDecodingError(
                    f"{path}: line {lineno}: not valid UTF-8 (byte {e.start}; pass unicode_errors='replace' or 'ignore')",
                    "utf-8",
                    line,
                    e.start,
                    e.end,
                ) from None
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise FormatError(f"{path}: line {lineno}: expected 'word count'")
            counts[parts[0]] = int(parts[1])
    missing = next((k for k in keys if k not in counts), None)
    if missing is not None:
        raise VocabularyError(f"{path}: the vocabulary file has no count for {missing!r}")
    return np.array([counts[k] for k in keys], dtype=np.int64)
