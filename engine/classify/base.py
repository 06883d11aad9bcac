"""The scikit-learn estimator contract shared by both classifiers, without importing scikit-learn.

scikit-learn is heavy and optional, so the classifiers do not derive from its
``BaseEstimator``; they follow its contract with this small base instead:

- ``__init__`` stores each parameter unchanged under its own name and does nothing else;
  parameters are checked (``_parameter_constraints``) when ``fit`` runs;
- ``get_params`` / ``set_params`` read and write exactly the constructor's parameters;
  ``clone`` (``__sklearn_clone__``) builds a new unfitted estimator from them, sharing the
  immutable vectors and the encoder (a large model) instead of deep-copying them;
- fitted state lives in attributes ending in ``_`` (``classes_`` ...), set by ``fit``;
- ``classes_`` is sorted (by type name, then value) and ``predict`` returns items of it;
- ``__sklearn_tags__`` tells scikit-learn what input and targets a classifier takes.
"""

from __future__ import annotations

import copy
import inspect
import math
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .._params import Interval, Options, check_params
from ..errors import EngineError
from .embedder import WEIGHTINGS, DocumentEmbedder, HasMethod
from .frequencies import FREQUENCY_SOURCES
from .proba import DEFAULT_TEMPERATURE

if TYPE_CHECKING:
    from .._typing import ArrayLike, Documents

__all__ = [
    "COMMON_CONSTRAINTS",
    "ClassifierBase",
    "class_array",
    "not_fitted_error",
    "top_class",
    "with_unknown",
]

# The parameters both classifiers share, declared once.
COMMON_CONSTRAINTS = {
    "weighting": [Options(WEIGHTINGS)],
    "temperature": [None, Interval(Real, 0, math.inf, closed="neither")],
    "encoder": [None, HasMethod("encode", "encode(texts) -> (n, d) array")],
    "sif_a": [Interval(Real, 0, None, closed="neither")],
    "n_components": [None, Interval(Integral, 0, None)],
    "chunk_size": [Interval(Integral, 1, None)],
    "frequencies": [Options(FREQUENCY_SOURCES)],
}


def class_array(names):
    """The ``classes_`` of a classifier: the names sorted by (type name, value).

    >>> class_array(["sport", "food", "cars"]).tolist()
    ['cars', 'food', 'sport']
    """
    return np.array(sorted(names, key=lambda c: (type(c).__name__, c)))


def top_class(classes, scores):
    """The class of each row's highest score (ties: the first class), as ``predict`` returns it.

    >>> top_class(class_array(["food", "sport"]), np.array([[0.1, 0.9], [0.5, 0.5]])).tolist()
    ['sport', 'food']
    """
    return classes[np.argmax(scores, axis=1)] if len(scores) else classes[:0]


def with_unknown(values, unknown, return_unknown):
    """What a call with ``return_unknown`` returns: ``(values, unknown)`` when asked, else ``values``.

    >>> with_unknown("scores", "mask", True), with_unknown("scores", "mask", False)
    (('scores', 'mask'), 'scores')
    """
    return (values, unknown) if return_unknown else values


def not_fitted_error(estimator):
    """scikit-learn's NotFittedError when it is installed, else an EngineError."""
    try:
        from sklearn.exceptions import NotFittedError
    except ImportError:  # pragma: no cover
        NotFittedError = EngineError
    return NotFittedError(f"this {type(estimator).__name__} is not fitted yet; call fit first")


_E = TypeVar("_E", bound="Estimator")


class Estimator:
    """scikit-learn's estimator contract over the constructor's parameters, stored unchanged:
    ``get_params``, ``set_params`` and ``clone`` (which shares ``_shared_params`` rather than
    deep-copying them)."""

    _shared_params: tuple[str, ...] = ("vectors",)  # immutable or large: a clone shares them

    @classmethod
    def _get_param_names(cls):
        return sorted(p for p in inspect.signature(cls.__init__).parameters if p != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters, as scikit-learn's ``get_params``.

        Parameters
        ----------
        deep : bool, default True
            Accepted for scikit-learn; no parameter nests another estimator.

        Returns
        -------
        dict of str to object
            Each constructor parameter's name and its current value.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["good", "bad"], np.eye(2))
        >>> engine.ZeroShotClassifier(v, ["good", "bad"]).get_params()["labels"]
        ['good', 'bad']
        """
        return {n: getattr(self, n) for n in self._get_param_names()}

    def set_params(self: _E, **params: Any) -> _E:
        """Set constructor parameters, as scikit-learn's ``set_params``; refit afterwards.

        Parameters
        ----------
        **params : object
            Constructor parameters by name; they are checked when ``fit`` runs.

        Returns
        -------
        estimator
            ``self``.

        Raises
        ------
        EngineError
            For a name that is not a constructor parameter.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["good", "bad"], np.eye(2))
        >>> engine.ZeroShotClassifier(v, ["good", "bad"]).set_params(temperature=0.5).temperature
        0.5
        """
        valid = self._get_param_names()
        for k, val in params.items():
            if k not in valid:
                raise EngineError(f"{type(self).__name__}: unknown parameter {k!r}; valid: {valid}")
            setattr(self, k, val)
        return self

    def __sklearn_clone__(self):
        # Vectors are immutable and an encoder is a (large) model: a clone shares them rather
        # than deep-copying gigabytes; every other parameter is deep-copied as scikit-learn does.
        params = {
            k: (v if k in self._shared_params else copy.deepcopy(v)) for k, v in self.get_params().items()
        }
        return type(self)(**params)


class ClassifierBase(Estimator):
    """Parameters (those both classifiers take are stored here), tags, accuracy and ``repr`` of a
    scikit-learn classifier; the parameter contract and cloning come from :class:`Estimator`."""

    _estimator_type = "classifier"
    _parameter_constraints = COMMON_CONSTRAINTS
    _shared_params = ("vectors", "encoder")  # not deep-copied by clone
    # what scikit-learn's tags say (a subclass overrides them)
    _takes_vectors = True  # X may be a numeric (n, d) array of document vectors
    _requires_fit = True
    _requires_y = True

    def __init__(
        self, vectors, labels, weighting, temperature, encoder, reference, sif_a, n_components, chunk_size
    ):
        # the parameters both classifiers take, stored unchanged (each subclass stores its own)
        self.vectors = vectors
        self.labels = labels
        self.weighting = weighting
        self.temperature = temperature
        self.encoder = encoder
        self.reference = reference
        self.sif_a = sif_a
        self.n_components = n_components
        self.chunk_size = chunk_size

    def _check_params(self):
        check_params(self)

    def _temperature(self):
        return DEFAULT_TEMPERATURE if self.temperature is None else float(self.temperature)

    def _make_embedder(self):
        """A DocumentEmbedder built from the parameters (None without vectors and encoder)."""
        if self.vectors is None and self.encoder is None:
            return None
        return DocumentEmbedder(
            self.vectors,
            self.weighting,
            reference=self.reference,
            sif_a=self.sif_a,
            n_components=self.n_components,
            encoder=self.encoder,
            lowercase=getattr(self, "lowercase", True),
            chunk_size=self.chunk_size,
            frequencies=self.frequencies,
        )

    def score(self, X: Documents | ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``, as scikit-learn's classifiers score.

        For a multi-label indicator, a row counts when every label is right (subset accuracy).

        Parameters
        ----------
        X : sequence of str or of token lists, or array of shape (n, d)
            The documents, as ``predict`` takes them.
        y : array-like of shape (n,) or (n, n_classes)
            The true classes (a 0/1 indicator for a multi-label classifier).
        sample_weight : array-like of shape (n,), optional
            Weights of the documents; equal weights by default.

        Returns
        -------
        float
            The (weighted) fraction of documents predicted right, between 0 and 1.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["good", "bad", "nice"], np.array([[1.0, 0], [0, 1], [0.9, 0.1]]))
        >>> clf = engine.ZeroShotClassifier(v, ["good", "bad"], weighting="mean").fit()
        >>> clf.score(["nice", "bad"], ["good", "bad"])
        1.0
        """
        pred = self.predict(X)
        y = np.asarray(y)
        hit = np.all(pred == y, axis=1) if pred.ndim == 2 else pred == y
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        return float(np.average(hit, weights=w))

    def __repr__(self):
        """The class and the parameters that differ from their defaults, as scikit-learn shows."""
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        shown = [
            f"{name}={_short(getattr(self, name))}"
            for name, default in defaults.items()
            if name != "self" and not _same(getattr(self, name), default)
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=self._requires_y),
            classifier_tags=ClassifierTags(
                multi_class=True, multi_label=bool(getattr(self, "multi_label", False))
            ),
            input_tags=InputTags(two_d_array=self._takes_vectors, string=True),
            requires_fit=self._requires_fit,
        )


def _same(value, default):
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except (TypeError, ValueError):  # arrays and the like
        return False


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
