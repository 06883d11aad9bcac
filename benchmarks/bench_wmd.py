"""Word Mover's Distance: engine beside gensim, POT and wmd-relax, on real text.

    python benchmarks/bench_wmd.py            # full run (a few minutes)
    python benchmarks/bench_wmd.py --quick    # short run

Data: the embedded default vectors (all-MiniLM-L6-v2 whole-word table, 21,745 x 384). Documents
are windows of consecutive tokens of gensim's bundled Lee corpus (news text): the corpus and
document pairs come from lee_background.cor, the kNN queries from lee.cor (text not in the
corpus). Short documents have 20-60 tokens, long ones 100-300.

Peers, all on the same documents and vectors:
- gensim 4.4 ``KeyedVectors.wmdistance`` (and ``WmdSimilarity`` for brute-force kNN);
- POT ``ot.emd2`` on a precomputed cost matrix (the solver alone, no text handling);
- wmd-relax (PyPI ``wmd``, src-d): a benchmark peer only, never a dependency of engine.
  Install: ``pip install wheel && pip install --no-build-isolation wmd``; its column is skipped
  when it is absent. Its kNN is inexact by default; it runs here with ``early_stop=1.0`` (look
  at every document) and ``vocabulary_min=1`` (else documents under 50 words are skipped).

Every time is the median of repeats after a warm-up call (``harness.timed``/``compare``), engine
and its peer timed alternately on the same inputs with the same repeats (the kNN rows: the same
queries, ``knn_repeats`` times each), every library held to the row's thread count
(``harness.limit_threads``); every equality claim (distances equal to gensim's and POT's, the
same top-10 as gensim) is checked on every input timed, and a difference stops the run. Ratios (peer time / engine time) are computed within this
run, in wall-clock and in CPU time (process_time: on a shared machine the wall clock includes
waiting for a core, the CPU time of a single-threaded run does not).
"""

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_wmd.py` in a source checkout: its engine
    import _checkout  # noqa: F401

from engine._text import tokenize  # noqa: E402

import engine  # noqa: E402
from engine import datasets  # noqa: E402
from engine.bench import harness  # noqa: E402

# short/long: documents per side of the single pairs; matrix: n × n pairwise, gensim timed on
# 10 × matrix_peer of them; corpus/queries: the k-nearest search
SIZES = {
    "tiny": dict(
        repeats=1,
        short=10,
        long=2,
        matrix=20,
        matrix_repeats=1,
        matrix_peer=5,
        corpus=100,
        queries=2,
        knn_repeats=1,
        random_vocab=2_000,
        random_docs=50,
    ),
    "quick": dict(
        repeats=3,
        short=60,
        long=10,
        matrix=150,
        matrix_repeats=2,
        matrix_peer=20,
        corpus=1000,
        queries=3,
        knn_repeats=2,
        random_vocab=20_000,
        random_docs=500,
    ),
    "full": dict(
        repeats=5,
        short=200,
        long=40,
        matrix=500,
        matrix_repeats=1,
        matrix_peer=60,
        corpus=5000,
        queries=5,
        knn_repeats=3,
        random_vocab=20_000,
        random_docs=2_000,
    ),
}
COLUMNS = [
    ("case", "case"),
    ("engine_ms", "engine ms", "{:,.3f}"),
    ("peer", "peer"),
    ("peer_ms", "peer ms", "{:,.3f}"),
    ("ratio", "ratio (wall)", "{:.1f}×"),
    ("cpu_ratio", "ratio (CPU)", "{:.1f}×"),
    ("target", "target", "≥ {}×: {verdict}"),
]
K = 10


def _add(table, case, engine_t, peer, peer_t, target=None):
    """One row: times are :class:`harness.Timing` or (wall, cpu) per item, or wall seconds alone;
    ratio = peer / engine."""
    e_wall, e_cpu = engine_t[:2] if isinstance(engine_t, tuple) else (engine_t, None)
    p_wall, p_cpu = peer_t[:2] if isinstance(peer_t, tuple) else (peer_t, None)
    ratio = p_wall / e_wall if p_wall is not None else None
    return table.add(
        case=case,
        engine_ms=e_wall * 1e3 if e_wall is not None else None,
        peer=peer,
        peer_ms=p_wall * 1e3 if p_wall is not None else None,
        ratio=ratio,
        cpu_ratio=p_cpu / e_cpu if e_cpu and p_cpu else None,
        target=target,
        verdict=None if target is None else harness.verdict(ratio >= target),
    )


def _stream(name, encoding="utf-8"):
    with open(datasets.gensim_test_file(name), encoding=encoding, errors="replace") as f:
        return tokenize(f.read())


def _windows(tokens, n, lo, hi, rng, vocab):
    """``n`` windows of lo..hi consecutive tokens at random offsets, with >= 1 known word."""
    out = []
    while len(out) < n:
        size = int(rng.integers(lo, hi + 1))
        start = int(rng.integers(0, len(tokens) - size))
        doc = tokens[start : start + size]
        if any(t in vocab for t in doc):
            out.append(doc)
    return out


def _gensim_kv(v):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(v.vector_size, count=len(v))
    kv.add_vectors(v.index_to_key, v.vectors)
    return kv


def _relax_peer(v, corpus):
    """wmd-relax's WMD over the corpus, or None when the package is absent."""
    try:
        import wmd as wmd_relax
    except ImportError:
        return None, None
    import logging

    emb = np.ascontiguousarray(v.unit, dtype=np.float32)
    nbow = {}
    for i, doc in enumerate(corpus):
        ids, counts = np.unique(v.ids([t for t in doc if t in v.key_to_index]), return_counts=True)
        nbow[i] = (i, ids.astype(np.uint64), counts.astype(np.float32) / counts.sum())
    calc = wmd_relax.WMD(emb, nbow, vocabulary_min=1, vocabulary_max=500, verbosity=logging.WARNING)
    calc.cache_centroids()

    def query(doc, k):
        ids, counts = np.unique(v.ids([t for t in doc if t in v.key_to_index]), return_counts=True)
        return calc.nearest_neighbors(
            (ids.astype(np.uint64), counts.astype(np.float32) / counts.sum()), k=k, early_stop=1.0
        )

    return wmd_relax, query


def _cost_problems(v, pairs):
    """(a, b, M) as gensim builds them, for the solver-only columns."""
    from scipy.spatial.distance import cdist

    out = []
    for d1, d2 in pairs:
        u1 = sorted({t for t in d1 if t in v.key_to_index})
        u2 = sorted({t for t in d2 if t in v.key_to_index})
        c1 = [sum(1 for t in d1 if t == w) for w in u1]
        c2 = [sum(1 for t in d2 if t == w) for w in u2]
        a = np.asarray(c1, float) / sum(c1)
        b = np.asarray(c2, float) / sum(c2)
        M = cdist(v.unit[v.ids(u1)].astype(np.float64), v.unit[v.ids(u2)].astype(np.float64))
        out.append((a, b, M))
    return out


def _pair_rows(table, name, v, kv, pairs, repeats, target):
    import ot

    from engine.wmd import emd

    n = len(pairs)
    with harness.limit_threads(1):
        t = harness.compare(
            {
                "gensim": lambda: [kv.wmdistance(a, b) for a, b in pairs],
                "engine": lambda: [v.wmdistance(a, b) for a, b in pairs],
            },
            repeats,
            per=n,
            check=lambda out: _same(out["engine"], out["gensim"]),
        )
    t_engine, t_gensim = t["engine"], t["gensim"]
    _add(
        table,
        f"{name}: one pair, end to end (1 thread)",
        t_engine,
        "gensim wmdistance",
        t_gensim,
        target,
    )
    probs = _cost_problems(v, pairs)
    t = harness.compare(
        {
            "engine": lambda: [emd(a, b, M) for a, b, M in probs],
            "POT": lambda: [ot.emd2(a, b, M) for a, b, M in probs],
        },
        repeats,
        per=n,
        check=lambda out: _same(out["engine"], out["POT"]),
    )
    t_solve, t_pot = t["engine"], t["POT"]
    _add(table, f"{name}: solver alone on gensim's cost matrix", t_solve, "POT ot.emd2", t_pot)
    try:
        from wmd import libwmdrelax
    except ImportError:
        return
    # wmd-relax solves on the joint vocabulary (square float32 matrix), as its WMD class does.
    sq = []
    for a, b, M in probs:
        m, k = M.shape
        D = np.zeros((m + k, m + k), dtype=np.float32)
        D[:m, m:] = M
        D[m:, :m] = M.T
        sq.append((np.r_[a, np.zeros(k)].astype(np.float32), np.r_[np.zeros(m), b].astype(np.float32), D))
    # float32 inside wmd-relax: its distances agree with the float64 solvers to float32's precision
    t_relax = harness.compare(
        {
            "engine": lambda: [emd(a, b, M) for a, b, M in probs],
            "relax": lambda: [libwmdrelax.emd(a, b, D, None) for a, b, D in sq],
        },
        repeats,
        per=n,
        check=lambda out: _same(out["engine"], out["relax"], rtol=1e-4),
    )["relax"]
    _add(
        table, f"{name}: solver alone on gensim's cost matrix", t_solve, "wmd-relax libwmdrelax.emd", t_relax
    )


def _matrix_rows(table, v, kv, background, rng, p):
    n = p["matrix"]
    vocab = v.key_to_index
    A = _windows(background, n, 20, 60, rng, vocab)
    B = _windows(background, n, 20, 60, rng, vocab)
    wmd = engine.WMD(v)
    t, full = {}, {}
    for nt in (1, 2):
        with harness.limit_threads(nt):
            full[nt] = wmd.pairwise(A, B)  # also the warm-up
            t[nt] = harness.timed(lambda: wmd.pairwise(A, B), p["matrix_repeats"], warmup=False)
    if not np.array_equal(full[1], full[2]):
        raise AssertionError("the pairwise matrix differs between 1 and 2 threads")
    m = p["matrix_peer"]
    sub = [(a, b) for a in A[:10] for b in B[:m]]
    with harness.limit_threads(1):
        t_g = harness.timed(
            lambda: [kv.wmdistance(a, b) for a, b in sub], p["matrix_repeats"], per=len(sub) / (n * n)
        )
    ref = np.array([kv.wmdistance(a, b) for a, b in sub]).reshape(10, m)
    if not _same(full[1][:10, :m].ravel(), ref.ravel()):
        raise AssertionError("engine's pairwise matrix differs from gensim's distances")
    peer = f"gensim loop (extrapolated from {len(sub)} pairs)"
    _add(table, f"{n} x {n} pairwise matrix, short docs (1 thread)", t[1], peer, t_g, 20)
    _add(
        table,
        f"{n} x {n} pairwise matrix, short docs (2 threads)",
        t[2].wall,
        "engine, 1 thread",
        t[1].wall,
        1.8,
    )
    return wmd


def _same(a, b, rtol=1e-6):
    """Distances equal to ``rtol`` relative (engine's WMD is gensim's to 1e-6 relative, tested)."""
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=1e-9)


def _top(sims):
    """gensim's WmdSimilarity row (similarities 1 / (1 + d)) as its top-K ids and distances."""
    ids = sorted(range(len(sims)), key=lambda i: (-sims[i], i))[:K]
    return ids, [1 / sims[i] - 1 for i in ids]


def _same_top(results, sims, seen):
    """Every query's top-K the same as gensim's (ids, or the same distances where ties reorder
    them); counts the queries checked in ``seen``."""
    for res, row in zip(results, sims):
        ids, dist = _top(row)
        got = res.indices[0].tolist()
        if got != ids and not _same(res.distances[0], dist):
            return False
        seen["queries"] = seen.get("queries", 0) + 1
    return True


def _knn_rows(table, v, kv, wmd, background, held_out, rng, p, threads):
    """Engine's kNN and gensim's brute force on the same queries, the same repeats (after a
    warm-up), alternately; the top-K checked equal on every query timed."""
    from gensim.similarities import WmdSimilarity

    nc, repeats, queries_n = p["corpus"], p["knn_repeats"], p["queries"]
    corpus = _windows(background, nc, 20, 60, rng, v.key_to_index)
    queries = _windows(held_out, queries_n, 20, 60, rng, v.key_to_index)
    with harness.limit_threads(threads):
        index, t_build = harness.once(lambda: wmd.index(corpus))
        t_q = harness.timed(lambda: [index.knn([q], k=K) for q in queries], repeats, per=queries_n)
    sim, seen = WmdSimilarity(corpus, kv), {}
    with harness.limit_threads(1):
        t = harness.compare(
            {
                "engine": lambda: [index.knn([q], k=K) for q in queries],
                "gensim": lambda: [sim[q] for q in queries],
            },
            repeats,
            per=queries_n,
            check=lambda out: _same_top(out["engine"], out["gensim"], seen),
        )
        t_q1, t_gq = t["engine"], t["gensim"]
        fresh = engine.WMD(v)  # nothing cached: the first call prepares the corpus
        _, t_first = harness.once(lambda: fresh.knn([queries[0]], corpus, k=K))
        t_again = harness.timed(
            lambda: [fresh.knn([q], corpus, k=K) for q in queries], repeats, per=queries_n
        )
    res = index.knn(queries, k=K)
    solves = ", ".join(str(int(x)) for x in res.n_exact)
    peer = "gensim WmdSimilarity (brute force)"
    case = f"{K} nearest of {nc:,} short docs, per query"
    _add(table, f"{case} ({threads} threads)", t_q, f"{peer}, 1 thread", t_gq.wall, 200)
    _add(table, f"{case} (1 thread)", t_q1, peer, t_gq, 200)
    _add(table, f"  + index build for {nc:,} docs (once)", t_build, "", None)
    first = "  WMD.knn([query], corpus): first call, preparation included (1 thread)"
    _add(table, first, t_first, peer, t_gq, 200)
    again = "  WMD.knn([query], corpus): again, corpus prepared once (1 thread)"
    _add(table, again, t_again, peer, t_gq, 200)
    table.note(
        f"kNN: {queries_n} queries, each timed {repeats} times after a warm-up, engine and gensim "
        f"alternately; same top-{K} as gensim on {seen['queries']} of {queries_n} "
        f"queries timed (every one checked); exact solves per query: {solves} of {nc:,} documents"
    )
    _relax_rows(table, v, corpus, queries, t_q1, seen, repeats, case)


def _relax_rows(table, v, corpus, queries, t_q1, seen, repeats, case):
    """wmd-relax's nearest neighbours on the same queries and repeats as engine's."""
    relax, relax_query = _relax_peer(v, corpus)
    if relax is None:
        table.note("wmd-relax: not installed (pip install wheel && pip install --no-build-isolation wmd)")
        return
    with harness.limit_threads(1):
        t_r = harness.timed(lambda: [relax_query(q, K) for q in queries], repeats, per=len(queries))
    _add(table, f"{case} (1 thread)", t_q1, "wmd-relax nearest_neighbors(early_stop=1.0)", t_r, 5)


def _random_knn_rows(table, p, repeats):
    """kNN on random vectors (no structure for the bounds to use): one query, preparation
    included as ``WMD.knn(queries, corpus)`` does it, against gensim's WmdSimilarity, timed the
    same way, their top-K checked equal."""
    from gensim.similarities import WmdSimilarity

    n_words, dim, nc = p["random_vocab"], 100, p["random_docs"]
    rng = np.random.default_rng(1)
    v = engine.Vectors(
        [f"w{i}" for i in range(n_words)], rng.standard_normal((n_words, dim)).astype(np.float32)
    )
    docs = [[f"w{i}" for i in rng.integers(0, n_words, rng.integers(20, 61))] for _ in range(nc)]
    query = [f"w{i}" for i in rng.integers(0, n_words, 40)]
    kv, seen = _gensim_kv(v), {}
    with harness.limit_threads(1):
        t = harness.compare(
            {
                "engine": lambda: engine.WMD(v).knn([query], docs, k=K),  # a new WMD: preparation included
                "gensim": lambda: WmdSimilarity(docs, kv)[query],
            },
            repeats,
            check=lambda out: _same_top([out["engine"]], [out["gensim"]], seen),
        )
    res = engine.WMD(v).knn([query], docs, k=K)
    case = (
        f"random vectors ({n_words:,} x {dim}): {K} nearest of {nc:,} docs, preparation included (1 thread)"
    )
    _add(table, case, t["engine"], "gensim WmdSimilarity (brute force)", t["gensim"], 50)
    table.note(
        f"random vectors: {int(res.n_exact[0])} exact solves of {nc:,} documents; "
        f"same top-{K} as gensim on the query timed (checked)"
    )


def run(quick=False, *, tiny=False):
    """Run every case; one row per (case, peer)."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    rng = np.random.default_rng(0)
    v = datasets.default_vectors(mmap=False)
    kv = _gensim_kv(v)
    background, held_out = _stream("lee_background.cor"), _stream("lee.cor", "latin-1")
    threads = engine.get_num_threads()
    bench = harness.Bench("wmd", "Word Mover's Distance", size)
    table = bench.table(
        "engine beside gensim, POT and wmd-relax",
        COLUMNS,
        intro=f"Default vectors, windows of the Lee corpus; times per item, medians of {p['repeats']} "
        f"({p['knn_repeats']} for kNN) after a warm-up; "
        "ratio = peer time / engine time.",
    )
    try:
        short = _windows(background, 2 * p["short"], 20, 60, rng, v.key_to_index)
        _pair_rows(
            table, "short docs (20-60 words)", v, kv, list(zip(short[::2], short[1::2])), p["repeats"], 10
        )
        long_ = _windows(background, 2 * p["long"], 100, 300, rng, v.key_to_index)
        _pair_rows(
            table, "long docs (100-300 words)", v, kv, list(zip(long_[::2], long_[1::2])), p["repeats"], 4
        )
        wmd = _matrix_rows(table, v, kv, background, rng, p)
        _knn_rows(table, v, kv, wmd, background, held_out, rng, p, threads)
        _random_knn_rows(table, p, p["knn_repeats"])
    finally:
        engine.set_num_threads(threads)
    return bench.finish()


def main(argv=None):
    harness.main(run, __doc__, argv)


if __name__ == "__main__":
    main()
