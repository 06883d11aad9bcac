"""``engine.load``: one call for every format, detected from the path and its first bytes."""

import os

from .. import store
from ..errors import EngineError, FormatError
from ..vectors import Vectors
from .word2vec import read_word2vec


def load_store(path, mmap=False):
    """A ``Vectors`` from a directory in engine's own format (see ``engine.store``).

    ``mmap=True`` maps the matrix instead of reading it; a piece that does not fit the others
    is a ``FormatError`` naming the directory.
    """
    c = store.read(path, mmap=mmap)
    try:
        return Vectors(
            c.keys,
            counts=c.counts,
            ngrams=c.ngrams,
            normalized=(c.unit, c.norms),
            meta=c.provenance,
            key_to_index=c.key_to_index,
        )
    except EngineError as e:
        raise FormatError(f"{os.fspath(path)}: {e}") from None


def load(path, format=None, *, mmap=False, limit=None, unicode_errors="strict", binary=None):
    """Load word vectors from ``path``, detecting the format.

    Parameters
    ----------
    path : str or PathLike
        An engine directory, or a word2vec (binary or text), GloVe or fastText ``.vec`` file,
        optionally ``.gz``/``.bz2`` compressed.
    format : {"engine", "word2vec", "text", "glove"}, optional
        Skip detection. ``"word2vec"`` is binary; ``"text"`` is word2vec text with a header
        (fastText ``.vec`` too); ``"glove"`` is text without a header.
    mmap : bool
        engine format only: memory-map the matrix (opening is then independent of size).
    limit : int, optional
        Read only the first ``limit`` vectors, as gensim's ``load_word2vec_format``.
    unicode_errors : str
        How to treat bad UTF-8 in words, as gensim: ``"strict"`` (FormatError), ``"ignore"``,
        ``"replace"``.

    >>> import engine
    >>> v = engine.load(engine.datasets.default_path(), mmap=True)
    >>> v.vector_size
    384
    """
    path = os.fspath(path)
    if format is None and binary is not None:
        format = "word2vec" if binary else "text"
    if format in (None, "engine") and store.is_store(path):
        return load_store(path, mmap=mmap)
    if format == "engine":
        raise FormatError(f"{path}: not an engine vectors directory (no meta.json)")
    if path.endswith((".kv", ".model")):
        raise FormatError(
            f"{path}: a gensim pickle; load it with engine.load_gensim(path) "
            "(that runs code from the file: only for files you trust)"
        )
    return read_word2vec(path, format=format, limit=limit, unicode_errors=unicode_errors)
