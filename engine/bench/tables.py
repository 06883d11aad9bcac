"""Tables of benchmark results as Markdown: one formatting for what a script prints and what is saved.

A table is a title, a list of :class:`Column` and rows (dicts). A column's ``fmt`` is applied as
``fmt.format(value, **row)``: ``"{:,.0f}"`` formats the column's own value, and a template such as
``"{:.3f} ({coverage:.1f}%)"`` may name other fields of the row. ``fmt`` may be a list of such
patterns, tried in order (the first that applies to the row wins: ``["{:.3f} ± {ci:.3f}",
"{:.3f}"]`` for a value whose interval may be None). A missing value (``None`` or NaN) is shown
as ``–``.

>>> cols = columns([("n", "N", "{:,}"), ("rate", "q/s", "{:,.0f}"), ("what", "case")])
>>> print("\\n".join(markdown_table(cols, [{"n": 100000, "rate": 1234.5, "what": "a|b"}])))
| N | q/s | case |
|---|---|---|
| 100,000 | 1,234 | a\\|b |
"""

import math
from collections.abc import Sequence
from typing import NamedTuple, Union

MISSING = "–"


class Column(NamedTuple):
    """One column: the row key it shows, its header, and ``str.format`` patterns (or None)."""

    key: str
    header: str
    fmt: Union[str, Sequence[str], None] = None


def columns(specs):
    """:class:`Column` objects from ``key``, ``(key,)``, ``(key, header)`` or ``(key, header, fmt)``."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            spec = (spec,)
        out.append(Column(spec[0], spec[1] if len(spec) > 1 else spec[0], *spec[2:]))
    return out


def generic_columns(rows):
    """One column per key, in the order the keys first appear (for rows without declared columns)."""
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return [Column(k, k) for k in keys]


def is_missing(x):
    return x is None or (isinstance(x, float) and math.isnan(x))


def escape(text):
    """A cell's text with what would break a Markdown table row escaped."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def cell(x):
    """The default text of a value: thousands separators for large numbers, 3 significant digits
    below 1, two decimals otherwise."""
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        x = x.item()  # numpy scalars
    if isinstance(x, float):
        if is_missing(x):
            return MISSING
        if math.isinf(x):
            return str(x)
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    return str(x)


def format_cell(row, column):
    value = row.get(column.key)
    if is_missing(value):
        return MISSING
    for fmt in [column.fmt] if isinstance(column.fmt, str) else column.fmt or ():
        try:
            return escape(fmt.format(value, **row))
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):
            continue  # a field the pattern names is missing or None in this row
    return escape(cell(value))


def header_lines(cols):
    return [
        "| " + " | ".join(escape(c.header) for c in cols) + " |",
        "|" + "|".join("---" for _ in cols) + "|",
    ]


def row_line(cols, row):
    return "| " + " | ".join(format_cell(row, c) for c in cols) + " |"


def markdown_table(cols, rows):
    """The lines of a Markdown table of ``rows`` under ``cols``."""
    return header_lines(cols) + [row_line(cols, r) for r in rows]


def to_json(cols):
    return [c._asdict() for c in cols]


def from_json(items):
    return [Column(**c) for c in items]
