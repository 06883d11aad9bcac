"""Zero-shot scoring speed: texts per second, engine beside gensim + numpy.

Workload: N short texts (10–30 words each, N = 1,000,000; 100,000 with --quick) drawn from the
unigram distribution of gensim's Lee background corpus restricted to the default vocabulary
(real word frequencies, so SIF weights matter), scored against 4 labels given as descriptions:
SIF weighting fitted on the Lee corpus, first principal component removed, cosine, softmax —
``ZeroShotClassifier.predict_proba(texts)``.

Peer: the same formula written the straightforward way with gensim and numpy, one text at a time
(``gensim.utils.tokenize``, ``KeyedVectors.key_to_index``, a weighted mean of
``get_normed_vectors()`` rows, component removal, normalisation, ``L @ v``, softmax). It is timed
on the first 20,000 texts (its rate does not depend on N), first, and its probabilities are checked
against engine's on them.

Times: median wall clock and median CPU time of the process (all its threads). On a shared,
loaded machine wall clock measures the share of the CPU the run got as much as the code; CPU
time does not, so both are printed.

Peak memory: the peak of memory allocated while one call on the peer's 20,000 texts runs, for
every implementation alike (tracemalloc: numpy arrays and Python objects; the texts themselves
exist before and are not counted), from a separate untimed run, since tracing slows Python code.

Threads: engine on all threads and on one, the peer on one, as the labels say; each held there
by ``harness.limit_threads`` (engine's own setting, and threadpoolctl for every BLAS pool). Every timing follows a pause and a warm-up call.

    python benchmarks/bench_classify.py [--quick] [--repeats R]
"""

import numpy as np

if __name__ == "__main__":  # `python benchmarks/bench_classify.py` in a source checkout: its engine
    import _checkout  # noqa: F401

import engine  # noqa: E402
from engine.bench import harness  # noqa: E402
from engine.classify import DEFAULT_TEMPERATURE, ZeroShotClassifier  # noqa: E402

LABELS = {
    "sport": "sport football team match game",
    "food": "food cooking meal recipe dinner",
    "technology": "computer software internet technology phone",
    "politics": "government election parliament minister vote",
}
SIZES = {
    "tiny": dict(n=2_000, peer_texts=500, check=200, repeats=1),
    "quick": dict(n=100_000, peer_texts=20_000, check=2_000, repeats=3),
    "full": dict(n=1_000_000, peer_texts=20_000, check=2_000, repeats=3),
}
COLUMNS = [
    ("implementation", "implementation"),
    ("texts", "texts", "{:,}"),
    ("seconds", "seconds", "{:.2f}"),
    ("texts_per_s", "texts/s", "{:,.0f}"),
    ("ratio", "× gensim+numpy", "{:.1f}×"),
    ("texts_per_cpu_s", "texts per CPU-second", "{:,.0f}"),
    ("cpu_ratio", "× (CPU time)", "{:.1f}×"),
    ("peak_mb", "peak memory (MB)", "{:,.0f}"),
]


def make_texts(v, n, seed=0):
    """``n`` texts of 10–30 words sampled from the Lee corpus's word frequencies."""
    from engine._text import tokenize

    with open(engine.datasets.gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        stream = [w for line in f for w in tokenize(line) if w in v.key_to_index]
    words, counts = np.unique(np.array(stream, dtype=object), return_counts=True)
    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 31, n)
    ids = rng.choice(len(words), size=int(lengths.sum()), p=counts / counts.sum())
    flat = words[ids].tolist()
    out, pos = [], 0
    for ln in lengths.tolist():
        out.append(" ".join(flat[pos : pos + ln]))
        pos += ln
    return out


class GensimPeer:
    """The formula written the straightforward way: gensim for tokens and vectors, numpy math."""

    def __init__(self, clf, v):
        from gensim.models import KeyedVectors

        self.kv = KeyedVectors(v.vector_size)
        self.kv.add_vectors(v.index_to_key, v.unit)
        self.unit = self.kv.get_normed_vectors()
        emb = clf.fit().embedder_
        self.weight = emb.word_weights_.astype(np.float64)
        self.u = emb.components_.astype(np.float64)
        self.L = clf.label_vectors_.astype(np.float64)
        self.T = DEFAULT_TEMPERATURE if clf.temperature is None else clf.temperature

    def proba(self, texts):
        from gensim.utils import tokenize

        k2i = self.kv.key_to_index
        out = np.empty((len(texts), self.L.shape[0]))
        for i, text in enumerate(texts):
            ids = [k2i[w] for w in tokenize(text, lowercase=True) if w in k2i]
            if not ids:
                out[i] = 1.0 / self.L.shape[0]
                continue
            w = self.weight[ids]
            x = w @ self.unit[ids] / len(ids)
            x = x - self.u.T @ (self.u @ x)
            x /= np.linalg.norm(x)
            s = self.L @ x / self.T
            e = np.exp(s - s.max())
            out[i] = e / e.sum()
        return out


def _peak_mb(fn):
    """Peak memory allocated while ``fn()`` runs, traced (numpy and Python allocations), in MB.
    A separate, untimed run: tracing slows Python code down."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(quick=False, *, tiny=False, repeats=None):
    """Measure the peer, then engine on all threads and on one; one row per implementation."""
    size = harness.size_name(quick, tiny)
    p = SIZES[size]
    n, repeats = p["n"], repeats or p["repeats"]
    v = engine.datasets.default_vectors()
    clf = ZeroShotClassifier(v, LABELS)
    texts = make_texts(v, n)
    peer = GensimPeer(clf, v)
    sub = texts[: p["peer_texts"]]
    check = sub[: p["check"]]
    diff = float(np.abs(clf.predict_proba(check) - peer.proba(check)).max())
    bench = harness.Bench("classify", "Zero-shot scoring speed", size)
    table = bench.table(
        f"zero-shot scoring of {n:,} texts (SIF + PC removal, 4 labels, softmax)",
        COLUMNS,
        intro=f"Median of {repeats}; × = texts/s over the gensim + numpy peer's (timed on "
        f"{len(sub):,} texts: its rate does not depend on N). Peak memory: allocated during one call "
        f"on the same {len(sub):,} texts (tracemalloc), from a separate untimed run.",
    )

    def measure(name, fn, count, peak_fn):
        t = harness.timed(fn, repeats, warmup=True, settle=0.5)
        r = dict(implementation=name, texts=count, seconds=t.wall, cpu_seconds=t.cpu)
        r.update(texts_per_s=count / t.wall, texts_per_cpu_s=count / t.cpu, peak_mb=_peak_mb(peak_fn))
        base = r if not table.rows else table.rows[0]  # the peer comes first
        r.update(ratio=r["texts_per_s"] / base["texts_per_s"], max_abs_proba_diff=diff)
        r["cpu_ratio"] = r["texts_per_cpu_s"] / base["texts_per_cpu_s"]
        return table.add(r)

    with harness.limit_threads(1):  # the peer's numpy (BLAS) on the one thread its label says
        measure(
            "gensim + numpy (1 thread, per text)", lambda: peer.proba(sub), len(sub), lambda: peer.proba(sub)
        )
    threads = engine.get_num_threads()
    for name, k in ((f"engine ({threads} threads)", threads), ("engine (1 thread)", 1)):
        with harness.limit_threads(k):
            # peak memory on the peer's texts: both measured on the same input
            measure(name, lambda: clf.predict_proba(texts), n, lambda: clf.predict_proba(sub))
    table.note(f"engine's and the peer's probabilities on {len(check):,} texts: max |diff| = {diff:.2e}")
    table.note("a loaded machine stretches wall times; CPU time counts only the cycles this process got")
    return bench.finish()


def main(argv=None):
    harness.main(run, __doc__, argv, [("--repeats", int, "median of this many runs (default 3)")])


if __name__ == "__main__":
    main()
