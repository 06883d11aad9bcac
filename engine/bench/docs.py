"""The performance pages of the documentation, generated from saved benchmark results.

``engine bench --docs docs/performance`` saves the results of each script (``bench_search.py``,
``quality_classify.py``, ...) as ``docs/performance/bench_search.json`` (rows, tables, notes, with
the machine, the load average before and after, the thread counts, the versions of engine and its
peers, the size of the run and the date) and renders from those files ``bench_search.md`` (its
tables) and ``index.md`` (every page, with the machine and date of each). The pages are Markdown
for Sphinx with myst-parser: one title per page, unique section titles, a hidden ``toctree`` in
the index. :func:`render` (``python -m engine.bench
docs/performance``) rebuilds every page from the JSON files alone, without running anything, so a
page is never edited by hand and never typed from a terminal; with no JSON yet, the index says how
to make them.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     print(render(d))  # doctest: +ELLIPSIS
...     print(open(os.path.join(d, "index.md")).read().splitlines()[0])
[...index.md']
# Performance
"""

import glob
import json
import os

from . import tables as T

INDEX = "index.md"
COMMAND = "engine bench --docs docs/performance"
SIZE_FLAGS = {"quick": " --quick", "tiny": " --tiny"}


def dumps(obj):
    return json.dumps(obj, indent=1, ensure_ascii=False, default=_jsonable) + "\n"


def _jsonable(x):
    try:
        return x.item()  # numpy scalars
    except AttributeError:
        return str(x)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------- what a benchmark's record holds
def tables_of(entry):
    """The tables of a report entry: those the script declared, else one table of its rows."""
    if entry.get("tables"):
        return entry["tables"]
    rows = entry.get("rows") or []
    return [{"title": "results", "columns": T.to_json(T.generic_columns(rows)), "rows": rows, "notes": []}]


def record(name, entry, result):
    """The saved results of one benchmark: its tables with everything needed to judge them."""
    m = result["machine"]
    script = entry.get("script", f"bench_{name}.py")
    rec = {
        "benchmark": name,
        "page": os.path.splitext(script)[0],
        "title": entry.get("title", name),
        "script": script,
        "size": entry.get("size", result.get("size")),
        "date": result["started"],
        "seconds": entry.get("seconds"),
        "machine": {k: m.get(k) for k in ("cpu", "cores", "memory_gb", "platform", "python")},
        "load_before": entry.get("load_before", m.get("load_average")),
        "load_after": entry.get("load_after", m.get("load_average_end")),
        "threads": entry.get("threads", result.get("threads")),
        "versions": result.get("versions", {}),
        "tables": tables_of(entry),
        "notes": entry.get("notes", []),
    }
    if entry.get("plot"):
        rec["plot"] = entry["plot"]
    return rec


# ---------------------------------------------------------------- Markdown
def _load(avg):
    return " / ".join(f"{x:.2f}" for x in avg) if avg else "n/a"


def _pairs(d):
    return ", ".join(f"{k} {v}" for k, v in (d or {}).items() if v is not None)


def context_lines(rec):
    """Bullet lines: machine, platform, load before and after, threads, versions, run time."""
    m = rec["machine"]
    mem = f", {m['memory_gb']} GB" if m.get("memory_gb") else ""
    lines = [
        f"- machine: {m.get('cpu')}, {m.get('cores')} logical cores{mem}",
        f"- platform: {m.get('platform')}, Python {m.get('python')}",
        f"- load average (1/5/15 min): before {_load(rec.get('load_before'))}, "
        f"after {_load(rec.get('load_after'))}",
        f"- threads: {_pairs(rec.get('threads'))}",
        f"- versions: {_pairs(rec.get('versions'))}",
    ]
    if rec.get("seconds") is not None:
        lines.append(f"- run time: {rec['seconds']:,.1f} s ({rec.get('size')} run)")
    return lines


def table_lines(rec, level):
    """The tables of a record under headings of ``level`` (#s), then its notes and plot."""
    out, seen = [], {rec["title"].lower()}

    def heading(title):
        while title.lower() in seen:  # unique section titles: Sphinx warns on duplicate targets
            title += " (continued)"
        seen.add(title.lower())
        return ["", f"{'#' * level} {title}", ""]

    for table in rec["tables"]:
        out += heading(table.get("title") or "results")
        if table.get("intro"):
            out += [T.escape(table["intro"]), ""]
        cols = T.from_json(table["columns"])
        out += T.markdown_table(cols, table["rows"]) if table["rows"] else ["(no rows)"]
        if table.get("notes"):
            out += [""] + [f"- {note}" for note in table["notes"]]
    if rec.get("notes"):
        out += heading("Notes") + [f"- {note}" for note in rec["notes"]]
    if rec.get("plot"):
        out += ["", f"![{rec['title']}]({rec['plot']})"]
    return out


def page(rec):
    """The Markdown page of one benchmark."""
    lines = [
        f"# {rec['title']}",
        "",
        f"Generated by `engine bench` from `benchmarks/{rec['script']}` ({rec['size']} run) on "
        f"{rec['date']}. Do not edit: `engine bench {rec['benchmark']}{SIZE_FLAGS.get(rec['size'], '')} "
        "--docs docs/performance` regenerates it.",
        "",
        *context_lines(rec),
        *table_lines(rec, 2),
    ]
    return "\n".join(lines) + "\n"


def index(records):
    """The index page: how the pages are made, and one line per page."""
    lines = [
        "# Performance",
        "",
        "Every table in these pages is measured by a script in `benchmarks/` and written here by "
        "`engine bench`, with the machine, its load average before and after, the thread counts "
        "and the versions it ran with; none is typed by hand. Numbers measured on a loaded or "
        "small machine say little about an idle one: regenerate them on yours with",
        "",
        "```bash",
        f"{COMMAND}          # every benchmark at full size (hours)",
        f"{COMMAND} --quick  # the short runs",
        "engine bench search --docs docs/performance  # one benchmark",
        "```",
        "",
    ]
    if not records:
        return "\n".join(lines + ["No results have been generated yet."]) + "\n"
    lines += [
        "| benchmark | run | measured | machine | load before → after | threads (engine) |",
        "|---|---|---|---|---|---|",
    ]
    for rec in records:
        m = rec["machine"]
        lines.append(
            f"| [{T.escape(rec['title'])}]({rec['page']}.md) | {rec['size']} | {rec['date']} | "
            f"{T.escape(m.get('cpu'))}, {m.get('cores')} cores | "
            f"{_load(rec.get('load_before'))} → {_load(rec.get('load_after'))} | "
            f"{(rec.get('threads') or {}).get('engine', '')} |"
        )
    lines += ["", "```{toctree}", ":hidden:", ""] + [r["page"] for r in records] + ["```"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- files
def write(directory, result):
    """Save each benchmark that ran without error as ``PAGE.json`` in ``directory`` (PAGE: its
    script's name; a failed one keeps its previous results), then :func:`render` every page; the
    paths written."""
    os.makedirs(directory, exist_ok=True)
    files = []
    for name, entry in result["benchmarks"].items():
        if "error" not in entry:
            rec = record(name, entry, result)
            path = os.path.join(directory, f"{rec['page']}.json")
            write_atomic(path, dumps(rec))
            files.append(path)
    return files + render(directory)


def render(directory):
    """Write ``PAGE.md`` for every ``PAGE.json`` in ``directory`` (created if needed) and the
    ``index.md`` of them all."""
    os.makedirs(directory, exist_ok=True)
    records = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as f:
            records.append(json.load(f))
    files = []
    for rec in records:
        path = os.path.join(directory, f"{rec['page']}.md")
        write_atomic(path, page(rec))
        files.append(path)
    path = os.path.join(directory, INDEX)
    write_atomic(path, index(records))
    return files + [path]
