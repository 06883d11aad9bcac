"""The edge between Python and the C++ kernels.

Every array is validated and converted here, once, before it reaches engine._native: kernels
get C-contiguous float32 (int32/int64 ids) of the right shapes and a thread count, nothing else.
"""
import numpy as np

from . import _native
from ._config import get_num_threads
from .errors import ShapeError


def as_matrix(x, name="array", dtype=np.float32, finite=True):
    """``x`` as a C-contiguous 2-D array of ``dtype``; ShapeError naming ``name`` otherwise."""
    try:
        a = np.ascontiguousarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ShapeError(f"{name}: cannot be read as a {np.dtype(dtype).name} array ({e})") from None
    if a.ndim != 2:
        raise ShapeError(f"{name}: expected a 2-D array, got shape {a.shape}")
    if finite and a.size:
        # in blocks of rows: a whole-matrix isfinite would allocate a bool copy (300 MB at 1M × 300)
        step = max(1, (1 << 20) // max(1, a.shape[1]))
        for start in range(0, a.shape[0], step):
            block = a[start:start + step]
            if not np.isfinite(block).all():
                bad = np.argwhere(~np.isfinite(block))[0]
                raise ShapeError(f"{name}: contains NaN or Inf (first at row {start + bad[0]}, column {bad[1]})")
    return a


def normalize_rows(m, out=None, check_finite=True):
    """Unit-normalise the rows of a float32 matrix; return ``(unit, norms)``. Zero rows stay zero.

    ``out=m`` normalises in place. ``check_finite=False`` skips the NaN/Inf scan, for callers
    that have already checked every value (the file readers do, to name the offending line).
    """
    m = as_matrix(m, "vectors", finite=check_finite)
    if out is None:
        out = np.empty_like(m)
    norms = np.empty(m.shape[0], dtype=np.float32)
    _native.normalize_rows(m, out, norms, get_num_threads())
    if not np.isfinite(norms).all():  # finite values whose norm exceeds float32's range
        row = int(np.argmax(~np.isfinite(norms)))
        raise ShapeError(f"vectors: the norm of row {row} is beyond float32's range (values near 3.4e38)")
    return out, norms
