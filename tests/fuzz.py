"""Mutation fuzzing of every loader: the targets, the mutations, and the long run.

Each target holds a small valid seed (a store, a word2vec file, a FAISS index directory, ...)
and a function that loads a mutated copy. A load must either succeed or raise an
``engine.EngineError``; anything else (another exception, a ``MemoryError``, a crash, a hang)
is a finding.

The CI run is ``tests/test_fuzz_loaders.py`` (hypothesis draws the mutations; a fixed seed,
``ENGINE_FUZZ_INPUTS`` inputs per format, 10,000 by default). The long run::

    python -m tests.fuzz --seconds 3600            # every format, an hour each at most
    python -m tests.fuzz --inputs 1000000 --formats glove,gz

runs each format in its own process (a crash is then reported, not fatal to the run), with
mutations drawn from ``random.Random(seed)``, and prints per format: inputs, typed errors,
untyped exceptions, MemoryErrors, hangs (an input over ``--hang`` seconds), crashes and the
process's peak memory above its start. The multi-thread stress run (8 threads, 60 s) is
``--stress 60``.
"""

import argparse
import bz2
import gzip
import json
import os
import random
import shutil
import tempfile
import time
import warnings

import numpy as np

INTERESTING = [
    b"0",
    b"-1",
    b"1",
    b"255",
    b"65536",
    b"2147483648",
    b"4294967296",
    b"1000000000000",
    b"9223372036854775808",
    b"1e309",
    b"nan",
    b"-0",
    b'"2"',
    b"true",
    b"null",
    b"[1, 2]",
    b"{}",
    b"\xff\xfe",
    b"\x00",
    b"\n",
    b" ",
]


def mutate(data, ops):
    """Apply mutation ``ops`` (tuples ``(kind, a, b, payload)``) to ``data``; bytes out."""
    buf = bytearray(data)
    for kind, a, b, payload in ops:
        n = len(buf)
        pos = a % (n + 1)
        kind %= 8
        if kind == 0 and n:  # flip a bit
            buf[pos % n] ^= 1 << (b % 8)
        elif kind == 1 and n:  # set a byte
            buf[pos % n] = b % 256
        elif kind == 2:  # insert bytes
            buf[pos:pos] = payload
        elif kind == 3:  # delete a range
            del buf[pos : pos + 1 + b % 64]
        elif kind == 4:  # duplicate a range
            buf[pos:pos] = buf[pos : pos + 1 + b % 256]
        elif kind == 5:  # truncate
            del buf[pos:]
        elif kind == 6:  # an interesting token in place of a number (or anywhere)
            end = pos
            while end < n and chr(buf[end]).isdigit():
                end += 1
            buf[pos : max(end, pos)] = INTERESTING[b % len(INTERESTING)]
        elif kind == 7 and n:  # overwrite 8 bytes with a little-endian integer
            buf[pos : pos + 8] = (b * 0x9E3779B97F4A7C15 % (1 << 64)).to_bytes(8, "little")
    return bytes(buf)


def random_ops(rng, max_ops=4):
    """Mutation ops drawn from ``rng`` (the long run's source)."""
    return [
        (
            rng.randrange(8),
            rng.randrange(1 << 16),
            rng.randrange(1 << 16),
            bytes(rng.randrange(256) for _ in range(rng.randrange(9))),
        )
        for _ in range(rng.randint(1, max_ops))
    ]


# ---------------------------------------------------------------------- seeds
def _vectors():
    import engine

    rng = np.random.default_rng(7)
    words = ["the", "cat", "sat", "on", "mat", "dog", "ran", "far", "über", "naïve"]
    return engine.Vectors(words, rng.standard_normal((len(words), 6)).astype(np.float32))


class Target:
    """One loader under test: ``files`` maps a name to its seed bytes; ``load(dir)`` loads."""

    def __init__(self, name, files, load, main):
        self.name, self.files, self.load, self.main = name, files, load, main

    def write(self, folder, which, data):
        """Write the seed files into ``folder`` with file ``which`` replaced by ``data``."""
        for fname, seed in self.files.items():
            with open(os.path.join(folder, fname), "wb") as f:
                f.write(data if fname == which else seed)


def _store_seed(tmp):
    import engine

    v = _vectors()
    v2 = engine.Vectors(v.index_to_key, v.vectors, counts=np.arange(1, 11))
    d = os.path.join(tmp, "store")
    v2.save(d)
    return {name: open(os.path.join(d, name), "rb").read() for name in sorted(os.listdir(d))}


def _file_seed(tmp, fmt, suffix=""):
    from engine.io import write_word2vec

    p = os.path.join(tmp, "seed" + suffix)
    write_word2vec(_vectors(), p, format=fmt)
    return open(p, "rb").read()


def _load_store(folder):
    import engine

    v = engine.load(folder, mmap=bool(len(os.listdir(folder)) % 2))
    float(np.asarray(v.unit).sum())


def _load_file(name, fmt=None):
    def load(folder):
        import engine

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = engine.load(os.path.join(folder, name), format=fmt)
        float(np.asarray(v.unit).sum())

    return load


def _faiss_seed(tmp):
    import engine

    d = os.path.join(tmp, "faiss")
    engine.FaissIndex.build(engine.datasets.clustered_vectors(64, 8), "ivf", nlist=4).save(d)
    return {name: open(os.path.join(d, name), "rb").read() for name in sorted(os.listdir(d))}


_FAISS_VECTORS = []


def _load_faiss(folder):
    import engine

    if not _FAISS_VECTORS:
        _FAISS_VECTORS.append(engine.datasets.clustered_vectors(64, 8))
    index = engine.FaissIndex.load(folder, _FAISS_VECTORS[0])
    index.search(np.ones((2, 8), np.float32), k=5)


def _load_labels(folder):
    from engine.classify.labels import label_spec, load_labels_file

    label_spec(load_labels_file(os.path.join(folder, "labels.json")))


def _load_table(name):
    def load(folder):
        from engine.score.readers import open_reader

        with open_reader(os.path.join(folder, name), None, "text", "id") as r:
            for _ in r.records():
                pass

    return load


def targets(tmp):
    """Every target, its seeds written under ``tmp`` (a few seconds)."""
    store = _store_seed(tmp)
    w2v_text = _file_seed(tmp, "text")
    rows = [{"id": i, "text": f"the cat sat {i}"} for i in range(5)]
    jsonl = "".join(json.dumps(r) + "\n" for r in rows).encode()
    csv = ("id,text\n" + "".join(f'{r["id"]},"{r["text"]}"\n' for r in rows)).encode()
    labels = json.dumps({"animal": "cat dog", "place": ["mat", "far"]}).encode()
    return {
        t.name: t
        for t in [
            Target("engine", store, _load_store, None),
            Target("word2vec-binary", {"v.bin": _file_seed(tmp, "word2vec")}, _load_file("v.bin"), None),
            Target("word2vec-text", {"v.txt": w2v_text}, _load_file("v.txt"), None),
            Target("glove", {"g.txt": _file_seed(tmp, "glove")}, _load_file("g.txt", "glove"), None),
            Target("gz", {"v.txt.gz": gzip.compress(w2v_text, mtime=0)}, _load_file("v.txt.gz"), "raw"),
            Target(
                "bz2",
                {"v.bin.bz2": bz2.compress(_file_seed(tmp, "word2vec"))},
                _load_file("v.bin.bz2"),
                "raw",
            ),
            Target("faiss", _faiss_seed(tmp), _load_faiss, None),
            Target("labels", {"labels.json": labels}, _load_labels, None),
            Target("score-jsonl", {"in.jsonl": jsonl}, _load_table("in.jsonl"), None),
            Target("score-csv", {"in.csv": csv}, _load_table("in.csv"), None),
        ]
    }


def prepare(target, which, ops, inner=False):
    """``(file, bytes)`` of one input: the seed file ``which`` (an index into the target's files)
    mutated by ``ops``; for compressed targets, ``inner`` mutates the decompressed data."""
    names = sorted(target.files)
    fname = names[which % len(names)]
    seed = target.files[fname]
    if target.main == "raw" and inner:
        comp = gzip if fname.endswith(".gz") else bz2
        data = comp.decompress(seed)
        mutated = mutate(data, ops)
        return fname, gzip.compress(mutated, mtime=0) if comp is gzip else bz2.compress(mutated)
    return fname, mutate(seed, ops)


def run_one(target, folder, fname, data):
    """Load one input; returns None (loaded or typed error) or the untyped exception."""
    import engine

    target.write(folder, fname, data)
    try:
        target.load(folder)
    except engine.EngineError:
        return None
    except Exception as e:  # noqa: BLE001 - the finding itself
        return e
    return None


# ---------------------------------------------------------------------- the long run
def _long_one(name, inputs, seconds, seed, hang, queue):
    import resource

    rng = random.Random(f"{seed}-{name}")
    tmp = tempfile.mkdtemp(prefix="engine-fuzz-")
    target = targets(tmp)[name]
    folder = os.path.join(tmp, "case")
    os.mkdir(folder)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counts = {"inputs": 0, "untyped": 0, "memory_errors": 0, "hangs": 0, "examples": []}
    t_end = time.monotonic() + seconds
    while counts["inputs"] < inputs and time.monotonic() < t_end:
        fname, data = prepare(target, rng.randrange(16), random_ops(rng), inner=rng.random() < 0.5)
        t0 = time.monotonic()
        err = run_one(target, folder, fname, data)
        if time.monotonic() - t0 > hang:
            counts["hangs"] += 1
        counts["inputs"] += 1
        if err is not None:
            key = "memory_errors" if isinstance(err, MemoryError) else "untyped"
            counts[key] += 1
            if len(counts["examples"]) < 5:
                counts["examples"].append(
                    f"{fname}: {type(err).__name__}: {str(err)[:200]} input={data[:80]!r}"
                )
    counts["peak_mb_above_start"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    shutil.rmtree(tmp, ignore_errors=True)
    queue.put(counts)


def long_run(formats, inputs, seconds, seed, hang):
    """Each format in its own process; a process that dies is a crash. Returns the counts."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    results = {}
    for name in formats:
        q = ctx.Queue()
        p = ctx.Process(target=_long_one, args=(name, inputs, seconds, seed, hang, q))
        p.start()
        p.join(seconds + 600)
        if p.is_alive():
            p.kill()
            results[name] = {"crash": "did not finish (hang)"}
        elif p.exitcode != 0:
            results[name] = {"crash": f"exit code {p.exitcode}"}
        else:
            results[name] = q.get()
        print(name, json.dumps(results[name]), flush=True)
    return results


def stress(seconds, threads=8):
    """``threads`` threads searching one Vectors while the thread count changes; mismatches out."""
    import threading

    import engine

    v = engine.datasets.clustered_vectors(3000, 64)
    q = np.asarray(v.unit[:64])
    ref_scores, ref_ids = v.search(q, k=10)
    stop = time.monotonic() + seconds
    stats = {"searches": 0, "mismatches": 0, "switches": 0, "errors": []}
    lock = threading.Lock()

    def worker():
        while time.monotonic() < stop:
            try:
                _, ids = v.search(q, k=10)
            except Exception as e:  # noqa: BLE001 - reported
                with lock:
                    stats["errors"].append(repr(e))
                return
            with lock:
                stats["searches"] += 1
                stats["mismatches"] += int(not np.array_equal(ids, ref_ids))

    def switcher():
        i = 0
        while time.monotonic() < stop:
            engine.set_num_threads(1 + i % 4)
            i += 1
            time.sleep(0.005)
        stats["switches"] = i

    ts = [threading.Thread(target=worker) for _ in range(threads)] + [threading.Thread(target=switcher)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + 60)
    stats["deadlocks"] = sum(t.is_alive() for t in ts)
    engine.set_num_threads(0)
    return stats


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--formats", default=None, help="comma-separated (default: all)")
    p.add_argument("--inputs", type=int, default=1_000_000, help="inputs per format (default 1,000,000)")
    p.add_argument("--seconds", type=float, default=3600, help="wall-clock budget per format")
    p.add_argument("--seed", type=int, default=20261202)
    p.add_argument("--hang", type=float, default=10.0, help="seconds after which an input is a hang")
    p.add_argument("--stress", type=float, default=0, help="also the 8-thread stress run, this many seconds")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        names = list(targets(tmp))
    formats = a.formats.split(",") if a.formats else names
    out = {"fuzz": long_run(formats, a.inputs, a.seconds, a.seed, a.hang)}
    if a.stress:
        out["stress"] = stress(a.stress)
        print("stress", json.dumps(out["stress"]), flush=True)
    print(json.dumps(out, indent=1))
    bad = any(
        r.get("crash") or r.get("untyped") or r.get("memory_errors") or r.get("hangs")
        for r in out["fuzz"].values()
    )
    return 1 if bad or (a.stress and (out["stress"]["mismatches"] or out["stress"]["deadlocks"])) else 0


if __name__ == "__main__":
    raise SystemExit(main())
