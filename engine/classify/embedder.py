"""Texts → unit document vectors: the weighting statistics and the embedding of texts and labels.

A document becomes one unit vector: the weighted mean of its words' unit vectors, minus its
projection on the reference corpus's first principal component (SIF), normalised. A label
becomes a vector the same way from its name or description.

Formulas (``e_w`` the unit vector of word ``w``, ``c_w`` its count in the document, ``n`` the
number of the document's tokens that are in the vocabulary)::

    weight(w) = 1                                   weighting="mean"
              = ln((1 + N) / (1 + df(w))) + 1       weighting="idf"  (N documents, df(w) of them contain w)
              = a / (a + p(w))                      weighting="sif"  (Arora et al. 2017, a = 1e-3)
    v    = Σ_w c_w · weight(w) · e_w / n
    v'   = v − Σ_k (v · u_k) u_k                    u_k: first principal component(s), SIF only
    doc  = v' / ‖v'‖                                (a document with no known word: the zero vector)

``p(w)`` (``frequencies="auto"``) is ``vectors.counts / Σ counts`` when the vectors carry counts,
else the word's frequency in ``wordfreq``'s large offline lists when that package is installed
(``engine.classify.frequencies``), else the word's share of the tokens of the reference corpus;
``df``, ``N`` and ``u`` always come from the reference corpus:
what ``fit(texts)`` was given, else the ``reference=`` texts, else the Lee background corpus
bundled with gensim (300 news articles: real English, no network). Statistics fitted on the Lee
corpus are computed once per ``Vectors`` and weighting, and shared. The principal component is
the first right singular vector of the reference documents' ``v`` (uncentred, as in the paper's
code); label vectors have it removed too.
"""

import weakref
from numbers import Integral, Real

import numpy as np

from .. import _kernels
from .._docstrings import fill_doc
from .._params import Interval, Options, check_params
from .._text import encode as _encode
from .._text import tokenize as _tokenize
from .._vocab import as_dict
from ..errors import EngineError, ShapeError, VocabularyError
from ..vectors import Vectors
from .frequencies import FREQUENCY_SOURCES, have_wordfreq, wordfreq_probabilities
from .inputs import as_text_list, bad_item, chunks

__all__ = ["DEFAULT_CHUNK", "WEIGHTINGS", "DocumentEmbedder", "HasMethod", "lee_corpus"]

DEFAULT_CHUNK = 8192
WEIGHTINGS = ("mean", "idf", "sif")


class HasMethod:
    """A parameter constraint: an object with a callable method ``name`` (described by ``what``)."""

    def __init__(self, name, what):
        self.name, self.what = name, what

    def accepts(self, x):
        return callable(getattr(x, self.name, None))

    def __str__(self):
        return f"an object with a method {self.what}"


@fill_doc
class DocumentEmbedder:
    """Texts → unit document vectors under one weighting (the formulas in the module docstring).

    >>> import engine
    >>> from engine.classify import DocumentEmbedder
    >>> emb = DocumentEmbedder(engine.datasets.default_vectors(), weighting="sif")
    >>> X, unknown = emb.transform(["the cat sat on the mat", "zzzq"])
    >>> X.shape, unknown.tolist()
    ((2, 384), [False, True])

    Parameters
    ----------
    vectors : engine.Vectors
        Word vectors (any ``Vectors``: loaded, from gensim, a meta-embedding). Not needed when
        ``encoder`` is given.
    weighting : {"sif", "idf", "mean"}
    reference : iterable of str or token lists, optional
        The corpus the weighting statistics (p(w), idf, principal component) are fitted on;
        default the Lee background corpus bundled with gensim. ``fit(texts)`` replaces it.
    sif_a : float
        SIF's smoothing constant ``a``.
    n_components : int, optional
        Principal components removed; default 1 for SIF and 0 otherwise.
    encoder : object with ``encode(texts) -> (n, d) float array``, optional
        A contextual encoder (e.g. ``engine.contextual``); replaces word vectors and weighting.
    lowercase : bool
        Lowercase tokens before looking them up (the vocabulary is matched exactly).
    chunk_size : int
        Texts embedded at a time (bounds the memory of long inputs; never changes a result).
    frequencies : {"auto", "counts", "wordfreq", "corpus"}
        Where SIF's p(w) comes from: the vectors' counts, ``wordfreq``'s lists, or the reference
        corpus; ``"auto"`` takes the first available in that order (the one used is
        ``frequency_source_`` after ``fit``).
    """

    _parameter_constraints = {
        "weighting": [Options(WEIGHTINGS)],
        "sif_a": [Interval(Real, 0, None, closed="neither")],
        "n_components": [None, Interval(Integral, 0, None)],
        "encoder": [None, HasMethod("encode", "encode(texts) -> (n, d) array")],
        "lowercase": [bool, np.bool_],
        "chunk_size": [Interval(Integral, 1, None)],
        "frequencies": [Options(FREQUENCY_SOURCES)],
    }

    def __init__(
        self,
        vectors=None,
        weighting="sif",
        *,
        reference=None,
        sif_a=1e-3,
        n_components=None,
        encoder=None,
        lowercase=True,
        chunk_size=DEFAULT_CHUNK,
        frequencies="auto",
    ):
        if encoder is None and vectors is None:
            raise EngineError("give word vectors (vectors=...) or an encoder (encoder=...)")
        self.vectors, self.weighting, self.reference = vectors, weighting, reference
        self.sif_a, self.n_components, self.encoder = sif_a, n_components, encoder
        self.lowercase, self.chunk_size, self.frequencies = lowercase, chunk_size, frequencies
        check_params(self)
        self.sif_a = float(sif_a)
        if n_components is None:
            self.n_components = 1 if weighting == "sif" else 0
        self.lowercase = bool(lowercase)
        self.word_weights_ = None  # float32 (V,): weight(w) for every vocabulary word
        self.components_ = None  # float32 (k, d): removed directions (orthonormal rows)
        self.frequency_source_ = None  # where p(w) came from (SIF): "counts", "wordfreq" or "corpus"

    # ---- statistics ----
    @property
    def dim(self):
        """Dimension of the document vectors (an encoder's is known once it has encoded)."""
        if self.encoder is not None:
            return getattr(self, "_encoder_dim", None)
        return self.vectors.vector_size

    def fit(self, texts=None):
        """Fit p(w) / idf and the principal component(s) (nothing to fit with an encoder).

        Parameters
        ----------
        texts : list of texts, optional
            Default the ``reference`` texts, else the Lee background corpus (fitted once per
            ``Vectors`` and weighting, and shared).

        %(returns_self)s

        %(examples_embedder)s
        >>> emb.fit(["a quiet day", "the team played"]).components_.shape
        (1, 384)
        """
        if self.encoder is not None:
            return self
        if not isinstance(self.vectors, Vectors):
            raise EngineError(
                f"vectors: expected an engine.Vectors (engine.load(...) or Vectors.from_gensim(...)), "
                f"got {type(self.vectors).__name__}"
            )
        if texts is None and self.reference is None:
            key = (self.weighting, self.sif_a, self.n_components, self.lowercase, self.frequencies)
            cached = _LEE_STATS.setdefault(self.vectors, {}).get(key)
            if cached is None:
                cached = self._fit_stats(lee_corpus())
                _LEE_STATS[self.vectors][key] = cached
            self.word_weights_, self.components_, self.frequency_source_ = cached
            return self
        texts = self.reference if texts is None else texts
        stats = self._fit_stats(as_text_list(texts, "reference corpus"))
        self.word_weights_, self.components_, self.frequency_source_ = stats
        return self

    def _frequency_source(self):
        """The p(w) source ``frequencies`` names for these vectors (``"auto"`` resolved)."""
        want, has_counts = self.frequencies, self.vectors.counts is not None
        if want == "counts" and not has_counts:
            raise EngineError("frequencies='counts': these vectors carry no word counts")
        if want != "auto":
            return want
        return "counts" if has_counts else "wordfreq" if have_wordfreq() else "corpus"

    def _fit_stats(self, texts):
        v = self.vectors
        n_words = len(v)
        indptr, ids, counts, n_tok = self.encode_texts(texts)
        if self.weighting == "mean":
            w = np.ones(n_words, dtype=np.float64)
        elif self.weighting == "idf":
            df = np.bincount(ids, minlength=n_words).astype(np.float64)
            w = np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0
        else:
            source = self._frequency_source()
            if source == "wordfreq":
                p = wordfreq_probabilities(v.index_to_key, lowercase=self.lowercase)
            else:
                if source == "counts":
                    freq = v.counts.astype(np.float64)
                    total = freq.sum()
                else:
                    freq = np.bincount(ids, weights=counts, minlength=n_words).astype(np.float64)
                    total = float(n_tok.sum())
                p = freq / total if total > 0 else np.zeros(n_words)
            w = self.sif_a / (self.sif_a + p)
        weights = _readonly(w.astype(np.float32))
        comps = np.zeros((0, v.vector_size), dtype=np.float32)
        if self.n_components:
            alpha = _entry_weights(weights, indptr, ids, counts)
            raw, _ = _kernels.doc_vectors(indptr, ids, alpha, v.unit, None, False)
            raw = raw[np.any(raw != 0, axis=1)].astype(np.float64)
            if raw.shape[0] < self.n_components:
                raise EngineError(
                    f"the reference corpus has {raw.shape[0]} documents with known words; "
                    f"{self.n_components} principal component(s) need at least that many"
                )
            # Right singular vectors of raw = eigenvectors of its (uncentred) Gram matrix. On one
            # BLAS thread: OpenBLAS's pool is no faster at this size, and on a busy machine its
            # threads spin against the kernels' (measured 0.04-0.56 s against 0.015 s)
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=1, user_api="blas"):
                evals, evecs = np.linalg.eigh(raw.T @ raw)
            comps = np.ascontiguousarray(evecs[:, ::-1][:, : self.n_components].T, dtype=np.float32)
        return weights, _readonly(comps), source if self.weighting == "sif" else None

    def _ensure_fitted(self):
        if self.encoder is None and self.word_weights_ is None:
            self.fit()

    # ---- vectors ----
    def encode_texts(self, texts):
        """Texts → CSR ``(indptr, ids, counts, n_tokens)`` over the vocabulary: the output of
        ``engine._text.encode``, with ASCII texts tokenised in parallel by the native kernel."""
        vocab = _ASCII_VOCABS.get(self.vectors)
        if vocab is None:
            vocab = _ASCII_VOCABS[self.vectors] = _kernels.ascii_vocab(self.vectors.index_to_key)
        try:
            return _kernels.encode_texts(texts, as_dict(self.vectors.key_to_index), self.lowercase, vocab)
        except TypeError:
            err = bad_item(texts, "texts")
            if err is None:
                raise
            raise err from None

    def entry_weights(self, indptr, ids, counts):
        """Per-entry weights ``c_w · weight(w) / n`` of a CSR bag of words."""
        self._ensure_fitted()
        return _entry_weights(self.word_weights_, indptr, ids, counts)

    def _vectors_from_csr(self, indptr, ids, counts, normalize=True, components=True):
        w = self.entry_weights(indptr, ids, counts)
        comps = self.components_ if components else None
        return _kernels.doc_vectors(indptr, ids, w, self.vectors.unit, comps, normalize)

    def transform(self, texts):
        """Unit document vectors of texts, ``chunk_size`` texts at a time.

        Parameters
        ----------
        texts : list of texts (str or token lists)

        Returns
        -------
        X : ndarray float32 (n, d)
        unknown : bool ndarray (n,)
            The texts with no known word (their rows are zero).

        %(examples_embedder)s
        >>> X, unknown = emb.transform(["a goal", "qqqzz"])
        >>> unknown.tolist()
        [False, True]
        """
        texts = as_text_list(texts, "texts")
        if len(texts) <= self.chunk_size:
            return self._transform_chunk(texts)
        parts = [self._transform_chunk(c) for c in chunks(texts, self.chunk_size)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _transform_chunk(self, texts):
        if self.encoder is not None:
            return self._encode_with_encoder(texts)
        self._ensure_fitted()
        X, norms = self._vectors_from_csr(*self.encode_texts(texts)[:3])
        return X, ~(norms > 0)

    def scores(self, texts, labels):
        """Cosines of texts with unit label vectors, without materialising document vectors.

        Computed per chunk; each row depends only on its own text, so chunking and batching
        never change a result.

        Parameters
        ----------
        texts : list of texts (str or token lists)
        labels : array (L, d)
            Unit label vectors.

        Returns
        -------
        scores : ndarray float64 (n, L)
        unknown : bool ndarray (n,)
            The texts with no known word (they score 0).

        %(examples_embedder)s
        >>> L, _ = emb.label_vectors({"sport": "sport team", "food": "food meal"})
        >>> emb.scores(["a goal"], L)[0].shape
        (1, 2)
        """
        texts = as_text_list(texts, "texts")
        labels = np.ascontiguousarray(labels, dtype=np.float32)
        parts = [self._scores_chunk(c, labels) for c in chunks(texts, self.chunk_size)]
        if not parts:
            return np.zeros((0, labels.shape[0])), np.zeros(0, dtype=bool)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _scores_chunk(self, texts, labels):
        if self.encoder is not None:
            D, unknown = self._encode_with_encoder(texts)
            return D.astype(np.float64) @ labels.T.astype(np.float64), unknown
        self._ensure_fitted()
        indptr, ids, counts, _ = self.encode_texts(texts)
        # c_w · weight(w), without the 1/n of the formula: a cosine does not depend on the scale
        # of the document vector (and component removal is linear), so the scores are the same.
        scores, norms = _kernels.doc_scores(
            indptr, ids, counts, self.vectors.unit, labels, self.components_, self.word_weights_
        )
        return scores, ~(norms > 0)

    def _encode_with_encoder(self, texts):
        if not texts:
            d = self.dim or 0
            return np.zeros((0, d), np.float32), np.zeros(0, bool)
        err = bad_item(texts, "texts")
        if err is not None:
            raise err
        raw = [" ".join(t) if not isinstance(t, str) else t for t in texts]
        X = _kernels.as_matrix(self.encoder.encode(raw), "encoder output")
        if X.shape[0] != len(raw):
            raise ShapeError(f"encoder returned {X.shape[0]} rows for {len(raw)} texts")
        self._encoder_dim = X.shape[1]
        X, norms = _kernels.normalize_rows(X)
        return X, ~(norms > 0)

    def label_vectors(self, labels):
        """Label vectors from ``{name: description text or word list}`` (``labels.label_spec``).

        A word *list* must be all known (VocabularyError otherwise); a label with no known word
        at all is a VocabularyError naming it.

        Parameters
        ----------
        labels : dict name → str or list of words

        Returns
        -------
        L : ndarray float32 (K, d)
            Unit rows, in the order of ``labels``.
        dropped : dict
            Per label, the words of its description that are not in the vocabulary.

        %(examples_embedder)s
        >>> L, dropped = emb.label_vectors({"sport": "sport and qqqzz"})
        >>> L.shape, dropped
        ((1, 384), {'sport': ['qqqzz']})
        """
        names = list(labels)
        if self.encoder is not None:
            texts = [labels[n] if isinstance(labels[n], str) else " ".join(labels[n]) for n in names]
            L, unknown = self._encode_with_encoder(texts)
            if unknown.any():
                bad = names[int(np.argmax(unknown))]
                raise VocabularyError(f"label {bad!r}: the encoder gave it a zero vector")
            return L, {n: [] for n in names}
        self._ensure_fitted()
        k2i = self.vectors.key_to_index
        docs, dropped = [], {}
        for n in names:
            spec = labels[n]
            if isinstance(spec, str):
                toks = _tokenize(spec, self.lowercase)
                dropped[n] = [t for t in toks if t not in k2i]
                docs.append([t for t in toks if t in k2i])
            else:
                words = list(spec)
                missing = [w for w in words if w not in k2i]
                if missing:
                    raise VocabularyError(
                        f"label {n!r}: word {missing[0]!r} is not in the vocabulary "
                        f"(a word list must be all known; give a description string to drop unknown words)"
                    )
                dropped[n] = []
                docs.append(words)
            if not docs[-1]:
                raise VocabularyError(
                    f"label {n!r}: none of its words ({spec!r}) is in the vocabulary; "
                    "give a description made of known words"
                )
        L, _ = self._vectors_from_csr(*_encode(docs, as_dict(k2i), False)[:3])
        return L, dropped

    def explain_vectors(self, text):
        """Per distinct known word of ``text``: ``(words, alpha, E, norm)`` with ``E`` the word
        vectors after component removal, ``alpha`` their weights ``c_w·weight(w)/n`` and
        ``norm`` = ‖Σ alpha·E‖, so that the document vector is ``Σ alpha·E / norm``."""
        self._ensure_fitted()
        indptr, ids, counts, _ = self.encode_texts([text])
        alpha = self.entry_weights(indptr, ids, counts).astype(np.float64)
        E = self.vectors.unit[ids].astype(np.float64)
        C = self.components_.astype(np.float64)
        if C.size:
            E = E - (E @ C.T) @ C
        norm = float(np.linalg.norm(alpha @ E)) if ids.size else 0.0
        words = [self.vectors.index_to_key[i] for i in ids]
        return words, alpha, E, norm


# Statistics fitted on the default reference corpus, per Vectors (they depend only on it and on
# the weighting parameters): classifiers built over the same vectors share one fit.
_LEE_STATS = weakref.WeakKeyDictionary()
# The native hash table of each Vectors' vocabulary (built once, read-only afterwards).
_ASCII_VOCABS = weakref.WeakKeyDictionary()


def _entry_weights(word_weights, indptr, ids, counts):
    lengths = np.diff(indptr)
    csum = np.concatenate(([0.0], np.cumsum(counts, dtype=np.float64)))
    n_known = csum[indptr[1:]] - csum[indptr[:-1]]
    n_known[lengths == 0] = 1.0
    return (counts * word_weights[ids] / np.repeat(n_known, lengths)).astype(np.float32)


def _readonly(a):
    a.flags.writeable = False
    return a


def lee_corpus():
    """The texts of gensim's Lee background corpus (300 news articles), the default reference.

    >>> len(lee_corpus())
    300
    """
    import importlib.util
    import os

    # Located without importing gensim (seconds of imports for one file path).
    spec = importlib.util.find_spec("gensim")
    path = (
        os.path.join(os.path.dirname(spec.origin), "test", "test_data", "lee_background.cor") if spec else ""
    )
    if not os.path.exists(path):
        from ..datasets import gensim_test_file

        path = gensim_test_file("lee_background.cor")
    with open(path, encoding="utf-8") as f:
        return [line for line in f if line.strip()]
