"""The edge between Python and the C++ kernels.

Every array is validated and converted here, once, before it reaches engine._native: kernels
get C-contiguous float32 (int32/int64 ids) of the right shapes and a thread count, nothing else.
"""

import numpy as np

from . import _native
from ._config import get_num_threads
from .errors import ShapeError


def as_array(x, name, dtype, ndim):
    """``x`` as a C-contiguous ``ndim``-D array of ``dtype``; ShapeError naming ``name`` otherwise."""
    try:
        a = np.ascontiguousarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ShapeError(f"{name}: cannot be read as a {np.dtype(dtype).name} array ({e})") from None
    if a.ndim != ndim:
        raise ShapeError(f"{name}: expected a {ndim}-D array, got shape {a.shape}")
    return a


def as_matrix(x, name="array", dtype=np.float32, finite=True):
    """``x`` as a C-contiguous 2-D array of ``dtype``; ShapeError naming ``name`` otherwise."""
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


# [wmd] kernels
def _as_vector(x, name, dtype=np.float64):
    return as_array(x, name, dtype, 1)


def emd(a, b, M):
    """Exact optimal transport cost between histograms ``a`` (m) and ``b`` (n) with costs ``M``.

    As POT's ``ot.emd2``: masses are non-negative with equal totals (to 6 decimals), and ``b``
    is scaled to ``a``'s total before solving.
    """
    from .errors import EngineError

    a = _as_vector(a, "a")
    b = _as_vector(b, "b")
    M = as_matrix(M, "M", dtype=np.float64)
    if M.shape != (a.shape[0], b.shape[0]):
        raise ShapeError(
            f"M: expected shape ({a.shape[0]}, {b.shape[0]}) for the masses given, got {M.shape}"
        )
    for name, h in (("a", a), ("b", b)):
        if not np.isfinite(h).all() or (h < 0).any():
            raise ShapeError(f"{name}: masses must be finite and non-negative")
        if h.size == 0 or h.sum() <= 0:
            raise ShapeError(f"{name}: needs a positive total mass")
    if abs(a.sum() - b.sum()) >= 1.5e-6:
        raise EngineError(f"emd: a and b must have the same total mass ({a.sum()!r} != {b.sum()!r})")
    b = b * (a.sum() / b.sum())
    cost, status = _native.emd_cost(a, b, M)
    _check_status(status)
    return cost


def _check_status(status):
    if status != 0:
        from .errors import EngineError

        raise EngineError("emd: the network simplex hit its pivot limit (please report this input)")


def wmd_single(Xa, gid_a, wa, Xb, gid_b, wb, method=0, reg=0.01, max_iter=1000, tol=1e-9):
    """WMD of one pair from its unique words' float64 vectors, ids and weights."""
    if not (
        Xa.dtype == Xb.dtype == np.float64
        and Xa.ndim == Xb.ndim == 2
        and Xa.shape[1] == Xb.shape[1]
        and Xa.flags.c_contiguous
        and Xb.flags.c_contiguous
        and Xa.shape[0] == gid_a.shape[0] == wa.shape[0]
        and Xb.shape[0] == gid_b.shape[0] == wb.shape[0]
        and gid_a.dtype == gid_b.dtype == np.int64
        and wa.dtype == wb.dtype == np.float64
    ):
        raise ShapeError("wmd_single: inconsistent word arrays")
    d, status = _native.wmd_single(
        Xa, gid_a, wa, Xb, gid_b, wb, int(method), float(reg), int(max_iter), float(tol)
    )
    _check_status(status)
    return d


def wmd_single_ids(unit, norms, ids, counts, split, method=0, reg=0.01, max_iter=1000, tol=1e-9):
    """WMD of one pair straight from vocabulary rows: ``ids[:split]`` / ``ids[split:]`` with counts.

    ``unit`` is a Vectors' float32 unit matrix; ``norms`` its norms for raw vectors, or None.
    """
    # ids come from engine._text.encode over this vocabulary, so they are in range by construction
    if not (
        unit.dtype == np.float32
        and unit.ndim == 2
        and unit.flags.c_contiguous
        and ids.dtype == np.int32
        and counts.dtype == np.float32
        and ids.shape == counts.shape
        and 0 <= split <= ids.shape[0]
    ):
        raise ShapeError("wmd_single_ids: inconsistent word arrays")
    norms = np.empty(0, dtype=np.float32) if norms is None else norms
    d, status = _native.wmd_single_ids(
        unit, norms, ids, counts, int(split), int(method), float(reg), int(max_iter), float(tol)
    )
    _check_status(status)
    return d


def pair_costs(A, B):
    """Euclidean distances between the rows of two float64 matrices, as a float64 matrix."""
    # Rows come from a Vectors, whose values were checked finite when it was built.
    A = as_matrix(A, "A", dtype=np.float64, finite=False)
    B = as_matrix(B, "B", dtype=np.float64, finite=False)
    if A.shape[1] != B.shape[1]:
        raise ShapeError(f"pair_costs: {A.shape[1]} vs {B.shape[1]} dimensions")
    D = np.empty((A.shape[0], B.shape[0]), dtype=np.float64)
    _native.wmd_pair_costs(A, B, D, get_num_threads())
    return D


def wmd_pairs(D, docs_a, docs_b, ia, ib, method=0, reg=0.01, max_iter=1000, tol=1e-9):
    """WMD for pairs (``ia[p]``, ``ib[p]``) of CSR bags (ptr, loc, gid, w) over cost matrix ``D``."""
    ia = np.ascontiguousarray(ia, dtype=np.int64)
    ib = np.ascontiguousarray(ib, dtype=np.int64)
    _check_docs(docs_a, D.shape[0], "docs_a")
    _check_docs(docs_b, D.shape[1], "docs_b")
    if ia.shape != ib.shape or (
        ia.size
        and (ia.min() < 0 or ia.max() >= len(docs_a[0]) - 1 or ib.min() < 0 or ib.max() >= len(docs_b[0]) - 1)
    ):
        raise ShapeError("wmd_pairs: pair indices out of range")
    out = np.empty(ia.shape[0], dtype=np.float64)
    status = _native.wmd_pairs(
        D,
        *docs_a,
        *docs_b,
        ia,
        ib,
        int(method),
        float(reg),
        int(max_iter),
        float(tol),
        out,
        get_num_threads(),
    )
    _check_status(status)
    return out


def wmd_zip(X, docs_a, docs_b, method=0, reg=0.01, max_iter=1000, tol=1e-9):
    """WMD of pairs (docs_a[p], docs_b[p]) whose words are rows of the float64 matrix ``X``."""
    X = as_matrix(X, "X", dtype=np.float64, finite=False)
    _check_docs(docs_a, X.shape[0], "docs_a")
    _check_docs(docs_b, X.shape[0], "docs_b")
    if len(docs_a[0]) != len(docs_b[0]):
        raise ShapeError("wmd_zip: docs_a and docs_b differ in length")
    out = np.empty(len(docs_a[0]) - 1, dtype=np.float64)
    status = _native.wmd_zip(
        X, *docs_a, *docs_b, int(method), float(reg), int(max_iter), float(tol), out, get_num_threads()
    )
    _check_status(status)
    return out


def wmd_bounds(Dq, queries, corpus, qcent, ccent):
    """(WCD, RWMD, ICT) lower bounds, each (n_queries, n_docs)."""
    _check_docs(queries, Dq.shape[0], "queries")
    _check_docs(corpus, Dq.shape[1], "corpus")
    nq, nc = len(queries[0]) - 1, len(corpus[0]) - 1
    _check_centroids(qcent, ccent, nq, nc)
    wcd, rwmd, ict = (np.empty((nq, nc), dtype=np.float64) for _ in range(3))
    _native.wmd_bounds(Dq, *queries, *corpus, qcent, ccent, wcd, rwmd, ict, get_num_threads())
    return wcd, rwmd, ict


def wmd_knn(Dq, queries, corpus, qcent, ccent, k, use_ict=True):
    """Exact k nearest corpus documents of each query: (distances, indices, n_exact)."""
    _check_docs(queries, Dq.shape[0], "queries")
    _check_docs(corpus, Dq.shape[1], "corpus")
    nq, nc = len(queries[0]) - 1, len(corpus[0]) - 1
    _check_centroids(qcent, ccent, nq, nc)
    out_d = np.empty((nq, k), dtype=np.float64)
    out_i = np.empty((nq, k), dtype=np.int64)
    n_exact = np.empty(nq, dtype=np.int64)
    status = _native.wmd_knn(
        Dq, *queries, *corpus, qcent, ccent, int(k), bool(use_ict), out_d, out_i, n_exact, get_num_threads()
    )
    _check_status(status)
    return out_d, out_i, n_exact


def _check_docs(docs, n_loc, name):
    ptr, loc, gid, w = docs
    ok = (
        ptr.dtype == np.int64
        and loc.dtype == np.int32
        and gid.dtype == np.int64
        and w.dtype == np.float64
        and all(x.flags.c_contiguous and x.ndim == 1 for x in docs)
        and ptr.size >= 1
        and ptr[0] == 0
        and ptr[-1] == loc.size == gid.size == w.size
        and (np.diff(ptr) >= 0).all()
        and (loc.size == 0 or (loc.min() >= 0 and loc.max() < n_loc))
    )
    if not ok:
        raise ShapeError(f"{name}: malformed bag-of-words arrays")


def _check_centroids(qcent, ccent, nq, nc):
    if (
        qcent.dtype != np.float64
        or ccent.dtype != np.float64
        or not qcent.flags.c_contiguous
        or not ccent.flags.c_contiguous
        or qcent.shape[0] != nq
        or ccent.shape[0] != nc
        or qcent.ndim != 2
        or ccent.ndim != 2
        or qcent.shape[1] != ccent.shape[1]
    ):
        raise ShapeError("wmd: centroid arrays do not match the documents")


# [classify] kernels
def _check_csr(indptr, ids, weights, emb, components, what):
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    ids = np.ascontiguousarray(ids, dtype=np.int32)
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    emb = as_matrix(emb, "embedding matrix", finite=False)
    n_words, d = emb.shape
    if components is None:
        components = np.zeros((0, d), dtype=np.float32)
    components = as_matrix(components, "components")
    if indptr.ndim != 1 or indptr.size < 1 or ids.ndim != 1 or weights.shape != ids.shape:
        raise ShapeError(
            f"{what}: indptr {indptr.shape}, ids {ids.shape} and weights {weights.shape} "
            "do not form a CSR matrix"
        )
    if indptr[0] != 0 or indptr[-1] != ids.size or (indptr.size > 1 and np.any(np.diff(indptr) < 0)):
        raise ShapeError(f"{what}: indptr must start at 0, never decrease and end at len(ids)")
    if ids.size and (ids.min() < 0 or ids.max() >= n_words):
        raise ShapeError(f"{what}: word ids must lie in [0, {n_words}), got {ids.min()}..{ids.max()}")
    if weights.size and not np.isfinite(weights).all():
        raise ShapeError(f"{what}: weights contain NaN or Inf")
    if components.shape[1] != d:
        raise ShapeError(f"{what}: components have {components.shape[1]} columns, vectors {d}")
    return indptr, ids, weights, emb, components


def doc_vectors(indptr, ids, weights, emb, components=None, normalize=True):
    """Weighted bag-of-words rows → document vectors; return ``(vectors, norms)``.

    Row ``i`` is ``Σ_j weights[j]·emb[ids[j]]`` over ``j`` in ``indptr[i]:indptr[i+1]``, minus
    its projection on each (orthonormal) row of ``components``, then unit length when
    ``normalize`` (a zero vector stays zero). ``norms`` are the lengths before that last step.
    """
    indptr, ids, weights, emb, components = _check_csr(indptr, ids, weights, emb, components, "doc_vectors")
    out = np.empty((indptr.size - 1, emb.shape[1]), dtype=np.float32)
    norms = np.empty(indptr.size - 1, dtype=np.float32)
    _native.doc_vectors(indptr, ids, weights, emb, components, bool(normalize), out, norms, get_num_threads())
    return out, norms


def doc_scores(indptr, ids, weights, emb, labels, components=None, word_weights=None):
    """Cosine of each document of ``doc_vectors(..., normalize=True)`` with each row of
    ``labels`` (unit rows), without materialising the document vectors: ``(scores float64
    (n, L), norms)``; a document with a zero vector scores 0. Row ``i`` depends on row ``i``
    only, so chunked calls give bit-identical results. With ``word_weights`` (one per row of
    ``emb``) entry ``j`` weighs ``weights[j] * word_weights[ids[j]]``."""
    indptr, ids, weights, emb, components = _check_csr(indptr, ids, weights, emb, components, "doc_scores")
    if word_weights is None:
        word_weights = np.zeros(0, dtype=np.float32)
    else:
        word_weights = np.ascontiguousarray(word_weights, dtype=np.float32)
        if word_weights.shape != (emb.shape[0],) or not np.isfinite(word_weights).all():
            raise ShapeError(
                f"doc_scores: word_weights must be {emb.shape[0]} finite numbers, "
                f"got shape {word_weights.shape}"
            )
    labels = as_matrix(labels, "label vectors")
    if labels.shape[1] != emb.shape[1]:
        raise ShapeError(f"doc_scores: label vectors have {labels.shape[1]} columns, vectors {emb.shape[1]}")
    scores = np.empty((indptr.size - 1, labels.shape[0]), dtype=np.float64)
    norms = np.empty(indptr.size - 1, dtype=np.float32)
    _native.doc_scores(
        indptr, ids, weights, word_weights, emb, components, labels, scores, norms, get_num_threads()
    )
    return scores, norms


def ascii_vocab(keys):
    """A native hash table over ``keys`` (row ``i`` = ``keys[i]``) for ``encode_texts``."""
    return _native.AsciiVocab(list(keys))


def encode_texts(texts, key_to_index, lowercase=True, vocab=None):
    """``engine._text.encode(texts, key_to_index, lowercase)``, with ASCII strings encoded in
    parallel by the native tokenizer (same rules, same output) when ``vocab`` (from
    ``ascii_vocab(index_to_key)``) is given; other texts and token lists go through Cython.

    Returns ``(indptr int64[n+1], ids int32[nnz], counts float32[nnz], n_tokens int64[n])``.
    """
    from ._text import encode

    if vocab is None:
        return encode(texts, key_to_index, lowercase)
    texts = texts if isinstance(texts, list) else list(texts)
    indptr, ids, counts, ntok, fallback = _native.encode_ascii(
        vocab, texts, bool(lowercase), get_num_threads()
    )
    if not fallback.any():
        return indptr, ids, counts, ntok
    rows = np.flatnonzero(fallback)
    for i in rows.tolist():  # only the texts the native path did not take: usually few
        if not isinstance(texts[i], (str, list, tuple)):
            raise ShapeError(
                f"texts: item {i} is a {type(texts[i]).__name__}, expected a str or a list of str"
            )
    f_indptr, f_ids, f_counts, f_ntok = encode([texts[i] for i in rows], key_to_index, lowercase)
    lengths = np.diff(indptr)
    lengths[rows] = np.diff(f_indptr)
    ntok[rows] = f_ntok
    new_indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_indptr[1:])
    from_fallback = np.repeat(fallback, lengths)
    new_ids = np.empty(new_indptr[-1], dtype=np.int32)
    new_counts = np.empty(new_indptr[-1], dtype=np.float32)
    new_ids[~from_fallback], new_ids[from_fallback] = ids, f_ids
    new_counts[~from_fallback], new_counts[from_fallback] = counts, f_counts
    return new_indptr, new_ids, new_counts, ntok


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
    lists = [
        np.unique(np.asarray(list(e) if not isinstance(e, np.ndarray) else e, dtype=np.int64))
        for e in exclude
    ]
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
            raise ShapeError(
                f"source {s}: a row index is out of range ({idx.min()}..{idx.max()} "
                f"for {m.shape[0]} rows and {ex.shape[0]} fills)"
            )
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
        rows.append(m)
        extras.append(ex)
        idxs.append(idx)
        scales.append(scale)
        projs.append(proj)
        offsets.append(off)
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
    _native.build_meta(
        rows, extras, idxs, scales, projs, offsets, maps, out, norms, int(block), get_num_threads()
    )
    return out, norms
