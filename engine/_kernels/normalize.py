"""Unit rows and their norms: the one transformation every Vectors goes through
(csrc/normalize.hpp)."""

import numpy as np

from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch
from ._arrays import as_matrix


def normalize_rows(m, out=None, check_finite=True):
    """Unit-normalise the rows of a float32 matrix; zero rows stay zero.

    Parameters
    ----------
    m : array_like, shape (n, d)
        The rows (converted to float32).
    out : numpy.ndarray, optional
        Where to write the unit rows; ``out=m`` normalises in place.
    check_finite : bool
        Scan ``m`` for NaN and infinities first. ``False`` skips the scan, for callers that
        have already checked every value (the file readers do, to name the offending line).

    Returns
    -------
    unit : numpy.ndarray, float32 (n, d)
        The unit rows.
    norms : numpy.ndarray, float32 (n,)
        The length of each row before normalisation (accumulated in float64).

    Raises
    ------
    ShapeError
        For a matrix that is not 2-D, holds a NaN or an infinity, or has a row whose norm is
        beyond float32's range.

    Examples
    --------
    >>> unit, norms = normalize_rows(np.array([[3, 4], [0, 0]], dtype=np.float32))
    >>> unit.tolist(), norms.tolist()
    ([[0.6000000238418579, 0.800000011920929], [0.0, 0.0]], [5.0, 0.0])
    """
    m = as_matrix(m, "vectors", finite=check_finite)
    if out is None:
        out = np.empty_like(m)
    norms = np.empty(m.shape[0], dtype=np.float32)
    _dispatch.active.normalize_rows(m, out, norms, get_num_threads())
    if not np.isfinite(norms).all():  # finite values whose norm exceeds float32's range
        row = int(np.argmax(~np.isfinite(norms)))
        raise ShapeError(f"vectors: the norm of row {row} is beyond float32's range (values near 3.4e38)")
    return out, norms
