"""Documents as bags of words: word ids and count weights in CSR form, and the WMD of one pair.

A document is a string (tokenized by ``engine._text.tokenize``) or a list of string tokens, as
in gensim. It becomes the ids of its unique known words and their weights count / length
(gensim's ``wmdistance`` bag of words), once; the kernels then take arrays. This module sits
below ``Vectors`` (it only reads a vectors object's ``key_to_index``, ``unit``, ``norms``,
``ngrams`` and ``get_vector``), so ``Vectors.wmdistance`` and ``engine.WMD`` share one path.
"""

import numpy as np

from . import _kernels
from ._docstrings import fill_doc
from ._text import encode, encode_docs, encode_pair
from ._vocab import as_dict
from .errors import ShapeError

#: The WMD solvers by name, as the kernels number them.
METHODS = {"emd": 0, "sinkhorn": 1}


class Bags:
    """Documents as bags of words in CSR form: offsets, word ids and weights.

    Document ``i`` holds the words ``gid[ptr[i]:ptr[i + 1]]`` with weights
    ``w[ptr[i]:ptr[i + 1]]``; an empty document (no known word) has ``ptr[i] == ptr[i + 1]``.

    Parameters
    ----------
    ptr : ndarray of int64, shape (n + 1,)
        Offsets of each document's entries, starting at 0.
    gid : ndarray of int64
        Global word ids: vocabulary rows, then ids after the vocabulary for words built from
        fastText n-grams (see ``oov_table``).
    w : ndarray of float64
        The weights, count / length within each document (each non-empty document sums to 1).

    Attributes
    ----------
    ptr, gid, w : ndarray
        As given.

    See Also
    --------
    bags : Build them from documents.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b", "c"], np.eye(3))
    >>> b = bags(v, [["a", "a", "b"], "C", []], "docs", None)
    >>> len(b), b.ptr.tolist(), b.gid.tolist(), b.w.round(3).tolist()
    (3, [0, 2, 3, 3], [0, 1, 2], [0.667, 0.333, 1.0])
    """

    __slots__ = ("ptr", "gid", "w")

    def __init__(self, ptr, gid, w):
        self.ptr, self.gid, self.w = ptr, gid, w

    def __len__(self):
        return len(self.ptr) - 1

    def csr(self, loc):
        """Return the arrays the WMD kernels take: ``(ptr, loc, gid, w)``.

        Parameters
        ----------
        loc : array_like of int, shape (len(gid),)
            For each entry, its row in the cost matrix (a local word index).

        Returns
        -------
        tuple of ndarray
            ``ptr``, ``loc`` as C-contiguous int32, ``gid`` and ``w``.

        Examples
        --------
        >>> import numpy as np
        >>> b = Bags(np.array([0, 1]), np.array([7]), np.array([1.0]))
        >>> b.csr([0])[1]
        array([0], dtype=int32)
        """
        return self.ptr, np.ascontiguousarray(loc, dtype=np.int32), self.gid, self.w

    def take(self, rows):
        """Return the bags of some documents, in the order given.

        Parameters
        ----------
        rows : array_like of int
            Document indices.

        Returns
        -------
        Bags
            A new ``Bags`` of ``len(rows)`` documents.

        Examples
        --------
        >>> import numpy as np
        >>> b = Bags(np.array([0, 2, 3]), np.array([0, 1, 2]), np.array([0.5, 0.5, 1.0]))
        >>> b.take([1, 0]).gid.tolist()
        [2, 0, 1]
        """
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
    """Return ``{}`` to collect out-of-vocabulary words (fastText n-grams), or None to drop them.

    With n-grams every string is "in" the model (gensim's ``in``), so unknown words get ids
    after the vocabulary (collected in the dict, ``{word: id}``, by ``bags``) and vectors built
    from their n-grams; otherwise they are dropped.

    Parameters
    ----------
    vectors : engine.Vectors
        The word vectors.

    Returns
    -------
    dict or None
        An empty dict if ``vectors`` has n-grams, else None.

    Examples
    --------
    >>> import numpy as np, engine
    >>> oov_table(engine.Vectors(["a"], np.eye(1))) is None
    True
    """
    return {} if vectors.ngrams is not None else None


def bags(vectors, docs, name, oov, lowercase=True):
    """Turn documents into ``Bags`` over the vectors' vocabulary (weights count / length).

    This is gensim's ``wmdistance`` bag of words: each document keeps its unique known words,
    weighted by their count over the number of known words in it. Strings are tokenized (and
    lowercased with ``lowercase``); token lists are used as given.

    Parameters
    ----------
    vectors : engine.Vectors
        The word vectors.
    docs : sequence of str or list of str
        The documents.
    name : str
        The argument's name, for error messages.
    oov : dict or None
        From ``oov_table``: a dict collects unknown words (extended in place), None drops them.
    lowercase : bool, default True
        Lowercase strings when tokenizing.

    Returns
    -------
    Bags
        One bag per document.

    Raises
    ------
    ShapeError
        If ``docs`` is a single string or not iterable, or a document is neither a string nor
        a list of string tokens.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> bags(v, ["a b b", ["zzz"]], "docs", None).ptr.tolist()
    [0, 2, 2]
    """
    fast = (
        None
        if oov is not None
        else encode_docs(listify(docs, name), as_dict(vectors.key_to_index), lowercase)
    )
    if fast is not None:  # every document well formed: ids and counts in one pass of C
        ptr, ids, counts = fast
    else:  # n-gram words to collect, or a document to check (as_docs says what is wrong)
        ptr, ids, counts, _ = encode(as_docs(docs, name), as_dict(vectors.key_to_index), lowercase, oov)
    w = counts.astype(np.float64)
    sizes = np.diff(ptr)
    if w.size:
        totals = np.add.reduceat(w, ptr[:-1][sizes > 0])
        w /= np.repeat(totals, sizes[sizes > 0])
    return Bags(ptr, ids.astype(np.int64), w)


def word_rows(vectors, gids, oov, norm=True):
    """Return the float64 vectors of global word ids (vocabulary rows, then n-gram-built words).

    Columns are zero-padded to a multiple of 8, the width the cost kernel works in, so it never
    copies a matrix (distances do not change).

    Parameters
    ----------
    vectors : engine.Vectors
        The word vectors.
    gids : array_like of int
        Global word ids, as in ``Bags.gid``.
    oov : dict or None
        The table that gave ids to out-of-vocabulary words (``{word: id}``).
    norm : bool, default True
        Unit vectors (False: the raw ones).

    Returns
    -------
    ndarray of float64, shape (len(gids), ceil(dim / 8) * 8)
        One row per id.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.array([[3.0, 4.0], [1.0, 0.0]]))
    >>> word_rows(v, [1, 0], None, norm=False)[:, :3]
    array([[1., 0., 0.],
           [3., 4., 0.]])
    >>> word_rows(v, [0], None).shape
    (1, 8)
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


@fill_doc
def wmd_pair(vectors, doc1, doc2, norm=True, lowercase=True, method=0, reg=0.01):
    r"""Word Mover's Distance of one pair of documents.

    .. math::

        \mathrm{WMD}(d_1, d_2) = \min_{T \ge 0,\; \sum_j T_{ij} = d_{1,i},\;
        \sum_i T_{ij} = d_{2,j}} \; \sum_{i,j} T_{ij} \, \lVert x_i - x_j \rVert_2

    with the bags of ``bags`` as :math:`d_1` and :math:`d_2`; solved exactly
    (``method=0``) or by Sinkhorn iterations with entropic regularisation ``reg``
    (``method=1``). The one path behind ``Vectors.wmdistance`` and ``engine.WMD.distance``.

    Parameters
    ----------
    vectors : engine.Vectors
        The word vectors.
    doc1, doc2 : str or list of str
        The documents.
    norm : bool, default True
        Costs between unit vectors (False: the raw ones).
    lowercase : bool, default True
        Lowercase strings when tokenizing.
    method : int, default 0
        A value of ``METHODS``: 0 exact, 1 Sinkhorn.
    reg : float, default 0.01
        The Sinkhorn regularisation.

    Returns
    -------
    float
        The distance; ``inf`` when a document has no known word, or every cost is zero.

    %(raises_document)s

    See Also
    --------
    engine.WMD.distance : The same, with the method by name.

    %(examples_wmd_ab)s
    >>> wmd_pair(v, ["a"], "b zzz")
    1.4142135623730951
    """
    norms = None if norm else vectors.norms
    if vectors.ngrams is None:  # the common case: bags in Cython, then one native call
        pair = encode_pair(doc1, doc2, as_dict(vectors.key_to_index), lowercase)
        if pair is not None:
            return _kernels.wmd_single_ids(vectors.unit, norms, *pair, method, reg)
    oov = oov_table(vectors)
    doc1, doc2 = as_doc(doc1, "doc1"), as_doc(doc2, "doc2")
    ptr, ids, counts, _ = encode([doc1, doc2], as_dict(vectors.key_to_index), lowercase, oov)
    s = int(ptr[1])
    if not oov:  # every word has a vocabulary row: one native call does the rest
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
    """Tell whether ``q`` is one document rather than a list of documents.

    Parameters
    ----------
    q : object
        A string, a list of string tokens, or a list of documents.

    Returns
    -------
    bool
        True for a string, a list or tuple whose first item is a string, or an empty one.

    Examples
    --------
    >>> is_single_doc("a b"), is_single_doc(["a", "b"]), is_single_doc([["a"], ["b"]])
    (True, True, False)
    """
    if isinstance(q, str):
        return True
    if isinstance(q, (list, tuple)):
        return len(q) == 0 or isinstance(q[0], str)
    return False


def as_doc(doc, what):
    """Check one document: a string, or a list of string tokens.

    Parameters
    ----------
    doc : str, list or tuple of str, or 1-D ndarray of str
        The document.
    what : str
        Its name, for error messages.

    Returns
    -------
    str or list of str
        ``doc`` (an array becomes a list).

    Raises
    ------
    ShapeError
        If ``doc`` is another type or holds a token that is not a string.

    Examples
    --------
    >>> as_doc(("a", "b"), "doc1")
    ('a', 'b')
    >>> as_doc(["a", 1], "doc1")
    Traceback (most recent call last):
    ...
    engine.errors.ShapeError: doc1: token 1 is a int, expected str
    """
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
    """Check a list of documents (each as ``as_doc``).

    Parameters
    ----------
    docs : iterable of documents
        The documents (not a single string).
    name : str
        The argument's name, for error messages.

    Returns
    -------
    list
        The checked documents.

    Raises
    ------
    ShapeError
        If ``docs`` is a string or not iterable, or a document is not one.

    Examples
    --------
    >>> as_docs(["a b", ["c"]], "docs")
    ['a b', ['c']]
    """
    if len(docs_list := listify(docs, name)) == 1 and name in ("doc1", "doc2"):
        return [as_doc(docs_list[0], name)]
    return [as_doc(d, f"{name}[{i}]") for i, d in enumerate(docs_list)]


def listify(docs, name):
    """Return ``docs`` as a list, refusing a single string.

    Parameters
    ----------
    docs : iterable
        The documents.
    name : str
        The argument's name, for error messages.

    Returns
    -------
    list
        ``list(docs)``.

    Raises
    ------
    ShapeError
        If ``docs`` is a string or not iterable.

    Examples
    --------
    >>> listify("a b", "docs")
    Traceback (most recent call last):
    ...
    engine.errors.ShapeError: docs: expected a list of documents, got a single string
    """
    if isinstance(docs, str):
        raise ShapeError(f"{name}: expected a list of documents, got a single string")
    try:
        return list(docs)
    except TypeError:
        raise ShapeError(f"{name}: expected a list of documents, got {type(docs).__name__}") from None
