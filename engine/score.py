"""Batch scoring: a table of texts in, one scored row per text out, in bounded memory.

The job ``engine score`` runs, as a library::

    >>> import engine, engine.score as sc, json, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> src, out = os.path.join(d, "in.jsonl"), os.path.join(d, "out.csv")
    >>> with open(src, "w") as f:
    ...     _ = f.write('{"id": 1, "text": "the apple and the pear"}\\n{"id": 2, "text": "a fast car"}\\n')
    >>> summary = sc.score_file(src, out, engine.datasets.default_path(), sc.Neighbors(k=3),
    ...                         id_field="id")
    >>> summary.rows, open(out).readline().strip()
    (2, 'id,neighbors,similarities')

Input and output are JSON Lines, CSV, TSV (the stdlib ``csv`` rules with a tab) or Parquet
(``engine[parquet]``), chosen by extension or named; ``-`` is standard input or output. The
input is read ``batch_size`` rows at a time; each chunk is scored with the same in-memory call
as :func:`score_texts` (from a file: on a second thread, while the next chunk is read and the
last one written), then written, flushed and checkpointed in input order. Memory is therefore the vectors
(memory-mapped: pages the kernels touch) plus O(batch_size) rows (three chunks at most: one
being read, one scored, one written), plus whatever the task holds (the labels; for
``wmd-knn`` the reference corpus).

Checkpoints: after each flushed chunk a sidecar ``OUTPUT.engine-checkpoint`` (JSON, written to
a temporary name and renamed) records the input rows consumed, the rows written and the output's
byte length (Parquet: the number of finished part files in ``OUTPUT.parts/``). ``resume=True``
truncates the output to that length and skips that many input rows, so a run killed at any
moment and resumed writes each row exactly once. The checkpoint is removed when the run ends.

Bad rows (a line that is not JSON or not UTF-8, a missing field, a value that is not text, a CSV
record with the wrong number of fields) raise :class:`BadRowError` naming the file and line
(Parquet: the row) after the rows before it are written, or are skipped and counted
(``on_error="skip"``; the default ``"stop"`` raises).
"""

import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from itertools import repeat
from json.encoder import encode_basestring
from typing import ClassVar

import numpy as np

from .errors import DependencyError, EngineError, FormatError

FORMATS = ("jsonl", "csv", "tsv", "parquet")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CHECKPOINT_SUFFIX = ".engine-checkpoint"
_CHECKPOINT_VERSION = 1
_MAX_REPORTED = 20  # bad rows reported one by one; the rest are only counted


class BadRowError(FormatError):
    """A row that cannot be scored; the message names the file and the line (Parquet: the row)."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


# ================================================================== tasks
# A task is a small, hashable description (so a Dask worker can cache what it builds from it);
# ``scorer(vectors)`` builds the in-memory scoring function once: texts -> {column: values}.
@dataclass(frozen=True)
class ZeroShot:
    """Zero-shot labels: ``label`` (the most probable), ``score`` (its probability) and, with
    ``all_scores``, one ``p_<label>`` column per label.

    ``labels``: ``{label: description}`` or a list of labels (each its own description), as
    :class:`engine.ZeroShotClassifier` takes them.

    >>> import engine
    >>> task = ZeroShot({"sport": "sport team game", "food": "food meal cooking"})
    >>> score_texts(engine.datasets.default_vectors(), task, ["the team won the game"])["label"]
    ['sport']
    """

    labels: tuple
    all_scores: bool = False
    name: ClassVar[str] = "zeroshot"

    def __init__(self, labels, all_scores=False):
        if isinstance(labels, dict):
            pairs = tuple((str(k), str(v)) for k, v in labels.items())
        else:
            pairs = tuple((str(k), str(k)) for k in labels)
        if not pairs:
            raise EngineError("zeroshot: give at least one label")
        object.__setattr__(self, "labels", pairs)
        object.__setattr__(self, "all_scores", bool(all_scores))

    @classmethod
    def from_json(cls, path, all_scores=False):
        """Labels from a JSON file: ``{"label": "description words", ...}`` or ``["label", ...]``."""
        try:
            with open(path, encoding="utf-8") as f:
                labels = json.load(f)
        except (ValueError, UnicodeDecodeError) as e:
            raise FormatError(f"{path}: not valid JSON ({e})") from None
        ok = isinstance(labels, list) and all(isinstance(x, str) for x in labels)
        ok = ok or (isinstance(labels, dict) and all(isinstance(x, str) for x in labels.values()))
        if not ok:
            raise FormatError(f'{path}: expected {{"label": "description", ...}} or ["label", ...]')
        return cls(labels, all_scores)

    def columns(self):
        cols = [("label", "str"), ("score", "float")]
        if self.all_scores:
            cols += [(f"p_{name}", "float") for name, _ in self.labels]
        return cols

    def scorer(self, vectors):
        from .classify import ZeroShotClassifier

        clf = ZeroShotClassifier(vectors, labels=dict(self.labels))
        names = [str(c) for c in clf.classes_]  # predict_proba's column order

        def score(texts):
            p = np.asarray(clf.predict_proba(texts), dtype=np.float64)
            best = p.argmax(axis=1) if len(texts) else np.zeros(0, dtype=np.int64)
            out = {
                "label": [names[i] for i in best.tolist()],
                "score": p[np.arange(len(best)), best].tolist(),
            }
            if self.all_scores:
                for j, name in enumerate(names):
                    out[f"p_{name}"] = p[
                        :, j
                    ].tolist()  # same names as columns(): classes_ keeps the given order
            return out

        return score


@dataclass(frozen=True)
class Neighbors:
    """Nearest words. ``of="text"``: the ``k`` words nearest the text's vector (the mean of its
    known words' unit vectors, each occurrence counted) → ``neighbors``, ``similarities``.
    ``of="words"``: for each distinct known word of the text, in order, its ``k`` nearest words
    (itself excluded, as gensim's ``most_similar``) → ``words``, ``neighbors``,
    ``similarities``. A text without known words gets empty lists.

    >>> import engine
    >>> out = score_texts(engine.datasets.default_vectors(), Neighbors(k=2, of="words"), ["red car"])
    >>> out["words"], [len(n) for n in out["neighbors"][0]]
    ([['red', 'car']], [2, 2])
    """

    k: int = 10
    of: str = "text"
    name: ClassVar[str] = "neighbors"

    def __post_init__(self):
        if not isinstance(self.k, int) or self.k < 1:
            raise EngineError(f"neighbors: k must be a positive integer, got {self.k!r}")
        if self.of not in ("text", "words"):
            raise EngineError(f"neighbors: of must be 'text' or 'words', got {self.of!r}")

    def columns(self):
        if self.of == "text":
            return [("neighbors", "list<str>"), ("similarities", "list<float>")]
        return [
            ("words", "list<str>"),
            ("neighbors", "list<list<str>>"),
            ("similarities", "list<list<float>>"),
        ]

    def scorer(self, vectors):
        from ._text import encode

        keys = vectors.index_to_key
        k = min(self.k, len(keys))

        def by_text(texts):
            indptr, ids, counts, _ = encode(texts, vectors.key_to_index)
            q = _mean_unit_vectors(vectors, indptr, ids, counts)
            has = np.diff(indptr) > 0
            nb = [[] for _ in texts]
            sims = [[] for _ in texts]
            rows = np.flatnonzero(has)
            if len(rows):
                s, i = vectors.search(q[rows], k=k)
                for r, srow, irow in zip(
                    rows.tolist(), np.asarray(s, np.float64).tolist(), np.asarray(i).tolist()
                ):
                    nb[r] = [keys[j] for j in irow]
                    sims[r] = srow
            return {"neighbors": nb, "similarities": sims}

        def by_words(texts):
            indptr, ids, _, _ = encode(texts, vectors.key_to_index)
            uniq = np.unique(ids)
            table = {}
            if len(uniq):
                words = [keys[j] for j in uniq.tolist()]
                for w, res in zip(words, vectors.most_similar_batch(words, topn=self.k)):
                    table[w] = ([x for x, _ in res], [float(y) for _, y in res])
            out_w, out_n, out_s = [], [], []
            for a, b in zip(indptr[:-1].tolist(), indptr[1:].tolist()):
                ws = [keys[j] for j in ids[a:b].tolist()]
                out_w.append(ws)
                out_n.append([table[w][0] for w in ws])
                out_s.append([table[w][1] for w in ws])
            return {"words": out_w, "neighbors": out_n, "similarities": out_s}

        return by_text if self.of == "text" else by_words


@dataclass(frozen=True)
class WMDNeighbors:
    """The ``k`` nearest documents of a reference corpus by Word Mover's Distance →
    ``neighbors`` (the corpus ids, or row numbers from 0 without ``id_field``) and
    ``distances``, nearest first (ties by corpus order). Infinite distances (gensim's answer
    when either side has no known word) are left out, so such a text gets empty lists.

    ``corpus``: a file in any input format, read whole (it is held in memory) from
    ``text_field`` and optional ``id_field``.

    >>> import engine, os, tempfile
    >>> corpus = os.path.join(tempfile.mkdtemp(), "corpus.csv")
    >>> with open(corpus, "w") as f:
    ...     _ = f.write("text\\nthe cat sat on the mat\\nstock prices fell\\n")
    >>> out = score_texts(engine.datasets.default_vectors(), WMDNeighbors(corpus, k=1), ["a cat on a mat"])
    >>> out["neighbors"]
    [[0]]
    """

    corpus: str
    k: int = 10
    text_field: str = "text"
    id_field: str = None
    name: ClassVar[str] = "wmd-knn"

    def __post_init__(self):
        if not isinstance(self.k, int) or self.k < 1:
            raise EngineError(f"wmd-knn: k must be a positive integer, got {self.k!r}")
        object.__setattr__(self, "corpus", os.path.abspath(os.fspath(self.corpus)))

    def columns(self):
        return [("neighbors", "list<id>"), ("distances", "list<float>")]

    def load_corpus(self):
        reader = open_reader(self.corpus, None, self.text_field, self.id_field)
        texts, ids = [], []
        with reader:
            for line, text, id_, err in reader.records():
                if err:
                    raise BadRowError(f"{self.corpus}: {_where(reader, line)}: {err}", line)
                if err is None:
                    texts.append(text)
                    ids.append(id_)
        if not texts:
            raise FormatError(f"{self.corpus}: the reference corpus has no rows")
        return texts, (ids if self.id_field else list(range(len(texts))))

    def scorer(self, vectors):
        from .wmd import WMD

        corpus, cids = self.load_corpus()
        index = WMD(vectors).index(corpus)  # the corpus is prepared once, not per chunk
        k = min(self.k, len(corpus))

        def score(texts):
            res = index.knn(texts, k=k)
            d = np.asarray(res.distances, dtype=np.float64)
            i = np.asarray(res.indices)
            nb, dist = [], []
            for drow, irow in zip(d.tolist(), i.tolist()):
                keep = [(x, j) for x, j in zip(drow, irow) if j >= 0 and math.isfinite(x)]
                nb.append([cids[j] for _, j in keep])
                dist.append([x for x, _ in keep])
            return {"neighbors": nb, "distances": dist}

        return score


def _mean_unit_vectors(vectors, indptr, ids, counts):
    """Count-weighted mean of the unit vectors of each document's known words, unit-normalised."""
    from scipy.sparse import csr_matrix

    n = len(indptr) - 1
    if n == 0:
        return np.zeros((0, vectors.vector_size), dtype=np.float32)
    m = csr_matrix((counts, ids, indptr), shape=(n, len(vectors)), dtype=np.float32)
    q = np.asarray(m @ vectors.unit, dtype=np.float32)
    norms = np.linalg.norm(q, axis=1, keepdims=True)
    np.divide(q, norms, out=q, where=norms > 0)
    return np.ascontiguousarray(q)


def score_texts(vectors, task, texts):
    """Score a list of texts in memory: ``{column: list of values}``, one value per text.

    >>> import engine, engine.score as sc
    >>> v = engine.datasets.default_vectors()
    >>> out = sc.score_texts(v, sc.Neighbors(k=2), ["apple pie", "xyzzy"])
    >>> len(out["neighbors"][0]), out["neighbors"][1]
    (2, [])
    """
    return _check_columns(task, task.scorer(vectors)(list(texts)), len(texts))


def _check_columns(task, cols, n):
    for name, _ in task.columns():
        if len(cols[name]) != n:  # a scorer returning the wrong count would misalign ids
            raise EngineError(f"{task.name}: scorer returned {len(cols[name])} values for {n} texts")
    return cols


# ================================================================== reading
def detect_format(path, given=None, what="input"):
    """The table format of ``path`` from ``given`` or its extension (``-`` is JSON Lines)."""
    if given:
        if given not in FORMATS:
            raise EngineError(f"{what} format {given!r}: choose one of {', '.join(FORMATS)}")
        return given
    if path == "-":
        return "jsonl"
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in _EXTENSIONS:
        raise EngineError(
            f"{path}: cannot tell the {what} format from the extension {ext or '(none)'!r}; "
            f"name it with --{what}-format ({', '.join(FORMATS)})"
        )
    return _EXTENSIONS[ext]


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise DependencyError(
            "Parquet needs pyarrow: pip install 'engine[parquet]' (or pip install pyarrow)"
        ) from None
    return pyarrow


def open_reader(path, fmt, text_field, id_field=None):
    """A reader of ``(line, text, id, error)`` records from a JSONL, CSV, TSV or Parquet table.

    ``error`` is ``None`` for a good row, ``""`` for a blank line (consumed, not a row) and a
    message otherwise; ``line`` is the 1-based line (Parquet: row) where the record starts.
    """
    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        return _ParquetReader(path, text_field, id_field)
    cls = _JsonlReader if fmt == "jsonl" else _CsvReader
    return cls(path, text_field, id_field, "\t" if fmt == "tsv" else ",")


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


def _is_regular(f):
    import stat

    try:
        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # io.BytesIO and the like
        return False


def _describe(value):
    return "null" if value is None else type(value).__name__


class _JsonlReader(_Reader):
    block = 2048  # lines parsed by one json.loads call on the fast path

    def records(self, skip=0):
        n = 0
        first = True
        lines = []
        for raw in self.f:
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
            return n, None, None, f"expected a JSON object, found {_describe(rec)}"
        tf, idf = self.text_field, self.id_field
        text = rec.get(tf)
        if type(text) is not str:
            return (
                n,
                None,
                None,
                (f"no field {tf!r}" if tf not in rec else f"field {tf!r} is not text ({_describe(text)})"),
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
                else f"id field {idf!r} is not a string or an integer ({_describe(id_)})"
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
        pa = _pyarrow()
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
        for field in (text_field, id_field):
            if field is not None and field not in names:
                self.f.close()
                raise FormatError(f"{path}: no column {field!r} (columns: {', '.join(names)})")
        self.size = self.pf.metadata.num_rows
        self.id_type = self.pf.schema_arrow.field(id_field).type if id_field else None
        self.done = 0

    def records(self, skip=0):
        pa = _pyarrow()
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
                    yield line, None, None, f"field {self.text_field!r} is not text ({_describe(text)})"
                elif self.id_field and id_ is None:
                    yield line, None, None, f"id field {self.id_field!r} is null"
                else:
                    yield line, text, id_, None
            n += m
            self.done = n


def _where(reader, line):
    return f"{reader.unit} {line}"


# ================================================================== writing
# Columns arrive as lists of Python values (str, int, float, None, lists of those).
def _json_fragments(kind, values):
    if kind == "str":
        return [encode_basestring(x) if x is not None else "null" for x in values]
    if kind == "float":
        return [repr(x) if x is not None else "null" for x in values]
    if kind == "id":
        return [
            encode_basestring(x) if type(x) is str else (str(x) if type(x) is int else json.dumps(x))
            for x in values
        ]
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": ")).encode
    return [dumps(x) for x in values]


def _csv_values(kind, values):
    if kind in ("str", "float", "id"):
        return [("" if x is None else x) for x in values]
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    return [dumps(x) for x in values]


class _TextWriter:
    """JSON Lines / CSV / TSV to a file (resumable: truncated to the checkpointed length) or stdout."""

    def __init__(self, path, fmt, columns, offset=None):
        self.fmt, self.columns = fmt, columns
        self.stdout = path == "-"
        if self.stdout:
            self.f = sys.stdout.buffer
        elif offset is not None:
            self.f = open(path, "r+b")
            self.f.truncate(offset)
            self.f.seek(offset)
        else:
            self.f = open(path, "wb")
        if fmt != "jsonl" and offset is None:
            buf = io.StringIO()
            csv.writer(buf, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n").writerow(
                [name for name, _ in columns]
            )
            self.f.write(buf.getvalue().encode("utf-8"))
        if fmt == "jsonl":
            self.template = (
                "{{"
                + ", ".join(
                    encode_basestring(name).replace("{", "{{").replace("}", "}}") + ": {}"
                    for name, _ in columns
                )
                + "}}\n"
            )

    def write(self, cols, n):
        if n == 0:
            return
        if self.fmt == "jsonl":
            frags = [_json_fragments(kind, cols[name]) for name, kind in self.columns]
            text = "".join(map(self.template.format, *frags))
        else:
            buf = io.StringIO()
            w = csv.writer(buf, delimiter="\t" if self.fmt == "tsv" else ",", lineterminator="\n")
            w.writerows(zip(*[_csv_values(kind, cols[name]) for name, kind in self.columns]))
            text = buf.getvalue()
        self.f.write(text.encode("utf-8"))

    def commit(self):
        """Flush what is written to the disk; return the state a checkpoint records."""
        self.f.flush()
        if self.stdout:
            return {}
        os.fsync(self.f.fileno())
        return {"offset": self.f.tell()}

    def close(self, complete=True):
        if not self.stdout:
            self.f.close()
        else:
            self.f.flush()

    def cleanup(self):
        pass


def _arrow_type(pa, kind, inferred=None):
    base = {"str": pa.string(), "float": pa.float64(), "id": inferred}
    if kind in base:
        return base[kind]
    if kind == "list<str>":
        return pa.list_(pa.string())
    if kind == "list<float>":
        return pa.list_(pa.float64())
    if kind == "list<id>":
        return pa.list_(inferred)
    if kind == "list<list<str>>":
        return pa.list_(pa.list_(pa.string()))
    return pa.list_(pa.list_(pa.float64()))


class _ParquetWriter:
    """Parquet: each chunk is one finished part file in ``OUTPUT.parts/`` (so a killed run loses
    nothing that was checkpointed); closing merges the parts, in order, into ``OUTPUT`` as row
    groups and removes them."""

    def __init__(self, path, fmt, columns, parts=None, id_type=None):
        self.pa = _pyarrow()
        if path == "-":
            raise EngineError("Parquet cannot be written to standard output; give an output file")
        self.path, self.columns = path, columns
        self.dir = path + ".parts"
        self.n = parts or 0
        if parts is None:
            _rmtree(self.dir)
        os.makedirs(self.dir, exist_ok=True)
        for name in os.listdir(self.dir):  # parts past the checkpoint belong to a lost chunk
            if not name.startswith("part-") or int(name[5:13]) >= self.n:
                os.remove(os.path.join(self.dir, name))
        # Id columns take the input's Arrow type when it has one, else the first chunk's.
        self.known = {name: id_type for name, kind in columns if kind == "id" and id_type is not None}
        self.schema = self.pa.parquet.read_schema(self._part(0)) if self.n else None

    def _schema(self, cols):
        pa = self.pa
        fields = []
        for name, kind in self.columns:
            inferred = None
            if kind in ("id", "list<id>"):
                inferred = self.known.get(name)
                if inferred is None:
                    inferred = pa.array(cols[name]).type if cols is not None else pa.string()
                    if pa.types.is_list(inferred):
                        inferred = inferred.value_type
                    if pa.types.is_null(inferred):
                        inferred = pa.string()
            fields.append((name, _arrow_type(pa, kind, inferred)))
        return pa.schema(fields)

    def _part(self, i):
        return os.path.join(self.dir, f"part-{i:08d}.parquet")

    def write(self, cols, n):
        pa = self.pa
        if n == 0:
            return
        try:
            if self.schema is None:
                self.schema = self._schema(cols)
            table = pa.Table.from_pydict({name: cols[name] for name, _ in self.columns}, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise EngineError(
                f"{self.path}: a column's values are of different types ({e}); "
                f"Parquet needs one type per column (e.g. make every id a string)"
            ) from None
        tmp = self._part(self.n) + ".tmp"
        pa.parquet.write_table(table, tmp)
        os.replace(tmp, self._part(self.n))
        self.n += 1

    def commit(self):
        return {"parts": self.n}

    def close(self, complete=True):
        if not complete:
            return
        pq = self.pa.parquet
        tmp = self.path + ".tmp"
        schema = self.schema or self._schema(None)
        with pq.ParquetWriter(tmp, schema) as w:
            for i in range(self.n):
                w.write_table(pq.read_table(self._part(i)))
        os.replace(tmp, self.path)

    def cleanup(self):
        """Remove the parts (after the checkpoint is gone: until then a resume re-merges them)."""
        _rmtree(self.dir)


def _rmtree(d):
    import shutil

    shutil.rmtree(d, ignore_errors=True)


def _open_writer(path, fmt, columns, state, id_type):
    if fmt == "parquet":
        return _ParquetWriter(path, fmt, columns, None if state is None else state["parts"], id_type)
    return _TextWriter(path, fmt, columns, None if state is None else state["offset"])


# ================================================================== checkpoints
def _save_checkpoint(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _load_checkpoint(path, job):
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        raise EngineError(
            f"{path}: the checkpoint is damaged; delete it and the output to start again"
        ) from None
    if state.get("version") != _CHECKPOINT_VERSION or state.get("job") != job:
        raise EngineError(
            f"{path}: the checkpoint was written by a different job (input, vectors, task or "
            f"fields differ); run without --resume to start again"
        )
    return state


def _lock(output):
    """Hold ``OUTPUT.engine-lock`` for the run: two runs writing one output would interleave.
    An advisory ``flock``, so the kernel releases it when a killed run's process ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return None
    f = open(output + ".engine-lock", "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise EngineError(
            f"{output}: another engine score run is writing it (lock {output}.engine-lock)"
        ) from None
    return f


def _unlock(f):
    if f is not None:
        try:
            os.remove(f.name)
        except OSError:
            pass
        f.close()


# ================================================================== progress
class Progress:
    """A one-line progress bar with rate and ETA on a terminal (stderr); silent otherwise."""

    def __init__(self, stream=None, enabled=None, interval=0.2):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.interval = interval
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.drawn = False

    def update(self, rows, fraction=None, force=False):
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-9)
        rate = rows / elapsed
        if fraction is not None and fraction > 0:
            eta = elapsed * (1 - fraction) / fraction
            bar = "#" * int(24 * fraction)
            line = (
                f"\r[{bar:<24}] {100 * fraction:5.1f}%  {rows:,} rows  {_rate(rate)} rows/s  ETA {_hms(eta)} "
            )
        else:
            line = f"\r{rows:,} rows  {_rate(rate)} rows/s  {_hms(elapsed)} "
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _rate(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def _hms(s):
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


# ================================================================== the job
@dataclass
class Summary:
    """What a run did: ``rows`` written, ``skipped`` bad rows, ``resumed_from`` rows already
    written before this run, ``seconds`` and ``rows_per_second`` of this run."""

    rows: int
    skipped: int
    resumed_from: int
    seconds: float
    output: str

    @property
    def rows_per_second(self):
        return (self.rows - self.resumed_from) / self.seconds if self.seconds > 0 else 0.0

    def line(self):
        resumed = f", resumed after {self.resumed_from:,}" if self.resumed_from else ""
        return (
            f"engine score: {self.rows:,} rows written to {self.output}, {self.skipped:,} skipped"
            f"{resumed}; {self.seconds:.1f} s, {_rate(self.rows_per_second)} rows/s"
        )


class _Inline:
    """Scores each chunk at once in this process (the executor interface Dask also provides)."""

    window = 0

    def __init__(self, score):
        self.score = score

    def submit(self, texts):
        return _Done(self.score(texts))

    def close(self):
        pass


class _Background(_Inline):
    """Scores chunks one at a time on a second thread, while this one reads the next chunk and
    writes the last. The kernels release the GIL, so reading and writing (Python) overlap with
    scoring (native): measured 35% faster than ``_Inline`` on 300k rows. One thread only, so
    the scorer is never called concurrently; results are consumed in submission order."""

    window = 1

    def __init__(self, score):
        from concurrent.futures import ThreadPoolExecutor

        super().__init__(score)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="engine-score")

    def submit(self, texts):
        return self.pool.submit(self.score, texts)

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: do not wait for a chunk


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def score_file(
    input,
    output,
    vectors,
    task,
    *,
    text_field="text",
    id_field=None,
    input_format=None,
    output_format=None,
    batch_size=10000,
    resume=False,
    on_error="stop",
    progress=False,
    report=None,
    executor=None,
):
    """Score every row of the table ``input`` into the table ``output``, streaming.

    Parameters
    ----------
    input, output : str
        Paths (``-``: standard input / output). Formats by extension or ``input_format`` /
        ``output_format`` (``"jsonl"``, ``"csv"``, ``"tsv"``, ``"parquet"``).
    vectors : str
        Path of the vectors; loaded memory-mapped when in engine's format.
    task : ZeroShot, Neighbors or WMDNeighbors
    text_field, id_field : str
        The column holding the text, and one passed through to the output (first column).
    batch_size : int
        Rows read, scored and written at a time; memory is O(batch_size) rows beside the vectors
        (at most three chunks: one read, one scored, one written).
    resume : bool
        Continue from ``output``'s checkpoint (see the module docstring).
    on_error : {"stop", "skip"}
        A bad row raises :class:`BadRowError` (after the rows before it are written and
        checkpointed), or is skipped and counted.
    progress : bool or Progress
        Show a progress bar on stderr.
    report : callable(str), optional
        Called with a message for each skipped row (the first 20, then once more).
    executor : optional
        Where chunks are scored (``engine.distributed.DaskExecutor``); default: a second thread
        of this process, overlapping with reading and writing (inline when reading a pipe).

    Returns a :class:`Summary`.
    """
    if on_error not in ("stop", "skip"):
        raise EngineError(f"on_error must be 'stop' or 'skip', got {on_error!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise EngineError(f"batch_size must be a positive integer, got {batch_size!r}")
    in_fmt = detect_format(input, input_format, "input")
    out_fmt = detect_format(output, output_format, "output")
    if output != "-" and input != "-" and os.path.abspath(input) == os.path.abspath(output):
        raise EngineError(f"{output}: the output would overwrite the input")
    columns = ([(id_field, "id")] if id_field else []) + task.columns()
    names = [name for name, _ in columns]
    if len(set(names)) != len(names):
        raise EngineError(f"the id field {id_field!r} has the name of an output column; rename it")
    ckpt_path = None if output == "-" else output + CHECKPOINT_SUFFIX
    job = {
        "input": "-" if input == "-" else os.path.abspath(input),
        "input_format": in_fmt,
        "output_format": out_fmt,
        "vectors": os.path.abspath(os.fspath(vectors)),
        "task": repr(task),
        "text_field": text_field,
        "id_field": id_field,
    }
    if resume and ckpt_path is None:
        raise EngineError("--resume needs an output file (not standard output)")
    lock = _lock(output) if ckpt_path else None
    try:
        state = _resume_state(output, out_fmt, ckpt_path, job) if resume else None
        if not resume and ckpt_path and os.path.exists(ckpt_path):
            os.remove(ckpt_path)  # a crashed run's checkpoint no longer describes the output
        reader = open_reader(input, in_fmt, text_field, id_field)
    except BaseException:
        _unlock(lock)
        raise
    t0 = time.perf_counter()
    writer = None
    bar = progress if isinstance(progress, Progress) else Progress(enabled=bool(progress))
    own_executor = executor is None
    try:
        if executor is None:
            from .io import load

            # From a pipe, each chunk is written as soon as it is scored (a consumer may be
            # waiting for it); from a file, scoring overlaps reading the next chunk.
            cls = _Background if _is_regular(reader.f) else _Inline
            executor = cls(task.scorer(load(vectors, mmap=True)))
        writer = _open_writer(output, out_fmt, columns, state, getattr(reader, "id_type", None))
        consumed = state["consumed"] if state else 0
        rows = state["rows"] if state else 0
        skipped = state["skipped"] if state else 0
        resumed_from = rows
        reported = 0
        pending = []  # chunks submitted and not yet written, oldest first

        def drain(keep):
            nonlocal rows
            while len(pending) > keep:
                ch, fut = pending.pop(0)
                cols = _check_columns(task, fut.result(), len(ch.texts))
                if id_field:
                    cols[id_field] = ch.ids
                writer.write(cols, len(ch.texts))
                rows += len(ch.texts)
                done = writer.commit()
                if ckpt_path:
                    _save_checkpoint(
                        ckpt_path,
                        {
                            "version": _CHECKPOINT_VERSION,
                            "job": job,
                            "consumed": ch.consumed,
                            "rows": rows,
                            "skipped": ch.skipped,
                            **done,
                        },
                    )
                bar.update(rows - resumed_from, reader.fraction())

        stop = None
        for ch in _chunks(reader, batch_size, consumed, skipped, on_error):
            for line, msg in ch.bad:
                if on_error == "stop":
                    stop = BadRowError(f"{reader.name}: {_where(reader, line)}: {msg}", line)
                else:
                    skipped_msg = f"{reader.name}: {_where(reader, line)}: {msg} (skipped)"
                    reported += 1
                    if report is not None and reported <= _MAX_REPORTED:
                        report(skipped_msg)
                    elif report is not None and reported == _MAX_REPORTED + 1:
                        report("further bad rows are skipped without a message")
            skipped = ch.skipped
            pending.append((ch, executor.submit(ch.texts) if ch.texts else _Done(_empty(task))))
            drain(executor.window)
            if stop is not None:
                break
        drain(0)
        bar.update(rows - resumed_from, reader.fraction(), force=True)
        if stop is not None:
            raise stop
        writer.close(complete=True)
        finished, writer = writer, None
        if ckpt_path and os.path.exists(ckpt_path):
            os.remove(ckpt_path)
        finished.cleanup()
        return Summary(rows, skipped, resumed_from, time.perf_counter() - t0, output)
    finally:
        bar.close()
        reader.close()
        if writer is not None:
            writer.close(complete=False)
        _unlock(lock)
        if own_executor and executor is not None:
            executor.close()


def _resume_state(output, out_fmt, ckpt_path, job):
    state = _load_checkpoint(ckpt_path, job)
    if state is None and os.path.exists(output) and os.path.getsize(output) > 0:
        raise EngineError(
            f"{output}: exists but has no checkpoint ({ckpt_path}): the run that "
            f"wrote it finished, or was not engine score; nothing to resume"
        )
    if (
        state is not None
        and out_fmt != "parquet"
        and (not os.path.exists(output) or os.path.getsize(output) < state["offset"])
    ):
        raise EngineError(f"{output}: shorter than its checkpoint says; cannot resume, start again")
    return state


def _empty(task):
    return {name: [] for name, _ in task.columns()}


class _Chunk:
    __slots__ = ("texts", "ids", "bad", "consumed", "skipped")

    def __init__(self, consumed, skipped):
        self.texts, self.ids, self.bad = [], [], []
        self.consumed, self.skipped = consumed, skipped


def _chunks(reader, batch_size, consumed, skipped, on_error):
    """Group records into chunks of ``batch_size`` input rows; a bad row ends the chunk it is in
    when it stops the run (so the rows before it are still written)."""
    ch = _Chunk(consumed, skipped)
    n = 0
    reader.block = min(batch_size, 4096)  # read no further ahead than the chunk needs (pipes)
    for line, text, id_, err in reader.records(skip=consumed):
        n += 1
        if err is None:
            ch.texts.append(text)
            ch.ids.append(id_)
        elif err:
            ch.bad.append((line, err))
            if on_error == "stop":
                ch.consumed += n - 1  # the bad row is not consumed: a resume starts at it
                yield ch
                return
            ch.skipped += 1
        if n == batch_size:
            ch.consumed += n
            yield ch
            ch = _Chunk(ch.consumed, ch.skipped)
            n = 0
    if n:
        ch.consumed += n
        yield ch
