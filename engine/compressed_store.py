"""Compressed copies (``engine.compressed``) kept beside the vectors in engine's own format.

A store directory (``engine.store``) may hold, for each kind, a subdirectory ``compressed-<kind>``
(``compressed-bfloat16``, ``compressed-int8``) with ``codes.npy`` (the packed codes),
``scale.npy``, ``rowsum.npy``, ``err.npy`` and ``copy.json``: the kind, shapes, the error maxima,
the fingerprint of the float32 matrix it was built from, and a BLAKE2b checksum of each array
file. Each subdirectory is written beside the store and renamed into place in one step, so a
kill leaves the old copy or the new one whole. On load every checksum is verified (a corrupted
file is a FormatError, never a wrong answer: the bound relies on the stored maxima and codes),
the arrays are memory-mapped when asked, and the copy is checked against the float32 matrix
(a copy of another matrix, or a stale one, is an EngineError naming it).
"""

import hashlib
import json
import os
import shutil

import numpy as np

from ._kernels import compressed as _lowp
from ._npy import load_npy
from ._safe_files import disk_errors, exchange_dir, new_temp_dir, read_bounded, remove_stale
from .compressed import CompressedCopy, check_copy
from .errors import EngineError, FormatError

#: the ``"format"`` field of a ``copy.json``
FORMAT = "engine-compressed-copy"
VERSION = 1
KINDS = ("bfloat16", "int8")
_FILES = ("codes", "scale", "rowsum", "err")
_MAX_JSON = 1 << 16


def copy_dir(path, kind):
    """The subdirectory of store ``path`` holding its ``kind`` copy.

    Examples
    --------
    >>> copy_dir("v.engine", "int8")
    'v.engine/compressed-int8'
    """
    return os.path.join(os.fspath(path), f"compressed-{kind}")


def _checksum(p):
    h = hashlib.blake2b(digest_size=32)
    with open(p, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _arrays(copy):
    return dict(zip(_FILES, (copy.data, copy.scale, copy.rowsum, copy.err)))


def write_copy(path, copy):
    """Write ``copy`` into the store directory ``path`` (which must exist), atomically.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from engine.compressed import compress
    >>> path = tempfile.mkdtemp()
    >>> write_copy(path, compress(np.eye(2, dtype=np.float32), "int8"))
    >>> sorted(os.listdir(copy_dir(path, "int8")))
    ['codes.npy', 'copy.json', 'err.npy', 'rowsum.npy', 'scale.npy']
    """
    target = copy_dir(path, copy.kind)
    if not os.path.isdir(path):
        raise EngineError(f"save {os.fspath(path)}: not an engine directory to add a copy to")
    with disk_errors(target):
        remove_stale(target)
        tmp = new_temp_dir(target)
        try:
            sums = {}
            for name, a in _arrays(copy).items():
                p = os.path.join(tmp, f"{name}.npy")
                np.save(p, np.asarray(a))
                sums[name] = _checksum(p)
            desc = {
                "format": FORMAT,
                "version": VERSION,
                "kind": copy.kind,
                "n": copy.n,
                "d": copy.d,
                "shape": list(copy.data.shape),
                "max_norm": copy.max_norm,
                "max_norm_copy": copy.max_norm_copy,
                "max_err": copy.max_err,
                "fingerprint": copy.fingerprint,
                "blake2b": sums,
            }
            with open(os.path.join(tmp, "copy.json"), "w", encoding="utf-8") as f:
                json.dump(desc, f, indent=1)
            old = exchange_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def kinds_in(path):
    """The kinds of copy the store ``path`` holds.

    Examples
    --------
    >>> import tempfile
    >>> kinds_in(tempfile.mkdtemp())
    []
    """
    return [k for k in KINDS if os.path.isdir(copy_dir(path, k))]


def _description(folder, kind):
    p = os.path.join(folder, "copy.json")
    try:
        desc = json.loads(read_bounded(p, _MAX_JSON, "copy description"))
    except FileNotFoundError:
        raise FormatError(f"{p}: missing") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise FormatError(f"{p}: not a JSON description ({e})") from None
    want = {"format": str, "version": int, "kind": str, "n": int, "d": int, "shape": list}
    want.update(max_norm=float, max_norm_copy=float, max_err=float, fingerprint=str, blake2b=dict)
    for key, t in want.items():
        v = desc.get(key)
        if not (isinstance(v, t) or (t is float and type(v) is int)) or type(v) is bool:
            raise FormatError(f'{p}: "{key}" missing or not {t.__name__}')
    if desc["format"] != FORMAT or desc["version"] > VERSION or desc["kind"] != kind:
        raise FormatError(f"{p}: not a {kind} copy of format {FORMAT} version <= {VERSION}")
    return desc


def read_copy(path, kind, unit, mmap=False):
    """The ``kind`` copy saved in store ``path``, checked against the float32 matrix ``unit``.

    Raises
    ------
    FormatError
        If a file is missing, unreadable, of the wrong dtype or shape, or fails its checksum.
    EngineError
        If the copy was built for another matrix, or before the matrix was rebuilt.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from engine.compressed import compress
    >>> X, path = np.eye(2, dtype=np.float32), tempfile.mkdtemp()
    >>> write_copy(path, compress(X, "bfloat16"))
    >>> read_copy(path, "bfloat16", X).kind
    'bfloat16'
    """
    folder = copy_dir(path, kind)
    desc = _description(folder, kind)
    n, d = desc["n"], desc["d"]
    n_pad, dp = _lowp.padded_shape(n, d)
    shapes = {"codes": (n_pad, dp), "scale": (n_pad,), "rowsum": (n_pad,), "err": (n,)}
    dtypes = {"codes": _lowp.DTYPES[kind], "scale": np.float32, "rowsum": np.int32, "err": np.float32}
    arrays = {}
    for name in _FILES:
        p = os.path.join(folder, f"{name}.npy")
        try:
            if _checksum(p) != desc["blake2b"].get(name):
                raise FormatError(f"{p}: checksum mismatch (the file is corrupted): compress again")
            arrays[name] = load_npy(p, dtypes[name], shapes[name], mmap=mmap)
        except FileNotFoundError:
            raise FormatError(f"{p}: missing") from None
        except OSError as e:
            raise FormatError(f"{p}: not readable ({e.strerror or e})") from None
    copy = CompressedCopy(
        kind,
        n,
        d,
        arrays["codes"],
        arrays["scale"],
        arrays["rowsum"],
        arrays["err"],
        float(desc["max_norm"]),
        float(desc["max_norm_copy"]),
        float(desc["max_err"]),
        desc["fingerprint"],
    )
    try:
        check_copy(copy, unit)
    except EngineError as e:
        raise EngineError(f"{folder}: {e}") from None
    return copy


def read_copies(path, unit, mmap=False):
    """Every copy the store ``path`` holds: kind -> CompressedCopy (see `read_copy`).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> read_copies(tempfile.mkdtemp(), np.eye(2, dtype=np.float32))
    {}
    """
    return {k: read_copy(path, k, unit, mmap) for k in kinds_in(path)}


def write_copies(path, unit, copies, which=None):
    """Write copies of ``unit`` into store ``path``: the ones ``which`` names, built if missing.

    Parameters
    ----------
    path : str or PathLike
        An existing store directory.
    unit : ndarray, float32 (n, d)
        Its float32 unit rows.
    copies : dict
        kind -> CompressedCopy already built.
    which : None, bool, str or sequence of str
        None: the copies already built; False: none; True: both kinds; a kind or kinds.

    Returns
    -------
    dict
        ``copies`` with the ones built here added.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> sorted(write_copies(tempfile.mkdtemp(), np.eye(2, dtype=np.float32), {}, "int8"))
    ['int8']
    """
    from .compressed import compress

    if which is None:
        kinds = list(copies)
    elif which is True or which is False:
        kinds = list(KINDS) if which else []
    else:
        kinds = [which] if isinstance(which, str) else list(which)
    out = dict(copies)
    for kind in kinds:
        if kind not in out:
            out[kind] = compress(unit, kind)
        check_copy(out[kind], unit)
        write_copy(path, out[kind])
    return out
