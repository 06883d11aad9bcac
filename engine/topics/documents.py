"""Documents → bags of word ids and counts (CSR), as gensim's ``Dictionary.doc2bow`` makes them.

A document is a text (tokenised by ``gensim.utils.simple_preprocess`` unless another tokenizer
is given), a list of tokens, or a gensim bag of words (a list of ``(word id, count)`` pairs). A
token list becomes the counts of its tokens that the dictionary knows, by ascending id, as
``doc2bow`` makes it; a bag of words is kept as given. Unknown tokens are dropped; a document
with no known token is empty (gensim's answer for it is the prior, see ``engine.topics``).
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..errors import EngineError, ShapeError

__all__ = ["Bags", "as_bags"]


@dataclass(frozen=True)
class Bags:
    """Documents as a CSR matrix of word ids and counts.

    Parameters
    ----------
    indptr : numpy.ndarray, int64 (n + 1,)
        Document ``d`` is entries ``indptr[d]:indptr[d + 1]``.
    ids : numpy.ndarray, int32
        Word ids.
    counts : numpy.ndarray, float64
        Their counts.

    Examples
    --------
    >>> b = Bags.from_bows([[(0, 2.0), (3, 1.0)], []], num_terms=4)
    >>> len(b), b.ids.tolist(), b.indptr.tolist()
    (2, [0, 3], [0, 2, 2])
    """

    indptr: np.ndarray
    ids: np.ndarray
    counts: np.ndarray

    def __len__(self):
        return len(self.indptr) - 1

    @property
    def empty(self):
        """The documents without a known word.

        Returns
        -------
        numpy.ndarray of bool (n,)

        Examples
        --------
        >>> Bags.from_bows([[(0, 1.0)], []], num_terms=1).empty.tolist()
        [False, True]
        """
        return np.diff(self.indptr) == 0

    @classmethod
    def from_bows(cls, bows, num_terms):
        """gensim bags of words (lists of ``(word id, count)`` pairs), checked against the model.

        Parameters
        ----------
        bows : sequence of sequences of (int, float)
            One bag per document.
        num_terms : int
            The model's vocabulary size: every id must lie in ``[0, num_terms)``.

        Returns
        -------
        Bags

        Raises
        ------
        EngineError
            For an id outside the model's vocabulary (the dictionary does not match the model),
            a pair that is not ``(id, count)``, or a negative or non-finite count.

        Examples
        --------
        >>> Bags.from_bows([[(1, 1.0)]], num_terms=2).counts.tolist()
        [1.0]
        """
        lengths = np.fromiter((len(b) for b in bows), dtype=np.int64, count=len(bows))
        indptr = np.zeros(len(bows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        try:
            pairs = np.array([p for b in bows for p in b], dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            raise ShapeError("a bag of words must hold (word id, count) pairs") from None
        ids, counts = pairs[:, 0], pairs[:, 1]
        if ids.size and (ids != np.round(ids)).any():
            raise ShapeError("a bag of words must hold (word id, count) pairs: an id is not an integer")
        bad = np.flatnonzero((ids < 0) | (ids >= num_terms))
        if bad.size:
            doc = int(np.searchsorted(indptr, bad[0], side="right") - 1)
            raise EngineError(
                f"document {doc}: word id {int(ids[bad[0]])} is outside the model's vocabulary of "
                f"{num_terms} words: the dictionary does not match the model"
            )
        if not (np.isfinite(counts).all() and (counts >= 0).all()):
            raise ShapeError("a bag of words: every count must be non-negative and finite")
        return cls(indptr, ids.astype(np.int32), counts)


def _is_bow(doc):
    first = doc[0]
    return (
        isinstance(first, (tuple, list))
        and len(first) == 2
        and isinstance(first[0], Integral)
        and isinstance(first[1], Real)
        and not isinstance(first[0], bool)
    )


def _tokens(doc, i, tokenizer):
    if isinstance(doc, str):
        return tokenizer(doc)
    if all(isinstance(t, str) for t in doc):
        return doc
    raise ShapeError(f"document {i}: expected a text, a list of tokens or a list of (id, count) pairs")


def as_bags(documents, dictionary, num_terms, tokenizer=None):
    """Documents of any kind (texts, token lists, bags of words) as ``Bags``.

    Parameters
    ----------
    documents : sequence, scipy.sparse matrix or Bags
        Texts, token lists or gensim bags of words, mixed as needed; or a sparse
        (documents × words) matrix of counts; or ``Bags`` (returned as they are).
    dictionary : gensim.corpora.Dictionary or None
        Maps tokens to ids (its ``token2id``); needed for texts and token lists.
    num_terms : int
        The model's vocabulary size.
    tokenizer : callable, optional
        Text → tokens; default ``gensim.utils.simple_preprocess``.

    Returns
    -------
    Bags

    Raises
    ------
    EngineError
        For texts without a dictionary, a dictionary or bag with ids outside the model's
        vocabulary, or a document of no known kind.

    Examples
    --------
    >>> from gensim.corpora import Dictionary
    >>> d = Dictionary([["human", "computer", "interface"]])
    >>> b = as_bags(["Human computer human", ["interface", "unknown"]], d, len(d))
    >>> b.indptr.tolist(), b.ids.tolist(), b.counts.tolist()
    ([0, 2, 3], [0, 1, 2], [1.0, 2.0, 1.0])
    """
    if isinstance(documents, Bags):
        return documents
    if hasattr(documents, "tocsr"):
        return _from_sparse(documents.tocsr(copy=True), num_terms)
    if isinstance(documents, str):
        raise ShapeError("documents: expected a list of documents, got a single str; wrap it in a list")
    documents = list(documents)
    if all(len(d) == 0 or (not isinstance(d, str) and _is_bow(d)) for d in documents):
        return Bags.from_bows(documents, num_terms)
    if dictionary is None:
        raise EngineError("texts need a dictionary: give TopicSpace(lda, dictionary) or a model with id2word")
    if tokenizer is None:
        from gensim.utils import simple_preprocess as tokenizer
    return _from_tokens(documents, dictionary.token2id, num_terms, tokenizer)


def _from_tokens(documents, token2id, num_terms, tokenizer):
    """doc2bow for many documents: known tokens counted, by ascending id within each document."""
    flat, doc_of = [], []
    for i, doc in enumerate(documents):
        if not isinstance(doc, str) and len(doc) and _is_bow(doc):
            raise ShapeError(f"document {i}: mix texts and bags of words in separate calls")
        ids = [token2id[t] for t in _tokens(doc, i, tokenizer) if t in token2id]
        flat.extend(ids)
        doc_of.extend([i] * len(ids))
    ids = np.asarray(flat, dtype=np.int64)
    if ids.size and ids.max() >= num_terms:
        raise EngineError(
            f"the dictionary maps a word to id {int(ids.max())}, outside the model's vocabulary of "
            f"{num_terms} words: the dictionary does not match the model"
        )
    keys, counts = np.unique(np.asarray(doc_of, dtype=np.int64) * num_terms + ids, return_counts=True)
    docs = keys // num_terms
    indptr = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum(np.bincount(docs, minlength=len(documents)), out=indptr[1:])
    return Bags(indptr, (keys % num_terms).astype(np.int32), counts.astype(np.float64))


def _from_sparse(m, num_terms):
    if m.shape[1] > num_terms:
        raise EngineError(f"the matrix has {m.shape[1]} word columns, the model {num_terms} words")
    m.sum_duplicates()
    counts = np.asarray(m.data, dtype=np.float64)
    if not (np.isfinite(counts).all() and (counts >= 0).all()):
        raise ShapeError("the counts must be non-negative and finite")
    return Bags(m.indptr.astype(np.int64), m.indices.astype(np.int32), counts)
