"""Hostile files get typed errors, claims are not allocated, the store is closed, a full disk is
a StorageError naming the path (the issue's cases one by one; the fuzzing is
tests/test_fuzz_loaders.py, the kills tests/test_crash_safety.py)."""

import bz2
import errno
import gzip
import json
import os
import resource
import stat

import numpy as np
import pytest

import engine
import engine.score
from engine import FormatError, ShapeError
from engine.errors import StorageError
from engine.index import FaissIndex


@pytest.fixture
def store(tmp_path):
    d = tmp_path / "v.engine"
    engine.Vectors(["a", "b", "c"], np.arange(12.0).reshape(3, 4) + 1, counts=[3, 2, 1]).save(d)
    return d


def _edit_meta(d, **changes):
    meta = json.loads((d / "meta.json").read_text())
    meta.update(changes)
    (d / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"version": "2"}, "version must be a positive integer"),
        ({"ngrams": True}, '"ngrams" must be dict or null'),
        ({"ngrams": {"min_n": "a"}}, '"ngrams" must be'),
        ({"ngrams": {"min_n": 5, "max_n": 3, "bucket": 0}}, '"ngrams" out of range'),
        ({"provenance": [1, 2]}, '"provenance" must be dict'),
        ({"dim": True}, '"dim" must be int'),
        ({"count": -1}, "out of range"),
        ({"extra": 1}, "unknown key 'extra'"),
    ],
)
def test_meta_json_schema(store, change, message):
    _edit_meta(store, **change)
    for mmap in (False, True):
        with pytest.raises(FormatError, match=message):
            engine.load(store, mmap=mmap)


def _npy_with_header(path, shape, body=b""):
    header = {"descr": "<f4", "fortran_order": False, "shape": shape}
    h = repr(header).encode()
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + body)


@pytest.mark.parametrize("name", ["vectors.npy", "norms.npy"])
def test_npy_header_claiming_more_than_the_file_holds(store, name):
    _edit_meta(store, count=10**12)
    shape = (10**12, 4) if name == "vectors.npy" else (10**12,)
    _npy_with_header(store / name, shape, b"\0" * 64)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for mmap in (False, True):
        with pytest.raises(FormatError, match="bytes|expected"):
            engine.load(store, mmap=mmap)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024  # KiB


def test_npy_header_numpy_cannot_parse(store):
    (store / "norms.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': (((((\n")
    with pytest.raises(FormatError, match="norms.npy: not a readable .npy file"):
        engine.load(store)


def test_norms_and_counts_are_mapped_with_mmap(store):
    v = engine.load(store, mmap=True)
    assert isinstance(v.unit, np.memmap) or isinstance(v.unit.base, np.memmap)
    c = engine.store.read(store, mmap=True)
    assert isinstance(c.norms, np.memmap) and isinstance(c.counts, np.memmap)


def test_nan_in_a_store_read_whole(store):
    a = np.load(store / "vectors.npy")
    a[1, 2] = np.nan
    np.save(store / "vectors.npy", a)
    with pytest.raises(FormatError, match="vectors.npy: row 1 holds NaN"):
        engine.load(store)


@pytest.mark.parametrize("name", ["vectors.npy", "norms.npy", "raw.npy"])
def test_nan_in_any_array_is_found_read_whole_and_by_verify_not_at_a_mapped_open(store, name):
    a = np.load(store / name)
    a[2] = np.inf  # a whole row in vectors.npy and raw.npy, one norm in norms.npy
    np.save(store / name, a)
    message = f"{name}: row 2 holds NaN or Inf"
    with pytest.raises(FormatError, match=message):
        engine.load(store)
    # mapped, no row is read at open (constant time in the vocabulary's size) ...
    assert len(engine.load(store, mmap=True)) == len(a)
    # ... and verify reads every one
    with pytest.raises(FormatError, match=message):
        engine.store.verify(store)


@pytest.mark.parametrize("target", ["outside", "/dev/zero"])
def test_symlinks_out_of_the_store(store, tmp_path, target):
    if target == "outside":
        target = tmp_path / "elsewhere.txt"
        target.write_text("x\ny\nz")
    os.remove(store / "vocab.txt")
    os.symlink(target, store / "vocab.txt")
    with pytest.raises(FormatError, match="vocab.txt: a symbolic link"):
        engine.load(store)


def test_a_fifo_in_the_store(store):
    os.remove(store / "vocab.txt")
    os.mkfifo(store / "vocab.txt")
    with pytest.raises(FormatError, match="not a regular file"):
        engine.load(store)


def test_word2vec_header_claims(tmp_path):
    p = tmp_path / "w.bin"
    p.write_bytes(b"0 1000000000000\n\x01")  # 17 bytes that once asked for 14.6 TiB
    with pytest.raises(FormatError, match="w.bin"):
        engine.load(p)
    p.write_bytes(b"1000000 1000000\nw " + b"\0" * 64)
    with pytest.raises(FormatError, match="truncated"):
        engine.load(p)
    p.write_bytes(b"99999999999999999999999 3\nw 1 2 3\n")
    with pytest.raises(FormatError, match="beyond any file"):
        engine.load(p, format="text")


def test_compressed_line_limit(tmp_path):
    p = tmp_path / "big.txt.gz"
    with gzip.open(p, "wb") as f:
        f.write(b"a")
        for _ in range(20):
            f.write(b" 1" * (1 << 20))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(FormatError, match="longer than 16777216 bytes"):
        engine.load(p)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 128 * 1024


def test_compressed_header_count_does_not_allocate(tmp_path):
    p = tmp_path / "v.bin.bz2"
    p.write_bytes(bz2.compress(b"1000000000 300\nw " + b"\0" * 1200))
    with pytest.raises(FormatError, match="only 1 complete ones follow"):
        engine.load(p)


def test_long_word_is_quoted_short(store):
    words = ["x" * 50_000, "b", "x" * 50_000]
    (store / "vocab.txt").write_text("\n".join(words))
    with pytest.raises(FormatError) as e:
        engine.load(store)
    assert len(str(e.value)) < 400


# ------------------------------------------------------------------ FAISS index files
@pytest.fixture(scope="module")
def small():
    return engine.datasets.clustered_vectors(200, 8)


def test_index_json_knobs_and_keys(tmp_path, small):
    FaissIndex.build(small, "hnsw", M=8).save(tmp_path)
    meta = json.loads((tmp_path / "index.json").read_text())
    (tmp_path / "index.json").write_text(json.dumps({**meta, "extra": 1}))
    with pytest.raises(FormatError, match="unknown key 'extra'"):
        FaissIndex.load(tmp_path, small)
    # version 1: the knobs are read from index.json and must be the documented ones
    meta1 = {k: meta[k] for k in ("format", "kind", "params", "ntotal", "fingerprint")}
    meta1.update(version=1, knobs={"search": 1}, faiss_sha256="0")
    (tmp_path / "index.json").write_text(json.dumps(meta1))
    with pytest.raises(FormatError, match="unknown knob 'search'"):
        FaissIndex.load(tmp_path, small)


def test_index_swapped_alone_is_refused(tmp_path, small):
    a, b = tmp_path / "a", tmp_path / "b"
    FaissIndex.build(small, "flat").save(a)
    FaissIndex.build(small, "hnsw", M=8).save(b)
    (a / "index.faiss").write_bytes((b / "index.faiss").read_bytes())
    with pytest.raises(FormatError, match="does not belong to index.json"):
        FaissIndex.load(a, small)


def test_index_of_another_vocabulary_with_its_digest_rewritten(tmp_path, small):
    other = engine.Vectors([f"x{i}" for i in range(200)], normalized=(small.unit, small.norms))
    FaissIndex.build(small, "flat").save(tmp_path / "a")
    FaissIndex.build(other, "flat").save(tmp_path / "b")
    (tmp_path / "a" / "index.faiss").write_bytes((tmp_path / "b" / "index.faiss").read_bytes())
    meta = json.loads((tmp_path / "b" / "index.json").read_text())
    (tmp_path / "a" / "index.json").write_text(json.dumps(meta))
    with pytest.raises(engine.EngineError, match="different vocabulary"):
        FaissIndex.load(tmp_path / "a", small)


def test_faiss_ids_beyond_the_vocabulary(small):
    index = FaissIndex.build(small, "flat")
    smaller = engine.Vectors(small.index_to_key[:100], normalized=(small.unit[:100], small.norms[:100]))
    index.vectors = smaller
    with pytest.raises(FormatError, match="outside the vocabulary of 100 words"):
        index.search(np.ones((1, 8), np.float32), k=200)


# ------------------------------------------------------------------ modes
def test_saved_files_follow_the_umask(tmp_path, small):
    old = os.umask(0o022)
    try:
        small.save(tmp_path / "v")
        FaissIndex.build(small, "flat").save(tmp_path / "v")
        engine.io.write_word2vec(small, tmp_path / "w.bin")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "v").st_mode) == 0o755
    for p in [tmp_path / "w.bin", *(tmp_path / "v").iterdir()]:
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o644, p


# ------------------------------------------------------------------ a full disk
def _full_disk(monkeypatch, module, name, after=0):
    real, calls = getattr(module, name), [0]

    def fail(*a, **k):
        calls[0] += 1
        if calls[0] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*a, **k)

    monkeypatch.setattr(module, name, fail)


def test_vectors_save_disk_full(tmp_path, monkeypatch, store):
    before = {f: (store / f).read_bytes() for f in os.listdir(store)}
    _full_disk(monkeypatch, np, "save", after=1)
    with pytest.raises(StorageError, match=f"save {store}: No space left on device"):
        engine.Vectors(["x"], np.ones((1, 2))).save(store)
    monkeypatch.undo()
    assert {f: (store / f).read_bytes() for f in os.listdir(store)} == before
    assert os.listdir(store.parent) == ["v.engine"]


def test_faiss_save_disk_full(tmp_path, monkeypatch, small):
    FaissIndex.build(small, "flat").save(tmp_path)
    from engine.index import storage

    class Full:  # a file on a full disk: opens, takes no bytes
        def __init__(self, p, mode):
            self.f = open(p, mode)

        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(storage, "open", Full, raising=False)
    with pytest.raises(StorageError, match=f"{tmp_path}"):
        FaissIndex.build(small, "hnsw", M=8).save(tmp_path)
    monkeypatch.undo()
    assert FaissIndex.load(tmp_path, small).kind == "flat"
    assert not [n for n in os.listdir(tmp_path) if "engine-tmp" in n]


def test_engine_score_disk_full_exit_2_and_no_half_line(tmp_path, monkeypatch, capsys):
    from engine.cli import main
    from engine.score import writers

    src, out = tmp_path / "in.txt", tmp_path / "out.jsonl"
    src.write_text("".join(f"the apple {i}\n" for i in range(60)))
    real_commit, calls = writers._TextWriter.commit, [0]

    def commit(self):
        calls[0] += 1
        if calls[0] == 2:
            self.f.write(b'{"half": ')
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_commit(self)

    monkeypatch.setattr(writers._TextWriter, "commit", commit)
    args = ["score", "neighbors", str(src), "-o", str(out), "-k", "2", "--batch-size", "20", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{out}: No space left on device" in err and "--resume" in err
    assert out.read_bytes().endswith(b"\n") and out.read_bytes().count(b"\n") == 20
    monkeypatch.undo()
    assert main(args + ["--resume"]) == 0
    full = tmp_path / "full.jsonl"
    assert main(["score", "neighbors", str(src), "-o", str(full), "-k", "2", "--quiet"]) == 0
    assert out.read_bytes() == full.read_bytes()


# ------------------------------------------------------------------ bad calls
def test_bad_calls_are_typed(small):
    with pytest.raises(ShapeError, match="queries"):
        small.search(None)
    with pytest.raises(ShapeError, match="exclude"):
        small.search(["w1"], exclude=[None])
    v = engine.datasets.default_vectors()
    clf = engine.ZeroShotClassifier(v, labels={"sport": "sport game team", "food": "food meal"})
    for X in (None, {"a": "team"}):
        with pytest.raises(ShapeError, match="expected a list of texts"):
            clf.predict(X)
    with pytest.raises(engine.EngineError, match="expected an engine.Vectors"):
        engine.ZeroShotClassifier("vectors.bin", labels={"a": "b"}).fit()
