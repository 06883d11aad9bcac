"""Zero-shot classification: texts into labels known only by their names or descriptions.

Scores are cosines of unit document vectors with unit label vectors (``embedder``), one matrix
product for a whole batch, or minus the Word Mover's Distance to the label's words; probabilities
come from ``proba`` (a softmax, or independent sigmoids around a threshold for multi-label use).
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .._docstrings import fill_doc
from .._params import Interval, Options, check
from .._text import tokenize as _tokenize
from ..errors import EngineError, ShapeError
from .base import COMMON_CONSTRAINTS, ClassifierBase, class_array, top_class, with_unknown
from .embedder import DEFAULT_CHUNK
from .inputs import as_text_list
from .labels import expand_with_neighbors, label_spec
from .proba import DEFAULT_THRESHOLD, sigmoid_proba, softmax_proba

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from .._typing import ArrayLike, Document, Documents
    from ..vectors import Vectors

__all__ = ["SCORERS", "Explanation", "ZeroShotClassifier"]

SCORERS = ("cosine", "wmd")


@dataclass
class Explanation:
    """Each known word's contribution to each label's score; contributions sum to the scores.

    ``contributions[i, k]`` is word ``words[i]``'s share of ``scores[k]``: for the cosine scorer
    ``alpha_i · (e_i − Σ (e_i·u)u) · label_k / ‖v'‖`` (see ``engine.classify.embedder``).
    """

    words: list
    contributions: np.ndarray  # float64 (n_words, n_labels)
    scores: np.ndarray  # float64 (n_labels,)
    classes: list
    unknown_words: list = field(default_factory=list)

    def top(self, label, n=5):
        """The ``n`` words that push ``label``'s score up the most, as ``(word, contribution)``."""
        k = self.classes.index(label)
        order = np.argsort(-self.contributions[:, k], kind="stable")[:n]
        return [(self.words[i], float(self.contributions[i, k])) for i in order]


@fill_doc
class ZeroShotClassifier(ClassifierBase):
    """Classify texts into labels described only by names or descriptions.

    A scikit-learn estimator whose classes are given up front: ``fit()`` (no data needed) builds
    the label state; ``fit(texts)`` also fits the weighting statistics on ``texts``. Predicting
    with a classifier never fitted works too: it fits a copy for that call and leaves the
    classifier as it was, so call ``fit()`` once when predicting many batches.

    >>> import engine
    >>> clf = engine.ZeroShotClassifier(engine.datasets.default_vectors(),
    ...     {"sport": "sport football team game", "food": "food cooking meal recipe"})
    >>> clf.predict(["the team won the match", "bake the bread in the oven"]).tolist()
    ['sport', 'food']
    >>> round(float(clf.predict_proba(["the team won the match"]).sum()), 6)
    1.0
    >>> clf.fit().classes_.tolist()
    ['food', 'sport']

    Parameters
    ----------
    vectors : engine.Vectors
        Word vectors (ignored for embedding when ``encoder`` is given, still needed for WMD).
    labels : list of str, or dict name → description (str) or word list
        A name alone is its own description (underscores read as spaces). Unknown words of a
        description are dropped (listed in ``label_dropped_words_``); a word list must be all
        known; a label with no known word is a VocabularyError.
    weighting : {"sif", "idf", "mean"}
        How words are weighted into document and label vectors (``engine.classify.embedder``).
    scorer : {"cosine", "wmd"}
        Cosine of the document vectors, or minus the Word Mover's Distance (``engine.WMD``)
        between the text and the label's words (no weighting or component removal then).
    multi_label : bool
        Independent probability per label (sigmoid around ``threshold``) instead of a softmax.
    temperature : float, optional
        Softmax / sigmoid temperature ``T``; default 0.05 (a 0.1 cosine margin → odds e² ≈ 7.4).
    threshold : float, optional
        Multi-label score at which a label's probability is 0.5 and ``predict`` switches it on;
        default 0.3 (a cosine; set it per task).
    encoder : object with ``encode(texts) -> (n, d) array``, optional
        Contextual encoder used instead of word vectors for texts and labels.
    reference : texts, optional
        Corpus the weighting statistics are fitted on (default: gensim's Lee background corpus).
    sif_a, n_components, lowercase, chunk_size
        SIF's ``a``; principal components removed (default 1 for SIF, else 0); lowercase tokens;
        texts embedded per chunk (memory bound for long inputs).
    frequencies : {"auto", "counts", "wordfreq", "corpus"}
        Where SIF's p(w) comes from (``engine.classify.embedder``): ``"auto"`` takes the
        vectors' counts, else ``wordfreq``'s lists when installed, else the reference corpus.
    label_neighbors : int
        Append to each label's description the nearest words of its words in ``vectors``
        (``labels.expand_with_neighbors``); 0 (the default) adds none.

    Attributes
    ----------
    classes_ : ndarray of str
        The label names, sorted (as ``FewShotClassifier`` and scikit-learn order classes); the
        columns of ``predict_proba`` and ``decision_function``.
    label_vectors_ : float32 (K, d)
        Unit label vectors, rows in ``classes_`` order.
    label_dropped_words_ : dict
        Per label, the words of its description that are not in the vocabulary.
    embedder_ : DocumentEmbedder
        The fitted document embedding.

    Notes
    -----
    scikit-learn's estimator checks that need no numeric data pass (parameters, ``clone``,
    tags, ``repr``); those that generate a numeric ``(n, d)`` array cannot apply to a classifier
    of texts, nor can those that learn classes from ``y`` (the labels are given up front). Their
    invariants (no side effects, idempotent ``fit``, pickling, row independence) are tested on
    texts; ``tests/test_classify_zeroshot.py`` lists each check that cannot apply and why.
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "scorer": [Options(SCORERS)],
        "multi_label": [bool, np.bool_],
        "threshold": [None, Real],
        "lowercase": [bool, np.bool_],
        "label_neighbors": [Interval(Integral, 0, None)],
    }
    _takes_vectors = False  # X is texts
    _requires_fit = False  # the labels are given up front
    _requires_y = False  # y is ignored

    def __init__(
        self,
        vectors: Vectors | None,
        labels: Sequence[str] | Mapping[str, str | Sequence[str]],
        weighting: str = "sif",
        scorer: str = "cosine",
        multi_label: bool = False,
        temperature: float | None = None,
        threshold: float | None = None,
        encoder: Any = None,
        *,
        reference: Documents | None = None,
        sif_a: float = 1e-3,
        n_components: int | None = None,
        lowercase: bool = True,
        chunk_size: int = DEFAULT_CHUNK,
        frequencies: str = "auto",
        label_neighbors: int = 0,
    ) -> None:
        super().__init__(
            vectors, labels, weighting, temperature, encoder, reference, sif_a, n_components, chunk_size
        )
        self.frequencies = frequencies
        self.label_neighbors = label_neighbors
        self.scorer = scorer
        self.multi_label = multi_label
        self.threshold = threshold
        self.lowercase = lowercase

    # ---- fitting ----
    def fit(self, X: Documents | None = None, y: Any = None) -> ZeroShotClassifier:
        """Build the label state; with texts ``X``, fit the weighting statistics on them.

        Parameters
        ----------
        X : list of texts, optional
            Texts to fit p(w), idf and the principal component on; default the ``reference``
            texts, else the Lee background corpus.
        y : ignored
            The classes are the labels, given up front.

        %(returns_self)s

        %(examples_zeroshot)s
        >>> clf.fit(["a quiet day", "the team played"]).label_vectors_.shape
        (2, 384)
        """
        self._check_params()
        if self.scorer == "wmd" and self.vectors is None:
            raise EngineError("scorer='wmd' needs word vectors")
        embedder = self._make_embedder()
        if embedder is None:
            raise EngineError("give word vectors (vectors=...) or an encoder (encoder=...)")
        embedder.fit(None if X is None else as_text_list(X, "texts"))
        spec = label_spec(self.labels)
        if self.label_neighbors and self.vectors is not None:
            spec = expand_with_neighbors(spec, self.vectors, self.label_neighbors, self.lowercase)
        names = list(spec)
        L, dropped = embedder.label_vectors(spec)  # in the given order: errors name the first bad label
        classes = class_array(names)
        rows = [names.index(c) for c in classes.tolist()]
        self.embedder_ = embedder
        self.classes_ = classes
        self.label_vectors_ = np.ascontiguousarray(L[rows])
        self.label_dropped_words_ = dropped
        if self.scorer == "wmd":
            from ..wmd import WMD

            self.wmd_ = WMD(self.vectors, lowercase=self.lowercase)
            self.label_words_ = [self._known_words(spec[names[i]]) for i in rows]
        return self

    def _fitted(self):
        """This classifier once fitted; if never fitted, a fitted copy (``self`` is unchanged)."""
        return self if hasattr(self, "label_vectors_") else copy.copy(self).fit()

    def _known_words(self, spec):
        toks = _tokenize(spec, self.lowercase) if isinstance(spec, str) else list(spec)
        return [t for t in toks if t in self.vectors.key_to_index]

    # ---- scores ----
    def _scores(self, X):
        X = as_text_list(X, "texts")
        if self.scorer == "wmd":
            return self._wmd_scores(X)
        return self.embedder_.scores(X, self.label_vectors_)

    def _wmd_scores(self, X):
        if self.vectors.ngrams is not None:  # every token gets a vector
            n_known = np.array([len(_tokenize(x, self.lowercase) if isinstance(x, str) else x) for x in X])
        else:
            n_known = np.diff(self.embedder_.encode_texts(X)[0])
        unknown = n_known == 0
        dist = np.zeros((len(X), len(self.label_words_)), dtype=np.float64)
        known = np.flatnonzero(~unknown)
        if known.size:
            d = np.asarray(self.wmd_.pairwise([X[i] for i in known], self.label_words_), dtype=np.float64)
            # gensim's wmdistance gives inf when every word-to-word cost is 0: the text and the
            # label are made of the same word(s), a perfect match.
            d[~np.isfinite(d)] = 0.0
            dist[known] = d
        return -dist, unknown

    def _threshold(self):
        return DEFAULT_THRESHOLD if self.threshold is None else float(self.threshold)

    def _proba(self, scores, unknown):
        if self.multi_label:
            return sigmoid_proba(scores, self._threshold(), self._temperature(), unknown)
        return softmax_proba(scores, self._temperature(), unknown)

    def embed(
        self, X: Documents | ArrayLike, return_unknown: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Unit document vectors of texts, as the cosine scorer sees them.

        %(parameters_texts_unknown)s

        Returns
        -------
        ndarray float32 (n, d), or ``(vectors, unknown)``
            A text with no known word has a zero row.

        %(examples_zeroshot)s
        >>> D, unknown = clf.embed(["a goal", "qqqzz"], return_unknown=True)
        >>> D.shape, unknown.tolist()
        ((2, 384), [False, True])
        """
        return with_unknown(*self._fitted().embedder_.transform(X), return_unknown)  # type: ignore[call-arg]  # mypy cannot count an unpacked Any

    def decision_function(
        self, X: Documents | ArrayLike, return_unknown: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The score of each text for each label: a cosine (or −WMD with ``scorer="wmd"``).

        %(parameters_texts_unknown)s

        Returns
        -------
        ndarray float64 (n, K), columns in ``classes_`` order, or ``(scores, unknown)``
            A text with no known word scores 0.

        %(examples_zeroshot)s
        >>> clf.decision_function(["a goal", "qqqzz"]).shape
        (2, 2)
        """
        return with_unknown(*self._fitted()._scores(X), return_unknown)  # type: ignore[call-arg]  # mypy cannot count an unpacked Any

    def predict_proba(
        self, X: Documents | ArrayLike, return_unknown: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Probabilities: softmax(score / T), or with ``multi_label`` the independent
        σ((score − threshold) / T).

        %(parameters_texts_unknown)s

        Returns
        -------
        ndarray float64 (n, K), columns in ``classes_`` order, or ``(proba, unknown)``
            A text with no known word gets 1/K for every label, never NaN.

        %(examples_zeroshot)s
        >>> proba, unknown = clf.predict_proba(["a goal", "qqqzz"], return_unknown=True)
        >>> proba[1].tolist(), unknown.tolist()
        ([0.5, 0.5], [False, True])
        """
        est = self._fitted()
        scores, unknown = est._scores(X)
        return with_unknown(est._proba(scores, unknown), unknown, return_unknown)

    def predict(self, X: Documents | ArrayLike) -> np.ndarray:
        """The most probable label of each text; with ``multi_label`` every label that applies.

        %(parameters_texts_X)s

        Returns
        -------
        ndarray (n,) of items of ``classes_``, or of bool (n, K) with ``multi_label``
            The label of each text; with ``multi_label`` an indicator (columns in ``classes_``
            order) of the labels whose score reaches the threshold. A text with no known word gets
            the first class (multi-label: no label).

        %(examples_zeroshot)s
        >>> clf.predict(["the team won the match"]).tolist()
        ['sport']
        """
        est = self._fitted()
        scores, unknown = est._scores(X)
        if self.multi_label:
            return (scores >= self._threshold()) & ~unknown[:, None]
        return top_class(est.classes_, scores)

    def iter_predict_proba(
        self, texts: Iterable[Document], chunk_size: int | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Stream ``(proba, unknown)`` per chunk of an iterable of texts (bounded memory).

        Parameters
        ----------
        texts : iterable of texts
            Read ``chunk_size`` at a time (a generator is never held whole).
        chunk_size : int, optional
            Default the classifier's ``chunk_size``.

        Returns
        -------
        generator of ``(proba, unknown)``, as ``predict_proba(chunk, return_unknown=True)``.

        %(examples_zeroshot)s
        >>> [p.shape for p, _ in clf.iter_predict_proba(iter(["goal", "soup", "tea"]), chunk_size=2)]
        [(2, 2), (1, 2)]
        """
        size = chunk_size or self.chunk_size
        check("chunk_size", size, [Interval(Integral, 1, None)], "iter_predict_proba")
        if isinstance(texts, str):
            raise ShapeError("texts: expected an iterable of texts, got a single str; wrap it in a list")
        est = self._fitted()
        it = iter(texts)
        while chunk := list(itertools.islice(it, size)):
            scores, unknown = est._scores(chunk)
            yield est._proba(scores, unknown), unknown

    def explain(self, text: Document) -> Explanation:
        """Each known word's contribution to each label's cosine score (they sum to the score).

        Parameters
        ----------
        text : str or list of tokens

        Returns
        -------
        Explanation

        %(examples_zeroshot)s
        >>> ex = clf.explain("a football match and a pizza")
        >>> bool(abs(ex.contributions.sum(axis=0) - ex.scores).max() < 1e-5)
        True
        >>> ex.top("food", 1)[0][0]
        'pizza'
        """
        if self.scorer != "cosine" or self.encoder is not None:
            raise EngineError("explain is defined for the cosine scorer over word vectors")
        if not isinstance(text, (str, list, tuple)):
            raise ShapeError(f"explain: expected one text (str or token list), got {type(text).__name__}")
        est = self._fitted()
        words, alpha, E, norm = est.embedder_.explain_vectors(text)
        L = est.label_vectors_.astype(np.float64)
        if norm > 0:
            contrib = (alpha[:, None] * (E @ L.T)) / norm
        else:
            contrib = np.zeros((len(words), len(est.classes_)))
        toks = _tokenize(text, self.lowercase) if isinstance(text, str) else list(text)
        unknown_words = list(dict.fromkeys(t for t in toks if t not in self.vectors.key_to_index))
        classes = est.classes_.tolist()
        return Explanation(words, contrib, contrib.sum(axis=0), classes, unknown_words)
