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

    python benchmarks/bench_index.py [--quick] [--threads N]
"""

import os
import tempfile
import time

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_index.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.index import _HNSW_DEFAULTS, FaissIndex, exact_search, recall_at_k  # noqa: E402

K = 10
KINDS = [("flat", {}), ("hnsw", {}), ("ivf", {}), ("sq8", {}), ("sq8", {"rerank": 2}), ("pq", {})]
# (data, N, D): "clustered" is generated, "default" is the embedded default vectors (N, D unused)
SIZES = {
    "tiny": dict(data=[("clustered", 3_000, 32)], n_queries=100, n_single=(10, 10), repeats=1),
    "quick": dict(
        data=[("clustered", 100_000, 300), ("default", None, None)],
        n_queries=1000,
        n_single=(200, 200),
        repeats=3,
    ),
    "full": dict(
        data=[("clustered", 1_000_000, 300), ("default", None, None)],
        n_queries=1000,
        n_single=(200, 200),
        repeats=3,
    ),
}
COLUMNS = [
    ("data", "data"),
    ("n", "N × D", "{:,} × {dim}"),
    ("method", "method"),
    ("build_s", "build s", "{:.1f}"),
    ("mem_mb", "memory MB", "{:.1f}"),
    ("qps_1", "q/s batch 1", "{:,.0f}"),
    ("qps_256", "q/s batch 256", "{:,.0f}"),
    ("recall", "recall@10", "{:.4f}"),
    ("vs_exact", "× exact (b=1)", "{:.1f}"),
]
BATCH = 256


def _serialized_bytes(save):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "x")
        save(p)
        return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)


def _bench_dataset(table, name, v, n_queries, n_single, repeats):
    unit = np.asarray(v.unit)
    n, d = unit.shape
    rows = np.sort(np.random.default_rng(0).choice(n, size=min(n_queries, n), replace=False))
    q = np.ascontiguousarray(unit[rows])
    exact = {}

    def row(method, build_s, mem, search, recall):
        """q/s at batch 1 (``n_single`` queries one at a time) and at batch 256; adds the row."""
        singles = [q[i : i + 1] for i in range(n_single)]
        block = q[:BATCH]
        # a pause (the previous library's idle threads stop spinning) and a warm-up call first
        settle = 0.5 if repeats > 1 else 0.0
        qps_1 = (
            1 / harness.timed(lambda: [search(s) for s in singles], repeats, per=n_single, settle=settle).wall
        )
        qps_b = 1 / harness.timed(lambda: search(block), repeats, per=len(block), settle=settle).wall
        exact.setdefault("qps_1", qps_1)  # the first row is engine's exact search
        table.add(
            data=name,
            n=n,
            dim=d,
            method=method,
            build_s=build_s,
            mem_mb=mem / 2**20,
            qps_1=qps_1,
            qps_256=qps_b,
            recall=recall,
            vs_exact=qps_1 / exact["qps_1"],
        )

    row("exact (engine)", 0.0, unit.nbytes, lambda b: exact_search(unit, b, K + 1), 1.0)
    for kind, params in KINDS:
        index, build = harness.once(lambda kind=kind, params=params: FaissIndex.build(v, kind, **params))
        build_s = build.wall
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
    row_hnswlib(table, v, unit, rows, q, row)
    for text in targets([r for r in table.rows if r["data"] == name]):
        table.note(f"{name}: {text}")


def targets(rows):
    """The README's targets on one data set's rows, each met or MISSED."""
    by = {r["method"]: r for r in rows}
    out = []
    if "hnsw" in by:
        h = by["hnsw"]
        ok = h["recall"] >= 0.95 and h["vs_exact"] >= 20
        out.append(
            f"target HNSW recall@{K} ≥ 0.95 and single queries ≥ 20× exact: {harness.verdict(ok)} "
            f"(recall {h['recall']:.4f}, {h['vs_exact']:.1f}×)"
        )
    if "sq8" in by and "flat" in by:
        q, f = by["sq8"], by["flat"]
        ok = q["recall"] >= 0.99 and f["mem_mb"] >= 4 * q["mem_mb"] * 0.99
        out.append(
            f"target SQ8 recall@{K} ≥ 0.99 with 4× less memory than flat: {harness.verdict(ok)} "
            f"(recall {q['recall']:.4f}, {f['mem_mb'] / q['mem_mb']:.1f}× less)"
        )
    return out


def row_hnswlib(table, v, unit, rows, q, row):
    try:
        import hnswlib
    except ImportError:
        table.note("hnswlib not installed: its rows are left out")
        return
    n, d = unit.shape

    def build():
        h = hnswlib.Index(space="ip", dim=d)
        h.init_index(
            max_elements=n,
            M=_HNSW_DEFAULTS["M"],
            ef_construction=_HNSW_DEFAULTS["efConstruction"],
            random_seed=0,
        )
        h.add_items(unit, num_threads=engine.get_num_threads())
        return h

    h, build = harness.once(build)
    build_s = build.wall
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


def run(quick=False, *, tiny=False, threads=None):
    """Benchmark every kind on the clustered data and the default vectors; one row per method."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    with harness.limit_threads(threads or engine.get_num_threads()):  # engine, FAISS, BLAS
        return _run(size, p)


def _run(size, p):
    bench = harness.Bench("index", "FAISS indexes beside hnswlib and exact search", size)
    table = bench.table(
        f"build, memory, queries per second and recall@{K}",
        COLUMNS,
        intro=f"Queries are {p['n_queries']} vocabulary words (the word itself excluded from recall); "
        "batch 1 is single queries one call at a time, batch 256 one call; medians of "
        f"{p['repeats']} after a pause and a warm-up call. memory = the serialized index. × exact = q/s at batch 1 over engine's exact search.",
    )
    for (name, n, d), n_single in zip(p["data"], p["n_single"]):
        t = time.perf_counter()
        if name == "clustered":
            v = engine.datasets.clustered_vectors(n, d, seed=0)
            bench.say(f"generated clustered {n:,} × {d} in {time.perf_counter() - t:.1f}s")
        else:
            v = engine.datasets.default_vectors()
        _bench_dataset(table, name, v, p["n_queries"], n_single, p["repeats"])
        del v
    return bench.finish()


def main(argv=None):
    harness.main(run, __doc__, argv, [("--threads", int, "threads (default: all cores)")])


if __name__ == "__main__":
    main()
