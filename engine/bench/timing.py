"""The one way every benchmark times code: pause, warm-up, the same repeats for every peer,
medians with min and max, and the thread limits every library is held to.

- :func:`timed` times one function: a pause (``settle``), one untimed warm-up call, then
  ``repeats`` timed calls; the median, min and max of the wall clock and the median process CPU
  time, each per item (``per``), with the 1-minute load average before and after.
- :func:`compare` times several implementations of the same work on the same inputs: each is
  warmed up once (its output kept, so an equality claim is checked on exactly what was timed),
  then the repeats alternate the order (reversed every other repeat), so every peer sees the
  same machine load, the same number of repeats and the same items.
- :func:`once` measures a one-off call (a build whose output is then used) and returns both.
- :func:`fresh_runs` summarises measurements that are their own first call (a load in a fresh
  process) the same way: medians, min and max, the load.
- :func:`limit_threads` holds every library to the same thread count for a block: engine's own
  setting, FAISS's OpenMP pool (``faiss.omp_set_num_threads``), torch's
  (``torch.set_num_threads``) and every BLAS/OpenMP pool threadpoolctl sees; it checks the
  pools took the limit and restores the previous counts on exit.

>>> import time
>>> t = timed(lambda: time.sleep(0.001), repeats=3, per=2)
>>> t.runs, t.per, t.wall_min <= t.wall <= t.wall_max, t.wall > 0.0004
(3, 2, True, True)
>>> ts = compare({"a": lambda: sum(range(100)), "b": lambda: sum(list(range(100)))}, repeats=2,
...              check=lambda out: out["a"] == out["b"])
>>> sorted(ts), ts["a"].runs == ts["b"].runs == 2
(['a', 'b'], True)
>>> with limit_threads(1) as counts:
...     counts["engine"]
1
"""

import contextlib
import math
import statistics
import sys
import time
from typing import NamedTuple, Optional

from .machine import load_average

# the default number of timed calls; a benchmark gives its own per size, the same for every peer
REPEATS = 3


class Timing(NamedTuple):
    """One measurement, per item: the median wall-clock and process CPU seconds (all threads of
    this process) over ``runs`` timed calls, the fastest and slowest call's wall clock, the items
    per call (``per``) and the 1-minute load average before and after."""

    wall: float
    cpu: float
    runs: int
    wall_min: float = math.nan
    wall_max: float = math.nan
    per: float = 1
    load: Optional[tuple] = None

    def spread(self):
        """``"median 1.23 ms (min 1.20, max 1.31, 5 runs)"``: the timing as a note says it."""
        scale, unit = (1e3, "ms") if self.wall < 1 else (1, "s")
        return (
            f"median {self.wall * scale:.3g} {unit} (min {self.wall_min * scale:.3g}, "
            f"max {self.wall_max * scale:.3g}, {self.runs} runs)"
        )


def _one_minute():
    avg = load_average()
    return avg[0] if avg else math.nan


def _timing(walls, cpus, per, load_before):
    return Timing(
        statistics.median(walls) / per,
        statistics.median(cpus) / per,
        len(walls),
        min(walls) / per,
        max(walls) / per,
        per,
        (load_before, _one_minute()),
    )


def _call(fn, walls, cpus):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    walls.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
    return out


def timed(fn, repeats=REPEATS, *, per=1, warmup=True, settle=0.0, budget=None):
    """Time ``fn()``: the medians of ``repeats`` runs, each divided by ``per`` (items per run).

    ``warmup``: one untimed call first (first calls pay thread start-up, page faults and caches;
    they are not the steady rate). Pass ``warmup=False`` only to measure a first call itself (a
    load, a one-off build), and say so where it is printed. ``settle``: seconds to sleep first,
    so that idle BLAS/OpenMP threads of the previous library stop spinning (on a 2-core machine
    they slow whatever runs next). ``budget``: stop repeating once the runs so far took this many
    seconds (a slow implementation at full size; ``runs`` says how many ran). The CPU time counts
    every thread of this process; on a shared machine it is steadier than the wall clock, which
    includes waiting for a core.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    if settle:
        time.sleep(settle)
    load_before = _one_minute()
    if warmup:
        fn()
    walls, cpus = [], []
    for _ in range(repeats):
        _call(fn, walls, cpus)
        if budget is not None and sum(walls) > budget:
            break
    return _timing(walls, cpus, per, load_before)


def compare(fns, repeats=REPEATS, *, per=1, warmup=True, settle=0.0, check=None):
    """Time implementations of the same work the same way; ``{name: Timing}`` in ``fns``' order.

    ``fns``: ``{name: fn}``, every ``fn()`` doing the same work on the same inputs (``per``
    items). After ``settle`` seconds' pause each is called once untimed (``warmup``); ``check``,
    given ``{name: output of that call}``, must return true (an equality claim checked on the
    very inputs that are timed; a false return raises ``AssertionError``). With ``warmup=False``
    the outputs checked are those of the first timed repeat. Then ``repeats`` rounds call every
    ``fn`` once, the order reversed every other round.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    if settle:
        time.sleep(settle)
    load_before = _one_minute()
    names = list(fns)
    outputs = {name: fns[name]() for name in names} if warmup else {}
    runs = {name: ([], []) for name in names}
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            out = _call(fns[name], *runs[name])
            if not warmup and r == 0:
                outputs[name] = out
    if check is not None and not check(outputs):
        raise AssertionError(f"the outputs of {', '.join(names)} differ on the timed inputs")
    return {name: _timing(*runs[name], per, load_before) for name in names}


def paired(fns, repeats=REPEATS, *, per=1, warmup=True, settle=0.0):
    """:func:`compare` over a list: one :class:`Timing` per function, in order."""
    out = compare(dict(enumerate(fns)), repeats, per=per, warmup=warmup, settle=settle)
    return [out[i] for i in range(len(fns))]


def once(fn):
    """``(fn(), Timing)`` of a single call that is measured as a first call (a one-off build whose
    output is used afterwards): no warm-up, ``runs`` = 1, min = max = the call.

    >>> out, t = once(lambda: 6 * 7)
    >>> out, t.runs
    (42, 1)
    """
    load_before = _one_minute()
    walls, cpus = [], []
    out = _call(fn, walls, cpus)
    return out, _timing(walls, cpus, 1, load_before)


def fresh_runs(measure, repeats=REPEATS, keys=("seconds",)):
    """Repeat a measurement that is its own first call (a load or a whole command in a fresh
    process: there is nothing to warm up, the cold start is what is measured) and summarise it:
    the median of each of ``keys`` over the ``repeats`` dicts ``measure()`` returns, with the
    ``seconds_min`` / ``seconds_max`` of the runs, ``runs`` and the 1-minute load before and
    after (``load_1min``). Every other key is taken from the first run.

    >>> out = fresh_runs(iter([dict(seconds=2.0, n=5), dict(seconds=1.0, n=5), dict(seconds=4.0, n=5)]).__next__, 3)
    >>> out["seconds"], out["seconds_min"], out["seconds_max"], out["runs"], out["n"]
    (2.0, 1.0, 4.0, 3, 5)
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    load_before = _one_minute()
    runs = [measure() for _ in range(repeats)]
    out = dict(runs[0])
    out.update({k: statistics.median(r[k] for r in runs) for k in keys})
    if "seconds" in runs[0]:
        out["seconds_min"] = min(r["seconds"] for r in runs)
        out["seconds_max"] = max(r["seconds"] for r in runs)
    out["runs"], out["load_1min"] = repeats, (load_before, _one_minute())
    return out


# ---------------------------------------------------------------- threads
def _library_threads():
    """The thread counts of the libraries loaded now, and how to set each: ``{name: (get, set)}``."""
    from .. import _config

    libs = {"engine": (_config.get_num_threads, _config.set_num_threads)}
    faiss = sys.modules.get("faiss")
    if faiss is not None:
        libs["faiss"] = (faiss.omp_get_max_threads, faiss.omp_set_num_threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        libs["torch"] = (torch.get_num_threads, torch.set_num_threads)
    return libs


@contextlib.contextmanager
def limit_threads(n):
    """Hold engine, FAISS, torch and every BLAS/OpenMP pool to ``n`` threads inside the block.

    Each library is set with its own call (engine's ``set_num_threads``,
    ``faiss.omp_set_num_threads``, ``torch.set_num_threads``; FAISS and torch only when already
    imported) and the BLAS/OpenMP pools with threadpoolctl. Yields the counts in effect
    (:func:`engine.bench.machine.threads`); raises ``RuntimeError`` when a library did not take
    the limit (the label "n threads" would be false). The previous counts are restored on exit.
    """
    from threadpoolctl import threadpool_info, threadpool_limits

    from .machine import threads

    n = int(n)
    libs = _library_threads()
    before = {name: get() for name, (get, _) in libs.items()}
    try:
        for _, set_ in libs.values():
            set_(n)
        with threadpool_limits(n):
            wrong = {name: get() for name, (get, _) in libs.items() if get() != n}
            wrong.update(
                {p["internal_api"]: p["num_threads"] for p in threadpool_info() if p["num_threads"] > n}
            )
            if wrong:
                raise RuntimeError(f"thread limit {n} not taken by {wrong}")
            yield threads()
    finally:
        for name, (_, set_) in libs.items():
            set_(before[name])
