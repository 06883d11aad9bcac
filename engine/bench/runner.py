"""Find the benchmark scripts, run them one after another in this process, collect their results.

The scripts are ``bench_NAME.py`` (speed) and ``quality_NAME.py`` (accuracy) in the
``benchmarks`` folder of the source tree, which an installed engine carries as the package
``engine.benchmarks``. Each exposes ``run(quick=False, *, tiny=False)`` returning its rows (see
:mod:`engine.bench.harness`) and ``main()`` for ``python benchmarks/bench_NAME.py``.

>>> names = list(discover())
>>> "search" in names and "quality_classify" in names
True
"""

import contextlib
import importlib.util
import os
import shutil
import sys
import time
import traceback

from .. import _progress
from ..errors import EngineError
from . import docs, report
from .harness import size_name
from .machine import machine, threads, utc_now, versions
from .plot import _matplotlib, plot_search

PREFIXES = ("bench_", "quality_")


def default_directory():
    """The benchmark scripts shipped with this engine: the ``engine.benchmarks`` package when
    installed, else the ``benchmarks`` folder of the source checkout ``engine`` is imported from."""
    spec = importlib.util.find_spec("engine.benchmarks")
    if spec is not None and spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "benchmarks")


def _name(filename):
    """``bench_search.py`` -> ``search``; ``quality_classify.py`` -> ``quality_classify``."""
    stem = filename[:-3] if filename.endswith(".py") else filename
    return stem[len("bench_") :] if stem.startswith("bench_") else stem


def discover(directory=None, names=None):
    """``{name: path}`` of the benchmarks to run, in file name order (all of them when ``names`` is
    empty). A name may be given as ``search``, ``bench_search`` or ``bench_search.py``."""
    directory = directory or default_directory()
    if not os.path.isdir(directory):
        raise EngineError(f"{directory}: no benchmarks directory")
    found = {
        _name(f): os.path.join(directory, f)
        for f in sorted(os.listdir(directory))
        if f.startswith(PREFIXES) and f.endswith(".py")
    }
    if not names:
        return found
    chosen = {}
    for n in names:
        key = _name(os.path.basename(n))
        if key not in found:
            raise EngineError(f"no benchmark {n!r} in {directory} (have: {', '.join(found) or 'none'})")
        chosen[key] = found[key]
    return chosen


@contextlib.contextmanager
def _siblings_importable(path):
    """The script's folder first on ``sys.path`` meanwhile: a script imports its siblings
    (``_quality_data``, ``quality_meta``, ...) at load and, for optional parts, while it runs."""
    folder = os.path.dirname(path)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)


def load(name, path):
    """Import a benchmark script by path (its folder on ``sys.path`` meanwhile, for its siblings)."""
    spec = importlib.util.spec_from_file_location(f"_engine_bench_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    with _siblings_importable(path):
        spec.loader.exec_module(mod)
    if not callable(getattr(mod, "run", None)):
        raise EngineError(f"{path}: has no run(quick) function")
    return mod


def run_one(name, path, quick=False, tiny=False):
    """Run one benchmark; its entry of the report (rows and tables, or the error and traceback)."""
    entry = {"path": path, "script": os.path.basename(path), "size": size_name(quick, tiny)}
    t = time.perf_counter()
    try:
        mod = load(name, path)
        with _siblings_importable(path):
            rows = mod.run(quick, tiny=True) if tiny else mod.run(quick)
        entry["rows"] = [dict(r) for r in (rows or [])]
        entry.update(getattr(rows, "info", {}))
    except Exception as e:  # a benchmark's failure is reported, the others still run
        entry["error"] = f"{type(e).__name__}: {e}"
        entry["traceback"] = traceback.format_exc()
    entry["seconds"] = round(time.perf_counter() - t, 2)
    return entry


def run_benchmarks(
    names=None,
    *,
    quick=False,
    tiny=False,
    out="bench-results",
    directory=None,
    plot=True,
    docs_dir=None,
    progress=False,
):
    """Run benchmarks; write ``report.md``, ``report.json`` and ``search.png`` into ``out``.

    ``names``: benchmarks to run (all when empty). ``quick``/``tiny``: the short or the smallest
    run of each. ``docs_dir``: also write each benchmark's results (JSON) and page (Markdown) and
    the index of all pages there (see :mod:`engine.bench.docs`). A benchmark that raises is
    reported (with its traceback in the JSON) and the others still run. Returns the report dict,
    with ``files`` (the paths written) and ``failed`` (names of benchmarks that raised).
    ``progress``: a bar of the benchmarks run, naming the one running (``engine._progress``).
    """
    chosen = discover(directory, names)
    if not chosen:
        raise EngineError(f"no benchmark scripts in {directory or default_directory()}")
    if plot and "search" in chosen:
        _matplotlib()  # fail before an hour of benchmarks, not after
    result = {
        "quick": bool(quick),
        "size": size_name(quick, tiny),
        "started": utc_now(),
        "machine": machine(),
        "threads": threads(),
        "benchmarks": {},
    }
    with _progress.bar(total=len(chosen), desc="bench", unit="benchmark", progress=progress) as b:
        for name, path in chosen.items():
            b.set_description(f"bench {name}")
            result["benchmarks"][name] = run_one(name, path, quick, tiny)
            b.update()
    result["versions"] = versions()  # after the runs: torch is listed only if a benchmark used it
    result["machine"]["load_average_end"] = machine()["load_average"]
    files = report.write(out, result)
    search = result["benchmarks"].get("search", {})
    if plot and "rows" in search:
        png = os.path.join(out, "search.png")
        if plot_search(search["rows"], png, result):
            files.append(png)
            if docs_dir:
                os.makedirs(docs_dir, exist_ok=True)
                shutil.copyfile(png, os.path.join(docs_dir, "search.png"))
                search["plot"] = "search.png"
    if docs_dir:
        files += docs.write(docs_dir, result)
    result["files"] = files
    result["failed"] = [n for n, e in result["benchmarks"].items() if "error" in e]
    return result
