"""engine's own format: a directory of arrays, written atomically, memory-mappable.

Layout: ``vectors.npy`` (unit rows, float32, C order), ``norms.npy`` (float32), ``vocab.txt``
(one word a line, UTF-8), optional ``counts.npy`` (int64) and ``ngrams.npy`` (fastText n-gram
rows), and ``meta.json`` (format, version, count, dim, n-gram parameters, provenance).

This module speaks arrays, not ``Vectors``: it sits below the core type, so ``Vectors.save``
and ``engine.load`` both delegate to it without an import cycle.
"""

import json
import os
import shutil
import tempfile
from typing import NamedTuple, Optional

import numpy as np

from ._text import index_keys
from .errors import EngineError, FormatError
from .ngrams import NgramVectors

#: The ``"format"`` field of a vectors store's ``meta.json``.
FORMAT = "engine-vectors"
#: The newest store version written and read.
VERSION = 1


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
    ('keys', 'key_to_index', 'unit', 'norms', 'counts', 'ngrams', 'provenance')
    """

    #: The words, in row order (list of str).
    keys: list
    #: ``{word: row}`` (dict).
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


def write(path, keys, unit, norms, counts=None, ngrams=None, provenance=None):
    """Write a vocabulary and its unit rows to the directory ``path``, atomically.

    Everything is written to a temporary directory beside ``path`` and renamed into place, so a
    failure mid-write leaves an existing ``path`` whole. The arrays are written as given: the
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

    Raises
    ------
    EngineError
        If a word contains a line break, or ``path`` is an existing file (not a directory).

    See Also
    --------
    read : Read it back.
    engine.Vectors.save : The usual way to call it.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "v.engine")
    >>> write(path, ["a", "b"], np.eye(2, dtype=np.float32), np.ones(2, dtype=np.float32))
    >>> sorted(os.listdir(path))
    ['meta.json', 'norms.npy', 'vectors.npy', 'vocab.txt']
    """
    path = os.fspath(path)
    bad = next((w for w in keys if "\n" in w or "\r" in w), None)
    if bad is not None:
        raise EngineError(f"save {path}: the word {bad!r} contains a line break; vocab.txt cannot hold it")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
    try:
        np.save(os.path.join(tmp, "vectors.npy"), np.asarray(unit))
        np.save(os.path.join(tmp, "norms.npy"), np.asarray(norms))
        with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(keys))
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
            "counts": counts is not None,
            "ngrams": None if ngrams is None else ngrams.params(),
            "provenance": provenance or {},
        }
        with open(os.path.join(tmp, "meta.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1)
        _replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace_dir(tmp, path):
    """Move the finished directory ``tmp`` to ``path``, replacing what was there."""
    if os.path.isdir(path):
        old = tmp + ".old"
        os.rename(path, old)
        os.rename(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    elif os.path.exists(path):
        raise EngineError(f"save {path}: a file (not an engine directory) is in the way")
    else:
        os.rename(tmp, path)


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
    ...     json.dump({"format": FORMAT, "version": 2}, f)
    >>> read_description(p, FORMAT, VERSION, "no file", "a store")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    engine.errors.FormatError: ...meta.json: format version 2 is newer than this engine reads (1)
    """
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise FormatError(missing) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise FormatError(f"{meta_path}: not valid JSON ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise FormatError(f"{meta_path}: not {what} (format field missing)")
    if meta.get("version", 0) > version:
        raise FormatError(
            f"{meta_path}: format version {meta['version']} is newer than this engine reads ({version})"
        )
    return meta


def read(path, mmap=False):
    """Read a directory written by ``write``.

    Every piece is checked against ``meta.json`` (dtype and shape of each array, the number of
    words); ``mmap=True`` maps the matrix (and the n-gram rows) instead of reading them, so
    opening takes the same time at any size.

    Parameters
    ----------
    path : str or PathLike
        The directory.
    mmap : bool, default False
        Memory-map ``vectors.npy`` and ``ngrams.npy`` read-only.

    Returns
    -------
    Contents
        The words, their rows, the matrix and what goes with it.

    Raises
    ------
    FormatError
        If ``path`` is not an engine directory, or a file in it is missing, unreadable, of the
        wrong dtype or shape, or ``vocab.txt`` is not UTF-8, has the wrong number of words or
        repeats one.

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
    n, d = meta.get("count"), meta.get("dim")
    mode = "r" if mmap else None
    unit = _load_npy(path, "vectors.npy", mode, (n, d), np.float32)
    norms = _load_npy(path, "norms.npy", None, (n,), np.float32)
    counts = _load_npy(path, "counts.npy", None, (n,), np.int64) if meta.get("counts") else None
    keys, key_to_index = _read_vocab(os.path.join(path, "vocab.txt"), n)
    ngrams = None
    if meta.get("ngrams"):
        ng = _load_npy(path, "ngrams.npy", mode, None, np.float32)
        ngrams = NgramVectors(ng, **meta["ngrams"])
    return Contents(keys, key_to_index, unit, norms, counts, ngrams, meta.get("provenance"))


def _read_vocab(vocab_path, n):
    try:
        with open(vocab_path, encoding="utf-8", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        raise FormatError(f"{vocab_path}: missing") from None
    except UnicodeDecodeError as e:
        raise FormatError(f"{vocab_path}: not UTF-8 at byte {e.start}") from None
    keys = text.split("\n") if text else []
    if len(keys) != n:
        raise FormatError(f"{vocab_path}: {len(keys)} words but meta.json says {n}")
    key_to_index, dup = index_keys(keys)
    if dup is not None:
        raise FormatError(f"{vocab_path}: the word {dup!r} appears twice")
    return keys, key_to_index


def _load_npy(folder, name, mmap_mode, shape, dtype):
    p = os.path.join(folder, name)
    try:
        a = np.load(p, mmap_mode=mmap_mode, allow_pickle=False)
    except FileNotFoundError:
        raise FormatError(f"{p}: missing") from None
    except (ValueError, OSError, EOFError) as e:
        raise FormatError(f"{p}: not a readable .npy file ({e})") from None
    if a.dtype != dtype or (shape is not None and a.shape != tuple(shape)):
        raise FormatError(
            f"{p}: expected {np.dtype(dtype).name} of shape {tuple(shape) if shape else '(any)'}, found {a.dtype} {a.shape}"
        )
    return a
