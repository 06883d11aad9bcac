"""Source weights: given, or chosen from the data (the spread of each source's cosines, and a
one-factor agreement model when three or more sources agree)."""

import numpy as np

from ..errors import EngineError
from ._sampling import _rows64, _sample


# ---------------------------------------------------------------- weights
def _resolve_weights(weights, sources, idx, train, rng):
    S = len(sources)
    if weights is None:
        return np.full(S, 1.0 / S), {"how": "equal (weights=None)"}
    if isinstance(weights, str):
        if weights != "auto":
            raise EngineError(f"MetaEmbeddings: weights must be None, 'auto' or {S} numbers, got {weights!r}")
        X = [_rows64(v, i[train]) for v, i in zip(sources, idx)]
        return agreement_weights(X, rng=rng)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineError(
            f"MetaEmbeddings: weights must be None, 'auto' or {S} numbers, got {weights!r}"
        ) from None
    if w.shape != (S,):
        raise EngineError(f"MetaEmbeddings: {w.size} weights for {S} sources")
    if not np.isfinite(w).all() or (w < 0).any():
        raise EngineError(f"MetaEmbeddings: weights must be finite and >= 0, got {w.tolist()}")
    if w.sum() <= 0:
        raise EngineError("MetaEmbeddings: at least one weight must be > 0")
    return w / w.sum(), {"how": "given " + ", ".join(f"{x:g}" for x in weights)}


def agreement_weights(X, sample=1000, rng=None, min_agreement=0.1, pairs="random", fit="minres"):
    """Source weights from the sources alone — no evaluation data needed.

    ``X``: per source, the unit vectors of the same words (shared by all sources). On a sample
    of ``sample`` of them, each source's pairwise cosines are its *similarity structure*.

    1. **Equal say.** The meta cosine of ``conc`` is ``sum_s w_s cos_s``, so a source whose
       cosines spread widely (an anisotropic model, common for small corpora, where everything
       is similar to everything) would decide the ranking of neighbours however good it is.
       Each source's weight is first divided by the standard deviation ``sd_s`` of its cosines,
       so that every source moves the meta cosine equally.
    2. **Reliability, from agreement** (three or more sources). A one-factor model: after rank
       standardisation, source ``s``'s similarities are ``z_s = rho_s T + sqrt(1 - rho_s^2) e_s``
       with ``T`` the true similarity and independent errors ``e_s``. Then the Spearman
       correlation of two sources is ``r_st = rho_s rho_t`` and each ``rho_s`` is identified:
       ``rho_s^2 = median over t,u of r_st r_su / r_tu`` (``fit="triads"``). That ratio is
       unstable when ``r_tu`` is small — exactly when one source is poor and agrees with nobody —
       so by default (``fit="minres"``) the loadings are fitted to all correlations at once,
       ``min sum_{s<t} (r_st - rho_s rho_t)^2``, by iterated principal axes (the top
       eigenvector of ``R`` with its diagonal replaced by the current ``rho_s^2``, until it
       settles): a poor source gets ``rho ~ 0`` from its small correlations, and the others
       share the correlation they have. The least-squares estimate of ``T``
       from the ``z_s`` weights source ``s`` by ``rho_s / (1 - rho_s^2)``. The weight is thus
       ``rho_s / ((1 - rho_s^2) sd_s)``.

    Why agreement: the errors of embeddings trained on different data and objectives are
    largely independent while what they share is the signal, so the source that agrees with
    the others most is the most reliable. With two sources only the product ``rho_1 rho_2`` is
    identified, and step 2 is skipped (weights ``1 / sd_s``); so it is when no pair of sources
    agrees at ``min_agreement`` or more (``fit="triads"``: when any pair is below it). The model also fails when two sources share their errors (same
    corpus, same algorithm): they then look reliable to each other — give weights by hand then.
    ``info["how"]`` says which case applied.

    Parameters
    ----------
    X : list of ndarray, each of shape (n, D_s)
        Per source, the unit vectors of the same ``n`` words (at least 10).
    sample : int, default 1000
        Words sampled for the pairwise cosines.
    rng : numpy.random.Generator, optional
        Source of the sample (default: seeded with 0).
    min_agreement : float, default 0.1
        Smallest pairwise Spearman correlation at which step 2 is trusted.
    fit : {"minres", "triads"}, default "minres"
        How the reliabilities are fitted (step 2).
    pairs : {"random", "local"}, default "random"
        Which pairs of the sampled words the cosines are taken on: all of them, or each word with
        its 10 nearest sampled words in every source plus as many random pairs (``"local"``:
        random pairs of words are mostly unrelated, so their cosines are mostly noise; similarity
        judgements, and neighbour lists, turn on the pairs that are related in some source).

    Returns
    -------
    weights : ndarray of float64, shape (S,)
        The sources' weights, summing to 1.
    info : dict
        ``how`` (which case applied), ``spread`` (each source's ``sd_s``), ``correlations``
        (the Spearman matrix), ``sample_words`` and, with step 2, ``rho``.

    Raises
    ------
    EngineError
        With fewer than 10 shared words, or a source whose sampled cosines are all equal.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.normal(size=(300, 20))
    >>> noisy = [truth + s * rng.normal(size=truth.shape) for s in (0.3, 0.7, 1.5)]
    >>> X = [v / np.linalg.norm(v, axis=1, keepdims=True) for v in noisy]
    >>> w, info = agreement_weights(X)
    >>> bool(w[0] > w[1] > w[2])
    True
    """
    if fit not in ("minres", "triads") or pairs not in ("random", "local"):
        raise EngineError(
            f"agreement_weights: fit must be 'minres' or 'triads' and pairs 'random' or 'local', got {fit!r}, {pairs!r}"
        )
    rng = rng if rng is not None else np.random.default_rng(0)
    S = len(X)
    n = X[0].shape[0]
    if n < 10:
        raise EngineError(f"weights='auto': the sources share only {n} words; at least 10 are needed")
    rows = _sample(np.arange(n), int(sample), rng)
    grams = [x[rows] @ x[rows].T for x in X]
    iu = np.triu_indices(rows.size, k=1) if pairs == "random" else _local_pairs(grams, rng)
    sims = [g[iu] for g in grams]
    spread = np.array([s.std() for s in sims])
    if (spread <= 1e-12).any():
        bad = int(np.argmin(spread))
        raise EngineError(f"weights='auto': source {bad} gives every sampled pair the same cosine")
    R = np.corrcoef(np.stack([_rank(s) for s in sims]))
    info = {"spread": spread.tolist(), "correlations": R.tolist(), "sample_words": int(rows.size)}
    off = R[np.triu_indices(S, k=1)]
    agree = off.min() if fit == "triads" else off.max()
    if S < 3 or agree < min_agreement:
        why = "two sources" if S < 3 else f"agreement {agree:.2f} < {min_agreement}"
        raw = 1.0 / spread
        info["how"] = f"auto: equal say, 1/sd of cosines ({why}: reliability not estimated)"
    else:
        rho2 = _triads(R) if fit == "triads" else _minres(R)
        rho2 = np.clip(rho2, 0.01, 0.95)  # keep the Heywood cases (rho^2 >= 1) finite
        rho = np.sqrt(rho2)
        raw = rho / (1 - rho2) / spread
        info["rho"] = rho.tolist()
        info["how"] = "auto: one-factor agreement (" + ", ".join(f"rho={r:.2f}" for r in rho) + ") / sd"
    return raw / raw.sum(), info


def _triads(R):
    """rho_s^2 = median over pairs (t, u) of the other sources of r_st r_su / r_tu."""
    S = len(R)
    rho2 = np.empty(S)
    for s in range(S):
        est = [R[s, t] * R[s, u] / R[t, u] for t in range(S) for u in range(t + 1, S) if s not in (t, u)]
        rho2[s] = np.median(est)
    return rho2


def _minres(R, iterations=500):
    """rho_s^2 of the one-factor model fitted to every correlation (iterated principal axes).

    Negative correlations count as 0 (a source that disagrees is no evidence for the others).
    """
    R = np.clip(R, 0.0, None)
    off = R[np.triu_indices(len(R), k=1)]
    h = np.full(len(R), max(float(off.mean()), 0.01))
    for _ in range(iterations):
        M = R.copy()
        np.fill_diagonal(M, h)
        vals, vecs = np.linalg.eigh(M)
        new = np.clip(max(vals[-1], 0.0) * vecs[:, -1] ** 2, 0.0, 1.0)
        if np.max(np.abs(new - h)) < 1e-12:
            break
        h = new
    return h


def _local_pairs(grams, rng, k=10):
    """Each sampled word with its ``k`` nearest sampled words in every source (deduplicated),
    and as many random pairs: the (i, j) index arrays, i < j."""
    m = grams[0].shape[0]
    k = min(k, m - 1)
    found = set()
    for g in grams:
        g = g.copy()
        np.fill_diagonal(g, -np.inf)
        near = np.argpartition(-g, k - 1, axis=1)[:, :k]
        found.update((min(i, j), max(i, j)) for i in range(m) for j in near[i].tolist())
    n_local = len(found)
    while len(found) < 2 * n_local:
        i, j = rng.integers(0, m, 2)
        if i != j:
            found.add((min(i, j), max(i, j)))
    ij = np.array(sorted(found))
    return ij[:, 0], ij[:, 1]


def _rank(a):
    r = np.empty(a.size)
    r[np.argsort(a, kind="stable")] = np.arange(a.size)
    return r
