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
    if finite and a.size and not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        raise ShapeError(f"{name}: contains NaN or Inf (first at row {bad[0]}, column {bad[1]})")
    return a


def normalize_rows(m, out=None):
    """Unit-normalise the rows of a float32 matrix; return ``(unit, norms)``. Zero rows stay zero."""
    m = as_matrix(m, "vectors")
    if out is None:
        out = np.empty_like(m)
    norms = np.empty(m.shape[0], dtype=np.float32)
    _native.normalize_rows(m, out, norms, get_num_threads())
    return out, norms
