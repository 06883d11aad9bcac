"""engine's own format: a directory of arrays, written atomically, memory-mappable.

Layout: ``vectors.npy`` (unit rows, float32, C order), ``norms.npy`` (float32), ``raw.npy``
(the rows as loaded, float32), ``vocab.txt`` (one word a line, UTF-8) and its index
(``vocab_offsets.npy``, ``vocab_buckets.npy``, ``vocab_rows.npy``; ``engine._vocab``), so a
store opened with ``mmap=True`` reads no word until one is asked for; optional ``counts.npy``
(int64) and ``ngrams.npy`` (fastText n-gram rows), and ``meta.json`` (format, version, count,
dim, raw, n-gram parameters, provenance). Version 1 directories (no raw rows, no index) still
open: their vocabulary is read whole, and their raw rows are rebuilt from the unit rows and norms.

Read whole, every array is checked for NaN and Inf; opened with ``mmap=True``, none is read at
open (so opening takes the same time at 10k and 10M words): the writer checked them.

This module speaks arrays, not ``Vectors``: it sits below the core type, so ``Vectors.save``
and ``engine.load`` both delegate to it without an import cycle.
"""

import json
import os
import shutil
from typing import NamedTuple, Optional

import numpy as np

from . import _vocab
from ._npy import load_npy
from ._safe_files import (
    disk_errors,
    exchange_dir,
    new_temp_dir,
    open_regular,
    quote,
    read_bounded,
    remove_stale,
)
from ._text import index_keys
from .errors import EngineError, FormatError
from .ngrams import NgramVectors

#: The ``"format"`` field of a vectors store's ``meta.json``.
FORMAT = "engine-vectors"
#: The newest store version written and read (2: ``raw.npy`` holds the rows as loaded, and
#: the vocabulary has its on-disk index).
VERSION = 2
_MAX_DESCRIPTION = 1 << 20  # bytes of a meta.json / index.json
_MAX_WORD = 1 << 16  # bytes of one word of vocab.txt, at most


class Contents(NamedTuple):
    """What a store holds: the words and their rows, the unit matrix, its norms, the extras.

    Returned by ``read``; ``engine.io.load_store`` turns it into a ``Vectors``.

    See Also
    --------
    read : The function that returns it.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.engine")
    >>> write(path, ["a"], np.ones((1, 2), dtype=np.float32), np.ones(1, dtype=np.float32))
    >>> read(path)._fields
    ('keys', 'key_to_index', 'unit', 'norms', 'counts', 'ngrams', 'provenance', 'raw')
    """

    #: The words, in row order (list of str; ``engine._vocab.VocabKeys`` if mapped, version 2).
    keys: list
    #: ``{word: row}`` (dict; ``engine._vocab.VocabIndex`` if mapped, version 2).
    key_to_index: dict
    #: The unit-normalised float32 rows, shape (N, D) (a ``numpy.memmap`` if ``mmap=True``).
    unit: np.ndarray
    #: The original L2 norm of every row (float32, shape (N,)).
    norms: np.ndarray
    #: Word frequencies (int64, shape (N,)), or None if the store has none.
    counts: Optional[np.ndarray]
    #: The fastText character n-gram vectors (``engine.ngrams.NgramVectors``), or None.
    ngrams: Optional[NgramVectors]
    #: Where the vectors came from (dict), as given to ``write``; None if not recorded.
    provenance: Optional[dict]
    #: The rows as loaded (float32, shape (N, D), mapped if ``mmap=True``); None in a version 1
    #: store, which kept only the unit rows and norms.
    raw: Optional[np.ndarray] = None


def write(path, keys, unit, norms, counts=None, ngrams=None, provenance=None, raw=None):
    """Write a vocabulary and its unit rows to the directory ``path``, atomically.

    Everything is written to a new directory beside ``path``, which then takes the place of the
    old one in one atomic step (``engine._safe_files.exchange_dir``): a kill at any moment leaves
    ``path`` holding the whole old or the whole new store, never neither. Temporaries left by an
    earlier interrupted save of ``path`` are removed first. The arrays are written as given: the
    caller (``Vectors.save``) guarantees that they fit one another.

    Parameters
    ----------
    path : str or PathLike
        The directory to create or replace.
    keys : list of str
        The words, in row order (no line breaks: ``vocab.txt`` has one word a line).
    unit : ndarray of float32, shape (N, D)
        The unit-normalised rows.
    norms : ndarray of float32, shape (N,)
        Their original norms.
    counts : ndarray of int64, shape (N,), optional
        Word frequencies.
    ngrams : engine.ngrams.NgramVectors, optional
        The fastText character n-gram vectors.
    provenance : dict, optional
        Where the vectors came from; kept in ``meta.json``.
    raw : ndarray of float32, shape (N, D), optional
        The rows as loaded (``raw.npy``), so that reading the store back gives them bit for bit.

    Raises
    ------
    EngineError
        If a word contains a line break, ``path`` is an existing file (not a directory), or
        writing fails (disk full, no permission): the message names ``path``.

    See Also
    --------
    read : Read it back.
    engine.Vectors.save : The usual way to call it.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.engine")
    >>> write(path, ["a", "b"], np.eye(2, dtype=np.float32), np.ones(2, dtype=np.float32))
    >>> sorted(os.listdir(path))  # doctest: +NORMALIZE_WHITESPACE
    ['meta.json', 'norms.npy', 'vectors.npy', 'vocab.txt', 'vocab_buckets.npy',
     'vocab_offsets.npy', 'vocab_rows.npy']
    >>> write(path, ["a", "b"], np.eye(2, dtype=np.float32), np.ones(2, dtype=np.float32),
    ...       raw=np.eye(2, dtype=np.float32))
    >>> "raw.npy" in os.listdir(path)
    True
    """
    path = os.fspath(path)
    bad = next((w for w in keys if "\n" in w or "\r" in w), None)
    if bad is not None:
        raise EngineError(
            f"save {path}: the word {quote(bad)} contains a line break; vocab.txt cannot hold it"
        )
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
        raise EngineError(f"save {path}: a file (not an engine directory) is in the way")
    with disk_errors(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        remove_stale(path)
        tmp = new_temp_dir(path)
        try:
            _write_files(tmp, keys, unit, norms, counts, ngrams, provenance, raw)
            old = exchange_dir(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _write_files(tmp, keys, unit, norms, counts, ngrams, provenance, raw):
    """The files of a store, written into the new directory ``tmp``."""
    np.save(os.path.join(tmp, "vectors.npy"), np.asarray(unit))
    np.save(os.path.join(tmp, "norms.npy"), np.asarray(norms))
    if raw is not None:
        np.save(os.path.join(tmp, "raw.npy"), np.asarray(raw, dtype=np.float32))
    vocab_index = _vocab.write(tmp, keys)
    if counts is not None:
        np.save(os.path.join(tmp, "counts.npy"), np.asarray(counts))
    if ngrams is not None:
        np.save(os.path.join(tmp, "ngrams.npy"), ngrams.vectors)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "count": len(keys),
        "dim": int(np.shape(unit)[1]),
        "normalized": True,
        "raw": raw is not None,
        "counts": counts is not None,
        "ngrams": None if ngrams is None else ngrams.params(),
        "provenance": provenance or {},
        "vocab_index": vocab_index,
    }
    with open(os.path.join(tmp, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)


def is_store(path):
    """Tell whether ``path`` is a directory in engine's format.

    Parameters
    ----------
    path : str or PathLike
        Any path.

    Returns
    -------
    bool
        True if ``path`` is a directory holding a ``meta.json`` (its contents are not checked).

    Examples
    --------
    >>> import tempfile
    >>> is_store(tempfile.mkdtemp())
    False
    """
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "meta.json"))


def read_description(meta_path, fmt, version, missing, what):
    """Read the JSON description of one of engine's directories, checking its format and version.

    Shared by the vectors store (``meta.json``) and the index directory of ``engine.index``.

    Parameters
    ----------
    meta_path : str or PathLike
        The JSON file.
    fmt : str
        The value its ``"format"`` field must have (``FORMAT`` for a vectors store).
    version : int
        The newest ``"version"`` this engine reads.
    missing : str
        The FormatError message when the file does not exist.
    what : str
        What the directory should be, for the message when the format field is wrong.

    Returns
    -------
    dict
        The parsed description.

    Raises
    ------
    FormatError
        If the file is missing, not valid JSON, not of format ``fmt``, or of a newer version.

    Examples
    --------
    >>> import json, os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "meta.json")
    >>> with open(p, "w") as f:
    ...     json.dump({"format": FORMAT, "version": 3}, f)
    >>> read_description(p, FORMAT, VERSION, "no file", "a store")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    engine.errors.FormatError: ...meta.json: format version 3 is newer than this engine reads (2)
    """
    try:
        data = read_bounded(meta_path, _MAX_DESCRIPTION, "description")
    except FileNotFoundError:
        raise FormatError(missing) from None
    try:
        meta = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise FormatError(f"{meta_path}: not valid JSON ({str(e)[:120]})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise FormatError(f"{meta_path}: not {what} (format field missing)")
    v = meta.get("version")
    if type(v) is not int or v < 1:
        raise FormatError(f"{meta_path}: the version must be a positive integer, found {quote(str(v))}")
    if v > version:
        raise FormatError(f"{meta_path}: format version {v} is newer than this engine reads ({version})")
    return meta


def read(path, mmap=False):
    """Read a directory written by ``write``.

    Every piece is checked against ``meta.json`` (dtype and shape of each array, the number of
    words); ``mmap=True`` maps the matrix (and the n-gram rows) instead of reading them and, in
    a version 2 store, the vocabulary's index too (the words are read when asked for), so
    opening takes the same time at any size. Read whole, a version 2 store's vocabulary files
    are checked against their SHA-256 digests (``verify`` does that for a mapped one).

    Parameters
    ----------
    path : str or PathLike
        The directory.
    mmap : bool, default False
        Memory-map ``vectors.npy``, ``ngrams.npy`` and the vocabulary's index read-only.

    Returns
    -------
    Contents
        The words, their rows, the matrix and what goes with it.

    Raises
    ------
    FormatError
        If ``path`` is not an engine directory, or a file in it is missing, unreadable, of the
        wrong dtype or shape, or ``vocab.txt`` is not UTF-8, has the wrong number of words or
        repeats one, or (read whole) a vocabulary file's digest differs from ``meta.json``'s.

    See Also
    --------
    engine.load : Read it into a ``Vectors`` (format detected).
    engine.io.load_store : The same, for a known engine directory.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.engine")
    >>> write(path, ["a", "b"], np.eye(2, dtype=np.float32), np.ones(2, dtype=np.float32))
    >>> c = read(path, mmap=True)
    >>> c.keys, c.unit.shape, c.counts is None
    (['a', 'b'], (2, 2), True)
    """
    path = os.fspath(path)
    meta = read_description(
        os.path.join(path, "meta.json"),
        FORMAT,
        VERSION,
        missing=f"{path}: not an engine vectors directory (no meta.json)",
        what="an engine vectors directory",
    )
    n, d, ngram_params = check_meta(meta, os.path.join(path, "meta.json"))
    mode = "r" if mmap else None
    unit = _load_npy(path, "vectors.npy", mode, (n, d), np.float32)
    norms = _load_npy(path, "norms.npy", mode, (n,), np.float32)
    if not mmap:  # mapped, no row is read at open (opening stays constant in N): checked when written
        _check_finite(norms, os.path.join(path, "norms.npy"))
        _check_finite(unit, os.path.join(path, "vectors.npy"))
    raw = _load_npy(path, "raw.npy", mode, (n, d), np.float32) if meta.get("raw") else None
    if raw is not None and not mmap:
        _check_finite(raw, os.path.join(path, "raw.npy"))
    counts = _load_npy(path, "counts.npy", mode, (n,), np.int64) if meta.get("counts") else None
    keys, key_to_index = _vocabulary(path, meta, n, mmap)
    ngrams = None
    if ngram_params:
        ng = _load_npy(path, "ngrams.npy", mode, (ngram_params["bucket"], d), np.float32)
        try:
            ngrams = NgramVectors(ng, **ngram_params)
        except EngineError as e:
            raise FormatError(f"{os.path.join(path, 'meta.json')}: ngrams: {e}") from None
    return Contents(keys, key_to_index, unit, norms, counts, ngrams, meta.get("provenance"), raw)


#: meta.json's keys and the types their values must have (``bool`` is not an ``int`` here).
_META_TYPES = {
    "format": (str,),
    "version": (int,),
    "count": (int,),
    "dim": (int,),
    "normalized": (bool,),
    "raw": (bool,),
    "counts": (bool,),
    "ngrams": (dict, type(None)),
    "provenance": (dict, type(None)),
    "vocab_index": (dict,),
}
_NGRAM_KEYS = ("min_n", "max_n", "bucket")
_MAX_ROWS = 1 << 40  # beyond any file: a count or dim above it is a damaged description


def check_meta(meta, meta_path):
    """``(count, dim, n-gram parameters or None)`` of a store's ``meta.json``, checked.

    Every key must be known and of its type; counts and dimensions in range; the n-gram
    parameters three integers with ``1 <= min_n <= max_n`` and ``bucket >= 0``.

    Raises
    ------
    FormatError
        Naming ``meta_path`` and the first thing wrong.

    Examples
    --------
    >>> check_meta({"format": FORMAT, "version": 1, "count": 2, "dim": 3}, "meta.json")
    (2, 3, None)
    >>> check_meta({"format": FORMAT, "version": 1, "count": 2, "dim": True}, "meta.json")
    Traceback (most recent call last):
    ...
    engine.errors.FormatError: meta.json: "dim" must be int, found bool
    """
    for key, value in meta.items():
        types = _META_TYPES.get(key)
        if types is None:
            raise FormatError(f"{meta_path}: unknown key {quote(key)}")
        if type(value) not in types:
            want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise FormatError(f'{meta_path}: "{key}" must be {want}, found {type(value).__name__}')
    n, d = meta.get("count"), meta.get("dim")
    if n is None or d is None:
        raise FormatError(f'{meta_path}: "count" and "dim" are required')
    if not (0 <= n < _MAX_ROWS and 1 <= d < _MAX_ROWS):
        raise FormatError(f"{meta_path}: count {n} or dim {d} out of range")
    ng = meta.get("ngrams")
    if not ng:
        return n, d, None
    if sorted(ng) != sorted(_NGRAM_KEYS) or any(type(ng[k]) is not int for k in _NGRAM_KEYS):
        raise FormatError(
            f'{meta_path}: "ngrams" must be {{min_n, max_n, bucket}} integers, found {quote(str(ng))}'
        )
    if not (1 <= ng["min_n"] <= ng["max_n"] <= 1024 and 0 <= ng["bucket"] < _MAX_ROWS):
        raise FormatError(f'{meta_path}: "ngrams" out of range: {quote(str(ng))}')
    return n, d, dict(ng)


def _vocabulary(path, meta, n, mmap):
    """``(keys, key_to_index)``: mapped from the index of a version 2 store opened with
    ``mmap=True``; otherwise read whole (the index's digests checked when it has one)."""
    desc = meta.get("vocab_index")
    if desc is not None:
        buckets = _vocab.check_description(desc, os.path.join(path, "meta.json"))
        if mmap:
            files = _vocab.VocabFiles(path, n, buckets)
            return _vocab.VocabKeys(files), _vocab.VocabIndex(files)
    keys, key_to_index = _read_vocab(os.path.join(path, "vocab.txt"), n)
    if desc is not None:  # after the words' own checks, whose messages say more
        _vocab.verify(path, desc)
    return keys, key_to_index


def verify(path):
    """Check a whole store: the vocabulary files' digests and every row's values.

    Opening with ``mmap=True`` checks the index in constant time (sizes, ends) and each lookup
    what it reads, and reads no row; this reads every byte of ``vocab.txt`` and the index
    (against the SHA-256 digests of ``meta.json``; a version 1 store has none) and of the
    arrays (no NaN or Inf in ``vectors.npy``, ``norms.npy``, ``raw.npy``), as an open with
    ``mmap=False`` does.

    Parameters
    ----------
    path : str or PathLike
        The store's directory.

    Raises
    ------
    FormatError
        If ``path`` is not a store, a file's digest differs, or an array holds NaN or Inf
        (the message names the file, and the row).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.engine")
    >>> write(path, ["a"], np.ones((1, 2), dtype=np.float32), np.ones(1, dtype=np.float32))
    >>> verify(path)
    """
    path = os.fspath(path)
    meta_path = os.path.join(path, "meta.json")
    meta = read_description(
        meta_path,
        FORMAT,
        VERSION,
        f"{path}: not an engine vectors directory (no meta.json)",
        "an engine vectors directory",
    )
    check_meta(meta, meta_path)
    if meta.get("vocab_index") is not None:
        _vocab.check_description(meta["vocab_index"], meta_path)
        _vocab.verify(path, meta["vocab_index"])
    c = read(path, mmap=True)
    for name, a in (("norms.npy", c.norms), ("vectors.npy", c.unit), ("raw.npy", c.raw)):
        if a is not None:
            _check_finite(a, os.path.join(path, name))


def _read_vocab(vocab_path, n):
    """The ``n`` words of ``vocab.txt`` and ``{word: row}``; a FormatError if they do not fit.

    The one reader of a store's vocabulary: bounded by ``n`` (at most ``_MAX_WORD`` bytes a
    word), from a regular file only.
    """
    try:
        f = open_regular(vocab_path, "vocabulary")
    except FileNotFoundError:
        raise FormatError(f"{vocab_path}: missing") from None
    with f:
        limit = (n + 1) * _MAX_WORD
        # at most the file's size: read(limit) would allocate the whole bound first (65 GB at 1M words)
        data = f.read(min(limit, os.fstat(f.fileno()).st_size) + 1)
    if len(data) > limit:
        raise FormatError(f"{vocab_path}: larger than {n} words can be")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{vocab_path}: not UTF-8 at byte {e.start}") from None
    keys = text.split("\n") if text or n == 1 else []  # one empty word is an empty file too
    if len(keys) != n:
        raise FormatError(f"{vocab_path}: {len(keys)} words but meta.json says {n}")
    key_to_index, dup = index_keys(keys)
    if dup is not None:
        raise FormatError(f"{vocab_path}: the word {quote(dup)} appears twice")
    return keys, key_to_index


def _check_finite(a, p, block=1 << 16):
    """A FormatError naming ``p`` and the first row holding NaN or Inf (a block of rows at a time)."""
    for start in range(0, len(a), block):
        ok = np.isfinite(a[start : start + block])
        if not ok.all():
            row = start + int(np.argmin(ok.reshape(len(ok), -1).all(axis=1)))
            raise FormatError(f"{p}: row {row} holds NaN or Inf")


def _load_npy(folder, name, mmap_mode, shape, dtype):
    p = os.path.join(folder, name)
    try:
        return load_npy(p, dtype, shape, mmap=mmap_mode is not None)
    except FileNotFoundError:
        raise FormatError(f"{p}: missing") from None
    except OSError as e:
        raise FormatError(f"{p}: not readable ({e.strerror or e})") from None
