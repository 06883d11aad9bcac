"""Scores → probabilities: a softmax with a temperature, or independent sigmoids (multi-label).

    P(label | doc) = softmax(score / T)                  single label
    P(label | doc) = 1 / (1 + exp(−(score − θ) / T))     multi-label: 0.5 at the threshold θ

A row flagged unknown (a text with no known word) gets 1/K for every label, never NaN.
"""

import numpy as np

__all__ = ["DEFAULT_TEMPERATURE", "DEFAULT_THRESHOLD", "sigmoid_proba", "softmax_proba"]

DEFAULT_TEMPERATURE = 0.05
DEFAULT_THRESHOLD = 0.3


def softmax_proba(scores, temperature, unknown=None):
    """Row-wise softmax of ``scores / temperature`` (float64, stable); unknown rows uniform.

    Parameters
    ----------
    scores : array (n, K)
    temperature : float > 0
    unknown : bool array (n,), optional

    Returns
    -------
    ndarray float64 (n, K), rows summing to 1.

    Examples
    --------
    >>> softmax_proba([[0.2, 0.1], [0.0, 0.0]], 0.05, [False, True]).round(3).tolist()
    [[0.881, 0.119], [0.5, 0.5]]
    """
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True) if z.size else z
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return _uniform_where(p, unknown)


def sigmoid_proba(scores, threshold, temperature, unknown=None):
    """Independent ``1 / (1 + exp(-(score - threshold) / temperature))``; unknown rows get 1/K.

    Parameters
    ----------
    scores : array (n, K)
    threshold : float
        The score at which a probability is 0.5.
    temperature : float > 0
    unknown : bool array (n,), optional

    Returns
    -------
    ndarray float64 (n, K).

    Examples
    --------
    >>> sigmoid_proba([[0.3, 0.5]], 0.3, 0.1).round(3).tolist()
    [[0.5, 0.881]]
    """
    z = (np.asarray(scores, dtype=np.float64) - threshold) / temperature
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function without overflow
    return _uniform_where(p, unknown)


def _uniform_where(p, unknown):
    if unknown is not None and np.any(unknown):
        p[np.asarray(unknown, dtype=bool)] = 1.0 / p.shape[1]
    return p
