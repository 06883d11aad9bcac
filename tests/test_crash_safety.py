"""Saves and ``engine score`` killed at every filesystem step and at random moments.

A step is a call of one of the functions in ``_STEPS`` (open, rename, replace, renameat2,
fsync, unlink, remove, rmtree, mkdir, makedirs, chmod, ``numpy.save``): a forked child
does the work and dies by ``os._exit`` (no cleanup runs, as under ``kill -9``) just before
step k, for every k. Random moments are real ``SIGKILL``s of a child at a random delay.
Afterwards the old version or the new one must load whole, never neither; a resumed
``engine score`` must write exactly the uninterrupted output; the next successful save must
leave no temporary behind.

``ENGINE_KILL_MOMENTS`` sets the number of random kills per target (CI: 100 for the saves,
a fifth of it, at least 20, for ``engine score``, whose child is a whole ``engine`` process).
"""

import builtins
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import engine
import engine.score
from engine import _safe_files
from engine.index import FaissIndex

MOMENTS = int(os.environ.get("ENGINE_KILL_MOMENTS", "100"))
_STEPS = [
    (os, "rename"),
    (os, "replace"),
    (os, "unlink"),
    (os, "remove"),
    (os, "mkdir"),
    (os, "makedirs"),
    (os, "chmod"),
    (os, "fsync"),
    (shutil, "rmtree"),
    (np, "save"),
    (builtins, "open"),
    (_safe_files, "_renameat2"),
]


def _in_child(work, die_at):
    """Run ``work()`` in a forked child that dies before filesystem step ``die_at`` (None: never).

    Returns the number of steps the child took (when it lived) or None (when it died).
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no return from here
        os.close(r)
        count = [0]
        try:
            engine.set_num_threads(1)
            for mod, name in _STEPS:
                real = getattr(mod, name)
                if real is None:
                    continue

                def step(*a, _real=real, **k):
                    count[0] += 1
                    if die_at is not None and count[0] == die_at:
                        os._exit(137)
                    return _real(*a, **k)

                setattr(mod, name, step)
            work()
            os.write(w, str(count[0]).encode())
            os._exit(0)
        except BaseException:  # noqa: BLE001 - a child never returns into pytest
            os._exit(3)
    os.close(w)
    deadline = time.monotonic() + 120
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the child hung (die_at={die_at})")
        time.sleep(0.005)
    out = os.read(r, 64)
    os.close(r)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 137, -9), f"the child failed with {code} (die_at={die_at})"
    return int(out) if code == 0 else None


def _killed_at_random(work, rng, longest):
    """Run ``work()`` in a forked child and SIGKILL it after a random delay up to ``longest``."""
    pid = os.fork()
    if pid == 0:
        try:
            engine.set_num_threads(1)
            work()
        finally:
            os._exit(0)
    time.sleep(rng.uniform(0, longest))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _temporaries(folder):
    return [n for n in os.listdir(folder) if "engine-tmp" in n or n.endswith((".tmp", ".old"))]


# ------------------------------------------------------------------------- Vectors.save
@pytest.fixture(scope="module")
def two_versions():
    rng = np.random.default_rng(3)
    old = engine.Vectors([f"o{i}" for i in range(300)], rng.standard_normal((300, 16)))
    new = engine.Vectors([f"n{i}" for i in range(500)], rng.standard_normal((500, 16)), counts=np.arange(500))
    return old, new


def _same(v, ref):
    return v.index_to_key == ref.index_to_key and np.array_equal(np.asarray(v.unit), np.asarray(ref.unit))


def _check_store(d, old, new):
    v = engine.load(d)  # never missing, never torn
    assert _same(v, old) or _same(v, new)
    return _same(v, new)


def test_vectors_save_killed_at_every_step(tmp_path, two_versions):
    old, new = two_versions
    d = str(tmp_path / "v.engine")
    old.save(d)
    steps = _in_child(lambda: new.save(d), None)
    assert steps >= 8 and _check_store(d, old, new)
    outcomes = []
    for k in range(1, steps + 1):
        old.save(d)
        _in_child(lambda: new.save(d), k)
        outcomes.append(_check_store(d, old, new))
    assert not outcomes[0] and outcomes[-1]  # killed first: old; killed at the last step: new
    old.save(d)  # a successful save removes what the killed ones left
    assert _temporaries(tmp_path) == [] and _same(engine.load(d), old)


def test_vectors_save_killed_at_random_moments(tmp_path, two_versions):
    old, new = two_versions
    d = str(tmp_path / "v.engine")
    old.save(d)
    t0 = time.perf_counter()
    new.save(d)
    longest = max(3 * (time.perf_counter() - t0), 0.01)
    rng = random.Random(16)
    seen = set()
    for _ in range(MOMENTS):
        _killed_at_random(lambda: (old.save(d), new.save(d)), rng, 2 * longest)
        seen.add(_check_store(d, old, new))
    old.save(d)
    assert _temporaries(tmp_path) == []


def test_first_save_killed_leaves_no_half_store(tmp_path, two_versions):
    _, new = two_versions
    d = str(tmp_path / "v.engine")
    steps = _in_child(lambda: new.save(d), None)
    shutil.rmtree(d)
    for k in range(1, steps + 1):
        _in_child(lambda: new.save(d), k)
        assert not os.path.exists(d) or _check_store(d, new, new)
        if os.path.exists(d):
            shutil.rmtree(d)


# ------------------------------------------------------------------------- FaissIndex.save
@pytest.fixture(scope="module")
def clustered():
    return engine.datasets.clustered_vectors(400, 16)


def _check_index(d, v):
    index = FaissIndex.load(d, v)
    assert index.kind in ("flat", "hnsw")
    return index.kind == "hnsw"


def test_faiss_save_killed_at_every_step(tmp_path, clustered):
    d = str(tmp_path)
    clustered.save(d + "/v")
    d = d + "/v"  # beside the vectors
    old, new = FaissIndex.build(clustered, "flat"), FaissIndex.build(clustered, "hnsw", M=8)
    old.save(d)
    steps = _in_child(lambda: new.save(d), None)
    outcomes = []
    for k in range(1, steps + 1):
        old.save(d)
        _in_child(lambda: new.save(d), k)
        outcomes.append(_check_index(d, clustered))
        assert len(engine.load(d)) == len(clustered)  # the vectors beside it are untouched
    assert not outcomes[0] and outcomes[-1]
    old.save(d)
    assert _temporaries(d) == []


def test_faiss_save_over_a_version_1_index_killed_at_every_step(tmp_path, clustered):
    import hashlib
    import json

    import faiss

    from engine.index import storage

    d = str(tmp_path)
    old, new = FaissIndex.build(clustered, "flat"), FaissIndex.build(clustered, "hnsw", M=8)

    def write_v1():
        faiss.write_index(old.index, d + "/index.faiss")
        meta = {
            "format": storage.INDEX_FORMAT,
            "version": 1,
            "kind": "flat",
            "params": {},
            "knobs": {"efSearch": None, "nprobe": None, "rerank": 0},
            "ntotal": old.ntotal,
            "fingerprint": storage.fingerprint(clustered),
            "faiss_sha256": hashlib.sha256(open(d + "/index.faiss", "rb").read()).hexdigest(),
        }
        with open(d + "/index.json", "w") as f:
            json.dump(meta, f)

    write_v1()
    assert not _check_index(d, clustered)
    steps = _in_child(lambda: new.save(d), None)
    for k in range(1, steps + 1):
        write_v1()
        _in_child(lambda: new.save(d), k)
        _check_index(d, clustered)


def test_faiss_save_killed_at_random_moments(tmp_path, clustered):
    d = str(tmp_path)
    old, new = FaissIndex.build(clustered, "flat"), FaissIndex.build(clustered, "hnsw", M=8)
    old.save(d)
    t0 = time.perf_counter()
    new.save(d)
    longest = max(3 * (time.perf_counter() - t0), 0.01)
    rng = random.Random(17)
    for _ in range(MOMENTS):
        _killed_at_random(lambda: (old.save(d), new.save(d)), rng, 2 * longest)
        _check_index(d, clustered)
    old.save(d)
    assert _temporaries(d) == []


# ------------------------------------------------------------------------- engine score
@pytest.fixture(scope="module")
def score_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("score")
    src = d / "in.txt"
    src.write_text("".join(f"the apple and pear number {i} car fast\n" for i in range(120)))
    ref = d / "ref.csv"
    engine.score.score_file(
        str(src), str(ref), engine.datasets.default_path(), engine.score.Neighbors(k=3), batch_size=25
    )
    return str(src), ref.read_bytes()


def _score(src, out, resume=False):
    return engine.score.score_file(
        src, out, engine.datasets.default_path(), engine.score.Neighbors(k=3), batch_size=25, resume=resume
    )


def _resume_matches(src, out, ref):
    try:
        _score(src, out, resume=True)
    except engine.EngineError as e:  # the killed run had finished: nothing left to resume
        assert "nothing to resume" in str(e), str(e)
    with open(out, "rb") as f:
        assert f.read() == ref


def test_score_killed_at_every_step_resumes_identically(tmp_path, score_job):
    src, ref = score_job
    out = str(tmp_path / "out.csv")
    steps = _in_child(lambda: _score(src, out), None)
    assert steps >= 10
    for k in range(1, steps + 1):
        for p in (out, out + engine.score.CHECKPOINT_SUFFIX):
            if os.path.exists(p):
                os.remove(p)
        _in_child(lambda: _score(src, out), k)
        _resume_matches(src, out, ref)


def test_engine_score_killed_at_random_moments_resumes_identically(tmp_path, score_job):
    """Real ``kill -9`` of the ``engine score`` command, then ``--resume``."""
    src, ref = score_job
    out = str(tmp_path / "out.csv")
    cmd = [
        sys.executable,
        "-m",
        "engine",
        "score",
        "neighbors",
        src,
        "-o",
        out,
        "-k",
        "3",
        "--batch-size",
        "25",
    ]
    cmd += ["--vectors", engine.datasets.default_path()]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    longest = time.perf_counter() - t0
    rng = random.Random(18)
    for _ in range(max(20, MOMENTS // 5)):
        for p in (out, out + engine.score.CHECKPOINT_SUFFIX):
            if os.path.exists(p):
                os.remove(p)
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3 * longest, longest))
        child.send_signal(signal.SIGKILL)
        child.wait()
        _resume_matches(src, out, ref)
