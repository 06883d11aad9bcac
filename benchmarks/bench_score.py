"""`engine score zeroshot` on a large JSONL file, beside the in-memory call and a plain gensim script.

    python benchmarks/bench_score.py            # 1,000,000 rows of 10-30 words
    python benchmarks/bench_score.py --quick    # 100,000 rows

Three measurements, each in a fresh Python process (its peak resident memory, VmHWM, is its own):

- ``engine score``: the command's entry point (``engine.cli.main``) in a fresh Python, JSONL in,
  JSONL out (id, label, score), on the
  embedded default vectors (21,745 × 384) with 8 labels; the whole process's wall time
  (start-up, memory-mapping the vectors, building the classifier, reading, scoring, writing).
- in-memory: ``ZeroShotClassifier.predict_proba`` + argmax on the same texts already in a list
  (reading them is not timed): what ``engine score`` costs beyond the library call.
- gensim + numpy: a straightforward script a user would write — ``json.loads`` each line,
  ``KeyedVectors.get_mean_vector`` of its words, cosine against the label vectors, softmax,
  argmax, ``json.dumps`` a line — run on the first ``--naive-rows`` rows (its cost per row is
  constant; the time excludes building the KeyedVectors).

Targets: engine score ≥ 10× the gensim script's rows/s, and ≤ 2× the in-memory call's time.
The input is generated once (seeded) into --cache (default $ENGINE_BENCH_CACHE or <tmp>/engine-bench).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = {
    "sport": "sport football team game match player",
    "food": "food cooking meal recipe kitchen bread",
    "money": "money bank market price stock finance",
    "health": "health doctor hospital disease medicine",
    "music": "music song band album concert",
    "travel": "travel trip hotel flight city tourism",
    "science": "science research physics chemistry experiment",
    "politics": "politics government election president law",
}

_PEAK = r"""
def peak_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

IN_MEMORY = (
    _PEAK
    + r"""
import json, sys, time
import numpy as np
import engine
path, labels = sys.argv[1], json.load(open(sys.argv[2]))
v = engine.load(engine.datasets.default_path(), mmap=True)
clf = engine.ZeroShotClassifier(v, labels)
with open(path, "rb") as f:
    texts = [json.loads(line)["text"] for line in f]
t = time.perf_counter()
p = clf.predict_proba(texts)
best = p.argmax(axis=1)
score = p[np.arange(len(best)), best]
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": len(texts), "peak_mb": peak_mb()}))
"""
)

NAIVE = (
    _PEAK
    + r"""
import json, sys, time
import numpy as np
from gensim.models import KeyedVectors
import engine
path, labels, limit, out = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4]
v = engine.load(engine.datasets.default_path())
kv = KeyedVectors(v.vector_size)
kv.add_vectors(v.index_to_key, v.vectors)
names = list(labels)
L = np.array([kv.get_mean_vector(labels[n].split(), pre_normalize=True, post_normalize=True) for n in names])
t = time.perf_counter()
n = 0
with open(path) as f, open(out, "w") as w:
    for line in f:
        if n == limit:
            break
        rec = json.loads(line)
        words = [x for x in rec["text"].lower().split() if x in kv.key_to_index]
        if words:
            doc = kv.get_mean_vector(words, pre_normalize=True, post_normalize=True)
            s = L @ doc
        else:
            s = np.zeros(len(names))
        e = np.exp((s - s.max()) / 0.05)
        p = e / e.sum()
        j = int(p.argmax())
        w.write(json.dumps({"id": rec["id"], "label": names[j], "score": float(p[j])}) + "\n")
        n += 1
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": n, "peak_mb": peak_mb()}))
"""
)


def make_input(path, n, seed=0):
    """``n`` JSONL rows {"id", "text"} of 10-30 words: vocabulary words by a Zipf-like draw, and
    about 5% unknown words, as real text has."""
    sys.path.insert(0, ROOT)
    import numpy as np

    import engine

    words = engine.load(engine.datasets.default_path(), mmap=True).index_to_key
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(words) + 1) ** 0.8
    weights /= weights.sum()
    lengths = rng.integers(10, 31, size=n)
    picks = rng.choice(len(words), size=int(lengths.sum()), p=weights)
    oov = rng.random(len(picks)) < 0.05
    tmp = path + ".tmp"
    pos = 0
    rnd = random.Random(seed)
    with open(tmp, "w", encoding="utf-8") as f:
        for i, k in enumerate(lengths.tolist()):
            toks = [
                f"x{rnd.randrange(10**6)}" if o else words[j]
                for j, o in zip(picks[pos : pos + k].tolist(), oov[pos : pos + k].tolist())
            ]
            pos += k
            f.write(json.dumps({"id": f"r{i}", "text": " ".join(toks)}) + "\n")
    os.replace(tmp, path)


def _env():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _child(code, *args):
    r = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], env=_env(), cwd=ROOT, capture_output=True, text=True
    )
    if r.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


ENGINE_SCORE = (
    _PEAK
    + r"""
import json, sys
from engine.cli import main
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "peak_mb": peak_mb()}))
"""
)


def _engine_score(path, labels, out, batch_size):
    """Wall time of one process running `engine score` (its CLI entry point, in a fresh Python)
    and that process's peak memory (VmHWM: unlike ru_maxrss it does not carry over the parent's)."""
    import time

    args = [
        "score",
        "zeroshot",
        path,
        "-o",
        out,
        "--labels",
        labels,
        "--id-field",
        "id",
        "--batch-size",
        batch_size,
        "--progress",
        "never",
        "--quiet",
    ]
    t = time.perf_counter()
    r = _child(ENGINE_SCORE, *args)
    dt = time.perf_counter() - t
    if r["rc"] != 0:
        raise RuntimeError(f"engine score exited with {r['rc']}")
    return {"seconds": dt, "peak_mb": r["peak_mb"]}


def run(quick=False, repeats=None, naive_rows=None, cache=None, batch_size=10000):
    """Measure the three ways; one dict per way (rows, seconds, rows/s, peak MB, ratios)."""
    n = 100_000 if quick else 1_000_000
    repeats = repeats or (3 if quick else 1)
    naive_rows = min(n, naive_rows or (20_000 if quick else 100_000))
    cache = (
        cache or os.environ.get("ENGINE_BENCH_CACHE") or os.path.join(tempfile.gettempdir(), "engine-bench")
    )
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"score-{n}.jsonl")
    if not os.path.exists(path):
        make_input(path, n)
    labels = os.path.join(cache, "score-labels.json")
    with open(labels, "w") as f:
        json.dump(LABELS, f)
    work = tempfile.mkdtemp(prefix="bench-score-")
    out = os.path.join(work, "out.jsonl")
    try:
        eng = [_engine_score(path, labels, out, batch_size) for _ in range(repeats)]
        with open(out, "rb") as f:
            written = sum(1 for _ in f)
        assert written == n, (written, n)
        mem = [_child(IN_MEMORY, path, labels) for _ in range(repeats)]
        naive = [
            _child(NAIVE, path, labels, naive_rows, os.path.join(work, "naive.jsonl")) for _ in range(repeats)
        ]
    finally:
        for name in os.listdir(work):
            os.remove(os.path.join(work, name))
        os.rmdir(work)

    def row(what, runs, rows):
        sec = statistics.median(r["seconds"] for r in runs)
        return {
            "what": what,
            "rows": rows,
            "seconds": sec,
            "rows_per_s": rows / sec,
            "peak_mb": statistics.median(r["peak_mb"] for r in runs),
        }

    e = row("engine score zeroshot (whole process, JSONL in and out)", eng, n)
    m = row("in-memory predict_proba + argmax (texts in a list)", mem, n)
    g = row("gensim + numpy script (per line)", naive, naive_rows)
    for r in (e, m, g):
        r["engine_speedup"] = e["rows_per_s"] / r["rows_per_s"]
    return [e, m, g]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    p.add_argument(
        "--repeats", type=int, default=None, help="median of this many runs (default 3 quick, 1 full)"
    )
    p.add_argument(
        "--naive-rows",
        type=int,
        default=None,
        help="rows the gensim script scores (default 20k quick, 100k full)",
    )
    p.add_argument("--batch-size", type=int, default=10000)
    p.add_argument("--cache", default=None)
    args = p.parse_args(argv)
    sys.path.insert(0, ROOT)
    import engine
    from engine.bench import cpu_model

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; engine threads: {engine.get_num_threads()}; "
        f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    rows = run(args.quick, args.repeats, args.naive_rows, args.cache, args.batch_size)
    print(f"{'':<58}{'rows':>10}{'seconds':>9}{'rows/s':>11}{'peak MB':>9}{'engine ×':>10}")
    for r in rows:
        print(
            f"{r['what']:<58}{r['rows']:>10,}{r['seconds']:>9.2f}{r['rows_per_s']:>11,.0f}"
            f"{r['peak_mb']:>9,.0f}{r['engine_speedup']:>10.2f}"
        )
    e, m, g = rows
    print(
        f"target ≥ 10× the gensim + numpy script: {g['engine_speedup']:.1f}× ... "
        f"{'met' if e['rows_per_s'] >= 10 * g['rows_per_s'] else 'MISSED'}"
    )
    print(
        f"target within 2× of the in-memory call: {e['seconds'] / m['seconds']:.2f}× its time ... "
        f"{'met' if e['seconds'] <= 2 * m['seconds'] else 'MISSED'}"
    )
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
