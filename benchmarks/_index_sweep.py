"""bench_index's HNSW sweep: efConstruction × efSearch on clustered data, each graph built once
and searched at every efSearch; recall@10 against engine's exact search, single-query rate
beside exact search's on the same queries.

It is what docs/faiss.md's HNSW paragraph says about build quality against search depth
(why the default efConstruction is 100). ``python benchmarks/bench_index.py --sweep`` runs it
alone; every run of bench_index includes it.
"""

import numpy as np

import engine
from engine.bench import harness
from engine.index import _HNSW_DEFAULTS, FaissIndex, exact_search, recall_at_k

K = 10
SIZES = {
    "tiny": dict(n=[3_000], dim=32, efc=(40, 100), efs=(16, 64), queries=100, single=20, repeats=1),
    "quick": dict(n=[100_000], dim=300, efc=(40, 100), efs=(16, 64, 256), queries=500, single=200, repeats=3),
    "full": dict(
        n=[300_000, 1_000_000],
        dim=300,
        efc=(40, 100, 200),
        efs=(16, 32, 64, 128, 256, 512),
        queries=1000,
        single=200,
        repeats=3,
    ),
}
COLUMNS = [
    ("n", "N × D", "{:,} × {dim}"),
    ("efConstruction", "efConstruction"),
    ("efSearch", "efSearch"),
    ("build_s", "build s", "{:.1f}"),
    ("recall", "recall@10", "{:.4f}"),
    ("qps_1", "q/s batch 1", "{:,.0f}"),
    ("vs_exact", "× exact (b=1)", "{:.1f}"),
]


def sweep(bench, size):
    """The sweep's table on every size of the run; its rows."""
    p = SIZES[size]
    table = bench.table(
        f"HNSW sweep: efConstruction × efSearch (M = {_HNSW_DEFAULTS['M']})",
        COLUMNS,
        intro=f"Clustered data (engine.datasets.clustered_vectors, seed 0); {p['queries']} vocabulary "
        f"words as queries for recall@{K} (the word itself excluded), the first {p['single']} of them "
        f"one call at a time for q/s, median of {p['repeats']} after a pause and a warm-up. × exact = "
        f"q/s over engine's exact search of the same {p['single']} queries. The default is "
        f"efConstruction = {_HNSW_DEFAULTS['efConstruction']}, efSearch = {_HNSW_DEFAULTS['efSearch']}.",
    )
    for n in p["n"]:
        _sweep_size(table, p, n)
    return table.rows


def _single_qps(search, singles, repeats):
    """Single queries one call at a time: q/s, the median of ``repeats`` after a pause and a warm-up."""
    settle = 0.5 if repeats > 1 else 0.0
    return (
        1 / harness.timed(lambda: [search(s) for s in singles], repeats, per=len(singles), settle=settle).wall
    )


def _sweep_size(table, p, n):
    v = engine.datasets.clustered_vectors(n, p["dim"], seed=0)
    unit = np.asarray(v.unit)
    rows = np.sort(np.random.default_rng(0).choice(n, size=min(p["queries"], n), replace=False))
    q = np.ascontiguousarray(unit[rows])
    singles = [q[i : i + 1] for i in range(p["single"])]
    exact_qps = _single_qps(lambda b: exact_search(unit, b, K + 1), singles, p["repeats"])
    for efc in p["efc"]:
        index, build = harness.once(lambda efc=efc: FaissIndex.build(v, "hnsw", efConstruction=efc))
        for efs in p["efs"]:
            index.efSearch = efs
            _, ids = index.search(q, K + 1)
            rate = _single_qps(lambda b, index=index: index.search(b, K + 1), singles, p["repeats"])
            table.add(
                n=n,
                dim=p["dim"],
                efConstruction=efc,
                efSearch=efs,
                build_s=build.wall,
                recall=recall_at_k(unit, rows, ids, K),
                qps_1=rate,
                vs_exact=rate / exact_qps,
            )
        del index
