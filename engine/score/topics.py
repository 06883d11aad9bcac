"""The ``topics`` scoring task: each text's most probable topics under a saved gensim LDA model,
and, with a reference corpus, its nearest corpus documents in topic space."""

import os
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np

from .._params import Interval, Options, check_params
from ..errors import FormatError
from ..topics import MEASURES, TopicSpace
from .readers import read_rows

__all__ = ["Topics"]


@dataclass(frozen=True)
class Topics:
    """Topics of each text → ``topics`` (the ``top`` most probable topic ids, most probable first,
    ties by id) and ``probabilities``; with ``corpus``, also ``neighbors`` (the ``k`` nearest
    corpus documents by ``measure``: their ids, or row numbers from 0 without ``id_field``) and
    ``distances``, nearest first, ties by corpus order.

    ``model``: a file gensim's ``LdaModel.save`` wrote. **It is a pickle: loading it runs code
    from the file; only name files you trust** (``engine.topics.load_lda``). Each text's E-step
    starts from the same point (``init="mean"``), so a row's result depends on its text alone
    (chunks, resumed runs and Dask workers give the same values); ``minimum_probability`` is
    gensim's (default the model's). The vectors ``engine score`` is given are not used.

    Examples
    --------
    >>> import os, tempfile, engine.topics
    >>> from engine.score import score_texts
    >>> lda, dictionary = engine.topics.lee_lda()
    >>> path = os.path.join(tempfile.mkdtemp(), "lee.lda")
    >>> lda.save(path)
    >>> out = score_texts(None, Topics(path, top=2), ["the cricket test match"])
    >>> len(out["topics"][0]), sum(out["probabilities"][0]) <= 1
    (2, True)
    """

    model: str
    top: int = 3
    corpus: str = None
    k: int = 10
    measure: str = "hellinger"
    minimum_probability: float = None
    text_field: str = "text"
    id_field: str = None
    name: ClassVar[str] = "topics"

    _parameter_constraints: ClassVar[dict] = {
        "top": [Interval(Integral, 1, None)],
        "k": [Interval(Integral, 1, None)],
        "measure": [Options(MEASURES)],
        "minimum_probability": [None, Interval(Real, 0, 1)],
    }

    def __post_init__(self):
        check_params(self, "topics")
        object.__setattr__(self, "model", os.path.abspath(os.fspath(self.model)))
        if self.corpus is not None:
            object.__setattr__(self, "corpus", os.path.abspath(os.fspath(self.corpus)))

    def columns(self):
        cols = [("topics", "list<id>"), ("probabilities", "list<float>")]
        if self.corpus is not None:
            cols += [("neighbors", "list<id>"), ("distances", "list<float>")]
        return cols

    def load_corpus(self):
        """The corpus's texts and ids (row numbers from 0 without ``id_field``)."""
        rows = list(read_rows(self.corpus, None, self.text_field, self.id_field))
        if not rows:
            raise FormatError(f"{self.corpus}: the reference corpus has no rows")
        texts = [text for text, _ in rows]
        return texts, ([id_ for _, id_ in rows] if self.id_field else list(range(len(texts))))

    def scorer(self, vectors):
        space = TopicSpace.load(self.model, init="mean")
        index = cids = None
        if self.corpus is not None:
            texts, cids = self.load_corpus()
            index = space.index(texts, self.measure, minimum_probability=self.minimum_probability)
        top, k = self.top, min(self.k, len(cids) if cids else self.k)

        def score(texts):
            p = space.transform(texts, self.minimum_probability)
            order = np.lexsort((np.broadcast_to(np.arange(p.shape[1]), p.shape), -p), axis=1)[:, :top]
            out = {"topics": [], "probabilities": []}
            for row, idx in zip(p, order):
                kept = [int(t) for t in idx if row[t] > 0]
                out["topics"].append(kept)
                out["probabilities"].append([float(row[t]) for t in kept])
            if index is not None:
                res = index.knn(p, k=k) if len(texts) else None
                out["neighbors"] = [[cids[j] for j in r] for r in res.indices.tolist()] if res else []
                out["distances"] = res.distances.tolist() if res else []
            return out

        return score
