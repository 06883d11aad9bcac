"""Exact earth mover's distance and Word Mover's Distance (csrc/emd.hpp, csrc/wmd.hpp): one
pair, many pairs over a cost matrix, lower bounds and exact k nearest documents.

A batch of documents is a CSR bag of words ``(ptr int64, loc int32, gid int64, w float64)``:
document ``i``'s words are entries ``ptr[i]:ptr[i + 1]``, each with its row (or column) ``loc``
in the cost matrix, its global word id and its weight. The Sinkhorn parameters and the method
numbers are the kernel's own (``SinkhornParams``, ``WMD_METHODS``): their defaults live in C++.
"""

import functools
from types import MappingProxyType

import numpy as np

from .. import _native
from .._config import get_num_threads
from ..errors import EngineError, ShapeError
from . import _dispatch
from ._arrays import as_matrix, as_vector, in_range, is_indptr

SinkhornParams = _native.SinkhornParams

#: method name -> the number the kernels take (csrc/wmd.hpp WmdMethod)
WMD_METHODS = MappingProxyType({name: int(v) for name, v in _native.WmdMethod.__members__.items()})
_EMD = WMD_METHODS["emd"]


def _sinkhorn(reg, max_iter, tol):
    """The kernel's SinkhornParams with the values given (None: the kernel's default)."""
    params = SinkhornParams()
    if reg is not None:
        params.reg = float(reg)
    if max_iter is not None:
        params.max_iter = int(max_iter)
    if tol is not None:
        params.tol = float(tol)
    return params


# applied here, not as a decorator: mutmut 3 does not mutate a decorated function (docs/evidence.md)
_sinkhorn = functools.lru_cache(maxsize=64)(_sinkhorn)


def _check_status(status):
    if status != 0:
        raise EngineError("emd: the network simplex hit its pivot limit (please report this input)")


def emd(a, b, M):
    """Exact optimal transport cost between histograms ``a`` and ``b`` with costs ``M``.

    As POT's ``ot.emd2``: masses are non-negative with equal totals (to 6 decimals), and ``b``
    is scaled to ``a``'s total before solving.

    Parameters
    ----------
    a : array_like, float64 (m,)
    b : array_like, float64 (n,)
    M : array_like, float64 (m, n)

    Returns
    -------
    float
        The cost of an optimal transport plan.

    Examples
    --------
    >>> emd([0.5, 0.5], [1.0], [[1.0], [3.0]])
    2.0
    """
    a = as_vector(a, "a")
    b = as_vector(b, "b")
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
        raise EngineError(
            f"emd: a and b must have the same total mass ({float(a.sum())!r} != {float(b.sum())!r})"
        )
    b = b * (a.sum() / b.sum())
    cost, status = _dispatch.active.emd_cost(a, b, M)
    _check_status(status)
    return cost


def wmd_single(Xa, gid_a, wa, Xb, gid_b, wb, method=_EMD, reg=None, max_iter=None, tol=None):
    """WMD of one pair from its unique words' float64 vectors, global ids and weights.

    ``method`` is a value of `WMD_METHODS`; ``reg``, ``max_iter`` and ``tol`` set the Sinkhorn
    approximation (None: the kernel's defaults, `SinkhornParams`). Returns the distance.
    """
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
    sinkhorn = _sinkhorn(reg, max_iter, tol)
    d, status = _dispatch.active.wmd_single(Xa, gid_a, wa, Xb, gid_b, wb, int(method), sinkhorn)
    _check_status(status)
    return d


def wmd_single_ids(unit, norms, ids, counts, split, method=_EMD, reg=None, max_iter=None, tol=None):
    """WMD of one pair straight from vocabulary rows: ``ids[:split]`` / ``ids[split:]`` with counts.

    ``unit`` is a Vectors' float32 unit matrix; ``norms`` its norms for raw vectors, or None.
    ``method``, ``reg``, ``max_iter`` and ``tol`` as in `wmd_single`. Returns the distance.
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
    sinkhorn = _sinkhorn(reg, max_iter, tol)
    d, status = _dispatch.active.wmd_single_ids(unit, norms, ids, counts, int(split), int(method), sinkhorn)
    _check_status(status)
    return d


def pair_costs(A, B):
    """Euclidean distances between the rows of two float64 matrices, as a float64 matrix.

    Examples
    --------
    >>> pair_costs([[0.0, 0.0]], [[3.0, 4.0], [0.0, 1.0]]).tolist()
    [[5.0, 1.0]]
    """
    # Rows come from a Vectors, whose values were checked finite when it was built.
    A = as_matrix(A, "A", dtype=np.float64, finite=False)
    B = as_matrix(B, "B", dtype=np.float64, finite=False)
    if A.shape[1] != B.shape[1]:
        raise ShapeError(f"pair_costs: {A.shape[1]} vs {B.shape[1]} dimensions")
    D = np.empty((A.shape[0], B.shape[0]), dtype=np.float64)
    _dispatch.active.wmd_pair_costs(A, B, D, get_num_threads())
    return D


def wmd_pairs(D, docs_a, docs_b, ia, ib, method=_EMD, reg=None, max_iter=None, tol=None):
    """WMD for pairs (``ia[p]``, ``ib[p]``) of CSR bags over the cost matrix ``D``.

    ``docs_a`` words index the rows of ``D``, ``docs_b`` words its columns; ``method``,
    ``reg``, ``max_iter`` and ``tol`` as in `wmd_single`. Returns one float64 per pair.
    """
    ia = np.ascontiguousarray(ia, dtype=np.int64)
    ib = np.ascontiguousarray(ib, dtype=np.int64)
    _check_docs(docs_a, D.shape[0], "docs_a")
    _check_docs(docs_b, D.shape[1], "docs_b")
    if ia.shape != ib.shape or not (in_range(ia, len(docs_a[0]) - 1) and in_range(ib, len(docs_b[0]) - 1)):
        raise ShapeError("wmd_pairs: pair indices out of range")
    out = np.empty(ia.shape[0], dtype=np.float64)
    sinkhorn = _sinkhorn(reg, max_iter, tol)
    status = _dispatch.active.wmd_pairs(
        D, *docs_a, *docs_b, ia, ib, out, get_num_threads(), int(method), sinkhorn
    )
    _check_status(status)
    return out


def wmd_zip(X, docs_a, docs_b, method=_EMD, reg=None, max_iter=None, tol=None):
    """WMD of pairs (``docs_a[p]``, ``docs_b[p]``) whose words are rows of the float64 matrix ``X``.

    ``method``, ``reg``, ``max_iter`` and ``tol`` as in `wmd_single`. Returns one float64 per pair.
    """
    X = as_matrix(X, "X", dtype=np.float64, finite=False)
    _check_docs(docs_a, X.shape[0], "docs_a")
    _check_docs(docs_b, X.shape[0], "docs_b")
    if len(docs_a[0]) != len(docs_b[0]):
        raise ShapeError("wmd_zip: docs_a and docs_b differ in length")
    out = np.empty(len(docs_a[0]) - 1, dtype=np.float64)
    sinkhorn = _sinkhorn(reg, max_iter, tol)
    status = _dispatch.active.wmd_zip(X, *docs_a, *docs_b, out, get_num_threads(), int(method), sinkhorn)
    _check_status(status)
    return out


def wmd_bounds(Dq, queries, corpus, qcent, ccent):
    """(WCD, RWMD, ICT) lower bounds of the WMD, each float64 (n_queries, n_docs).

    ``Dq`` holds the costs from the queries' words (rows) to the corpus words (columns);
    ``qcent`` and ``ccent`` the documents' centroids (weighted mean word vectors).
    """
    _check_docs(queries, Dq.shape[0], "queries")
    _check_docs(corpus, Dq.shape[1], "corpus")
    nq, nc = len(queries[0]) - 1, len(corpus[0]) - 1
    _check_centroids(qcent, ccent, nq, nc)
    wcd, rwmd, ict = (np.empty((nq, nc), dtype=np.float64) for _ in range(3))
    _dispatch.active.wmd_bounds(Dq, *queries, *corpus, qcent, ccent, wcd, rwmd, ict, get_num_threads())
    return wcd, rwmd, ict


def wmd_knn(Dq, queries, corpus, qcent, ccent, k, use_ict=True):
    """Exact ``k`` nearest corpus documents of each query by EMD, pruned by the lower bounds.

    Arguments as in `wmd_bounds`; ``use_ict`` checks a candidate against the ICT bound before
    solving it. Returns ``(distances float64 (nq, k), indices int64 (nq, k), n_exact int64
    (nq,))``, ordered by (distance, index); ``n_exact`` counts the exact solves per query.
    """
    _check_docs(queries, Dq.shape[0], "queries")
    _check_docs(corpus, Dq.shape[1], "corpus")
    nq, nc = len(queries[0]) - 1, len(corpus[0]) - 1
    _check_centroids(qcent, ccent, nq, nc)
    out_d = np.empty((nq, k), dtype=np.float64)
    out_i = np.empty((nq, k), dtype=np.int64)
    n_exact = np.empty(nq, dtype=np.int64)
    status = _dispatch.active.wmd_knn(
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
        and loc.size == gid.size == w.size
        and is_indptr(ptr, loc.size)
        and in_range(loc, n_loc)
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
