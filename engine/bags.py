"""Documents as bags of words: word ids and count weights in CSR form, and the WMD of one pair.

A document is a string (tokenized by ``engine._text.tokenize``) or a list of string tokens, as
in gensim. It becomes the ids of its unique known words and their weights count / length
(gensim's ``wmdistance`` bag of words), once; the kernels then take arrays. This module sits
below ``Vectors`` (it only reads a vectors object's ``key_to_index``, ``unit``, ``norms``,
``ngrams`` and ``get_vector``), so ``Vectors.wmdistance`` and ``engine.WMD`` share one path.
"""

import numpy as np

from . import _kernels
from ._text import encode
from .errors import ShapeError

METHODS = {"emd": 0, "sinkhorn": 1}


class Bags:
    """Documents as CSR bags: ``ptr`` (n+1), global word ids ``gid`` and weights ``w``."""

    __slots__ = ("ptr", "gid", "w")

    def __init__(self, ptr, gid, w):
        self.ptr, self.gid, self.w = ptr, gid, w

    def __len__(self):
        return len(self.ptr) - 1

    def csr(self, loc):
        """(ptr, loc, gid, w) arrays for the kernels, ``loc`` the rows in a cost matrix."""
        return self.ptr, np.ascontiguousarray(loc, dtype=np.int32), self.gid, self.w

    def take(self, rows):
        """The bags of documents ``rows`` (in that order)."""
        sizes = np.diff(self.ptr)[rows]
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        idx = (
            np.concatenate([np.arange(self.ptr[r], self.ptr[r + 1]) for r in rows])
            if len(rows)
            else np.empty(0, dtype=np.int64)
        )
        return Bags(ptr, self.gid[idx], self.w[idx])


def oov_table(vectors):
    """``{}`` to collect out-of-vocabulary words (with fastText n-grams), None to drop them.

    With n-grams every string is "in" the model (gensim's ``in``), so unknown words get ids
    after the vocabulary and vectors built from their n-grams; otherwise they are dropped.
    """
    return {} if vectors.ngrams is not None else None


def bags(vectors, docs, name, oov, lowercase=True):
    """``Bags`` of the documents ``docs`` over ``vectors``' vocabulary (weights count / length)."""
    docs = as_docs(docs, name)
    ptr, ids, counts, _ = encode(docs, vectors.key_to_index, lowercase, oov)
    w = counts.astype(np.float64)
    sizes = np.diff(ptr)
    if w.size:
        totals = np.add.reduceat(w, ptr[:-1][sizes > 0])
        w /= np.repeat(totals, sizes[sizes > 0])
    return Bags(ptr, ids.astype(np.int64), w)


def word_rows(vectors, gids, oov, norm=True):
    """float64 vectors of global word ids (vocabulary rows, then n-gram-built words).

    Columns are zero-padded to a multiple of 8, the width the cost kernel works in, so it
    never copies a matrix (distances do not change).
    """
    v = vectors
    gids = np.asarray(gids, dtype=np.int64)
    dim = v.vector_size
    d8 = -(-dim // 8) * 8
    out = (
        np.empty((len(gids), d8), dtype=np.float64)
        if d8 == dim
        else np.zeros((len(gids), d8), dtype=np.float64)
    )
    if not len(gids) or gids.max() < len(v):  # the common case: all in the vocabulary
        known = slice(None)
        ids = gids
    else:
        known = gids < len(v)
        ids = gids[known]
    rows = v.unit[ids]
    if not norm:
        rows = rows * v.norms[ids, None]
    out[known, :dim] = rows
    if not isinstance(known, slice):
        words = {i: w for w, i in oov.items()}
        for r in np.flatnonzero(~known):
            out[r, :dim] = v.get_vector(words[int(gids[r])], norm=norm)
    return out


def wmd_pair(vectors, doc1, doc2, norm=True, lowercase=True, method=0, reg=0.01):
    """Word Mover's Distance of one pair of documents (``method``: a value of ``METHODS``).

    ``inf`` when a document has no known word; see ``engine.WMD.distance``.
    """
    oov = oov_table(vectors)
    doc1, doc2 = as_doc(doc1, "doc1"), as_doc(doc2, "doc2")
    ptr, ids, counts, _ = encode([doc1, doc2], vectors.key_to_index, lowercase, oov)
    s = int(ptr[1])
    if not oov:  # every word has a vocabulary row: one native call does the rest
        norms = None if norm else vectors.norms
        return _kernels.wmd_single_ids(vectors.unit, norms, ids, counts, s, method, reg)
    gid = ids.astype(np.int64)
    w = counts.astype(np.float64)
    if s:
        w[:s] /= w[:s].sum()
    if len(w) > s:
        w[s:] /= w[s:].sum()
    X = word_rows(vectors, gid, oov, norm)
    return _kernels.wmd_single(X[:s], gid[:s], w[:s], X[s:], gid[s:], w[s:], method, reg)


def is_single_doc(q):
    """A string or a list of string tokens is one document; a list of those is many."""
    if isinstance(q, str):
        return True
    if isinstance(q, (list, tuple)):
        return len(q) == 0 or isinstance(q[0], str)
    return False


def as_doc(doc, what):
    if isinstance(doc, str):
        return doc
    if isinstance(doc, (list, tuple)):
        if doc and set(map(type, doc)) != {str}:  # a C-speed check; the loop only names the culprit
            for t, tok in enumerate(doc):
                if not isinstance(tok, str):
                    raise ShapeError(f"{what}: token {t} is a {type(tok).__name__}, expected str")
        return doc
    if isinstance(doc, np.ndarray) and doc.ndim == 1:
        return as_doc(doc.tolist(), what)
    raise ShapeError(
        f"{what}: a document must be a string or a list of string tokens, got {type(doc).__name__}"
    )


def as_docs(docs, name):
    if len(docs_list := listify(docs, name)) == 1 and name in ("doc1", "doc2"):
        return [as_doc(docs_list[0], name)]
    return [as_doc(d, f"{name}[{i}]") for i, d in enumerate(docs_list)]


def listify(docs, name):
    if isinstance(docs, str):
        raise ShapeError(f"{name}: expected a list of documents, got a single string")
    try:
        return list(docs)
    except TypeError:
        raise ShapeError(f"{name}: expected a list of documents, got {type(docs).__name__}") from None
