"""Meta-embeddings: quality of the combination, and speed/memory of the projection kernel.

    python benchmarks/bench_meta.py            # quality table + 3 sources × 1,000,000 words
    python benchmarks/bench_meta.py --quick    # fewer variants, 100,000 words

Quality. Sources: the embedded default (MiniLM input embeddings, 21.7k × 384); a gensim
Word2Vec trained on the Lee corpora bundled with gensim (lee_background.cor + lee.cor +
pang_lee_polarity.cor, 66k tokens); a gensim FastText trained on head500.noblanks.cor (the first
500 articles of an English Wikipedia dump, stemmed, 335k tokens, also bundled in gensim's test
data) — the largest text available offline here. Both are trained once and cached in the engine
cache. Scores: Spearman on wordsim353 and simlex999, accuracy on questions-words, (a) on the
pairs/questions every source covers, (b) on everything, the meta-embeddings built with the
evaluation words added (``add_words``) so FastText's n-grams fill the words no vocabulary has.
"oracle" weights are the best of a small grid chosen *on the evaluation data* — a reference for
what hand-picked weights can reach, not a method.

Performance. Three random sources of 1,000,000 words (300, 200 and 100 dims), each lacking a
random 10% of the words (filled by ridge maps); the same inputs (rows, indices, learned maps and
projections) go to the kernel and to a numpy implementation of the same build (gather,
normalise, fill, weight, project, combine, normalise). Each run is a fresh subprocess: time is
the median of the repeats (3, fewer past 60 s), memory the peak RSS (VmHWM) above the RSS with
the inputs loaded.
``run(quick)`` returns the rows (dicts).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import engine  # noqa: E402
from engine import _kernels  # noqa: E402
from engine import meta as M  # noqa: E402
from engine.bench import cpu_model  # noqa: E402

SIM_SETS = ("wordsim353.tsv", "simlex999.txt")
PERF_DIMS = (300, 200, 100)


# ---------------------------------------------------------------- quality
def _sentences(names):
    from gensim.utils import simple_preprocess

    out = []
    for n in names:
        with open(engine.datasets.gensim_test_file(n), encoding="utf-8", errors="replace") as f:
            out += [simple_preprocess(line) for line in f]
    return out


def _cached_model(kind):
    from gensim.models import FastText, Word2Vec

    path = os.path.join(engine.datasets.cache_dir(), f"bench-meta-{kind}-v1.model")
    cls = Word2Vec if kind == "word2vec" else FastText
    if os.path.exists(path):
        return cls.load(path)
    if kind == "word2vec":
        model = Word2Vec(
            _sentences(["lee_background.cor", "lee.cor", "pang_lee_polarity.cor"]),
            vector_size=100,
            window=5,
            min_count=2,
            epochs=40,
            seed=1,
            workers=2,
        )
    else:
        model = FastText(
            _sentences(["head500.noblanks.cor"]),
            vector_size=100,
            window=5,
            min_count=2,
            epochs=10,
            seed=1,
            workers=2,
        )
    model.save(path)
    return model


def _eval_words():
    words = set()
    for name in SIM_SETS:
        with open(engine.datasets.gensim_test_file(name), encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if not line.startswith("#") and len(parts) >= 3:
                    words.update(p.lower() for p in parts[:2])
    with open(engine.datasets.gensim_test_file("questions-words.txt"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith(":"):
                words.update(w.lower() for w in line.split())
    return sorted(words)


def quality(quick=False):
    default = engine.datasets.default_vectors()
    w2v, ft = _cached_model("word2vec"), _cached_model("fasttext")
    models = {"default (MiniLM)": default, "word2vec (Lee)": w2v, "fasttext (wiki)": ft}
    names = list(models)
    single = {n: M._as_source(m, i)[0] for i, (n, m) in enumerate(models.items())}
    srcs = list(models.values())
    methods = ("conc", "svd") if quick else M.METHODS
    grid = (0.6, 0.8, 0.9) if quick else (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    extra = _eval_words()
    datasets = SIM_SETS if quick else SIM_SETS + ("questions-words.txt",)

    def build(**kw):
        return M.MetaEmbeddings(srcs, names=names, **kw)

    variants = {}
    for add in (None, extra):
        tag = "b" if add else "a"
        for m in methods:
            t = time.perf_counter()
            meta = build(method=m, weights="auto", add_words=add)
            variants[tag, f"{m}, auto"] = (meta, time.perf_counter() - t)
        variants[tag, "conc, equal"] = (build(weights=None, add_words=add), 0.0)
        best = None
        for g in grid:  # oracle: picked on the evaluation data (reference only)
            w = [g, (1 - g) / 2, (1 - g) / 2]
            meta = build(weights=w, add_words=add)
            rows = M.evaluate_side_by_side({"m": meta.wv}, SIM_SETS)
            score = sum(rows[0][d][0] for d in SIM_SETS)
            if best is None or score > best[0]:
                best = (score, g, meta)
        variants[tag, f"conc, oracle {best[1]:.2f}/{(1 - best[1]) / 2:.3f}×2"] = (best[2], 0.0)

    auto_weights = variants["a", f"{methods[0]}, auto"][0].weights
    tables = {}
    for tag, common in (("a", True), ("b", False)):
        named = dict(single)
        named.update({f"meta {k}": v[0].wv for (t, k), v in variants.items() if t == tag})
        tables[tag] = M.evaluate_side_by_side(named, datasets, common=common)
    # target: a meta-embedding with auto weights beats the best single source on both similarity
    # sets, with >= 99% of the pairs covered (table b)
    rows_b = {r["name"]: r for r in tables["b"]}
    best_single = {d: max(rows_b[n][d][0] for n in names) for d in SIM_SETS}
    autos = [r for n, r in rows_b.items() if n.endswith("auto")]
    met = [r["name"] for r in autos if all(r[d][0] > best_single[d] and r[d][1] >= 99.0 for d in SIM_SETS)]
    return {
        "tables": tables,
        "datasets": datasets,
        "auto_weights": dict(zip(names, auto_weights.round(3).tolist())),
        "auto_how": variants["a", f"{methods[0]}, auto"][0].report["weighting"]["how"],
        "best_single": best_single,
        "target_met_by": met,
        "build_seconds": {k: round(v[1], 2) for (t, k), v in variants.items() if t == "b" and v[1]},
    }


# ---------------------------------------------------------------- performance
def _unit64(x):
    x = np.asarray(x, np.float64)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1)


def _perf_inputs(folder, n, seed=0, missing=0.1, max_train=100_000):
    """Random sources and the learned maps/projections of every method, saved in ``folder``."""
    rng = np.random.default_rng(seed)
    S = len(PERF_DIMS)
    for s, d in enumerate(PERF_DIMS):
        np.save(os.path.join(folder, f"x{s}.npy"), rng.standard_normal((n, d), dtype=np.float32))
        idx = rng.permutation(n).astype(np.int64)
        if s:  # source 0 has every word; the others lack a random `missing` share
            idx[rng.random(n) < missing] = -1
        np.save(os.path.join(folder, f"idx{s}.npy"), idx)
    X = [np.load(os.path.join(folder, f"x{s}.npy"), mmap_mode="r") for s in range(S)]
    I = [np.load(os.path.join(folder, f"idx{s}.npy")) for s in range(S)]
    scales = np.sqrt(np.array([0.5, 0.3, 0.2]))
    shared = np.flatnonzero(np.all(np.stack(I) >= 0, axis=0))
    train = M._sample(shared, max_train, rng)
    U = [_unit64(x[i[train]]) for x, i in zip(X, I)]
    maps = {}
    for s in range(1, S):
        for t in range(S):
            if t != s:
                both = M._sample(np.flatnonzero((I[s] >= 0) & (I[t] >= 0)), max_train, rng)
                maps[f"map{t}_{s}"] = M.fill_map(_unit64(X[t][I[t][both]]), _unit64(X[s][I[s][both]]))
    np.savez(os.path.join(folder, "maps.npz"), **maps)
    for method in M.METHODS:
        projs, offsets, d_out, _ = M._learn(
            method, 300 if method in ("svd", "1ton") else None, U, scales, 0.01, rng
        )
        np.savez(
            os.path.join(folder, f"{method}.npz"),
            scales=scales,
            offsets=np.array(offsets),
            d_out=d_out,
            **{f"p{s}": p for s, p in enumerate(projs) if p is not None},
        )


def _load_plan(folder, method):
    S = len(PERF_DIMS)
    X = [np.load(os.path.join(folder, f"x{s}.npy")) for s in range(S)]  # read fully: baseline RSS
    I = [np.load(os.path.join(folder, f"idx{s}.npy")) for s in range(S)]
    mp = np.load(os.path.join(folder, "maps.npz"))
    maps = [
        mp[f"map{t}_{s}"].astype(np.float32) if f"map{t}_{s}" in mp else None
        for t in range(S)
        for s in range(S)
    ]
    pl = np.load(os.path.join(folder, f"{method}.npz"))
    projs = [pl.get(f"p{s}", None) for s in range(S)]
    return X, I, maps, pl["scales"], projs, pl["offsets"].tolist(), int(pl["d_out"])


def numpy_build(X, I, maps, scales, projs, offsets, d_out):
    """The same build in numpy: whole-matrix steps, every intermediate materialised."""
    S = len(X)
    U = []
    for x, i in zip(X, I):
        u = x[np.maximum(i, 0)]
        norms = np.linalg.norm(u, axis=1, keepdims=True)
        u /= np.where(norms > 0, norms, 1)
        u[i < 0] = 0
        U.append(u)
    filled = [u.copy() for u in U] if any(m is not None for m in maps) else U
    for s in range(S):
        miss = np.flatnonzero(I[s] == -1)
        if miss.size == 0:
            continue
        acc = np.zeros((miss.size, X[s].shape[1]), np.float32)
        for t in range(S):
            A = maps[t * S + s]
            if A is not None:
                acc += U[t][miss] @ A  # rows t lacks are zero and add nothing
        norms = np.linalg.norm(acc, axis=1, keepdims=True)
        filled[s][miss] = acc / np.where(norms > 0, norms, 1)
    if projs[0] is None and offsets[-1] > 0:  # conc: the whole concatenation
        out = np.hstack([a * u for a, u in zip(scales, filled)])
    elif projs[0] is None:  # avg: zero-padded sum
        out = np.zeros((I[0].shape[0], d_out), np.float32)
        for a, u in zip(scales, filled):
            out[:, : u.shape[1]] += a * u
    else:
        out = sum((a * u) @ p for a, u, p in zip(scales, filled, projs))
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-30)
    return out


def _status_mb(field):
    """VmRSS / VmHWM from /proc/self/status, in MB. (Not ru_maxrss: Linux carries the parent's
    high-water mark into a forked child, so it would report the benchmark parent's size.)"""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _child(folder, method, impl, repeats):
    X, I, maps, scales, projs, offsets, d_out = _load_plan(folder, method)
    before = _status_mb("VmRSS")
    times = []
    for _ in range(repeats):
        if sum(times) > 60:  # a slow implementation at 1M words: fewer repeats
            break
        t = time.perf_counter()
        if impl == "engine":
            srcs = [
                dict(rows=x, idx=i, scale=a, proj=p, offset=o)
                for x, i, a, p, o in zip(X, I, scales, projs, offsets)
            ]
            out, _ = _kernels.build_meta(srcs, maps, d_out)
        else:
            out = numpy_build(X, I, maps, scales, projs, offsets, d_out)
        times.append(time.perf_counter() - t)
        del out
    peak = _status_mb("VmHWM")
    print(json.dumps({"seconds": statistics.median(times), "peak_extra_mb": peak - before}))


def performance(quick=False, threads=None):
    n = 100_000 if quick else 1_000_000
    repeats = 3
    rows = []
    env = dict(
        os.environ,
        ENGINE_NUM_THREADS=str(threads or engine.get_num_threads()),
        OPENBLAS_NUM_THREADS=str(threads or engine.get_num_threads()),
    )
    with tempfile.TemporaryDirectory(prefix="bench-meta-") as folder:
        _perf_inputs(folder, n)
        for method in M.METHODS:
            res = {}
            for impl in ("engine", "numpy"):
                out = subprocess.run(
                    [
                        sys.executable,
                        os.path.abspath(__file__),
                        "--child",
                        folder,
                        method,
                        impl,
                        str(repeats),
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                )
                res[impl] = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(
                {
                    "method": method,
                    "words": n,
                    "engine_s": res["engine"]["seconds"],
                    "numpy_s": res["numpy"]["seconds"],
                    "speedup": res["numpy"]["seconds"] / res["engine"]["seconds"],
                    "engine_peak_mb": res["engine"]["peak_extra_mb"],
                    "numpy_peak_mb": res["numpy"]["peak_extra_mb"],
                }
            )
    return rows


# ---------------------------------------------------------------- entry points
def run(quick=False):
    """Both tables as rows (dicts): the quality rows, then the performance rows."""
    q = quality(quick)
    rows = [
        dict(table=f"quality {t}", name=r["name"], **{d: r[d] for d in q["datasets"]})
        for t, tab in q["tables"].items()
        for r in tab
    ]
    return rows + [dict(table="performance", **r) for r in performance(quick)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer variants and 100,000 words")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        folder, method, impl, repeats = args.child
        return _child(folder, method, impl, int(repeats))
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; engine threads: {engine.get_num_threads()}; "
        f"load average: {os.getloadavg()[0]:.1f}"
    )
    q = quality(args.quick)
    for tag, title in (
        ("a", "(a) pairs/questions every source covers"),
        ("b", "(b) everything; meta-embeddings fill missing words (n-grams, maps)"),
    ):
        print(f"\nQuality {title}: score (coverage)")
        print(M.format_table(q["tables"][tag], q["datasets"]))
    print(f"\nauto weights: {q['auto_weights']} — {q['auto_how']}")
    print("build seconds (b): " + ", ".join(f"{k} {v}" for k, v in q["build_seconds"].items()))
    best = ", ".join(f"{d} {v:.3f}" for d, v in q["best_single"].items())
    if q["target_met_by"]:
        print(
            f"target MET (auto weights beat the best single source [{best}] with >= 99% coverage): "
            + ", ".join(q["target_met_by"])
        )
    else:
        print(
            f"target MISSED: no auto-weighted meta-embedding beats the best single source [{best}] "
            "on both similarity sets with >= 99% coverage"
        )
    n = "100,000" if args.quick else "1,000,000"
    print(
        f"\nPerformance: building a meta-embedding of 3 random sources × {n} words "
        f"({'/'.join(map(str, PERF_DIMS))} dims, 10% missing in two, ridge-map fills)"
    )
    print(
        f"{'method':<8}{'engine s':>10}{'numpy s':>10}{'speed-up':>10}{'engine peak MB':>16}{'numpy peak MB':>15}{'mem ratio':>11}"
    )
    for r in performance(args.quick):
        print(
            f"{r['method']:<8}{r['engine_s']:>10.3f}{r['numpy_s']:>10.3f}{r['speedup']:>9.1f}×"
            f"{r['engine_peak_mb']:>16.0f}{r['numpy_peak_mb']:>15.0f}{r['engine_peak_mb'] / r['numpy_peak_mb']:>11.2f}"
        )
    print("targets: speed-up >= 3×, memory ratio <= 0.5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
