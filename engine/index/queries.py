"""An index's queries as unit rows: words, row ids or vectors, checked and normalised."""

import numpy as np

from .. import _kernels
from .._params import is_int
from ..errors import ShapeError


def unit_queries(vectors, queries):
    """The ``(Q, D)`` float32 unit rows of ``queries`` over ``vectors``.

    ``queries`` is a word, a row id, a list of them, a 1-D array of row ids, or one vector or a
    ``(Q, D)`` matrix of vectors (normalised here; a zero vector stays zero). A word not in the
    vocabulary is ``vectors.get_index``'s ``KeyError``; a wrong dimension is a ``ShapeError``.
    """
    if type(queries) is str:  # one word: its unit row, without the list path
        return vectors.unit[[vectors.get_index(queries)]]
    if isinstance(queries, str) or is_int(queries):
        queries = [queries]
    if isinstance(queries, (list, tuple)) and all(isinstance(x, str) or is_int(x) for x in queries):
        rows = np.fromiter((vectors.get_index(x) for x in queries), dtype=np.int64, count=len(queries))
        return np.ascontiguousarray(vectors.unit[rows])
    a = np.asarray(queries)
    if a.dtype.kind in "iu":
        if a.ndim != 1:
            raise ShapeError(f"search: row ids must be 1-D, got shape {a.shape}")
        return unit_queries(vectors, [int(x) for x in a])
    if a.ndim == 1:
        a = a.reshape(1, -1)
    a = _kernels.as_matrix(a, "queries")
    if a.shape[1] != vectors.vector_size:
        raise ShapeError(f"search: queries have {a.shape[1]} dimensions, the index has {vectors.vector_size}")
    # numpy, not the OpenMP kernel: a thread team for one query costs more than the work
    norms = np.sqrt(np.einsum("ij,ij->i", a, a, dtype=np.float64)).astype(np.float32)
    return np.ascontiguousarray(a / np.where(norms > 0, norms, 1)[:, None])
