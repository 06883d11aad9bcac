"""Meta-embeddings: combine several word-embedding sources into one ``Vectors``.

``MetaEmbeddings([m1, m2]).wv`` is an ordinary ``engine.Vectors`` (the whole similarity API,
save and load). The sources' rows are gathered, unit-normalised, weighted, projected and
combined block by block in the C++ kernel ``csrc/meta.hpp``; methods that learn a projection
(``svd``, ``1ton``, ``align``) learn it first on a sample of the words every source has.

Notation: ``x_s`` is a word's unit vector in source ``s`` (dimension ``D_s``), ``w_s`` the
source's weight (normalised to sum 1) and ``a_s = sqrt(w_s)`` the factor its vector is scaled by,
so that for ``conc`` the meta cosine of two words all sources know is exactly the weighted mean
``sum_s w_s cos_s(a, b)`` of the sources' cosines. ``C = [a_1 x_1, ..., a_S x_S]`` is the
weighted concatenation (dimension ``sum D_s``) — never materialised for the whole vocabulary.
"""

import os

import numpy as np

from . import _kernels
from .errors import EngineError
from .vectors import Vectors

METHODS = ("conc", "avg", "svd", "1ton", "align")
_MIN_SHARED_FOR_MAP = 20  # fewer shared words than this cannot fit a linear fill map


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
        sources,
        method="conc",
        dim=None,
        weights=None,
        vocab="union",
        oov="fill",
        *,
        add_words=None,
        names=None,
        max_train=100_000,
        fill_ridge=0.1,
        ridge=0.01,
        seed=0,
    ):
        if method not in METHODS:
            raise EngineError(
                f"MetaEmbeddings: unknown method {method!r}; choose one of {', '.join(METHODS)}"
            )
        if vocab not in ("union", "intersection"):
            raise EngineError(f"MetaEmbeddings: vocab must be 'union' or 'intersection', got {vocab!r}")
        if oov not in ("fill", "zero"):
            raise EngineError(f"MetaEmbeddings: oov must be 'fill' or 'zero', got {oov!r}")
        if isinstance(sources, (str, os.PathLike, Vectors)) or not hasattr(sources, "__len__"):
            raise EngineError("MetaEmbeddings: give a list of sources, e.g. MetaEmbeddings([m1, m2])")
        if len(sources) < 2:
            raise EngineError(f"MetaEmbeddings: combine at least 2 sources, got {len(sources)}")
        if int(max_train) < 2:
            raise EngineError(f"MetaEmbeddings: max_train must be >= 2, got {max_train}")
        for label, val in (("fill_ridge", fill_ridge), ("ridge", ridge)):
            if not np.isfinite(val) or val < 0:
                raise EngineError(f"MetaEmbeddings: {label} must be finite and >= 0, got {val}")
        self.method, self.vocab, self.oov = method, vocab, oov
        loaded = [_as_source(s, i) for i, s in enumerate(sources)]
        self.sources = [v for v, _, _ in loaded]
        if names is not None:
            names = [str(n) for n in names]
            if len(names) != len(self.sources):
                raise EngineError(f"MetaEmbeddings: {len(names)} names for {len(self.sources)} sources")
        self.names = names or [n for _, _, n in loaded]
        rng = np.random.default_rng(seed)
        dims = [v.vector_size for v in self.sources]

        words, idx = _vocabulary(self.sources, vocab)
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
        shared = np.flatnonzero(np.all(np.stack(idx) >= 0, axis=0))
        train = _sample(shared, int(max_train), rng)

        self.weights, auto = _resolve_weights(weights, self.sources, idx, train, rng)
        scales = np.sqrt(self.weights)

        counts = [dict(present=int((i >= 0).sum()), filled_ngrams=0, filled_map=0) for i in idx]
        extras = [None] * len(idx)
        maps = [None] * (len(idx) ** 2)
        if oov == "fill":
            for s, (_, ngram_fn, _) in enumerate(loaded):
                if ngram_fn is not None:
                    extras[s], counts[s]["filled_ngrams"] = _ngram_fill(ngram_fn, words, idx[s], dims[s])
        dropped = 0
        if n_added:  # added words that no n-gram source could give a vector have nothing at all
            keep = np.any(np.stack(idx) != -1, axis=0)
            dropped = int((~keep).sum())
            if dropped:
                words = [w for w, k in zip(words, keep) if k]
                idx = [i[keep] for i in idx]
        if oov == "fill":
            maps = _fill_maps(self.sources, idx, float(fill_ridge), int(max_train), rng)
            _count_map_fills(idx, maps, counts)
        for c in counts:
            c["zero"] = len(words) - c["present"] - c["filled_ngrams"] - c["filled_map"]

        X = [_rows64(v, i[train]) for v, i in zip(self.sources, idx)]
        projs, offsets, d_out, learned = _learn(method, dim, X, scales, float(ridge), rng)
        self.projections = projs if method in ("svd", "1ton", "align") else None
        self.learned = learned

        srcs = [
            dict(rows=v.unit, idx=i, extra=e, scale=a, proj=p, offset=o)
            for v, i, e, a, p, o in zip(self.sources, idx, extras, scales, projs, offsets)
        ]
        out, norms = _kernels.build_meta(srcs, maps, d_out)
        meta = {
            "source": "engine.MetaEmbeddings",
            "method": method,
            "vocab": vocab,
            "oov": oov,
            "sources": self.names,
            "weights": [round(float(w), 6) for w in self.weights],
        }
        self.wv = Vectors(words, normalized=(out, (norms > 0).astype(np.float32)), meta=meta)
        self.report = MetaReport(
            method=method,
            vocab=vocab,
            oov=oov,
            words=len(words),
            dim=d_out,
            dropped=dropped,
            shared=int(shared.size),
            trained_on=int(train.size),
            weighting=auto,
            sources=[
                dict(name=n, dim=d, words=len(v), weight=float(w), **c)
                for n, d, v, w, c in zip(self.names, dims, self.sources, self.weights, counts)
            ],
        )

    def __repr__(self):
        return (
            f"<engine.MetaEmbeddings {self.method}: {len(self.sources)} sources → "
            f"{len(self.wv)} words × {self.wv.vector_size} dims>"
        )


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
        from .io import load

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
    from .io import from_gensim

    try:
        return from_gensim(obj)
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


def _sample(rows, k, rng):
    if rows.size <= k:
        return rows
    return np.sort(rng.choice(rows, size=k, replace=False))


def _rows64(v, rows):
    return np.asarray(v.unit[rows], dtype=np.float64)


# ---------------------------------------------------------------- weights
def _resolve_weights(weights, sources, idx, train, rng):
    S = len(sources)
    if weights is None:
        return np.full(S, 1.0 / S), {"how": "equal (weights=None)"}
    if isinstance(weights, str):
        if weights != "auto":
            raise EngineError(f"MetaEmbeddings: weights must be None, 'auto' or {S} numbers, got {weights!r}")
        X = [_rows64(v, i[train]) for v, i in zip(sources, idx)]
        return agreement_weights(X, rng=rng)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineError(
            f"MetaEmbeddings: weights must be None, 'auto' or {S} numbers, got {weights!r}"
        ) from None
    if w.shape != (S,):
        raise EngineError(f"MetaEmbeddings: {w.size} weights for {S} sources")
    if not np.isfinite(w).all() or (w < 0).any():
        raise EngineError(f"MetaEmbeddings: weights must be finite and >= 0, got {w.tolist()}")
    if w.sum() <= 0:
        raise EngineError("MetaEmbeddings: at least one weight must be > 0")
    return w / w.sum(), {"how": "given " + ", ".join(f"{x:g}" for x in weights)}


def agreement_weights(X, sample=1000, rng=None, min_agreement=0.1):
    """Source weights from the sources alone — no evaluation data needed.

    ``X``: per source, the unit vectors of the same words (shared by all sources). On a sample
    of ``sample`` of them, each source's pairwise cosines are its *similarity structure*.

    1. **Equal say.** The meta cosine of ``conc`` is ``sum_s w_s cos_s``, so a source whose
       cosines spread widely (an anisotropic model, common for small corpora, where everything
       is similar to everything) would decide the ranking of neighbours however good it is.
       Each source's weight is first divided by the standard deviation ``sd_s`` of its cosines,
       so that every source moves the meta cosine equally.
    2. **Reliability, from agreement** (three or more sources). A one-factor model: after rank
       standardisation, source ``s``'s similarities are ``z_s = rho_s T + sqrt(1 - rho_s^2) e_s``
       with ``T`` the true similarity and independent errors ``e_s``. Then the Spearman
       correlation of two sources is ``r_st = rho_s rho_t`` and each ``rho_s`` is identified:
       ``rho_s^2 = median over t,u of r_st r_su / r_tu``. The least-squares estimate of ``T``
       from the ``z_s`` weights source ``s`` by ``rho_s / (1 - rho_s^2)``. The weight is thus
       ``rho_s / ((1 - rho_s^2) sd_s)``.

    Why agreement: the errors of embeddings trained on different data and objectives are
    largely independent while what they share is the signal, so the source that agrees with
    the others most is the most reliable. The ratios ``r_st r_su / r_tu`` are only meaningful
    when the sources do agree: if any pairwise correlation is below ``min_agreement`` (or with
    two sources, where only the product ``rho_1 rho_2`` is identified) step 2 is skipped and the
    weights are ``1 / sd_s``. The model also fails when two sources share their errors (same
    corpus, same algorithm): they then look reliable to each other — give weights by hand then.
    ``info["how"]`` says which case applied.

    Parameters
    ----------
    X : list of ndarray, each of shape (n, D_s)
        Per source, the unit vectors of the same ``n`` words (at least 10).
    sample : int, default 1000
        Words sampled for the pairwise cosines.
    rng : numpy.random.Generator, optional
        Source of the sample (default: seeded with 0).
    min_agreement : float, default 0.1
        Smallest pairwise Spearman correlation at which step 2 is trusted.

    Returns
    -------
    weights : ndarray of float64, shape (S,)
        The sources' weights, summing to 1.
    info : dict
        ``how`` (which case applied), ``spread`` (each source's ``sd_s``), ``correlations``
        (the Spearman matrix), ``sample_words`` and, with step 2, ``rho``.

    Raises
    ------
    EngineError
        With fewer than 10 shared words, or a source whose sampled cosines are all equal.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.normal(size=(300, 20))
    >>> noisy = [truth + s * rng.normal(size=truth.shape) for s in (0.3, 0.7, 1.5)]
    >>> X = [v / np.linalg.norm(v, axis=1, keepdims=True) for v in noisy]
    >>> w, info = agreement_weights(X)
    >>> bool(w[0] > w[1] > w[2])
    True
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    S = len(X)
    n = X[0].shape[0]
    if n < 10:
        raise EngineError(f"weights='auto': the sources share only {n} words; at least 10 are needed")
    rows = _sample(np.arange(n), int(sample), rng)
    iu = np.triu_indices(rows.size, k=1)
    sims = [(x[rows] @ x[rows].T)[iu] for x in X]
    spread = np.array([s.std() for s in sims])
    if (spread <= 1e-12).any():
        bad = int(np.argmin(spread))
        raise EngineError(f"weights='auto': source {bad} gives every sampled pair the same cosine")
    R = np.corrcoef(np.stack([_rank(s) for s in sims]))
    info = {"spread": spread.tolist(), "correlations": R.tolist(), "sample_words": int(rows.size)}
    off = R[np.triu_indices(S, k=1)]
    if S < 3 or off.min() < min_agreement:
        why = "two sources" if S < 3 else f"min agreement {off.min():.2f} < {min_agreement}"
        raw = 1.0 / spread
        info["how"] = f"auto: equal say, 1/sd of cosines ({why}: reliability not estimated)"
    else:
        rho2 = np.empty(S)
        for s in range(S):
            est = [R[s, t] * R[s, u] / R[t, u] for t in range(S) for u in range(t + 1, S) if s not in (t, u)]
            rho2[s] = np.median(est)
        rho2 = np.clip(rho2, 0.01, 0.95)  # keep the Heywood cases (rho^2 >= 1) finite
        rho = np.sqrt(rho2)
        raw = rho / (1 - rho2) / spread
        info["rho"] = rho.tolist()
        info["how"] = "auto: one-factor agreement (" + ", ".join(f"rho={r:.2f}" for r in rho) + ") / sd"
    return raw / raw.sum(), info


def _rank(a):
    r = np.empty(a.size)
    r[np.argsort(a, kind="stable")] = np.arange(a.size)
    return r


# ---------------------------------------------------------------- filling missing words
def _ngram_fill(fn, words, idx, dim):
    """Vectors for the words the source lacks, from its n-grams; updates ``idx`` to -2-k."""
    missing = np.flatnonzero(idx == -1)
    if missing.size == 0:
        return None, 0
    vecs = np.zeros((missing.size, dim), np.float32)
    for k, r in enumerate(missing):
        vecs[k] = fn(words[r])
    ok = np.isfinite(vecs).all(axis=1) & (np.abs(vecs).sum(axis=1) > 0)
    vecs = vecs[ok]
    idx[missing[ok]] = -2 - np.arange(vecs.shape[0])
    return vecs, int(ok.sum())


def fill_map(X_from, X_to, ridge=0.1):
    """Ridge least-squares map ``A`` with ``X_from @ A ≈ X_to`` (rows: the same words).

    ``A = (X_f^T X_f + lam I)^-1 X_f^T X_t`` with ``lam = ridge * trace(X_f^T X_f) / D_f``
    (the penalty relative to the mean eigenvalue, so ``ridge`` means the same for any source).

    Parameters
    ----------
    X_from : array, shape (n, D_f)
        The shared words' vectors in the source the map reads.
    X_to : array, shape (n, D_t)
        The same words' vectors in the source it predicts.
    ridge : float, default 0.1
        The penalty, relative to the mean eigenvalue of ``X_f^T X_f``.

    Returns
    -------
    ndarray of float64, shape (D_f, D_t)
        The map ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> F = rng.normal(size=(200, 5)); T = F @ rng.normal(size=(5, 3))
    >>> A = fill_map(F, T, ridge=0.0)
    >>> bool(np.allclose(F @ A, T))
    True
    """
    X_from = np.asarray(X_from, np.float64)
    X_to = np.asarray(X_to, np.float64)
    G = X_from.T @ X_from
    lam = ridge * np.trace(G) / max(G.shape[0], 1)
    G[np.diag_indices_from(G)] += lam
    try:
        return np.linalg.solve(G, X_from.T @ X_to)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(G, X_from.T @ X_to, rcond=None)[0]


def _fill_maps(sources, idx, ridge, max_train, rng):
    """Per pair (t, s), the map predicting s from t, learned on the words both have."""
    S = len(sources)
    maps = [None] * (S * S)
    for s in range(S):
        if not (idx[s] == -1).any():
            continue
        for t in range(S):
            if t == s:
                continue
            both = np.flatnonzero((idx[s] >= 0) & (idx[t] >= 0))
            if both.size < _MIN_SHARED_FOR_MAP:
                continue
            rows = _sample(both, max_train, rng)
            A = fill_map(_rows64(sources[t], idx[t][rows]), _rows64(sources[s], idx[s][rows]), ridge)
            maps[t * S + s] = np.ascontiguousarray(A, dtype=np.float32)
    return maps


def _count_map_fills(idx, maps, counts):
    S = len(idx)
    for s in range(S):
        missing = idx[s] == -1
        fillable = np.zeros_like(missing)
        for t in range(S):
            if maps[t * S + s] is not None:
                fillable |= idx[t] != -1
        counts[s]["filled_map"] = int((missing & fillable).sum())


# ---------------------------------------------------------------- learning projections
def _learn(method, dim, X, scales, ridge, rng):
    """Per source: the projection (or None = identity), its output column, the output width."""
    dims = [x.shape[1] for x in X]
    S, total = len(X), sum(dims)
    fixed = {"conc": total, "avg": max(dims), "align": max(dims)}
    if method in fixed:
        if dim is not None and int(dim) != fixed[method]:
            raise EngineError(
                f"MetaEmbeddings: method {method!r} gives {fixed[method]} dims; "
                f"dim={dim} is only for 'svd' and '1ton'"
            )
        if method == "conc":
            return [None] * S, np.cumsum([0] + dims[:-1]).tolist(), total, {}
        if method == "avg":
            return [None] * S, [0] * S, max(dims), {}
        W, info = align(X, scales)
        return [w.astype(np.float32) for w in W], [0] * S, max(dims), info
    d = max(dims) if dim is None else int(dim)
    n = X[0].shape[0]
    if not 1 <= d <= min(total, n):
        raise EngineError(
            f"MetaEmbeddings: dim must be between 1 and {min(total, n)} "
            f"(the concatenation has {total} dims, {n} shared words to learn from), got {dim}"
        )
    C = np.hstack([a * x for a, x in zip(scales, X)])
    cuts = np.cumsum(dims)[:-1]
    if method == "svd":
        V, sv = svd_projection(C, d)
        return [p.astype(np.float32) for p in np.split(V, cuts)], [0] * S, d, {"singular_values": sv}
    B, M, info = one_to_n(C, d, ridge)
    return (
        [p.astype(np.float32) for p in np.split(B, cuts)],
        [0] * S,
        d,
        dict(info, maps=np.split(M, cuts, axis=1)),
    )


def _sign_fix(V):
    """Make the largest-magnitude entry of every column positive (SVD signs are arbitrary)."""
    j = np.argmax(np.abs(V), axis=0)
    return V * np.where(V[j, np.arange(V.shape[1])] < 0, -1.0, 1.0)


def svd_projection(C, d):
    """Top-``d`` right singular vectors ``V_d`` of ``C`` (``C ≈ U Σ V^T``) and the singular values.

    The meta vector of a word is ``c V_d``: for the training words that is ``U_d Σ_d``, the best
    rank-``d`` reconstruction of the concatenation's dot products (Eckart–Young). Computed from
    the Gram matrix ``C^T C`` (``sum D_s`` square), so the cost does not grow with the words.

    Parameters
    ----------
    C : ndarray, shape (n, sum D_s)
        The weighted concatenation over the training words.
    d : int
        Number of singular vectors kept.

    Returns
    -------
    V : ndarray of float64, shape (sum D_s, d)
        The top ``d`` right singular vectors (each column's largest entry positive).
    s : ndarray of float64, shape (d,)
        The singular values, largest first.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.random.default_rng(0).normal(size=(50, 6))
    >>> V, s = svd_projection(C, 2)
    >>> bool(np.allclose(s, np.linalg.svd(C, compute_uv=False)[:2]))
    True
    """
    G = C.T @ C
    evals, evecs = np.linalg.eigh(G)
    order = np.argsort(evals)[::-1][:d]
    V = _sign_fix(evecs[:, order])
    return V, np.sqrt(np.maximum(evals[order], 0.0))


def one_to_n(C, d, ridge=0.01, solver="exact", rng=None, max_iter=2000, tol=1e-12):
    """1TON (Yin & Schütze 2016): meta vectors ``E`` and maps ``M`` minimising
    ``||C - E M||^2 + lam (||E||^2 + ||M||^2)`` (``C`` the weighted concatenation, ``M = [M_1 … M_S]``:
    one linear map from the meta space to each source, so the loss is the sum of the per-source
    squared reconstruction errors, each weighted by ``w_s`` through ``C``).
    ``lam = ridge * sqrt(trace(C^T C) / sum D_s)`` (relative to the RMS singular value).

    Relation to SVD: without the penalty the optimum is ``E M = U_d Σ_d V_d^T``, the same
    rank-``d`` truncation ``svd`` gives (Eckart–Young), with any invertible split between ``E``
    and ``M``. The penalty makes the split unique up to a rotation (which cosines ignore):
    ``min (||E||^2 + ||M||^2)/2`` over ``E M = Z`` is the nuclear norm of ``Z``, so the optimum is
    the singular-value soft-threshold ``E M = U_d (Σ_d - lam)_+ V_d^T`` split evenly,
    ``E = U_d (Σ_d - lam)_+^{1/2}``, ``M = (Σ_d - lam)_+^{1/2} V_d^T``. 1TON is thus the SVD
    subspace with the singular values shrunk and square-rooted: its cosines weigh the weaker
    directions more than ``svd``'s. A word is embedded by the ridge solution
    ``e = argmin ||c - e M||^2 + lam ||e||^2 = c B``, ``B = M^T (M M^T + lam I)^-1
    = V_d (Σ_d - lam)_+^{1/2} Σ_d^-1`` — for a training word exactly its row of ``E``; the
    projection kernel applies ``B``.

    ``solver="exact"`` computes that optimum from the eigendecomposition of ``C^T C``;
    ``solver="als"`` learns it as Yin & Schütze do, iteratively, by alternating exact ridge
    least-squares solves for ``M`` and ``E`` (in Gram form: ``E = C B``,
    ``M = (B^T G B + lam I)^-1 B^T G``); both reach the same objective (tested).

    Parameters
    ----------
    C : ndarray, shape (n, sum D_s)
        The weighted concatenation over the training words.
    d : int
        Dimension of the meta space.
    ridge : float, default 0.01
        The penalty, relative to the RMS singular value of ``C``.
    solver : {"exact", "als"}
        The closed-form optimum, or alternating least squares.
    rng : numpy.random.Generator, optional
        Initialisation of ``als`` (default: seeded with 0).
    max_iter : int, default 2000
        ``als`` iterations at most.
    tol : float, default 1e-12
        ``als`` stops when the objective changes by at most ``tol · trace(C^T C)``.

    Returns
    -------
    B : ndarray of float64, shape (sum D_s, d)
        The projection the kernel applies: a word's meta vector is ``c B``.
    M : ndarray of float64, shape (d, sum D_s)
        The maps ``[M_1 … M_S]`` from the meta space to the sources.
    info : dict
        ``objective``, ``lambda`` and ``iterations`` (0 for ``exact``).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.random.default_rng(0).normal(size=(100, 8))
    >>> B, M, info = one_to_n(C, 3)
    >>> _, _, als = one_to_n(C, 3, solver="als")
    >>> bool(abs(als["objective"] - info["objective"]) < 1e-6 * info["objective"])
    True
    """
    G = C.T @ C
    D = G.shape[0]
    lam = ridge * np.sqrt(np.trace(G) / D)
    I = np.eye(d)

    def objective(B, M):
        GB = G @ B
        E2 = B.T @ GB
        return float(
            np.trace(G) - 2 * np.sum(GB * M.T) + np.sum(E2 * (M @ M.T)) + lam * (np.trace(E2) + np.sum(M * M))
        )

    if solver == "exact":
        V, sv = svd_projection(C, d)
        shrunk = np.sqrt(np.maximum(sv - lam, 0.0))
        B = V * np.where(sv > 0, shrunk / np.where(sv > 0, sv, 1.0), 0.0)
        M = shrunk[:, None] * V.T
        return B, M, {"objective": objective(B, M), "lambda": float(lam), "iterations": 0}
    if solver != "als":
        raise EngineError(f"one_to_n: solver must be 'exact' or 'als', got {solver!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    M = rng.standard_normal((d, D)) / np.sqrt(D)

    def b_of(M):
        return np.linalg.solve(M @ M.T + (lam + 1e-12) * I, M).T

    f_old, it = np.inf, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        B = b_of(M)
        GB = G @ B
        M = np.linalg.solve(B.T @ GB + (lam + 1e-12) * I, GB.T)
        f = objective(b_of(M), M)
        if abs(f_old - f) <= tol * np.trace(G):
            break
        f_old = f
    return b_of(M), M, {"objective": f, "lambda": float(lam), "iterations": it}


def align(X, scales, max_iter=20, tol=1e-6):
    """Orthogonal maps ``W_s`` (``D_s × D``, ``D = max D_s``) rotating every source into one space.

    Generalised Procrustes: start with the largest source as the target, map every source onto
    the target by orthogonal Procrustes (``W = U V^T`` from the SVD of ``(a_s X_s)^T T``), take
    the mean of the mapped sources as the new target, repeat until it stops moving. A source
    smaller than ``D`` is embedded isometrically (``W^T W = I``). As MetaVec, the meta vector is
    the mean of the mapped sources.

    Parameters
    ----------
    X : list of ndarray, each of shape (n, D_s)
        Per source, the unit vectors of the same ``n`` training words.
    scales : sequence of float
        ``a_s = sqrt(w_s)`` per source.
    max_iter : int, default 20
        Rounds of re-alignment at most.
    tol : float, default 1e-6
        Stop when the target moves by at most ``tol`` relative to its norm.

    Returns
    -------
    W : list of ndarray, each of shape (D_s, D)
        The orthogonal maps.
    info : dict
        ``iterations``, ``reference`` (the largest source) and ``dim`` (``D``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = rng.normal(size=(50, 4))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    >>> W, info = align([A, A @ Q], [1.0, 1.0])
    >>> bool(np.allclose(A @ Q @ W[1], A @ W[0]))
    True
    """
    dims = [x.shape[1] for x in X]
    ref = int(np.argmax(dims))
    D = dims[ref]
    T = scales[ref] * X[ref]
    W = [None] * len(X)
    prev = None
    for it in range(max_iter):  # noqa: B007 (the count is reported)
        for s, (a, x) in enumerate(zip(scales, X)):
            u, _, vt = np.linalg.svd((a * x).T @ T, full_matrices=False)
            W[s] = u @ vt
        T = sum(a * x @ w for a, x, w in zip(scales, X, W)) / len(X)
        if prev is not None and np.linalg.norm(T - prev) <= tol * max(np.linalg.norm(T), 1e-30):
            break
        prev = T
    return W, {"iterations": it + 1, "reference": ref, "dim": D}


# ---------------------------------------------------------------- side-by-side evaluation
DATASETS = ("wordsim353.tsv", "simlex999.txt", "questions-words.txt")


def evaluate_side_by_side(named, datasets=DATASETS, common=False, restrict_vocab=300000):
    """Score several ``Vectors`` on the same word-pair and analogy files (engine.evaluation).

    ``named``: ``{name: Vectors}`` (e.g. every source and the meta-embedding). ``datasets``:
    file paths, or names of gensim's bundled test files; a file whose name contains
    ``questions`` or whose lines have four words is scored as analogies (accuracy), the others
    as word pairs (Spearman). ``common=True`` keeps only the pairs / questions whose words every
    one of the vectors has, so the scores compare like with like.

    Parameters
    ----------
    named : dict of str to Vectors
        The vectors to compare, by name.
    datasets : sequence of str, default ("wordsim353.tsv", "simlex999.txt", "questions-words.txt")
        Files, or names of gensim's bundled test files.
    common : bool, default False
        Keep only the pairs / questions every one of the vectors covers.
    restrict_vocab : int, default 300000
        Only the first ``restrict_vocab`` words of each count.

    Returns
    -------
    list of dict
        One ``{"name", "words", "dim", <dataset>: (score, coverage %)}`` per name.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.datasets.default_vectors()
    >>> rows = evaluate_side_by_side({"default": v}, datasets=["wordsim353.tsv"])
    >>> rows[0]["wordsim353.tsv"][1] > 90
    True
    """
    import tempfile

    from . import evaluation
    from .datasets import gensim_test_file

    rows = [{"name": n, "words": len(v), "dim": v.vector_size} for n, v in named.items()]
    vocabs = [{k.upper() for k in v.index_to_key[:restrict_vocab]} for v in named.values()]
    with tempfile.TemporaryDirectory() as tmp:
        for ds in datasets:
            path = ds if os.path.exists(ds) else gensim_test_file(ds)
            label = os.path.basename(ds)
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            analogy = "questions" in label or any(
                len(l.split()) == 4 and "\t" not in l and not l.startswith((":", "#")) for l in lines[:50]
            )
            items = [l for l in lines if l and not l.startswith((":", "#"))]
            items = [l for l in items if len(l.split("\t" if not analogy else None)) >= (4 if analogy else 3)]
            total = len(items)
            if common:

                def covered(l):
                    ws = l.split()[:4] if analogy else l.split("\t")[:2]  # noqa: B023 (called in this iteration)
                    return all(w.upper() in vocab for vocab in vocabs for w in ws)

                keep = [l for l in lines if not l or l.startswith((":", "#")) or covered(l)]
                path = os.path.join(tmp, label)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(keep) + "\n")
                total = sum(1 for l in keep if l and not l.startswith((":", "#")))
            for row, v in zip(rows, named.values()):
                if total == 0:
                    row[label] = (float("nan"), 0.0)
                elif analogy:
                    score, sections = evaluation.evaluate_word_analogies(
                        v, path, restrict_vocab=restrict_vocab
                    )
                    done = len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
                    row[label] = (float(score), 100.0 * done / total)
                else:
                    _, spearman, oov = evaluation.evaluate_word_pairs(v, path, restrict_vocab=restrict_vocab)
                    row[label] = (float(spearman[0]), 100.0 - float(oov))
    return rows


def format_table(rows, datasets=DATASETS):
    """The rows of ``evaluate_side_by_side`` as a text table (score, then coverage in %).

    Parameters
    ----------
    rows : list of dict
        What :func:`evaluate_side_by_side` returned.
    datasets : sequence of str
        The datasets it was given (their base names label the columns).

    Returns
    -------
    str
        The table, one line per vectors.

    Examples
    --------
    >>> rows = [{"name": "a", "words": 10, "dim": 4, "wordsim353.tsv": (0.5, 90.0)}]
    >>> print(format_table(rows, datasets=["wordsim353.tsv"]).splitlines()[-1])
    a                                  10     4        0.500 ( 90.0%)
    """
    labels = [os.path.basename(d) for d in datasets]
    head = f"{'vectors':<28}{'words':>9}{'dims':>6}" + "".join(f"{l[:20]:>22}" for l in labels)
    out = [head, "-" * len(head)]
    for r in rows:
        cells = "".join(f"{r[l][0]:>13.3f} ({r[l][1]:5.1f}%)" for l in labels)
        out.append(f"{r['name'][:27]:<28}{r['words']:>9,}{r['dim']:>6}{cells}")
    return "\n".join(out)
