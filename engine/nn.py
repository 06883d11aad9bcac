"""Feeding engine's vectors to a neural network: embedding matrices, padded batches, layers.

Everything here is numpy except ``torch_embedding`` (which imports torch when called); Keras
is never imported: ``keras_embedding_weights`` returns plain arrays a Keras ``Embedding`` takes.
"""

import numpy as np

from ._docstrings import fill_doc
from .errors import DependencyError, EngineError, ShapeError
from .vectors import Vectors

_OOV_RULES = ("zeros", "random", "mean")


def _vocabulary_index(vocabulary):
    """word → id from a list of words, a dict, a Keras-style tokenizer or a HF tokenizer."""
    if isinstance(vocabulary, Vectors):
        return dict(vocabulary.key_to_index)
    if hasattr(vocabulary, "word_index"):  # keras.preprocessing.text.Tokenizer
        index = vocabulary.word_index
    elif hasattr(vocabulary, "get_vocab"):  # Hugging Face tokenizers
        index = vocabulary.get_vocab()
    elif isinstance(vocabulary, dict):
        index = vocabulary
    elif isinstance(vocabulary, str):
        raise EngineError("vocabulary: give a list of words, not one string")
    else:
        try:
            words = list(vocabulary)
        except TypeError:
            raise EngineError(
                f"vocabulary: expected a list of words, a dict word→id or a "
                f"tokenizer, got {type(vocabulary).__name__}"
            ) from None
        index = {}
        for i, w in enumerate(words):
            if w in index:
                raise EngineError(f"vocabulary: word {w!r} appears twice (positions {index[w]} and {i})")
            index[w] = i
        return index
    index = dict(index)
    owner = {}
    for w, i in index.items():
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or i < 0:
            raise EngineError(f"vocabulary: id of {w!r} must be a non-negative int, got {i!r}")
        if i in owner:
            raise EngineError(f"vocabulary: {owner[i]!r} and {w!r} both have id {i}")
        owner[i] = w
    return index


def embedding_matrix(vectors, vocabulary_or_tokenizer, oov="zeros", seed=0, norm=False):
    """A ``(n_ids, dim)`` float32 matrix whose row ``i`` is the vector of the word with id ``i``.

    ``vocabulary_or_tokenizer`` is a list of words (id = position), a dict word → id, a
    Keras-style tokenizer (its ``word_index``, ids from 1) or a Hugging Face tokenizer (its
    ``get_vocab()``). Words ``vectors`` knows (fastText n-gram vectors included) get their
    vector (raw, or unit length with ``norm=True``); the others follow ``oov``:

    - ``"zeros"``: a zero row;
    - ``"random"``: normal draws with mean 0 and, per dimension, the standard deviation of the
      known rows (reproducible with ``seed``);
    - ``"mean"``: the mean of the known rows.

    Ids no word has (row 0 of a Keras tokenizer, the padding id) are zero rows.

    Parameters
    ----------
    vectors : Vectors
        The word vectors.
    vocabulary_or_tokenizer : list, dict, tokenizer or Vectors
        The ids: a list of words (id = position), a dict word → id, a Keras-style tokenizer
        (``word_index``), a Hugging Face tokenizer (``get_vocab()``) or a ``Vectors`` (its rows).
    oov : {"zeros", "random", "mean"}
        The rows of words ``vectors`` does not know.
    seed : int, default 0
        Seed of ``oov="random"``.
    norm : bool, default False
        Unit-length rows instead of the raw vectors.

    Returns
    -------
    matrix : ndarray of float32, shape (max id + 1, dim)
        Row ``i`` is the vector of the word with id ``i``.
    index : dict of str to int
        The word → id mapping used.

    Raises
    ------
    EngineError
        For a bad vocabulary (a repeated word or id, a negative id) or ``oov`` with no known
        word to take statistics from.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["cat", "dog"], np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> m, index = embedding_matrix(v, {"dog": 1, "cat": 2, "gnu": 3}, oov="mean")
    >>> m.tolist()
    [[0.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.5, 1.0]]
    """
    if oov not in _OOV_RULES:
        raise EngineError(f"embedding_matrix: oov must be one of {_OOV_RULES}, got {oov!r}")
    if not isinstance(vectors, Vectors):
        raise EngineError(
            f"embedding_matrix: vectors must be an engine.Vectors, got {type(vectors).__name__}"
        )
    index = _vocabulary_index(vocabulary_or_tokenizer)
    n = max(index.values()) + 1 if index else 0
    words = list(index)
    word_ids = np.fromiter(index.values(), dtype=np.int64, count=len(words))
    k2i = vectors.key_to_index
    rows = np.fromiter((k2i.get(w, -1) for w in words), dtype=np.int64, count=len(words))
    known = np.zeros(n, dtype=bool)
    hit = rows >= 0
    known[word_ids[hit]] = True
    if hit.any():
        # One gather straight into the result (no temporary, no scatter): each id reads its
        # word's row (row 0 when it has none; the raw row as loaded unless norm), then the rows
        # of ids without a known word are zeroed.
        source = np.zeros(n, dtype=np.int64)
        source[word_ids[hit]] = rows[hit]
        matrix = (vectors.unit if norm else vectors.vectors).take(source, axis=0)
        matrix[~known] = 0.0
    else:
        matrix = np.zeros((n, vectors.vector_size), dtype=np.float32)
    if vectors.ngrams is not None:  # fastText n-grams give a vector to any other string
        for j in np.flatnonzero(~hit):
            if isinstance(words[j], str):
                matrix[word_ids[j]] = vectors.get_vector(words[j], norm=norm)
                known[word_ids[j]] = True
    has_word = np.zeros(n, dtype=bool)
    has_word[word_ids] = True
    known_ids = np.flatnonzero(known)
    oov_ids = np.flatnonzero(has_word & ~known)
    if len(oov_ids) and oov != "zeros":
        if not len(known_ids):
            raise EngineError(
                f"embedding_matrix: oov={oov!r} needs at least one known word; "
                f"none of the {len(index)} words is in the vectors"
            )
        known_rows = matrix[known_ids].astype(np.float64)
        if oov == "mean":
            matrix[oov_ids] = known_rows.mean(axis=0)
        else:
            rng = np.random.default_rng(seed)
            std = known_rows.std(axis=0)
            matrix[oov_ids] = rng.standard_normal((len(oov_ids), matrix.shape[1])) * std
    return matrix, index


def pad_batch(texts, vocabulary, max_len=None, pad_id=0, unk_id=None, lowercase=True):
    """Texts → ``(ids, mask)``: a ``(B, T)`` int64 id array and a ``(B, T)`` bool mask.

    Texts are strings (split with engine's tokenizer) or lists of tokens. ``vocabulary`` is a
    ``Vectors`` (ids are its rows), or anything ``embedding_matrix`` takes (ids are that
    index's). Unknown tokens are dropped, or mapped to ``unk_id`` when given. ``T`` is the
    longest text (at least 1) or ``max_len`` (longer texts keep their first ``max_len``
    tokens); padding positions hold ``pad_id`` and are False in the mask.

    Parameters
    ----------
    texts : list of str or list of list of str
        Texts (split with engine's tokenizer) or token lists.
    vocabulary : Vectors, list, dict or tokenizer
        Where ids come from (as in :func:`embedding_matrix`).
    max_len : int, optional
        Width ``T`` of the batch; default the longest text (at least 1).
    pad_id : int, default 0
        Id of the padding positions.
    unk_id : int, optional
        Id of unknown tokens; by default they are dropped.
    lowercase : bool, default True
        Lowercase the tokens of string texts.

    Returns
    -------
    ids : ndarray of int64, shape (B, T)
        The token ids, padded.
    mask : ndarray of bool, shape (B, T)
        True at real tokens, False at padding.

    Examples
    --------
    >>> ids, mask = pad_batch(["a b", "b"], ["a", "b"])
    >>> ids.tolist(), mask.tolist()
    ([[0, 1], [1, 0]], [[True, True], [True, False]])
    """
    rows = _token_ids(texts, _vocabulary_index(vocabulary), unk_id, lowercase)
    if max_len is not None and (not isinstance(max_len, (int, np.integer)) or max_len < 1):
        raise EngineError(f"pad_batch: max_len must be a positive int, got {max_len!r}")
    width = max_len if max_len is not None else max([len(r) for r in rows] + [1])
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=bool)
    for b, r in enumerate(rows):
        r = r[:width]
        ids[b, : len(r)] = r
        mask[b, : len(r)] = True
    return ids, mask


def pad_vectors(texts, vectors, max_len=None, norm=False, lowercase=True):
    """Texts → ``(X, mask)``: a ``(B, T, dim)`` float32 array of word vectors and its mask.

    Tokens ``vectors`` does not know are dropped; padding rows are zero.

    Parameters
    ----------
    texts : list of str or list of list of str
        Texts (split with engine's tokenizer) or token lists.
    vectors : Vectors
        The word vectors.
    max_len : int, optional
        Width ``T``; default the longest text (at least 1).
    norm : bool, default False
        Unit vectors instead of the raw ones.
    lowercase : bool, default True
        Lowercase the tokens of string texts.

    Returns
    -------
    X : ndarray of float32, shape (B, T, dim)
        The word vectors, zero at padding.
    mask : ndarray of bool, shape (B, T)
        True at real tokens.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["cat", "dog"], np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> X, mask = pad_vectors(["dog cat", "cat"], v)
    >>> X.shape, X[1, 1].tolist(), mask.tolist()
    ((2, 2, 2), [0.0, 0.0], [[True, True], [True, False]])
    """
    if not isinstance(vectors, Vectors):
        raise EngineError(f"pad_vectors: vectors must be an engine.Vectors, got {type(vectors).__name__}")
    ids, mask = pad_batch(texts, vectors, max_len=max_len, lowercase=lowercase)
    X = (vectors.unit if norm else vectors.vectors)[ids]  # gathers only the rows used
    X[~mask] = 0.0
    return X, mask


def _token_ids(texts, index, unk_id, lowercase):
    from ._text import tokenize

    if isinstance(texts, str):
        raise EngineError("texts: give a list of texts, not one string")
    rows = []
    for b, t in enumerate(texts):
        if isinstance(t, str):
            tokens = tokenize(t, lowercase)
        elif isinstance(t, (list, tuple)):
            tokens = t
        else:
            raise EngineError(f"texts[{b}]: expected a string or a list of tokens, got {type(t).__name__}")
        get = index.get
        if unk_id is None:
            rows.append([i for i in map(get, tokens) if i is not None])
        else:
            rows.append([unk_id if i is None else i for i in map(get, tokens)])
    return rows


def _matrix_of(vectors_or_matrix, vocabulary, oov, seed, norm):
    if vocabulary is not None:
        return embedding_matrix(vectors_or_matrix, vocabulary, oov=oov, seed=seed, norm=norm)[0]
    if isinstance(vectors_or_matrix, Vectors):
        return (
            vectors_or_matrix.unit if norm else vectors_or_matrix.vectors
        ).copy()  # a weight table is trained
    m = np.asarray(vectors_or_matrix, dtype=np.float32)
    if m.ndim != 2:
        raise ShapeError(f"embedding weights: expected a 2-D matrix, got shape {m.shape}")
    if m.size and not np.isfinite(m).all():
        raise ShapeError("embedding weights: the matrix contains NaN or Inf")
    return np.array(m, dtype=np.float32, order="C")


@fill_doc
def torch_embedding(
    vectors_or_matrix, freeze=True, padding_idx=None, vocabulary=None, oov="zeros", seed=0, norm=False
):
    """A ``torch.nn.Embedding`` initialised with engine's vectors (or a matrix).

    With ``vocabulary`` the rows follow it (see ``embedding_matrix``); otherwise a ``Vectors``
    gives its rows in ``index_to_key`` order. ``freeze=False`` makes the weights trainable;
    ``padding_idx`` marks a row that gets no gradient (its initial value is kept).

    Parameters
    ----------
    vectors_or_matrix : Vectors or array of shape (n, dim)
        The vectors (rows in ``index_to_key`` order without ``vocabulary``) or a matrix.
    freeze : bool, default True
        Keep the weights fixed during training.
    padding_idx : int, optional
        A row that gets no gradient.
    %(parameters_embedding_rows)s

    Returns
    -------
    torch.nn.Embedding
        The layer, its weight a float32 ``(n, dim)`` tensor.

    Raises
    ------
    DependencyError
        When torch is not installed.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["cat", "dog"], np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> emb = torch_embedding(v, vocabulary=["<pad>", "dog", "cat"], padding_idx=0)
    >>> emb.weight.shape, emb.weight.requires_grad
    (torch.Size([3, 2]), False)
    """
    try:
        import torch
    except ImportError:
        raise DependencyError(
            "torch_embedding needs torch: pip install torch==2.13.0 (the CPU "
            'build), or install the extra: pip install "engine[contextual]"'
        ) from None
    matrix = _matrix_of(vectors_or_matrix, vocabulary, oov, seed, norm)
    if padding_idx is not None and not -matrix.shape[0] <= padding_idx < matrix.shape[0]:
        raise ShapeError(f"torch_embedding: padding_idx {padding_idx} outside the {matrix.shape[0]} rows")
    return torch.nn.Embedding.from_pretrained(
        torch.from_numpy(matrix), freeze=freeze, padding_idx=padding_idx
    )


@fill_doc
def keras_embedding_weights(vectors_or_matrix, vocabulary=None, oov="zeros", seed=0, norm=False):
    """Weights for a Keras ``Embedding`` layer: ``[matrix]`` of shape ``(input_dim, output_dim)``.

    Use them as ``Embedding(input_dim, output_dim, weights=w)`` (Keras 2),
    ``layer.set_weights(w)`` after building, or
    ``embeddings_initializer=keras.initializers.Constant(w[0])`` (Keras 3). With a Keras
    tokenizer as ``vocabulary`` row 0 (Keras's padding id) is zero. Keras is not imported.

    Parameters
    ----------
    vectors_or_matrix : Vectors or array of shape (n, dim)
        The vectors or a matrix.
    %(parameters_embedding_rows)s

    Returns
    -------
    list of ndarray
        ``[matrix]``, float32 of shape ``(input_dim, output_dim)``.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["cat", "dog"], np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> [w.shape for w in keras_embedding_weights(v, vocabulary={"cat": 1, "dog": 2})]
    [(3, 2)]
    """
    return [_matrix_of(vectors_or_matrix, vocabulary, oov, seed, norm)]
