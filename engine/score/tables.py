"""Table formats: their names, how a path's format is told, and the optional pyarrow.

JSON Lines, CSV, TSV (the stdlib ``csv`` rules with a tab), Parquet (``engine[parquet]``) and
plain text (one text per line, read only) are chosen by name or by extension; ``-`` (standard
input or output) is JSON Lines unless named.

>>> detect_format("texts.csv"), detect_format("-"), detect_format("notes.txt")
('csv', 'jsonl', 'text')
"""

import os

from ..errors import DependencyError, EngineError

__all__ = ["FORMATS", "INPUT_FORMATS", "OUTPUT_FORMATS", "detect_format", "pyarrow"]

OUTPUT_FORMATS = ("jsonl", "csv", "tsv", "parquet")
INPUT_FORMATS = OUTPUT_FORMATS + ("text",)
FORMATS = OUTPUT_FORMATS  # the table formats (both ways)
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
}


def detect_format(path, given=None, what="input", default=None):
    """The format of ``path``: ``given``, else by its extension (``-`` is JSON Lines).

    Parameters
    ----------
    path : str
        A file, or ``-`` for standard input / output.
    given : str, optional
        A format named by the caller; checked against the formats of ``what``.
    what : {"input", "output"}
        Plain text is an input format only.
    default : str, optional
        The format of an unknown extension; without it an unknown extension is an error.

    Returns
    -------
    str
        One of ``INPUT_FORMATS`` (``OUTPUT_FORMATS`` for an output).

    Examples
    --------
    >>> detect_format("data.bin", default="jsonl"), detect_format("x.tsv", "csv")
    ('jsonl', 'csv')
    """
    allowed = INPUT_FORMATS if what == "input" else OUTPUT_FORMATS
    if given:
        if given not in allowed:
            raise EngineError(f"{what} format {given!r}: choose one of {', '.join(allowed)}")
        return given
    if path == "-":
        return "jsonl"
    ext = os.path.splitext(os.fspath(path))[1].lower()
    fmt = _EXTENSIONS.get(ext, default)
    if fmt not in allowed:
        raise EngineError(
            f"{path}: cannot tell the {what} format from the extension {ext or '(none)'!r}; "
            f"name it with {'--format' if what == 'input' else '--to'} ({', '.join(allowed)})"
        )
    return fmt


def pyarrow():
    """The pyarrow module (with ``pyarrow.parquet``), or DependencyError naming the extra."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise DependencyError(
            "Parquet needs pyarrow: pip install 'engine[parquet]' (or pip install pyarrow)"
        ) from None
    return pyarrow
