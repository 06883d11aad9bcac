"""Each kernel path on the engine side of the search, WMD and classify benchmarks, beside a build
for this one CPU (``ENGINE_CPU=native``): what a user of an older CPU gets, and proof that the
portable build costs nothing here.

    python benchmarks/bench_paths.py --quick                     # the paths of this build
    python benchmarks/bench_paths.py --quick --native ../native  # and a -march=native build

``--native DIR``: a checkout of the same commit built with
``ENGINE_CPU=native python setup.py build_ext --inplace``; its column is the reference.

The rows are engine's own calls from ``bench_search.py`` (100k × 300 random unit vectors, k = 10,
batches 1 to 4,096, all threads), ``bench_wmd.py`` (the default vectors, windows of the Lee
corpus: single pairs on 1 thread, a pairwise matrix on 1 and 2 threads, 10 nearest of a corpus)
and ``bench_classify.py`` (zero-shot scoring of short texts, all threads and 1), on the same data.

How it is timed: one worker process per build and round measures every row on every path of its
build, the paths in turn within a row (switched with ``engine._kernels.using_path``), each a
median of repeats after a warm-up; the rounds alternate which build goes first, and a cell is the
median over rounds. Cells are time per item; the ratio columns are the native build's time over
the path's (1.00 = as fast, below 1 = slower).
"""

import json
import os
import subprocess
import sys

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_paths.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import bench_classify  # noqa: E402  (siblings: the same data as their benchmarks)
import bench_search  # noqa: E402
import bench_wmd  # noqa: E402

import engine  # noqa: E402
from engine import _kernels, datasets  # noqa: E402
from engine.bench import harness  # noqa: E402

_QUICK = dict(rounds=3, repeats=5, n=100_000, batches=(1, 16, 256, 4096), pairs=60, matrix=100, corpus=1000)
SIZES = {
    "tiny": dict(rounds=1, repeats=1, n=2_000, batches=(1, 16), pairs=4, matrix=10, corpus=50, texts=500),
    "quick": dict(_QUICK, texts=50_000),
    "full": dict(_QUICK, rounds=5, pairs=200, matrix=150, corpus=2000, texts=100_000),
}
TARGET = 0.97  # the default path's speed as a share of the native build's, on every row


def _threads(n):
    return "1 thread" if n == 1 else f"{n} threads"


def _search_rows(p, threads):
    rng = np.random.default_rng(0)
    x = bench_search.unit_rows(rng, p["n"], 300)
    v = engine.Vectors([f"w{i}" for i in range(p["n"])], normalized=(x, np.ones(p["n"], np.float32)))
    for batch in p["batches"]:
        q = bench_search.unit_rows(rng, batch, 300)
        name = f"search {p['n']:,} x 300, batch {batch:,} ({_threads(threads)}), per query"
        yield name, threads, batch, lambda q=q: v.search(q, k=bench_search.K)


def _wmd_rows(p, threads):
    rng = np.random.default_rng(0)
    v = datasets.default_vectors(mmap=False)
    vocab = v.key_to_index
    background = bench_wmd._stream("lee_background.cor")
    held_out = bench_wmd._stream("lee.cor", "latin-1")
    for label, lo, hi, n in (("short", 20, 60, p["pairs"]), ("long", 100, 300, max(2, p["pairs"] // 6))):
        docs = bench_wmd._windows(background, 2 * n, lo, hi, rng, vocab)
        pairs = list(zip(docs[::2], docs[1::2]))
        name = f"WMD one pair, {label} docs ({lo}-{hi} words, 1 thread), per pair"
        yield name, 1, len(pairs), lambda pairs=pairs: [v.wmdistance(a, b) for a, b in pairs]
    wmd = engine.WMD(v)
    m = p["matrix"]
    A, B = (bench_wmd._windows(background, m, 20, 60, rng, vocab) for _ in range(2))
    for t in (1, threads):
        yield (
            f"WMD {m} x {m} pairwise, short docs ({_threads(t)}), per matrix",
            t,
            1,
            lambda: wmd.pairwise(A, B),
        )
    index = wmd.index(bench_wmd._windows(background, p["corpus"], 20, 60, rng, vocab))
    queries = bench_wmd._windows(held_out, 2, 20, 60, rng, vocab)
    name = f"WMD 10 nearest of {p['corpus']:,} short docs ({_threads(threads)}), per query"
    yield name, threads, len(queries), lambda: [index.knn([q], k=bench_wmd.K) for q in queries]


def _classify_rows(p, threads):
    v = datasets.default_vectors()
    clf = bench_classify.ZeroShotClassifier(v, bench_classify.LABELS).fit()
    texts = bench_classify.make_texts(v, p["texts"])
    for t in sorted({threads, 1}, reverse=True):
        name = f"zero-shot scoring of {len(texts):,} texts ({_threads(t)}), per text"
        yield name, t, len(texts), lambda: clf.predict_proba(texts)


def measure(size, only=""):
    """Time every row (whose name holds ``only``) on every path this build and CPU support:
    ``{row: {path: seconds per item}}``."""
    p = SIZES[size]
    threads = engine.get_num_threads()
    paths = _kernels.supported_paths()
    out = {}
    for rows in (_search_rows, _wmd_rows, _classify_rows):
        for i, (name, nt, per, fn) in enumerate(rows(p, threads)):
            if only not in name:
                continue
            order = paths[i % len(paths) :] + paths[: i % len(paths)]  # who goes first varies
            out[name] = {}
            with harness.limit_threads(nt):
                for path in order:
                    with _kernels.using_path(path):
                        t = harness.timed(fn, p["repeats"], per=per, warmup=True, settle=0.2)
                    out[name][path] = t.wall
    return out


def _worker(root, size, only):
    """One worker process on the build in checkout ``root`` (None: this engine)."""
    script = os.path.join(root, "benchmarks", "bench_paths.py") if root else os.path.abspath(__file__)
    r = subprocess.run([sys.executable, script, "--worker", size, only], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{script} --worker exited with {r.returncode}:\n{r.stderr[-4000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _medians(runs):
    """The median over rounds of each row's time on each path."""
    return {
        row: {path: float(np.median([r[row][path] for r in runs])) for path in runs[0][row]}
        for row in runs[0]
    }


def run(quick=False, *, tiny=False, native=None, only="", rounds=None, worker=None):
    """Alternate worker processes of this build and of the native one; one row per workload."""
    if worker:  # the child: print this build's timings as one JSON line
        print(json.dumps(measure(worker, only)))
        return None
    size = harness.size_name(quick, tiny)
    if native and not os.path.isfile(os.path.join(native, "benchmarks", "bench_paths.py")):
        raise SystemExit(f"--native {native}: not a checkout of engine (no benchmarks/bench_paths.py)")
    builds = [None] + ([os.path.abspath(native)] if native else [])
    bench = harness.Bench("paths", "Kernel dispatch paths beside a -march=native build", size)
    runs = {b: [] for b in builds}
    for r in range(rounds or SIZES[size]["rounds"]):
        for b in builds if r % 2 == 0 else builds[::-1]:
            runs[b].append(_worker(b, size, only))
    cells = {b: _medians(rs) for b, rs in runs.items()}
    return _report(bench, cells, native and os.path.abspath(native))


def _report(bench, cells, native):
    mine = cells[None]
    paths = list(next(iter(mine.values())))
    paths.sort(key=_kernels._dispatch.PATHS.index)
    default = _kernels.supported_paths()[0]
    ref = cells[native] if native else None
    cols = [("row", "row")]
    cols += [("native_ms", "native ms", "{:.4g}")] if ref else []
    cols += [(f"{p}_ms", f"{p} ms", "{:.4g}") for p in paths]
    cols += [(f"{p}_vs_native", f"{p} vs native", "{:.2f}") for p in paths] if ref else []
    table = bench.table(
        f"ms per item on each kernel path; {engine.get_num_threads()} threads at most",
        cols,
        intro="vs native: the native build's time over the path's (1.00 = as fast; 0.50 = half the speed).",
    )
    for row, by_path in mine.items():
        r = {"row": row, **{f"{p}_ms": by_path[p] * 1e3 for p in paths}}
        if ref:
            r["native_ms"] = ref[row]["native"] * 1e3
            r.update({f"{p}_vs_native": ref[row]["native"] / by_path[p] for p in paths})
        table.add(r)
    if ref:
        worst = min(table.rows, key=lambda r: r[f"{default}_vs_native"])
        ok = worst[f"{default}_vs_native"] >= TARGET
        table.note(
            f"target: the default path ({default}) within 3% of the native build on every row: "
            f"{harness.verdict(ok)} (worst: {worst[f'{default}_vs_native']:.3f}, {worst['row']})"
        )
    else:
        table.note("no native build given (--native DIR): the paths of this build only")
    return bench.finish()


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--worker"]:
        return run(worker=argv[1], only=argv[2])
    options = [
        ("--native", str, "a checkout built with ENGINE_CPU=native"),
        ("--only", str, "only the rows whose name holds this text"),
        ("--rounds", int, "worker processes per build (default: 3 quick, 5 full)"),
    ]
    harness.main(run, __doc__, argv, options)


if __name__ == "__main__":
    main()
