"""Arrays on their way into a kernel: converted once to C-contiguous arrays of the kernel's
dtype, with the checks every kernel family shares (shape, finiteness, CSR row pointers, ids in
range). A failed check raises ShapeError naming the argument."""

import numpy as np

from ..errors import ShapeError


def as_array(x, name, dtype, ndim):
    """``x`` as a C-contiguous ``ndim``-D array of ``dtype``.

    Parameters
    ----------
    x : array_like
        The values.
    name : str
        What ``x`` is, for the error message.
    dtype : numpy dtype
        The dtype wanted; values are converted to it.
    ndim : int
        The number of dimensions wanted.

    Returns
    -------
    numpy.ndarray
        ``x`` itself when it already fits, else a converted copy.

    Raises
    ------
    ShapeError
        When ``x`` cannot be converted or has another number of dimensions.

    Examples
    --------
    >>> as_array([1, 2], "ids", np.int64, 1).dtype
    dtype('int64')
    """
    try:
        a = np.ascontiguousarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ShapeError(f"{name}: cannot be read as a {np.dtype(dtype).name} array ({e})") from None
    if a.ndim != ndim:
        raise ShapeError(f"{name}: expected a {ndim}-D array, got shape {a.shape}")
    return a


def as_vector(x, name, dtype=np.float64):
    """``x`` as a C-contiguous 1-D array of ``dtype`` (see `as_array`)."""
    return as_array(x, name, dtype, 1)


def as_matrix(x, name="array", dtype=np.float32, finite=True):
    """``x`` as a C-contiguous 2-D array of ``dtype`` (float32 by default), as `as_array` does,
    and checked finite unless ``finite=False``.

    The check goes in blocks of rows, so that no whole-matrix boolean copy is made. A matrix
    that is not 2-D, cannot be converted, or holds a NaN or an infinity raises ShapeError.

    Examples
    --------
    >>> as_matrix([[1, 2], [3, 4]], "vectors").dtype
    dtype('float32')
    >>> as_matrix([[1, float("nan")]], "vectors")
    Traceback (most recent call last):
    ...
    engine.errors.ShapeError: vectors: contains NaN or Inf (first at row 0, column 1)
    """
    a = as_array(x, name, dtype, 2)
    if finite and a.size:
        # in blocks of rows: a whole-matrix isfinite would allocate a bool copy (300 MB at 1M × 300)
        step = max(1, (1 << 20) // max(1, a.shape[1]))
        for start in range(0, a.shape[0], step):
            block = a[start : start + step]
            if not np.isfinite(block).all():
                bad = np.argwhere(~np.isfinite(block))[0]
                raise ShapeError(
                    f"{name}: contains NaN or Inf (first at row {start + bad[0]}, column {bad[1]})"
                )
    return a


def is_indptr(indptr, nnz):
    """True when the 1-D ``indptr`` starts at 0, never decreases and ends at ``nnz``: the row
    pointers of a CSR matrix with ``nnz`` entries."""
    return bool(
        indptr.ndim == 1
        and indptr.size >= 1
        and indptr[0] == 0
        and indptr[-1] == nnz
        and (np.diff(indptr) >= 0).all()
    )


def in_range(ids, n):
    """True when every value of ``ids`` lies in ``[0, n)`` (an empty array does)."""
    return bool(ids.size == 0 or (ids.min() >= 0 and ids.max() < n))
