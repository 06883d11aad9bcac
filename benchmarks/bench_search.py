"""Exact batched cosine top-k: engine vs gensim's most_similar loop, FAISS IndexFlatIP and the
machine's limits (numpy's sgemm on the same shapes, a streaming read of the matrix).

    python benchmarks/bench_search.py            # N = 100k and 1M, D = 300 and 100
    python benchmarks/bench_search.py --quick    # N = 100k, D = 300, fewer repeats

Random unit vectors, k = 10, batches of 1, 16, 256 and 4096 queries (random unit vectors too),
every library on the same thread count. Rates are queries per second, the median of repeats,
each timing after a pause and a warm-up call.

A second table times the exact search through compressed copies (``precision="bfloat16"`` and
``"int8"``, engine.compressed) on every dispatch path this CPU runs, random and clustered vectors
(``engine.datasets.clustered_vectors``), batch 1 and 256, beside the float32 kernel on the same
path, numpy's sgemm, FAISS ``IndexFlatIP`` (BLAS threshold 1) and gensim; with the rows re-scored
per query (median, 99th percentile), the share of the AMX bf16 peak and the resident memory of a
process that loads the vectors memory-mapped and searches at that precision.
"""

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_search.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402

K = 10
TARGETS = {"gensim": 30.0, "faiss": 1.0, "sgemm": 0.85, "stream": 0.70}
SIZES = {
    "tiny": dict(shapes=[(2_000, 32)], batches=(1, 16), repeats=1, settle=0.0),
    "quick": dict(shapes=[(100_000, 300)], batches=(1, 16, 256, 4096), repeats=3, settle=0.5),
    "full": dict(
        shapes=[(100_000, 300), (100_000, 100), (1_000_000, 300), (1_000_000, 100)],
        batches=(1, 16, 256, 4096),
        repeats=5,
        settle=0.5,
    ),
}
COLUMNS = [
    ("N", "N", "{:,}"),
    ("D", "D"),
    ("batch", "batch"),
    ("engine_qps", "engine q/s", "{:,.0f}"),
    ("gensim_qps", "gensim q/s", "{:,.1f}"),
    ("faiss_qps", "FAISS q/s", "{:,.0f}"),
    ("faiss_blas1_qps", "FAISS (threshold 1)", "{:,.0f}"),
    ("numpy_sgemm_qps", "numpy sgemm q/s", "{:,.0f}"),
    ("vs_gensim", "× gensim", "{:.1f}x"),
    ("vs_faiss", "× best FAISS", "{:.2f}x"),
    ("of_sgemm", "of sgemm", "{:.0%}"),
    ("of_stream", "of stream read", "{:.0%}"),
]


def _timer(size):
    """Every measurement starts after a pause and a warm-up call: OpenBLAS's and OpenMP's idle
    threads spin for a while after a call, and on a 2-core machine whatever library is timed next
    would run against them (measured: a 2.9 ms single-query search took 16.8 ms right after a
    threaded numpy GEMV); first calls pay thread start-up and page faults."""
    p = SIZES[size]

    def median_time(fn):
        return harness.timed(fn, p["repeats"], warmup=True, settle=p["settle"], budget=20.0).wall

    return median_time


def unit_rows(rng, n, d):
    x = rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def stream_read_gbps(x, threads, median_time):
    """Bandwidth of reading the matrix once, split over ``threads`` (numpy sums; the GIL is released)."""
    parts = np.array_split(x.reshape(-1), threads)
    with ThreadPoolExecutor(threads) as pool:
        t = median_time(lambda: list(pool.map(np.sum, parts)))
    return x.nbytes / t / 1e9


def numpy_sgemm_qps(x, q, median_time):
    """numpy's matrix product of the queries with the whole matrix (in row chunks, to bound memory)."""
    chunk = max(1024, (1 << 26) // len(q))
    out = np.empty((len(q), chunk), dtype=np.float32)

    def product():
        for s in range(0, len(x), chunk):
            xs = x[s : s + chunk]
            np.matmul(q, xs.T, out=out[:, : len(xs)])

    return len(q) / median_time(product)


def gensim_qps(kv, q, median_time):
    n = min(len(q), 16)  # gensim answers one query at a time: its rate does not depend on the batch
    return n / median_time(lambda: [kv.most_similar(positive=[v], topn=K) for v in q[:n]])


def faiss_qps(index, q, median_time, blas_threshold=None):
    import faiss

    old = faiss.cvar.distance_compute_blas_threshold
    if blas_threshold is not None:
        faiss.cvar.distance_compute_blas_threshold = blas_threshold
    try:
        return len(q) / median_time(lambda: index.search(q, K))
    finally:
        faiss.cvar.distance_compute_blas_threshold = old


def _shape(n, d, rng):
    """The vocabulary ``n × d`` as engine Vectors, a gensim KeyedVectors and a FAISS IndexFlatIP."""
    import faiss
    from gensim.models import KeyedVectors

    x = unit_rows(rng, n, d)
    v = engine.Vectors([f"w{i}" for i in range(n)], normalized=(x, np.ones(n, np.float32)))
    kv = KeyedVectors(d, count=n)
    kv.vectors = x
    kv.index_to_key = v.index_to_key
    kv.key_to_index = v.key_to_index
    kv.fill_norms(force=True)
    index = faiss.IndexFlatIP(d)
    index.add(x)
    return x, v, kv, index


LOWP = {
    "tiny": dict(shapes=[(2_000, 32)], batches=(1, 16), paths=None),
    "quick": dict(shapes=[(100_000, 300)], batches=(1, 256), paths=None),
    "full": dict(shapes=[(100_000, 300), (1_000_000, 300)], batches=(1, 256), paths=None),
}
LOWP_TARGETS = {"big_vs_peers": 2.5, "one_vs_float32": 1.8, "vs_gensim": 40.0}
LOWP_COLUMNS = [
    ("N", "N", "{:,}"),
    ("data", "data"),
    ("batch", "batch"),
    ("path", "path"),
    ("precision", "precision"),
    ("rate", "q/s", "{:,.0f}"),
    ("vs_float32", "× float32 kernel", "{:.2f}x"),
    ("vs_sgemm", "× numpy sgemm", "{:.2f}x"),
    ("vs_faiss", "× FAISS thr 1", "{:.2f}x"),
    ("vs_gensim", "× gensim", "{:.0f}x"),
    ("rescored_median", "re-scored median", "{:,.0f}"),
    ("rescored_p99", "re-scored p99", "{:,.0f}"),
    ("amx_peak", "of AMX bf16 peak", "{:.1%}"),
]


def _amx_peak_flops(threads):
    """AMX bf16 peak: 1,024 flops a cycle a core (a 16x16x32 tile product every 16 cycles), at
    the CPU's nominal clock (its brand string, else /proc/cpuinfo)."""
    import re

    ghz = re.search(r"([\d.]+)\s*GHz", engine.cpu_info().model or "")
    if ghz:
        return 1024 * float(ghz.group(1)) * 1e9 * threads
    try:
        with open("/proc/cpuinfo") as f:
            mhz = max(float(line.split(":")[1]) for line in f if line.startswith("cpu MHz"))
        return 1024 * mhz * 1e6 * threads
    except (OSError, ValueError):
        return float("nan")


_RSS_SCRIPT = """
import sys, numpy as np, engine
v = engine.load(sys.argv[1], mmap=True)
q = np.random.default_rng(0).standard_normal((256, v.vector_size), dtype=np.float32)
for _ in range(3):
    v.search(q, k=10, precision=sys.argv[2])
with open("/proc/self/status") as f:
    print(next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024)
"""


def _resident_mb(path, precision):
    """MiB resident in a fresh process after loading ``path`` memory-mapped and searching 256
    queries three times at ``precision`` (Linux; nan elsewhere)."""
    if not sys.platform.startswith("linux"):
        return float("nan")
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, path, precision],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    )
    return float(out.stdout.split()[-1])


def _lowp_table(bench, size, rng, median_time, threads):
    """Exact search through the compressed copies, per dispatch path and precision."""
    from engine._kernels import compressed as lowp
    from engine._kernels import supported_paths, using_path

    table = bench.table(
        f"exact search through compressed copies, k = {K}, {threads} threads",
        LOWP_COLUMNS,
        intro="Every precision returns the float32 kernel's exact answer (engine.compressed). "
        "× = this row's rate over the peer's on the same queries; float32 kernel = engine's own, "
        "on the same dispatch path; re-scored = rows re-ranked in float32 per query.",
    )
    peak = _amx_peak_flops(threads)
    for n, d in LOWP[size]["shapes"]:
        for data in ("random", "clustered"):
            x, v, kv, index = _shape(n, d, rng)
            if data == "clustered":
                x = np.ascontiguousarray(engine.datasets.clustered_vectors(n, d, seed=1).unit)
                v = engine.Vectors(v.index_to_key, normalized=(x, np.ones(n, np.float32)))
                kv.vectors = x
                kv.fill_norms(force=True)
                index.reset()
                index.add(x)
            v.compress()
            g_qps = gensim_qps(kv, unit_rows(rng, 16, d), median_time)
            for batch in LOWP[size]["batches"]:
                q = unit_rows(rng, batch, d) if data == "random" else x[rng.integers(0, n, batch)] * 1
                peers = dict(
                    sgemm=numpy_sgemm_qps(x, q, median_time),
                    faiss=faiss_qps(index, q, median_time, blas_threshold=1),
                )
                for path in LOWP[size]["paths"] or supported_paths():
                    with using_path(path):
                        f32 = batch / median_time(lambda v=v, q=q: v.search(q, k=K, precision="float32"))
                        for precision in ("bfloat16", "int8"):
                            copy = v._copies()[precision]
                            qps = batch / median_time(
                                lambda v=v, q=q, p=precision: v.search(q, k=K, precision=p)
                            )
                            rescored = lowp.topk_lowp(copy, x, q, K)[2]
                            plotted = data == "random" and path == supported_paths()[0]
                            flops = 2.0 * batch * n * copy.data.shape[1] * qps / batch
                            table.add(
                                N=n,
                                D=d,
                                data=data,
                                batch=batch,
                                path=path,
                                precision=precision,
                                rate=qps,
                                threads=threads,
                                float32_rate=f32,
                                sgemm_rate=peers["sgemm"],
                                faiss_rate=peers["faiss"],
                                gensim_rate=g_qps,
                                # the search plot's curves (any *_qps column): the default path
                                **({f"engine_{precision}_qps": qps} if plotted else {}),
                                vs_float32=qps / f32,
                                vs_sgemm=qps / peers["sgemm"],
                                vs_faiss=qps / peers["faiss"],
                                vs_gensim=qps / g_qps,
                                rescored_median=float(np.median(rescored)),
                                rescored_p99=float(np.percentile(rescored, 99)),
                                amx_peak=flops / peak
                                if precision == "bfloat16" and path == "spr"
                                else float("nan"),
                            )
            del kv, index
        _memory_rows(bench, v, n, d)
    for text in lowp_targets(table.rows):
        table.note(text)


def _memory_rows(bench, v, n, d):
    """Resident memory of a search per precision, the float32 matrix memory-mapped."""
    table = bench.table(
        f"resident memory of a search process, {n:,} x {d}, vectors memory-mapped",
        [
            ("precision", "precision"),
            ("rss_mb", "resident MiB", "{:,.0f}"),
            ("of_float32", "of float32", "{:.0%}"),
        ],
        intro="A fresh process loads the saved vectors (and their copies) with mmap=True and "
        "searches 256 random query vectors three times; its VmRSS afterwards. Each process loads "
        "what its search needs: float32's batched kernel loads scipy's BLAS (sgemm, ~24 MB), the "
        "compressed scans do not.",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v.engine")
        v.save(path, compressed=True)
        base = None
        for precision in ("float32", "bfloat16", "int8"):
            mb = _resident_mb(path, precision)
            base = base or mb
            table.add(precision=precision, rss_mb=mb, of_float32=mb / base)


def lowp_targets(rows):
    """The issue's targets for the compressed search, each ``met`` or ``MISSED``."""
    best = {}
    for r in rows:  # the fastest path and precision per (N, data, batch): what "auto" can reach
        key = (r["N"], r["data"], r["batch"])
        if key not in best or r["rate"] > best[key]["rate"]:
            best[key] = r
    big = [r for r in best.values() if r["batch"] >= 256]
    one = [r for r in best.values() if r["batch"] == 1]
    t = LOWP_TARGETS
    checks = [
        ("≥ 2.5x numpy sgemm at batch ≥ 256", big, lambda r: r["vs_sgemm"] >= t["big_vs_peers"]),
        ("≥ 2.5x FAISS (threshold 1) at batch ≥ 256", big, lambda r: r["vs_faiss"] >= t["big_vs_peers"]),
        ("≥ 1.8x the float32 kernel at batch 1", one, lambda r: r["vs_float32"] >= t["one_vs_float32"]),
        ("≥ 40x gensim at batch ≥ 256", big, lambda r: r["vs_gensim"] >= t["vs_gensim"]),
    ]
    return [
        f"target {name}: {harness.verdict(all(map(ok, sel)) if sel else None)}" for name, sel, ok in checks
    ]


def run(quick=False, *, tiny=False, threads=None):
    """Measure every configuration; one row per (N, D, batch)."""
    import faiss  # noqa: F401  (imported first: limit_threads sets its OpenMP pool too)

    size = harness.size_name(quick, tiny)
    threads = threads or engine.get_num_threads()
    median_time = _timer(size)
    rng = np.random.default_rng(0)
    # engine, FAISS's OpenMP pool and numpy's BLAS (numpy sgemm, gensim) on the same threads
    with harness.limit_threads(threads):
        bench = harness.Bench("search", "Exact top-k cosine search", size)
        table = bench.table(
            f"queries per second, k = {K}, every library on {threads} threads",
            COLUMNS,
            intro="Random unit vectors. × = engine's rate over the peer's; of sgemm / of stream read: "
            "engine's rate as a share of numpy's matrix product on the same shapes / of reading the "
            "matrix once at the machine's streaming bandwidth.",
        )
        for n, d in SIZES[size]["shapes"]:
            x, v, kv, index = _shape(n, d, rng)
            stream = stream_read_gbps(x, threads, median_time)
            g_qps = gensim_qps(kv, unit_rows(rng, 16, d), median_time)
            for batch in SIZES[size]["batches"]:
                q = unit_rows(rng, batch, d)
                e_qps = batch / median_time(lambda v=v, q=q: v.search(q, k=K))
                row = dict(
                    N=n,
                    D=d,
                    batch=batch,
                    threads=threads,
                    engine_qps=e_qps,
                    gensim_qps=g_qps,
                    faiss_qps=faiss_qps(index, q, median_time),
                    faiss_blas1_qps=faiss_qps(index, q, median_time, blas_threshold=1),
                    numpy_sgemm_qps=numpy_sgemm_qps(x, q, median_time) if batch > 1 else float("nan"),
                    stream_gbps=stream,
                    engine_gbps=e_qps * x.nbytes / 1e9,
                )
                row["vs_gensim"] = e_qps / g_qps
                row["vs_faiss"] = e_qps / max(row["faiss_qps"], row["faiss_blas1_qps"])
                row["of_sgemm"] = e_qps / row["numpy_sgemm_qps"]
                row["of_stream"] = row["engine_gbps"] / stream if batch == 1 else float("nan")
                table.add(row)
            del kv, index, v, x
        for text in targets(table.rows):
            table.note(text)
        _overhead_table(bench, rng, SIZES[size]["repeats"])
        _lowp_table(bench, size, rng, median_time, threads)
        return bench.finish()


OVERHEAD_COLUMNS = [
    ("call", "call"),
    ("engine_us", "engine µs/call", "{:,.1f}"),
    ("peer", "peer"),
    ("peer_us", "peer µs/call", "{:,.1f}"),
    ("ratio", "peer / engine", "{:.2f}x"),
]


def _per_call_us(fn, repeats, calls=300):
    """Median µs of one call of ``fn`` (after a warm-up), each repeat timing ``calls`` calls."""
    return harness.timed(lambda: [fn() for _ in range(calls)], repeats, warmup=True, per=calls).wall * 1e6


def _overhead_table(bench, rng, repeats, n=1_000, d=64):
    """One query at a tiny vocabulary, where the search itself is negligible: what is left is
    each library's per-call overhead (argument handling, checks, copies, result lists)."""
    x, v, kv, _ = _shape(n, d, rng)
    word, q = "w7", x[7:8].copy()
    table = bench.table(
        f"per-call overhead: one query, k = {K}, a {n:,} x {d} vocabulary, 1 thread",
        OVERHEAD_COLUMNS,
        intro="µs per call, medians; peers called with what they take natively (gensim a word, "
        "FAISS a float32 (1, D) array); the difference to bare FAISS is engine's per-call overhead.",
    )
    with harness.limit_threads(1):  # engine, FAISS's pool, BLAS
        # FAISS's peer is the very index engine built (same graph, same efSearch), called bare
        e_flat, e_hnsw = engine.FaissIndex.build(v, "flat"), engine.FaissIndex.build(v, "hnsw")
        rows = [
            (
                "Vectors.most_similar(word)",
                lambda: v.most_similar(word, topn=K),
                "gensim most_similar(word)",
                lambda: kv.most_similar(word, topn=K),
            ),
            (
                "FaissIndex flat .search(word)",
                lambda: e_flat.search(word, k=K),
                "its faiss index .search(array)",
                lambda: e_flat.index.search(q, K),
            ),
            (
                "FaissIndex hnsw .search(word)",
                lambda: e_hnsw.search(word, k=K),
                "its faiss index .search(array)",
                lambda: e_hnsw.index.search(q, K),
            ),
            (
                "FaissIndex hnsw .most_similar(word)",
                lambda: e_hnsw.most_similar(word, topn=K),
                "its faiss index .search(array), k + 1",
                lambda: e_hnsw.index.search(q, K + 1),
            ),
        ]
        for call, fn, peer, peer_fn in rows:
            e_us, p_us = _per_call_us(fn, repeats), _per_call_us(peer_fn, repeats)
            table.add(call=call, engine_us=e_us, peer=peer, peer_us=p_us, ratio=p_us / e_us)


def targets(rows):
    """The targets, each ``met`` or ``MISSED`` on these rows."""
    big = [r for r in rows if r["batch"] >= 256]
    one = [r for r in rows if r["batch"] == 1]
    checks = [
        ("≥ 30x gensim at batch ≥ 256", big, lambda r: r["vs_gensim"] >= TARGETS["gensim"]),
        ("never slower than FAISS (either setting)", rows, lambda r: r["vs_faiss"] >= TARGETS["faiss"]),
        ("≥ 85% of numpy sgemm at batch ≥ 256", big, lambda r: r["of_sgemm"] >= TARGETS["sgemm"]),
        ("≥ 70% of streaming-read bandwidth at batch 1", one, lambda r: r["of_stream"] >= TARGETS["stream"]),
    ]
    return [
        f"target {name}: {harness.verdict(all(map(ok, sel)) if sel else None)}" for name, sel, ok in checks
    ]


def main(argv=None):
    harness.main(run, __doc__, argv, [("--threads", int, "threads for every library (default: all cores)")])


if __name__ == "__main__":
    main()
