"""``engine bench``: run the benchmarks in ``benchmarks/`` and write one report.

Each ``benchmarks/bench_NAME.py`` exposes ``run(quick: bool) -> list[dict]`` (one dict per
measured configuration) and ``main()``. This module imports each file by path, calls
``run(quick)`` in this process, one benchmark after another, and writes into ``out``:

- ``report.md``: the machine, versions and thread counts, then one table per benchmark;
- ``report.json``: the same, machine-readable;
- ``search.png``: search throughput (queries/s) against batch size, one line per implementation,
  from ``bench_search``'s rows (when it ran).

The plot needs matplotlib (the extra ``engine[bench]``): it draws real axes, a log scale and a
legend, which a hand-written PNG encoder would have to reimplement (text rendering included);
it is imported only when a plot is drawn.

>>> from engine.bench import run_benchmarks
>>> report = run_benchmarks(["score"], quick=True, out="bench-results")  # doctest: +SKIP
"""

import importlib.util
import json
import os
import platform
import sys
import time
import traceback

from .errors import DependencyError, EngineError

# bench_search's rows: one per (shape, batch), a ``batch`` column and one ``<impl>_qps`` column per
# implementation (engine, gensim, faiss, ...); long rows (``impl`` + ``qps``) are read too.
_BATCH_KEYS = ("batch", "batch_size")
_SHAPE_KEYS = ("N", "D", "n", "d", "dim", "shape")
_SERIES_KEYS = ("impl", "implementation", "method", "library")


def default_directory():
    """``./benchmarks`` if it exists, else the ``benchmarks`` folder beside the package."""
    here = os.path.join(os.getcwd(), "benchmarks")
    if os.path.isdir(here):
        return here
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def discover(directory=None, names=None):
    """``{name: path}`` of the benchmarks to run (``name`` without ``bench_``), sorted by name."""
    directory = directory or default_directory()
    if not os.path.isdir(directory):
        raise EngineError(f"{directory}: no benchmarks directory")
    found = {
        f[6:-3]: os.path.join(directory, f)
        for f in sorted(os.listdir(directory))
        if f.startswith("bench_") and f.endswith(".py")
    }
    if not names:
        return found
    chosen = {}
    for n in names:
        key = os.path.basename(n)
        key = key[:-3] if key.endswith(".py") else key
        key = key[6:] if key.startswith("bench_") else key
        if key not in found:
            raise EngineError(f"no benchmark {n!r} in {directory} (have: {', '.join(found) or 'none'})")
        chosen[key] = found[key]
    return chosen


def _load(name, path):
    spec = importlib.util.spec_from_file_location(f"_engine_bench_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    bench_dir = os.path.dirname(path)
    sys.path.insert(0, bench_dir)  # benchmarks may share helpers beside them
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(bench_dir)
    if not callable(getattr(mod, "run", None)):
        raise EngineError(f"{path}: has no run(quick) function")
    return mod


def cpu_model():
    """The CPU model from /proc/cpuinfo (or the platform's best guess)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine():
    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def versions():
    from . import __version__

    out = {"engine": __version__}
    for label, module in [
        ("numpy", "numpy"),
        ("scipy", "scipy"),
        ("gensim", "gensim"),
        ("faiss", "faiss"),
        ("POT", "ot"),
        ("pyarrow", "pyarrow"),
        ("dask", "dask"),
    ]:
        try:
            out[label] = getattr(importlib.import_module(module), "__version__", "?")
        except ImportError:
            out[label] = None
    return out


def threads():
    from ._config import get_num_threads

    out = {"engine": get_num_threads(), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
    try:
        import faiss

        out["faiss"] = faiss.omp_get_max_threads()
    except ImportError:
        pass
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            out[f"{pool.get('internal_api')} ({pool.get('user_api')})"] = pool.get("num_threads")
    except ImportError:
        pass
    return out


def run_benchmarks(names=None, *, quick=False, out="bench-results", directory=None, plot=True):
    """Run benchmarks and write ``report.md``, ``report.json`` and ``search.png`` into ``out``.

    ``names``: benchmarks to run (``"search"``, ``"bench_search"`` or ``"bench_search.py"``);
    all when empty. A benchmark that raises is reported (with its traceback in the JSON) and
    the others still run. Returns the report dict, with ``files`` (the paths written) and
    ``failed`` (names of benchmarks that raised).
    """
    chosen = discover(directory, names)
    if not chosen:
        raise EngineError(f"no bench_*.py files in {directory or default_directory()}")
    if plot and "search" in chosen:
        _matplotlib()  # fail before an hour of benchmarks, not after
    report = {
        "quick": bool(quick),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": machine(),
        "versions": versions(),
        "threads": threads(),
        "benchmarks": {},
    }
    for name, path in chosen.items():
        entry = {"path": path}
        t = time.perf_counter()
        try:
            rows = _load(name, path).run(quick)
            entry["rows"] = [dict(r) for r in (rows or [])]
        except Exception as e:  # a benchmark's failure is reported, the others still run
            entry["error"] = f"{type(e).__name__}: {e}"
            entry["traceback"] = traceback.format_exc()
        entry["seconds"] = round(time.perf_counter() - t, 2)
        report["benchmarks"][name] = entry
    report["machine"]["load_average_end"] = machine().get("load_average")
    os.makedirs(out, exist_ok=True)
    files = []
    md = os.path.join(out, "report.md")
    _write_atomic(md, markdown(report))
    files.append(md)
    js = os.path.join(out, "report.json")
    _write_atomic(js, json.dumps(report, indent=1, default=_jsonable) + "\n")
    files.append(js)
    if plot and "rows" in report["benchmarks"].get("search", {}):
        png = os.path.join(out, "search.png")
        if plot_search(report["benchmarks"]["search"]["rows"], png, report):
            files.append(png)
    report["files"] = files
    report["failed"] = [n for n, e in report["benchmarks"].items() if "error" in e]
    return report


def _jsonable(x):
    try:
        return x.item()  # numpy scalars
    except AttributeError:
        return str(x)


def _write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _cell(x):
    if isinstance(x, float):
        if x != x or x in (float("inf"), float("-inf")):
            return str(x)
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    if hasattr(x, "item"):
        return _cell(x.item())
    return str(x).replace("|", "\\|").replace("\n", " ")


def markdown(report):
    """The report as Markdown: machine, versions, threads, then one table per benchmark."""
    m, v, th = report["machine"], report["versions"], report["threads"]
    lines = [
        f"# engine benchmarks{' (quick)' if report['quick'] else ''}",
        "",
        f"- started: {report['started']}",
        f"- machine: {m['cpu']}, {m['cores']} cores" + (f", {m['memory_gb']} GB" if "memory_gb" in m else ""),
        f"- platform: {m['platform']}, Python {m['python']}",
    ]
    if "load_average" in m:
        lines.append(
            f"- load average (1/5/15 min): start {m['load_average']}, end {m.get('load_average_end')}"
        )
    lines.append("- versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    lines.append("- threads: " + ", ".join(f"{k} {val}" for k, val in th.items() if val is not None))
    for name, entry in report["benchmarks"].items():
        lines += ["", f"## {name}", "", f"`{os.path.basename(entry['path'])}`, {entry['seconds']} s", ""]
        if "error" in entry:
            lines.append(f"**failed**: {entry['error']}")
            continue
        rows = entry["rows"]
        if not rows:
            lines.append("(no rows)")
            continue
        keys = []
        for r in rows:
            keys += [k for k in r if k not in keys]
        lines.append("| " + " | ".join(_cell(str(k)) for k in keys) + " |")
        lines.append("|" + "|".join("---" for _ in keys) + "|")
        for r in rows:
            lines.append("| " + " | ".join(_cell(r[k]) if k in r else "" for k in keys) + " |")
    return "\n".join(lines) + "\n"


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise DependencyError(
            "the search plot needs matplotlib: pip install 'engine[bench]' "
            "(or pip install matplotlib), or pass --no-plot"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _first_key(row, keys):
    return next((k for k in keys if k in row), None)


def _number(x):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if x == x and 0 < x < float("inf") else None


def search_series(rows):
    """``{shape: {implementation: [(batch, queries/s), ...]}}`` from bench_search's rows.

    A shape is the row's ``N × D`` (or whichever of N, D, n, d, dim, shape it has); a rate is
    any ``<impl>_qps`` column, or ``qps`` with an ``impl`` column. Missing or NaN rates are
    left out (numpy has no batch-1 rate, for instance).
    """
    panels = {}
    for r in rows:
        bk = _first_key(r, _BATCH_KEYS)
        batch = _number(r[bk]) if bk else None
        if batch is None:
            continue
        shape = " × ".join(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k in _SHAPE_KEYS if k in r)
        rates = {k[:-4]: r[k] for k in r if k.endswith("_qps")}
        sk = _first_key(r, _SERIES_KEYS)
        if "qps" in r:
            rates[str(r[sk]) if sk else "engine"] = r["qps"]
        for impl, rate in rates.items():
            rate = _number(rate)
            if rate is not None:
                panels.setdefault(shape or "search", {}).setdefault(impl, []).append((batch, rate))
    return {shape: {impl: sorted(pts) for impl, pts in series.items()} for shape, series in panels.items()}


def plot_search(rows, path, report=None):
    """Draw search throughput against batch size (log-log), one panel per vocabulary shape,
    one line per implementation, into the PNG ``path``; False when the rows hold no rates."""
    panels = search_series(rows)
    if not panels:
        return False
    plt = _matplotlib()
    cols = min(2, len(panels))
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(6.5 * cols, 4.2 * nrows), dpi=100, squeeze=False)
    impls = sorted({i for series in panels.values() for i in series}, key=lambda i: (i != "engine", i))
    colors = {impl: f"C{j}" for j, impl in enumerate(impls)}
    for ax, (shape, series) in zip(axes.flat, panels.items()):
        for impl in impls:
            if impl in series:
                xs, ys = zip(*series[impl])
                ax.plot(
                    xs,
                    ys,
                    marker="o",
                    color=colors[impl],
                    label=impl,
                    linewidth=2.4 if impl == "engine" else 1.2,
                )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size (queries per call)")
        ax.set_ylabel("queries per second")
        ax.set_title(f"vocabulary {shape}", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    title = "exact top-k cosine search throughput"
    if report:
        m = report["machine"]
        title += f" — {m['cpu']}, {m['cores']} cores, {report['threads'].get('engine')} threads"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return True
