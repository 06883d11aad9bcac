"""``MetaEmbeddings``: gather the sources, choose the vocabulary, fill what a source lacks, build ``.wv``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _kernels, _progress
from .._params import Interval, Options, check
from ..errors import EngineError
from ..vectors import Vectors
from ._sampling import _rows64, _sample
from .fills import _count_map_fills, _fill_maps, _ngram_fill
from .projections import _learn
from .weights import _resolve_weights

if TYPE_CHECKING:
    from .._typing import Progress

METHODS = ("conc", "avg", "svd", "1ton", "align")


class MetaEmbeddings:
    """Combine several embedding sources into one ``Vectors`` (``.wv``).

    Every source's rows are unit-normalised, weighted by ``sqrt(w_s)``, projected and combined
    (module docstring for the notation); every result row is unit-normalised.

    Parameters
    ----------
    sources : list
        Two or more of: gensim ``Word2Vec``/``FastText``/``KeyedVectors``, ``engine.Vectors``,
        or a path ``engine.load`` reads.
    method : {"conc", "avg", "svd", "1ton", "align"}
        ``conc``: weighted concatenation of unit vectors (dimension ``sum D_s``).
        ``avg``: weighted sum of unit vectors zero-padded to ``max D_s`` (Coates & Bollegala 2018).
        ``svd``: the concatenation projected on its top ``dim`` right singular vectors.
        ``1ton``: a meta space with a learned linear map to every source (Yin & Schütze 2016).
        ``align``: every source rotated into one space by orthogonal Procrustes, then averaged
        (as MetaVec, García-Ferrero et al. 2021).
    dim : int, optional
        Output dimension for ``svd`` and ``1ton`` (default ``max D_s``). ``conc``, ``avg`` and
        ``align`` have a fixed dimension; giving another one is an error.
    weights : None, "auto" or sequence of float
        None: equal weights. ``"auto"``: estimated from how the sources agree with each other
        (see ``agreement_weights``). Otherwise one non-negative weight per source.
    vocab : {"union", "intersection"}
        Which words the result has.
    oov : {"fill", "zero"}
        For a word a source lacks: ``"fill"`` predicts the source's vector — from character
        n-grams when the source has them (fastText), else with ridge linear maps learned from
        the words shared with the other sources; ``"zero"`` leaves zeros.
    add_words : iterable of str, optional
        Words to add to the vocabulary although no source has a row for them (e.g. the words
        of an evaluation set): they are filled like any missing word (n-grams, then maps from
        the n-gram-filled sources). Only a source with character n-grams (fastText) can give a
        vector to a word outside every vocabulary: the words none can fill are left out
        (``report["dropped"]`` counts them).
    names : sequence of str, optional
        Source names for the report.
    max_train : int
        At most this many shared words (a seeded random sample) to learn maps and projections.
    fill_ridge : float
        Ridge strength of the fill maps, relative to the mean eigenvalue of ``X^T X``.
    ridge : float
        ``1ton`` only: the L2 penalty, relative to the root mean squared singular value of ``C``.
    seed : int
        Seed of every random sample and initialisation (results are deterministic).
    progress : bool or "always", default False
        A progress bar of the build's steps on standard error (``engine._progress``).

    Attributes
    ----------
    wv : Vectors
        The meta-embedding (unit-length rows).
    weights : ndarray
        The sources' weights, summing to 1.
    projections : list of ndarray or None
        Per source, the ``D_s × dim`` matrix the kernel applied (None for ``conc``/``avg``).
    report : MetaReport
        Per-source counts (present, filled by n-grams, filled by a map, left zero), weights and
        how they were chosen; ``print(meta.report)`` shows a table.

    Raises
    ------
    EngineError
        For an unknown method, vocab or oov, fewer than two sources, bad weights, a ``dim``
        for a method of fixed dimension, or too few shared words to learn from.

    Examples
    --------
    >>> import numpy as np, engine
    >>> rng = np.random.default_rng(0)
    >>> a = engine.Vectors(["apple", "pear", "car"], rng.normal(size=(3, 4)))
    >>> b = engine.Vectors(["apple", "pear", "bus"], rng.normal(size=(3, 6)))
    >>> meta = engine.MetaEmbeddings([a, b], oov="zero")
    >>> meta.wv
    <engine.Vectors: 4 words × 10 dims>
    >>> sorted(meta.wv.index_to_key)
    ['apple', 'bus', 'car', 'pear']
    """

    def __init__(
        self,
        sources: Sequence[Any],
        method: str = "conc",
        dim: int | None = None,
        weights: str | Sequence[float] | None = None,
        vocab: str = "union",
        oov: str = "fill",
        *,
        add_words: Iterable[str] | None = None,
        names: Sequence[str] | None = None,
        max_train: int = 100_000,
        fill_ridge: float = 0.1,
        ridge: float = 0.01,
        seed: int = 0,
        progress: Progress = False,
    ) -> None:
        step = _progress.bar(total=5, desc="meta-embedding", unit="step", progress=progress)
        args = dict(method=method, vocab=vocab, oov=oov, max_train=max_train, fill_ridge=fill_ridge)
        _check_args(sources, dict(args, ridge=ridge))
        self.method, self.vocab, self.oov = method, vocab, oov
        loaded = [_as_source(s, i) for i, s in enumerate(sources)]
        self.sources = [v for v, _, _ in loaded]
        self.names = _names(names, loaded)
        rng = np.random.default_rng(seed)

        words, idx = _vocabulary(self.sources, vocab)
        words, idx, n_added = _with_added_words(words, idx, add_words, vocab)
        step.update()
        shared = np.flatnonzero(np.all(np.stack(idx) >= 0, axis=0))
        train = _sample(shared, int(max_train), rng)
        self.weights, auto = _resolve_weights(weights, self.sources, idx, train, rng)
        scales = np.sqrt(self.weights)
        step.update()
        words, idx, fills = self._fill(loaded, words, idx, n_added, float(fill_ridge), int(max_train), rng)
        step.update()

        X = [_rows64(v, i[train]) for v, i in zip(self.sources, idx)]
        projs, offsets, d_out, learned = _learn(method, dim, X, scales, float(ridge), rng)
        self.projections = projs if method in ("svd", "1ton", "align") else None
        self.learned = learned
        step.update()
        self.wv = self._combine(words, idx, fills, scales, projs, offsets, d_out)
        step.update()
        step.close()
        self.report = self._report(len(words), d_out, fills, shared, train, auto)

    _parameter_constraints = {
        "method": [Options(METHODS)],
        "vocab": [Options(("union", "intersection"))],
        "oov": [Options(("fill", "zero"))],
        "max_train": [Interval(Integral, 2, None)],
        "fill_ridge": [Interval(Real, 0, None)],
        "ridge": [Interval(Real, 0, None)],
    }

    def _fill(self, loaded, words, idx, n_added, fill_ridge, max_train, rng):
        """Vectors for the words a source lacks (n-grams, then ridge maps); drops added words
        nothing could fill. Returns ``(words, idx, (extras, maps, counts, dropped))``."""
        counts = [dict(present=int((i >= 0).sum()), filled_ngrams=0, filled_map=0) for i in idx]
        extras = [None] * len(idx)
        maps = [None] * (len(idx) ** 2)
        if self.oov == "fill":
            for s, ((v, ngram_fn, _), i) in enumerate(zip(loaded, idx)):
                if ngram_fn is not None:
                    extras[s], counts[s]["filled_ngrams"] = _ngram_fill(ngram_fn, words, i, v.vector_size)
        dropped = 0
        if n_added:  # added words that no n-gram source could give a vector have nothing at all
            keep = np.any(np.stack(idx) != -1, axis=0)
            dropped = int((~keep).sum())
            if dropped:
                words = [w for w, k in zip(words, keep) if k]
                idx = [i[keep] for i in idx]
        if self.oov == "fill":
            maps = _fill_maps(self.sources, idx, fill_ridge, max_train, rng)
            _count_map_fills(idx, maps, counts)
        for c in counts:
            c["zero"] = len(words) - c["present"] - c["filled_ngrams"] - c["filled_map"]
        return words, idx, (extras, maps, counts, dropped)

    def _combine(self, words, idx, fills, scales, projs, offsets, d_out):
        """The meta-embedding's ``Vectors``, built block by block by the projection kernel."""
        extras, maps, _, _ = fills
        srcs = [
            dict(rows=v.unit, idx=i, extra=e, scale=a, proj=p, offset=o)
            for v, i, e, a, p, o in zip(self.sources, idx, extras, scales, projs, offsets)
        ]
        out, norms = _kernels.build_meta(srcs, maps, d_out)
        meta = {
            "source": "engine.MetaEmbeddings",
            "method": self.method,
            "vocab": self.vocab,
            "oov": self.oov,
            "sources": self.names,
            "weights": [round(float(w), 6) for w in self.weights],
        }
        return Vectors(words, normalized=(out, (norms > 0).astype(np.float32)), meta=meta)

    def _report(self, n_words, d_out, fills, shared, train, auto):
        _, _, counts, dropped = fills
        return MetaReport(
            method=self.method,
            vocab=self.vocab,
            oov=self.oov,
            words=n_words,
            dim=d_out,
            dropped=dropped,
            shared=int(shared.size),
            trained_on=int(train.size),
            weighting=auto,
            sources=[
                dict(name=n, dim=v.vector_size, words=len(v), weight=float(w), **c)
                for n, v, w, c in zip(self.names, self.sources, self.weights, counts)
            ],
        )

    def __repr__(self):
        return (
            f"<engine.MetaEmbeddings {self.method}: {len(self.sources)} sources → "
            f"{len(self.wv)} words × {self.wv.vector_size} dims>"
        )


def _check_args(sources, args):
    """The checks of ``MetaEmbeddings``' arguments: its declared constraints, then the sources."""
    for name, constraints in MetaEmbeddings._parameter_constraints.items():
        check(name, args[name], constraints, "MetaEmbeddings")
    if isinstance(sources, (str, os.PathLike, Vectors)) or not hasattr(sources, "__len__"):
        raise EngineError("MetaEmbeddings: give a list of sources, e.g. MetaEmbeddings([m1, m2])")
    if len(sources) < 2:
        raise EngineError(f"MetaEmbeddings: combine at least 2 sources, got {len(sources)}")


def _names(names, loaded):
    if names is None:
        return [n for _, _, n in loaded]
    names = [str(n) for n in names]
    if len(names) != len(loaded):
        raise EngineError(f"MetaEmbeddings: {len(names)} names for {len(loaded)} sources")
    return names


def _with_added_words(words, idx, add_words, vocab):
    """``words`` and ``idx`` extended by ``add_words`` not yet in them (no source has a row)."""
    n_added = 0
    if add_words is not None:
        if isinstance(add_words, str):
            raise EngineError("MetaEmbeddings: add_words must be a list of words, not one string")
        known = set(words)
        new = [w for w in dict.fromkeys(add_words) if w not in known]
        if any(not isinstance(w, str) for w in new):
            raise EngineError("MetaEmbeddings: add_words must contain only strings")
        words, n_added = words + new, len(new)
        idx = [np.concatenate([i, np.full(len(new), -1, np.int64)]) for i in idx]
    if not words:
        raise EngineError(f"MetaEmbeddings: the {vocab} of the sources' vocabularies is empty")
    return words, idx, n_added


class MetaReport(dict):
    """What ``MetaEmbeddings`` did: a dict (``report["sources"][s]["filled_map"]`` …) that prints as a table.

    Keys: ``method``, ``vocab``, ``oov``, ``words``, ``dim``, ``dropped`` (added words nothing
    could fill), ``shared`` (words every source has), ``trained_on``, ``weighting`` (how the
    weights were chosen: ``weighting["how"]``) and ``sources``: per source its ``name``,
    ``dim``, ``words``, ``weight`` and the words ``present``, ``filled_ngrams``,
    ``filled_map`` and ``zero``. ``MetaEmbeddings`` makes it.

    Examples
    --------
    >>> import numpy as np, engine
    >>> rng = np.random.default_rng(0)
    >>> a = engine.Vectors(["x", "y"], rng.normal(size=(2, 3)))
    >>> b = engine.Vectors(["x", "z"], rng.normal(size=(2, 3)))
    >>> report = engine.MetaEmbeddings([a, b], oov="zero").report
    >>> report["words"], [s["zero"] for s in report["sources"]]
    (3, [1, 1])
    >>> str(report).splitlines()[0]  # doctest: +ELLIPSIS
    'conc meta-embedding: 3 words × 6 dims (union, oov=zero); ...'
    """

    def __str__(self):
        lines = [
            f"{self['method']} meta-embedding: {self['words']:,} words × {self['dim']} dims "
            f"({self['vocab']}, oov={self['oov']}); {self['shared']:,} words shared by all sources, "
            f"{self['trained_on']:,} used to learn maps"
            + (
                f"; {self['dropped']:,} added words nothing could fill were left out"
                if self.get("dropped")
                else ""
            ),
            f"weights: {self['weighting']['how']}",
            f"{'source':<24}{'dims':>6}{'words':>10}{'weight':>8}{'present':>10}"
            f"{'n-gram fill':>12}{'map fill':>10}{'zero':>8}",
        ]
        for s in self["sources"]:
            lines.append(
                f"{s['name'][:23]:<24}{s['dim']:>6}{s['words']:>10,}{s['weight']:>8.3f}"
                f"{s['present']:>10,}{s['filled_ngrams']:>12,}{s['filled_map']:>10,}{s['zero']:>8,}"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------- sources and vocabulary
def _as_source(obj, i):
    """``(Vectors, ngram_fn or None, name)`` for one source."""
    if isinstance(obj, Vectors):
        vec, name = obj, obj.meta.get("name") or f"source{i}"
    elif isinstance(obj, (str, os.PathLike)):
        from ..io import load

        vec, name = load(obj), os.path.basename(os.path.normpath(os.fspath(obj)))
    else:
        vec, name = _from_gensim(obj, i), f"{type(obj).__name__}{i}"
    if vec.ngrams is not None:
        return vec, vec.get_vector, name
    kv = getattr(obj, "wv", obj)
    if type(kv).__name__ == "FastTextKeyedVectors" and getattr(kv, "bucket", 0):
        return vec, kv.get_vector, name  # gensim computes the n-gram vector itself
    return vec, None, name


def _from_gensim(obj, i):
    try:
        return Vectors.from_gensim(obj)
    except ImportError:
        # A FastText model needs engine.ngrams to keep its n-grams inside the Vectors; without it
        # take the word table alone (the n-grams are still used, through gensim, for filling).
        kv = getattr(obj, "wv", None)
        if kv is None or not hasattr(kv, "vectors"):
            raise
        return Vectors(
            [str(k) for k in kv.index_to_key], kv.vectors, meta={"source": f"gensim {type(obj).__name__}"}
        )
    except EngineError as e:
        raise EngineError(f"MetaEmbeddings: source {i}: {e}") from None


def _vocabulary(sources, vocab):
    """The words and, per source, each word's row (-1 where the source lacks it).

    The union is ordered by each word's best relative rank in any source (rank / source size),
    so frequent words come first as in gensim models and ``restrict_vocab`` stays meaningful.
    The intersection keeps the first source's order.
    """
    if vocab == "intersection":
        others = [s.key_to_index for s in sources[1:]]
        words = [w for w in sources[0].index_to_key if all(w in o for o in others)]
        idx = [np.fromiter((s.key_to_index[w] for w in words), np.int64, len(words)) for s in sources]
        return words, idx
    pos = {}
    for s in sources:
        for w in s.index_to_key:
            pos.setdefault(w, len(pos))
    n = len(pos)
    idx, key = [], np.full(n, np.inf)
    for s in sources:
        at = np.fromiter((pos[w] for w in s.index_to_key), np.int64, len(s))
        i = np.full(n, -1, np.int64)
        i[at] = np.arange(len(s))
        idx.append(i)
        np.minimum.at(key, at, np.arange(len(s)) / max(len(s), 1))
    order = np.argsort(key, kind="stable")
    words = list(pos)
    return [words[j] for j in order], [i[order] for i in idx]
