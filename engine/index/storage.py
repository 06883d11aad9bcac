"""Saving and loading a ``FaissIndex``: ``index.faiss`` and ``index.json`` beside the vectors.

Version 2 (written since engine 0.x; version 1 directories still load):

- ``index.faiss`` is the FAISS index followed by a trailer: the index's description (kind,
  parameters, knobs, the vocabulary's fingerprint) as JSON, its length (8 bytes, little-endian)
  and the magic ``ENGFAIX2``. The description's ``digest`` is the SHA-256 of the FAISS bytes
  followed by the vocabulary's identity (count, dim, SHA-256 of the words), so an index of
  another vocabulary cannot pass, and the file is whole in itself: a save replaces it with one
  ``rename``, the single atomic step between the old index and the new.
- ``index.json`` names the digests it accepts (a copy of the description beside them, for
  people and tools). A save first adds the new digest to the old one, then renames
  ``index.faiss`` into place, then drops the old digest: a kill at any moment leaves a pair that
  loads as the old index or the new one. An ``index.faiss`` swapped in alone, from another save,
  is refused.

Loading checks the schema (known keys and types; the documented knobs only), the fingerprint,
the digest, and only then lets FAISS parse the bytes.
"""

import hashlib
import json
import os
import struct

import numpy as np

from .._safe_files import disk_errors, new_temp_file, open_regular, quote, remove_stale
from ..errors import EngineError, FormatError, StorageError
from ..store import read_description
from ..vectors import Vectors
from .kinds import _PARAMS, KINDS, _faiss, _faiss_msg

INDEX_FORMAT = "engine-faiss-index"
INDEX_VERSION = 2
FAISS_FILE = "index.faiss"
META_FILE = "index.json"
MAGIC = b"ENGFAIX2"
#: The knobs ``index.json`` may set (FaissIndex properties); anything else is refused.
KNOBS = ("efSearch", "nprobe", "rerank")
_MAX_TRAILER = 1 << 20
_CHUNK = 1 << 22


def save(index, path):
    """Write ``index`` (a ``FaissIndex``) to the directory ``path``: see ``FaissIndex.save``."""
    path = os.fspath(path)
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
        raise EngineError(f"save {path}: a file is in the way (an index is saved to a directory)")
    faiss_path, meta_path = os.path.join(path, FAISS_FILE), os.path.join(path, META_FILE)
    with disk_errors(path):
        os.makedirs(path, exist_ok=True)
        remove_stale(faiss_path)
        remove_stale(meta_path)
        tmp = _tmp_name(faiss_path)
        try:
            desc = _write_index_file(index, tmp)
            old = _accepted_before(meta_path)
            _write_meta(meta_path, desc, [desc["digest"]] + old["digests"], old.get("previous"))
            os.replace(tmp, faiss_path)  # the commit: from here on the new index loads
            _write_meta(meta_path, desc, [desc["digest"]], None)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise


def _write_index_file(index, tmp):
    """FAISS bytes and the trailer into ``tmp``; returns the description written."""
    faiss = _faiss()
    h = hashlib.sha256()
    with open(tmp, "wb") as f:

        def write(b):
            h.update(b)
            f.write(b)
            return len(b)

        writer = faiss.PyCallbackIOWriter(write)
        try:
            faiss.write_index(index.index, writer)
        except RuntimeError as e:
            raise StorageError(f"save {tmp}: FAISS could not write the index ({_faiss_msg(e)})") from None
        del writer
        payload = f.tell()
        fp = fingerprint(index.vectors)
        h.update(_identity(fp))
        desc = {
            "format": INDEX_FORMAT,
            "version": INDEX_VERSION,
            "kind": index.kind,
            "params": dict(index.params),
            "knobs": {"efSearch": index.efSearch, "nprobe": index.nprobe, "rerank": index.rerank},
            "ntotal": index.ntotal,
            "fingerprint": fp,
            "faiss_bytes": payload,
            "faiss_version": faiss.__version__,
            "digest": h.hexdigest(),
        }
        trailer = json.dumps(desc, sort_keys=True).encode("utf-8")
        f.write(trailer + struct.pack("<Q", len(trailer)) + MAGIC)
    return desc


def _accepted_before(meta_path):
    """What the current ``index.json`` accepts: its digests (v2) or its whole v1 description."""
    try:
        meta = read_description(meta_path, INDEX_FORMAT, INDEX_VERSION, "", "")
    except FormatError:
        return {"digests": []}
    if meta["version"] == 1:
        return {"digests": [], "previous": meta}
    digests = meta.get("digests")
    ok = isinstance(digests, list) and all(isinstance(d, str) for d in digests)
    return {"digests": digests[:1] if ok else [], "previous": meta.get("previous")}


def _write_meta(meta_path, desc, digests, previous):
    meta = {k: v for k, v in desc.items() if k != "digest"}
    meta["digests"] = digests
    if previous is not None:
        meta["previous"] = previous
    tmp = _tmp_name(meta_path)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=1)
        os.replace(tmp, meta_path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
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
    unknown = sorted(set(meta) - _META_KEYS)
    if unknown:
        raise FormatError(f"{meta_path}: unknown key {quote(unknown[0])}")
    try:
        f = open_regular(index_path, "index")
    except FileNotFoundError:
        raise FormatError(f"{index_path}: missing") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        desc = _read_trailer(f, size, index_path) if meta["version"] == 2 else None
        if desc is None:  # version 1, or a v1 index a version 2 save has not replaced yet
            legacy = meta if meta["version"] == 1 else meta.get("previous")
            if not isinstance(legacy, dict) or legacy.get("version") != 1:
                raise FormatError(
                    f"{index_path}: not a readable FAISS index saved by engine (no {MAGIC.decode()} trailer)"
                )
            desc = _check_v1(legacy, meta_path)
            payload, digest_ok = size, lambda: _sha256(f, size, b"") == desc["faiss_sha256"]
        else:
            digests = meta.get("digests")
            if not isinstance(digests, list) or desc["digest"] not in digests:
                raise FormatError(
                    f"{index_path}: does not belong to {META_FILE} (its digest is not among those "
                    "the description accepts: swapped or from another save)"
                )
            payload = desc["faiss_bytes"]
            digest_ok = lambda: _sha256(f, payload, _identity(desc["fingerprint"])) == desc["digest"]  # noqa: E731
        kind, params, knobs = _check_desc(desc, meta_path, index_path, size)
        problem = fingerprint_mismatch(desc["fingerprint"], vectors)
        if problem:
            raise EngineError(f"{path}: the index was built on a different vocabulary: {problem}")
        if not digest_ok():
            raise FormatError(f"{index_path}: corrupted or partially written (its SHA-256 does not match)")
        index = _read_faiss(faiss, f, payload, index_path)
    if index.ntotal != len(vectors) or index.d != vectors.vector_size:
        raise FormatError(
            f"{index_path}: holds {index.ntotal} × {index.d}, the vectors are {len(vectors)} × {vectors.vector_size}"
        )
    return index, vectors, kind, params, knobs


def _read_trailer(f, size, index_path):
    """The description at the end of a version 2 ``index.faiss``; None when there is no trailer."""
    if size < 16:
        return None
    f.seek(size - 16)
    tail = f.read(16)
    if tail[8:] != MAGIC:
        return None
    (n,) = struct.unpack("<Q", tail[:8])
    if n > min(_MAX_TRAILER, size - 16):
        raise FormatError(f"{index_path}: a trailer of {n} bytes does not fit the file")
    f.seek(size - 16 - n)
    try:
        desc = json.loads(f.read(n).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise FormatError(f"{index_path}: its trailer is not valid JSON ({str(e)[:120]})") from None
    if not isinstance(desc, dict):
        raise FormatError(f"{index_path}: its trailer is not a description")
    payload = desc.get("faiss_bytes")
    if type(payload) is not int or payload != size - 16 - n:
        raise FormatError(
            f"{index_path}: its trailer's faiss_bytes {quote(str(payload))} does not fit the file"
        )
    if not isinstance(desc.get("digest"), str):
        raise FormatError(f"{index_path}: its trailer has no digest")
    return desc


def _check_v1(meta, meta_path):
    if not isinstance(meta.get("faiss_sha256"), str):
        raise FormatError(f"{meta_path}: incomplete (no faiss_sha256)")
    return meta


_META_KEYS = {
    "format", "version", "kind", "params", "knobs", "ntotal", "fingerprint",
    "faiss_bytes", "faiss_version", "faiss_sha256", "digests", "previous",
}  # fmt: skip
_DESC_TYPES = {
    "kind": str,
    "params": dict,
    "knobs": dict,
    "ntotal": int,
    "fingerprint": dict,
}


def _check_desc(desc, meta_path, index_path, size):
    """``(kind, params, knobs)`` of a description, checked: types, the kind's parameters, knobs."""
    where = meta_path if desc.get("version") == 1 else index_path
    for key, t in _DESC_TYPES.items():
        if type(desc.get(key)) is not t:
            raise FormatError(f"{where}: incomplete ({key!r} missing or not a {t.__name__})")
    kind, params, knobs = desc["kind"], desc["params"], desc["knobs"]
    if len(kind) > 200:
        raise FormatError(f"{where}: kind {quote(kind)} is not an index kind")
    allowed = _PARAMS[kind if kind in KINDS else None]
    for name, value in params.items():
        if name not in allowed or type(value) is not int or value < 0:
            raise FormatError(
                f"{where}: parameter {quote(name)}={quote(str(value))} is not one kind {kind!r} takes"
            )
    for name, value in knobs.items():
        if name not in KNOBS:
            raise FormatError(f"{where}: unknown knob {quote(name)} (known: {', '.join(KNOBS)})")
        if value is not None and (type(value) is not int or value < 0):
            raise FormatError(
                f"{where}: knob {name} must be a non-negative integer, found {quote(str(value))}"
            )
    return kind, dict(params), dict(knobs)


def _read_faiss(faiss, f, payload, index_path):
    """Let FAISS parse the first ``payload`` bytes of ``f`` (already checked against the digest)."""
    f.seek(0)
    left = [payload]

    def read(n):
        b = f.read(min(n, left[0]))
        left[0] -= len(b)
        return b

    try:
        index = faiss.read_index(faiss.PyCallbackIOReader(read))
    except (RuntimeError, MemoryError) as e:
        raise FormatError(f"{index_path}: not a readable FAISS index ({_faiss_msg(e)})") from None
    return index


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


def _tmp_name(target):
    return new_temp_file(target)


def _identity(fp):
    """The vocabulary's identity as the digest covers it: count, dim and the words' SHA-256."""
    return json.dumps([fp.get("count"), fp.get("dim"), fp.get("keys_sha256")]).encode("utf-8")


def _sha256(f, n, extra):
    """SHA-256 of the first ``n`` bytes of the open file ``f``, then ``extra``."""
    h = hashlib.sha256()
    f.seek(0)
    left = n
    while left > 0:
        chunk = f.read(min(_CHUNK, left))
        if not chunk:
            break
        h.update(chunk)
        left -= len(chunk)
    h.update(extra)
    return h.hexdigest()
