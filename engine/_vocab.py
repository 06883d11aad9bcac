"""A store's vocabulary on disk: word → row without reading the words (format version 2).

Three files beside ``vocab.txt`` make opening a store with ``mmap=True`` independent of the
vocabulary's size; they are built once by ``engine.store.write``:

- ``vocab.txt`` — the words' UTF-8 bytes, one a line (as in version 1; no final line break).
- ``vocab_offsets.npy`` — int64, shape (N + 1,): word ``i`` is ``vocab.txt[off[i]:off[i + 1] - 1]``
  (each word is followed by its line break; ``off[N]`` is the file's size + 1).
- ``vocab_buckets.npy`` and ``vocab_rows.npy`` — a hash table in compressed-row form. The hash of
  a word is ``zlib.crc32`` of its UTF-8 bytes (CRC-32, IEEE polynomial: deterministic on every
  platform and Python); its bucket the low bits, ``crc32 & (B - 1)`` where ``B`` is the smallest
  power of two ≥ N. ``vocab_rows.npy`` (N entries) lists the rows bucket by bucket, ascending
  within a bucket; ``vocab_buckets.npy`` (B + 1 entries, from 0 to N) where each bucket starts.
  Both int32 below 2**31 words, int64 above. A collision is resolved by comparing the stored
  bytes of each row of the bucket with the word's.

The files are memory-mapped; ``VocabKeys`` (the words in row order, a ``Sequence``) and
``VocabIndex`` (``{word: row}``, a ``Mapping`` with a dict's semantics) read what they are asked
for. Their SHA-256 digests are kept in ``meta.json`` and checked by ``verify`` (and whenever a
store is read whole); a mapped store is checked in constant time at open (sizes, first and last
offsets and bucket starts) and at each access (a row out of range, an entry that does not hash
to its bucket, bytes that are not UTF-8 raise a ``FormatError``).
"""

import mmap
import os
import sys
import zlib
from collections.abc import ItemsView, KeysView, Mapping, Sequence, ValuesView
from itertools import count

import numpy as np

from ._npy import load_npy
from ._safe_files import open_regular
from .errors import EngineError, FormatError

#: The files of the index, beside ``vocab.txt`` (whose bytes it points into).
FILES = ("vocab_offsets.npy", "vocab_buckets.npy", "vocab_rows.npy")
#: The name of the hash in ``meta.json`` (the only one so far).
HASH = "crc32"
_CHUNK = 1 << 16  # words encoded, written or decoded at a time


def n_buckets(n):
    """The number of buckets of an index of ``n`` words: the smallest power of two ≥ ``n`` (≥ 1).

    Examples
    --------
    >>> n_buckets(0), n_buckets(5), n_buckets(8)
    (1, 8, 8)
    """
    return 1 << max(0, int(n) - 1).bit_length()


def index_dtype(n):
    """int32 for the table of ``n`` words below 2**31, int64 above.

    Examples
    --------
    >>> index_dtype(10), index_dtype(1 << 31)
    (dtype('int32'), dtype('int64'))
    """
    return np.dtype(np.int32 if n < (1 << 31) else np.int64)


def write(folder, keys):
    """Write ``vocab.txt`` and the index files of ``keys`` into ``folder``; their SHA-256 digests.

    Parameters
    ----------
    folder : str
        A new directory (the store's temporary one).
    keys : iterable of str
        The words in row order (no line breaks: the caller checks).

    Returns
    -------
    dict
        ``{"hash": "crc32", "buckets": B, "sha256": {file: hex digest}}`` for ``meta.json``.

    Raises
    ------
    EngineError
        If a word cannot be encoded as UTF-8 (a lone surrogate).

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> sorted(write(d, ["a", "b"])["sha256"])
    ['vocab.txt', 'vocab_buckets.npy', 'vocab_offsets.npy', 'vocab_rows.npy']
    """
    import hashlib  # here: opening a store (engine score's start) needs no OpenSSL

    lens, hashes = [], []
    digest = hashlib.sha256()
    with open(os.path.join(folder, "vocab.txt"), "wb") as f:
        chunk, first = [], True
        for word in keys:
            chunk.append(word)
            if len(chunk) == _CHUNK:
                first = _write_chunk(f, chunk, first, lens, hashes, digest)
                chunk = []
        _write_chunk(f, chunk, first, lens, hashes, digest)
    lens = np.concatenate(lens) if lens else np.zeros(0, np.int64)
    hashes = np.concatenate(hashes) if hashes else np.zeros(0, np.uint32)
    n = len(lens)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens + 1, out=offsets[1:])
    nb = n_buckets(n)
    bucket = (hashes & np.uint32(nb - 1)).astype(np.int64) if nb <= (1 << 32) else hashes.astype(np.int64)
    dt = index_dtype(n)
    starts = np.zeros(nb + 1, dtype=dt)
    np.cumsum(np.bincount(bucket, minlength=nb), out=starts[1:])
    rows = np.argsort(bucket, kind="stable").astype(dt)
    sums = {"vocab.txt": digest.hexdigest()}
    for name, a in zip(FILES, (offsets, starts, rows)):
        p = os.path.join(folder, name)
        np.save(p, a)
        sums[name] = _sha256(p)
    return {"hash": HASH, "buckets": nb, "sha256": sums}


def _write_chunk(f, words, first, lens, hashes, digest):
    """Encode ``words``, append them to ``f`` one a line, record their lengths and hashes."""
    try:
        bs = [w.encode("utf-8") for w in words]
    except UnicodeEncodeError:
        bad = next(w for w in words if not _encodable(w))
        raise EngineError(f"save: the word {bad!r} is not valid Unicode (a lone surrogate)") from None
    lens.append(np.fromiter(map(len, bs), np.int64, len(bs)))
    hashes.append(np.fromiter(map(zlib.crc32, bs), np.uint32, len(bs)))
    if bs:
        data = (b"" if first else b"\n") + b"\n".join(bs)
        f.write(data)
        digest.update(data)
        return False
    return first


def _encodable(word):
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sha256(path):
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_description(desc, meta_path):
    """The number of buckets of ``meta.json``'s ``"vocab_index"``, its shape checked.

    Raises
    ------
    FormatError
        If it is not ``{"hash": "crc32", "buckets": power of two, "sha256": {file: hex}}``.

    Examples
    --------
    >>> check_description({"hash": "crc32", "buckets": 4, "sha256": {}}, "meta.json")
    Traceback (most recent call last):
    ...
    engine.errors.FormatError: meta.json: "vocab_index" must be {hash: "crc32", buckets, sha256 of each file}
    """
    ok = (
        isinstance(desc, dict)
        and sorted(desc) == ["buckets", "hash", "sha256"]
        and desc["hash"] == HASH
        and type(desc["buckets"]) is int
        and desc["buckets"] >= 1
        and desc["buckets"] & (desc["buckets"] - 1) == 0
        and isinstance(desc["sha256"], dict)
        and sorted(desc["sha256"]) == sorted(("vocab.txt",) + FILES)
        and all(isinstance(v, str) and len(v) == 64 for v in desc["sha256"].values())
    )
    if not ok:
        raise FormatError(
            f'{meta_path}: "vocab_index" must be {{hash: "crc32", buckets, sha256 of each file}}'
        )
    return desc["buckets"]


def verify(folder, desc):
    """Check every file of the index against its SHA-256 in ``desc`` (reads them all).

    Raises
    ------
    FormatError
        Naming the first file whose digest differs.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> verify(d, write(d, ["a", "b"]))
    """
    for name, want in desc["sha256"].items():
        p = os.path.join(folder, name)
        try:
            got = _sha256(p)
        except FileNotFoundError:
            raise FormatError(f"{p}: missing") from None
        except OSError as e:
            raise FormatError(f"{p}: not readable ({e.strerror or e})") from None
        if got != want:
            raise FormatError(f"{p}: damaged (its SHA-256 is not the one meta.json records)")


class VocabFiles:
    """The mapped files of one store's vocabulary; what ``VocabKeys`` and ``VocabIndex`` read.

    Opening checks, in constant time, the files' headers and sizes against ``n`` words and
    ``buckets`` buckets and the first and last offsets and bucket starts.

    Parameters
    ----------
    folder : str
        The store's directory.
    n : int
        Its number of words (``meta.json``'s ``count``).
    buckets : int
        The number of buckets (``meta.json``'s ``vocab_index.buckets``).

    Raises
    ------
    FormatError
        Naming the file that is missing or does not fit.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> desc = write(d, ["a", "bé"])
    >>> files = VocabFiles(d, 2, desc["buckets"])
    >>> files.word(1), files.find("a"), files.find("c")
    ('bé', 0, -1)
    """

    def __init__(self, folder, n, buckets):
        self.folder, self.n = folder, n
        dt = index_dtype(n)
        self._off = _mapped(folder, "vocab_offsets.npy", np.int64, (n + 1,))
        self._starts = _mapped(folder, "vocab_buckets.npy", dt, (buckets + 1,))
        self._rows = _mapped(folder, "vocab_rows.npy", dt, (n,))
        self._blob = _map_bytes(os.path.join(folder, "vocab.txt"))
        self._mask = buckets - 1
        if self._off[0] != 0 or self._off[n] != len(self._blob) + 1 - (n == 0):
            raise FormatError(f"{self._path('vocab_offsets.npy')}: does not fit vocab.txt")
        if self._starts[0] != 0 or self._starts[buckets] != n:
            raise FormatError(f"{self._path('vocab_buckets.npy')}: does not fit {n} words")

    def _path(self, name):
        return os.path.join(self.folder, name)

    def _damaged(self, name, what):
        return FormatError(f"{self._path(name)}: damaged ({what})")

    def word(self, i):
        """Word ``i`` (0 <= i < n; the caller checks)."""
        s, e = self._off[i], self._off[i + 1] - 1
        if not 0 <= s <= e <= len(self._blob):
            raise self._damaged("vocab_offsets.npy", f"the bytes of row {i} are out of range")
        try:
            return self._blob[s:e].decode("utf-8")
        except UnicodeDecodeError:
            raise self._damaged("vocab.txt", f"row {i} is not UTF-8") from None

    def words(self, start, stop):
        """Words ``start`` to ``stop`` (a range within 0..n), decoded in one piece."""
        if start >= stop:
            return []
        s, e = self._off[start], self._off[stop] - 1
        if not 0 <= s <= e <= len(self._blob):
            raise self._damaged("vocab_offsets.npy", f"the bytes of rows {start}-{stop} are out of range")
        try:
            out = self._blob[s:e].decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise self._damaged("vocab.txt", f"rows {start}-{stop} are not UTF-8") from None
        if len(out) != stop - start:
            raise self._damaged("vocab.txt", f"rows {start}-{stop} do not match vocab_offsets.npy")
        return out

    def find(self, word):
        """The row of ``word`` (a str), or -1."""
        try:
            b = word.encode("utf-8")
        except UnicodeEncodeError:
            return -1  # a lone surrogate: never a stored word
        h = zlib.crc32(b)
        j, end = self._starts[h & self._mask], self._starts[(h & self._mask) + 1]
        if not 0 <= j <= end <= self.n:
            raise self._damaged("vocab_buckets.npy", f"bucket {h & self._mask} is out of range")
        off, blob, size = self._off, self._blob, len(b)
        while j < end:
            r = self._rows[j]
            if not 0 <= r < self.n:
                raise self._damaged("vocab_rows.npy", f"entry {j} names row {r}")
            s = off[r]
            if off[r + 1] - 1 - s == size and blob[s : s + size] == b:
                return r
            if zlib.crc32(blob[s : off[r + 1] - 1]) & self._mask != h & self._mask:
                raise self._damaged("vocab_rows.npy", f"row {r} is not in the bucket that lists it")
            j += 1
        return -1


def _mapped(folder, name, dtype, shape):
    """A mapped .npy file as a memoryview (its items are Python ints: quicker than numpy's)."""
    p = os.path.join(folder, name)
    try:
        a = load_npy(p, dtype, shape, mmap=True)
    except FileNotFoundError:
        raise FormatError(f"{p}: missing (the vocabulary index of a version 2 store)") from None
    except OSError as e:
        raise FormatError(f"{p}: not readable ({e.strerror or e})") from None
    if sys.byteorder != "little" or not a.size:  # the files are little-endian (numpy swaps)
        return a.astype(a.dtype.newbyteorder("="))
    # '<q' as numpy exports it cannot be indexed; the same bytes cast to the native 'q' can
    return memoryview(a).cast("B").cast(np.dtype(dtype).char)


def _map_bytes(p):
    """The bytes of the regular file ``p``, mapped read-only (an empty file as b"")."""
    try:
        f = open_regular(p, "vocabulary")
    except FileNotFoundError:
        raise FormatError(f"{p}: missing") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""


class VocabKeys(Sequence):
    """The words of a mapped store in row order: ``Vectors.index_to_key`` without a list.

    A ``Sequence`` of str: ``len``, indexing (a slice gives a list), iteration in row order,
    ``in``, ``index`` (by the hash table) and ``==`` with any sequence of the same words.

    Examples
    --------
    >>> import os, tempfile, numpy as np, engine
    >>> path = os.path.join(tempfile.mkdtemp(), "ab.engine")
    >>> engine.Vectors(["a", "b", "c"], np.eye(3)).save(path)
    >>> keys = engine.load(path, mmap=True).index_to_key
    >>> keys[1], keys[-1], keys[:2], keys.index("c"), keys == ["a", "b", "c"]
    ('b', 'c', ['a', 'b'], 2, True)
    """

    __slots__ = ("_files",)

    def __init__(self, files):
        self._files = files

    def __len__(self):
        return self._files.n

    def __getitem__(self, i):
        n = self._files.n
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step == 1:
                return self._files.words(start, max(start, stop))
            return [self._files.word(j) for j in range(start, stop, step)]
        try:
            i = i.__index__()
        except AttributeError:
            raise TypeError(
                f"vocabulary indices must be integers or slices, not {type(i).__name__}"
            ) from None
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("vocabulary index out of range")
        return self._files.word(i)

    def __iter__(self):
        n = self._files.n
        for start in range(0, n, _CHUNK):
            yield from self._files.words(start, min(n, start + _CHUNK))

    def __contains__(self, word):
        return isinstance(word, str) and self._files.find(word) >= 0

    def index(self, word, start=0, stop=None):
        r = self._files.find(word) if isinstance(word, str) else -1
        if r < 0 or r < start or (stop is not None and r >= stop):
            raise ValueError(f"{word!r} is not in the vocabulary")
        return r

    def count(self, word):
        return int(word in self)

    def __eq__(self, other):
        if isinstance(other, VocabKeys) and other._files is self._files:
            return True
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(other) == len(self) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    def __reduce__(self):  # pickled as the list it stands for (a mapping cannot travel)
        return (list, (list(self),))

    def __repr__(self):  # a list's, shortened past 100 words
        if len(self) <= 100:
            return repr(list(self))
        return f"[{', '.join(repr(w) for w in self[:5])}, ... {len(self) - 5:,} more]"


class VocabIndex(Mapping):
    """``{word: row}`` of a mapped store, read from its hash table: ``Vectors.key_to_index``.

    Behaves as the dict it stands for (gensim's ``key_to_index``): ``len``, iteration in row
    order, ``in``, ``[word]`` (``KeyError`` when absent), ``get``, ``keys``, ``values``,
    ``items`` and ``==`` with a dict. A lookup reads one bucket and compares the bytes of its
    rows: about a microsecond, at any vocabulary size. ``as_dict`` builds the real dict (once)
    for the kernels that turn whole texts into ids.

    Examples
    --------
    >>> import os, tempfile, numpy as np, engine
    >>> path = os.path.join(tempfile.mkdtemp(), "ab.engine")
    >>> engine.Vectors(["a", "b"], np.eye(2)).save(path)
    >>> k2i = engine.load(path, mmap=True).key_to_index
    >>> k2i["b"], k2i.get("zzz"), "a" in k2i, list(k2i.items()), k2i == {"a": 0, "b": 1}
    (1, None, True, [('a', 0), ('b', 1)], True)
    """

    __slots__ = ("_files", "_dict")

    def __init__(self, files):
        self._files = files
        self._dict = None

    def __len__(self):
        return self._files.n

    def __getitem__(self, word):
        r = self._files.find(word) if type(word) is str else -1
        if r < 0:
            raise KeyError(word)
        return r

    def get(self, word, default=None):
        r = self._files.find(word) if type(word) is str else -1
        return default if r < 0 else r

    def __contains__(self, word):
        return type(word) is str and self._files.find(word) >= 0

    def __iter__(self):
        return iter(VocabKeys(self._files))

    def keys(self):
        return KeysView(self)

    def values(self):
        return _Rows(self)

    def items(self):
        return _Items(self)

    def __eq__(self, other):
        if isinstance(other, VocabIndex) and other._files is self._files:
            return True
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(other) == len(self) and all(other.get(k, -1) == i for k, i in self.items())

    __hash__ = None

    def as_dict(self):
        """The plain ``{word: row}`` dict, built on the first call (reads every word) and kept.

        Examples
        --------
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> VocabIndex(VocabFiles(d, 2, write(d, ["a", "b"])["buckets"])).as_dict()
        {'a': 0, 'b': 1}
        """
        if self._dict is None:
            self._dict = dict(zip(VocabKeys(self._files), count()))
        return self._dict

    def __reduce__(self):  # pickled as the dict it stands for
        return (dict, (self.as_dict(),))

    def __repr__(self):
        return f"<VocabIndex of {len(self)} words>"


class _Items(ItemsView):
    def __iter__(self):
        return zip(VocabKeys(self._mapping._files), count())

    def __contains__(self, item):
        word, row = item
        return self._mapping.get(word, -1) == row


class _Rows(ValuesView):
    def __iter__(self):
        return iter(range(len(self._mapping)))

    def __contains__(self, row):
        return type(row) is int and 0 <= row < len(self._mapping)


def as_dict(key_to_index):
    """``key_to_index`` as a plain dict, what the Cython text encoders take (built once if lazy).

    Examples
    --------
    >>> d = {"a": 0}
    >>> as_dict(d) is d
    True
    """
    return key_to_index if type(key_to_index) is dict else key_to_index.as_dict()
