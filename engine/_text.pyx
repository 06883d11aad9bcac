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
