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

Every time is the median of repeats; ratios are computed within this run.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine._text import tokenize  # noqa: E402

import engine  # noqa: E402
from engine import datasets  # noqa: E402
from engine.bench import cpu_model  # noqa: E402

_CPU = {}  # the CPU time (process_time) that went with the last wall-clock median, by fn


def _median_time(fn, repeats):
    """Median wall-clock seconds of ``repeats`` runs; the matching CPU seconds go to _CPU[fn].

    On a shared machine the wall clock includes waiting for a core; the CPU time of a
    single-threaded run does not, so both are reported.
    """
    runs = []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t, time.process_time() - c))
    runs.sort()
    wall, cpu = runs[len(runs) // 2]
    _CPU[fn] = cpu
    return wall


def _timed(fn, repeats, per=1):
    """(wall, cpu) medians divided by ``per``."""
    wall = _median_time(fn, repeats)
    return wall / per, _CPU[fn] / per


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


def _pair_rows(name, v, kv, pairs, repeats, target):
    import ot

    from engine.wmd import emd

    engine.set_num_threads(1)
    n = len(pairs)
    t_gensim, c_gensim = _timed(lambda: [kv.wmdistance(a, b) for a, b in pairs], repeats, n)
    t_engine, c_engine = _timed(lambda: [v.wmdistance(a, b) for a, b in pairs], repeats, n)
    probs = _cost_problems(v, pairs)
    t_solve, c_solve = _timed(lambda: [emd(a, b, M) for a, b, M in probs], repeats, n)
    t_pot, c_pot = _timed(lambda: [ot.emd2(a, b, M) for a, b, M in probs], repeats, n)
    rows = [
        dict(
            case=f"{name}: one pair, end to end (1 thread)",
            engine_ms=t_engine * 1e3,
            peer="gensim wmdistance",
            peer_ms=t_gensim * 1e3,
            ratio=t_gensim / t_engine,
            target=target,
            cpu_ratio=c_gensim / c_engine,
        ),
        dict(
            case=f"{name}: solver alone on gensim's cost matrix",
            engine_ms=t_solve * 1e3,
            peer="POT ot.emd2",
            peer_ms=t_pot * 1e3,
            ratio=t_pot / t_solve,
            target=None,
            cpu_ratio=c_pot / c_solve,
        ),
    ]
    try:
        from wmd import libwmdrelax
    except ImportError:
        libwmdrelax = None
    if libwmdrelax is not None:
        # wmd-relax solves on the joint vocabulary (square float32 matrix), as its WMD class does.
        sq = []
        for a, b, M in probs:
            m, k = M.shape
            D = np.zeros((m + k, m + k), dtype=np.float32)
            D[:m, m:] = M
            D[m:, :m] = M.T
            sq.append((np.r_[a, np.zeros(k)].astype(np.float32), np.r_[np.zeros(m), b].astype(np.float32), D))
        t_relax, c_relax = _timed(lambda: [libwmdrelax.emd(a, b, D, None) for a, b, D in sq], repeats, n)
        rows.append(
            dict(
                case=f"{name}: solver alone on gensim's cost matrix",
                engine_ms=t_solve * 1e3,
                peer="wmd-relax libwmdrelax.emd",
                peer_ms=t_relax * 1e3,
                ratio=t_relax / t_solve,
                target=None,
                cpu_ratio=c_relax / c_solve,
            )
        )
    return rows


def run(quick=False):
    """Run every case; return the table rows (dicts)."""
    rng = np.random.default_rng(0)
    v = datasets.default_vectors(mmap=False)
    kv = _gensim_kv(v)
    vocab = v.key_to_index
    background, held_out = _stream("lee_background.cor"), _stream("lee.cor", "latin-1")
    repeats = 3 if quick else 5
    rows = []
    threads_before = engine.get_num_threads()
    try:
        # 1-2. single pairs, short and long
        short = _windows(background, 2 * (60 if quick else 200), 20, 60, rng, vocab)
        rows += _pair_rows("short docs (20-60 words)", v, kv, list(zip(short[::2], short[1::2])), repeats, 10)
        long_ = _windows(background, 2 * (10 if quick else 40), 100, 300, rng, vocab)
        rows += _pair_rows("long docs (100-300 words)", v, kv, list(zip(long_[::2], long_[1::2])), repeats, 4)

        # 3. pairwise matrix
        n = 150 if quick else 500
        A = _windows(background, n, 20, 60, rng, vocab)
        B = _windows(background, n, 20, 60, rng, vocab)
        wmd = engine.WMD(v)
        times, cpus = {}, {}
        for nt in (1, 2):
            engine.set_num_threads(nt)
            times[nt], cpus[nt] = _timed(lambda: wmd.pairwise(A, B), 1 if not quick else 2)
        sub = [(a, b) for a in A[:10] for b in B[: (20 if quick else 60)]]
        t_g, c_g = _timed(lambda: [kv.wmdistance(a, b) for a, b in sub], 1, len(sub) / (n * n))
        rows.append(
            dict(
                case=f"{n} x {n} pairwise matrix, short docs (1 thread)",
                engine_ms=times[1] * 1e3,
                peer=f"gensim loop (extrapolated from {len(sub)} pairs)",
                peer_ms=t_g * 1e3,
                ratio=t_g / times[1],
                target=20,
                cpu_ratio=c_g / cpus[1],
            )
        )
        rows.append(
            dict(
                case=f"{n} x {n} pairwise matrix, short docs (2 threads)",
                engine_ms=times[2] * 1e3,
                peer="engine, 1 thread",
                peer_ms=times[1] * 1e3,
                ratio=times[1] / times[2],
                target=1.8,
            )
        )

        # 4. k nearest documents
        nc = 1000 if quick else 5000
        corpus = _windows(background, nc, 20, 60, rng, vocab)
        queries = _windows(held_out, 2 if quick else 5, 20, 60, rng, vocab)
        k = 10
        engine.set_num_threads(threads_before)
        t_build = _median_time(lambda: wmd.index(corpus), 1)
        index = wmd.index(corpus)
        res = index.knn(queries, k=k)
        t_q = _median_time(lambda: [index.knn([q], k=k) for q in queries], repeats) / len(queries)
        engine.set_num_threads(1)
        t_q1, c_q1 = _timed(lambda: [index.knn([q], k=k) for q in queries], repeats, len(queries))
        engine.set_num_threads(threads_before)
        from gensim.similarities import WmdSimilarity

        sim = WmdSimilarity(corpus, kv)
        t, c = time.perf_counter(), time.process_time()
        ref = sim[queries[0]]  # one query: gensim takes seconds per query
        t_gq, c_gq = time.perf_counter() - t, time.process_time() - c
        top_ref = sorted(range(nc), key=lambda i: (-ref[i], i))[:k]
        same = top_ref == res.indices[0].tolist()
        solves = ", ".join(str(int(x)) for x in res.n_exact)
        rows.append(
            dict(
                case=f"{k} nearest of {nc:,} short docs, per query ({engine.get_num_threads()} threads; "
                f"exact solves per query: {solves}; same top-{k} as gensim: {same})",
                engine_ms=t_q * 1e3,
                peer="gensim WmdSimilarity (brute force)",
                peer_ms=t_gq * 1e3,
                ratio=t_gq / t_q,
                target=200,
            )
        )
        rows.append(
            dict(
                case=f"{k} nearest of {nc:,} short docs, per query (1 thread)",
                engine_ms=t_q1 * 1e3,
                peer="gensim WmdSimilarity (brute force)",
                peer_ms=t_gq * 1e3,
                ratio=t_gq / t_q1,
                target=200,
                cpu_ratio=c_gq / c_q1,
            )
        )
        rows.append(
            dict(
                case=f"  + index build for {nc:,} docs (once)",
                engine_ms=t_build * 1e3,
                peer="",
                peer_ms=float("nan"),
                ratio=float("nan"),
                target=None,
            )
        )
        relax, relax_query = _relax_peer(v, corpus)
        if relax is not None:
            few = queries[:2]  # wmd-relax takes tens of seconds per query at this size
            t_r, c_r = _timed(lambda: [relax_query(q, k) for q in few], 1, len(few))
            rows.append(
                dict(
                    case=f"{k} nearest of {nc:,} short docs, per query (1 thread)",
                    engine_ms=t_q1 * 1e3,
                    peer="wmd-relax nearest_neighbors(early_stop=1.0)",
                    peer_ms=t_r * 1e3,
                    ratio=t_r / t_q1,
                    target=5,
                    cpu_ratio=c_r / c_q1,
                )
            )
        else:
            rows.append(
                dict(
                    case="wmd-relax: not installed (pip install wheel && pip install "
                    "--no-build-isolation wmd)",
                    engine_ms=float("nan"),
                    peer="",
                    peer_ms=float("nan"),
                    ratio=float("nan"),
                    target=None,
                )
            )
    finally:
        engine.set_num_threads(threads_before)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = p.parse_args(argv)
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; engine threads: 1 or "
        f"{engine.get_num_threads()} as stated per row; load average at start: {os.getloadavg()[0]:.2f}"
    )
    rows = run(quick=args.quick)
    print(
        "ratio = peer time / engine time (wall clock); cpu ratio = the same in CPU time (process_time),\n"
        "given for single-threaded rows because it is less disturbed by other work on a shared machine"
    )
    print(f"{'case':<78} {'engine ms':>10} {'peer':<44} {'peer ms':>10} {'ratio':>7} {'cpu ratio':>9} target")
    for r in rows:
        met = (
            ""
            if r["target"] is None
            else (f">= {r['target']}x " + ("met" if r["ratio"] >= r["target"] else "MISSED"))
        )
        cpu = f"{r['cpu_ratio']:>9.1f}" if "cpu_ratio" in r else " " * 9
        print(
            f"{r['case']:<78} {r['engine_ms']:>10.3f} {r['peer']:<44} {r['peer_ms']:>10.3f} {r['ratio']:>7.1f} {cpu} {met}"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
