"""Loading a word2vec binary: engine vs gensim; opening engine's own format with mmap=True.

    python benchmarks/bench_load.py            # 1,000,000 × 300 (a 1.2 GB file, cached)
    python benchmarks/bench_load.py --quick    # 100,000 × 300

Each load runs in a fresh Python process (so peak memory is that load's alone): the wall time
of the load call, and the child's peak resident memory (its VmHWM, the kernel's ru_maxrss of
this process image; it includes the interpreter and its imports, shown as "before load").
Median of --repeats runs. The random files are written once and cached in --cache (default:
$ENGINE_BENCH_CACHE or <tmp>/engine-bench).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIM = 300

CHILD = r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
if kind == "gensim":
    from gensim.models import KeyedVectors
    load = lambda: KeyedVectors.load_word2vec_format(path, binary=True)
elif kind == "gensim-text":
    from gensim.models import KeyedVectors
    load = lambda: KeyedVectors.load_word2vec_format(path, binary=False)
elif kind == "engine":
    import engine
    load = lambda: engine.load(path)
elif kind == "engine-mmap":
    import engine
    load = lambda: engine.load(path, mmap=True)
def peak_kb():
    # VmHWM: this process image's own high-water mark. ru_maxrss would do, but Linux carries it
    # over exec() from the forked parent, so a big parent would floor every child's number.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
idle = peak_kb()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime
u0, s0 = cpu()
t = time.perf_counter()
obj = load()
dt = time.perf_counter() - t
u1, s1 = cpu()
n = len(obj)
print(json.dumps({"seconds": dt, "user": u1 - u0, "sys": s1 - s0, "peak_kb": peak_kb(),
                  "idle_kb": idle, "n": n}))
"""


def write_random_binary(path, n, dim=DIM, seed=0, chunk=50_000):
    """A word2vec binary of ``n`` random words × ``dim``, written in chunks (no big array in memory)."""
    rng = np.random.default_rng(seed)
    width = len(f"w{n - 1}")
    rec = np.dtype([("word", f"S{width}"), ("sp", "S1"), ("vec", "<f4", (dim,)), ("nl", "S1")])
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(f"{n} {dim}\n".encode())
        for start in range(0, n, chunk):
            k = min(chunk, n - start)
            block = np.empty(k, dtype=rec)
            block["word"] = [f"w{i:0{width - 1}d}".encode() for i in range(start, start + k)]
            block["sp"] = b" "
            block["vec"] = rng.standard_normal((k, dim), dtype=np.float32)
            block["nl"] = b"\n"
            f.write(block.tobytes())
    os.replace(tmp, path)


def run_child(kind, path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, path], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(kind, path, repeats):
    runs = [run_child(kind, path) for _ in range(repeats)]
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "user": statistics.median(r["user"] for r in runs),
        "sys": statistics.median(r["sys"] for r in runs),
        "peak_mb": statistics.median(r["peak_kb"] for r in runs) / 1024,
        "idle_mb": statistics.median(r["idle_kb"] for r in runs) / 1024,
        "n": runs[0]["n"],
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="100,000 words instead of 1,000,000")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--cache",
        default=os.environ.get("ENGINE_BENCH_CACHE") or os.path.join(tempfile.gettempdir(), "engine-bench"),
    )
    args = p.parse_args(argv)
    sys.path.insert(0, ROOT)
    import engine
    from engine.bench import cpu_model

    n = 100_000 if args.quick else 1_000_000
    os.makedirs(args.cache, exist_ok=True)
    binary = os.path.join(args.cache, f"random-{n}x{DIM}.bin")
    if not os.path.exists(binary):
        print(f"writing {binary} (once) ...", flush=True)
        write_random_binary(binary, n)
    # two sizes of engine's own format, to show that mmap opening does not grow with the matrix
    small_n = n // 10
    own = {}
    for size in (small_n, n):
        d = os.path.join(args.cache, f"random-{size}x{DIM}.engine")
        if not engine.io.is_engine_dir(d):
            src = binary if size == n else os.path.join(args.cache, f"random-{size}x{DIM}.bin")
            if size != n and not os.path.exists(src):
                write_random_binary(src, size, seed=1)
            engine.load(src).save(d)
        own[size] = d

    # word2vec text at a tenth of the size (gensim parses text value by value in Python)
    text = os.path.join(args.cache, f"random-{small_n}x{DIM}.txt")
    if not os.path.exists(text):
        from engine.formats import write_word2vec

        write_word2vec(
            engine.load(os.path.join(args.cache, f"random-{small_n}x{DIM}.bin")), text, format="text"
        )

    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores; engine threads: {engine.get_num_threads()}; "
        f"python {platform.python_version()}, numpy {np.__version__}"
    )
    with open("/proc/loadavg") as f:
        print(f"load average at start: {' '.join(f.read().split()[:3])}")
    size_mb = os.path.getsize(binary) / 2**20
    print(
        f"file: {n:,} × {DIM} word2vec binary, {size_mb:,.0f} MB; median of {args.repeats} fresh processes\n"
    )

    eng = measure("engine", binary, args.repeats)
    gen = measure("gensim", binary, args.repeats)
    assert eng["n"] == gen["n"] == n, (eng["n"], gen["n"], n)
    rows = [("engine.load (word2vec binary)", eng), ("gensim load_word2vec_format", gen)]
    eng_t = measure("engine", text, args.repeats)
    gen_t = measure("gensim-text", text, args.repeats)
    rows += [(f"engine.load (text), {small_n:,} words", eng_t), (f"gensim (text), {small_n:,} words", gen_t)]
    for size, d in own.items():
        rows.append((f"engine.load(mmap=True), {size:,} words", measure("engine-mmap", d, args.repeats)))

    print(f"{'load':<42}{'wall s':>9}{'user s':>9}{'sys s':>9}{'peak RSS MB':>13}{'before load MB':>16}")
    for name, r in rows:
        print(
            f"{name:<42}{r['seconds']:>9.3f}{r['user']:>9.2f}{r['sys']:>9.2f}{r['peak_mb']:>13,.0f}"
            f"{r['idle_mb']:>16,.0f}"
        )
    print(
        f"(the matrix alone: {n * DIM * 4 / 2**20:,.0f} MB; 'before load' = python + imports; sys time is"
        " mostly the kernel providing fresh memory pages, the same floor for both loaders)"
    )
    print()
    print(
        f"speed-up engine vs gensim:       {gen['seconds'] / eng['seconds']:.1f}x wall, "
        f"{(gen['user'] + gen['sys']) / (eng['user'] + eng['sys']):.1f}x cpu  (target >= 1)"
    )
    print(f"peak memory engine / gensim:     {eng['peak_mb'] / gen['peak_mb']:.2f}   (target <= 1)")
    print(
        f"text, {small_n:,} words: engine {gen_t['seconds'] / eng_t['seconds']:.1f}x faster, "
        f"peak memory engine / gensim {eng_t['peak_mb'] / gen_t['peak_mb']:.2f}"
    )
    mm = [r for name, r in rows if "mmap" in name]
    print(
        f"mmap open, {small_n:,} / {n:,} words: {mm[0]['seconds']:.3f} s / {mm[1]['seconds']:.3f} s  (target < 1 s)"
    )


if __name__ == "__main__":
    main()
