"""Filling a word a source lacks: from its n-grams, or by a ridge map from another source."""

import numpy as np

from ._sampling import _MIN_SHARED_FOR_MAP, _rows64, _sample


# ---------------------------------------------------------------- filling missing words
def _ngram_fill(fn, words, idx, dim):
    """Vectors for the words the source lacks, from its n-grams; updates ``idx`` to -2-k."""
    missing = np.flatnonzero(idx == -1)
    if missing.size == 0:
        return None, 0
    vecs = np.zeros((missing.size, dim), np.float32)
    for k, r in enumerate(missing):
        vecs[k] = fn(words[r])
    ok = np.isfinite(vecs).all(axis=1) & (np.abs(vecs).sum(axis=1) > 0)
    vecs = vecs[ok]
    idx[missing[ok]] = -2 - np.arange(vecs.shape[0])
    return vecs, int(ok.sum())


def fill_map(X_from, X_to, ridge=0.1):
    """Ridge least-squares map ``A`` with ``X_from @ A ≈ X_to`` (rows: the same words).

    ``A = (X_f^T X_f + lam I)^-1 X_f^T X_t`` with ``lam = ridge * trace(X_f^T X_f) / D_f``
    (the penalty relative to the mean eigenvalue, so ``ridge`` means the same for any source).

    Parameters
    ----------
    X_from : array, shape (n, D_f)
        The shared words' vectors in the source the map reads.
    X_to : array, shape (n, D_t)
        The same words' vectors in the source it predicts.
    ridge : float, default 0.1
        The penalty, relative to the mean eigenvalue of ``X_f^T X_f``.

    Returns
    -------
    ndarray of float64, shape (D_f, D_t)
        The map ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> F = rng.normal(size=(200, 5)); T = F @ rng.normal(size=(5, 3))
    >>> A = fill_map(F, T, ridge=0.0)
    >>> bool(np.allclose(F @ A, T))
    True
    """
    X_from = np.asarray(X_from, np.float64)
    X_to = np.asarray(X_to, np.float64)
    G = X_from.T @ X_from
    lam = ridge * np.trace(G) / max(G.shape[0], 1)
    G[np.diag_indices_from(G)] += lam
    try:
        return np.linalg.solve(G, X_from.T @ X_to)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(G, X_from.T @ X_to, rcond=None)[0]


def _fill_maps(sources, idx, ridge, max_train, rng):
    """Per pair (t, s), the map predicting s from t, learned on the words both have."""
    S = len(sources)
    maps = [None] * (S * S)
    for s in range(S):
        if not (idx[s] == -1).any():
            continue
        for t in range(S):
            if t == s:
                continue
            both = np.flatnonzero((idx[s] >= 0) & (idx[t] >= 0))
            if both.size < _MIN_SHARED_FOR_MAP:
                continue
            rows = _sample(both, max_train, rng)
            A = fill_map(_rows64(sources[t], idx[t][rows]), _rows64(sources[s], idx[s][rows]), ridge)
            maps[t * S + s] = np.ascontiguousarray(A, dtype=np.float32)
    return maps


def _count_map_fills(idx, maps, counts):
    S = len(idx)
    for s in range(S):
        missing = idx[s] == -1
        fillable = np.zeros_like(missing)
        for t in range(S):
            if maps[t * S + s] is not None:
                fillable |= idx[t] != -1
        counts[s]["filled_map"] = int((missing & fillable).sum())
