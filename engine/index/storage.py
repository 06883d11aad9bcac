"""Saving and loading a ``FaissIndex``: ``index.faiss`` and ``index.json`` beside the vectors.

``index.json`` records the kind, parameters, knobs, the vocabulary's fingerprint and the
SHA-256 of ``index.faiss``; loading checks both before a single query is answered.
"""

import hashlib
import json
import os
import tempfile

import numpy as np

from ..errors import EngineError, FormatError
from ..store import read_description
from ..vectors import Vectors
from .kinds import _faiss, _faiss_msg

INDEX_FORMAT = "engine-faiss-index"
INDEX_VERSION = 1
FAISS_FILE = "index.faiss"
META_FILE = "index.json"


def save(index, path):
    """Write ``index`` (a ``FaissIndex``) to the directory ``path``: see ``FaissIndex.save``."""
    faiss = _faiss()
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise EngineError(f"save {path}: a file is in the way (an index is saved to a directory)")
    os.makedirs(path, exist_ok=True)
    tmp_index = _tmp_name(path, FAISS_FILE)
    tmp_meta = _tmp_name(path, META_FILE)
    try:
        faiss.write_index(index.index, tmp_index)
        meta = {
            "format": INDEX_FORMAT,
            "version": INDEX_VERSION,
            "kind": index.kind,
            "params": index.params,
            "knobs": {"efSearch": index.efSearch, "nprobe": index.nprobe, "rerank": index.rerank},
            "ntotal": index.ntotal,
            "fingerprint": fingerprint(index.vectors),
            "faiss_sha256": _sha256(tmp_index),
            "faiss_bytes": os.path.getsize(tmp_index),
            "faiss_version": faiss.__version__,
        }
        with open(tmp_meta, "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1)
        os.replace(tmp_index, os.path.join(path, FAISS_FILE))
        os.replace(tmp_meta, os.path.join(path, META_FILE))
    except BaseException:
        for p in (tmp_index, tmp_meta):
            if os.path.exists(p):
                os.remove(p)
        raise


def load(path, vectors):
    """``(faiss index, vectors, kind, params, knobs)`` read from ``path``: see ``FaissIndex.load``."""
    faiss = _faiss()
    vectors = _as_vectors(vectors)
    path = os.fspath(path)
    meta_path, index_path = os.path.join(path, META_FILE), os.path.join(path, FAISS_FILE)
    if not os.path.isdir(path):
        raise FormatError(f"{path}: no such index directory")
    meta = read_description(
        meta_path,
        INDEX_FORMAT,
        INDEX_VERSION,
        missing=f"{meta_path}: missing (not a saved FaissIndex)",
        what="a FaissIndex description",
    )
    try:
        kind, params, knobs, fp = (
            meta["kind"],
            dict(meta["params"]),
            dict(meta["knobs"]),
            meta["fingerprint"],
        )
        expected_sha = meta["faiss_sha256"]
    except (KeyError, TypeError, ValueError) as e:
        raise FormatError(f"{meta_path}: incomplete ({e})") from None
    problem = fingerprint_mismatch(fp, vectors)
    if problem:
        raise EngineError(f"{path}: the index was built on a different vocabulary: {problem}")
    if not os.path.isfile(index_path):
        raise FormatError(f"{index_path}: missing")
    if _sha256(index_path) != expected_sha:
        raise FormatError(
            f"{index_path}: corrupted or partially written (its SHA-256 does not match {META_FILE})"
        )
    try:
        index = faiss.read_index(index_path)
    except RuntimeError as e:
        raise FormatError(f"{index_path}: not a readable FAISS index ({_faiss_msg(e)})") from None
    if index.ntotal != len(vectors) or index.d != vectors.vector_size:
        raise FormatError(
            f"{index_path}: holds {index.ntotal} × {index.d}, the vectors are {len(vectors)} × {vectors.vector_size}"
        )
    return index, vectors, kind, params, knobs


# ---------------------------------------------------------------------- helpers


def fingerprint(vectors):
    """What identifies a vocabulary: size, dimension, SHA-256 of the words and a probe of the rows.

    The probe is the projection of up to 32 evenly spaced unit rows on a fixed random direction:
    it tells apart two models with the same words (retrained vectors) while tolerating the
    float32 rounding of a reload.

    Parameters
    ----------
    vectors : Vectors
        The vocabulary.

    Returns
    -------
    dict
        ``{"count", "dim", "keys_sha256", "probe"}`` (saved in ``index.json``).

    Examples
    --------
    >>> import numpy as np, engine
    >>> fp = fingerprint(engine.Vectors(["a", "b"], np.eye(2)))
    >>> fp["count"], fp["dim"], len(fp["probe"])
    (2, 2, 2)
    """
    h = hashlib.sha256()
    for key in vectors.index_to_key:
        b = key.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(4, "little"))
        h.update(b)
    return {
        "count": len(vectors),
        "dim": vectors.vector_size,
        "keys_sha256": h.hexdigest(),
        "probe": _probe(vectors),
    }


def _probe(vectors):
    n, d = len(vectors), vectors.vector_size
    rows = np.unique(np.linspace(0, n - 1, num=min(n, 32)).astype(np.int64))
    direction = np.random.default_rng(20261124).standard_normal(d)
    return [round(float(x), 6) for x in np.asarray(vectors.unit[rows], np.float64) @ direction]


def fingerprint_mismatch(fp, vectors):
    """Why ``vectors`` differs from the fingerprint ``fp``, or None when it matches.

    Parameters
    ----------
    fp : dict
        A fingerprint, as :func:`fingerprint` made it.
    vectors : Vectors
        The vocabulary to check.

    Returns
    -------
    str or None
        The difference in words (size, dimension, words or order, vectors), or None.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> fingerprint_mismatch(fingerprint(v), v) is None
    True
    >>> fingerprint_mismatch(fingerprint(v), engine.Vectors(["b", "a"], np.eye(2)))
    'same size but other words or another word order'
    """
    try:
        n, d = int(fp["count"]), int(fp["dim"])
        keys, probe = fp["keys_sha256"], fp["probe"]
    except (KeyError, TypeError, ValueError):
        return "the saved fingerprint is incomplete"
    if (n, d) != (len(vectors), vectors.vector_size):
        return f"it has {n} words × {d} dims, these vectors have {len(vectors)} × {vectors.vector_size}"
    ours = fingerprint(vectors)
    if keys != ours["keys_sha256"]:
        return "same size but other words or another word order"
    if len(probe) != len(ours["probe"]) or not np.allclose(probe, ours["probe"], atol=1e-4):
        return "same words but other vectors"
    return None


def _as_vectors(vectors):
    if isinstance(vectors, Vectors):
        return vectors
    try:
        from gensim.models import KeyedVectors
    except ImportError:  # pragma: no cover - gensim is a dependency
        KeyedVectors = ()
    if isinstance(vectors, KeyedVectors):
        return Vectors.from_gensim(vectors)
    raise EngineError(
        f"FaissIndex: expected an engine Vectors or a gensim KeyedVectors, got {type(vectors).__name__}"
    )


def _tmp_name(folder, name):
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    return tmp


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()
