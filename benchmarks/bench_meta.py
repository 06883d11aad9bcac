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
the inputs loaded. ``--tiny`` trains its two models for one epoch on the Lee corpus (not cached).
"""

import glob
import json
import os
import sys
import tempfile

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_meta.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
from engine import _kernels  # noqa: E402
from engine import meta as M  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.meta import _sampling, embeddings, projections  # noqa: E402

SIM_SETS = ("wordsim353.tsv", "simlex999.txt")
ANALOGIES = "questions-words.txt"
SHORT = {"wordsim353.tsv": "wordsim353", "simlex999.txt": "simlex999", ANALOGIES: "questions_words"}
SIZES = {
    "tiny": dict(
        methods=("conc",),
        grid=(0.8,),
        analogies=False,
        epochs=1,
        cache=False,
        n=2_000,
        dims=(30, 20, 10),
        perf_methods=("conc", "svd"),
        repeats=1,
    ),
    "quick": dict(
        methods=("conc", "svd"),
        grid=(0.6, 0.8, 0.9),
        analogies=False,
        epochs=None,
        cache=True,
        n=100_000,
        dims=(300, 200, 100),
        perf_methods=M.METHODS,
        repeats=3,
    ),
    "full": dict(
        methods=M.METHODS,
        grid=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
        analogies=True,
        epochs=None,
        cache=True,
        n=1_000_000,
        dims=(300, 200, 100),
        perf_methods=M.METHODS,
        repeats=3,
    ),
}
PERF_COLUMNS = [
    ("method", "method", "{} ({dims} dims)"),
    ("engine_s", "engine (s)", "{:.2f}"),
    ("numpy_s", "numpy (s)", "{:.2f}"),
    ("speedup", "speed-up", "{:.1f}×"),
    ("engine_peak_mb", "engine peak (MB)", "{:,.0f}"),
    ("numpy_peak_mb", "numpy peak (MB)", "{:,.0f}"),
    ("memory_ratio", "memory ratio", "{:.2f}"),
]


# ---------------------------------------------------------------- quality
def _sentences(names):
    from gensim.utils import simple_preprocess

    out = []
    for n in names:
        with open(engine.datasets.gensim_test_file(n), encoding="utf-8", errors="replace") as f:
            out += [simple_preprocess(line) for line in f]
    return out


# kind -> (class, corpora, epochs); --tiny: one epoch on the Lee corpus
MODELS = {
    "word2vec": ("Word2Vec", ["lee_background.cor", "lee.cor", "pang_lee_polarity.cor"], 40),
    "fasttext": ("FastText", ["head500.noblanks.cor"], 10),
}


def _model(kind, p):
    """The trained source ``kind``: cached in the engine cache, except for --tiny."""
    import gensim.models

    name, corpora, epochs = MODELS[kind]
    cls = getattr(gensim.models, name)
    path = os.path.join(engine.datasets.cache_dir(), f"bench-meta-{kind}-v1.model")
    if p["cache"] and os.path.exists(path):
        return cls.load(path)
    kw = dict(vector_size=100, window=5, min_count=2, seed=1, workers=2)
    if not p["cache"]:  # --tiny: a small corpus, and FastText without 2M n-gram buckets (800 MB)
        corpora = ["lee_background.cor"]
        if name == "FastText":
            kw["bucket"] = 10_000
    model = cls(_sentences(corpora), epochs=p["epochs"] or epochs, **kw)
    if p["cache"]:
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
    with open(engine.datasets.gensim_test_file(ANALOGIES), encoding="utf-8") as f:
        for line in f:
            if not line.startswith(":"):
                words.update(w.lower() for w in line.split())
    return sorted(words)


def _variants(srcs, names, p, add):
    """``{label: (meta, build seconds)}``: each method with auto weights, equal weights, and the
    oracle (the best of a weight grid chosen on the evaluation data: a reference, not a method)."""
    out = {}
    for m in p["methods"]:
        # a one-off build, its output used below: measured as a first call
        meta, t = harness.once(
            lambda m=m: M.MetaEmbeddings(srcs, names=names, method=m, weights="auto", add_words=add)
        )
        out[f"{m}, auto"] = (meta, t.wall)
    out["conc, equal weights"] = (M.MetaEmbeddings(srcs, names=names, weights=None, add_words=add), 0.0)
    best = None
    for g in p["grid"]:
        meta = M.MetaEmbeddings(srcs, names=names, weights=[g, (1 - g) / 2, (1 - g) / 2], add_words=add)
        rows = M.evaluate_side_by_side({"m": meta.wv}, SIM_SETS)
        score = sum(rows[0][d][0] for d in SIM_SETS)
        if best is None or score > best[0]:
            best = (score, g, meta)
    out[f"conc, oracle {best[1]:.2f}/{(1 - best[1]) / 2:.3f}×2"] = (best[2], 0.0)
    return out


def _quality_columns(datasets, coverage):
    cols = [("name", "vectors")]
    for d in datasets:
        k = SHORT[d]
        cols.append((k, k, f"{{:.3f}} ({{{k}_coverage:.1f}}%)" if coverage else "{:.3f}"))
    return cols


def quality(bench, p):
    """Tables (a) on the pairs every source covers and (b) on everything; a note on the target."""
    default = engine.datasets.default_vectors()
    models = {
        "default (MiniLM)": default,
        "word2vec (Lee)": _model("word2vec", p),
        "fasttext (wiki)": _model("fasttext", p),
    }
    names, srcs = list(models), list(models.values())
    single = {n: embeddings._as_source(m, i)[0] for i, (n, m) in enumerate(models.items())}
    datasets = SIM_SETS + ((ANALOGIES,) if p["analogies"] else ())
    rows_b = {}
    for tag, add, title in (
        ("a", None, "quality (a): the pairs and questions every source covers, score"),
        ("b", _eval_words(), "quality (b): everything, meta-embeddings fill missing words; score (coverage)"),
    ):
        variants = _variants(srcs, names, p, add)
        named = dict(single, **{f"meta {k}": v[0].wv for k, v in variants.items()})
        table = bench.table(title, _quality_columns(datasets, coverage=tag == "b"))
        for r in M.evaluate_side_by_side(named, datasets, common=tag == "a"):
            row = {"name": r["name"], "words": r["words"], "dim": r["dim"]}
            for d in datasets:
                row[SHORT[d]], row[SHORT[d] + "_coverage"] = r[d]
            rows_b[r["name"]] = table.add(row)
        if tag == "a":
            auto = variants[f"{p['methods'][0]}, auto"][0]
            weights = dict(zip(names, auto.weights.round(3).tolist()))
            table.note(f"auto weights: {weights} — {auto.report['weighting']['how']}")
        else:
            built = ", ".join(f"{k} {v[1]:.2f} s" for k, v in variants.items() if v[1])
            table.note(f"build time with the evaluation words added: {built}")
    # target: a meta-embedding with auto weights beats the best single source on both similarity
    # sets, with >= 99% of the pairs covered (table b)
    best = {SHORT[d]: max(rows_b[n][SHORT[d]] for n in names) for d in SIM_SETS}
    met = [
        n
        for n, r in rows_b.items()
        if n.endswith("auto") and all(r[k] > best[k] and r[k + "_coverage"] >= 99.0 for k in best)
    ]
    table.note(
        "target: an auto-weighted meta-embedding beats the best single source ("
        + ", ".join(f"{k} {v:.3f}" for k, v in best.items())
        + f") on both similarity sets with ≥ 99% coverage: {harness.verdict(bool(met))}"
        + (f" ({', '.join(met)})" if met else "")
    )


# ---------------------------------------------------------------- performance
def _unit64(x):
    x = np.asarray(x, np.float64)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1)


def _perf_inputs(folder, n, dims, methods, seed=0, missing=0.1, max_train=100_000):
    """Random sources and the learned maps/projections of each method, saved in ``folder``."""
    rng = np.random.default_rng(seed)
    S = len(dims)
    for s, d in enumerate(dims):
        np.save(os.path.join(folder, f"x{s}.npy"), rng.standard_normal((n, d), dtype=np.float32))
        idx = rng.permutation(n).astype(np.int64)
        if s:  # source 0 has every word; the others lack a random `missing` share
            idx[rng.random(n) < missing] = -1
        np.save(os.path.join(folder, f"idx{s}.npy"), idx)
    X = [np.load(os.path.join(folder, f"x{s}.npy"), mmap_mode="r") for s in range(S)]
    I = [np.load(os.path.join(folder, f"idx{s}.npy")) for s in range(S)]
    scales = np.sqrt(np.array([0.5, 0.3, 0.2]))
    shared = np.flatnonzero(np.all(np.stack(I) >= 0, axis=0))
    train = _sampling._sample(shared, max_train, rng)
    U = [_unit64(x[i[train]]) for x, i in zip(X, I)]
    maps = {}
    for s in range(1, S):
        for t in range(S):
            if t != s:
                both = _sampling._sample(np.flatnonzero((I[s] >= 0) & (I[t] >= 0)), max_train, rng)
                maps[f"map{t}_{s}"] = M.fill_map(_unit64(X[t][I[t][both]]), _unit64(X[s][I[s][both]]))
    np.savez(os.path.join(folder, "maps.npz"), **maps)
    for method in methods:
        projs, offsets, d_out, _ = projections._learn(
            method, dims[0] if method in ("svd", "1ton") else None, U, scales, 0.01, rng
        )
        np.savez(
            os.path.join(folder, f"{method}.npz"),
            scales=scales,
            offsets=np.array(offsets),
            d_out=d_out,
            **{f"p{s}": p for s, p in enumerate(projs) if p is not None},
        )


def _load_plan(folder, method):
    S = len(glob.glob(os.path.join(folder, "x*.npy")))
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
    # every fill is computed from the rows as loaded (a missing row is zero) before any is
    # written, so the fills go into U itself: only the missing rows are extra memory
    fills = []
    for s in range(S):
        miss = np.flatnonzero(I[s] == -1)
        acc = np.zeros((miss.size, X[s].shape[1]), np.float32)
        for t in range(S):
            A = maps[t * S + s]
            if A is not None and miss.size:
                acc += U[t][miss] @ A  # rows t lacks are zero and add nothing
        norms = np.linalg.norm(acc, axis=1, keepdims=True)
        fills.append((miss, acc / np.where(norms > 0, norms, 1)))
    if any(m is not None for m in maps):
        for u, (miss, f) in zip(U, fills):
            u[miss] = f
    filled = U
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


def _child(folder, method, impl, repeats):
    X, I, maps, scales, projs, offsets, d_out = _load_plan(folder, method)
    before = harness.status_mb("VmRSS")

    def build():
        if impl == "engine":
            srcs = [
                dict(rows=x, idx=i, scale=a, proj=p, offset=o)
                for x, i, a, p, o in zip(X, I, scales, projs, offsets)
            ]
            return _kernels.build_meta(srcs, maps, d_out)[0]
        return numpy_build(X, I, maps, scales, projs, offsets, d_out)

    t = harness.timed(build, repeats, budget=60)  # a slow implementation at 1M words: fewer repeats
    peak = harness.status_mb("VmHWM")
    out = build()  # after the peak was read: kept to check the two implementations agree
    np.save(os.path.join(folder, f"{method}-{impl}.npy"), out[:: max(1, len(out) // 2000)])
    print(json.dumps({"seconds": t.wall, "peak_extra_mb": peak - before, "d_out": d_out}))


def performance(bench, p, threads=None):
    """Time the build of each method in fresh processes, engine's kernel beside numpy."""
    n, dims = p["n"], p["dims"]
    threads = str(threads or engine.get_num_threads())
    env = dict(os.environ, ENGINE_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
    table = bench.table(
        f"performance: 3 random sources × {n:,} words",
        PERF_COLUMNS,
        intro=f"{'/'.join(map(str, dims))} dims, 10% missing in two (ridge-map fills); each build in a "
        f"fresh process on {threads} threads, median of {p['repeats']} (fewer past 60 s); peak = the "
        "process's peak memory above its memory with the inputs loaded.",
    )
    diffs = []
    with tempfile.TemporaryDirectory(prefix="bench-meta-") as folder:
        _perf_inputs(folder, n, dims, p["perf_methods"])
        for method in p["perf_methods"]:
            res = {
                impl: harness.run_script(__file__, "--child", folder, method, impl, p["repeats"], env=env)
                for impl in ("engine", "numpy")
            }
            e, m = res["engine"], res["numpy"]
            outs = [np.load(os.path.join(folder, f"{method}-{impl}.npy")) for impl in ("engine", "numpy")]
            diff = float(np.abs(outs[0] - outs[1]).max())
            diffs.append(diff)
            if not diff <= 1e-4:  # unit rows in float32, sums in another order
                raise RuntimeError(f"meta {method}: engine and numpy builds differ by {diff:.2e}")
            table.add(
                method=method,
                dims=e["d_out"],
                words=n,
                engine_s=e["seconds"],
                numpy_s=m["seconds"],
                speedup=m["seconds"] / e["seconds"],
                engine_peak_mb=e["peak_extra_mb"],
                numpy_peak_mb=m["peak_extra_mb"],
                memory_ratio=e["peak_extra_mb"] / m["peak_extra_mb"],
            )
    ok = all(r["speedup"] >= 3 and r["memory_ratio"] <= 0.5 for r in table.rows)
    table.note(f"engine's and numpy's outputs on every method (sampled rows): max |diff| = {max(diffs):.1e}")
    table.note(f"targets: speed-up ≥ 3×, memory ratio ≤ 0.5: {harness.verdict(ok)}")


# ---------------------------------------------------------------- entry points
def run(quick=False, *, tiny=False, threads=None):
    """The quality tables (a) and (b), then the performance table; their rows."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    bench = harness.Bench("meta", "Meta-embeddings: quality and build speed", size)
    quality(bench, p)
    performance(bench, p, threads)
    return bench.finish()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:  # one timed build, in a fresh process (see performance)
        folder, method, impl, repeats = argv[1:5]
        return _child(folder, method, impl, int(repeats))
    harness.main(run, __doc__, argv, [("--threads", int, "threads of the performance runs")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
