"""Zero-shot and few-shot text classification over word vectors (or a contextual encoder).

A document becomes one unit vector: the weighted mean of its words' unit vectors, minus its
projection on the reference corpus's first principal component (SIF), normalised. A label
becomes a vector the same way from its name or description. Scores are cosines (one matrix
product for a whole batch); probabilities come from a softmax with a temperature, or from
independent sigmoids around a threshold for multi-label use.

Formulas (``e_w`` the unit vector of word ``w``, ``c_w`` its count in the document, ``n`` the
number of the document's tokens that are in the vocabulary)::

    weight(w) = 1                                   weighting="mean"
              = ln((1 + N) / (1 + df(w))) + 1       weighting="idf"  (N documents, df(w) of them contain w)
              = a / (a + p(w))                      weighting="sif"  (Arora et al. 2017, a = 1e-3)
    v    = Σ_w c_w · weight(w) · e_w / n
    v'   = v − Σ_k (v · u_k) u_k                    u_k: first principal component(s), SIF only
    doc  = v' / ‖v'‖                                (a document with no known word: the zero vector)
    score(doc, label) = doc · label                  (cosine; both unit vectors)
    P(label | doc) = softmax(score / T)             single label
    P(label | doc) = 1 / (1 + exp(−(score − θ) / T)) multi-label: independent, 0.5 at the threshold θ

``p(w)`` is ``vectors.counts / Σ counts`` when the vectors carry counts, else the word's share of
the tokens of the reference corpus; ``df``, ``N`` and ``u`` always come from the reference corpus.
The reference corpus is what ``fit(texts)`` was given, else the ``reference=`` texts, else the
Lee background corpus bundled with gensim (300 news articles: real English, no network).
The principal component is the first right singular vector of the reference documents' ``v``
(uncentred, as in the paper's code); label vectors have it removed too.
"""

import itertools
import math
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np

from . import _kernels
from ._text import encode as _encode
from ._text import tokenize as _tokenize
from .errors import EngineError, ShapeError, VocabularyError

DEFAULT_TEMPERATURE = 0.05
DEFAULT_THRESHOLD = 0.3
DEFAULT_CHUNK = 8192
_WEIGHTINGS = ("mean", "idf", "sif")
_SCORERS = ("cosine", "wmd")


# --------------------------------------------------------------------------------------------
# text → document vectors
# --------------------------------------------------------------------------------------------
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
    """

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
    ):
        if encoder is None and vectors is None:
            raise EngineError("give word vectors (vectors=...) or an encoder (encoder=...)")
        if weighting not in _WEIGHTINGS:
            raise EngineError(f"weighting must be one of {_WEIGHTINGS}, got {weighting!r}")
        if not sif_a > 0:
            raise EngineError(f"sif_a must be > 0, got {sif_a!r}")
        if encoder is not None and not callable(getattr(encoder, "encode", None)):
            raise EngineError("encoder must have a method encode(texts) -> (n, d) array")
        self.vectors = vectors
        self.weighting = weighting
        self.reference = reference
        self.sif_a = float(sif_a)
        self.n_components = (1 if weighting == "sif" else 0) if n_components is None else int(n_components)
        if self.n_components < 0:
            raise EngineError(f"n_components must be >= 0, got {n_components}")
        self.encoder = encoder
        self.lowercase = bool(lowercase)
        self.chunk_size = _check_chunk(chunk_size)
        self.word_weights_ = None  # float32 (V,): weight(w) for every vocabulary word
        self.components_ = None  # float32 (k, d): removed directions (orthonormal rows)

    # ---- statistics ----
    @property
    def dim(self):
        if self.encoder is not None:
            return getattr(self, "_encoder_dim", None)
        return self.vectors.vector_size

    def fit(self, texts=None):
        """Fit p(w) / idf and the principal component(s) on ``texts`` (default: the reference)."""
        if self.encoder is not None:
            return self
        if texts is None and self.reference is None:
            key = (self.weighting, self.sif_a, self.n_components, self.lowercase)
            cached = _LEE_STATS.setdefault(self.vectors, {}).get(key)
            if cached is None:
                cached = self._fit_stats(_lee_corpus())
                _LEE_STATS[self.vectors][key] = cached
            self.word_weights_, self.components_ = cached
            return self
        texts = self.reference if texts is None else texts
        self.word_weights_, self.components_ = self._fit_stats(_as_text_list(texts, "reference corpus"))
        return self

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
            if v.counts is not None:
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
            # Right singular vectors of raw = eigenvectors of its (uncentred) Gram matrix.
            evals, evecs = np.linalg.eigh(raw.T @ raw)
            comps = np.ascontiguousarray(evecs[:, ::-1][:, : self.n_components].T, dtype=np.float32)
        return weights, _readonly(comps)

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
            return _kernels.encode_texts(texts, self.vectors.key_to_index, self.lowercase, vocab)
        except TypeError:
            err = _bad_item(texts, "texts")
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
        """``(X, unknown)``: unit document vectors (float32, ``(n, d)``) and a mask of the texts
        with no known word (their rows are zero). Runs in chunks of ``chunk_size`` texts."""
        texts = _as_text_list(texts, "texts")
        if len(texts) <= self.chunk_size:
            return self._transform_chunk(texts)
        parts = [self._transform_chunk(c) for c in _chunks(texts, self.chunk_size)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _transform_chunk(self, texts):
        if self.encoder is not None:
            return self._encode_with_encoder(texts)
        self._ensure_fitted()
        X, norms = self._vectors_from_csr(*self.encode_texts(texts)[:3])
        return X, ~(norms > 0)

    def scores(self, texts, labels):
        """``(scores, unknown)``: float64 cosines ``(n, L)`` of the texts with the unit rows of
        ``labels``, computed per chunk; each row depends only on its own text, so chunking and
        batching never change a result. Texts with no known word score 0 (``unknown``)."""
        texts = _as_text_list(texts, "texts")
        labels = np.ascontiguousarray(labels, dtype=np.float32)
        parts = [self._scores_chunk(c, labels) for c in _chunks(texts, self.chunk_size)]
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
        err = _bad_item(texts, "texts")
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
        """Label vectors from ``{name: description text or word list}``.

        Returns ``(L, dropped)``: ``L`` float32 ``(K, d)`` unit rows and, per label, the words of
        its description that are not in the vocabulary (dropped). A word *list* must be all
        known (VocabularyError otherwise); a label with no known word at all is a
        VocabularyError naming it.
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
        L, _ = self._vectors_from_csr(*_encode(docs, k2i, False)[:3])
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


# --------------------------------------------------------------------------------------------
# scores → probabilities
# --------------------------------------------------------------------------------------------
def softmax_proba(scores, temperature, unknown=None):
    """Row-wise softmax of ``scores / temperature`` (float64, stable); unknown rows uniform."""
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True) if z.size else z
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    if unknown is not None and np.any(unknown):
        p[unknown] = 1.0 / p.shape[1]
    return p


def sigmoid_proba(scores, threshold, temperature, unknown=None):
    """Independent ``1 / (1 + exp(-(score - threshold) / temperature))``; unknown rows get 1/K."""
    z = (np.asarray(scores, dtype=np.float64) - threshold) / temperature
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function without overflow
    if unknown is not None and np.any(unknown):
        p[unknown] = 1.0 / p.shape[1]
    return p


@dataclass
class Explanation:
    """Each known word's contribution to each label's score; contributions sum to the scores.

    ``contributions[i, k]`` is word ``words[i]``'s share of ``scores[k]``: for the cosine scorer
    ``alpha_i · (e_i − Σ (e_i·u)u) · label_k / ‖v'‖`` (see the module docstring).
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


# --------------------------------------------------------------------------------------------
# zero-shot
# --------------------------------------------------------------------------------------------
class ZeroShotClassifier:
    """Classify texts into labels described only by names or descriptions.

    >>> import engine
    >>> clf = engine.ZeroShotClassifier(engine.datasets.default_vectors(),
    ...     {"sport": "sport football team game", "food": "food cooking meal recipe"})
    >>> clf.predict(["the team won the match", "bake the bread in the oven"]).tolist()
    ['sport', 'food']
    >>> round(float(clf.predict_proba(["the team won the match"]).sum()), 6)
    1.0

    Parameters
    ----------
    vectors : engine.Vectors
        Word vectors (ignored for embedding when ``encoder`` is given, still needed for WMD).
    labels : list of str, or dict name → description (str) or word list
        A name alone is its own description (underscores read as spaces). Unknown words of a
        description are dropped (listed in ``label_dropped_words_``); a word list must be all
        known; a label with no known word is a VocabularyError.
    weighting : {"sif", "idf", "mean"}
        How words are weighted into document and label vectors (module docstring).
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

    Attributes
    ----------
    classes_ : ndarray of str, label names in the given order.
    label_vectors_ : float32 (K, d).
    last_unknown_ : bool mask of the texts of the last call that had no known word (their
        probabilities are uniform, their scores 0).
    """

    def __init__(
        self,
        vectors,
        labels,
        weighting="sif",
        scorer="cosine",
        multi_label=False,
        temperature=None,
        threshold=None,
        encoder=None,
        *,
        reference=None,
        sif_a=1e-3,
        n_components=None,
        lowercase=True,
        chunk_size=DEFAULT_CHUNK,
    ):
        if scorer not in _SCORERS:
            raise EngineError(f"scorer must be one of {_SCORERS}, got {scorer!r}")
        if scorer == "wmd" and vectors is None:
            raise EngineError("scorer='wmd' needs word vectors")
        self.scorer = scorer
        self.multi_label = bool(multi_label)
        self.temperature = _check_temperature(temperature)
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.labels = _label_spec(labels)
        self.classes_ = np.array(list(self.labels), dtype=object)
        self.embedder = DocumentEmbedder(
            vectors,
            weighting,
            reference=reference,
            sif_a=sif_a,
            n_components=n_components,
            encoder=encoder,
            lowercase=lowercase,
            chunk_size=chunk_size,
        )
        self.vectors = vectors
        self.last_unknown_ = None
        self._wmd = None
        self._refresh_labels()

    def _refresh_labels(self):
        self.label_vectors_, self.label_dropped_words_ = self.embedder.label_vectors(self.labels)
        self._label_words = None

    def fit(self, X, y=None):
        """Refit the weighting statistics (p(w), idf, principal component) on the texts ``X``.

        Unsupervised: ``y`` is ignored. Then every score uses the statistics of ``X``.
        """
        self.embedder.fit(_as_text_list(X, "texts"))
        self._refresh_labels()
        return self

    def embed(self, X):
        """Unit document vectors of ``X`` (float32 ``(n, d)``), as the scorer sees them."""
        D, unknown = self.embedder.transform(X)
        self.last_unknown_ = unknown
        return D

    def decision_function(self, X):
        """Scores ``(n, K)`` float64: cosines (or −WMD); 0 for a text with no known word (flagged)."""
        scores, unknown = self._scores(X)
        self.last_unknown_ = unknown
        return scores

    def _scores(self, X):
        X = _as_text_list(X, "texts")
        if self.scorer == "wmd":
            return self._wmd_scores(X)
        return self.embedder.scores(X, self.label_vectors_)

    def _wmd_scores(self, X):
        try:
            from .wmd import WMD
        except ImportError as e:
            raise EngineError(f"scorer='wmd' needs engine.WMD (engine/wmd.py): {e}") from None
        if self._wmd is None:
            self._wmd = WMD(self.vectors, lowercase=self.embedder.lowercase)
        if self._label_words is None:
            self._label_words = self._label_word_lists()
        if self.vectors.ngrams is not None:  # every token gets a vector
            n_known = np.array(
                [len(_tokenize(x, self.embedder.lowercase) if isinstance(x, str) else x) for x in X]
            )
        else:
            n_known = np.diff(self.embedder.encode_texts(X)[0])
        unknown = n_known == 0
        dist = np.zeros((len(X), len(self._label_words)), dtype=np.float64)
        known = np.flatnonzero(~unknown)
        if known.size:
            d = np.asarray(self._wmd.pairwise([X[i] for i in known], self._label_words), dtype=np.float64)
            # gensim's wmdistance gives inf when every word-to-word cost is 0: the text and the
            # label are made of the same word(s), a perfect match.
            d[~np.isfinite(d)] = 0.0
            dist[known] = d
        return -dist, unknown

    def _label_word_lists(self):
        k2i = self.vectors.key_to_index
        out = []
        for spec in self.labels.values():
            toks = _tokenize(spec, self.embedder.lowercase) if isinstance(spec, str) else list(spec)
            out.append([t for t in toks if t in k2i])
        return out

    def predict_proba(self, X):
        """Probabilities ``(n, K)`` float64: softmax(score / T), or with ``multi_label`` the
        independent σ((score − threshold) / T). A text with no known word gets 1/K for every
        label (and is flagged in ``last_unknown_``), never NaN."""
        scores, unknown = self._scores(X)
        self.last_unknown_ = unknown
        return self._proba(scores, unknown)

    def _proba(self, scores, unknown):
        if self.multi_label:
            return sigmoid_proba(scores, self.threshold, self.temperature, unknown)
        return softmax_proba(scores, self.temperature, unknown)

    def predict(self, X):
        """Label names ``(n,)``; with ``multi_label`` a boolean indicator ``(n, K)`` (columns in
        ``classes_`` order) of the labels whose score reaches the threshold. A text with no known
        word gets the first label (single-label) or no label (multi-label); see ``last_unknown_``."""
        scores, unknown = self._scores(X)
        self.last_unknown_ = unknown
        if self.multi_label:
            return (scores >= self.threshold) & ~unknown[:, None]
        return self.classes_[np.argmax(scores, axis=1)] if len(scores) else self.classes_[:0]

    def iter_predict_proba(self, texts, chunk_size=None):
        """Stream ``(proba, unknown)`` per chunk of an iterable of texts (bounded memory).

        >>> import engine
        >>> clf = engine.ZeroShotClassifier(engine.datasets.default_vectors(), ["sport", "food"])
        >>> [p.shape for p, _ in clf.iter_predict_proba(iter(["goal", "soup", "tea"]), chunk_size=2)]
        [(2, 2), (1, 2)]
        """
        size = _check_chunk(chunk_size or self.embedder.chunk_size)
        if isinstance(texts, str):
            raise ShapeError("texts: expected an iterable of texts, got a single str; wrap it in a list")
        it = iter(texts)
        while True:
            chunk = list(itertools.islice(it, size))
            if not chunk:
                return
            scores, unknown = self._scores(chunk)
            yield self._proba(scores, unknown), unknown

    def explain(self, text):
        """Each known word's contribution to each label's cosine score (they sum to the score).

        >>> import engine
        >>> clf = engine.ZeroShotClassifier(engine.datasets.default_vectors(), ["sport", "food"])
        >>> ex = clf.explain("a football match and a pizza")
        >>> bool(abs(ex.contributions.sum(axis=0) - ex.scores).max() < 1e-5)
        True
        >>> ex.top("food", 1)[0][0]
        'pizza'
        """
        if self.scorer != "cosine" or self.embedder.encoder is not None:
            raise EngineError("explain is defined for the cosine scorer over word vectors")
        if not isinstance(text, (str, list, tuple)):
            raise ShapeError(f"explain: expected one text (str or token list), got {type(text).__name__}")
        words, alpha, E, norm = self.embedder.explain_vectors(text)
        L = self.label_vectors_.astype(np.float64)
        if norm > 0:
            contrib = (alpha[:, None] * (E @ L.T)) / norm
        else:
            contrib = np.zeros((len(words), len(self.classes_)))
        toks = _tokenize(text, self.embedder.lowercase) if isinstance(text, str) else list(text)
        k2i = self.vectors.key_to_index
        unknown_words = list(dict.fromkeys(t for t in toks if t not in k2i))
        return Explanation(words, contrib, contrib.sum(axis=0), list(self.classes_), unknown_words)


# --------------------------------------------------------------------------------------------
# few-shot (a scikit-learn estimator)
# --------------------------------------------------------------------------------------------
class _EstimatorBase:
    """The scikit-learn estimator protocol without importing scikit-learn (it is heavy and
    optional): parameters are the constructor's arguments, stored unchanged."""

    _estimator_type = "classifier"

    @classmethod
    def _param_names(cls):
        import inspect

        return sorted(p for p in inspect.signature(cls.__init__).parameters if p != "self")

    def get_params(self, deep=True):
        """The constructor's parameters (``deep`` is accepted for scikit-learn; none nest)."""
        return {n: getattr(self, n) for n in self._param_names()}

    def set_params(self, **params):
        """Set constructor parameters; refit afterwards. Returns ``self``."""
        valid = self._param_names()
        for k, val in params.items():
            if k not in valid:
                raise EngineError(f"{type(self).__name__}: unknown parameter {k!r}; valid: {valid}")
            setattr(self, k, val)
        return self

    def __sklearn_clone__(self):
        # Vectors are immutable and an encoder is a (large) model: a clone shares them rather
        # than deep-copying gigabytes; every other parameter is deep-copied as scikit-learn does.
        import copy

        shared = ("vectors", "encoder")
        params = {k: (v if k in shared else copy.deepcopy(v)) for k, v in self.get_params().items()}
        return type(self)(**params)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y`` (weighted by ``sample_weight``)."""
        y = np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        return float(np.average(self.predict(X) == y, weights=w))

    def __repr__(self):
        shown = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if k in ("weighting", "prior_weight", "temperature") or (k == "vectors" and v is not None)
        )
        return f"{type(self).__name__}({shown})"

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=True),
            input_tags=InputTags(two_d_array=True, string=True),
        )


class FewShotClassifier(_EstimatorBase):
    """Few-shot classifier: class prototypes from k examples, blended with label descriptions.

    The prototype of class ``c`` is the direction of ``λ·label_c + Σ_i doc_i`` over its
    examples (unit document vectors, ``λ = prior_weight``): the label description counts as
    ``λ`` pseudo-examples, so with no examples it is the zero-shot label vector and each example
    moves it (prototypical networks with the cosine). Scores are cosines to the prototypes;
    probabilities a softmax with temperature ``T``.

    ``X`` is a list of texts, or a numeric ``(n, d)`` array of document vectors (e.g. from
    ``transform``); with an array and no ``vectors`` it is a nearest-centroid classifier (cosine).

    >>> import engine
    >>> v = engine.datasets.default_vectors()
    >>> fs = engine.FewShotClassifier(v).fit(["great match", "tasty soup"], ["sport", "food"])
    >>> fs.predict(["the team scored a goal"]).tolist()
    ['sport']
    >>> fs.partial_fit(["a fast car"], ["cars"]).classes_.tolist()
    ['cars', 'food', 'sport']
    """

    def __init__(
        self,
        vectors=None,
        labels=None,
        weighting="sif",
        prior_weight=1.0,
        temperature=None,
        encoder=None,
        reference=None,
        sif_a=1e-3,
        n_components=None,
        chunk_size=DEFAULT_CHUNK,
    ):
        self.vectors = vectors
        self.labels = labels
        self.weighting = weighting
        self.prior_weight = prior_weight
        self.temperature = temperature
        self.encoder = encoder
        self.reference = reference
        self.sif_a = sif_a
        self.n_components = n_components
        self.chunk_size = chunk_size

    # ---- fitting ----
    def _setup(self):
        if not self.prior_weight >= 0:
            raise EngineError(f"prior_weight must be >= 0, got {self.prior_weight!r}")
        self._T = _check_temperature(self.temperature)
        self.embedder_ = None
        if self.vectors is not None or self.encoder is not None:
            self.embedder_ = DocumentEmbedder(
                self.vectors,
                self.weighting,
                reference=self.reference,
                sif_a=self.sif_a,
                n_components=self.n_components,
                encoder=self.encoder,
                chunk_size=self.chunk_size,
            )
        spec = _label_spec(self.labels) if self.labels is not None else {}
        if spec and self.embedder_ is None:
            raise EngineError("label descriptions need word vectors or an encoder to embed them")
        self._prior = {}
        if spec:
            L, _ = self.embedder_.label_vectors(spec)
            self._prior = {name: L[i] for i, name in enumerate(spec)}
        self._sums, self._counts = {}, {}

    def fit(self, X, y):
        """Prototypes from the examples ``X`` (texts or vectors) with classes ``y`` (replaces any
        earlier fit). Classes named in ``labels`` but without examples stay zero-shot."""
        self._setup()
        return self._add(X, y, reset_features=True)

    def partial_fit(self, X, y, classes=None):
        """Add examples (new classes allowed); the first call also sets up like ``fit``."""
        first = not hasattr(self, "_sums")
        if first:
            self._setup()
        self._add(X, y, reset_features=first)
        if classes is not None:
            self._ensure_classes(list(classes))
        return self

    def _add(self, X, y, reset_features):
        D, _ = self._embed(X, reset=reset_features)
        y = _as_targets(y, D.shape[0])
        if D.shape[0] == 0 and not self._prior:
            raise ShapeError("fit: no examples and no label descriptions: nothing to learn from")
        for c in np.unique(y) if y.size else []:
            rows = D[y == c]
            key = c.item() if isinstance(c, np.generic) else c
            self._sums[key] = self._sums.get(key, 0.0) + rows.astype(np.float64).sum(axis=0)
            self._counts[key] = self._counts.get(key, 0) + int(np.any(rows != 0, axis=1).sum())
        self._ensure_classes([])
        return self

    def _ensure_classes(self, extra):
        for c in extra:
            self._sums.setdefault(c, 0.0)
            self._counts.setdefault(c, 0)
        names = set(self._sums) | set(self._prior)
        self.classes_ = np.array(sorted(names, key=_sort_key))
        d = self._dim()
        P = np.zeros((len(self.classes_), d), dtype=np.float64)
        for i, c in enumerate(self.classes_.tolist()):
            s = self._sums.get(c, 0.0)
            P[i] = (s if np.ndim(s) else np.zeros(d)) + (
                self.prior_weight * self._prior[c].astype(np.float64) if c in self._prior else 0.0
            )
        norms = np.linalg.norm(P, axis=1)
        self.prototypes_ = (P / np.where(norms > 0, norms, 1.0)[:, None]).astype(np.float32)
        self.class_counts_ = np.array([self._counts.get(c, 0) for c in self.classes_.tolist()])

    def _dim(self):
        if self._prior:
            return next(iter(self._prior.values())).shape[0]
        return self.n_features_in_

    def _embed(self, X, reset=False):
        if _is_numeric_matrix(X):
            X = np.asarray(X)
            if X.dtype.kind == "c":
                raise ShapeError("X: Complex data not supported")
            if X.ndim != 2:
                raise ShapeError(
                    f"X: expected a 2-D array of document vectors, got shape {X.shape}. "
                    "Reshape your data with X.reshape(-1, 1) for one feature or "
                    "X.reshape(1, -1) for one sample"
                )
            D = _kernels.as_matrix(X, "X")
            if D.shape[1] == 0:
                raise ShapeError(f"X: 0 feature(s) (shape={D.shape}) while a minimum of 1 is required.")
            if (
                self.embedder_ is not None
                and self.embedder_.encoder is None
                and D.shape[1] != self.embedder_.dim
            ):
                raise ShapeError(f"X: {D.shape[1]} features, the vectors have {self.embedder_.dim}")
            if reset:
                self.n_features_in_ = D.shape[1]
            elif hasattr(self, "n_features_in_") and D.shape[1] != self.n_features_in_:
                raise ShapeError(
                    f"X has {D.shape[1]} features, but {type(self).__name__} "
                    f"is expecting {self.n_features_in_} features as input"
                )
            D, norms = _kernels.normalize_rows(D)
            return D, ~(norms > 0)
        if self.embedder_ is None:
            raise EngineError("texts need word vectors (vectors=...) or an encoder (encoder=...)")
        D, unknown = self.embedder_.transform(X)
        if reset:
            self.n_features_in_ = D.shape[1]
        return D, unknown

    # ---- prediction ----
    def _check_fitted(self):
        if not hasattr(self, "prototypes_"):
            try:
                from sklearn.exceptions import NotFittedError
            except ImportError:  # pragma: no cover
                NotFittedError = EngineError
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def embed(self, X):
        """Unit document vectors of ``X`` (float32 ``(n, d)``)."""
        self._check_fitted()
        return self._embed(X)[0]

    def _scores(self, X):
        self._check_fitted()
        if self.embedder_ is not None and not _is_numeric_matrix(X):
            return self.embedder_.scores(X, self.prototypes_)
        D, unknown = self._embed(X)
        return D.astype(np.float64) @ self.prototypes_.T.astype(np.float64), unknown

    def decision_function(self, X):
        """Cosine of each text to each class prototype, float64 ``(n, n_classes)``; with two
        classes, as scikit-learn expects, the 1-D ``cos(classes_[1]) − cos(classes_[0])``."""
        scores, _ = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(self, X, return_unknown=False):
        """softmax(cosine / T) over the classes; 1/K for a text with no known word. With
        ``return_unknown=True`` also the mask of those texts: ``(proba, unknown)``."""
        scores, unknown = self._scores(X)
        proba = softmax_proba(scores, self._T, unknown)
        return (proba, unknown) if return_unknown else proba

    def predict(self, X):
        """The class of the nearest prototype (the first class for a text with no known word)."""
        scores, _ = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)] if len(scores) else self.classes_[:0]


# --------------------------------------------------------------------------------------------
# episodic evaluation
# --------------------------------------------------------------------------------------------
@dataclass
class EpisodeResult:
    """Mean accuracy over episodes with a normal-approximation 95% interval."""

    mean: float
    low: float
    high: float
    accuracies: np.ndarray
    macro_f1: np.ndarray = None  # each episode's macro-averaged F1 over its n_way classes

    @property
    def ci95(self):
        return (self.high - self.low) / 2

    def __str__(self):
        return f"{self.mean:.3f} ± {self.ci95:.3f} ({len(self.accuracies)} episodes)"


def episodes(
    texts,
    labels,
    n_way,
    k_shot,
    n_query,
    n_episodes=100,
    seed=0,
    *,
    vectors=None,
    label_texts=None,
    encoder=None,
    weighting="sif",
    prior_weight=1.0,
    temperature=None,
    reference=None,
):
    """N-way k-shot episodic accuracy of ``FewShotClassifier`` (``k_shot=0``: zero-shot).

    Each episode draws ``n_way`` classes that have at least ``k_shot + n_query`` texts, then
    ``k_shot`` support and ``n_query`` query texts per class (without overlap), fits on the
    support (plus the label descriptions, weighted ``prior_weight``) and scores the queries.
    Texts are embedded once. ``label_texts`` maps a class to its description; with ``k_shot=0``
    a class without one is described by its own name. Returns an ``EpisodeResult``: mean,
    ``low``/``high`` = mean ∓ 1.96·sd/√n_episodes, every episode's accuracy and macro-F1.

    >>> import engine
    >>> from engine.classify import episodes
    >>> texts = ["goal match", "team won", "soup bowl", "bread oven", "car road", "fast engine"]
    >>> r = episodes(texts, ["s", "s", "f", "f", "c", "c"], n_way=2, k_shot=1, n_query=1,
    ...              n_episodes=5, seed=0, vectors=engine.datasets.default_vectors())
    >>> 0.0 <= r.mean <= 1.0
    True
    """
    texts = _as_text_list(texts, "texts")
    y = _as_targets(labels, len(texts))
    for name, val, lo in (
        ("n_way", n_way, 1),
        ("k_shot", k_shot, 0),
        ("n_query", n_query, 1),
        ("n_episodes", n_episodes, 1),
    ):
        if not isinstance(val, (int, np.integer)) or val < lo:
            raise EngineError(f"episodes: {name} must be an integer >= {lo}, got {val!r}")
    classes, counts = np.unique(y, return_counts=True)
    eligible = classes[counts >= k_shot + n_query]
    if len(eligible) < n_way:
        raise EngineError(
            f"episodes: only {len(eligible)} classes have at least k_shot + n_query = "
            f"{k_shot + n_query} texts; n_way={n_way} needs {n_way}"
        )
    label_texts = dict(label_texts or {})
    if k_shot == 0:
        label_texts = {
            c.item() if isinstance(c, np.generic) else c: label_texts.get(c, str(c)) for c in eligible
        }
    used = {c: d for c, d in label_texts.items() if c in set(eligible.tolist())}
    base = FewShotClassifier(
        vectors,
        labels=used or None,
        weighting=weighting,
        prior_weight=prior_weight,
        temperature=temperature,
        encoder=encoder,
        reference=reference,
    )
    base._setup()
    D, _ = base.embedder_.transform(texts) if base.embedder_ else (None, None)
    if D is None:
        raise EngineError("episodes: give vectors=... or encoder=...")
    rng = np.random.default_rng(seed)
    by_class = {c: np.flatnonzero(y == c) for c in eligible.tolist()}
    acc = np.empty(n_episodes)
    f1 = np.empty(n_episodes)
    for e in range(n_episodes):
        way = rng.choice(len(eligible), size=n_way, replace=False)
        cls = [eligible[i].item() if isinstance(eligible[i], np.generic) else eligible[i] for i in way]
        sup, qry, ys, yq = [], [], [], []
        for c in cls:
            idx = rng.permutation(by_class[c])[: k_shot + n_query]
            sup.extend(idx[:k_shot])
            ys.extend([c] * k_shot)
            qry.extend(idx[k_shot:])
            yq.extend([c] * n_query)
        clf = _episode_classifier(base, cls)
        clf._add(D[np.array(sup, dtype=np.int64)], np.array(ys, dtype=object), reset_features=True)
        pred = clf.classes_[np.argmax(D[np.array(qry, dtype=np.int64)] @ clf.prototypes_.T, axis=1)]
        yq = np.array(yq, dtype=object)
        acc[e] = float(np.mean(pred == yq))
        f1[e] = _macro_f1(yq, pred.astype(object), cls)
    mean = float(acc.mean())
    half = 1.96 * float(acc.std(ddof=1)) / math.sqrt(n_episodes) if n_episodes > 1 else 0.0
    return EpisodeResult(mean, mean - half, mean + half, acc, f1)


def _macro_f1(y_true, y_pred, classes):
    """Macro-averaged F1 over ``classes`` (a class never predicted nor present counts 0)."""
    scores = []
    for c in classes:
        tp = float(np.sum((y_pred == c) & (y_true == c)))
        denom = float(np.sum(y_pred == c) + np.sum(y_true == c))
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))


def _episode_classifier(base, classes):
    """A fitted-state copy of ``base`` restricted to ``classes`` (shares the embedder)."""
    clf = FewShotClassifier.__new__(FewShotClassifier)
    clf.__dict__.update(base.__dict__)
    clf._prior = {c: base._prior[c] for c in classes if c in base._prior}
    clf._sums, clf._counts = dict.fromkeys(classes, 0.0), dict.fromkeys(classes, 0)
    return clf


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
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


def _lee_corpus():
    import importlib.util
    import os

    # Located without importing gensim (seconds of imports for one file path).
    spec = importlib.util.find_spec("gensim")
    path = (
        os.path.join(os.path.dirname(spec.origin), "test", "test_data", "lee_background.cor") if spec else ""
    )
    if not os.path.exists(path):
        from .datasets import gensim_test_file

        path = gensim_test_file("lee_background.cor")
    with open(path, encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def _label_spec(labels):
    if isinstance(labels, str) or labels is None:
        raise EngineError("labels: give a list of names or a dict name → description / word list")
    if isinstance(labels, dict):
        spec = {}
        for name, desc in labels.items():
            if not isinstance(desc, str):
                try:
                    desc = [str(w) for w in desc]
                except TypeError:
                    raise EngineError(
                        f"label {name!r}: a description must be a string or a list of words"
                    ) from None
            spec[name] = desc
    else:
        names = list(labels)
        if len(set(names)) != len(names):
            raise EngineError(f"labels: duplicate name in {names}")
        spec = {n: str(n).replace("_", " ") for n in names}
    if not spec:
        raise EngineError("labels: at least one label is needed")
    return spec


def _as_text_list(texts, what):
    """``texts`` as a list (items are checked where they are encoded: a per-item loop here would
    cost as much as the native tokenizer)."""
    if isinstance(texts, str):
        raise ShapeError(f"{what}: expected a list of texts, got a single str; wrap it in a list")
    if isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise ShapeError(f"{what}: expected a 1-D sequence of texts, got shape {texts.shape}")
        texts = texts.tolist()
    return texts if isinstance(texts, list) else list(texts)


def _bad_item(texts, what):
    """ShapeError naming the first item that is neither a str nor a token list."""
    for i, t in enumerate(texts):
        if not isinstance(t, (str, list, tuple)) or (
            not isinstance(t, str) and not all(isinstance(w, str) for w in t)
        ):
            return ShapeError(
                f"{what}: item {i} is a {type(t).__name__} ({t!r:.40}), expected a str or a list of str"
            )
    return None


def _as_targets(y, n):
    if y is None:
        raise ShapeError("this classifier requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; pass a 1-D array",
            _data_conversion_warning(),
            stacklevel=3,
        )
        y = y.ravel()
    if y.ndim != 1 or y.shape[0] != n:
        raise ShapeError(f"y: expected {n} labels (1-D), got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ShapeError("y: contains NaN or Inf; every example needs a class")
        if np.any(y != np.round(y)):
            raise ShapeError(
                "Unknown label type: continuous. y holds real numbers; a classifier needs class labels"
            )
    return y


def _data_conversion_warning():
    try:
        from sklearn.exceptions import DataConversionWarning

        return DataConversionWarning
    except ImportError:  # pragma: no cover
        return UserWarning


def _is_numeric_matrix(X):
    """True for document vectors (a numeric array or nested numeric lists), False for texts."""
    if hasattr(X, "tocsr"):
        raise ShapeError("X: sparse matrices are not supported; give texts or a dense (n, d) array")
    if isinstance(X, np.ndarray):
        return X.dtype.kind in "biufc" or (X.dtype.kind == "O" and X.ndim == 2)
    if not isinstance(X, (list, tuple)) and hasattr(X, "__array__"):
        return True
    if isinstance(X, (list, tuple)) and X and isinstance(X[0], (list, tuple, np.ndarray)):
        first = X[0]
        return (
            len(first) > 0
            and isinstance(first[0], (int, float, np.number))
            and not isinstance(first[0], bool)
        )
    return False


def _sort_key(c):
    return (type(c).__name__, c)


def _check_temperature(t):
    t = DEFAULT_TEMPERATURE if t is None else t
    if not (isinstance(t, (int, float, np.floating)) and t > 0 and math.isfinite(t)):
        raise EngineError(f"temperature must be a finite number > 0, got {t!r}")
    return float(t)


def _check_chunk(n):
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise EngineError(f"chunk_size must be a positive integer, got {n!r}")
    return int(n)


def _chunks(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


# --------------------------------------------------------------------------------------------
# files (the `engine classify` command reads these)
# --------------------------------------------------------------------------------------------
def iter_text_file(path, field=None):
    """Texts of a file: one per line, or with ``field`` one JSON object per line (JSONL) whose
    ``field`` is the text. Yields strings; FormatError names the file and line of a bad one.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.jsonl")
    >>> _ = open(p, "w").write('{"text": "a goal"}\\n{"text": "a soup"}\\n')
    >>> list(iter_text_file(p, field="text"))
    ['a goal', 'a soup']
    """
    import json

    from .errors import FormatError

    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if field is None:
                yield line
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise FormatError(f"{path}: line {lineno}: not valid JSON ({e.msg})") from None
            if not isinstance(obj, dict) or field not in obj:
                raise FormatError(f"{path}: line {lineno}: no field {field!r}")
            text = obj[field]
            if not isinstance(text, str):
                raise FormatError(
                    f"{path}: line {lineno}: field {field!r} is a {type(text).__name__}, expected a string"
                )
            yield text


def load_labels_file(path):
    """Labels from a JSON file: ``{"name": "description" or ["words"]}`` or ``["names"]``."""
    import json

    from .errors import FormatError

    with open(path, encoding="utf-8") as f:
        try:
            labels = json.load(f)
        except json.JSONDecodeError as e:
            raise FormatError(f"{path}: line {e.lineno}: not valid JSON ({e.msg})") from None
    ok = (isinstance(labels, list) and all(isinstance(x, str) for x in labels)) or (
        isinstance(labels, dict)
        and all(
            isinstance(d, str) or (isinstance(d, list) and all(isinstance(w, str) for w in d))
            for d in labels.values()
        )
    )
    if not ok or not labels:
        raise FormatError(
            f"{path}: expected a JSON object name → description (or word list), or a list of names"
        )
    return labels
