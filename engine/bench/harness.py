"""What every benchmark script shares: its sizes and command line, timing, fresh-process
measurements, the folder of its generated inputs, and the tables it prints row by row and
returns to ``engine bench``.

A benchmark script (``benchmarks/bench_NAME.py``) is written as::

    if __name__ == "__main__":  # run as a script in a source checkout: that checkout's engine
        import _checkout  # noqa: F401

    from engine.bench import harness  # noqa: E402

    SIZES = {"tiny": dict(n=1_000), "quick": dict(n=100_000), "full": dict(n=1_000_000)}
    COLUMNS = [("n", "N", "{:,}"), ("seconds", "seconds", "{:.3f}")]

    def run(quick=False, *, tiny=False):
        size = harness.size_name(quick, tiny)
        bench = harness.Bench("NAME", "what it measures", size)  # prints machine, threads, load
        table = bench.table("the table's title", COLUMNS)
        for ...:
            table.add(n=n, seconds=harness.timed(fn).wall)    # printed as it is measured
        bench.note("target ...: met")
        return bench.finish()                                   # prints the load; the rows

    def main(argv=None):
        harness.main(run, __doc__, argv)

``tiny`` is for the tests: it runs every code path on inputs small enough to take seconds, and
measures nothing worth reading.

>>> import io
>>> out = io.StringIO()
>>> bench = Bench("demo", "a demonstration", "tiny", stream=out)
>>> t = bench.table("squares", [("x", "x"), ("y", "x²", "{:,}")])
>>> t.add(x=3, y=9)["y"]
9
>>> rows = bench.finish()
>>> rows, rows.info["tables"][0]["title"]
([{'x': 3, 'y': 9}], 'squares')
>>> print(out.getvalue())  # doctest: +ELLIPSIS
demo: a demonstration (tiny)
machine: ...
<BLANKLINE>
### squares
| x | x² |
|---|---|
| 3 | 9 |
load average after: ...
"""

import argparse
import inspect
import json
import os
import subprocess
import sys
import time

from . import tables as T
from .machine import cpu_model, load_average, threads
from .timing import (  # noqa: F401
    REPEATS,
    Timing,
    compare,
    fresh_runs,
    limit_threads,
    once,
    paired,
    timed,
)

SIZE_NAMES = ("tiny", "quick", "full")


# ---------------------------------------------------------------- sizes, command line, verdicts
def size_name(quick=False, tiny=False):
    """``"tiny"``, ``"quick"`` or ``"full"``."""
    return "tiny" if tiny else "quick" if quick else "full"


def main(run, doc, argv=None, options=()):
    """The command line of a benchmark script: ``--quick``, ``--tiny`` and ``options``, a list of
    ``(flag, type, help)`` whose values (when given) go to ``run`` as keyword arguments
    (``--naive-rows`` as ``naive_rows``). Returns what ``run`` returns."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the short run")
    p.add_argument("--tiny", action="store_true", help="the smallest run (checks the code paths only)")
    for flag, type_, help_ in options:
        p.add_argument(flag, type=type_, default=None, help=help_)
    args = vars(p.parse_args(argv))
    quick, tiny = args.pop("quick"), args.pop("tiny")
    return run(quick, tiny=tiny, **{k: v for k, v in args.items() if v is not None})


def cache_dir(cache=None):
    """The folder (created) where a benchmark keeps the inputs it generates once: ``cache``, else
    ``$ENGINE_BENCH_CACHE``, else ``<tmp>/engine-bench``."""
    import tempfile

    folder = (
        cache or os.environ.get("ENGINE_BENCH_CACHE") or os.path.join(tempfile.gettempdir(), "engine-bench")
    )
    os.makedirs(folder, exist_ok=True)
    return folder


def verdict(ok):
    """``met``, ``MISSED``, or ``not measured in this run`` (``ok`` is None)."""
    return "not measured in this run" if ok is None else "met" if ok else "MISSED"


# ---------------------------------------------------------------- timing: the shared helper
# (engine.bench.timing), here under the names every script already calls


# ---------------------------------------------------------------- fresh processes
def status_mb(field="VmHWM"):
    """A field of /proc/self/status in MB: VmHWM (peak resident memory) or VmRSS (resident now).

    Not ru_maxrss: Linux carries a forked parent's high-water mark over exec() into the child.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# the function's source, for ``python -c`` children that must not import engine to get it
STATUS_MB_SOURCE = inspect.getsource(status_mb)


def _engine_root():
    """The directory holding the ``engine`` package in use (a checkout or site-packages)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _child(argv, env=None):
    root = _engine_root()
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    # cwd = root: a `python -c` child puts its working directory first on sys.path
    r = subprocess.run([sys.executable, *map(str, argv)], env=env, cwd=root, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"benchmark child {argv[:2]} exited with {r.returncode}:\n{r.stderr[-4000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_python(code, *args, env=None):
    """Run ``python -c code args`` in a fresh interpreter that imports this same engine; return
    the JSON object the child printed on its last line of output."""
    return _child(["-c", code, *args], env)


def run_script(path, *args, env=None):
    """Run ``python path args`` as :func:`run_python` runs code (for a script's own child mode)."""
    return _child([path, *args], env)


# ---------------------------------------------------------------- tables printed as they are measured
class Table:
    """A table that prints its header when made and each row as it is added."""

    def __init__(self, bench, title, cols, intro=None):
        self.bench, self.title, self.intro = bench, title, intro
        self.columns = T.columns(cols)
        self.rows, self.notes = [], []
        bench.say("", f"### {title}", *([intro] if intro else []), *T.header_lines(self.columns))

    def add(self, row=None, **values):
        """Add (and print) one row; returns it."""
        row = dict(row or {}, **values)
        self.rows.append(row)
        self.bench.say(T.row_line(self.columns, row))
        return row

    def note(self, text):
        """A line printed (and saved) under this table: a target met or missed, a footnote."""
        self.notes.append(text)
        self.bench.say(text)

    def to_json(self):
        return {
            "title": self.title,
            "intro": self.intro,
            "columns": T.to_json(self.columns),
            "rows": self.rows,
            "notes": self.notes,
        }


class Results(list):
    """What ``run()`` returns: the rows of every table (a list of dicts); ``info`` holds the
    tables, notes, size, thread counts and the load average before and after."""

    def __init__(self, rows, info):
        super().__init__(rows)
        self.info = info


class Bench:
    """One run of a benchmark: prints the machine, thread counts and load average when made, then
    its tables row by row, its notes, and the load average at :meth:`finish`."""

    def __init__(self, name, title, size, *, stream=None):
        if size not in SIZE_NAMES:
            raise ValueError(f"size must be one of {SIZE_NAMES}, not {size!r}")
        self.name, self.title, self.size, self.stream = name, title, size, stream
        self.tables, self.notes = [], []
        self.started = time.perf_counter()
        self.load_before = load_average()
        self.threads = {k: v for k, v in threads().items() if v is not None}
        self.say(
            f"{name}: {title} ({size})",
            f"machine: {cpu_model()}, {os.cpu_count()} cores; load average before: {_load(self.load_before)}",
            "threads: " + ", ".join(f"{k} {v}" for k, v in self.threads.items()),
        )

    def say(self, *lines):
        for line in lines:
            print(line, file=self.stream or sys.stdout, flush=True)

    def table(self, title, cols, intro=None):
        """Start a table (its header is printed now); add its rows with ``.add(**row)``."""
        if any(t.title == title for t in self.tables):
            raise ValueError(f"two tables titled {title!r}")
        table = Table(self, title, cols, intro)
        self.tables.append(table)
        return table

    def note(self, text):
        """A line printed (and saved) after the tables."""
        self.notes.append(text)
        self.say(text)

    def finish(self):
        """Print the load average now; return the rows, with the tables in ``.info``."""
        load_after = load_average()
        self.say(f"load average after: {_load(load_after)}")
        info = {
            "name": self.name,
            "title": self.title,
            "size": self.size,
            "seconds": round(time.perf_counter() - self.started, 2),
            "load_before": self.load_before,
            "load_after": load_after,
            "threads": self.threads,
            "tables": [t.to_json() for t in self.tables],
            "notes": self.notes,
        }
        return Results([r for t in self.tables for r in t.rows], info)


def _load(avg):
    return " ".join(f"{x:.2f}" for x in avg) if avg else "n/a"
