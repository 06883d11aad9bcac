"""Document vectors from weighted bags of words, and their cosine scores with label vectors
(csrc/docvec.hpp): the kernels behind zero- and few-shot classification."""

import numpy as np

from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch
from ._arrays import as_matrix, in_range, is_indptr


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
    if not is_indptr(indptr, ids.size):
        raise ShapeError(f"{what}: indptr must start at 0, never decrease and end at len(ids)")
    if not in_range(ids, n_words):
        raise ShapeError(f"{what}: word ids must lie in [0, {n_words}), got {ids.min()}..{ids.max()}")
    if weights.size and not np.isfinite(weights).all():
        raise ShapeError(f"{what}: weights contain NaN or Inf")
    if components.shape[1] != d:
        raise ShapeError(f"{what}: components have {components.shape[1]} columns, vectors {d}")
    return indptr, ids, weights, emb, components


def doc_vectors(indptr, ids, weights, emb, components=None, normalize=True):
    """Weighted bag-of-words rows to document vectors.

    Row ``i`` is ``Σ_j weights[j]·emb[ids[j]]`` over ``j`` in ``indptr[i]:indptr[i+1]``, minus
    its projection on each (orthonormal) row of ``components``, then unit length when
    ``normalize`` (a zero vector stays zero).

    Parameters
    ----------
    indptr, ids, weights : array_like
        The documents as a CSR matrix: int64 row pointers, int32 word ids (rows of ``emb``),
        float32 weights.
    emb : array_like, float32 (n_words, d)
        The word vectors.
    components : array_like, float32 (c, d), optional
        Orthonormal directions removed from every document vector (SIF).
    normalize : bool
        Make every document vector unit length.

    Returns
    -------
    vectors : numpy.ndarray, float32 (n, d)
    norms : numpy.ndarray, float32 (n,)
        The lengths before normalisation.

    Examples
    --------
    >>> emb = np.array([[1, 0], [0, 1]], dtype=np.float32)
    >>> vectors, norms = doc_vectors([0, 2], [0, 1], [3.0, 4.0], emb)
    >>> vectors.astype(float).round(2).tolist(), norms.tolist()
    ([[0.6, 0.8]], [5.0])
    """
    indptr, ids, weights, emb, components = _check_csr(indptr, ids, weights, emb, components, "doc_vectors")
    out = np.empty((indptr.size - 1, emb.shape[1]), dtype=np.float32)
    norms = np.empty(indptr.size - 1, dtype=np.float32)
    _dispatch.active.doc_vectors(
        indptr, ids, weights, emb, components, bool(normalize), out, norms, get_num_threads()
    )
    return out, norms


def doc_scores(indptr, ids, weights, emb, labels, components=None, word_weights=None):
    """Cosine of each document vector with each label vector, without materialising the
    document vectors.

    Row ``i`` depends on row ``i`` only, so chunked calls give bit-identical results.

    Parameters
    ----------
    indptr, ids, weights, emb, components
        As in `doc_vectors`.
    labels : array_like, float32 (L, d)
        Unit label vectors.
    word_weights : array_like, float32 (n_words,), optional
        A weight per row of ``emb``: entry ``j`` then weighs ``weights[j] * word_weights[ids[j]]``.

    Returns
    -------
    scores : numpy.ndarray, float64 (n, L)
        A document with a zero vector scores 0.
    norms : numpy.ndarray, float32 (n,)
        The document vectors' lengths.

    Examples
    --------
    >>> emb = np.array([[1, 0], [0, 1]], dtype=np.float32)
    >>> scores, norms = doc_scores([0, 1, 1], [1], [2.0], emb, emb)
    >>> scores.tolist(), norms.tolist()
    ([[0.0, 1.0], [0.0, 0.0]], [2.0, 0.0])
    """
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
    _dispatch.active.doc_scores(
        indptr, ids, weights, word_weights, emb, components, labels, scores, norms, get_num_threads()
    )
    return scores, norms
