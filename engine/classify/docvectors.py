"""``DocumentVectors``: the SIF / idf / mean document embedder as a scikit-learn transformer.

Texts in, an ``(n, d)`` float32 array of unit document vectors out (the formulas are those of
``engine.classify.embedder``), so it sits in a ``Pipeline`` before any estimator that takes
numeric features. It follows scikit-learn's contract without importing scikit-learn: the
constructor stores its parameters unchanged, ``fit`` checks them and sets the fitted state
(attributes ending in ``_``), ``get_params`` / ``set_params`` / ``clone`` work on the
constructor's parameters.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .._params import Interval, Options, check_params
from ..errors import EngineError
from ..vectors import Vectors
from .base import Estimator, not_fitted_error
from .embedder import DEFAULT_CHUNK, WEIGHTINGS, DocumentEmbedder, lee_corpus
from .inputs import as_text_list

if TYPE_CHECKING:
    from .._typing import Documents

__all__ = ["DocumentVectors"]


class DocumentVectors(Estimator):
    """Texts → unit document vectors (SIF, idf or mean weighting), a scikit-learn transformer.

    A document's vector is the weighted mean of its known words' unit vectors, with SIF the
    projection on the reference corpus's first principal component removed, then normalised
    (Arora et al. 2017; the formulas are in ``engine.classify.embedder``). Word weights and the
    component are learnt by ``fit`` from a reference corpus: by default the Lee background corpus
    bundled with gensim (300 news articles; real English statistics even when ``fit`` sees a
    handful of texts), or the texts given to ``fit`` with ``reference=None``.

    Parameters
    ----------
    vectors : engine.Vectors
        The word vectors.
    weighting : {"sif", "idf", "mean"}, default "sif"
        ``"sif"``: a / (a + p(w)) with the first component removed; ``"idf"``: smoothed
        inverse document frequency; ``"mean"``: every word 1.
    reference : {"lee", None} or list of texts, default "lee"
        Where the statistics come from: ``"lee"`` (the Lee corpus, computed once per
        ``Vectors``) or a list of texts fits on those, and ``fit``'s texts are only checked;
        None fits on the texts given to ``fit`` (which then needs enough of them). SIF's p(w)
        comes from those texts; with ``"lee"`` it comes from where the classifiers take it (the
        vectors' counts, else wordfreq's lists when installed, else the Lee corpus).
    sif_a : float, default 1e-3
        SIF's smoothing constant ``a``.
    n_components : int, optional
        Principal components removed; None means 1 for SIF, 0 otherwise.
    lowercase : bool, default True
        Lowercase tokens before looking them up.
    chunk_size : int, default 8192
        Texts embedded at a time (bounds memory; never changes a result).

    Attributes
    ----------
    word_weights_ : ndarray of float32, shape (len(vectors),)
        weight(w) of every vocabulary word.
    components_ : ndarray of float32, shape (k, vector_size)
        The removed directions (orthonormal rows; k = 0 without SIF).
    n_features_out_ : int
        The dimension of the document vectors.

    See Also
    --------
    engine.ZeroShotClassifier : Scores the same document vectors against labels.

    Examples
    --------
    >>> import engine
    >>> dv = engine.DocumentVectors(engine.datasets.default_vectors()).fit()
    >>> X = dv.transform(["the team won the match", "a bowl of hot soup"])
    >>> X.shape, X.dtype.name
    ((2, 384), 'float32')

    In a scikit-learn pipeline:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> texts = ["a great goal", "the match ended", "fresh bread", "soup and salad"]
    >>> pipe = make_pipeline(engine.DocumentVectors(engine.datasets.default_vectors()),
    ...                      LogisticRegression())
    >>> pipe.fit(texts, ["sport", "sport", "food", "food"]).predict(["the team scored", "a bowl of soup"]).tolist()
    ['sport', 'food']
    """

    _parameter_constraints = {
        "vectors": [Vectors],
        "weighting": [Options(WEIGHTINGS)],
        "reference": [None, Options(("lee",)), list, tuple],
        "sif_a": [Interval(Real, 0, None, closed="neither")],
        "n_components": [None, Interval(Integral, 0, None)],
        "lowercase": [bool, np.bool_],
        "chunk_size": [Interval(Integral, 1, None)],
    }

    def __init__(
        self,
        vectors: Vectors | None = None,
        weighting: str = "sif",
        *,
        reference: str | Documents | None = "lee",
        sif_a: float = 1e-3,
        n_components: int | None = None,
        lowercase: bool = True,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        self.vectors = vectors
        self.weighting = weighting
        self.reference = reference
        self.sif_a = sif_a
        self.n_components = n_components
        self.lowercase = lowercase
        self.chunk_size = chunk_size

    # ---- scikit-learn's estimator contract ----
    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(),
            input_tags=InputTags(two_d_array=False, string=True),
            requires_fit=True,
        )

    def __repr__(self):
        shown = [f"weighting={self.weighting!r}"]
        if self.reference != "lee":
            shown.append(
                "reference=None" if self.reference is None else f"reference=<{len(self.reference)} texts>"
            )
        return f"DocumentVectors({', '.join(shown)})"

    # ---- fit and transform ----
    def fit(self, X: Documents | None = None, y: Any = None) -> DocumentVectors:
        """Learn the word weights and the removed component(s).

        Parameters
        ----------
        X : list of str or of token lists, optional
            The texts to learn from (required unless ``reference`` is set).
        y : ignored
            Accepted for pipelines.

        Returns
        -------
        DocumentVectors
            ``self``, fitted.

        Raises
        ------
        EngineError
            If a parameter is invalid, or there are no texts to fit on.

        Examples
        --------
        >>> import engine
        >>> dv = DocumentVectors(engine.datasets.default_vectors(), reference=None)
        >>> dv.fit(["a cat", "the dog sat"]).components_.shape
        (1, 384)
        """
        check_params(self, "DocumentVectors")
        emb = DocumentEmbedder(
            self.vectors,
            self.weighting,
            reference=None if self.reference in (None, "lee") else list(self.reference),
            sif_a=self.sif_a,
            n_components=self.n_components,
            lowercase=bool(self.lowercase),
            chunk_size=self.chunk_size,
            # texts named as the reference give SIF's p(w) too; "lee" takes the classifiers' default
            frequencies="auto" if self.reference == "lee" else "corpus",
        )
        if self.reference is None:
            if X is None:
                raise EngineError("DocumentVectors.fit: give the texts to fit on (or reference='lee')")
            emb.fit(as_text_list(X, "X"))
        else:
            if X is not None:
                as_text_list(X, "X")
            emb.fit(lee_corpus() if self.reference == "lee" else None)
        self.embedder_ = emb
        self.word_weights_ = emb.word_weights_
        self.components_ = emb.components_
        self.n_features_out_ = self.vectors.vector_size
        return self

    def transform(self, X: Documents) -> np.ndarray:
        """The unit document vector of each text (a zero row for a text with no known word).

        Parameters
        ----------
        X : list of str or of token lists
            The texts.

        Returns
        -------
        ndarray of float32, shape (len(X), vector_size)

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit`` (an ``EngineError`` if scikit-learn is not installed).

        Examples
        --------
        >>> import engine
        >>> dv = DocumentVectors(engine.datasets.default_vectors()).fit()
        >>> dv.transform(["zzzq"]).any()
        np.False_
        """
        if getattr(self, "embedder_", None) is None:
            raise not_fitted_error(self)
        return self.embedder_.transform(as_text_list(X, "X"))[0]

    def fit_transform(self, X: Documents, y: Any = None) -> np.ndarray:
        """``fit(X).transform(X)``.

        Parameters
        ----------
        X : list of str or of token lists
            The texts.
        y : ignored
            Accepted for pipelines.

        Returns
        -------
        ndarray of float32, shape (len(X), vector_size)

        Examples
        --------
        >>> import engine
        >>> DocumentVectors(engine.datasets.default_vectors()).fit_transform(["a cat", "a dog"]).shape
        (2, 384)
        """
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns, as scikit-learn's ``set_output`` and pipelines ask.

        Parameters
        ----------
        input_features : ignored
            Texts have no feature names.

        Returns
        -------
        ndarray of object
            ``documentvectors0``, ``documentvectors1``, ...

        Examples
        --------
        >>> import engine
        >>> dv = DocumentVectors(engine.datasets.default_vectors()).fit()
        >>> dv.get_feature_names_out()[:2].tolist()
        ['documentvectors0', 'documentvectors1']
        """
        if getattr(self, "embedder_", None) is None:
            raise not_fitted_error(self)
        return np.array([f"documentvectors{i}" for i in range(self.n_features_out_)], dtype=object)
