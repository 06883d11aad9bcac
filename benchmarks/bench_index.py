"""FaissIndex kinds beside hnswlib and exact search: build time, memory, queries/s, recall@10.

Data:
- ``clustered``: 1,000,000 × 300 (``--quick``: 100,000 × 300) from
  ``engine.datasets.clustered_vectors``: ``N // 100`` centres uniform on the unit sphere, each
  word = its centre + N(0, I/300) noise (``noise=1``), unit-normalised (cosine ≈ 0.5 inside a
  cluster, ≈ 0 across). Real embeddings have structure; uniform noise is the worst case for
  graph indexes, so this is the benchmark's stand-in for a large vocabulary.
- ``default``: the embedded default (21,745 MiniLM whole words × 384).

Queries are vocabulary words (as ``most_similar`` uses them; the word itself is excluded from
recall). q/s at batch 1 is single queries through ``FaissIndex.search`` one at a time; batch
256 is one call of 256 queries; each the median of 3 repeats. ``exact`` is engine's exact
search kernel over ``vectors.unit`` (``engine.index.exact_search``). ``mem`` is the serialized size
(``faiss.write_index`` / hnswlib ``save_index``). hnswlib uses the same M / efConstruction /
ef as FaissIndex's HNSW defaults.

Targets: HNSW at recall@10 >= 0.95 answers single queries >= 20x faster than exact; SQ8 keeps
recall@10 >= 0.99 with 4x less memory than flat.

    python benchmarks/bench_index.py --quick
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine  # noqa: E402
from engine.index import _HNSW_DEFAULTS, FaissIndex, exact_search, recall_at_k  # noqa: E402

K = 10
KINDS = [("flat", {}), ("hnsw", {}), ("ivf", {}), ("sq8", {}), ("sq8", {"rerank": 2}), ("pq", {})]


def _median_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _qps(search, q, n_single):
    """(q/s at batch 1, q/s at batch 256) for ``search(block)``."""
    singles = [q[i : i + 1] for i in range(n_single)]
    t1 = _median_time(lambda: [search(s) for s in singles])
    t256 = _median_time(lambda: search(q[:256]))
    return n_single / t1, 256 / t256


def _serialized_bytes(save):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "x")
        save(p)
        return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)


def _bench_dataset(name, v, n_queries, n_single):
    unit = np.asarray(v.unit)
    n, d = unit.shape
    rows = np.sort(np.random.default_rng(0).choice(n, size=n_queries, replace=False))
    q = np.ascontiguousarray(unit[rows])
    results = []

    def row(method, build_s, mem, search, recall):
        qps1, qps256 = _qps(search, q, n_single)
        r = dict(
            data=name,
            n=n,
            dim=d,
            method=method,
            build_s=build_s,
            mem_mb=mem / 2**20,
            qps_1=qps1,
            qps_256=qps256,
            recall=recall,
        )
        print(
            f"  {method:<18} build {build_s:8.1f}s  mem {r['mem_mb']:8.1f} MB  "
            f"q/s {qps1:9.0f} (b=1) {qps256:9.0f} (b=256)  recall@10 {recall:.4f}",
            flush=True,
        )
        results.append(r)

    print(f"{name}: {n:,} × {d}", flush=True)
    row("exact (engine)", 0.0, unit.nbytes, lambda b: exact_search(unit, b, K + 1), 1.0)
    for kind, params in KINDS:
        t = time.perf_counter()
        index = FaissIndex.build(v, kind, **params)
        build_s = time.perf_counter() - t
        _, ids = index.search(q, K + 1)
        label = kind + "".join(f" {k}={val}" for k, val in params.items())
        row(
            label,
            build_s,
            _serialized_bytes(index.save),
            lambda b, index=index: index.search(b, K + 1),
            recall_at_k(unit, rows, ids, K),
        )
        del index
    row_hnswlib(v, unit, rows, q, row)
    return results


def row_hnswlib(v, unit, rows, q, row):
    try:
        import hnswlib
    except ImportError:
        print("  hnswlib not installed: skipped")
        return
    n, d = unit.shape
    t = time.perf_counter()
    h = hnswlib.Index(space="ip", dim=d)
    h.init_index(
        max_elements=n, M=_HNSW_DEFAULTS["M"], ef_construction=_HNSW_DEFAULTS["efConstruction"], random_seed=0
    )
    h.add_items(unit, num_threads=engine.get_num_threads())
    build_s = time.perf_counter() - t
    h.set_ef(_HNSW_DEFAULTS["efSearch"])
    h.set_num_threads(engine.get_num_threads())
    ids, _ = h.knn_query(q, k=K + 1)
    row(
        "hnswlib",
        build_s,
        _serialized_bytes(h.save_index),
        lambda b: h.knn_query(b, k=K + 1),
        recall_at_k(unit, rows, ids.astype(np.int64), K),
    )


def run(quick=False):
    """Benchmark every kind on the clustered data and the default vectors; a list of row dicts."""
    n = 100_000 if quick else 1_000_000
    out = []
    t = time.perf_counter()
    v = engine.datasets.clustered_vectors(n, 300, seed=0)
    print(f"generated clustered {n:,} × 300 in {time.perf_counter() - t:.1f}s", flush=True)
    out += _bench_dataset("clustered", v, n_queries=1000, n_single=30)
    del v
    out += _bench_dataset("default", engine.datasets.default_vectors(), n_queries=1000, n_single=100)
    return out


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="100,000 clustered vectors instead of 1,000,000")
    p.add_argument("--threads", type=int, default=0, help="threads (default: all cores)")
    args = p.parse_args(argv)
    engine.set_num_threads(args.threads)
    import faiss

    print(
        f"machine: {_cpu()}, {os.cpu_count()} cores; threads: {engine.get_num_threads()}; "
        f"faiss {faiss.__version__}; load average {os.getloadavg()[0]:.1f}"
    )
    rows = run(args.quick)
    print()
    print(
        "| data | N × D | method | build s | memory MB | q/s batch 1 | q/s batch 256 | recall@10 | × exact (b=1) |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        exact = next(e for e in rows if e["data"] == r["data"] and e["method"].startswith("exact"))
        print(
            f"| {r['data']} | {r['n']:,} × {r['dim']} | {r['method']} | {r['build_s']:.1f} | {r['mem_mb']:.1f} | "
            f"{r['qps_1']:,.0f} | {r['qps_256']:,.0f} | {r['recall']:.4f} | {r['qps_1'] / exact['qps_1']:.1f} |"
        )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return rows


if __name__ == "__main__":
    main()
