"""``engine bench``: run the benchmarks shipped with engine and write their results.

The benchmark scripts live in ``benchmarks/`` of the source tree and are installed with the
package as ``engine.benchmarks``: ``bench_NAME.py`` measure speed and memory beside peers
(gensim, FAISS, POT, hnswlib, numpy), ``quality_NAME.py`` measure accuracy. Each prints its
tables as it measures them (with the machine, thread counts and load average before and after)
and returns its rows (:mod:`engine.bench.harness`). :func:`run_benchmarks` runs them in this
process one after another and writes, into ``out``:

- ``report.md``: the machine, versions and thread counts, then the tables of every benchmark;
- ``report.json``: the same, machine-readable (with the traceback of a benchmark that failed);
- ``search.png``: search throughput against batch size from ``bench_search``'s rows;

and, given ``docs_dir``, the documentation's performance pages (:mod:`engine.bench.docs`).

>>> from engine.bench import run_benchmarks
>>> report = run_benchmarks(["score"], quick=True, out="bench-results")  # doctest: +SKIP
"""

from .docs import render as render_docs
from .machine import cpu_model, load_average, machine, threads, versions
from .plot import plot_search, search_series
from .report import markdown
from .runner import default_directory, discover, run_benchmarks

__all__ = [
    "cpu_model",
    "default_directory",
    "discover",
    "load_average",
    "machine",
    "markdown",
    "plot_search",
    "render_docs",
    "run_benchmarks",
    "search_series",
    "threads",
    "versions",
]
