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


# ---- [search] exact top-k ------------------------------------------------------------------

_SGEMM = None


def sgemm_address():
    """Address of scipy's BLAS ``sgemm`` (Fortran interface), from its Cython capsule."""
    global _SGEMM  # a constant of the process, looked up once
    if _SGEMM is None:
        import ctypes

        from scipy.linalg import cython_blas

        capsule = cython_blas.__pyx_capi__["sgemm"]
        api = ctypes.pythonapi
        api.PyCapsule_GetName.restype = ctypes.c_char_p
        api.PyCapsule_GetName.argtypes = [ctypes.py_object]
        api.PyCapsule_GetPointer.restype = ctypes.c_void_p
        api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
        _SGEMM = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    return _SGEMM


class _SingleThreadedBlas:
    """A context in which scipy's OpenBLAS runs on the calling thread only.

    Each of our OpenMP threads calls sgemm on its own tiles; OpenBLAS's own pool on top would
    put two threads on every core (measured: several times slower). The limit is process-wide,
    so concurrent searches share it: the first to enter sets it, the last to leave restores it.
    """

    def __init__(self):
        import threading

        self._lock = threading.Lock()
        self._users = 0
        self._limiter = None
        self._controller = None

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()  # after sgemm_address(): sees scipy's BLAS
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._users += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None
        return False


_single_threaded_blas = _SingleThreadedBlas()


def exclusion_csr(exclude, n_items):
    """Per-item row lists (a sequence of iterables of ints, or None) → sorted CSR ``(indptr, ids)``."""
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    if exclude is None:
        return indptr, np.zeros(0, dtype=np.int64)
    if len(exclude) != n_items:
        raise ShapeError(f"exclude: one list per query expected ({n_items}), got {len(exclude)}")
    lists = [np.unique(np.asarray(list(e) if not isinstance(e, np.ndarray) else e, dtype=np.int64))
             for e in exclude]
    np.cumsum([len(e) for e in lists], out=indptr[1:])
    ids = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
    return indptr, np.ascontiguousarray(ids, dtype=np.int64)


# tile sizes of the kernel (csrc/topk.hpp TopKParams); measured in benchmarks/bench_search.py
SMALL_BATCH, QUERY_BLOCK, ROW_TILE = 8, 256, 1024


def topk(matrix, queries, k, lo=0, hi=None, exclude=None, cosmul=None):
    """Exact top-``k`` rows of ``matrix[lo:hi]`` by inner product with each query row.

    Returns ``(scores float32 (Q, k), ids int64 (Q, k))``, best first; exact ties by ascending
    row; ids are rows of ``matrix``; slots beyond the rows available (after exclusions) hold
    id -1 and score -inf. ``exclude``: one iterable of rows per query, never returned.
    ``cosmul=(n_pos, n_neg)``: ``queries`` holds n_pos + n_neg rows per item, and items are
    ranked by gensim's 3CosMul score over them instead.
    """
    matrix = as_matrix(matrix, "matrix", finite=False)
    queries = as_matrix(queries, "queries")
    n, d = matrix.shape
    hi = n if hi is None else hi
    if not 0 <= lo <= hi <= n:
        raise ShapeError(f"row range [{lo}, {hi}) is not within the {n} rows")
    if queries.shape[1] != d:
        raise ShapeError(f"queries have {queries.shape[1]} dimensions, the vectors {d}")
    cols = 1 if cosmul is None else sum(cosmul)
    if queries.shape[0] % cols:
        raise ShapeError(f"queries: {queries.shape[0]} rows is not a multiple of {cols} per item")
    n_items = queries.shape[0] // cols
    if n_items == 0:
        raise ShapeError("queries: no query given")
    k = int(k)
    if k <= 0:
        raise ShapeError(f"k must be at least 1, got {k}")
    if k > hi - lo:
        raise ShapeError(f"k = {k} exceeds the {hi - lo} vectors searched")
    ex_ptr, ex_ids = exclusion_csr(exclude, n_items)
    scores = np.empty((n_items, k), dtype=np.float32)
    ids = np.empty((n_items, k), dtype=np.int64)
    pos, neg = cosmul if cosmul is not None else (1, 0)
    args = (matrix, lo, hi, queries, k, ex_ptr, ex_ids, cosmul is not None, pos, neg)
    tail = (get_num_threads(), SMALL_BATCH, QUERY_BLOCK, ROW_TILE)
    if queries.shape[0] <= SMALL_BATCH:  # no sgemm call on this path
        _native.topk(*args, 0, scores, ids, *tail)
    else:
        sgemm = sgemm_address()  # first: loads scipy's BLAS, which the limiter must see
        with _single_threaded_blas:
            _native.topk(*args, sgemm, scores, ids, *tail)
    return scores, ids


# [meta] kernels
def build_meta(sources, fill_maps, d_out, block=240):
    """Run the meta-embedding projection kernel (csrc/meta.hpp); return ``(unit, norms)``.

    ``sources``: one dict per source with ``rows`` (N_s x D_s float32), ``idx`` (int64, one per
    output row: a row, -1 missing, -2-k row k of ``extra``), optional ``extra`` (K_s x D_s),
    ``scale`` (float > 0), optional ``proj`` (D_s x W_s; None = identity) and ``offset`` (first
    output column of the source's slot). ``fill_maps``: S*S list, entry ``t*S+s`` a D_t x D_s map
    predicting source s from t, or None. Everything is validated here; the kernel trusts it.
    """
    S = len(sources)
    if S == 0:
        raise ShapeError("build_meta: no sources")
    d_out = int(d_out)
    rows, extras, idxs, scales, projs, offsets = [], [], [], [], [], []
    n = None
    for s, src in enumerate(sources):
        m = as_matrix(src["rows"], f"source {s} vectors", finite=False)
        D = m.shape[1]
        ex = src.get("extra")
        ex = np.zeros((0, D), np.float32) if ex is None else as_matrix(ex, f"source {s} fills")
        if ex.shape[1] != D:
            raise ShapeError(f"source {s}: fills have {ex.shape[1]} dims, the source has {D}")
        idx = np.ascontiguousarray(src["idx"], dtype=np.int64)
        if idx.ndim != 1:
            raise ShapeError(f"source {s}: row indices must be 1-D, got shape {idx.shape}")
        if n is None:
            n = idx.shape[0]
        elif idx.shape[0] != n:
            raise ShapeError(f"source {s}: {idx.shape[0]} row indices, source 0 has {n}")
        if idx.size and (idx.max() >= m.shape[0] or idx.min() < -2 - ex.shape[0] + 1):
            raise ShapeError(f"source {s}: a row index is out of range ({idx.min()}..{idx.max()} "
                             f"for {m.shape[0]} rows and {ex.shape[0]} fills)")
        scale = float(src.get("scale", 1.0))
        if not np.isfinite(scale) or scale < 0:
            raise ShapeError(f"source {s}: the scale must be finite and >= 0, got {scale}")
        proj = src.get("proj")
        width = D
        if proj is not None:
            proj = as_matrix(proj, f"source {s} projection")
            if proj.shape[0] != D:
                raise ShapeError(f"source {s}: projection has {proj.shape[0]} rows, the source has {D} dims")
            width = proj.shape[1]
        off = int(src.get("offset", 0))
        if off < 0 or off + width > d_out:
            raise ShapeError(f"source {s}: slot [{off}, {off + width}) outside the {d_out} output columns")
        rows.append(m); extras.append(ex); idxs.append(idx); scales.append(scale)
        projs.append(proj); offsets.append(off)
    if len(fill_maps) != S * S:
        raise ShapeError(f"build_meta: {len(fill_maps)} fill maps, expected {S * S}")
    maps = []
    for k, A in enumerate(fill_maps):
        t, s = divmod(k, S)
        if A is not None:
            A = as_matrix(A, f"fill map {t}->{s}")
            want = (rows[t].shape[1], rows[s].shape[1])
            if A.shape != want or t == s:
                raise ShapeError(f"fill map {t}->{s}: shape {A.shape}, expected {want}")
        maps.append(A)
    out = np.empty((n, d_out), dtype=np.float32)
    norms = np.empty(n, dtype=np.float32)
    _native.build_meta(rows, extras, idxs, scales, projs, offsets, maps, out, norms,
                       int(block), get_num_threads())
    return out, norms
