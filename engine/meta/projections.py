"""The learned projections of the meta methods: SVD of the weighted concatenation, 1toN, and
orthogonal alignment to a shared space."""

import numpy as np

from .._docstrings import fill_doc
from ..errors import EngineError


# ---------------------------------------------------------------- learning projections
def _learn(method, dim, X, scales, ridge, rng):
    """Per source: the projection (or None = identity), its output column, the output width."""
    dims = [x.shape[1] for x in X]
    S, total = len(X), sum(dims)
    fixed = {"conc": total, "avg": max(dims), "align": max(dims)}
    if method in fixed:
        if dim is not None and int(dim) != fixed[method]:
            raise EngineError(
                f"MetaEmbeddings: method {method!r} gives {fixed[method]} dims; "
                f"dim={dim} is only for 'svd' and '1ton'"
            )
        if method == "conc":
            return [None] * S, np.cumsum([0] + dims[:-1]).tolist(), total, {}
        if method == "avg":
            return [None] * S, [0] * S, max(dims), {}
        W, info = align(X, scales)
        return [w.astype(np.float32) for w in W], [0] * S, max(dims), info
    d = max(dims) if dim is None else int(dim)
    n = X[0].shape[0]
    if not 1 <= d <= min(total, n):
        raise EngineError(
            f"MetaEmbeddings: dim must be between 1 and {min(total, n)} "
            f"(the concatenation has {total} dims, {n} shared words to learn from), got {dim}"
        )
    C = np.hstack([a * x for a, x in zip(scales, X)])
    cuts = np.cumsum(dims)[:-1]
    if method == "svd":
        P, sv = svd_projection(C, d)
        info = {"singular_values": sv}
    else:
        P, M, info = one_to_n(C, d, ridge)
        info = dict(info, maps=np.split(M, cuts, axis=1))
    return [p.astype(np.float32) for p in np.split(P, cuts)], [0] * S, d, info


def _sign_fix(V):
    """Make the largest-magnitude entry of every column positive (SVD signs are arbitrary)."""
    j = np.argmax(np.abs(V), axis=0)
    return V * np.where(V[j, np.arange(V.shape[1])] < 0, -1.0, 1.0)


@fill_doc
def svd_projection(C, d):
    """Top-``d`` right singular vectors ``V_d`` of ``C`` (``C ≈ U Σ V^T``) and the singular values.

    The meta vector of a word is ``c V_d``: for the training words that is ``U_d Σ_d``, the best
    rank-``d`` reconstruction of the concatenation's dot products (Eckart–Young). Computed from
    the Gram matrix ``C^T C`` (``sum D_s`` square), so the cost does not grow with the words.

    Parameters
    ----------
    %(concatenation)s
    d : int
        Number of singular vectors kept.

    Returns
    -------
    V : ndarray of float64, shape (sum D_s, d)
        The top ``d`` right singular vectors (each column's largest entry positive).
    s : ndarray of float64, shape (d,)
        The singular values, largest first.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.random.default_rng(0).normal(size=(50, 6))
    >>> V, s = svd_projection(C, 2)
    >>> bool(np.allclose(s, np.linalg.svd(C, compute_uv=False)[:2]))
    True
    """
    G = C.T @ C
    evals, evecs = np.linalg.eigh(G)
    order = np.argsort(evals)[::-1][:d]
    V = _sign_fix(evecs[:, order])
    return V, np.sqrt(np.maximum(evals[order], 0.0))


@fill_doc
def one_to_n(C, d, ridge=0.01, solver="exact", rng=None, max_iter=2000, tol=1e-12):
    """1TON (Yin & Schütze 2016): meta vectors ``E`` and maps ``M`` minimising
    ``||C - E M||^2 + lam (||E||^2 + ||M||^2)`` (``C`` the weighted concatenation, ``M = [M_1 … M_S]``:
    one linear map from the meta space to each source, so the loss is the sum of the per-source
    squared reconstruction errors, each weighted by ``w_s`` through ``C``).
    ``lam = ridge * sqrt(trace(C^T C) / sum D_s)`` (relative to the RMS singular value).

    Relation to SVD: without the penalty the optimum is ``E M = U_d Σ_d V_d^T``, the same
    rank-``d`` truncation ``svd`` gives (Eckart–Young), with any invertible split between ``E``
    and ``M``. The penalty makes the split unique up to a rotation (which cosines ignore):
    ``min (||E||^2 + ||M||^2)/2`` over ``E M = Z`` is the nuclear norm of ``Z``, so the optimum is
    the singular-value soft-threshold ``E M = U_d (Σ_d - lam)_+ V_d^T`` split evenly,
    ``E = U_d (Σ_d - lam)_+^{1/2}``, ``M = (Σ_d - lam)_+^{1/2} V_d^T``. 1TON is thus the SVD
    subspace with the singular values shrunk and square-rooted: its cosines weigh the weaker
    directions more than ``svd``'s. A word is embedded by the ridge solution
    ``e = argmin ||c - e M||^2 + lam ||e||^2 = c B``, ``B = M^T (M M^T + lam I)^-1
    = V_d (Σ_d - lam)_+^{1/2} Σ_d^-1`` — for a training word exactly its row of ``E``; the
    projection kernel applies ``B``.

    ``solver="exact"`` computes that optimum from the eigendecomposition of ``C^T C``;
    ``solver="als"`` learns it as Yin & Schütze do, iteratively, by alternating exact ridge
    least-squares solves for ``M`` and ``E`` (in Gram form: ``E = C B``,
    ``M = (B^T G B + lam I)^-1 B^T G``); both reach the same objective (tested).

    Parameters
    ----------
    %(concatenation)s
    d : int
        Dimension of the meta space.
    ridge : float, default 0.01
        The penalty, relative to the RMS singular value of ``C``.
    solver : {"exact", "als"}
        The closed-form optimum, or alternating least squares.
    rng : numpy.random.Generator, optional
        Initialisation of ``als`` (default: seeded with 0).
    max_iter : int, default 2000
        ``als`` iterations at most.
    tol : float, default 1e-12
        ``als`` stops when the objective changes by at most ``tol · trace(C^T C)``.

    Returns
    -------
    B : ndarray of float64, shape (sum D_s, d)
        The projection the kernel applies: a word's meta vector is ``c B``.
    M : ndarray of float64, shape (d, sum D_s)
        The maps ``[M_1 … M_S]`` from the meta space to the sources.
    info : dict
        ``objective``, ``lambda`` and ``iterations`` (0 for ``exact``).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.random.default_rng(0).normal(size=(100, 8))
    >>> B, M, info = one_to_n(C, 3)
    >>> _, _, als = one_to_n(C, 3, solver="als")
    >>> bool(abs(als["objective"] - info["objective"]) < 1e-6 * info["objective"])
    True
    """
    G = C.T @ C
    D = G.shape[0]
    lam = ridge * np.sqrt(np.trace(G) / D)
    I = np.eye(d)

    def objective(B, M):
        GB = G @ B
        E2 = B.T @ GB
        return float(
            np.trace(G) - 2 * np.sum(GB * M.T) + np.sum(E2 * (M @ M.T)) + lam * (np.trace(E2) + np.sum(M * M))
        )

    if solver == "exact":
        V, sv = svd_projection(C, d)
        shrunk = np.sqrt(np.maximum(sv - lam, 0.0))
        B = V * np.where(sv > 0, shrunk / np.where(sv > 0, sv, 1.0), 0.0)
        M = shrunk[:, None] * V.T
        return B, M, {"objective": objective(B, M), "lambda": float(lam), "iterations": 0}
    if solver != "als":
        raise EngineError(f"one_to_n: solver must be 'exact' or 'als', got {solver!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    M = rng.standard_normal((d, D)) / np.sqrt(D)

    def b_of(M):
        return np.linalg.solve(M @ M.T + (lam + 1e-12) * I, M).T

    f_old, it = np.inf, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        B = b_of(M)
        GB = G @ B
        M = np.linalg.solve(B.T @ GB + (lam + 1e-12) * I, GB.T)
        f = objective(b_of(M), M)
        if abs(f_old - f) <= tol * np.trace(G):
            break
        f_old = f
    return b_of(M), M, {"objective": f, "lambda": float(lam), "iterations": it}


def align(X, scales, max_iter=20, tol=1e-6):
    """Orthogonal maps ``W_s`` (``D_s × D``, ``D = max D_s``) rotating every source into one space.

    Generalised Procrustes: start with the largest source as the target, map every source onto
    the target by orthogonal Procrustes (``W = U V^T`` from the SVD of ``(a_s X_s)^T T``), take
    the mean of the mapped sources as the new target, repeat until it stops moving. A source
    smaller than ``D`` is embedded isometrically (``W^T W = I``). As MetaVec, the meta vector is
    the mean of the mapped sources.

    Parameters
    ----------
    X : list of ndarray, each of shape (n, D_s)
        Per source, the unit vectors of the same ``n`` training words.
    scales : sequence of float
        ``a_s = sqrt(w_s)`` per source.
    max_iter : int, default 20
        Rounds of re-alignment at most.
    tol : float, default 1e-6
        Stop when the target moves by at most ``tol`` relative to its norm.

    Returns
    -------
    W : list of ndarray, each of shape (D_s, D)
        The orthogonal maps.
    info : dict
        ``iterations``, ``reference`` (the largest source) and ``dim`` (``D``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(50, 4))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> W, info = align([A, A @ Q], [1.0, 1.0])
    >>> bool(np.allclose(A @ Q @ W[1], A @ W[0]))
    True
    """
    dims = [x.shape[1] for x in X]
    ref = int(np.argmax(dims))
    D = dims[ref]
    T = scales[ref] * X[ref]
    W = [None] * len(X)
    prev = None
    for it in range(max_iter):  # noqa: B007 (the count is reported)
        for s, (a, x) in enumerate(zip(scales, X)):
            u, _, vt = np.linalg.svd((a * x).T @ T, full_matrices=False)
            W[s] = u @ vt
        T = sum(a * x @ w for a, x, w in zip(scales, X, W)) / len(X)
        if prev is not None and np.linalg.norm(T - prev) <= tol * max(np.linalg.norm(T), 1e-30):
            break
        prev = T
    return W, {"iterations": it + 1, "reference": ref, "dim": D}
