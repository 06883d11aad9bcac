"""Topic spaces: exact nearest documents by Hellinger distance, and the LDA E-step, beside gensim.

    python benchmarks/bench_topics.py            # 1,000,000 distributions; 100,000 documents
    python benchmarks/bench_topics.py --quick    # 100,000 distributions; 10,000 documents

Nearest documents. N random topic distributions (Dirichlet(0.1) over K = 100 topics, summing to
1) and 1,000 queries of the same kind; the 10 nearest by Hellinger distance. engine:
``TopicIndex(corpus).knn(queries, k=10)``, exact (the float32 top-k kernel, then a certified
float64 re-rank). gensim: ``MatrixSimilarity`` over the square roots of the distributions (whose
cosine is 1 - H², the Hellinger-equivalent score) with ``num_best=10``, its index set to the unit
float32 rows its constructor would build, queried with dense unit rows (its fastest input) in
chunks of 100 queries (its whole result, N scores per query, must fit in memory), and one query
at a time as its tutorials query it (a sample of queries, the rate extrapolated to all);
``matutils.hellinger`` in a loop over pairs (a sample of pairs, extrapolated to every pair).
Both sides use the same threads (gensim through its BLAS).

Inference. A K = 100 model over 20,000 words with peaked topics (gensim's float32), and short
documents of 5 to 30 distinct words drawn from three topics each; engine's
``TopicSpace.inference`` and gensim's ``LdaModel.inference`` from the same start (so the same
rounds), gensim single-threaded (its loop is Python), engine on 1 and on 2 threads.

Each measurement runs in a fresh process: time is the median of the repeats; memory the
process's peak resident memory above its memory once the inputs are loaded (VmHWM - VmRSS).
"""

import json
import os
import pickle
import sys
import tempfile

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_topics.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
import engine.topics  # noqa: E402
from engine.bench import harness  # noqa: E402

K_NEAREST = 10
TARGETS = {"matrix_similarity": 30.0, "hellinger_loop": 100.0, "inference": 5.0}
SIZES = {
    "tiny": dict(n=2_000, topics=20, queries=50, per_query=5, pairs=2_000, chunk=25,
                 docs=300, vocab=2_000, infer_topics=20, repeats=1),
    "quick": dict(n=100_000, topics=100, queries=1_000, per_query=20, pairs=20_000, chunk=100,
                  docs=10_000, vocab=20_000, infer_topics=100, repeats=3),
    "full": dict(n=1_000_000, topics=100, queries=1_000, per_query=20, pairs=20_000, chunk=100,
                 docs=100_000, vocab=20_000, infer_topics=100, repeats=3),
}  # fmt: skip
KNN_COLUMNS = [
    ("N", "N", "{:,}"),
    ("K", "K"),
    ("queries", "queries"),
    ("threads", "threads"),
    ("engine_s", "engine s", "{:.3f}"),
    ("engine_cpu_s", "engine CPU s", "{:.3f}"),
    ("engine_build_s", "engine build s", "{:.2f}"),
    ("gensim_batched_s", "MatrixSimilarity s (chunks)", "{:.2f}"),
    ("gensim_per_query_s", "MatrixSimilarity s (one by one)", "{:.1f}"),
    ("loop_s", "hellinger loop s", "{:,.0f}"),
    ("vs_batched", "× chunks", "{:.1f}x"),
    ("vs_per_query", "× one by one", "{:.1f}x"),
    ("vs_loop", "× loop", "{:,.0f}x"),
    ("engine_peak_mb", "engine peak MB", "{:,.0f}"),
    ("gensim_peak_mb", "MatrixSimilarity peak MB", "{:,.0f}"),
    ("same_neighbours", "same neighbours", "{:.1%}"),
]
INFER_COLUMNS = [
    ("docs", "documents", "{:,}"),
    ("K", "K"),
    ("rounds", "mean rounds", "{:.1f}"),
    ("gensim_s", "gensim s (1 thread)", "{:.2f}"),
    ("engine_1_s", "engine s (1 thread)", "{:.3f}"),
    ("engine_2_s", "engine s (2 threads)", "{:.3f}"),
    ("engine_2_cpu_s", "its CPU s", "{:.3f}"),
    ("vs_1", "× gensim, 1 thread", "{:.1f}x"),
    ("vs_2", "× gensim, 2 threads", "{:.1f}x"),
    ("engine_peak_mb", "engine peak MB", "{:,.0f}"),
    ("gensim_peak_mb", "gensim peak MB", "{:,.0f}"),
]


# ---------------------------------------------------------------- inputs (written once per run)
def knn_inputs(folder, p, seed=0):
    """Corpus and queries: Dirichlet(0.1) topic distributions, float64."""
    rng = np.random.default_rng(seed)
    alpha = np.full(p["topics"], 0.1)
    np.save(os.path.join(folder, "corpus.npy"), rng.dirichlet(alpha, p["n"]))
    np.save(os.path.join(folder, "queries.npy"), rng.dirichlet(alpha, p["queries"]))


def inference_inputs(folder, p, seed=0):
    """A peaked random model (saved), short documents, and one start for both sides."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    rng = np.random.default_rng(seed)
    K, V = p["infer_topics"], p["vocab"]
    lda = LdaModel(id2word=Dictionary([[f"w{i}" for i in range(V)]]), num_topics=K, random_state=seed)
    lda.state.sstats = rng.gamma(0.05, 50.0, (K, V)).astype(np.float32)
    lda.sync_state()
    lda.save(os.path.join(folder, "lda.model"))
    beta = lda.expElogbeta / lda.expElogbeta.sum(axis=1, keepdims=True)
    bows = []
    for _ in range(p["docs"]):
        n = int(rng.integers(5, 31))
        words = np.concatenate([rng.choice(V, n // 3 + 1, p=beta[t]) for t in rng.choice(K, 3)])
        ids, counts = np.unique(words, return_counts=True)
        bows.append(list(zip(ids.tolist(), counts.astype(float).tolist())))
    with open(os.path.join(folder, "bows.pickle"), "wb") as f:
        pickle.dump(bows, f)
    start = np.random.RandomState(seed).gamma(100.0, 0.01, (len(bows), K)).astype(np.float32)
    np.save(os.path.join(folder, "start.npy"), start)


# ---------------------------------------------------------------- children: one measurement each
def _report(before, **values):
    print(json.dumps({**values, "peak_extra_mb": harness.status_mb("VmHWM") - before}))


def child_knn_engine(folder, repeats):
    corpus, queries = (np.load(os.path.join(folder, f)) for f in ("corpus.npy", "queries.npy"))
    before = harness.status_mb("VmRSS")
    index, build = harness.once(lambda: engine.topics.TopicIndex(corpus, "hellinger"))
    res = index.knn(queries, k=K_NEAREST)
    timing = harness.timed(lambda: index.knn(queries, k=K_NEAREST), repeats, budget=60)
    np.save(os.path.join(folder, "engine_ids.npy"), res.indices)
    _report(before, build_s=build.wall, knn_s=timing.wall, knn_cpu_s=timing.cpu)


def _matrix_similarity(corpus):
    """gensim's MatrixSimilarity over the square roots, its index the unit rows it would build."""
    from gensim.similarities import MatrixSimilarity

    ms = MatrixSimilarity(None, num_features=corpus.shape[1], num_best=K_NEAREST, corpus_len=0)
    roots = np.sqrt(corpus).astype(np.float32)
    roots /= np.linalg.norm(roots, axis=1, keepdims=True)
    ms.index = roots
    return ms


def child_knn_gensim(folder, repeats, chunk, per_query):
    corpus, queries = (np.load(os.path.join(folder, f)) for f in ("corpus.npy", "queries.npy"))
    q = np.sqrt(queries).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    before = harness.status_mb("VmRSS")
    ms = _matrix_similarity(corpus)
    del corpus

    def batched():
        return [hits for s in range(0, len(q), chunk) for hits in ms[q[s : s + chunk]]]

    hits = batched()
    timing = harness.timed(batched, repeats, budget=120)
    one = harness.timed(lambda: [ms[v] for v in q[:per_query]], 1, per=per_query)
    ids = np.array([[int(i) for i, _ in h] for h in hits])
    np.save(os.path.join(folder, "gensim_ids.npy"), ids)
    _report(before, batched_s=timing.wall, per_query_s=one.wall * len(q))


def child_hellinger_loop(folder, pairs):
    from gensim import matutils

    corpus, queries = (np.load(os.path.join(folder, f)) for f in ("corpus.npy", "queries.npy"))
    before = harness.status_mb("VmRSS")
    rows = corpus[: max(1, pairs // len(queries))]
    # one pass (a Python loop: seconds at full size; its first pass is its steady rate)
    _, loop = harness.once(lambda: [matutils.hellinger(a, b) for a in queries for b in rows])
    per_pair = loop.wall / (len(queries) * len(rows))
    _report(before, loop_s=per_pair * len(corpus) * len(queries))


def child_infer(folder, impl, repeats):
    with open(os.path.join(folder, "bows.pickle"), "rb") as f:
        bows = pickle.load(f)
    start = np.load(os.path.join(folder, "start.npy"))
    space = engine.TopicSpace.load(os.path.join(folder, "lda.model"))
    bags = space.bags(bows)
    before = harness.status_mb("VmRSS")
    if impl == "gensim":
        lda = space.lda
        lda.random_state = _FixedStart(start)
        timing = harness.timed(lambda: lda.inference(bows), repeats, budget=60)
        _report(before, seconds=timing.wall)
        return
    gamma = space.inference(bags, gamma=start)
    timing = harness.timed(lambda: space.inference(bags, gamma=start), repeats, budget=60)
    from engine.topics.inference import infer

    rounds = infer(space._arrays, bags, start)[1]
    np.save(os.path.join(folder, "engine_gamma.npy"), gamma)
    _report(before, seconds=timing.wall, cpu_s=timing.cpu, rounds=float(rounds.mean()))


class _FixedStart:
    """An LdaModel random_state whose gamma draw is the given start (the same start for both)."""

    def __init__(self, start):
        self.start = start

    def gamma(self, shape, scale, size):
        return self.start.copy()


# ---------------------------------------------------------------- the tables
def _child(folder, mode, *args, threads):
    env = dict(os.environ, ENGINE_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return harness.run_script(os.path.abspath(__file__), "--child", mode, folder, *map(str, args), env=env)


def nearest(bench, p, threads, folder):
    """The nearest-documents table: engine, MatrixSimilarity (chunks, one by one), the loop."""
    table = bench.table(
        f"{K_NEAREST} nearest documents by Hellinger distance, {p['queries']:,} queries",
        KNN_COLUMNS,
        intro=f"Every library on {threads} threads; seconds for all the queries (the one-by-one and "
        "loop figures extrapolated from a sample); engine CPU s: the CPU time of all its threads (about "
        "threads × its seconds when the cores were free for it); × = gensim's time over engine's; same "
        "neighbours = share of engine's exact neighbours that MatrixSimilarity's float32 scores also give.",
    )
    knn_inputs(folder, p)
    e = _child(folder, "knn-engine", p["repeats"], threads=threads)
    g = _child(folder, "knn-gensim", p["repeats"], p["chunk"], p["per_query"], threads=threads)
    loop = _child(folder, "knn-loop", p["pairs"], threads=1)
    ours, theirs = (np.load(os.path.join(folder, f"{x}_ids.npy")) for x in ("engine", "gensim"))
    same = np.mean([len(set(a) & set(b)) / K_NEAREST for a, b in zip(ours.tolist(), theirs.tolist())])
    row = table.add(
        N=p["n"], K=p["topics"], queries=p["queries"], threads=threads, engine_s=e["knn_s"], engine_cpu_s=e["knn_cpu_s"],
        engine_build_s=e["build_s"], gensim_batched_s=g["batched_s"], gensim_per_query_s=g["per_query_s"],
        loop_s=loop["loop_s"], vs_batched=g["batched_s"] / e["knn_s"],
        vs_per_query=g["per_query_s"] / e["knn_s"], vs_loop=loop["loop_s"] / e["knn_s"],
        engine_peak_mb=e["peak_extra_mb"], gensim_peak_mb=g["peak_extra_mb"], same_neighbours=same,
    )  # fmt: skip
    for name, key, target in (
        ("MatrixSimilarity in chunks", "vs_batched", "matrix_similarity"),
        ("MatrixSimilarity one query at a time", "vs_per_query", "matrix_similarity"),
        ("a loop over matutils.hellinger", "vs_loop", "hellinger_loop"),
    ):
        ok = row[key] >= TARGETS[target] if p["n"] >= 1_000_000 else None
        table.note(f"target ≥ {TARGETS[target]:.0f}× {name} at 1,000,000 × 100: {harness.verdict(ok)}")


def inference_speed(bench, p, folder):
    """The E-step table: gensim on 1 thread, engine on 1 and on 2."""
    table = bench.table(
        f"E-step of {p['docs']:,} short documents",
        INFER_COLUMNS,
        intro="From the same start, so both run the same rounds; seconds for all the documents "
        "(bags of words given: the text-to-ids step is not timed); its CPU s: the CPU time of engine's "
        "two threads (about twice its seconds when both cores were free for it).",
    )
    inference_inputs(folder, p)
    g = _child(folder, "infer-gensim", 1, threads=1)
    e1 = _child(folder, "infer-engine", p["repeats"], threads=1)
    e2 = _child(folder, "infer-engine", p["repeats"], threads=2)
    row = table.add(
        docs=p["docs"], K=p["infer_topics"], rounds=e1["rounds"], gensim_s=g["seconds"],
        engine_1_s=e1["seconds"], engine_2_s=e2["seconds"], engine_2_cpu_s=e2["cpu_s"], vs_1=g["seconds"] / e1["seconds"],
        vs_2=g["seconds"] / e2["seconds"], engine_peak_mb=e1["peak_extra_mb"], gensim_peak_mb=g["peak_extra_mb"],
    )  # fmt: skip
    ok = row["vs_1"] >= TARGETS["inference"] if p["docs"] >= 100_000 else None
    table.note(f"target ≥ 5× gensim's inference single-threaded at 100,000 documents: {harness.verdict(ok)}")


# ---------------------------------------------------------------- entry points
def run(quick=False, *, tiny=False, threads=None):
    """Both tables; their rows."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    threads = threads or engine.get_num_threads()
    bench = harness.Bench("topics", "Topic spaces: nearest documents and the LDA E-step", size)
    with tempfile.TemporaryDirectory(prefix="bench-topics-") as folder:
        nearest(bench, p, threads, folder)
        inference_speed(bench, p, folder)
    return bench.finish()


CHILDREN = {
    "knn-engine": lambda folder, repeats: child_knn_engine(folder, int(repeats)),
    "knn-gensim": lambda folder, r, c, q: child_knn_gensim(folder, int(r), int(c), int(q)),
    "knn-loop": lambda folder, pairs: child_hellinger_loop(folder, int(pairs)),
    "infer-gensim": lambda folder, repeats: child_infer(folder, "gensim", int(repeats)),
    "infer-engine": lambda folder, repeats: child_infer(folder, "engine", int(repeats)),
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:  # one measurement in a fresh process
        CHILDREN[argv[1]](*argv[2:])
        return 0
    harness.main(run, __doc__, argv, [("--threads", int, "threads of the nearest-documents runs")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
