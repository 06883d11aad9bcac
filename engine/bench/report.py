"""The report of one ``engine bench`` run: ``report.md`` and ``report.json`` in its ``--out`` folder.

>>> result = {
...     "size": "quick", "started": "now", "versions": {"engine": "0.1"}, "threads": {"engine": 2},
...     "machine": {"cpu": "X", "cores": 2, "platform": "p", "python": "3"},
...     "benchmarks": {"b": {"path": "/x/bench_b.py", "seconds": 1.0, "rows": [{"a|b": "x|y"}]}},
... }
>>> print(markdown(result))  # doctest: +ELLIPSIS
# engine benchmarks (quick)
...
## b
<BLANKLINE>
`bench_b.py`, 1.0 s
<BLANKLINE>
### results
<BLANKLINE>
| a\\|b |
|---|
| x\\|y |
<BLANKLINE>
"""

import os

from .docs import dumps, record, table_lines, write_atomic


def markdown(result):
    """The run as Markdown: the machine, versions and threads, then each benchmark's tables."""
    m, size = result["machine"], result.get("size") or ("quick" if result.get("quick") else "full")
    lines = [
        f"# engine benchmarks ({size})",
        "",
        f"- started: {result['started']}",
        f"- machine: {m['cpu']}, {m['cores']} cores"
        + (f", {m['memory_gb']} GB" if m.get("memory_gb") else ""),
        f"- platform: {m['platform']}, Python {m['python']}",
    ]
    if m.get("load_average"):
        lines.append(
            f"- load average (1/5/15 min): start {m['load_average']}, end {m.get('load_average_end')}"
        )
    lines.append("- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items() if v))
    lines.append("- threads: " + ", ".join(f"{k} {v}" for k, v in result["threads"].items() if v is not None))
    for name, entry in result["benchmarks"].items():
        script = entry.get("script") or os.path.basename(entry["path"])
        lines += ["", f"## {name}", "", f"`{script}`, {entry['seconds']} s"]
        if "error" in entry:
            lines += ["", f"**failed**: {entry['error']}"]
            continue
        lines += table_lines(record(name, entry, result), 3)
    return "\n".join(lines) + "\n"


def write(out, result):
    """Write ``report.md`` and ``report.json`` into the folder ``out``; their paths."""
    os.makedirs(out, exist_ok=True)
    md, js = os.path.join(out, "report.md"), os.path.join(out, "report.json")
    write_atomic(md, markdown(result))
    write_atomic(js, dumps(result))
    return [md, js]
