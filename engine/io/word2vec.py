"""word2vec binary and text, GloVe text and fastText ``.vec``: reading and writing.

The layouts (all UTF-8 words, one vector per word, in file order):

- ``"word2vec"`` (binary): a header line ``COUNT DIM``, then per word ``word<space>`` followed
  by DIM little-endian float32 (the original tool adds a newline after each vector; gensim does
  not; both read).
- ``"text"``: the header line, then ``word v1 v2 ... vDIM`` per line (word2vec text, fastText ``.vec``).
- ``"glove"``: the same lines without a header.

``.gz`` and ``.bz2`` files are (de)compressed by their extension. The parsing loops live in the
Cython module ``engine.io._formats``; this module opens files, detects the format, and turns the
parsed rows into a ``Vectors``.
"""

import bz2
import codecs
import gzip
import os
import stat
import warnings
import zlib
from numbers import Integral

import numpy as np

from .. import _kernels, _progress
from .._params import Interval, Options, validate_params
from .._safe_files import disk_errors, new_temp_file, remove_stale
from ..errors import DuplicateWordWarning, EngineError, FormatError, TruncatedFileError, WordDecodingError
from ..vectors import Vectors
from . import _formats

#: The file formats this module reads and writes.
FORMATS = ("word2vec", "text", "glove")
_SAMPLE = 1 << 20  # bytes read for detection: the header and the start of the first record
_DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error)
#: The longest line (text) or record (binary) read from compressed input, in bytes of the
#: decompressed data: a small .gz can expand to gigabytes on one line.
MAX_COMPRESSED_LINE = 1 << 24
_FIRST_ROWS_BYTES = 1 << 22  # compressed input: the matrix starts this large, then doubles
_MAX_CLAIM = 1 << 48  # a header count or dimension at or above it is damaged, not large
_CHECKED_BYTES = 1 << 20  # plain files: claims above this are checked against the file size


def _compression(path):
    low = path.lower()
    return "gz" if low.endswith(".gz") else "bz2" if low.endswith(".bz2") else None


def _open_read(path):
    kind = _compression(path)
    if kind == "gz":
        return gzip.open(path, "rb")
    if kind == "bz2":
        return bz2.open(path, "rb")
    return open(path, "rb", buffering=0)  # unbuffered: readinto fills our buffer directly


def _parse_header(line):
    """``(count, dim)`` from a ``COUNT DIM`` line, or None if the line is not one."""
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


_CONTROL = bytes(set(range(32)) - {9, 10, 13}) + b"\x7f"


def _looks_binary(data):
    """Raw float32 bytes almost surely contain control bytes; word2vec/GloVe text never does."""
    return any(b in _CONTROL for b in data)


def _detect(path, sample, format):
    """``(format, count or None, dim, header_len)`` from the first bytes of the file."""
    if not sample:
        raise FormatError(f"{path}: empty file")
    nl = sample.find(b"\n")
    first = sample if nl < 0 else sample[:nl]
    header = _parse_header(first)
    header_len = len(first) + (nl >= 0)
    if format is None:
        if header is not None:
            format = "word2vec" if _looks_binary(sample[header_len : header_len + 4096]) else "text"
        else:
            format = "glove"
    if format in ("word2vec", "text"):
        if header is None:
            shown = first[:60].decode("utf-8", "replace")
            raise FormatError(
                f"{path}: line 1: expected a header 'COUNT DIM' for format {format!r}, found {shown!r} "
                "(a file without a header is format='glove')"
            )
        n, dim = header
        if dim < 1:
            raise FormatError(f"{path}: line 1: the header says {dim} dimensions")
        if n >= _MAX_CLAIM or dim >= _MAX_CLAIM:
            raise FormatError(f"{path}: line 1: the header's count {n} or dimension {dim} is beyond any file")
        return format, n, dim, header_len
    # GloVe: no header; the dimension is the number of values on the first line
    if _looks_binary(first):
        raise FormatError(
            f"{path}: line 1: binary data where a GloVe text line was expected "
            "(not a word2vec/GloVe file, or a binary file without its 'COUNT DIM' header)"
        )
    dim = len(first.split(b" ", 1)[1].split()) if b" " in first.rstrip() else 0
    if dim == 0:
        shown = first[:60].decode("utf-8", "replace")
        raise FormatError(
            f"{path}: line 1: expected 'word value value ...' (or a 'COUNT DIM' header), found {shown!r}"
        )
    return "glove", None, dim, 0


@validate_params(format=[None, Options(FORMATS)], limit=[None, Interval(Integral, 0, None)])
def read_word2vec(path, format=None, limit=None, unicode_errors="strict", encoding="utf-8", progress=False):
    """Read a word2vec (binary or text), GloVe or fastText ``.vec`` file into a ``Vectors``.

    The parsing runs in the Cython module ``engine.io._formats``; the parsed rows are kept as
    read (``v.vectors``, ``v[word]``) and unit-normalised into a second matrix with their norms.

    Parameters
    ----------
    path : str or PathLike
        The file; ``.gz``/``.bz2`` are decompressed by extension.
    format : {None, "word2vec", "text", "glove"}
        None detects it: a ``COUNT DIM`` first line means word2vec, binary or text by its
        bytes; anything else is GloVe.
    limit : int, optional
        Read only the first ``limit`` records (as gensim, duplicates count; 0 or None reads all).
    unicode_errors : str, default "strict"
        ``"strict"`` makes bad UTF-8 in a word a FormatError; ``"replace"``/``"ignore"`` as
        Python's ``bytes.decode``.
    encoding : str, default "utf-8"
        The encoding of the words (gensim's ``encoding``), for files not written in UTF-8.
    progress : bool or "always", default False
        A bar of the bytes read (``engine._progress``).

    Returns
    -------
    engine.Vectors
        Words in file order (a repeated word keeps its first vector, with a
        ``DuplicateWordWarning`` giving the count).

    Raises
    ------
    FormatError
        Missing, empty or malformed file: the message names the file and the line (text) or
        byte offset (binary; of the decompressed stream for .gz/.bz2).
    EngineError
        If ``format`` is unknown, ``limit`` is not a non-negative int, or ``unicode_errors`` is
        not an error handler.

    See Also
    --------
    engine.load : The same files, and engine's own format, detected.
    write_word2vec : Write these formats.

    Examples
    --------
    >>> import engine
    >>> v = engine.io.read_word2vec(engine.datasets.gensim_test_file("test_glove.txt"))
    >>> v.vector_size
    50
    """
    path = os.fspath(path)
    try:
        codecs.lookup_error(unicode_errors)
    except (LookupError, TypeError):
        raise EngineError(f"unicode_errors: unknown error handler {unicode_errors!r}") from None
    try:
        codec = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise EngineError(f"encoding: unknown encoding {encoding!r}") from None
    # another encoding: the parser keeps the bytes of each word (surrogateescape), decoded after
    word_errors = unicode_errors if codec == "utf-8" else "surrogateescape"
    if os.path.isdir(path):
        raise FormatError(f"{path}: a directory, not a word2vec/GloVe file (and no engine meta.json in it)")
    if not os.path.exists(path):
        raise FormatError(f"{path}: no such file")
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise FormatError(f"{path}: not a regular file (a device, FIFO or socket)")
    try:
        format, out, (keys, key_to_index, n_dup, first_dup) = _parse(
            path, format, int(limit or 0), word_errors, progress
        )
    except EngineError:
        raise
    except _DECOMPRESS_ERRORS as e:
        # a compressed stream that ends early is a truncated file (an EOFError, as gensim's)
        raise (TruncatedFileError if isinstance(e, EOFError) else FormatError)(
            f"{path}: not readable as {_compression(path) or 'a file'} ({type(e).__name__}: {e})"
        ) from None
    if codec != "utf-8":
        out, keys, key_to_index, n_dup, first_dup = _redecode(
            path, out, keys, codec, unicode_errors, n_dup, first_dup
        )
    if n_dup:
        warnings.warn(
            DuplicateWordWarning(
                f"{path}: {n_dup} duplicate word{'s' if n_dup > 1 else ''} (first: {first_dup!r}); "
                "kept the first occurrence of each"
            ),
            stacklevel=3,
        )
        out = out[: len(keys)]
    # unit rows beside the parsed ones, which stay as loaded (v[word], v.vectors); the parser checked
    unit, norms = _kernels.normalize_rows(out, check_finite=False)
    meta = {"source": os.path.abspath(path), "format": format}
    return Vectors(keys, normalized=(unit, norms), raw=out, meta=meta, key_to_index=key_to_index)


def _redecode(path, out, keys, codec, errors, n_dup, first_dup):
    """The words parsed as UTF-8 with their bytes kept, decoded in ``codec``; repeats dropped again."""
    new_keys, key_to_index, rows = [], {}, []
    for row, k in enumerate(keys):
        data = k.encode("utf-8", "surrogateescape")
        try:
            word = data.decode(codec, errors)
        except UnicodeDecodeError as e:
            raise WordDecodingError(
                f"{path}: the word {data[:60]!r} is not valid {codec} (byte {e.start} of the word; "
                "pass unicode_errors='replace' or 'ignore' to load anyway)",
                codec,
                data,
                e.start,
                e.end,
            ) from None
        if word in key_to_index:
            n_dup += 1
            first_dup = word if first_dup is None else first_dup
            continue
        key_to_index[word] = len(new_keys)
        new_keys.append(word)
        rows.append(row)
    if len(rows) < len(keys):
        out = np.ascontiguousarray(out[rows])
    return out, new_keys, key_to_index, n_dup, first_dup


def _parse(path, format, limit, unicode_errors, progress=False):
    """Detect, size and parse ``path``: ``(format, rows, (keys, key_to_index, n_dup, first_dup))``."""
    compressed = _compression(path) is not None
    note = " of the decompressed data" if compressed else ""
    format, n, dim, header_len = _detect(path, _read_sample(path), format)
    if n is None:  # GloVe: no header, so count the lines first (as gensim does)
        with _open_read(path) as f:
            n = _formats.count_lines(f, limit)
    n_read = min(n, limit) if limit else n
    check_tail = not limit  # with a limit, what follows is not ours to judge
    line_limit = MAX_COMPRESSED_LINE if compressed else 0
    if compressed:
        _check_dim(path, format, dim)
    else:
        _check_size(path, format, n_read, dim, header_len)
    rows = _Rows(path, n, n_read, dim, grows=compressed)
    size = None if compressed else os.path.getsize(path) - header_len
    with _open_read(path) as raw:
        _skip(raw, header_len)
        f, bar = _progress.reading(raw, size, f"load {os.path.basename(path)}", progress)
        if format == "word2vec":
            parsed = _formats.read_binary(
                f,
                path,
                header_len,
                n_read,
                rows.array,
                unicode_errors,
                check_tail,
                note,
                rows.grow,
                line_limit,
            )
        else:
            first_line = 2 if header_len else 1
            parsed = _formats.read_text(
                f,
                path,
                first_line,
                header_len,
                n_read,
                rows.array,
                unicode_errors,
                check_tail,
                format != "glove",
                rows.grow,
                line_limit,
            )
        if bar is not None:
            bar.close()
    return format, rows.array[: len(parsed[0])], parsed


class _Rows:
    """The matrix the parser fills: sized from the header for a plain file (whose size was
    checked against it), grown as rows arrive for compressed input (whose size is unknown)."""

    def __init__(self, path, n, n_read, dim, grows):
        self.path, self.n, self.n_read, self.dim = path, n, n_read, dim
        first = min(n_read, max(1, _FIRST_ROWS_BYTES // (4 * dim))) if grows else n_read
        self.array = self._empty(first)

    def _empty(self, rows):
        try:
            return np.empty((rows, self.dim), dtype=np.float32)
        except (MemoryError, ValueError):
            raise FormatError(
                f"{self.path}: line 1: a header of {self.n} vectors × {self.dim} dims does not fit in memory"
            ) from None

    def grow(self, rows):
        bigger = self._empty(min(self.n_read, max(2 * len(self.array), 1)))
        bigger[:rows] = self.array[:rows]
        self.array = bigger
        return bigger


def _read_sample(path):
    """The first bytes of the file: enough for the header and first record, and the whole first line.

    For compressed input the first line is read up to ``MAX_COMPRESSED_LINE`` bytes only.
    """
    bound = MAX_COMPRESSED_LINE if _compression(path) else None
    with _open_read(path) as f:
        parts = [f.read(_SAMPLE)]
        got = len(parts[0])
        while parts[-1] and b"\n" not in parts[-1]:  # a GloVe line longer than the sample
            if bound is not None and got > bound:
                raise FormatError(
                    f"{path}: line 1 is longer than {bound} bytes of the decompressed data "
                    "(the limit for compressed input)"
                )
            parts.append(f.read(_SAMPLE))
            got += len(parts[-1])
    return b"".join(parts)


def _skip(f, n):
    while n > 0:
        got = len(f.read(n))
        if not got:
            break
        n -= got


def _check_dim(path, format, dim):
    """Compressed input: one record must fit the line limit, whatever the header claims."""
    per_value = 4 if format == "word2vec" else 2
    if dim * per_value > MAX_COMPRESSED_LINE:
        raise FormatError(
            f"{path}: line 1: {dim} dimensions make a record longer than {MAX_COMPRESSED_LINE} bytes "
            "(the limit for compressed input)"
        )


def _check_size(path, format, n, dim, header_len):
    """Reject a header whose count and dimension cannot fit in the file before allocating for them.

    Small claims (under ``_CHECKED_BYTES``) are left to the parser, which names the exact line or
    offset; nothing larger is allocated unless the file can hold it.
    """
    if n == 0 or (n * dim * 4 < _CHECKED_BYTES and dim * 4 < _CHECKED_BYTES):
        return
    size = os.path.getsize(path)
    per_row = dim * 4 + 1 if format == "word2vec" else 2 * dim + 1  # a word and its values, at least
    need = header_len + n * per_row - 1
    if need > size:
        if format == "word2vec":
            raise TruncatedFileError(
                f"{path}: truncated at byte offset {size}: the header says {n} vectors of {dim} "
                f"dimensions, which need at least {need} bytes"
            )
        what = "the header says" if header_len else "the first line has"
        raise TruncatedFileError(
            f"{path}: line 1: {what} {n} vectors of {dim} dimensions, which need at "
            f"least {need} bytes; the file has {size}"
        )


@validate_params(format=[Options(FORMATS)])
def write_word2vec(vectors, path, format="word2vec"):
    """Write vectors as word2vec binary, word2vec text or GloVe.

    The raw vectors (``vectors.vectors``, the rows as loaded) are written, so gensim's
    ``KeyedVectors.load_word2vec_format(path, binary=..., no_header=...)`` reads back what
    ``v[word]`` gives. Text prints each float32 in the fewest digits that read back exactly.
    ``.gz``/``.bz2`` compress by extension. The file is written under a temporary name beside
    ``path`` and renamed, so a failure leaves an existing ``path`` whole.

    Parameters
    ----------
    vectors : engine.Vectors
        The vectors to write.
    path : str or PathLike
        The file to create or replace.
    format : {"word2vec", "text", "glove"}, default "word2vec"
        ``"word2vec"``: a ``COUNT DIM`` header, then per word the word, a space, DIM
        little-endian float32 and a newline (the original word2vec tool's layout); ``"text"``:
        the header, then ``word v1 ... vDIM`` lines; ``"glove"``: those lines without a header.

    Raises
    ------
    EngineError
        If ``format`` is unknown, or a word contains a space or a line break (the formats
        cannot hold it); a ``StorageError`` naming ``path`` if writing fails (disk full), with
        an existing ``path`` left whole.

    See Also
    --------
    read_word2vec : Read them back.
    engine.Vectors.save : The engine format (memory-mappable, keeps counts and n-grams).

    Examples
    --------
    >>> import os, tempfile, numpy as np, engine
    >>> from engine.io import write_word2vec
    >>> v = engine.Vectors(["a", "b"], np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> p = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> write_word2vec(v, p, format="text")
    >>> open(p).read()
    '2 2\\na 1 2\\nb 3 4\\n'
    """
    path = os.fspath(path)
    bad = next((w for w in vectors.index_to_key if " " in w or "\n" in w), None)
    if bad is not None:
        raise EngineError(
            f"write {path}: the word {bad!r} contains a space or line break; {format} files cannot hold it"
        )
    with disk_errors(path, "write"):
        remove_stale(path)
        tmp = new_temp_file(path)
        _write_to(vectors, path, tmp, format)


def _write_to(vectors, path, tmp, format):
    """Write the file under the temporary name ``tmp``, then rename it to ``path``."""
    try:
        with open(tmp, "wb") as raw:
            kind = _compression(path)
            if kind == "gz":
                # level 6 (zlib's default): gzip's 9 is several times slower for ~2% smaller files
                f = gzip.GzipFile(
                    filename=os.path.basename(path)[:-3], mode="wb", fileobj=raw, compresslevel=6
                )
            elif kind == "bz2":
                f = bz2.BZ2File(raw, "wb")
            else:
                f = raw
            with f:
                if format != "glove":
                    f.write(f"{len(vectors)} {vectors.vector_size}\n".encode())
                # the rows as loaded, each scaled by 1.0 (exact): what v[word] returns is written
                raw = np.ascontiguousarray(vectors.vectors)
                ones = np.ones(len(raw), dtype=np.float32)
                _formats.write_rows(f, list(vectors.index_to_key), raw, ones, format == "word2vec")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
