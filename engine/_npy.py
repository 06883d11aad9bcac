"""``.npy`` files read without trusting their header: checked, then read or mapped.

``numpy.load`` allocates what a header claims before it knows whether the file holds it, and
its header parser raises whatever ``ast`` raises. Here the header is parsed first (any failure a
``FormatError``), its dtype and shape compared with what the caller expects, and the file's
size with what they need; only then is the array read (``numpy.fromfile``) or mapped.
"""

import os
import warnings
import weakref

import numpy as np
from numpy.lib import format as npformat

from ._safe_files import open_regular
from .errors import FormatError

__all__ = ["load_npy"]

_MAX_HEADER = 1 << 16


def _header(f, path):
    """``(dtype, shape, fortran_order, data offset)`` of an opened .npy file."""
    try:
        with warnings.catch_warnings():  # numpy warns of Python 2 headers: a damaged one is an error
            warnings.simplefilter("ignore")
            return _parse_header(f)
    except Exception as e:  # numpy's parser raises ValueError, SyntaxError, TokenError, ...
        msg = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise FormatError(f"{path}: not a readable .npy file ({msg})") from None


def _parse_header(f):
    major, minor = npformat.read_magic(f)
    if (major, minor) == (1, 0):
        shape, fortran, dtype = npformat.read_array_header_1_0(f, max_header_size=_MAX_HEADER)
    elif major in (2, 3) and minor == 0:
        shape, fortran, dtype = npformat.read_array_header_2_0(f, max_header_size=_MAX_HEADER)
    else:
        raise ValueError(f"format version {major}.{minor} unknown")
    return dtype, tuple(shape), fortran, f.tell()


def load_npy(path, dtype, shape, mmap=False):
    """The array in the .npy file ``path``, which must be ``dtype`` (little-endian) of ``shape``.

    Parameters
    ----------
    path : str
        The file (a regular file: a symbolic link or a device is a FormatError).
    dtype : numpy dtype
        The exact dtype expected.
    shape : tuple of int
        The exact shape expected.
    mmap : bool
        Map the file read-only instead of reading it.

    Returns
    -------
    ndarray or numpy.memmap

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FormatError
        If the header is unreadable, the dtype or shape differ, the array is in Fortran order,
        or the file's size is not what the header needs.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> p = os.path.join(tempfile.mkdtemp(), "a.npy")
    >>> np.save(p, np.arange(3, dtype=np.int64))
    >>> load_npy(p, np.int64, (3,)).tolist()
    [0, 1, 2]
    """
    want = np.dtype(dtype).newbyteorder("<")
    with open_regular(path, "array") as f:
        found, got_shape, fortran, offset = _header(f, path)
        if found != want or got_shape != tuple(shape) or fortran:
            order = " (Fortran order)" if fortran else ""
            raise FormatError(
                f"{path}: expected {want.name} of shape {tuple(shape)}, found {found} {got_shape}{order}"
            )
        count = int(np.prod(shape, dtype=np.int64))
        size = os.fstat(f.fileno()).st_size
        need = offset + count * want.itemsize
        if size != need:
            raise FormatError(
                f"{path}: {size} bytes, but its header ({found} {got_shape}) needs {need}: "
                f"{'truncated' if size < need else 'trailing data'}"
            )
        if count == 0:
            return np.empty(shape, dtype=want)
        if mmap:
            m = np.memmap(f, dtype=want, mode="r", offset=offset, shape=tuple(shape))
            # a descriptor of the very file mapped (whatever its path becomes), closed with the
            # array: engine.compressed re-reads a few scattered rows with pread through it
            m.engine_fd = os.dup(f.fileno())
            weakref.finalize(m, os.close, m.engine_fd)
            return m
        a = np.fromfile(f, dtype=want, count=count)
    if a.size != count:
        raise FormatError(f"{path}: truncated while reading")
    return a.reshape(shape)
