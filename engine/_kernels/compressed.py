"""bf16 and int8 copies of a unit matrix, and the exact top-k through them (csrc/scan_lowp.hpp).

The edge only: arrays checked and converted, the copy's packed layout allocated, the dispatch
path's kernels called. ``engine.compressed`` holds the copies and proves why the answer is exact.
"""

import numpy as np

from .. import _native
from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch
from ._arrays import as_matrix
from .search import exclusion_csr

#: the kinds of copy, as the kernel numbers them
KINDS = {"bfloat16": 0, "int8": 1}
#: the storage dtype of each kind's codes (bf16 as its 16 bits)
DTYPES = {"bfloat16": np.dtype(np.uint16), "int8": np.dtype(np.int8)}

_ROW_ALIGN = 32  # csrc/lowp_types.hpp: kRowAlign
_COL_ALIGN = 64  # kColAlign


def padded_shape(n, d):
    """The packed copy's shape for ``n`` rows of ``d`` elements (rows to 32, elements to 64).

    Examples
    --------
    >>> padded_shape(100, 300)
    (128, 320)
    """
    return -(-n // _ROW_ALIGN) * _ROW_ALIGN, -(-d // _COL_ALIGN) * _COL_ALIGN


def use_amx():
    """Whether the active path may use AMX tiles (the spr path: the OS granted them at import).

    Examples
    --------
    >>> use_amx() in (True, False)
    True
    """
    if _dispatch.path == "spr":
        return True
    if _dispatch.path == "native" and _dispatch.FEATURES.get("amx-tile"):
        return _native.request_amx() == 0
    return False


def compress_rows(matrix, kind):
    """Build the ``kind`` copy of ``matrix`` (float32 rows), threaded.

    Parameters
    ----------
    matrix : array_like, float32 (n, d)
        Finite rows (a Vectors' unit rows).
    kind : {"bfloat16", "int8"}

    Returns
    -------
    dict
        ``data`` (the packed codes, `padded_shape`), ``scale`` (float32 (n_pad,): int8 row
        scales, zeros for bf16), ``rowsum`` (int32 (n_pad,): int8 code sums), ``err``,
        ``norm``, ``norm_copy`` (float32 (n,): per row ||x - x~||, ||x||, ||x~||, rounded up).

    Examples
    --------
    >>> c = compress_rows(np.eye(2, dtype=np.float32), "int8")
    >>> c["data"].shape, bool((c["err"] < 1e-8).all())
    ((32, 64), True)
    """
    if kind not in KINDS:
        raise ShapeError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    matrix = as_matrix(matrix, "matrix")
    n, d = matrix.shape
    n_pad, dp = padded_shape(n, d)
    out = {
        "data": np.zeros((n_pad, dp), dtype=DTYPES[kind]),
        "scale": np.zeros(n_pad, dtype=np.float32),
        "rowsum": np.zeros(n_pad, dtype=np.int32),
        "err": np.empty(n, dtype=np.float32),
        "norm": np.empty(n, dtype=np.float32),
        "norm_copy": np.empty(n, dtype=np.float32),
    }
    _dispatch.active.lowp_compress(
        KINDS[kind],
        matrix,
        out["data"],
        out["scale"],
        out["rowsum"],
        out["err"],
        out["norm"],
        out["norm_copy"],
        get_num_threads(),
    )
    return out


def _check_copy(kind, data, scale, rowsum, n, d):
    n_pad, dp = padded_shape(n, d)
    if kind not in KINDS:
        raise ShapeError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    for name, a, dtype, shape in (
        ("data", data, DTYPES[kind], (n_pad, dp)),
        ("scale", scale, np.float32, (n_pad,)),
        ("rowsum", rowsum, np.int32, (n_pad,)),
    ):
        if not isinstance(a, np.ndarray) or a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
            got = f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
            raise ShapeError(
                f"compressed copy: {name} must be C-contiguous {np.dtype(dtype)} {shape}, got {got}"
            )


def _check_err(err, n):
    if (
        not isinstance(err, np.ndarray)
        or err.dtype != np.float32
        or err.shape != (n,)
        or not err.flags.c_contiguous
    ):
        got = f"{err.dtype} {err.shape}" if isinstance(err, np.ndarray) else type(err).__name__
        raise ShapeError(f"compressed copy: err must be C-contiguous float32 ({n},), got {got}")


def topk_lowp(copy, matrix, queries, k, lo=0, hi=None, exclude=None, amx=None, source=None):
    """Exact top-``k`` rows of ``matrix[lo:hi]`` for each query, scanned through ``copy``.

    Parameters
    ----------
    copy : engine.compressed.CompressedCopy
        The copy of ``matrix`` (its ``kind``, ``data``, ``scale``, ``rowsum`` and maxima).
    matrix : ndarray, float32 (n, d)
        The float32 rows: read only for the re-scored candidates.
    queries : array_like, float32 (q, d)
        Finite query rows.
    k, lo, hi, exclude
        As for ``engine._kernels.topk``.
    amx : bool, optional
        Allow AMX tiles (default: `use_amx`).
    source : (int, int), optional
        ``(fd, offset)``: ``matrix`` is mapped from the open file ``fd``, row 0 at byte
        ``offset``; the re-score then reads its rows with ``pread`` (no page of the mapping is
        touched, so none enters the resident set).

    Returns
    -------
    scores : ndarray, float32 (q, k)
    ids : ndarray, int64 (q, k)
        The float32 kernel's answer (see ``engine.compressed``).
    rescored : ndarray, int64 (q,)
        Rows re-scored in float32 per query.

    Examples
    --------
    >>> from engine.compressed import compress
    >>> X = np.eye(3, dtype=np.float32)
    >>> scores, ids, _ = topk_lowp(compress(X, "int8"), X, X[:1] + X[2:] / 2, 2)
    >>> ids.tolist(), scores.tolist()
    ([[0, 2]], [[1.0, 0.5]])
    """
    n, d = matrix.shape
    _check_copy(copy.kind, copy.data, copy.scale, copy.rowsum, n, d)
    _check_err(copy.err, n)
    if matrix.dtype != np.float32 or not matrix.flags.c_contiguous:
        raise ShapeError("matrix: a C-contiguous float32 matrix is needed")
    queries = as_matrix(queries, "queries")
    hi = n if hi is None else hi
    if not 0 <= lo <= hi <= n:
        raise ShapeError(f"row range [{lo}, {hi}) is not within the {n} rows")
    if queries.shape[1] != d:
        raise ShapeError(f"queries have {queries.shape[1]} dimensions, the vectors {d}")
    nq = queries.shape[0]
    if nq == 0:
        raise ShapeError("queries: no query given")
    k = int(k)
    if not 1 <= k <= hi - lo:
        raise ShapeError(f"k = {k} is not within 1 .. {hi - lo}, the vectors searched")
    ex_ptr, ex_ids = exclusion_csr(exclude, nq)
    scores = np.empty((nq, k), dtype=np.float32)
    ids = np.empty((nq, k), dtype=np.int64)
    rescored = np.empty(nq, dtype=np.int64)
    _dispatch.active.lowp_topk(
        KINDS[copy.kind],
        copy.data,
        copy.scale,
        copy.rowsum,
        copy.err,
        n,
        copy.max_norm,
        copy.max_norm_copy,
        copy.max_err,
        matrix,
        lo,
        hi,
        queries,
        k,
        ex_ptr,
        ex_ids,
        use_amx() if amx is None else bool(amx),
        *((-1, 0) if source is None else (int(source[0]), int(source[1]))),
        scores,
        ids,
        rescored,
        get_num_threads(),
    )
    return scores, ids, rescored


_NO_COPY = (
    np.zeros((0, 0), np.uint16),
    np.zeros(0, np.float32),
    np.zeros(0, np.int32),
    np.zeros(0, np.float32),
)


def rerank(copy, matrix, queries, ids, k, source=None):
    """The float32 re-rank of candidate rows ``ids`` per query, through ``copy`` when given.

    Parameters
    ----------
    copy : engine.compressed.CompressedCopy or None
        A copy of ``matrix``: the candidates are scored through it first and only those that
        could still be in the top ``k`` are re-scored in float32 (the answer is the same).
    matrix : ndarray, float32 (n, d)
        The float32 rows.
    queries : array_like, float32 (q, d)
        Finite query rows.
    ids : array_like, int (q, m)
        Candidate rows per query, each in [0, n) or -1 (none); duplicates count once.
    k : int
        Results per query (>= 1).
    source : (int, int), optional
        As for `topk_lowp`: the float32 rows are read from that file.

    Returns
    -------
    scores : ndarray, float32 (q, k)
        The float32 kernel's single-query scores, best first; -inf past the candidates.
    ids : ndarray, int64 (q, k)
        Their rows, ties by ascending row; -1 past the candidates.
    rescored : ndarray, int64 (q,)
        Float32 rows read per query.

    Examples
    --------
    >>> X = np.eye(3, dtype=np.float32)
    >>> s, i, _ = rerank(None, X, X[:1], [[2, 0, -1]], 2)
    >>> i.tolist(), s.tolist()
    ([[0, 2]], [[1.0, 0.0]])
    """
    n, d = matrix.shape
    if matrix.dtype != np.float32 or not matrix.flags.c_contiguous:
        raise ShapeError("matrix: a C-contiguous float32 matrix is needed")
    if copy is not None:
        _check_copy(copy.kind, copy.data, copy.scale, copy.rowsum, n, d)
        _check_err(copy.err, n)
    queries = as_matrix(queries, "queries")
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if ids.ndim != 2 or ids.shape[0] != queries.shape[0] or queries.shape[1] != d:
        raise ShapeError(
            f"rerank: {queries.shape} queries and {ids.shape} candidate ids do not match {n} x {d} rows"
        )
    if ids.size and (int(ids.max()) >= n or int(ids.min()) < -1):
        raise ShapeError(f"rerank: candidate ids must be rows of the {n} (or -1)")
    k = int(k)
    if k < 1:
        raise ShapeError(f"rerank: k = {k} must be >= 1")
    nq = queries.shape[0]
    scores = np.empty((nq, k), dtype=np.float32)
    out = np.empty((nq, k), dtype=np.int64)
    rescored = np.zeros(nq, dtype=np.int64)
    if copy is None:
        kind, arrays, maxima = -1, _NO_COPY, (0.0, 0.0, 0.0)
    else:
        kind = KINDS[copy.kind]
        arrays = (copy.data, copy.scale, copy.rowsum, copy.err)
        maxima = (copy.max_norm, copy.max_norm_copy, copy.max_err)
    _dispatch.active.lowp_rerank(
        kind,
        *arrays,
        *maxima,
        matrix,
        queries,
        ids,
        k,
        *((-1, 0) if source is None else (int(source[0]), int(source[1]))),
        scores,
        out,
        rescored,
        get_num_threads(),
    )
    return scores, out, rescored
