"""``FaissIndex``: build, tune, query and measure a FAISS index over a ``Vectors``."""

from __future__ import annotations

from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np

from .. import _progress, compressed
from .._docstrings import fill_doc
from .._params import Interval, check, is_int
from ..errors import EngineError, ShapeError
from . import storage
from .exact import _check_ids, _rescore, recall_at_k
from .hnsw_graph import HnswGraph, WalkSwitch
from .kinds import (
    KINDS,
    _check_params,
    _extract_ivf,
    _faiss,
    _faiss_msg,
    _knob,
    _make,
    _set_knob,
    default_train_size,
    faiss_search,
)
from .queries import unit_queries
from .storage import _as_vectors

if TYPE_CHECKING:
    from typing import Any

    from gensim.models import KeyedVectors

    from .._typing import Key, PathLike, Progress, Queries
    from ..vectors import Vectors


@fill_doc
class FaissIndex:
    """A FAISS index over the unit rows of a ``Vectors``: exact (``flat``) or approximate.

    Build one, query it by word or vector, save it beside the vectors, and pass it as
    ``indexer=`` to gensim's ``KeyedVectors.most_similar`` or engine's ``Vectors.most_similar``.
    Make one with :meth:`build` or :meth:`load`; the constructor wraps a FAISS index already
    built over ``vectors.unit``.

    Parameters
    ----------
    index : faiss.Index
        A FAISS index holding the unit rows of ``vectors``, in row order (inner-product metric).
    vectors : Vectors
        The vocabulary the index was built on.
    kind : str
        The kind or factory string it was built as.
    params : dict
        Its build parameters.

    Attributes
    ----------
    vectors : Vectors
        The vocabulary the index was built on; ids are its rows.
    kind, params, index
        As given: ``kind`` is ``"flat"``, ``"hnsw"``, ``"ivf"``, ``"sq8"``, ``"pq"`` or a
        factory string; ``params`` has every default resolved (``nlist``, ``M`` ...).
    walk : bool
        ``hnsw`` only: searched by engine's walk of the graph (True, the default: faster, with a
        second copy of the index in memory) or by FAISS's own search; not saved (``hnsw_graph``).

    Examples
    --------
    >>> import engine
    >>> v = engine.datasets.clustered_vectors(2000, 32)
    >>> index = engine.FaissIndex.build(v, "hnsw")
    >>> exact = engine.FaissIndex.build(v, "flat")
    >>> [w for w, _ in index.most_similar("w7", topn=3)] == [w for w, _ in exact.most_similar("w7", topn=3)]
    True
    >>> index.recall(sample=200) > 0.95
    True
    """

    def __init__(self, index: Any, vectors: Vectors, kind: str, params: dict[str, Any]) -> None:
        self.index = index
        self.vectors = vectors
        self.kind = kind
        self.params = dict(params)
        self._rerank = int(self.params.get("rerank", 0) or 0)
        self._precision = "auto"

    # ------------------------------------------------------------------ build
    @classmethod
    def build(
        cls, vectors: Vectors | KeyedVectors, kind: str = "hnsw", *, progress: Progress = False, **params: int
    ) -> FaissIndex:
        """Build an index of ``kind`` over ``vectors`` (a ``Vectors`` or a gensim ``KeyedVectors``).

        Parameters
        ----------
        vectors : Vectors or gensim KeyedVectors
            The vocabulary to index (a ``KeyedVectors`` is converted with
            ``Vectors.from_gensim``).
        kind : str
            ``"flat"``, ``"hnsw"``, ``"ivf"``, ``"sq8"``, ``"pq"`` or any FAISS factory string
            (``"IVF1024,SQ8"``, ``"HNSW16"``, ``"OPQ16,IVF256,PQ16"`` ...), built with the
            inner-product metric.
        **params
            ``M``, ``efConstruction``, ``efSearch`` (hnsw); ``nlist``, ``nprobe`` (ivf, pq);
            ``m``, ``nbits`` (pq); ``train_size``, ``seed`` (anything trained); ``rerank``
            (any approximate kind). Defaults are in the module docstring.
        progress : bool or "always", default False
            A bar of the vectors added (``engine._progress``).

        Returns
        -------
        FaissIndex
            The index, every vector added; ``params`` holds the defaults it resolved.

        Raises
        ------
        EngineError
            For an unknown kind or parameter, or one out of range.
        ShapeError
            For empty vectors.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors([f"w{i}" for i in range(500)], np.random.default_rng(0).normal(size=(500, 16)))
        >>> index = engine.FaissIndex.build(v, "ivf", nlist=8, nprobe=8)  # nprobe = nlist: exact
        >>> index.recall(sample=100, k=5)
        1.0
        """
        vectors = _as_vectors(vectors)
        n, d = len(vectors), vectors.vector_size
        if n == 0 or d == 0:
            raise ShapeError(f"FaissIndex.build: the vectors are empty ({n} words × {d} dims)")
        if not isinstance(kind, str) or not kind.strip():
            raise EngineError(
                f"FaissIndex.build: kind must be one of {', '.join(KINDS)} or a FAISS factory string, got {kind!r}"
            )
        key = kind.strip().lower() if kind.strip().lower() in KINDS else None
        params = _check_params(key, kind, params, n, d)
        faiss = _faiss()
        index = _make(faiss, key, kind, params, d)
        unit = vectors.unit
        if not index.is_trained:
            ivf = _extract_ivf(faiss, index)
            nlist = params.get("nlist", ivf.nlist if ivf is not None else 1)
            size = params.setdefault("train_size", default_train_size(n, nlist))
            seed = params.setdefault("seed", 0)
            rows = (
                np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))
                if size < n
                else slice(None)
            )
            try:
                index.train(np.ascontiguousarray(unit[rows]))
            except RuntimeError as e:
                raise EngineError(
                    f"FaissIndex.build: FAISS could not train {kind!r} on {size} vectors: {_faiss_msg(e)}"
                ) from None
        step = 1 << 14 if progress else 1 << 18  # smaller blocks for a bar that moves
        with _progress.bar(total=n, desc=f"index {key or kind}", unit="vector", progress=progress) as b:
            for start in range(0, n, step):  # blocks keep a memory-mapped matrix from being copied whole
                index.add(np.ascontiguousarray(unit[start : start + step]))
                b.update(min(step, n - start))
        self = cls(index, vectors, key or kind.strip(), params)
        for knob in ("efSearch", "nprobe"):
            if knob in params:
                setattr(self, knob, params[knob])
        return self

    # ------------------------------------------------------------------ knobs
    walk = WalkSwitch()

    @property
    def efSearch(self) -> int | None:
        """HNSW search depth (larger: better recall, slower); None for an index without HNSW.

        Settable (an int >= 1), also after ``load``; ``EngineError`` on an index without HNSW.

        %(returns_search_knob)s

        Examples
        --------
        >>> import engine
        >>> index = engine.FaissIndex.build(engine.datasets.clustered_vectors(500, 8), "hnsw")
        >>> index.efSearch
        64
        >>> index.efSearch = 128
        >>> index.efSearch, index.params["efSearch"]
        (128, 128)
        """
        return _knob(self._hnsw(), "efSearch")

    @efSearch.setter
    def efSearch(self, value):
        self.params["efSearch"] = _set_knob(self._hnsw(), "efSearch", value, self.kind, "HNSW graph")

    @property
    def nprobe(self) -> int | None:
        """IVF lists visited per query (larger: better recall, slower); None without IVF.

        Settable (an int >= 1, capped at ``nlist``); ``EngineError`` on an index without IVF.

        %(returns_search_knob)s

        Examples
        --------
        >>> import engine
        >>> index = engine.FaissIndex.build(engine.datasets.clustered_vectors(2000, 8), "ivf")
        >>> index.nprobe, index.params["nlist"]
        (51, 51)
        >>> index.nprobe = 8
        >>> index.nprobe
        8
        """
        return _knob(self._ivf(), "nprobe")

    @nprobe.setter
    def nprobe(self, value):
        self.params["nprobe"] = _set_knob(self._ivf(), "nprobe", value, self.kind, "inverted lists", "nlist")

    @property
    def rerank(self) -> int:
        """Candidates per result re-scored exactly against ``vectors.unit`` (0: off).

        Settable (an int >= 0): ``r·k`` candidates fetched, their exact cosines returned.

        Returns
        -------
        int
            ``r``; 0 when the results are FAISS's own scores.

        Examples
        --------
        >>> import engine
        >>> index = engine.FaissIndex.build(engine.datasets.clustered_vectors(500, 16), "pq", rerank=0)
        >>> index.rerank
        0
        >>> index.rerank = 10  # exact cosines: a word's own row comes first
        >>> index.search("w1", k=1)[1].tolist()
        [[1]]
        """
        return self._rerank

    @rerank.setter
    def rerank(self, value):
        self._rerank = int(check("rerank", value, [Interval(Integral, 0, None)]))
        self.params["rerank"] = self._rerank

    @property
    def precision(self) -> str:
        """The ``rerank`` step's precision: "auto", "float32", "bfloat16" or "int8" (not saved).

        Settable, also per call. Every one gives the float32 re-rank's answer; a copy
        (``Vectors.compress``) re-reads fewer float32 rows: "auto" when they are in a file.

        Returns
        -------
        str

        Examples
        --------
        >>> import engine
        >>> v = engine.datasets.clustered_vectors(500, 16).compress("int8")
        >>> index = engine.FaissIndex.build(v, "pq", rerank=10)
        >>> index.precision = "int8"
        >>> index.search("w1", k=3)[1].tolist() == index.search("w1", k=3, precision="float32")[1].tolist()
        True
        """
        return self._precision

    @precision.setter
    def precision(self, value):
        compressed.choose_rerank(value, self.vectors._copies(), self.vectors.unit)  # checks it
        self._precision = value

    def _hnsw(self):
        # Downcasting makes a new SWIG wrapper (microseconds a call): done once per index object.
        cached = self.__dict__.get("_hnsw_of")
        if cached is not None and cached[0] is self.index:
            return cached[1]
        import faiss

        h = getattr(faiss.downcast_index(self.index), "hnsw", None)
        self._hnsw_of = (self.index, h)
        return h

    def _graph(self):
        return HnswGraph.cached(self, _faiss)  # None for kinds other than HNSW

    def _ivf(self):
        import faiss

        return _extract_ivf(faiss, self.index)

    # ------------------------------------------------------------------ search
    @property
    def ntotal(self) -> int:
        """Number of indexed vectors (the vocabulary size).

        Returns
        -------
        int

        Examples
        --------
        >>> import engine
        >>> engine.FaissIndex.build(engine.datasets.clustered_vectors(500, 8), "flat").ntotal
        500
        """
        return int(self.index.ntotal)

    def __len__(self):
        return self.ntotal

    def __repr__(self):
        knobs = "".join(
            f", {k}={getattr(self, k)}" for k in ("efSearch", "nprobe", "rerank") if getattr(self, k)
        )
        return (
            f"<engine.FaissIndex {self.kind!r}: {self.ntotal} words × {self.vectors.vector_size} dims{knobs}>"
        )

    def search(
        self, queries: Queries, k: int = 10, precision: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` rows for each query: ``(scores, ids)``, both of shape ``(Q, k)``.

        The query word itself is not excluded (``most_similar`` does that).

        Parameters
        ----------
        queries : str, int, list of str or int, or array of shape (D,) or (Q, D)
            Words, row ids, or vectors (unit-normalised here; zero rows score 0).
        k : int, default 10
            Results per query; above the vocabulary size it is clipped.
        precision : {"auto", "float32", "bfloat16", "int8"}, optional
            The ``rerank`` step's precision (default: the ``precision`` knob); the same answer.

        Returns
        -------
        scores : ndarray of float32, shape (Q, k)
            Cosines, best first; -inf where an approximate index found fewer than ``k``.
        ids : ndarray of int64, shape (Q, k)
            Rows of the vocabulary; -1 where none was found.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
        >>> scores, ids = engine.FaissIndex.build(v, "flat").search(["a", "c"], k=2)
        >>> ids.tolist(), scores.astype(float).round(2).tolist()
        ([[0, 1], [2, 1]], [[1.0, 0.8], [1.0, 0.6]])
        """
        q = unit_queries(self.vectors, queries)
        if type(k) is not int or k < 1:  # the declared check only when it can fail: per-call cost
            k = check("k", k, [Interval(Integral, 1, None)], "search")
        return self._search(q, min(int(k), self.ntotal), precision)

    def _search(self, q, k, precision=None):
        """``search`` of unit query rows ``q`` (C-contiguous float32), ``1 <= k <= ntotal``."""
        if q.shape[0] == 0:
            return np.empty((0, k), np.float32), np.empty((0, k), np.int64)
        fetch = min(k * self._rerank, self.ntotal) if self._rerank > 1 else k
        graph = self._graph()
        if graph is not None:  # engine's walk of FAISS's graph (engine/index/hnsw_graph.py)
            scores, ids = graph.search(q, fetch, max(graph.hnsw.efSearch, fetch))
            return self._finish(q, k, scores, ids, precision)
        scores, ids = faiss_search(self.index, self._hnsw(), q, fetch)
        return self._finish(q, k, scores, ids, precision)

    def _finish(self, q, k, scores, ids, precision=None):
        """The ids checked, the candidates re-ranked (``rerank``), the k best and their scores."""
        _check_ids(ids, len(self.vectors))
        if self._rerank:
            scores, ids = _rescore(self.vectors, q, ids, k, precision or self._precision)
        scores = np.where(ids >= 0, scores, np.float32(-np.inf)).astype(np.float32, copy=False)
        return scores[:, :k], ids[:, :k].astype(np.int64, copy=False)

    def most_similar(
        self, word_or_vector: Key | np.ndarray, topn: int = 10, precision: str | None = None
    ) -> list[tuple[str, float]]:
        """The ``topn`` nearest words as ``[(word, cosine), ...]``, best first.

        A word (or row id) is excluded from its own results, as gensim's ``most_similar`` does
        (``topn + 1`` are fetched and the word dropped); a vector excludes nothing. This is the
        ``indexer`` contract of gensim's ``KeyedVectors.most_similar(..., indexer=index)``.

        Parameters
        ----------
        word_or_vector : str, int or array of shape (D,)
            A word or row id (excluded from its results), or a vector (nothing excluded).
        topn : int, default 10
            How many words; below 1 gives ``[]``.
        precision : {"auto", "float32", "bfloat16", "int8"}, optional
            The ``rerank`` step's precision (default: the ``precision`` knob); the same answer.

        Returns
        -------
        list of (str, float)
            ``(word, cosine)`` pairs, best first.

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3) + 0.1)
        >>> index = engine.FaissIndex.build(v, "flat")
        >>> [w for w, _ in index.most_similar("a", topn=2)]
        ['b', 'c']
        >>> [w for w, _ in index.most_similar(v["a"], topn=1)]
        ['a']
        """
        if type(topn) is not int:  # the declared check only when it can fail: per-call cost
            check("topn", topn, [Integral], "most_similar")
        if topn < 1:
            return []
        exclude = None
        if isinstance(word_or_vector, str) or is_int(word_or_vector):
            exclude = self.vectors.get_index(word_or_vector)
            # the word's unit row is the query: straight to the search, no query handling
            scores, ids = self._search(self.vectors.unit[[exclude]], min(topn + 1, self.ntotal), precision)
        else:
            query = np.asarray(word_or_vector)
            if query.ndim != 1 and query.shape[:1] != (1,):
                raise ShapeError(
                    f"most_similar: expected a word or one vector of shape ({self.vectors.vector_size},), got shape {query.shape}"
                )
            scores, ids = self.search(query.reshape(1, -1), topn, precision)
        keys = self.vectors.index_to_key
        out = [
            (keys[i], float(s))
            for s, i in zip(scores[0].tolist(), ids[0].tolist())
            if i >= 0 and i != exclude
        ]
        return out[:topn]

    # ------------------------------------------------------------------ recall
    def recall(self, sample: int = 1000, k: int = 10, seed: int = 0) -> float:
        """Recall@k of ``most_similar`` for ``sample`` random vocabulary words, against exact search.

        The word itself is dropped from both, as ``most_similar`` drops it; a returned word
        counts as found when its exact cosine is at least the exact k-th best (ties at the
        boundary are not misses: ``engine.index.exact.recall_at_k``).

        Parameters
        ----------
        sample : int, default 1000
            Vocabulary words queried (a seeded sample, at most the vocabulary).
        k : int, default 10
            Neighbours compared per word (at most the vocabulary size minus one).
        seed : int, default 0
            Seed of the sample.

        Returns
        -------
        float
            The fraction of the ``sample · k`` exact neighbours found, in [0, 1].

        Examples
        --------
        >>> import numpy as np, engine
        >>> v = engine.Vectors([f"w{i}" for i in range(300)], np.random.default_rng(0).normal(size=(300, 8)))
        >>> engine.FaissIndex.build(v, "flat").recall(sample=50, k=5)
        1.0
        """
        for name, val in (("sample", sample), ("k", k)):
            check(name, val, [Interval(Integral, 1, None)], "recall")
        n = self.ntotal
        if n < 2:
            raise EngineError("recall: needs at least 2 words")
        k = min(int(k), n - 1)
        rows = np.sort(np.random.default_rng(seed).choice(n, size=min(int(sample), n), replace=False))
        _, ids = self.search(np.ascontiguousarray(self.vectors.unit[rows]), k + 1)
        return recall_at_k(self.vectors.unit, rows, ids, k)

    # ------------------------------------------------------------------ persistence
    def save(self, path: PathLike) -> None:
        """Save to the directory ``path`` (created if needed): ``index.faiss`` and ``index.json``.

        ``path`` may be the vectors directory itself. Atomic: a kill at any moment leaves the old
        index or the new one loadable (``engine.index.storage`` describes the files and steps).

        Parameters
        ----------
        path : str or PathLike
            The directory (created if needed; a file in the way is an ``EngineError``).

        Raises
        ------
        StorageError
            When writing fails (disk full, no permission): an ``EngineError`` naming the path;
            the previous index is left whole.

        Examples
        --------
        >>> import numpy as np, engine, tempfile
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3))
        >>> d = tempfile.mkdtemp()
        >>> engine.FaissIndex.build(v, "flat").save(d)
        >>> engine.FaissIndex.load(d, v).most_similar("a", topn=1)[0][0] in ("b", "c")
        True
        """
        storage.save(self, path)

    @classmethod
    def load(cls, path: PathLike, vectors: Vectors | KeyedVectors) -> FaissIndex:
        """Load an index saved with ``save`` and attach it to ``vectors``.

        Parameters
        ----------
        path : str or PathLike
            The directory ``save`` wrote.
        vectors : Vectors or gensim KeyedVectors
            The vocabulary the index was built on (checked against the saved fingerprint).

        Returns
        -------
        FaissIndex
            The index, with the knobs (``efSearch``, ``nprobe``, ``rerank``) it was saved with.

        Raises
        ------
        FormatError
            For an ``index.faiss`` / ``index.json`` missing, unreadable, off-schema or not
            matching its digest.
        EngineError
            When ``vectors`` is not the vocabulary the index was built on.

        Examples
        --------
        >>> import numpy as np, engine, tempfile
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3))
        >>> d = tempfile.mkdtemp()
        >>> engine.FaissIndex.build(v, "hnsw", efSearch=32).save(d)
        >>> engine.FaissIndex.load(d, v).efSearch
        32
        """
        index, vectors, kind, params, knobs = storage.load(path, vectors)
        self = cls(index, vectors, kind, params)
        for name, value in knobs.items():
            if value is not None:
                setattr(self, name, value)
        self.params = params  # the setters above would record knobs that were never set
        return self
