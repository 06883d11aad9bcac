"""Readers of tables of texts: one per input kind, shared by ``engine score`` and ``engine classify``.

A reader yields records ``(line, text, id, error)`` from JSON Lines, CSV, TSV, Parquet or
plain text (one text per line; every line is a text, an empty line too), from a file or
standard input (``-``; not Parquet). ``error`` is ``None`` for a good row, ``""`` for a blank
line of a table (consumed, not a row) and a message otherwise; ``line`` is the 1-based line
(Parquet: row) where the record starts. Bytes are decoded as UTF-8 (a byte-order mark is
skipped); a line that is not UTF-8 is a bad row, named by its line.

>>> import os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "t.jsonl")
>>> _ = open(p, "w").write('{"text": "a goal"}\\n{"text": "a soup"}\\n')
>>> list(iter_texts(p, field="text"))
['a goal', 'a soup']
"""

import csv
import itertools
import json
import os
import sys
from itertools import repeat

from ..errors import EngineError, FormatError
from .tables import detect_format, pyarrow

__all__ = [
    "BadRowError",
    "describe",
    "iter_texts",
    "open_reader",
    "read_rows",
    "resolve_text_field",
    "text_field_of",
    "where",
]


class BadRowError(FormatError):
    """A row that cannot be scored; the message names the file and the line (Parquet: the row)."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


def open_reader(path, fmt, text_field, id_field=None):
    """A reader of ``(line, text, id, error)`` records (module docstring) from a table or a text file.

    Parameters
    ----------
    path : str
        The file, or ``-`` for standard input.
    fmt : str or None
        ``"jsonl"``, ``"csv"``, ``"tsv"``, ``"parquet"`` or ``"text"``; None: by extension.
    text_field, id_field : str
        The column holding the text (None: chosen by :func:`text_field_of` from the first
        record), and an optional one holding an id (not for plain text).

    Returns
    -------
    A reader: ``records(skip=0)`` yields the records after the first ``skip``; ``close()``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("id,text\\n7,a goal\\n")
    >>> with open_reader(p, None, "text", "id") as r:
    ...     list(r.records())
    [(2, 'a goal', '7', None)]
    """
    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        return _ParquetReader(path, text_field, id_field)
    if fmt == "text":
        return _TextReader(path, text_field, id_field)
    cls = _JsonlReader if fmt == "jsonl" else _CsvReader
    return cls(path, text_field, id_field, "\t" if fmt == "tsv" else ",")


def read_rows(path, fmt=None, text_field="text", id_field=None):
    """Yield ``(text, id)`` of every row of a table or text file; a bad row raises BadRowError.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.txt")
    >>> _ = open(p, "w").write("first\\n\\nthird\\n")
    >>> list(read_rows(p))
    [('first', None), ('', None), ('third', None)]
    """
    with open_reader(path, fmt, text_field, id_field) as reader:
        for line, text, id_, err in reader.records():
            if err:
                raise BadRowError(f"{reader.name}: {where(reader, line)}: {err}", line)
            if err is None:
                yield text, id_


def iter_texts(path, fmt=None, field="text"):
    """Yield the texts of a table or text file (``engine classify`` reads its input with this).

    Parameters
    ----------
    path : str
        The file, or ``-`` for standard input.
    fmt : str, optional
        As for :func:`open_reader`; default by extension.
    field : str
        The column holding the text (ignored for plain text).

    Returns
    -------
    generator of str
        A bad row raises :class:`BadRowError` naming the file and line.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tsv")
    >>> _ = open(p, "w").write("id\\ttext\\n1\\ta goal\\n2\\ta soup\\n")
    >>> list(iter_texts(p))
    ['a goal', 'a soup']
    """
    for text, _ in read_rows(path, fmt, field):
        yield text


class _Reader:
    unit = "line"

    def __init__(self, path, text_field, id_field, delimiter=","):
        self.path, self.text_field, self.id_field, self.delimiter = path, text_field, id_field, delimiter
        self.name = "<stdin>" if path == "-" else os.fspath(path)
        if path == "-":
            self.f = sys.stdin.buffer
            self.size = None
        else:
            if os.path.isdir(path):
                raise EngineError(f"{path}: is a directory, not a table")
            self.f = open(path, "rb")
            self.size = os.fstat(self.f.fileno()).st_size or None
        self.done = 0  # bytes (rows for Parquet) read, for the progress bar

    def fraction(self):
        return None if not self.size else min(1.0, self.done / self.size)

    def close(self):
        if self.f is not sys.stdin.buffer:
            self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def is_regular(f):
    """True when ``f`` is a regular file (not a pipe, a terminal or an in-memory stream)."""
    import stat

    try:
        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # io.BytesIO and the like
        return False


def describe(value):
    """How a JSON value that is not text is named in a message."""
    return "null" if value is None else type(value).__name__


class _JsonlReader(_Reader):
    block = 2048  # lines parsed by one json.loads call on the fast path

    def records(self, skip=0):
        n = 0
        first = True
        lines = []
        source = self._infer(self.f) if self.text_field is None else self.f
        for raw in source:
            n += 1
            self.done += len(raw)
            if n <= skip:
                first = False
                continue
            if first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            first = False
            lines.append(raw)
            if len(lines) == self.block:
                yield from self._block(lines, n - len(lines) + 1)
                lines = []
        if lines:
            yield from self._block(lines, n - len(lines) + 1)

    def _infer(self, f):
        """Choose the text field from the first JSON object (:func:`text_field_of`); the lines
        read to find it are read again after."""
        head = []
        for raw in f:
            head.append(raw)
            rec = self._parse(raw[3:] if len(head) == 1 and raw.startswith(b"\xef\xbb\xbf") else raw)
            if type(rec) is dict:
                strings = [k for k, v in rec.items() if type(v) is str]
                self.text_field = text_field_of(self.name, list(rec), strings, self.id_field)
                break
        return itertools.chain(head, f)

    def _block(self, lines, start):
        # One json.loads over "[line,line,...]" runs in C. It is trusted only when every line is
        # "{...}" and there are as many values as lines (so no broken line can pair up with its
        # neighbour); otherwise the block is parsed line by line, which names the bad line.
        recs = None
        if all(raw[:1] == b"{" and raw.rstrip()[-1:] == b"}" for raw in lines):
            try:
                recs = json.loads(b"[" + b",".join(lines) + b"]")
            except ValueError:  # JSONDecodeError and UnicodeDecodeError
                pass
        if recs is None or len(recs) != len(lines):
            recs = [self._parse(raw) for raw in lines]
        lines_no = range(start, start + len(lines))
        fast = self._all_good(recs)
        return fast(lines_no) if fast else map(self._check, lines_no, recs)

    def _all_good(self, recs):
        """When every record of a block is good, a function making its records in bulk (C loops);
        else None (then each record is checked and explained by ``_check``)."""
        tf, idf = self.text_field, self.id_field
        try:
            texts = [r[tf] for r in recs]
            ids = [r[idf] for r in recs] if idf is not None else None
        except (TypeError, KeyError, IndexError):  # not a dict, or a field missing
            return None
        if not all(type(t) is str for t in texts):
            return None
        if ids is not None and not all(type(i) is str or type(i) is int for i in ids):
            return None
        return lambda lines_no: zip(lines_no, texts, ids if ids is not None else repeat(None), repeat(None))

    @staticmethod
    def _parse(raw):
        try:
            return json.loads(raw)
        except UnicodeDecodeError as e:
            return _Bad(f"not valid UTF-8 (byte {e.start + 1} of the line)")
        except ValueError as e:
            return _Bad("" if not raw.strip() else f"not valid JSON ({e})")

    def _check(self, n, rec):
        if type(rec) is not dict:
            if type(rec) is _Bad:
                return n, None, None, rec.message
            return n, None, None, f"expected a JSON object, found {describe(rec)}"
        tf, idf = self.text_field, self.id_field
        text = rec.get(tf)
        if type(text) is not str:
            return (
                n,
                None,
                None,
                (f"no field {tf!r}" if tf not in rec else f"field {tf!r} is not text ({describe(text)})"),
            )
        if idf is None:
            return n, text, None, None
        id_ = rec.get(idf)
        if type(id_) is str or type(id_) is int:
            return n, text, id_, None
        return (
            n,
            None,
            None,
            (
                f"no field {idf!r}"
                if idf not in rec
                else f"id field {idf!r} is not a string or an integer ({describe(id_)})"
            ),
        )


class _Bad:
    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message


class _CsvReader(_Reader):
    def _lines(self):
        # csv needs str lines; decoding each line here (not a text wrapper) keeps the byte count
        # for the progress bar and tells which line held undecodable bytes.
        first = True
        for raw in self.f:
            self.done += len(raw)
            self.line += 1
            if first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            first = False
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad_lines.add(self.line)
                yield raw.decode("utf-8", "replace")

    def records(self, skip=0):
        self.line, self.bad_lines = 0, set()
        if csv.field_size_limit() < 2**31 - 1:  # the default 128 KiB would reject long texts
            csv.field_size_limit(2**31 - 1)
        reader = csv.reader(self._lines(), delimiter=self.delimiter, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise FormatError(f"{self.name}: line 1: the header is not valid CSV ({e})") from None
        where = {name: i for i, name in enumerate(header)}
        if self.text_field is None:
            self.text_field = text_field_of(self.name, header, header, self.id_field)
        if self.text_field not in where:
            raise FormatError(
                f"{self.name}: line 1: no column {self.text_field!r} in the header "
                f"(columns: {', '.join(header)})"
            )
        if self.id_field is not None and self.id_field not in where:
            raise FormatError(
                f"{self.name}: line 1: no column {self.id_field!r} in the header "
                f"(columns: {', '.join(header)})"
            )
        ti = where[self.text_field]
        ii = where.get(self.id_field)
        width = len(header)
        n = 0
        while True:
            start = self.line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                n += 1
                if n > skip:
                    yield start, None, None, f"malformed CSV ({e})"
                continue
            n += 1
            if n <= skip:
                continue
            if not row:
                yield start, None, None, ""
            elif len(row) != width:
                yield start, None, None, f"expected {width} fields as in the header, found {len(row)}"
            elif self.bad_lines and any(x in self.bad_lines for x in range(start, self.line + 1)):
                yield start, None, None, "not valid UTF-8"
            else:
                yield start, row[ti], (row[ii] if ii is not None else None), None


class _ParquetReader(_Reader):
    unit = "row"

    def __init__(self, path, text_field, id_field, delimiter=None):
        pa = pyarrow()
        if path == "-":
            raise EngineError("Parquet cannot be read from standard input (it needs a seekable file)")
        if os.path.isdir(path):
            raise EngineError(f"{path}: is a directory, not a Parquet file")
        self.path, self.text_field, self.id_field = path, text_field, id_field
        self.name = os.fspath(path)
        self.f = open(path, "rb")
        try:
            self.pf = pa.parquet.ParquetFile(self.f)
        except Exception as e:  # pyarrow raises its own ArrowInvalid/OSError kinds
            self.f.close()
            raise FormatError(f"{path}: not a readable Parquet file ({e})") from None
        names = self.pf.schema_arrow.names
        if text_field is None:
            schema = self.pf.schema_arrow
            strings = [n for n in names if pa.types.is_string(schema.field(n).type)]
            try:
                text_field = self.text_field = text_field_of(path, names, strings, id_field)
            except FormatError:
                self.f.close()
                raise
        for field in (text_field, id_field):
            if field is not None and field not in names:
                self.f.close()
                raise FormatError(f"{path}: no column {field!r} (columns: {', '.join(names)})")
        self.size = self.pf.metadata.num_rows
        self.id_type = self.pf.schema_arrow.field(id_field).type if id_field else None
        self.done = 0

    def records(self, skip=0):
        pa = pyarrow()
        cols = [self.text_field] + ([self.id_field] if self.id_field else [])
        string_typed = pa.types.is_string(
            self.pf.schema_arrow.field(self.text_field).type
        ) or pa.types.is_large_string(self.pf.schema_arrow.field(self.text_field).type)
        n = 0
        for batch in self.pf.iter_batches(batch_size=8192, columns=cols, use_threads=False):
            m = batch.num_rows
            if n + m <= skip:
                n += m
                self.done = n
                continue
            texts = batch.column(0).to_pylist()
            ids = batch.column(1).to_pylist() if self.id_field else [None] * m
            for j in range(max(0, skip - n), m):
                line = n + j + 1
                text, id_ = texts[j], ids[j]
                if text is None:
                    yield line, None, None, f"field {self.text_field!r} is null"
                elif not string_typed and type(text) is not str:
                    yield line, None, None, f"field {self.text_field!r} is not text ({describe(text)})"
                elif self.id_field and id_ is None:
                    yield line, None, None, f"id field {self.id_field!r} is null"
                else:
                    yield line, text, id_, None
            n += m
            self.done = n


class _TextReader(_Reader):
    """Plain text: every line is one text (an empty line is an empty text)."""

    def __init__(self, path, text_field=None, id_field=None, delimiter=None):
        if id_field is not None:
            raise EngineError(
                f"{path}: plain text has no columns, so no id field {id_field!r}; "
                "use JSON Lines, CSV, TSV or Parquet for ids"
            )
        super().__init__(path, text_field, None)

    def records(self, skip=0):
        for n, raw in enumerate(self.f, 1):
            self.done += len(raw)
            if n <= skip:
                continue
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield n, None, None, f"not valid UTF-8 (byte {e.start + 1} of the line)"
                continue
            yield n, text.rstrip("\r\n"), None, None


def resolve_text_field(path, fmt, text_field, id_field=None):
    """``text_field``, or when None the one :func:`text_field_of` chooses from the first record
    of ``path`` (standard input is not read ahead: None, chosen while it streams). Plain text
    has no fields: always None, so a checkpoint's job is the same whatever field was named."""
    if fmt == "text" or (path != "-" and detect_format(path, fmt) == "text"):
        return None
    if text_field is not None or path == "-":
        return text_field
    with open_reader(path, fmt, None, id_field) as reader:
        next(iter(reader.records()), None)
        return reader.text_field


#: the names a text column conventionally has, chosen (in this order) when no field is named
TEXT_NAMES = ("text", "body", "content", "sentence", "document", "message", "review", "comment")


def text_field_of(name, fields, strings, id_field=None):
    """The text field of a table whose text field was not named: a conventional name
    (:data:`TEXT_NAMES`), else its only text field; else a FormatError listing the fields.

    Parameters
    ----------
    name : str
        The table, for the message.
    fields : list of str
        Its fields (a JSON object's keys, a CSV header, Parquet columns).
    strings : list of str
        Those whose values are text.
    id_field : str, optional
        Not a candidate.

    Returns
    -------
    str

    Examples
    --------
    >>> text_field_of("t.jsonl", ["id", "body"], ["id", "body"], "id")
    'body'
    >>> text_field_of("t.jsonl", ["title", "text"], ["title", "text"])
    'text'
    """
    for conventional in TEXT_NAMES:
        if conventional in strings and conventional != id_field:
            return conventional
    candidates = [f for f in strings if f != id_field]
    if len(candidates) == 1:
        return candidates[0]
    listed = ", ".join(map(str, fields)) or "none"
    raise FormatError(f"{name}: which field holds the text? name it with --field (fields: {listed})")


def where(reader, line):
    """``line N`` or ``row N``, as the reader counts."""
    return f"{reader.unit} {line}"
