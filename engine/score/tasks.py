"""Scoring tasks: what ``engine score`` computes for each text.

A task is a small, hashable description (so a Dask worker can cache what it builds from it);
``scorer(vectors)`` builds the in-memory scoring function once: texts -> ``{column: values}``,
and ``columns()`` names and types the columns it returns.
"""

import math
import os
from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

import numpy as np

from .._params import Interval, Options, check_params
from .._vocab import as_dict
from ..classify import DocumentVectors, ZeroShotClassifier
from ..classify.labels import column_order, label_spec, load_labels_file
from ..errors import EngineError, FormatError
from .readers import read_rows

__all__ = ["Neighbors", "WMDNeighbors", "ZeroShot", "check_columns", "score_texts"]  # and Topics, lazily


def __getattr__(name):  # Topics (and engine.topics under it) loads when a run asks for it
    if name == "Topics":
        from .topics import Topics

        return Topics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: the encoders ``--encoder`` names (None: the word vectors)
ENCODERS = {None, "minilm"}


def named_encoder(name, batch_size=None):
    """The sentence encoder called ``name`` in ``ENCODERS`` (None for None), encoding
    ``batch_size`` texts per forward pass (None: ``ContextualEncoder``'s default).

    >>> named_encoder(None) is None
    True
    """
    if name is None:
        return None
    from ..contextual import DEFAULT_BATCH, ContextualEncoder  # sentence-transformers: only when asked

    return ContextualEncoder(batch_size=DEFAULT_BATCH if batch_size is None else batch_size)


@dataclass(frozen=True)
class ZeroShot:
    """Zero-shot labels: ``label`` (the most probable), ``score`` (its probability) and, with
    ``all_scores``, one ``p_<label>`` column per label, in the order the labels are given.

    ``labels``: a list of labels (each its own description) or ``{label: description}``, a
    description being a text or a list of words, as :class:`engine.ZeroShotClassifier` and
    ``engine classify`` take them (``engine.classify.labels``). ``encoder="minilm"`` embeds the
    texts and label descriptions with engine's contextual encoder (``engine.ContextualEncoder``,
    all-MiniLM-L6-v2) instead of the word vectors, as ``ZeroShotClassifier(encoder=...)``;
    ``encoder_batch_size`` is its texts per forward pass (None: the encoder's default).

    >>> import engine
    >>> task = ZeroShot({"sport": "sport team game", "food": ["food", "meal", "cooking"]})
    >>> score_texts(engine.datasets.default_vectors(), task, ["the team won the game"])["label"]
    ['sport']
    """

    labels: tuple
    all_scores: bool = False
    encoder: "str | None" = None
    encoder_batch_size: "int | None" = None
    name: ClassVar[str] = "zeroshot"

    def __init__(self, labels, all_scores=False, encoder=None, encoder_batch_size=None):
        if encoder not in ENCODERS:
            raise EngineError(f"ZeroShot: unknown encoder {encoder!r}; known: {sorted(ENCODERS - {None})}")
        if encoder_batch_size is not None and (
            isinstance(encoder_batch_size, bool)
            or not isinstance(encoder_batch_size, int)
            or encoder_batch_size < 1
        ):
            raise EngineError(
                f"ZeroShot: encoder_batch_size must be a positive int, got {encoder_batch_size!r}"
            )
        spec = label_spec(labels)
        pairs = tuple((str(k), d if isinstance(d, str) else tuple(d)) for k, d in spec.items())
        object.__setattr__(self, "labels", pairs)
        object.__setattr__(self, "all_scores", bool(all_scores))
        object.__setattr__(self, "encoder", encoder)
        object.__setattr__(self, "encoder_batch_size", encoder_batch_size)

    @classmethod
    def from_json(cls, path, all_scores=False, encoder=None, encoder_batch_size=None):
        """Labels from a JSON file: ``{"label": "description words" or ["word", ...]}`` or
        ``["label", ...]`` (``engine.classify.load_labels_file``)."""
        return cls(load_labels_file(path), all_scores, encoder, encoder_batch_size)

    def columns(self):
        cols = [("label", "str"), ("score", "float")]
        if self.all_scores:
            cols += [(f"p_{name}", "float") for name, _ in self.labels]
        return cols

    def scorer(self, vectors):
        labels = {name: d if isinstance(d, str) else list(d) for name, d in self.labels}
        clf = ZeroShotClassifier(
            vectors, labels=labels, encoder=named_encoder(self.encoder, self.encoder_batch_size)
        ).fit()
        names = list(labels)
        order = column_order(clf.classes_, names)  # predict_proba's columns → the given order

        def score(texts):
            p = np.asarray(clf.predict_proba(texts), dtype=np.float64)[:, order]
            best = p.argmax(axis=1) if len(texts) else np.zeros(0, dtype=np.int64)
            out = {
                "label": [names[i] for i in best.tolist()],
                "score": p[np.arange(len(best)), best].tolist(),
            }
            if self.all_scores:
                for j, name in enumerate(names):
                    out[f"p_{name}"] = p[:, j].tolist()
            return out

        return score


@dataclass(frozen=True)
class Neighbors:
    """Nearest words. ``of="text"``: the ``k`` words nearest the text's document vector
    (``engine.DocumentVectors``: SIF by default, so that frequent words such as "the" or "of"
    weigh little and the text's common direction is removed; ``weighting="mean"`` gives the
    plain mean of its known words' unit vectors) → ``neighbors``, ``similarities``.
    ``of="words"``: for each distinct known word of the text, in order, its ``k`` nearest words
    (itself excluded, as gensim's ``most_similar``) → ``words``, ``neighbors``,
    ``similarities``. A text without known words gets empty lists.

    >>> import engine
    >>> out = score_texts(engine.datasets.default_vectors(), Neighbors(k=2, of="words"), ["red car"])
    >>> out["words"], [len(n) for n in out["neighbors"][0]]
    ([['red', 'car']], [2, 2])
    """

    k: int = 10
    of: str = "text"
    weighting: str = "sif"
    name: ClassVar[str] = "neighbors"

    _parameter_constraints: ClassVar[dict] = {
        "k": [Interval(Integral, 1, None)],
        "of": [Options(("text", "words"))],
        "weighting": [Options(("sif", "idf", "mean"))],
    }

    def __post_init__(self):
        check_params(self, "neighbors")
        object.__setattr__(self, "k", int(self.k))

    def columns(self):
        if self.of == "text":
            return [("neighbors", "list<str>"), ("similarities", "list<float>")]
        return [
            ("words", "list<str>"),
            ("neighbors", "list<list<str>>"),
            ("similarities", "list<list<float>>"),
        ]

    def scorer(self, vectors):
        from .._text import encode

        keys = vectors.index_to_key
        k = min(self.k, len(keys))

        # statistics from the Lee corpus, computed once per Vectors and weighting, and shared
        docvecs = DocumentVectors(vectors, self.weighting).fit() if self.of == "text" else None

        def by_text(texts):
            q = docvecs.transform(texts)
            has = np.any(q != 0, axis=1)  # a text without known words has a zero vector
            nb = [[] for _ in texts]
            sims = [[] for _ in texts]
            rows = np.flatnonzero(has)
            if len(rows):
                s, i = vectors.search(q[rows], k=k)
                for r, srow, irow in zip(
                    rows.tolist(), np.asarray(s, np.float64).tolist(), np.asarray(i).tolist()
                ):
                    nb[r] = [keys[j] for j in irow]
                    sims[r] = srow
            return {"neighbors": nb, "similarities": sims}

        def by_words(texts):
            indptr, ids, _, _ = encode(texts, as_dict(vectors.key_to_index))
            uniq = np.unique(ids)
            table = {}
            if len(uniq):
                words = [keys[j] for j in uniq.tolist()]
                for w, res in zip(words, vectors.most_similar_batch(words, topn=self.k)):
                    table[w] = ([x for x, _ in res], [float(y) for _, y in res])
            out_w, out_n, out_s = [], [], []
            for a, b in zip(indptr[:-1].tolist(), indptr[1:].tolist()):
                ws = [keys[j] for j in ids[a:b].tolist()]
                out_w.append(ws)
                out_n.append([table[w][0] for w in ws])
                out_s.append([table[w][1] for w in ws])
            return {"words": out_w, "neighbors": out_n, "similarities": out_s}

        return by_text if self.of == "text" else by_words


@dataclass(frozen=True)
class WMDNeighbors:
    """The ``k`` nearest documents of a reference corpus by Word Mover's Distance →
    ``neighbors`` (the corpus ids, or row numbers from 0 without ``id_field``) and
    ``distances``, nearest first (ties by corpus order). Infinite distances (gensim's answer
    when either side has no known word) are left out, so such a text gets empty lists.

    ``corpus``: a file in any input format, read whole (it is held in memory) from
    ``text_field`` and optional ``id_field``.

    >>> import engine, os, tempfile
    >>> corpus = os.path.join(tempfile.mkdtemp(), "corpus.csv")
    >>> with open(corpus, "w") as f:
    ...     _ = f.write("text\\nthe cat sat on the mat\\nstock prices fell\\n")
    >>> out = score_texts(engine.datasets.default_vectors(), WMDNeighbors(corpus, k=1), ["a cat on a mat"])
    >>> out["neighbors"]
    [[0]]
    """

    corpus: str
    k: int = 10
    text_field: str = "text"
    id_field: str = None
    name: ClassVar[str] = "wmd-knn"

    _parameter_constraints: ClassVar[dict] = {"k": [Interval(Integral, 1, None)]}

    def __post_init__(self):
        check_params(self, "wmd-knn")
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "corpus", os.path.abspath(os.fspath(self.corpus)))

    def columns(self):
        return [("neighbors", "list<id>"), ("distances", "list<float>")]

    def load_corpus(self):
        """The corpus's texts and ids (row numbers from 0 without ``id_field``)."""
        rows = list(read_rows(self.corpus, None, self.text_field, self.id_field))
        if not rows:
            raise FormatError(f"{self.corpus}: the reference corpus has no rows")
        texts = [text for text, _ in rows]
        return texts, ([id_ for _, id_ in rows] if self.id_field else list(range(len(texts))))

    def scorer(self, vectors):
        from ..wmd import WMD

        corpus, cids = self.load_corpus()
        index = WMD(vectors).index(corpus)  # the corpus is prepared once, not per chunk
        k = min(self.k, len(corpus))

        def score(texts):
            res = index.knn(texts, k=k)
            d = np.asarray(res.distances, dtype=np.float64)
            i = np.asarray(res.indices)
            nb, dist = [], []
            for drow, irow in zip(d.tolist(), i.tolist()):
                keep = [(x, j) for x, j in zip(drow, irow) if j >= 0 and math.isfinite(x)]
                nb.append([cids[j] for _, j in keep])
                dist.append([x for x, _ in keep])
            return {"neighbors": nb, "distances": dist}

        return score


def score_texts(vectors, task, texts):
    """Score a list of texts in memory, as ``score_file`` scores each chunk.

    Parameters
    ----------
    vectors : engine.Vectors
    task : ZeroShot, Neighbors, WMDNeighbors or Topics
    texts : list of str

    Returns
    -------
    dict
        ``{column: list of values}``, one value per text, the columns of ``task.columns()``.

    Examples
    --------
    >>> import engine, engine.score as sc
    >>> v = engine.datasets.default_vectors()
    >>> out = sc.score_texts(v, sc.Neighbors(k=2), ["apple pie", "xyzzy"])
    >>> len(out["neighbors"][0]), out["neighbors"][1]
    (2, [])
    """
    return check_columns(task, task.scorer(vectors)(list(texts)), len(texts))


def check_columns(task, cols, n):
    """``cols``, after checking that each of the task's columns has ``n`` values."""
    for name, _ in task.columns():
        if len(cols[name]) != n:  # a scorer returning the wrong count would misalign ids
            raise EngineError(f"{task.name}: scorer returned {len(cols[name])} values for {n} texts")
    return cols
