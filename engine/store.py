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

FORMAT = "engine-vectors"
VERSION = 1


class Contents(NamedTuple):
    """What a store holds: the words and their rows, the unit matrix, its norms, the extras."""

    keys: list
    key_to_index: dict
    unit: np.ndarray
    norms: np.ndarray
    counts: Optional[np.ndarray]
    ngrams: Optional[NgramVectors]
    provenance: Optional[dict]


def write(path, keys, unit, norms, counts=None, ngrams=None, provenance=None):
    """Write a vocabulary and its unit rows to the directory ``path``, atomically.

    Parameters
    ----------
    path : str or PathLike
        The directory to create or replace.
    keys : list of str
        The words, in row order (no line breaks: ``vocab.txt`` has one word a line).
    unit, norms : ndarray
        The unit-normalised float32 rows (N, D) and their original norms (N,).
    counts : ndarray of int64, optional
        Word frequencies.
    ngrams : engine.ngrams.NgramVectors, optional
        fastText character n-gram vectors.
    provenance : dict, optional
        Where the vectors came from; kept in ``meta.json``.

    Everything is written to a temporary directory beside ``path`` and renamed into place, so
    a failure mid-write leaves an existing ``path`` whole.
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
    """True if ``path`` is a directory in engine's format (it has a ``meta.json``)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "meta.json"))


def read_description(meta_path, fmt, version, missing, what):
    """The JSON description of one of engine's directories, checked to be ``fmt`` of at most
    ``version``. FormatError naming the file otherwise; ``missing`` is the message for no file."""
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
    """Read a directory written by ``write``; ``mmap=True`` maps the matrix instead of reading it.

    Returns
    -------
    Contents
        The words, their rows, the matrix and what goes with it.
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
