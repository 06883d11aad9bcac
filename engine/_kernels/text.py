"""Texts to bags of word ids: ASCII texts in parallel by the native tokenizer
(csrc/ascii_encode.hpp), the others by engine._text, with the same rules and output."""

import numpy as np

from .. import _native
from .._config import get_num_threads
from ..errors import ShapeError
from . import _dispatch


def ascii_vocab(keys):
    """A native hash table over ``keys`` (row ``i`` = ``keys[i]``), for `encode_texts`.

    Examples
    --------
    >>> vocab = ascii_vocab(["apple", "pear"])
    >>> encode_texts(["a pear"], {"apple": 0, "pear": 1}, True, vocab)[1].tolist()
    [1]
    """
    return _native.AsciiVocab(list(keys))


def encode_texts(texts, key_to_index, lowercase=True, vocab=None):
    """``engine._text.encode(texts, key_to_index, lowercase)``, with the ASCII strings encoded
    in parallel by the native tokenizer when ``vocab`` is given.

    Parameters
    ----------
    texts : sequence of str or of lists of str
        The documents: texts to tokenize, or lists of tokens.
    key_to_index : mapping
        Word -> row (a lazy ``engine._vocab.VocabIndex`` gives its plain dict, built once).
    lowercase : bool
        Lowercase the tokens of texts.
    vocab : optional
        ``ascii_vocab(index_to_key)`` over the same vocabulary; None: everything goes through
        Cython. Texts that are not ASCII, and token lists, always do.

    Returns
    -------
    indptr : numpy.ndarray, int64 (n + 1,)
    ids : numpy.ndarray, int32 (nnz,)
    counts : numpy.ndarray, float32 (nnz,)
        Document ``i``'s distinct known words in order of first appearance, with their counts,
        are entries ``indptr[i]:indptr[i + 1]``.
    n_tokens : numpy.ndarray, int64 (n,)
        Tokens per document, known or not.

    Examples
    --------
    >>> keys = ["apple", "pear"]
    >>> k2i = {k: i for i, k in enumerate(keys)}
    >>> indptr, ids, counts, n_tokens = encode_texts(["Pear pear kiwi", "apple"], k2i, True, ascii_vocab(keys))
    >>> indptr.tolist(), ids.tolist(), counts.tolist(), n_tokens.tolist()
    ([0, 1, 2], [1, 0], [2.0, 1.0], [3, 1])
    """
    from .._text import encode

    if type(key_to_index) is not dict:  # Cython takes a dict; a lazy vocabulary keeps its own
        key_to_index = key_to_index.as_dict() if hasattr(key_to_index, "as_dict") else dict(key_to_index)
    if vocab is None:
        return encode(texts, key_to_index, lowercase)
    texts = texts if isinstance(texts, list) else list(texts)
    indptr, ids, counts, ntok, fallback = _dispatch.active.encode_ascii(
        vocab, texts, bool(lowercase), get_num_threads()
    )
    if not fallback.any():
        return indptr, ids, counts, ntok
    rows = np.flatnonzero(fallback)
    for i in rows.tolist():  # only the texts the native path did not take: usually few
        if not isinstance(texts[i], (str, list, tuple)):
            raise ShapeError(
                f"texts: item {i} is a {type(texts[i]).__name__}, expected a str or a list of str"
            )
    f_indptr, f_ids, f_counts, f_ntok = encode([texts[i] for i in rows], key_to_index, lowercase)
    lengths = np.diff(indptr)
    lengths[rows] = np.diff(f_indptr)
    ntok[rows] = f_ntok
    new_indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_indptr[1:])
    from_fallback = np.repeat(fallback, lengths)
    new_ids = np.empty(new_indptr[-1], dtype=np.int32)
    new_counts = np.empty(new_indptr[-1], dtype=np.float32)
    new_ids[~from_fallback], new_ids[from_fallback] = ids, f_ids
    new_counts[~from_fallback], new_counts[from_fallback] = counts, f_counts
    return new_indptr, new_ids, new_counts, ntok
