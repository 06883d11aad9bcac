"""Few-shot classification: class prototypes from a few examples, blended with label descriptions."""

from __future__ import annotations

import math
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _kernels
from .._docstrings import fill_doc
from .._params import Interval, Options
from ..errors import EngineError, ShapeError
from .base import COMMON_CONSTRAINTS, ClassifierBase, class_array, not_fitted_error, top_class, with_unknown
from .embedder import DEFAULT_CHUNK
from .inputs import as_targets, is_numeric_matrix
from .labels import label_spec
from .proba import softmax_proba

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from .._typing import ArrayLike, Documents
    from ..vectors import Vectors

__all__ = ["FewShotClassifier"]


@fill_doc
class FewShotClassifier(ClassifierBase):
    """Few-shot classifier: class prototypes from k examples, blended with label descriptions.

    The prototype of class ``c`` is the direction of ``λ·label_c + Σ_i doc_i`` over its
    examples (unit document vectors, ``λ = prior_weight``): the label description counts as
    ``λ`` pseudo-examples, so with no examples it is the zero-shot label vector and each example
    moves it (prototypical networks with the cosine). Scores are cosines to the prototypes;
    probabilities a softmax with temperature ``T``.

    ``X`` is a list of texts, or a numeric ``(n, d)`` array of document vectors (e.g. from
    ``embed``); with an array and no ``vectors`` it is a nearest-centroid classifier (cosine).

    >>> import engine
    >>> v = engine.datasets.default_vectors()
    >>> fs = engine.FewShotClassifier(v).fit(["great match", "tasty soup"], ["sport", "food"])
    >>> fs.predict(["the team scored a goal"]).tolist()
    ['sport']
    >>> fs.partial_fit(["a fast car"], ["cars"]).classes_.tolist()
    ['cars', 'food', 'sport']

    Parameters
    ----------
    vectors : engine.Vectors, optional
        Word vectors that embed texts; not needed for numeric ``X`` or with ``encoder``.
    labels : list of str, or dict name → description (str) or word list, optional
        Label descriptions (``engine.classify.labels``): each counts as ``prior_weight``
        examples of its class; a class named here without examples stays zero-shot.
    weighting : {"sif", "idf", "mean"}
        How words are weighted into document vectors (``engine.classify.embedder``).
    prior_weight : float >= 0 (``inf`` allowed) or "auto"
        ``λ``, the weight of a label description against one example (``inf``: the description
        alone wherever a class has one, i.e. zero-shot). ``"auto"`` (the default)
        chooses it from the examples themselves by leave-one-out (``prior_weight_``): each
        example is scored against the prototypes built without it, for every ``λ`` of
        ``PRIOR_GRID``; the answer is ∞ (the label description alone, i.e. zero-shot) unless
        some finite ``λ`` lowers the held-out log-loss significantly (a one-sided sign-flip test
        at level ``PRIOR_ALPHA`` on the paired per-example differences, see
        ``loo_prior_weight``), and then the finite ``λ`` with the smallest loss. So k examples
        should not do worse than zero-shot on average: with too few of them to tell (at most
        four held out) it *is* zero-shot.
    temperature : float, optional
        Softmax temperature ``T``; default 0.05.
    encoder : object with ``encode(texts) -> (n, d) array``, optional
        Contextual encoder used instead of word vectors.
    reference, sif_a, n_components, chunk_size, frequencies
        As for ``ZeroShotClassifier``.

    Attributes
    ----------
    classes_ : ndarray
        The classes (of ``y`` and ``labels``), sorted.
    prototypes_ : float32 (n_classes, d)
        Unit prototypes, rows in ``classes_`` order.
    class_counts_ : ndarray of int
        Examples with a known word per class.
    prior_weight_ : float
        The ``λ`` used (``prior_weight``, or the one leave-one-out chose; may be ``inf``).
    n_features_in_ : int
        Dimension of the document vectors.
    embedder_ : DocumentEmbedder or None
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        # inf (the descriptions alone) too: prior_weight_ may be inf and must be a valid input
        "prior_weight": [Interval(Real, 0, None), Options(("auto", math.inf))],
    }

    def __init__(
        self,
        vectors: Vectors | None = None,
        labels: Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
        weighting: str = "sif",
        prior_weight: float | str = "auto",
        temperature: float | None = None,
        encoder: Any = None,
        reference: Documents | None = None,
        sif_a: float = 1e-3,
        n_components: int | None = None,
        chunk_size: int = DEFAULT_CHUNK,
        frequencies: str = "auto",
    ) -> None:
        super().__init__(
            vectors, labels, weighting, temperature, encoder, reference, sif_a, n_components, chunk_size
        )
        self.prior_weight = prior_weight
        self.frequencies = frequencies

    # ---- fitting ----
    def _setup(self):
        self._check_params()
        self._T = self._temperature()
        self.embedder_ = self._make_embedder()
        spec = label_spec(self.labels) if self.labels is not None else {}
        if spec and self.embedder_ is None:
            raise EngineError("label descriptions need word vectors or an encoder to embed them")
        self._prior = {}
        if spec:
            L, _ = self.embedder_.label_vectors(spec)
            self._prior = {name: L[i] for i, name in enumerate(spec)}
        self._sums, self._counts, self._rows = {}, {}, {}

    def fit(self, X: Documents | ArrayLike, y: ArrayLike) -> FewShotClassifier:
        """Prototypes from the examples ``X`` with classes ``y`` (replaces any earlier fit).

        Parameters
        ----------
        %(fewshot_X)s
        y : array (n,) of class labels
            Classes named in ``labels`` but without examples stay zero-shot.

        %(returns_self)s

        %(examples_fewshot)s
        >>> fs.classes_.tolist()
        ['food', 'sport']
        """
        self._setup()
        return self._add(X, y, reset_features=True)

    def partial_fit(
        self, X: Documents | ArrayLike, y: ArrayLike, classes: Iterable[Any] | None = None
    ) -> FewShotClassifier:
        """Add examples (new classes allowed); the first call also sets up like ``fit``.

        Parameters
        ----------
        X : sequence of str or of token lists, or array of shape (n, d)
            The examples, as for :meth:`fit`.
        y : array (n,) of class labels
            The class of each example.
        classes : iterable, optional
            Classes to know even before they have examples.

        Returns
        -------
        FewShotClassifier
            ``self``, with the examples added to its prototypes.

        Examples
        --------
        >>> import engine
        >>> fs = engine.FewShotClassifier(engine.datasets.default_vectors())
        >>> fs.partial_fit(["great match"], ["sport"]).partial_fit(["a fast car"], ["cars"]).classes_.tolist()
        ['cars', 'sport']
        """
        first = not hasattr(self, "_sums")
        if first:
            self._setup()
        self._add(X, y, reset_features=first)
        if classes is not None:
            self._ensure_classes(list(classes))
        return self

    def _add(self, X, y, reset_features):
        D, _ = self._embed(X, reset=reset_features)
        y = as_targets(y, D.shape[0])
        if D.shape[0] == 0 and not self._prior:
            raise ShapeError("fit: no examples and no label descriptions: nothing to learn from")
        for c in np.unique(y) if y.size else []:
            rows = D[y == c]
            key = c.item() if isinstance(c, np.generic) else c
            self._sums[key] = self._sums.get(key, 0.0) + rows.astype(np.float64).sum(axis=0)
            self._counts[key] = self._counts.get(key, 0) + int(np.any(rows != 0, axis=1).sum())
            self._rows.setdefault(key, []).append(rows)
        self._ensure_classes([])
        return self

    def _ensure_classes(self, extra):
        for c in extra:
            self._sums.setdefault(c, 0.0)
            self._counts.setdefault(c, 0)
        names = set(self._sums) | set(self._prior)
        self.classes_ = class_array(names)
        S, L = self._class_arrays()
        lam = self.prior_weight
        if lam == "auto":
            lam = loo_prior_weight(S, L, *self._example_rows(), self._T)
        self.prior_weight_ = float(lam)
        self.prototypes_ = _unit(_blend(S, L, lam)).astype(np.float32)
        self.class_counts_ = np.array([self._counts.get(c, 0) for c in self.classes_.tolist()])

    def _class_arrays(self):
        """Per class (``classes_`` order): the sum of its examples and its prior (zero if none)."""
        d = self._dim()
        S = np.zeros((len(self.classes_), d), dtype=np.float64)
        L = np.zeros_like(S)
        for i, c in enumerate(self.classes_.tolist()):
            s = self._sums.get(c, 0.0)
            if np.ndim(s):
                S[i] = s
            if c in self._prior:
                L[i] = self._prior[c]
        return S, L

    def _example_rows(self):
        """Every example (float64 rows) and the index of its class in ``classes_``."""
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        rows = [(r, index[c]) for c, parts in self._rows.items() for r in parts if len(r)]
        if not rows:
            return np.zeros((0, self._dim())), np.zeros(0, dtype=np.int64)
        E = np.concatenate([r for r, _ in rows]).astype(np.float64)
        y = np.concatenate([np.full(len(r), i, dtype=np.int64) for r, i in rows])
        return E, y

    def _dim(self):
        if self._prior:
            return next(iter(self._prior.values())).shape[0]
        return self.n_features_in_

    def _embed(self, X, reset=False):
        if is_numeric_matrix(X):
            X = np.asarray(X)
            if X.dtype.kind == "c":
                raise ShapeError("X: Complex data not supported")
            if X.ndim != 2:
                raise ShapeError(
                    f"X: expected a 2-D array of document vectors, got shape {X.shape}. "
                    "Reshape your data with X.reshape(-1, 1) for one feature or "
                    "X.reshape(1, -1) for one sample"
                )
            D = _kernels.as_matrix(X, "X")
            if D.shape[1] == 0:
                raise ShapeError(f"X: 0 feature(s) (shape={D.shape}) while a minimum of 1 is required.")
            if (
                self.embedder_ is not None
                and self.embedder_.encoder is None
                and D.shape[1] != self.embedder_.dim
            ):
                raise ShapeError(f"X: {D.shape[1]} features, the vectors have {self.embedder_.dim}")
            if reset:
                self.n_features_in_ = D.shape[1]
            elif hasattr(self, "n_features_in_") and D.shape[1] != self.n_features_in_:
                raise ShapeError(
                    f"X has {D.shape[1]} features, but {type(self).__name__} "
                    f"is expecting {self.n_features_in_} features as input"
                )
            D, norms = _kernels.normalize_rows(D)
            return D, ~(norms > 0)
        if self.embedder_ is None:
            raise EngineError("texts need word vectors (vectors=...) or an encoder (encoder=...)")
        D, unknown = self.embedder_.transform(X)
        if reset:
            self.n_features_in_ = D.shape[1]
        return D, unknown

    # ---- prediction ----
    def _check_fitted(self):
        if not hasattr(self, "prototypes_"):
            raise not_fitted_error(self)

    def embed(self, X: Documents | ArrayLike) -> np.ndarray:
        """Unit document vectors of ``X``.

        %(parameters_fewshot_X)s

        Returns
        -------
        ndarray float32 (n, d)

        %(examples_fewshot)s
        >>> fs.embed(["a goal"]).shape
        (1, 384)
        """
        self._check_fitted()
        return self._embed(X)[0]

    def _scores(self, X):
        self._check_fitted()
        if self.embedder_ is not None and not is_numeric_matrix(X):
            return self.embedder_.scores(X, self.prototypes_)
        D, unknown = self._embed(X)
        return D.astype(np.float64) @ self.prototypes_.T.astype(np.float64), unknown

    def decision_function(self, X: Documents | ArrayLike) -> np.ndarray:
        """Cosine of each text to each class prototype.

        %(parameters_fewshot_X)s

        Returns
        -------
        ndarray float64 (n, n_classes); with two classes, as scikit-learn expects, the 1-D
        ``cos(classes_[1]) − cos(classes_[0])``.

        %(examples_fewshot)s
        >>> fs.decision_function(["a goal", "a bowl of soup"]).shape
        (2,)
        """
        scores, _ = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(
        self, X: Documents | ArrayLike, return_unknown: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """softmax(cosine / T) over the classes; 1/K for a text with no known word.

        Parameters
        ----------
        %(fewshot_X)s
        %(return_unknown)s

        Returns
        -------
        ndarray float64 (n, n_classes), columns in ``classes_`` order, or ``(proba, unknown)``.

        %(examples_fewshot)s
        >>> fs.predict_proba(["qqqzz"]).tolist()
        [[0.5, 0.5]]
        """
        scores, unknown = self._scores(X)
        return with_unknown(softmax_proba(scores, self._T, unknown), unknown, return_unknown)

    def predict(self, X: Documents | ArrayLike) -> np.ndarray:
        """The class of the nearest prototype (the first class for a text with no known word).

        %(parameters_fewshot_X)s

        Returns
        -------
        ndarray (n,) of items of ``classes_``
            The class of each text's nearest prototype.

        %(examples_fewshot)s
        >>> fs.predict(["the team scored a goal"]).tolist()
        ['sport']
        """
        scores, _ = self._scores(X)  # first: NotFittedError before fit
        return top_class(self.classes_, scores)


# λ candidates for prior_weight="auto": pseudo-examples a label description counts for (∞: alone).
PRIOR_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0, np.inf)
# prior_weight="auto" leaves zero-shot (λ = ∞) only when the held-out examples' log-loss improves
# with significance PRIOR_ALPHA (one-sided sign-flip test; chosen on the quality sets, see docs).
PRIOR_ALPHA = 0.05
# Up to this many held-out examples the sign-flip test enumerates every sign pattern (2^n rows);
# above it, the normal approximation of the same permutation distribution.
EXACT_FLIPS = 14


def _blend(S, L, lam):
    """Prototype directions ``λ·L + S`` (``λ = ∞``: ``L`` where a class has a prior, else ``S``)."""
    if np.isinf(lam):
        has_prior = np.any(L != 0, axis=1)
        return np.where(has_prior[:, None], L, S)
    return lam * L + S


def _unit(P):
    norms = np.linalg.norm(P, axis=-1, keepdims=True)
    return P / np.where(norms > 0, norms, 1.0)


def loo_prior_weight(S, L, E, y, temperature, grid=PRIOR_GRID, alpha=PRIOR_ALPHA):
    """``λ = ∞`` (zero-shot) unless a finite ``λ`` of ``grid`` does significantly better on
    held-out examples; then the finite ``λ`` of smallest leave-one-shot-out log-loss among those.

    The examples are split into rounds: round ``r`` holds out the ``r``-th example of every class
    that has two or more, so that every class's prototype ``λ·L + S`` loses one example at once
    (as if each class had one example fewer: the comparison stays fair between classes). Each
    held-out example is scored by its cosines with those prototypes through the classifier's
    softmax at ``temperature``. With a single example per class, holding all out leaves the label
    priors alone for every ``λ``, so each example is held out by itself (its own class loses it,
    the others keep theirs). A finite ``λ`` is a candidate only if its per-example log-losses
    ``l_i(λ)`` beat the zero-shot ones ``l_i(∞)`` — scored in the same rounds, so the differences
    ``d_i = l_i(λ) − l_i(∞)`` are paired — by a one-sided sign-flip (permutation) test at level
    ``alpha``: ``p = P(Σ ±|d_i| ≤ Σ d_i)`` over the ``2^n`` sign patterns (exact for ``n ≤ 14``,
    else its normal approximation ``Φ(Σd / √Σd²)``). The smallest ``p`` is ``2^-n``, so with few
    examples (``n ≤ 4`` at ``alpha = 0.05``) the answer is always zero-shot: the rule only departs
    from the descriptions when the examples themselves say so clearly. Without examples or without
    any prior ``λ`` does not matter: 1.0.

    Parameters
    ----------
    S, L : ndarray (C, d)
        Per class, the sum of its unit examples and its unit label prior (zero rows: none).
    E : ndarray (n, d)
        The unit examples.
    y : ndarray of int (n,)
        Each example's class row.
    temperature : float
        The softmax temperature of the classifier.
    grid : sequence of float
        The candidates, ``inf`` meaning the prior alone (always the fallback).
    alpha : float
        Significance level of the test against zero-shot.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> L = np.eye(2, 3)                                   # two label priors
    >>> E = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])   # examples orthogonal to both: useless
    >>> float(loo_prior_weight(E.copy(), L, E, np.array([0, 1]), 0.05))
    inf
    """
    if len(E) == 0 or not np.any(L):
        return 1.0
    folds = _shot_folds(y, S.shape[0])
    zero_shot = _loo_losses(S, L, E, y, folds, np.inf, temperature)
    best, best_loss = np.inf, np.inf
    for lam in sorted((g for g in grid if not np.isinf(g)), reverse=True):
        losses = _loo_losses(S, L, E, y, folds, lam, temperature)
        diff = losses - zero_shot
        if diff.sum() < 0 and sign_flip_p(diff) < alpha and losses.sum() < best_loss - 1e-9:
            best, best_loss = lam, float(losses.sum())
    return best


def sign_flip_p(diff):
    """One-sided p-value of ``mean(diff) < 0`` under the sign-flip (paired permutation) test.

    Under the null hypothesis each difference is as likely to have either sign, so the observed
    sum is compared with the sums of ``±|d_i|`` over all ``2^n`` sign patterns (ties count
    against): exact for ``n ≤ EXACT_FLIPS``, else the normal approximation of that distribution
    (mean 0, variance ``Σ d_i²``). It assumes no shape of the differences (log-loss differences
    are skewed; a t-test at small ``n`` is not conservative on them).

    Parameters
    ----------
    diff : array_like (n,)
        Paired differences (negative: the alternative is better).

    Returns
    -------
    float
        The p-value, in ``[2^-n, 1]`` for the exact test.

    Examples
    --------
    >>> sign_flip_p([-1.0, -2.0, -0.5])          # all three better: 1 pattern of 8 as low
    0.125
    >>> sign_flip_p([-1.0, 1.0])
    0.75
    """
    d = np.asarray(diff, dtype=np.float64)
    observed = float(d.sum())
    if d.size <= EXACT_FLIPS:
        signs = 1.0 - 2.0 * ((np.arange(2**d.size)[:, None] >> np.arange(d.size)) & 1)
        sums = signs @ np.abs(d)
        return float(np.mean(sums <= observed + 1e-12 * max(1.0, float(np.abs(d).sum()))))
    scale = float(np.sqrt(np.sum(d * d)))
    if scale == 0.0:
        return 1.0
    return 0.5 * math.erfc(-observed / scale / math.sqrt(2.0))


def _shot_folds(y, n_classes):
    """Index arrays of the held-out examples of each round (see ``loo_prior_weight``)."""
    counts = np.bincount(y, minlength=n_classes)
    if counts.max() < 2:
        return [np.array([i]) for i in range(len(y))]
    rank = np.empty(len(y), dtype=np.int64)
    for c in np.flatnonzero(counts):
        members = np.flatnonzero(y == c)
        rank[members] = np.arange(members.size) if members.size > 1 else -1
    return [np.flatnonzero(rank == r) for r in range(int(counts.max()))]


def _loo_losses(S, L, E, y, folds, lam, temperature):
    """Each example's log-loss under the prototypes of its round (built without that round)."""
    out = np.zeros(len(y))
    for held in folds:
        S_fold = S.copy()
        np.add.at(S_fold, y[held], -E[held])
        P = _unit(_blend(S_fold, L, lam))
        z = (E[held] @ P.T) / temperature
        z -= z.max(axis=1, keepdims=True)
        out[held] = np.log(np.exp(z).sum(axis=1)) - z[np.arange(held.size), y[held]]
    return out
