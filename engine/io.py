"""Loading and saving every format engine reads, and converting gensim objects.

Formats: engine's own (a directory, see ``save_engine``), word2vec binary and text (with a
header line), GloVe text (no header), fastText ``.vec`` (word2vec text); ``.gz``/``.bz2`` by
extension. gensim's pickled ``.kv``/``.model`` files only through ``load_gensim``, which runs
code from the file.
"""

import json
import os
import shutil
import tempfile

import numpy as np

from .errors import EngineError, FormatError
from .vectors import Vectors

ENGINE_FORMAT = "engine-vectors"
ENGINE_VERSION = 1


# ---------------------------------------------------------------- engine's own format
def save_engine(vectors, path):
    """Write ``vectors`` to the directory ``path``, atomically.

    Layout: ``vectors.npy`` (unit rows, float32, mmap-able), ``norms.npy``, ``vocab.txt`` (one
    word a line, UTF-8), optional ``counts.npy`` and ``ngrams.npy``, and ``meta.json``. Everything
    is written to a temporary directory beside ``path`` and renamed into place, so a failure
    mid-write leaves an existing ``path`` whole.
    """
    path = os.fspath(path)
    bad = next((w for w in vectors.index_to_key if "\n" in w or "\r" in w), None)
    if bad is not None:
        raise EngineError(f"save {path}: the word {bad!r} contains a line break; vocab.txt cannot hold it")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-", dir=parent)
    try:
        np.save(os.path.join(tmp, "vectors.npy"), np.asarray(vectors.unit))
        np.save(os.path.join(tmp, "norms.npy"), np.asarray(vectors.norms))
        with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(vectors.index_to_key))
        if vectors.counts is not None:
            np.save(os.path.join(tmp, "counts.npy"), np.asarray(vectors.counts))
        ngrams = None
        if vectors.ngrams is not None:
            np.save(os.path.join(tmp, "ngrams.npy"), vectors.ngrams.vectors)
            ngrams = vectors.ngrams.params()
        meta = {
            "format": ENGINE_FORMAT,
            "version": ENGINE_VERSION,
            "count": len(vectors),
            "dim": vectors.vector_size,
            "normalized": True,
            "counts": vectors.counts is not None,
            "ngrams": ngrams,
            "provenance": vectors.meta,
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


def is_engine_dir(path):
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


def load_engine(path, mmap=False):
    """Load a directory written by ``save_engine``; ``mmap=True`` maps the matrix instead of reading it."""
    path = os.fspath(path)
    meta = read_description(
        os.path.join(path, "meta.json"),
        ENGINE_FORMAT,
        ENGINE_VERSION,
        missing=f"{path}: not an engine vectors directory (no meta.json)",
        what="an engine vectors directory",
    )
    n, d = meta.get("count"), meta.get("dim")
    mode = "r" if mmap else None
    unit = _load_npy(path, "vectors.npy", mode, (n, d), np.float32)
    norms = _load_npy(path, "norms.npy", None, (n,), np.float32)
    counts = _load_npy(path, "counts.npy", None, (n,), np.int64) if meta.get("counts") else None
    vocab_path = os.path.join(path, "vocab.txt")
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
    from ._formats import index_keys

    key_to_index, dup = index_keys(keys)
    if dup is not None:
        raise FormatError(f"{vocab_path}: the word {dup!r} appears twice")
    ngrams = None
    if meta.get("ngrams"):
        from .ngrams import NgramVectors

        ng = _load_npy(path, "ngrams.npy", mode, None, np.float32)
        ngrams = NgramVectors(ng, **meta["ngrams"])
    try:
        return Vectors(
            keys,
            counts=counts,
            ngrams=ngrams,
            normalized=(unit, norms),
            meta=meta.get("provenance"),
            key_to_index=key_to_index,
        )
    except EngineError as e:
        raise FormatError(f"{path}: {e}") from None


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


# ---------------------------------------------------------------- gensim objects
def from_gensim(model):
    """A ``Vectors`` from a gensim ``KeyedVectors``, ``Word2Vec``, ``FastText`` or ``Doc2Vec``."""
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
            f"from_gensim: expected a gensim KeyedVectors, Word2Vec, FastText or Doc2Vec, got {type(model).__name__}"
        )
    keys = [k if isinstance(k, str) else str(k) for k in kv.index_to_key]
    counts = None
    if len(kv) and "count" in kv.expandos:
        counts = np.asarray(kv.expandos["count"], dtype=np.int64)
    ngrams = None
    if isinstance(kv, FastTextKeyedVectors) and kv.bucket:
        from .ngrams import NgramVectors

        # a copy: gensim trains vectors_ngrams in place, and a Vectors must not change under us
        ngrams = NgramVectors(
            np.array(kv.vectors_ngrams, dtype=np.float32, order="C"),
            min_n=kv.min_n,
            max_n=kv.max_n,
            bucket=kv.bucket,
        )
    return Vectors(keys, kv.vectors, counts, ngrams=ngrams, meta={"source": f"gensim {type(model).__name__}"})


def load_gensim(path, mmap=None):
    """Load a gensim-saved ``.kv`` or ``.model`` file (``KeyedVectors.save`` / ``Model.save``).

    **Warning: these files are Python pickles. Loading one runs code from the file; only load
    files you trust.** engine's own format and the word2vec/GloVe formats never unpickle.
    """
    from gensim.utils import SaveLoad

    try:
        obj = SaveLoad.load(os.fspath(path), mmap=mmap)
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except Exception as e:  # an unpickling failure can raise nearly anything
        raise FormatError(f"{path}: not a loadable gensim file ({type(e).__name__}: {e})") from None
    return from_gensim(obj)


# ---------------------------------------------------------------- dispatch
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
    if format in (None, "engine") and is_engine_dir(path):
        return load_engine(path, mmap=mmap)
    if format == "engine":
        raise FormatError(f"{path}: not an engine vectors directory (no meta.json)")
    if path.endswith((".kv", ".model")):
        raise FormatError(
            f"{path}: a gensim pickle; load it with engine.load_gensim(path) "
            "(that runs code from the file: only for files you trust)"
        )
    from .formats import read_word2vec

    return read_word2vec(path, format=format, limit=limit, unicode_errors=unicode_errors)
