"""Zero-shot and few-shot text classification over word vectors (or a contextual encoder).

A document becomes one unit vector (``embedder``: weighted mean of its words' unit vectors,
SIF component removed, normalised); a label becomes a vector the same way from its name or
description (``labels``). Scores are cosines; probabilities a softmax with a temperature, or
independent sigmoids around a threshold for multi-label use (``proba``)::

    score(doc, label) = doc · label                  (cosine; both unit vectors)
    P(label | doc) = softmax(score / T)             single label
    P(label | doc) = 1 / (1 + exp(−(score − θ) / T)) multi-label: independent, 0.5 at the threshold θ

Modules: ``embedder`` (texts → document vectors, weighting statistics), ``docvectors``
(the same as a scikit-learn transformer, ``DocumentVectors``), ``labels`` (the label
specification reader), ``proba``, ``base`` (the scikit-learn estimator contract),
``zeroshot``, ``fewshot``, ``episodic`` (N-way k-shot evaluation), ``inputs`` (X and y checks).

>>> import engine
>>> from engine.classify import ZeroShotClassifier
>>> clf = ZeroShotClassifier(engine.datasets.default_vectors(), ["sport", "food"])
>>> clf.predict(["the team won the match", "a bowl of soup"]).tolist()
['sport', 'food']
"""

from .base import ClassifierBase
from .docvectors import DocumentVectors
from .embedder import DEFAULT_CHUNK, DocumentEmbedder
from .embedder import lee_corpus as _lee_corpus  # noqa: F401 (the benchmarks' name)
from .episodic import EpisodeResult, episodes
from .episodic import macro_f1 as _macro_f1  # noqa: F401 (the benchmarks' name)
from .fewshot import FewShotClassifier
from .labels import label_spec, load_labels_file
from .proba import DEFAULT_TEMPERATURE, DEFAULT_THRESHOLD, sigmoid_proba, softmax_proba
from .zeroshot import Explanation, ZeroShotClassifier

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_TEMPERATURE",
    "DEFAULT_THRESHOLD",
    "ClassifierBase",
    "DocumentEmbedder",
    "DocumentVectors",
    "EpisodeResult",
    "Explanation",
    "FewShotClassifier",
    "ZeroShotClassifier",
    "episodes",
    "label_spec",
    "load_labels_file",
    "sigmoid_proba",
    "softmax_proba",
]
