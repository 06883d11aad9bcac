"""``engine.load``: one call for every format, detected from the path and its first bytes."""

import os

from .. import compressed_store, store
from ..errors import EngineError, FormatError
from ..vectors import Vectors
from .word2vec import read_word2vec


def load_store(path, mmap=False):
    """Load a ``Vectors`` from a directory in engine's own format (see ``engine.store``).

    Parameters
    ----------
    path : str or PathLike
        A directory written by ``Vectors.save``.
    mmap : bool, default False
        Memory-map the matrix (read-only) instead of reading it: opening then takes the same
        time at any size, and pages are read on first use.

    Returns
    -------
    engine.Vectors
        The saved words, rows, norms, counts, n-grams and provenance.

    Raises
    ------
    FormatError
        If ``path`` is not an engine directory, or a piece does not fit the others; the message
        names the directory or file.

    See Also
    --------
    load : Any format, detected.

    Examples
    --------
    >>> import os, tempfile, numpy as np, engine
    >>> path = os.path.join(tempfile.mkdtemp(), "ab.engine")
    >>> engine.Vectors(["a", "b"], np.eye(2)).save(path)
    >>> engine.io.load_store(path, mmap=True)
    <engine.Vectors: 2 words × 2 dims>
    """
    c = store.read(path, mmap=mmap)
    try:
        v = Vectors(
            c.keys,
            counts=c.counts,
            ngrams=c.ngrams,
            normalized=(c.unit, c.norms),
            meta=c.provenance,
            key_to_index=c.key_to_index,
        )
    except EngineError as e:
        raise FormatError(f"{os.fspath(path)}: {e}") from None
    v._compressed = compressed_store.read_copies(path, v._unit, mmap=mmap)  # checked, checksummed
    return v


def load(path, format=None, *, mmap=False, limit=None, unicode_errors="strict", binary=None):
    """Load word vectors from ``path``, detecting the format.

    Detection: a directory with a ``meta.json`` is engine's own format; a file whose first line
    is ``COUNT DIM`` is word2vec, binary or text by its bytes (fastText ``.vec`` is word2vec
    text); any other text file is GloVe. ``.gz``/``.bz2`` files are decompressed by extension.
    gensim pickles (``.kv``, ``.model``) are refused: they run code when loaded, so they have
    their own call, ``load_gensim``.

    Parameters
    ----------
    path : str or PathLike
        An engine directory, or a word2vec (binary or text), GloVe or fastText ``.vec`` file,
        optionally ``.gz``/``.bz2`` compressed.
    format : {"engine", "word2vec", "text", "glove"}, optional
        Skip detection. ``"word2vec"`` is binary; ``"text"`` is word2vec text with a header
        (fastText ``.vec`` too); ``"glove"`` is text without a header.
    mmap : bool, default False
        For the engine format only: memory-map the matrix (opening is then independent of
        size).
    limit : int, optional
        For word2vec/GloVe files only: read only the first ``limit`` vectors, as gensim's
        ``load_word2vec_format``.
    unicode_errors : str, default "strict"
        For word2vec/GloVe files only: how to treat bad UTF-8 in words, as gensim:
        ``"strict"`` (FormatError), ``"ignore"``, ``"replace"``.
    binary : bool, optional
        The argument of gensim's ``load_word2vec_format``: True means ``format="word2vec"``,
        False ``format="text"``; ignored when ``format`` is given.

    Returns
    -------
    engine.Vectors
        The vectors, words in file order (``meta`` records the source and format).

    Raises
    ------
    FormatError
        If the file is missing, empty, malformed or a gensim pickle, or ``format="engine"`` is
        asked of a path that is not an engine directory. The message names the file and the
        line (text) or byte offset (binary).
    EngineError
        If ``format``, ``limit`` or ``unicode_errors`` is not a valid value.

    See Also
    --------
    load_gensim : The ``.kv`` and ``.model`` files gensim saves.
    engine.Vectors.from_gensim : A gensim object in memory.
    engine.io.read_word2vec : The word2vec/GloVe reader behind it.

    Examples
    --------
    >>> import engine
    >>> v = engine.load(engine.datasets.default_path(), mmap=True)
    >>> v.vector_size
    384
    >>> engine.load(engine.datasets.gensim_test_file("test_glove.txt")).vector_size
    50
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
