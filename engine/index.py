"""``FaissIndex``: a FAISS index over a ``Vectors`` (exact or approximate), saved beside it.

Cosine similarity is the inner product of unit rows, so every index here is built over
``vectors.unit`` with FAISS's inner-product metric and every query is unit-normalised first.
FAISS ids are the rows of the vocabulary, so an id is a word through ``vectors.index_to_key``.

The kinds and their defaults (``N`` words of dimension ``D``). The IVF/PQ sizes scale with ``N``;
HNSW's do not. The graph's quality is set at build time by ``efConstruction``: with 40, ``recall@10``
on clustered data plateaus at 0.986 (300k words) and 0.931 (1M words) however deep the search;
with the default 100 it is 0.999 at 1M words with ``efSearch=64`` (the performance page). Measure with
``recall()``; raise ``efSearch`` after loading, ``efConstruction`` only by rebuilding:

==========  =========================================  ==============================================
kind        FAISS index                                defaults
==========  =========================================  ==============================================
``flat``    ``IndexFlatIP`` (exact)                    none
``hnsw``    ``IndexHNSWFlat``                          ``M=32``, ``efConstruction=100``, ``efSearch=64``
``ivf``     ``IndexIVFFlat``                           ``nlist=default_nlist(N)``, ``nprobe=64``
``sq8``     ``IndexScalarQuantizer`` (8-bit, exact     none (trained on a sample: the per-dimension
            scan over 1-byte codes: 4x less memory)    ranges)
``pq``      ``IndexIVFPQ`` (``m`` 8-bit codes a row)   ``nlist``, ``nprobe=64``, ``m=default_pq_m(D)``,
                                                       ``nbits=8``, ``rerank=10``
other       ``faiss.index_factory(D, kind, IP)``       trained when FAISS says it needs training
==========  =========================================  ==============================================

- ``default_nlist(N) = clip(round(4·sqrt(N)), 1, min(65536, N // 39))``: FAISS's rule of thumb
  (4–16·sqrt(N) lists), capped so k-means sees at least 39 training points per list.
- Training (``ivf``, ``pq``, ``sq8`` and factory strings that need it) uses a random sample of
  ``train_size = min(N, max(50,000, 40·nlist))`` rows (``seed=0``): enough for k-means to place
  ``nlist`` centroids while keeping training minutes, not hours, at 10M words.
- ``default_pq_m(D)``: the largest divisor of ``D`` that leaves at least 8 dimensions to each
  sub-quantizer (30 for D=300, 48 for D=384): a row costs ``m`` bytes instead of ``4·D``.
- ``rerank=r`` (any approximate kind; ``pq`` defaults to 10): fetch ``r·k`` candidates and
  re-score them exactly against ``vectors.unit``, which the index keeps anyway, so the scores
  returned are exact cosines and PQ's coarse codes only choose the candidates.
- Threads follow ``engine.set_num_threads`` (``faiss.omp_set_num_threads`` before each call).
"""

import hashlib
import json
import math
import os
import tempfile
from numbers import Integral

import numpy as np

from . import _kernels
from ._config import get_num_threads
from .errors import DependencyError, EngineError, FormatError, ShapeError
from .io import read_description
from .vectors import Vectors

KINDS = ("flat", "hnsw", "ivf", "sq8", "pq")
INDEX_FORMAT = "engine-faiss-index"
INDEX_VERSION = 1
FAISS_FILE = "index.faiss"
META_FILE = "index.json"

# Parameters each kind accepts (the knobs efSearch/nprobe and rerank can also change later).
_PARAMS = {
    "flat": (),
    "hnsw": ("M", "efConstruction", "efSearch", "rerank"),
    "ivf": ("nlist", "nprobe", "train_size", "seed", "rerank"),
    "sq8": ("train_size", "seed", "rerank"),
    "pq": ("nlist", "nprobe", "m", "nbits", "train_size", "seed", "rerank"),
    None: ("efSearch", "nprobe", "train_size", "seed", "rerank"),  # a factory string
}
_HNSW_DEFAULTS = {"M": 32, "efConstruction": 100, "efSearch": 64}
_DEFAULT_NPROBE = 64
_PQ_RERANK = 10


def _faiss():
    try:
        import faiss
    except ImportError:
        raise DependencyError("FaissIndex needs FAISS: pip install faiss-cpu") from None
    faiss.omp_set_num_threads(get_num_threads())
    return faiss


def default_nlist(n):
    """Number of IVF lists for ``n`` vectors: ``4·sqrt(n)``, at most ``n // 39`` and 65,536.

    Parameters
    ----------
    n : int
        Number of vectors to index.

    Returns
    -------
    int
        ``clip(round(4·sqrt(n)), 1, min(65536, n // 39))``.

    Examples
    --------
    >>> default_nlist(10_000), default_nlist(1_000_000), default_nlist(10_000_000)
    (256, 4000, 12649)
    """
    return int(max(1, min(round(4 * math.sqrt(n)), n // 39, 65536)))


def default_train_size(n, nlist):
    """Rows sampled to train an IVF/PQ/SQ index: ``min(n, max(50,000, 40·nlist))``.

    Parameters
    ----------
    n : int
        Number of vectors.
    nlist : int
        Number of IVF lists k-means places.

    Returns
    -------
    int
        The training sample size.

    Examples
    --------
    >>> default_train_size(21_745, 557), default_train_size(10_000_000, 12649)
    (21745, 505960)
    """
    return int(min(n, max(50_000, 40 * nlist)))


def default_pq_m(d):
    """PQ sub-quantizers for dimension ``d``: the largest divisor of ``d`` with ``d / m >= 8``.

    Eight or more dimensions a sub-quantizer keep FAISS's PQ training (one 256-centroid k-means
    per sub-quantizer) affordable; ``rerank`` recovers the precision the coarser codes lose.

    Parameters
    ----------
    d : int
        The dimension.

    Returns
    -------
    int
        The number ``m`` of sub-quantizers (1 when ``d < 16``).

    Examples
    --------
    >>> default_pq_m(300), default_pq_m(384), default_pq_m(7)
    (30, 48, 1)
    """
    return max([m for m in range(1, d // 8 + 1) if d % m == 0] or [1])


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
    kind : str
        ``"flat"``, ``"hnsw"``, ``"ivf"``, ``"sq8"``, ``"pq"`` or the FAISS factory string.
    params : dict
        Every build parameter, defaults resolved (``nlist``, ``M``, ``train_size`` ...).
    index : faiss.Index
        The FAISS object itself.

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

    def __init__(self, index, vectors, kind, params):
        self.index = index
        self.vectors = vectors
        self.kind = kind
        self.params = dict(params)
        self._rerank = int(self.params.get("rerank", 0) or 0)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, vectors, kind="hnsw", **params):
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
        for start in range(0, n, 1 << 18):  # blocks keep a memory-mapped matrix from being copied whole
            index.add(np.ascontiguousarray(unit[start : start + (1 << 18)]))
        self = cls(index, vectors, key or kind.strip(), params)
        if "efSearch" in params:
            self.efSearch = params["efSearch"]
        if "nprobe" in params:
            self.nprobe = params["nprobe"]
        return self

    # ------------------------------------------------------------------ knobs
    @property
    def efSearch(self):
        """HNSW search depth (larger: better recall, slower); None for an index without HNSW.

        Settable (an int >= 1), also after ``load``; ``EngineError`` on an index without HNSW.

        Returns
        -------
        int or None

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
        h = self._hnsw()
        return None if h is None else int(h.efSearch)

    @efSearch.setter
    def efSearch(self, value):
        h = self._hnsw()
        if h is None:
            raise EngineError(f"efSearch: the {self.kind!r} index has no HNSW graph")
        h.efSearch = _positive_int("efSearch", value)
        self.params["efSearch"] = int(h.efSearch)

    @property
    def nprobe(self):
        """IVF lists visited per query (larger: better recall, slower); None without IVF.

        Settable (an int >= 1, capped at ``nlist``); ``EngineError`` on an index without IVF.

        Returns
        -------
        int or None

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
        ivf = self._ivf()
        return None if ivf is None else int(ivf.nprobe)

    @nprobe.setter
    def nprobe(self, value):
        ivf = self._ivf()
        if ivf is None:
            raise EngineError(f"nprobe: the {self.kind!r} index has no inverted lists")
        value = _positive_int("nprobe", value)
        ivf.nprobe = min(value, ivf.nlist)
        self.params["nprobe"] = int(ivf.nprobe)

    @property
    def rerank(self):
        """Candidates per result re-scored exactly against ``vectors.unit`` (0: off).

        Settable (an int >= 0): ``rerank=r`` fetches ``r·k`` candidates and returns their exact
        cosines.

        Returns
        -------
        int

        Examples
        --------
        >>> import engine
        >>> index = engine.FaissIndex.build(engine.datasets.clustered_vectors(500, 16), "pq")
        >>> index.rerank
        10
        >>> index.rerank = 0
        >>> index.rerank
        0
        """
        return self._rerank

    @rerank.setter
    def rerank(self, value):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
            raise EngineError(f"rerank: expected an integer >= 0, got {value!r}")
        self._rerank = int(value)
        self.params["rerank"] = self._rerank

    def _hnsw(self):
        import faiss

        idx = faiss.downcast_index(self.index)
        return getattr(idx, "hnsw", None)

    def _ivf(self):
        import faiss

        return _extract_ivf(faiss, self.index)

    # ------------------------------------------------------------------ search
    @property
    def ntotal(self):
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

    def search(self, queries, k=10):
        """Top-``k`` rows for each query: ``(scores, ids)``, both of shape ``(Q, k)``.

        The query word itself is not excluded (``most_similar`` does that).

        Parameters
        ----------
        queries : str, int, list of str or int, or array of shape (D,) or (Q, D)
            Words, row ids, or vectors (unit-normalised here; zero rows score 0).
        k : int, default 10
            Results per query; above the vocabulary size it is clipped.

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
        q = self._queries(queries)
        if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
            raise EngineError(f"search: k must be an integer >= 1, got {k!r}")
        k = min(int(k), self.ntotal)
        if q.shape[0] == 0:
            return np.empty((0, k), np.float32), np.empty((0, k), np.int64)
        fetch = min(k * self._rerank, self.ntotal) if self._rerank > 1 else k
        faiss = _faiss()  # also applies the thread count
        h = self._hnsw()
        if h is not None and h.efSearch < fetch:  # HNSW returns at most efSearch results
            params = faiss.SearchParametersHNSW()
            params.efSearch = fetch
            scores, ids = self.index.search(q, fetch, params=params)
        else:
            scores, ids = self.index.search(q, fetch)
        if self._rerank:
            scores, ids = _rescore(self.vectors.unit, q, ids, k)
        scores = np.where(ids >= 0, scores, np.float32(-np.inf)).astype(np.float32, copy=False)
        return scores[:, :k], ids[:, :k].astype(np.int64, copy=False)

    def most_similar(self, word_or_vector, topn=10):
        """The ``topn`` nearest words as ``[(word, cosine), ...]``, best first.

        A word (or row id) is excluded from its own results, as gensim's ``most_similar`` does
        (``topn + 1`` are fetched and the word dropped); a vector excludes nothing. This is the
        ``indexer`` contract: gensim's ``KeyedVectors.most_similar(..., indexer=index)`` calls
        ``index.most_similar(unit_mean_vector, topn)`` and returns its answer unchanged.

        Parameters
        ----------
        word_or_vector : str, int or array of shape (D,)
            A word or row id (excluded from its results), or a vector (nothing excluded).
        topn : int, default 10
            How many words; below 1 gives ``[]``.

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
        if isinstance(topn, bool) or not isinstance(topn, Integral):
            raise EngineError(f"most_similar: topn must be an integer, got {topn!r}")
        if topn < 1:
            return []
        exclude = None
        if isinstance(word_or_vector, (str, Integral)) and not isinstance(word_or_vector, bool):
            exclude = self.vectors.get_index(word_or_vector)
            query = [exclude]
        else:
            query = np.asarray(word_or_vector)
            if query.ndim != 1 and query.shape[:1] != (1,):
                raise ShapeError(
                    f"most_similar: expected a word or one vector of shape ({self.vectors.vector_size},), got shape {query.shape}"
                )
            query = query.reshape(1, -1)
        scores, ids = self.search(query, topn + (exclude is not None))
        keys = self.vectors.index_to_key
        out = [
            (keys[i], float(s))
            for s, i in zip(scores[0].tolist(), ids[0].tolist())
            if i >= 0 and i != exclude
        ]
        return out[:topn]

    def _queries(self, queries):
        from . import _kernels

        d = self.vectors.vector_size
        if isinstance(queries, (str, Integral)) and not isinstance(queries, bool):
            queries = [queries]
        if isinstance(queries, (list, tuple)) and all(
            isinstance(x, (str, Integral)) and not isinstance(x, bool) for x in queries
        ):
            rows = np.fromiter(
                (self.vectors.get_index(x) for x in queries), dtype=np.int64, count=len(queries)
            )
            return np.ascontiguousarray(self.vectors.unit[rows])
        a = np.asarray(queries)
        if a.dtype.kind in "iu":
            if a.ndim != 1:
                raise ShapeError(f"search: row ids must be 1-D, got shape {a.shape}")
            return self._queries([int(x) for x in a])
        if a.ndim == 1:
            a = a.reshape(1, -1)
        a = _kernels.as_matrix(a, "queries")
        if a.shape[1] != d:
            raise ShapeError(f"search: queries have {a.shape[1]} dimensions, the index has {d}")
        # numpy, not the OpenMP kernel: a thread team for one query costs more than the work
        norms = np.sqrt(np.einsum("ij,ij->i", a, a, dtype=np.float64)).astype(np.float32)
        return np.ascontiguousarray(a / np.where(norms > 0, norms, 1)[:, None])

    # ------------------------------------------------------------------ recall
    def recall(self, sample=1000, k=10, seed=0):
        """Recall@k of ``most_similar`` for ``sample`` random vocabulary words, against exact search.

        Each sampled word queries both this index and an exact search (a blocked float32 BLAS
        product over ``vectors.unit``); the word itself is dropped from both, as
        ``most_similar`` drops it. A returned word counts as found when its exact cosine is at
        least the exact k-th best (so ties at the boundary are not misses). Tune ``efSearch`` or
        ``nprobe`` until it suits you.

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
            if isinstance(val, bool) or not isinstance(val, Integral) or val < 1:
                raise EngineError(f"recall: {name} must be an integer >= 1, got {val!r}")
        n = self.ntotal
        if n < 2:
            raise EngineError("recall: needs at least 2 words")
        k = min(int(k), n - 1)
        rows = np.sort(np.random.default_rng(seed).choice(n, size=min(int(sample), n), replace=False))
        _, ids = self.search(np.ascontiguousarray(self.vectors.unit[rows]), k + 1)
        return recall_at_k(self.vectors.unit, rows, ids, k)

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Save to the directory ``path`` (created if needed): ``index.faiss`` and ``index.json``.

        ``path`` may be the engine vectors directory itself, so the index lives beside the
        vectors. ``index.json`` holds the kind, the parameters, the knobs, the vocabulary's
        fingerprint and the SHA-256 of ``index.faiss``. Each file is written to a temporary name
        and renamed; ``index.json`` goes last, so a crash in between leaves a pair whose checksum
        does not match and ``load`` says so rather than serving a wrong index.

        Parameters
        ----------
        path : str or PathLike
            The directory (created if needed; a file in the way is an ``EngineError``).

        Examples
        --------
        >>> import numpy as np, engine, tempfile
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3))
        >>> d = tempfile.mkdtemp()
        >>> engine.FaissIndex.build(v, "flat").save(d)
        >>> engine.FaissIndex.load(d, v).most_similar("a", topn=1)[0][0] in ("b", "c")
        True
        """
        faiss = _faiss()
        path = os.fspath(path)
        if os.path.exists(path) and not os.path.isdir(path):
            raise EngineError(f"save {path}: a file is in the way (an index is saved to a directory)")
        os.makedirs(path, exist_ok=True)
        tmp_index = _tmp_name(path, FAISS_FILE)
        tmp_meta = _tmp_name(path, META_FILE)
        try:
            faiss.write_index(self.index, tmp_index)
            meta = {
                "format": INDEX_FORMAT,
                "version": INDEX_VERSION,
                "kind": self.kind,
                "params": self.params,
                "knobs": {"efSearch": self.efSearch, "nprobe": self.nprobe, "rerank": self.rerank},
                "ntotal": self.ntotal,
                "fingerprint": fingerprint(self.vectors),
                "faiss_sha256": _sha256(tmp_index),
                "faiss_bytes": os.path.getsize(tmp_index),
                "faiss_version": faiss.__version__,
            }
            with open(tmp_meta, "w", encoding="utf-8") as f:
                json.dump(meta, f, indent=1)
            os.replace(tmp_index, os.path.join(path, FAISS_FILE))
            os.replace(tmp_meta, os.path.join(path, META_FILE))
        except BaseException:
            for p in (tmp_index, tmp_meta):
                if os.path.exists(p):
                    os.remove(p)
            raise

    @classmethod
    def load(cls, path, vectors):
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
            When ``index.faiss`` or ``index.json`` is missing, unreadable or does not match its
            checksum.
        EngineError
            When ``vectors`` is not the vocabulary the index was built on (other words, order,
            size, dimension or vectors).

        Examples
        --------
        >>> import numpy as np, engine, tempfile
        >>> v = engine.Vectors(["a", "b", "c"], np.eye(3))
        >>> d = tempfile.mkdtemp()
        >>> engine.FaissIndex.build(v, "hnsw", efSearch=32).save(d)
        >>> engine.FaissIndex.load(d, v).efSearch
        32
        """
        faiss = _faiss()
        vectors = _as_vectors(vectors)
        path = os.fspath(path)
        meta_path, index_path = os.path.join(path, META_FILE), os.path.join(path, FAISS_FILE)
        if not os.path.isdir(path):
            raise FormatError(f"{path}: no such index directory")
        meta = read_description(
            meta_path,
            INDEX_FORMAT,
            INDEX_VERSION,
            missing=f"{meta_path}: missing (not a saved FaissIndex)",
            what="a FaissIndex description",
        )
        try:
            kind, params, knobs, fp = (
                meta["kind"],
                dict(meta["params"]),
                dict(meta["knobs"]),
                meta["fingerprint"],
            )
            expected_sha = meta["faiss_sha256"]
        except (KeyError, TypeError, ValueError) as e:
            raise FormatError(f"{meta_path}: incomplete ({e})") from None
        problem = fingerprint_mismatch(fp, vectors)
        if problem:
            raise EngineError(f"{path}: the index was built on a different vocabulary: {problem}")
        if not os.path.isfile(index_path):
            raise FormatError(f"{index_path}: missing")
        if _sha256(index_path) != expected_sha:
            raise FormatError(
                f"{index_path}: corrupted or partially written (its SHA-256 does not match {META_FILE})"
            )
        try:
            index = faiss.read_index(index_path)
        except RuntimeError as e:
            raise FormatError(f"{index_path}: not a readable FAISS index ({_faiss_msg(e)})") from None
        if index.ntotal != len(vectors) or index.d != vectors.vector_size:
            raise FormatError(
                f"{index_path}: holds {index.ntotal} × {index.d}, the vectors are {len(vectors)} × {vectors.vector_size}"
            )
        self = cls(index, vectors, kind, params)
        for name, value in knobs.items():
            if value is not None:
                setattr(self, name, value)
        self.params = params  # the setters above would record knobs that were never set
        return self


# ---------------------------------------------------------------------- helpers
def recall_at_k(unit, rows, ids, k):
    """Recall@k of ``ids`` (``(Q, >= k)``, -1 for none) found for the words ``rows`` of ``unit``.

    Each query's own row is dropped from ``ids`` (as ``most_similar`` drops the word); a
    returned row counts as found when its exact cosine is at least the exact k-th best, the
    word itself excluded, so ties at the boundary are not misses. Any approximate search (FAISS,
    hnswlib ...) can be measured with it.

    Parameters
    ----------
    unit : ndarray of float32, shape (N, D)
        Unit rows of the vocabulary.
    rows : array of int, shape (Q,)
        The rows queried.
    ids : array of int, shape (Q, >= k)
        The rows the approximate search returned for them (-1 for none).
    k : int
        Neighbours compared per query.

    Returns
    -------
    float
        Recall@k in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.eye(4, dtype=np.float32) + 0.1
    >>> unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    >>> _, ids = exact_search(unit, unit[:2], 3)
    >>> recall_at_k(unit, np.array([0, 1]), ids, 2)
    1.0
    """
    q = np.ascontiguousarray(unit[rows])
    exact_scores, _ = exact_search(unit, q, k, exclude=rows)
    bound = exact_scores[:, k - 1] - 1e-5
    found = 0
    for r, row_ids, b, qv in zip(rows, np.asarray(ids), bound, q):
        got = [i for i in row_ids.tolist() if i >= 0 and i != r][:k]
        if got:
            found += int(np.count_nonzero(unit[got] @ qv >= b))
    return found / (len(rows) * k)


def exact_search(unit, queries, k, exclude=None):
    """Exact top-``k`` by inner product with engine's search kernel, ``(scores, ids)``.

    This is the reference ``recall`` measures against.

    Parameters
    ----------
    unit : ndarray of float32, shape (N, D)
        The rows searched (unit rows for cosines).
    queries : ndarray of float32, shape (Q, D)
        The queries.
    k : int
        Results per query (one fewer when ``exclude`` is given and ``k`` is ``N``).
    exclude : array of int, shape (Q,), optional
        One row per query removed from that query's results.

    Returns
    -------
    scores : ndarray of float32, shape (Q, k)
        Inner products, best first.
    ids : ndarray of int64, shape (Q, k)
        Their rows.

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    >>> scores, ids = exact_search(unit, unit[:1], 2, exclude=[0])
    >>> ids.tolist()
    [[1, 2]]
    """
    k = min(k, unit.shape[0] - (exclude is not None))
    rows = None if exclude is None else [[int(r)] for r in exclude]
    return _kernels.topk(unit, queries, k, exclude=rows)


def _rescore(unit, q, ids, k):
    """Exact cosines of the candidate ``ids`` (-1: none), best ``k`` kept per query."""
    valid = ids >= 0
    cand = unit[np.where(valid, ids, 0)]  # (Q, c, D)
    exact = np.einsum("qcd,qd->qc", cand, q, dtype=np.float32)
    exact[~valid] = -np.inf
    order = np.argsort(-exact, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(exact, order, axis=1), np.take_along_axis(ids, order, axis=1)


def fingerprint(vectors):
    """What identifies a vocabulary: size, dimension, SHA-256 of the words and a probe of the rows.

    The probe is the projection of up to 32 evenly spaced unit rows on a fixed random direction:
    it tells apart two models with the same words (retrained vectors) while tolerating the
    float32 rounding of a reload.

    Parameters
    ----------
    vectors : Vectors
        The vocabulary.

    Returns
    -------
    dict
        ``{"count", "dim", "keys_sha256", "probe"}`` (saved in ``index.json``).

    Examples
    --------
    >>> import numpy as np, engine
    >>> fp = fingerprint(engine.Vectors(["a", "b"], np.eye(2)))
    >>> fp["count"], fp["dim"], len(fp["probe"])
    (2, 2, 2)
    """
    h = hashlib.sha256()
    for key in vectors.index_to_key:
        b = key.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(4, "little"))
        h.update(b)
    return {
        "count": len(vectors),
        "dim": vectors.vector_size,
        "keys_sha256": h.hexdigest(),
        "probe": _probe(vectors),
    }


def _probe(vectors):
    n, d = len(vectors), vectors.vector_size
    rows = np.unique(np.linspace(0, n - 1, num=min(n, 32)).astype(np.int64))
    direction = np.random.default_rng(20261124).standard_normal(d)
    return [round(float(x), 6) for x in np.asarray(vectors.unit[rows], np.float64) @ direction]


def fingerprint_mismatch(fp, vectors):
    """Why ``vectors`` differs from the fingerprint ``fp``, or None when it matches.

    Parameters
    ----------
    fp : dict
        A fingerprint, as :func:`fingerprint` made it.
    vectors : Vectors
        The vocabulary to check.

    Returns
    -------
    str or None
        The difference in words (size, dimension, words or order, vectors), or None.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> fingerprint_mismatch(fingerprint(v), v) is None
    True
    >>> fingerprint_mismatch(fingerprint(v), engine.Vectors(["b", "a"], np.eye(2)))
    'same size but other words or another word order'
    """
    try:
        n, d = int(fp["count"]), int(fp["dim"])
        keys, probe = fp["keys_sha256"], fp["probe"]
    except (KeyError, TypeError, ValueError):
        return "the saved fingerprint is incomplete"
    if (n, d) != (len(vectors), vectors.vector_size):
        return f"it has {n} words × {d} dims, these vectors have {len(vectors)} × {vectors.vector_size}"
    ours = fingerprint(vectors)
    if keys != ours["keys_sha256"]:
        return "same size but other words or another word order"
    if len(probe) != len(ours["probe"]) or not np.allclose(probe, ours["probe"], atol=1e-4):
        return "same words but other vectors"
    return None


def _as_vectors(vectors):
    if isinstance(vectors, Vectors):
        return vectors
    try:
        from gensim.models import KeyedVectors
    except ImportError:  # pragma: no cover - gensim is a dependency
        KeyedVectors = ()
    if isinstance(vectors, KeyedVectors):
        return Vectors.from_gensim(vectors)
    raise EngineError(
        f"FaissIndex: expected an engine Vectors or a gensim KeyedVectors, got {type(vectors).__name__}"
    )


def _extract_ivf(faiss, index):
    """The inverted-file part of ``index`` (also inside wrappers such as a pre-transform), or None."""
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise EngineError(f"{name}: expected an integer >= 1, got {value!r}")
    return int(value)


def _check_params(key, kind, params, n, d):
    allowed = _PARAMS[key]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        what = f"kind {key!r}" if key else "a FAISS factory string"
        raise EngineError(
            f"FaissIndex.build: unknown parameter(s) {', '.join(unknown)} for {what}; "
            f"accepted: {', '.join(allowed) or 'none'}"
        )
    out = {}
    for name, value in params.items():
        low = 0 if name in ("seed", "rerank") else 1
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise EngineError(f"FaissIndex.build: {name} must be an integer >= {low}, got {value!r}")
        out[name] = int(value)
    if key == "hnsw":
        out = {**_HNSW_DEFAULTS, **out}
    if key in ("ivf", "pq"):
        out.setdefault("nlist", default_nlist(n))
        if out["nlist"] > n:
            raise EngineError(f"FaissIndex.build: nlist={out['nlist']} exceeds the {n} vectors to cluster")
        out.setdefault("nprobe", min(_DEFAULT_NPROBE, out["nlist"]))
    if key == "pq":
        out.setdefault("m", default_pq_m(d))
        out.setdefault("nbits", 8)
        out.setdefault("rerank", _PQ_RERANK)
        if d % out["m"]:
            raise EngineError(f"FaissIndex.build: m={out['m']} sub-quantizers must divide the dimension {d}")
        if not 1 <= out["nbits"] <= 16:
            raise EngineError(f"FaissIndex.build: nbits must be within 1..16, got {out['nbits']}")
        if 2 ** out["nbits"] > out.get("train_size", n):
            raise EngineError(
                f"FaissIndex.build: nbits={out['nbits']} needs at least {2 ** out['nbits']} training vectors, "
                f"only {min(n, out.get('train_size', n))} available; lower nbits"
            )
    if "train_size" in out and out["train_size"] > n:
        out["train_size"] = n
    return out


def _make(faiss, key, kind, params, d):
    ip = faiss.METRIC_INNER_PRODUCT
    if key == "flat":
        return faiss.IndexFlatIP(d)
    if key == "hnsw":
        index = faiss.IndexHNSWFlat(d, params["M"], ip)
        index.hnsw.efConstruction = params["efConstruction"]
        return index
    if key == "sq8":
        return faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_8bit, ip)
    if key in ("ivf", "pq"):
        quantizer = faiss.IndexFlatIP(d)
        if key == "ivf":
            index = faiss.IndexIVFFlat(quantizer, d, params["nlist"], ip)
        else:
            index = faiss.IndexIVFPQ(quantizer, d, params["nlist"], params["m"], params["nbits"], ip)
        return index  # faiss's wrapper keeps a reference to the quantizer
    try:
        return faiss.index_factory(d, kind.strip(), ip)
    except RuntimeError as e:
        raise EngineError(
            f"FaissIndex.build: {kind!r} is neither one of {', '.join(KINDS)} "
            f"nor a FAISS factory string for dimension {d} ({_faiss_msg(e)})"
        ) from None


def _faiss_msg(e):
    """The useful line of a FAISS C++ exception message."""
    text = str(e).strip().splitlines()
    msg = next((line for line in text if "Error" in line or "error" in line), text[-1] if text else "")
    return msg.strip()


def _tmp_name(folder, name):
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    return tmp


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()
