"""Zero-shot scoring speed: texts per second, engine beside gensim + numpy.

Workload: N short texts (10–30 words each, N = 1,000,000; 100,000 with --quick) drawn from the
unigram distribution of gensim's Lee background corpus restricted to the default vocabulary
(real word frequencies, so SIF weights matter), scored against 4 labels given as descriptions:
SIF weighting fitted on the Lee corpus, first principal component removed, cosine, softmax —
``ZeroShotClassifier.predict_proba(texts)``.

Peer: the same formula written the straightforward way with gensim and numpy, one text at a time
(``gensim.utils.tokenize``, ``KeyedVectors.key_to_index``, a weighted mean of
``get_normed_vectors()`` rows, component removal, normalisation, ``L @ v``, softmax). It is timed
on the first 20,000 texts (its rate does not depend on N) and its probabilities are checked
against engine's on them.

Times: median wall clock and median CPU time of the process (all its threads). On a shared,
loaded machine wall clock measures the share of the CPU the run got as much as the code; CPU
time does not, so both are printed.

Peak memory: the peak of memory allocated while one call runs (tracemalloc: numpy arrays and
Python objects; the texts themselves exist before and are not counted), from a separate untimed
run, since tracing slows Python code.

    python benchmarks/bench_classify.py [--quick] [--repeats R]
"""

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engine  # noqa: E402
from engine.classify import DEFAULT_TEMPERATURE, ZeroShotClassifier, _lee_corpus  # noqa: E402

LABELS = {
    "sport": "sport football team match game",
    "food": "food cooking meal recipe dinner",
    "technology": "computer software internet technology phone",
    "politics": "government election parliament minister vote",
}
PEER_TEXTS = 20_000


def make_texts(v, n, seed=0):
    """``n`` texts of 10–30 words sampled from the Lee corpus's word frequencies."""
    from engine._text import tokenize

    stream = [w for line in _lee_corpus() for w in tokenize(line) if w in v.key_to_index]
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


def _timed(fn, repeats):
    """Median wall time and median CPU time (all threads of the process) of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


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


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load": os.getloadavg()[0]}


def run(quick=False, repeats=3):
    """Measure; return one dict per implementation (texts/s, ratio to the peer, peak memory)."""
    n = 100_000 if quick else 1_000_000
    v = engine.datasets.default_vectors()
    clf = ZeroShotClassifier(v, LABELS)
    texts = make_texts(v, n)
    peer = GensimPeer(clf, v)
    sub = texts[:PEER_TEXTS]
    diff = float(np.abs(clf.predict_proba(sub[:2000]) - peer.proba(sub[:2000])).max())
    rows = []
    threads = engine.get_num_threads()
    for name, n_threads in ((f"engine ({threads} threads)", threads), ("engine (1 thread)", 1)):
        engine.set_num_threads(n_threads)
        dt, cpu = _timed(lambda: clf.predict_proba(texts), repeats)
        rows.append(
            {
                "implementation": name,
                "texts": n,
                "seconds": dt,
                "texts_per_s": n / dt,
                "cpu_seconds": cpu,
                "texts_per_cpu_s": n / cpu,
                "peak_mb": _peak_mb(lambda: clf.predict_proba(texts)),
            }
        )
    engine.set_num_threads(threads)
    dt, cpu = _timed(lambda: peer.proba(sub), repeats)
    rows.append(
        {
            "implementation": "gensim + numpy (1 thread, per text)",
            "texts": len(sub),
            "seconds": dt,
            "texts_per_s": len(sub) / dt,
            "cpu_seconds": cpu,
            "texts_per_cpu_s": len(sub) / cpu,
            "peak_mb": _peak_mb(lambda: peer.proba(sub)),
        }
    )
    base, base_cpu = rows[-1]["texts_per_s"], rows[-1]["texts_per_cpu_s"]
    for r in rows:
        r["ratio"] = r["texts_per_s"] / base
        r["cpu_ratio"] = r["texts_per_cpu_s"] / base_cpu
        r["max_abs_proba_diff"] = diff
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 texts instead of 1,000,000")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    m = machine()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, load average {m['load']:.2f}; "
        f"engine threads: {engine.get_num_threads()}"
    )
    rows = run(args.quick, args.repeats)
    print(
        f"zero-shot scoring (SIF + PC removal, 4 labels, softmax), median of {args.repeats}; "
        f"engine vs peer probabilities: max |diff| = {rows[0]['max_abs_proba_diff']:.2e}"
    )
    print(
        "| implementation | texts | seconds | texts/s | × gensim+numpy | texts per CPU-second | "
        "× (CPU time) | peak memory (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['implementation']} | {r['texts']:,} | {r['seconds']:.2f} | {r['texts_per_s']:,.0f} | "
            f"{r['ratio']:.1f}× | {r['texts_per_cpu_s']:,.0f} | {r['cpu_ratio']:.1f}× | {r['peak_mb']:.0f} |"
        )
    print(
        f"load average after the run: {os.getloadavg()[0]:.2f} (a loaded machine stretches wall "
        "times; CPU time counts only the cycles this process got)"
    )


if __name__ == "__main__":
    main()
