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

``hnsw`` is FaissIndex's search (engine's walk of FAISS's graph, the default:
engine/index/hnsw_graph.py; its memory adds the walk's packed copy of level 0 and the rows);
``hnsw, FAISS's own search`` the same graph, same efSearch, searched by FAISS (``walk=False``).
``hnsw at hnswlib's recall`` repeats the ``hnsw`` row at the smallest efSearch of a ladder whose
recall@10 reaches hnswlib's (equal recall), for the single-query comparison.

Targets: HNSW at recall@10 >= 0.95 answers single queries >= 20x faster than exact; SQ8 keeps
recall@10 >= 0.99 with 4x less memory than flat; HNSW single queries >= hnswlib's q/s at equal
recall.

    python benchmarks/bench_index.py [--quick] [--threads N]
"""

import os
import tempfile
import time

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_index.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import _index_sweep  # noqa: E402  (the HNSW efConstruction × efSearch sweep, beside this script)

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
FAISS_OWN = "hnsw, FAISS's own search"
EF_LADDER = (16, 24, 32, 40, 48, 56, 64, 80, 96, 128, 160, 192, 256)


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
    hnsw = None
    for kind, params in KINDS:
        index, build = harness.once(lambda kind=kind, params=params: FaissIndex.build(v, kind, **params))
        build_s = build.wall
        _, ids = index.search(q, K + 1)
        if kind == "hnsw":  # the parameters the graph was built and searched with, defaults included
            params = {k: index.params.get(k, _HNSW_DEFAULTS[k]) for k in ("M", "efConstruction", "efSearch")}
        label = kind + "".join(f" {k}={val}" for k, val in params.items())
        mem = _serialized_bytes(index.save)
        if kind == "hnsw":  # engine's walk (the default) holds a packed copy of level 0 and the rows
            mem += index._graph().nbytes
        search = lambda b, index=index: index.search(b, K + 1)  # noqa: E731
        row(label, build_s, mem, search, recall_at_k(unit, rows, ids, K))
        if kind == "hnsw":
            hnsw = index
            index.walk = False  # the same graph, same efSearch, searched by FAISS
            try:
                _, ids = index.search(q, K + 1)
                row(
                    FAISS_OWN, build_s, _serialized_bytes(index.save), search, recall_at_k(unit, rows, ids, K)
                )
            finally:
                index.walk = True
        del index
    target = row_hnswlib(table, v, unit, rows, q, row)
    if target is not None and hnsw is not None:
        matched_ef(table, hnsw, unit, rows, q, target, row)
    for text in targets([r for r in table.rows if r["data"] == name]):
        table.note(f"{name}: {text}")


def targets(rows):
    """The README's targets on one data set's rows, each met or MISSED."""
    by = {}
    for r in rows:  # "hnsw M=32 ..." as "hnsw"; the first "sq8" is the one without rerank
        by.setdefault(r["method"].split()[0], r)
    out = []
    if "hnsw" in by:
        h = by["hnsw"]
        ok = h["recall"] >= 0.95 and h["vs_exact"] >= 20
        out.append(
            f"target HNSW recall@{K} ≥ 0.95 and single queries ≥ 20× exact: {harness.verdict(ok)} "
            f"(recall {h['recall']:.4f}, {h['vs_exact']:.1f}×)"
        )
    # (by the full label: its first word, "hnsw", is the default row's key in ``by``)
    matched = next((r for r in rows if r["method"].startswith("hnsw at hnswlib's recall")), None)
    own = next((r["qps_1"] for r in rows if r["method"] == FAISS_OWN), float("nan"))
    if matched is not None and "hnswlib" in by:
        h = by["hnswlib"]
        ok = matched["qps_1"] >= h["qps_1"] and matched["recall"] >= h["recall"]
        out.append(
            f"target HNSW single queries ≥ hnswlib's at equal recall: {harness.verdict(ok)} "
            f"({matched['method']}: {matched['qps_1']:,.0f} q/s at recall {matched['recall']:.4f}; "
            f"hnswlib {h['qps_1']:,.0f} q/s at {h['recall']:.4f}; "
            f"FAISS's own search of the graph {own:,.0f} q/s at the default efSearch)"
        )
    if "sq8" in by and "flat" in by:
        q, f = by["sq8"], by["flat"]
        ok = q["recall"] >= 0.99 and f["mem_mb"] >= 4 * q["mem_mb"] * 0.99
        out.append(
            f"target SQ8 recall@{K} ≥ 0.99 with 4× less memory than flat: {harness.verdict(ok)} "
            f"(recall {q['recall']:.4f}, {f['mem_mb'] / q['mem_mb']:.1f}× less)"
        )
    return out


def matched_ef(table, index, unit, rows, q, target, row):
    """The ``hnsw`` row again at the smallest efSearch of ``EF_LADDER`` reaching recall ``target``."""
    default = index.efSearch
    try:
        for ef in EF_LADDER:
            index.efSearch = ef
            recall = recall_at_k(unit, rows, index.search(q, K + 1)[1], K)
            if recall >= target:
                break
        row(f"hnsw at hnswlib's recall (efSearch={ef})", 0.0, 0, lambda b: index.search(b, K + 1), recall)
    finally:
        index.efSearch = default


def row_hnswlib(table, v, unit, rows, q, row):
    """hnswlib's row; returns its recall (None when hnswlib is not installed)."""
    try:
        import hnswlib
    except ImportError:
        table.note("hnswlib not installed: its rows are left out")
        return None
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
    recall = recall_at_k(unit, rows, ids.astype(np.int64), K)
    row(
        "hnswlib M={M} efConstruction={efConstruction} ef={efSearch}".format(**_HNSW_DEFAULTS),
        build_s,
        _serialized_bytes(h.save_index),
        lambda b: h.knn_query(b, k=K + 1),
        recall,
    )
    return recall


def run(quick=False, *, tiny=False, threads=None, sweep=False):
    """Benchmark every kind on the clustered data and the default vectors, then the HNSW sweep;
    one row per method and per sweep cell (``sweep``: the sweep alone)."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    with harness.limit_threads(threads or engine.get_num_threads()):  # engine, FAISS, BLAS
        return _run(size, p, sweep)


def _run(size, p, sweep_only):
    bench = harness.Bench("index", "FAISS indexes beside hnswlib and exact search", size)
    if sweep_only:
        _index_sweep.sweep(bench, size)
        return bench.finish()
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
    _index_sweep.sweep(bench, size)
    return bench.finish()


def main(argv=None):
    options = [
        ("--threads", int, "threads (default: all cores)"),
        ("--sweep", bool, "only the HNSW efConstruction × efSearch sweep"),
    ]
    harness.main(run, __doc__, argv, options)


if __name__ == "__main__":
    main()
