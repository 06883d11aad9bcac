"""Loading a word2vec binary: engine vs gensim; opening engine's own format with mmap=True.

    python benchmarks/bench_load.py            # 1,000,000 × 300 (a 1.2 GB file, cached)
    python benchmarks/bench_load.py --quick    # 100,000 × 300
    python benchmarks/bench_load.py --only-curve 1   # the opening curve alone, 10k to 10M words

The opening curve: stores of 10k, 100k, 1M and 10M words (random rows of --curve-dim
dimensions, small to spare the disk) written into a temporary directory that is deleted after,
each opened with ``mmap=True`` in a fresh process (time to open, then to look one word up), in
the current format (an on-disk word → row index) and in version 1's (the vocabulary read whole
at open). The target: ≤ 50 ms at 10M words, the same from 10k to 10M.

Each load runs in a fresh Python process (so peak memory is that load's alone): the wall time
of the load call, its CPU time (user + sys), and the child's peak resident memory (its VmHWM;
it includes the interpreter and its imports, shown as "before load"). Median of --repeats runs.
word2vec text is loaded at a tenth of the size (gensim parses text value by value in Python).
The random files are written once and cached in --cache (default: $ENGINE_BENCH_CACHE or
<tmp>/engine-bench).
"""

import json
import os
import shutil
import statistics
import tempfile

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_load.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402

SIZES = {
    "tiny": dict(n=2_000, dim=20, repeats=1),
    "quick": dict(n=100_000, dim=300, repeats=3),
    "full": dict(n=1_000_000, dim=300, repeats=3),
}
COLUMNS = [
    ("load", "load"),
    ("seconds", "wall s", "{:.3f}"),
    ("cpu", "CPU s (user + sys)", "{:.2f} ({user:.2f} + {sys:.2f})"),
    ("peak_mb", "peak memory MB", "{:,.0f}"),
    ("idle_mb", "before load MB", "{:,.0f}"),
]

CHILD = (
    harness.STATUS_MB_SOURCE
    + r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
if kind == "gensim":
    from gensim.models import KeyedVectors
    load = lambda: KeyedVectors.load_word2vec_format(path, binary=True)
elif kind == "gensim-text":
    from gensim.models import KeyedVectors
    load = lambda: KeyedVectors.load_word2vec_format(path, binary=False)
elif kind == "engine":
    import engine
    load = lambda: engine.load(path)
elif kind == "engine-mmap":
    import engine
    load = lambda: engine.load(path, mmap=True)
idle = status_mb()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime
u0, s0 = cpu()
t = time.perf_counter()
obj = load()
dt = time.perf_counter() - t
u1, s1 = cpu()
n = len(obj)
print(json.dumps({"seconds": dt, "user": u1 - u0, "sys": s1 - s0, "peak_mb": status_mb(),
                  "idle_mb": idle, "n": n}))
"""
)


CURVE_SIZES = {
    "tiny": (1_000, 10_000),
    "quick": (10_000, 100_000, 1_000_000),
    "full": (10_000, 100_000, 1_000_000, 10_000_000),
}
CURVE_COLUMNS = [
    ("words", "words", "{:,}"),
    ("format", "format"),
    ("open_ms", "open ms", "{:.1f}"),
    ("lookup_us", "first lookup µs", "{:,.0f}"),
    ("lookups_us", "next lookups µs each", "{:.2f}"),
    ("peak_mb", "peak memory MB", "{:,.0f}"),
]
OPEN = (
    harness.STATUS_MB_SOURCE
    + r"""
import json, sys, time
import engine
path, word = sys.argv[1], sys.argv[2]
t = time.perf_counter()
v = engine.load(path, mmap=True)
t1 = time.perf_counter()
row = v.key_to_index[word]
t2 = time.perf_counter()
k2i, probe = v.key_to_index, [f"w{i}" for i in range(0, len(v), max(1, len(v) // 1000))]
t3 = time.perf_counter()
assert all(k2i[w] == int(w[1:]) for w in probe)
t4 = time.perf_counter()
print(json.dumps({"open": t1 - t, "lookup": t2 - t1, "lookups": (t4 - t3) / len(probe), "row": row,
                  "n": len(v), "peak_mb": status_mb()}))
"""
)


def write_curve_store(path, n, dim, seed=0, chunk=1 << 20):
    """An engine store of ``n`` words ``w0 .. w{n-1}`` with random rows of ``dim`` dimensions."""
    rng = np.random.default_rng(seed)
    rows = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        rows[start : start + chunk] = rng.standard_normal((min(chunk, n - start), dim), dtype=np.float32)
    engine.Vectors([f"w{i}" for i in range(n)], rows).save(path)


def as_version1(path, dest):
    """A copy of the store ``path`` as version 1 wrote it: no index files, no ``vocab_index``."""
    from engine import _vocab

    shutil.copytree(path, dest)
    for name in _vocab.FILES:
        os.remove(os.path.join(dest, name))
    with open(os.path.join(dest, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    del meta["vocab_index"]
    meta["version"] = 1
    with open(os.path.join(dest, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f)


def open_curve(bench, size, repeats, dim, workdir=None):
    """The opening curve: one row per size and format (medians of fresh processes)."""
    sizes = CURVE_SIZES[size]
    table = bench.table(
        "opening engine's format with mmap=True, 10k to 10M words",
        CURVE_COLUMNS,
        intro=f"Random rows of {dim} dimensions; each open in a fresh process (engine imported "
        f"first, not timed), median of {repeats}, files in the page cache. First lookup: "
        "`v.key_to_index[word]` right after the open; next lookups: 1,000 words spread over "
        "the vocabulary.",
    )
    opens = {}
    if workdir is not None:
        os.makedirs(workdir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-open-", dir=workdir) as tmp:
        for n in sizes:
            d2 = os.path.join(tmp, f"v2-{n}")
            write_curve_store(d2, n, dim)
            d1 = os.path.join(tmp, f"v1-{n}")
            as_version1(d2, d1)
            for fmt, d in (("version 2 (index)", d2), ("version 1 (vocab.txt)", d1)):
                runs = [harness.run_python(OPEN, d, f"w{n // 2}") for _ in range(repeats)]
                if any(r["n"] != n or r["row"] != n // 2 for r in runs):
                    raise RuntimeError(f"{d}: wrong size or row")
                med = {
                    k: statistics.median(r[k] for r in runs) for k in ("open", "lookup", "lookups", "peak_mb")
                }
                table.add(
                    words=n,
                    format=fmt,
                    open_ms=med["open"] * 1e3,
                    lookup_us=med["lookup"] * 1e6,
                    lookups_us=med["lookups"] * 1e6,
                    peak_mb=med["peak_mb"],
                )
                opens[fmt, n] = med["open"]
            shutil.rmtree(d1)
            shutil.rmtree(d2)  # a 10M store is ~0.5 GB: one size on disk at a time
    v2 = [opens["version 2 (index)", n] for n in sizes]
    top = sizes[-1]
    table.note(
        f"version 2 open, {sizes[0]:,} → {top:,} words: {v2[0] * 1e3:.1f} → {v2[-1] * 1e3:.1f} ms "
        f"({v2[-1] / v2[0]:.2f}×; version 1 {opens['version 1 (vocab.txt)', top] * 1e3:,.0f} ms at {top:,}); "
        f"target ≤ 50 ms at 10M words and constant: "
        f"{harness.verdict(top >= 10_000_000 and v2[-1] <= 0.05 and v2[-1] <= 1.5 * v2[0]) if top >= 10_000_000 else harness.verdict(None)}"
    )
    return table


def write_random_binary(path, n, dim, seed=0, chunk=50_000):
    """A word2vec binary of ``n`` random words × ``dim``, written in chunks (no big array in memory)."""
    rng = np.random.default_rng(seed)
    width = len(f"w{n - 1}")
    rec = np.dtype([("word", f"S{width}"), ("sp", "S1"), ("vec", "<f4", (dim,)), ("nl", "S1")])
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(f"{n} {dim}\n".encode())
        for start in range(0, n, chunk):
            k = min(chunk, n - start)
            block = np.empty(k, dtype=rec)
            block["word"] = [f"w{i:0{width - 1}d}".encode() for i in range(start, start + k)]
            block["sp"] = b" "
            block["vec"] = rng.standard_normal((k, dim), dtype=np.float32)
            block["nl"] = b"\n"
            f.write(block.tobytes())
    os.replace(tmp, path)


def measure(kind, path, repeats):
    """Medians over ``repeats`` fresh processes, each loading ``path`` once."""
    keys = ("seconds", "user", "sys", "peak_mb", "idle_mb")
    out = harness.fresh_runs(lambda: harness.run_python(CHILD, kind, path), repeats, keys)
    out["cpu"] = out["user"] + out["sys"]
    return out


def files(cache, n, dim):
    """The cached inputs: word2vec binaries of n and n/10 words, word2vec text of n/10 words,
    and engine directories of both sizes (written once)."""
    small = n // 10
    out = {}
    for size, seed in ((n, 0), (small, 1)):
        path = os.path.join(cache, f"random-{size}x{dim}.bin")
        if not os.path.exists(path):
            print(f"writing {path} (once) ...", flush=True)
            write_random_binary(path, size, dim, seed=seed)
        out["bin", size] = path
        d = os.path.join(cache, f"random-{size}x{dim}.engine")
        if not os.path.exists(os.path.join(d, "meta.json")):
            engine.load(path).save(d)
        out["engine", size] = d
    text = os.path.join(cache, f"random-{small}x{dim}.txt")
    if not os.path.exists(text):
        from engine.io import write_word2vec

        write_word2vec(engine.load(out["bin", small]), text, format="text")
    out["text", small] = text
    return out


def run(quick=False, *, tiny=False, repeats=None, cache=None, only_curve=False, curve_dim=8, workdir=None):
    """Measure every load; one row per load (medians of fresh processes)."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    n, dim, small = p["n"], p["dim"], p["n"] // 10
    repeats = repeats or p["repeats"]
    bench = harness.Bench("load", "Loading vectors", size)
    if only_curve:
        open_curve(bench, size, repeats, curve_dim, workdir)
        return bench.finish()
    f = files(harness.cache_dir(cache), n, dim)
    mb = os.path.getsize(f["bin", n]) / 2**20
    table = bench.table(
        "load time and peak memory",
        COLUMNS,
        intro=f"Each load in a fresh process, median of {repeats}; peak memory is the process's "
        f"high-water mark including Python and its imports (before load). The matrix alone is "
        f"{n * dim * 4 / 2**20:,.0f} MB.",
    )
    cases = [
        ("engine", "bin", n, f"`engine.load`, {n:,} × {dim} word2vec binary ({mb:,.0f} MB)"),
        ("gensim", "bin", n, "gensim `load_word2vec_format(binary=True)`, same file"),
        ("engine", "text", small, f"`engine.load`, {small:,} × {dim} word2vec text"),
        ("gensim-text", "text", small, "gensim `load_word2vec_format(binary=False)`, same file"),
        ("engine-mmap", "engine", small, f"`engine.load(dir, mmap=True)`, {small:,} words × {dim}"),
        ("engine-mmap", "engine", n, f"`engine.load(dir, mmap=True)`, {n:,} words × {dim}"),
    ]
    r = {}
    for kind, fmt, count, label in cases:
        m = measure(kind, f[fmt, count], repeats)
        if m["n"] != count:
            raise RuntimeError(f"{label}: loaded {m['n']} words, not {count}")
        r[kind, fmt, count] = table.add(load=label, **m)
    eng, gen = r["engine", "bin", n], r["gensim", "bin", n]
    eng_t, gen_t = r["engine", "text", small], r["gensim-text", "text", small]
    mm = r["engine-mmap", "engine", small], r["engine-mmap", "engine", n]
    table.note(
        f"binary: engine {gen['seconds'] / eng['seconds']:.1f}× faster than gensim "
        f"({gen['cpu'] / eng['cpu']:.1f}× in CPU time), target ≥ 1: {harness.verdict(eng['seconds'] <= gen['seconds'])}; "
        f"peak memory engine / gensim {eng['peak_mb'] / gen['peak_mb']:.2f}, target ≤ 1: "
        f"{harness.verdict(eng['peak_mb'] <= gen['peak_mb'])}"
    )
    table.note(
        f"text, {small:,} words: engine {gen_t['seconds'] / eng_t['seconds']:.1f}× faster, "
        f"peak memory engine / gensim {eng_t['peak_mb'] / gen_t['peak_mb']:.2f}"
    )
    table.note(
        f"mmap open, {small:,} / {n:,} words: {mm[0]['seconds']:.3f} s / {mm[1]['seconds']:.3f} s, "
        f"target < 1 s: {harness.verdict(mm[1]['seconds'] < 1)}"
    )
    open_curve(bench, size, repeats, curve_dim, workdir)
    return bench.finish()


def main(argv=None):
    options = [
        ("--repeats", int, "fresh processes per load (default 3)"),
        ("--cache", str, "where the generated files are kept"),
        ("--only-curve", int, "1: measure the opening curve only"),
        ("--curve-dim", int, "dimensions of the opening curve's stores (default 8)"),
        ("--workdir", str, "where the curve's stores are written (and deleted after; default <tmp>)"),
    ]
    harness.main(run, __doc__, argv, options)


if __name__ == "__main__":
    main()
