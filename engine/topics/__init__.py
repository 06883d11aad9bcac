"""Topic spaces: a gensim LDA model as a fast, batched similarity space.

``TopicSpace(lda, dictionary)`` turns texts, token lists or bags of words into topic
distributions many at a time (gensim's ``get_document_topics``, its E-step in C++), and compares
them by Hellinger, Jensen–Shannon, symmetric KL or cosine distance (gensim's ``matutils``
formulas, batched); ``TopicSpace.index(corpus)`` prepares a corpus for exact nearest-document
queries and gensim ``MatrixSimilarity``-style scores; ``TopicSpace.features()`` gives
``engine.classify`` topic features.

Modules: ``model`` (the model's arrays; ``load_lda``, the pickle door), ``documents`` (documents
→ bags of word ids), ``inference`` (the E-step and the shares), ``measures`` (the distances),
``knn`` (``TopicIndex``), ``features`` (the classifiers' encoder), ``space`` (``TopicSpace``),
``lee`` (a small model of the Lee corpus for examples).

Examples
--------
>>> import engine, engine.topics
>>> lda, dictionary = engine.topics.lee_lda()
>>> space = engine.TopicSpace(lda, dictionary, init="mean")
>>> docs = ["the australian cricket team won the test", "the share market fell sharply",
...         "cricket fans cheered the test victory"]
>>> space.distances(docs[:1], docs, measure="hellinger").argsort()[0].tolist()[:2]
[0, 2]
"""

from .documents import Bags
from .features import TopicFeatures
from .knn import TopicIndex, TopicKnn
from .lee import lee_lda
from .measures import MEASURES, as_distributions, paired, pairwise
from .model import LdaArrays, load_lda
from .space import TopicSpace

__all__ = [
    "MEASURES",
    "Bags",
    "LdaArrays",
    "TopicFeatures",
    "TopicIndex",
    "TopicKnn",
    "TopicSpace",
    "as_distributions",
    "lee_lda",
    "load_lda",
    "paired",
    "pairwise",
]
