"""Writers of scored tables: JSON Lines, CSV, TSV (to a file or standard output) and Parquet.

Columns arrive as lists of Python values (str, int, float, None, lists of those), with a kind
per column (``"str"``, ``"float"``, ``"id"``, ``"list<str>"`` ...). Each chunk is written,
then ``commit()`` makes it durable and returns what a checkpoint records to resume from it:
the byte length of a text output, or the number of finished Parquet part files.
"""

import csv
import io
import json
import os
import sys
from json.encoder import encode_basestring

from ..errors import EngineError
from .tables import pyarrow

__all__ = ["open_writer"]


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
        elif offset:
            self.f = open(path, "r+b")
            self.f.truncate(offset)
            self.f.seek(offset)
        else:  # a new output, or one checkpointed before its first byte
            self.f = open(path, "wb")
        self.committed = offset or 0
        if fmt != "jsonl" and not offset:
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
        self.committed = self.f.tell()
        return {"offset": self.committed}

    def rollback(self):
        """Cut the output back to its last commit (a full disk: no half line is left)."""
        if self.stdout:
            return
        try:
            self.f.seek(self.committed)
            self.f.truncate(self.committed)
        except (OSError, ValueError):
            pass

    def close(self, complete=True):
        if not self.stdout:
            try:
                self.f.close()
            except OSError:
                if complete:
                    raise
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
        self.pa = pyarrow()
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

    def rollback(self):
        """Nothing to cut: a part is written whole under a temporary name, then renamed."""

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


def open_writer(path, fmt, columns, state, id_type):
    """The writer of ``columns`` (``[(name, kind)]``) to ``path`` in ``fmt``; ``state`` is a
    checkpoint to resume from (None: a new output), ``id_type`` the input's Arrow id type."""
    if fmt == "parquet":
        return _ParquetWriter(path, fmt, columns, None if state is None else state["parts"], id_type)
    return _TextWriter(path, fmt, columns, None if state is None else state["offset"])
