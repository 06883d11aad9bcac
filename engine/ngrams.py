"""fastText character n-grams: vectors for words outside the vocabulary.

A word's n-grams are the byte substrings of ``<word>`` (UTF-8) that span ``min_n`` to
``max_n`` whole characters; each is hashed (FNV-1a over signed bytes, as Facebook's fastText)
into one of ``bucket`` rows. An unseen word's vector is the mean of its n-gram rows, summed in
float32 in n-gram order — the same arithmetic as gensim 4.4's ``FastTextKeyedVectors.get_vector``,
so the results are equal, not just close.
"""

import numpy as np

from .errors import ShapeError

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


def ft_hash_bytes(data):
    """Hash a byte string as fastText does: 32-bit FNV-1a, each byte sign-extended first.

    fastText hashes C ``char`` values, which are signed: a byte of 0x80 or more enters the hash
    as 0xFFFFFFxx. gensim's ``ft_hash_bytes`` computes the same.

    Parameters
    ----------
    data : bytes
        The bytes of one n-gram (UTF-8).

    Returns
    -------
    int
        The hash, in [0, 2**32).

    Examples
    --------
    >>> ft_hash_bytes(b"<ap")
    1520206650
    """
    h = _FNV_OFFSET
    for b in data:
        # fastText hashes `char`s, which are signed: bytes >= 0x80 sign-extend to 0xFFFFFFxx
        h = ((h ^ (b | 0xFFFFFF00 if b & 0x80 else b)) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def ngrams_bytes(word, min_n, max_n):
    """Return the character n-grams of ``<word>`` as UTF-8 byte strings, in fastText's order.

    Lengths count characters, not bytes; the one-character n-grams ``<`` and ``>`` are left out.
    The order is by start position, then by length.

    Parameters
    ----------
    word : str
        The word (without the ``<`` and ``>`` added here).
    min_n, max_n : int
        The shortest and longest n-gram, in characters.

    Returns
    -------
    list of bytes
        The n-grams, repeats kept.

    Examples
    --------
    >>> ngrams_bytes("ab", 3, 4)
    [b'<ab', b'<ab>', b'ab>']
    >>> [g.decode("utf-8") for g in ngrams_bytes("é", 1, 2)]  # é is 2 bytes, 1 character
    ['<é', 'é', 'é>']
    """
    data = ("<" + word + ">").encode("utf-8")
    n_bytes = len(data)
    out = []
    for i in range(n_bytes):
        if data[i] & 0xC0 == 0x80:  # a UTF-8 continuation byte does not start a character
            continue
        j, n = i, 1
        while j < n_bytes and n <= max_n:
            j += 1
            while j < n_bytes and data[j] & 0xC0 == 0x80:
                j += 1
            if n >= min_n and not (n == 1 and (i == 0 or j == n_bytes)):
                out.append(data[i:j])
            n += 1
    return out


class NgramVectors:
    """The n-gram rows of a fastText model and the hashing that addresses them.

    A word outside the vocabulary gets the mean of the rows ``hash(g) % bucket`` of its n-grams
    ``g`` (see ``ngrams_bytes`` and ``ft_hash_bytes``), as gensim 4.4's
    ``FastTextKeyedVectors`` computes it, bit for bit.

    Parameters
    ----------
    vectors : array_like, shape (bucket, dim)
        The n-gram rows: gensim's ``FastTextKeyedVectors.vectors_ngrams`` (kept as is when
        already float32 C-contiguous, so a memory-mapped array stays mapped; stored as a
        read-only view).
    min_n, max_n : int
        Character n-gram lengths.
    bucket : int
        Number of hash buckets (rows of ``vectors``).

    Attributes
    ----------
    vectors : ndarray of float32, shape (bucket, dim)
        The rows, read-only.
    min_n, max_n, bucket : int
        As given.

    Raises
    ------
    ShapeError
        If ``vectors`` does not have ``bucket`` rows, or not ``1 <= min_n <= max_n``.

    Examples
    --------
    >>> import numpy as np
    >>> ng = NgramVectors(np.eye(4, dtype=np.float32), min_n=3, max_n=3, bucket=4)
    >>> ng.word_vector("ab").shape
    (4,)
    """

    def __init__(self, vectors, min_n, max_n, bucket):
        a = vectors if isinstance(vectors, np.ndarray) else np.asarray(vectors)
        if a.dtype != np.float32 or not a.flags.c_contiguous:
            a = np.ascontiguousarray(a, dtype=np.float32)
        min_n, max_n, bucket = int(min_n), int(max_n), int(bucket)
        if a.ndim != 2 or a.shape[0] != bucket:
            raise ShapeError(f"NgramVectors: expected {bucket} rows (one per bucket), got shape {a.shape}")
        if not 1 <= min_n <= max_n:
            raise ShapeError(f"NgramVectors: need 1 <= min_n <= max_n, got min_n={min_n}, max_n={max_n}")
        a = a.view()  # a read-only view: the caller's array keeps its own flags
        a.flags.writeable = False
        self.vectors = a
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket

    @property
    def vector_size(self):
        """Dimensionality of the n-gram vectors.

        Examples
        --------
        >>> import numpy as np
        >>> NgramVectors(np.zeros((4, 3), dtype=np.float32), 3, 6, 4).vector_size
        3
        """
        return self.vectors.shape[1]

    def params(self):
        """Return the constructor's scalar arguments (saved in engine's ``meta.json``).

        Returns
        -------
        dict
            ``{"min_n": ..., "max_n": ..., "bucket": ...}``.

        Examples
        --------
        >>> import numpy as np
        >>> NgramVectors(np.zeros((4, 3), dtype=np.float32), 3, 6, 4).params()
        {'min_n': 3, 'max_n': 6, 'bucket': 4}
        """
        return {"min_n": self.min_n, "max_n": self.max_n, "bucket": self.bucket}

    def hashes(self, word):
        """Return the bucket of each n-gram of ``word``, in order (repeats kept, as fastText).

        Parameters
        ----------
        word : str
            Any word.

        Returns
        -------
        list of int
            Rows of ``vectors``; empty when the word has no n-gram of the lengths asked.

        Examples
        --------
        >>> import numpy as np
        >>> NgramVectors(np.zeros((1000, 2), dtype=np.float32), 3, 3, 1000).hashes("ab")
        [508, 756]
        """
        return [ft_hash_bytes(g) % self.bucket for g in ngrams_bytes(word, self.min_n, self.max_n)]

    def word_vector(self, word, norm=False):
        """Return the vector of ``word``: the mean of its n-gram rows (float32).

        The rows are summed in float32 in n-gram order, as gensim, so the results are bit-equal.
        ``norm=True`` gives the unit vector (gensim divides the sum, not the mean, by its norm; so
        do we, for equal bits). A word too short to have any n-gram gets the zero vector, as in
        gensim and Facebook's fastText; a zero sum stays zero under ``norm=True`` (gensim would
        give NaN).

        Parameters
        ----------
        word : str
            Any word.
        norm : bool, default False
            Return the unit-length vector.

        Returns
        -------
        ndarray of float32, shape (vector_size,)
            A new array.

        Examples
        --------
        >>> import numpy as np
        >>> ng = NgramVectors(np.array([[1.0, 0.0], [0.0, 3.0]], dtype=np.float32), 3, 3, 2)
        >>> ng.hashes("abc")
        [0, 1, 0]
        >>> ng.word_vector("abc").round(4), ng.word_vector("abc", norm=True).round(4)
        (array([0.6667, 1.    ], dtype=float32), array([0.5547, 0.8321], dtype=float32))
        """
        vec = np.zeros(self.vector_size, dtype=np.float32)
        hashes = self.hashes(word)
        if not hashes:
            return vec
        rows = self.vectors
        for h in hashes:  # sequential float32 sums, as gensim, so results are bit-equal
            vec += rows[h]
        if norm:
            length = np.linalg.norm(vec)
            return vec / length if length > 0 else vec
        return vec / len(hashes)

    def __repr__(self):
        return f"<NgramVectors: {self.bucket} buckets × {self.vector_size}, n={self.min_n}..{self.max_n}>"
