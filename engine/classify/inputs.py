"""What the classifiers take as ``X`` and ``y``: checks and conversions, done once per call.

``X`` is a list of texts (each a str or a list of tokens) or, for ``FewShotClassifier``, a
numeric ``(n, d)`` array of document vectors; ``y`` a 1-D array of class labels.

>>> as_text_list(("a goal", ["a", "soup"]), "texts")
['a goal', ['a', 'soup']]
>>> is_numeric_matrix([[0.5, 1.0]]), is_numeric_matrix(["a text"])
(True, False)
"""

import warnings

import numpy as np

from ..errors import ShapeError

__all__ = ["as_targets", "as_text_list", "bad_item", "chunks", "is_numeric_matrix"]


def as_text_list(texts, what):
    """``texts`` as a list (items are checked where they are encoded: a per-item loop here would
    cost as much as the native tokenizer)."""
    if isinstance(texts, str):
        raise ShapeError(f"{what}: expected a list of texts, got a single str; wrap it in a list")
    if texts is None or isinstance(texts, (dict, bytes)) or not hasattr(texts, "__iter__"):
        hint = "; pass list(d.values()) or list(d)" if isinstance(texts, dict) else ""
        raise ShapeError(f"{what}: expected a list of texts, got {type(texts).__name__}{hint}")
    if isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise ShapeError(f"{what}: expected a 1-D sequence of texts, got shape {texts.shape}")
        texts = texts.tolist()
    return texts if isinstance(texts, list) else list(texts)


def bad_item(texts, what):
    """ShapeError naming the first item that is neither a str nor a token list (None if none)."""
    for i, t in enumerate(texts):
        if not isinstance(t, (str, list, tuple)) or (
            not isinstance(t, str) and not all(isinstance(w, str) for w in t)
        ):
            return ShapeError(
                f"{what}: item {i} is a {type(t).__name__} ({t!r:.40}), expected a str or a list of str"
            )
    return None


def as_targets(y, n):
    """``y`` as a 1-D array of ``n`` class labels (a column vector is raveled with a warning)."""
    if y is None:
        raise ShapeError("this classifier requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; pass a 1-D array",
            _data_conversion_warning(),
            stacklevel=3,
        )
        y = y.ravel()
    if y.ndim != 1 or y.shape[0] != n:
        raise ShapeError(f"y: expected {n} labels (1-D), got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ShapeError("y: contains NaN or Inf; every example needs a class")
        if np.any(y != np.round(y)):
            raise ShapeError(
                "Unknown label type: continuous. y holds real numbers; a classifier needs class labels"
            )
    return y


def _data_conversion_warning():
    try:
        from sklearn.exceptions import DataConversionWarning

        return DataConversionWarning
    except ImportError:  # pragma: no cover
        return UserWarning


def is_numeric_matrix(X):
    """True for document vectors (a numeric array or nested numeric lists), False for texts."""
    if hasattr(X, "tocsr"):
        raise ShapeError("X: sparse matrices are not supported; give texts or a dense (n, d) array")
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "biufc" or (X.dtype.kind == "O" and X.ndim == 2)
    if not isinstance(X, (list, tuple)) and hasattr(X, "__array__"):
        return True
    if isinstance(X, (list, tuple)) and X and isinstance(X[0], (list, tuple, np.ndarray)):
        first = X[0]
        return (
            len(first) > 0
            and isinstance(first[0], (int, float, np.number))
            and not isinstance(first[0], bool)
        )
    return False


def chunks(seq, size):
    """Consecutive slices of ``seq`` of at most ``size`` items."""
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
