# cython: language_level=3, boundscheck=False, wraparound=False
"""Bulk text → ids, and words → rows. The loops here touch Python strings, which is why they
are Cython.

A *token* is a maximal run of alphanumeric characters (Unicode) or underscores, with inner
apostrophes kept ("don't"); lowercased unless asked otherwise.
"""
import numpy as np
cimport numpy as cnp
from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_TOLOWER

cdef extern from "Python.h":
    # a dict with room for n keys: building a big vocabulary then skips ~20 resizes
    dict _PyDict_NewPresized(Py_ssize_t n)

cnp.import_array()


cdef inline bint _is_word_char(Py_UCS4 c):
    return Py_UNICODE_ISALNUM(c) or c == u'_'


cpdef list tokenize(str text, bint lowercase=True):
    """Split ``text`` into tokens (see the module docstring)."""
    cdef list out = []
    cdef Py_ssize_t n = len(text), i = 0, start
    cdef Py_UCS4 c
    while i < n:
        c = text[i]
        if not _is_word_char(c):
            i += 1
            continue
        start = i
        i += 1
        while i < n:
            c = text[i]
            if _is_word_char(c):
                i += 1
            elif c == u"'" and i + 1 < n and _is_word_char(text[i + 1]):
                i += 2
            else:
                break
        tok = text[start:i]
        out.append(tok.lower() if lowercase else tok)
    return out


def encode(docs, dict key_to_index, bint lowercase=True, dict oov=None):
    """Turn documents into a CSR bag of words over ``key_to_index``.

    ``docs``: an iterable of strings (tokenized here) or of token lists (used as given).
    ``oov``: if a dict is given, unknown tokens are added to it with ids continuing after the
    vocabulary (``len(key_to_index) + k``) instead of being dropped.

    Returns ``(indptr int64[n+1], ids int32[nnz], counts float32[nnz], n_tokens int64[n])``:
    for document ``i`` the distinct known ids ``ids[indptr[i]:indptr[i+1]]`` in order of first
    appearance with their counts, and the number of tokens it had (known or not).
    """
    cdef list indptr = [0]
    cdef list ntok = []
    ids_buf = []
    counts_buf = []
    cdef Py_ssize_t base = len(key_to_index)
    cdef dict seen
    cdef object idx
    for doc in docs:
        tokens = tokenize(doc, lowercase) if isinstance(doc, str) else doc
        seen = {}
        ntok.append(len(tokens))
        for tok in tokens:
            idx = key_to_index.get(tok)
            if idx is None:
                if oov is None:
                    continue
                idx = oov.get(tok)
                if idx is None:
                    idx = base + len(oov)
                    oov[tok] = idx
            seen[idx] = seen.get(idx, 0) + 1
        ids_buf.extend(seen.keys())
        counts_buf.extend(seen.values())
        indptr.append(len(ids_buf))
    return (
        np.asarray(indptr, dtype=np.int64),
        np.asarray(ids_buf, dtype=np.int32),
        np.asarray(counts_buf, dtype=np.float32),
        np.asarray(ntok, dtype=np.int64),
    )


def index_keys(list keys):
    """``({key: row}, first duplicate or None)`` for a vocabulary, built in one presized pass."""
    cdef Py_ssize_t i, n = len(keys)
    cdef dict d = _PyDict_NewPresized(n)
    for i in range(n):
        key = keys[i]
        if key in d:
            return d, key
        d[key] = i
    return d, None


cdef Py_ssize_t _bag_into(object tokens, dict key_to_index, int[::1] ids, float[::1] counts,
                          Py_ssize_t start, int* table, Py_ssize_t mask) except -2:
    """Append the distinct known ids of ``tokens`` (in order of first appearance) and their counts
    to ``ids``/``counts`` from ``start``; the end, or -1 when a token is not a string. ``table``
    (mask + 1 slots, all -1) is an open-addressing set of positions, left dirty."""
    cdef Py_ssize_t n = start, h
    cdef long idx
    cdef object found
    for tok in tokens:
        if type(tok) is not str:
            return -1
        found = key_to_index.get(tok)
        if found is None:
            continue
        idx = found
        h = (idx * 2654435761) & mask
        while table[h] >= 0 and ids[table[h]] != idx:
            h = (h + 1) & mask
        if table[h] >= 0:
            counts[table[h]] += 1
        else:
            table[h] = n
            ids[n] = idx
            counts[n] = 1
            n += 1
    return n


cdef object _tokens(object doc, bint lowercase):
    """A document's tokens: a string tokenized, a list or tuple as it is; None otherwise."""
    if isinstance(doc, str):
        return tokenize(doc, lowercase)
    if type(doc) is list or type(doc) is tuple:
        return doc
    return None


def encode_pair(doc1, doc2, dict key_to_index, bint lowercase=True):
    """The bags of two documents over ``key_to_index`` for one WMD: ``(ids int32, counts float32,
    split)``, the distinct known ids of ``doc1`` (in order of first appearance, as ``encode``)
    in ``ids[:split]``, those of ``doc2`` after them; unknown words dropped. None when a
    document is neither a string, a list nor a tuple, or holds a token that is not a string
    (the caller's checks then say which).
    """
    cdef object t1 = _tokens(doc1, lowercase), t2 = _tokens(doc2, lowercase)
    if t1 is None or t2 is None:
        return None
    cdef Py_ssize_t n1 = len(t1), n2 = len(t2), size = 8, split, end
    while size < 2 * max(n1, n2):
        size *= 2
    cdef cnp.ndarray ids = np.empty(n1 + n2, dtype=np.int32)
    cdef cnp.ndarray counts = np.empty(n1 + n2, dtype=np.float32)
    cdef cnp.ndarray table = np.empty(size, dtype=np.int32)
    cdef int[::1] tv = table
    tv[:] = -1
    split = _bag_into(t1, key_to_index, ids, counts, 0, &tv[0], size - 1)
    if split < 0:
        return None
    tv[:] = -1
    end = _bag_into(t2, key_to_index, ids, counts, split, &tv[0], size - 1)
    if end < 0:
        return None
    return ids[:end], counts[:end], split


def encode_docs(list docs, dict key_to_index, bint lowercase=True):
    """``encode`` without out-of-vocabulary ids, in one pass of C over the tokens: ``(indptr int64,
    ids int32, counts float32)`` with each document's distinct known ids in order of first
    appearance. None when a document is neither a string, a list nor a tuple, or holds a token
    that is not a string (the caller's checks then say which).
    """
    cdef Py_ssize_t n = len(docs), total = 0, biggest = 0, size = 8, end = 0, i
    cdef list toks = []
    for doc in docs:
        t = _tokens(doc, lowercase)
        if t is None:
            return None
        toks.append(t)
        total += len(t)
        biggest = max(biggest, len(t))
    while size < 2 * biggest:
        size *= 2
    cdef cnp.ndarray ids = np.empty(total, dtype=np.int32)
    cdef cnp.ndarray counts = np.empty(total, dtype=np.float32)
    cdef cnp.ndarray ptr = np.empty(n + 1, dtype=np.int64)
    cdef cnp.ndarray table = np.empty(size, dtype=np.int32)
    cdef int[::1] tv = table
    cdef long long[::1] pv = ptr
    pv[0] = 0
    for i in range(n):
        tv[:] = -1
        end = _bag_into(toks[i], key_to_index, ids, counts, end, &tv[0], size - 1)
        if end < 0:
            return None
        pv[i + 1] = end
    return ptr, ids[:end], counts[:end]
