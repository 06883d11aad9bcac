"""Distilled static vectors: a sentence encoder's vector of every vocabulary word, as a ``Vectors``.

model2vec's recipe (Tulkens & van Dongen 2024), on engine's vocabulary and encoder:

1. every vocabulary word goes through the encoder alone (``encoder.encode([word])``: for
   all-MiniLM-L6-v2 the mean of the last layer over ``[CLS]``, the word's pieces and ``[SEP]``);
2. PCA: the vectors are centred and rotated onto their principal axes, keeping ``dim`` of them.
   Centring removes the direction every word shares (transformer outputs are anisotropic: any two
   words have a high cosine), so cosines compare what differs between words;
3. frequency weighting: each row is scaled by ``a / (a + p(w))`` (SIF's weight, ``a =
   sif_coefficient``), p(w) from ``wordfreq``'s lists when installed, else Zipf's law on the
   vocabulary's order (p ∝ 1 / rank, the vocabulary taken as sorted by frequency). The weight is
   kept in the row norms (``Vectors.norms``): ``most_similar`` and the classifiers use unit rows
   (the classifiers weigh words by SIF themselves), while a plain sum of raw rows — what
   model2vec's ``encode`` does — down-weights frequent words.

The result is an ordinary ``Vectors`` served by the static kernels: zero-shot and few-shot
classification, search and meta-embeddings at the static speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from ._params import Interval, Options, validate_params
from .errors import EngineError, ShapeError
from .vectors import Vectors

__all__ = ["distill"]


@validate_params(
    dim=[None, Interval(Integral, 1, None)],
    frequencies=[Options(("auto", "wordfreq", "zipf"))],
    sif_coefficient=[Interval(Real, 0, None, closed="neither")],
)
def distill(
    encoder: Any = None,
    vocabulary: Sequence[str] | Vectors | None = None,
    *,
    dim: int | None = 256,
    frequencies: str = "auto",
    sif_coefficient: float = 1e-4,
) -> Vectors:
    """Static word vectors distilled from a sentence encoder (model2vec's recipe; module docstring).

    Parameters
    ----------
    encoder : object with ``encode(list_of_str) -> (n, d) array``, optional
        Default ``engine.ContextualEncoder()`` (the bundled all-MiniLM-L6-v2; needs the
        ``contextual`` extra).
    vocabulary : list of str or Vectors, optional
        The words to distil, most frequent first (the order Zipf weighting assumes); default the
        words of ``engine.datasets.default_vectors()`` (MiniLM's 21,745 whole-word pieces).
        Duplicates are dropped.
    dim : int, optional
        Principal components kept (at most the encoder's dimension and the number of words);
        None keeps them all (the rotation and the centring still apply).
    frequencies : {"auto", "wordfreq", "zipf"}
        Where p(w) comes from: ``wordfreq`` (``"auto"``: when installed), or Zipf on the order.
    sif_coefficient : float > 0
        ``a`` in the weight ``a / (a + p(w))`` (model2vec's default 1e-4).

    Returns
    -------
    Vectors
        ``len(vocabulary)`` words × ``dim``; ``meta["distill"]`` records how it was made.

    Raises
    ------
    EngineError
        An empty vocabulary, a word that is not a non-empty str, or an encoder whose output has
        the wrong number of rows or a non-finite value.

    Examples
    --------
    >>> import numpy as np, engine
    >>> class Letters:                      # a toy encoder: letter counts
    ...     def encode(self, texts):
    ...         return np.array([[t.count(c) for c in "abcdefgh"] for t in texts], float)
    >>> v = engine.distill(Letters(), ["bad", "cab", "dab", "fed", "gag", "hag"], dim=3, frequencies="zipf")
    >>> len(v), v.vector_size
    (6, 3)
    """
    words = _vocabulary(vocabulary)
    if encoder is None:
        from .contextual import ContextualEncoder

        encoder = ContextualEncoder()
    X = np.asarray(encoder.encode(words), dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != len(words):
        raise ShapeError(f"distill: the encoder returned shape {X.shape} for {len(words)} words")
    if not np.isfinite(X).all():
        raise EngineError("distill: the encoder returned a non-finite value")
    Z, kept = _pca(X, dim)
    p, source = _probabilities(words, frequencies)
    weights = sif_coefficient / (sif_coefficient + p)
    info = {
        "dim": kept,
        "frequencies": source,
        "sif_coefficient": float(sif_coefficient),
        "words": len(words),
    }
    return Vectors(words, (Z * weights[:, None]).astype(np.float32), meta={"distill": info})


def _vocabulary(vocabulary):
    if vocabulary is None:
        from .datasets import default_vectors

        vocabulary = default_vectors()
    words = vocabulary.index_to_key if isinstance(vocabulary, Vectors) else vocabulary
    if isinstance(words, str):
        raise EngineError("distill: vocabulary must be a list of words, not one str")
    words = list(dict.fromkeys(words))
    if not words:
        raise EngineError("distill: the vocabulary is empty")
    bad = next((w for w in words if not isinstance(w, str) or not w.strip()), None)
    if bad is not None:
        raise EngineError(f"distill: every word must be a non-empty str, got {bad!r}")
    return words


def _pca(X, dim):
    """Centred rows projected on their top ``dim`` principal axes (signs fixed), and ``dim``."""
    Xc = X - X.mean(axis=0)
    evals, evecs = np.linalg.eigh(Xc.T @ Xc)
    order = np.argsort(evals)[::-1]
    keep = min(dim or X.shape[1], X.shape[1], X.shape[0])
    V = evecs[:, order[:keep]]
    V *= np.where(V[np.argmax(np.abs(V), axis=0), np.arange(keep)] < 0, -1.0, 1.0)  # largest entry > 0
    return Xc @ V, keep


def _probabilities(words, frequencies):
    """p(w) of each word and where it came from."""
    from .classify.frequencies import have_wordfreq, wordfreq_probabilities

    if frequencies == "wordfreq" or (frequencies == "auto" and have_wordfreq()):
        return wordfreq_probabilities(words), "wordfreq"
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    return (1.0 / ranks) / np.sum(1.0 / ranks), "zipf"
