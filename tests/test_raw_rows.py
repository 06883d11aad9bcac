"""``v[word]`` is the vector as loaded, bit for bit, in every format; ``v.vectors`` is one
shared read-only array (memory-mapped when the store is), never a copy per access.

The oracle is gensim: the rows its own loaders give for the same file or object."""

import json
import os
import pickle

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec

import engine
from engine.datasets import lee_sentences

# values whose unit row × norm does not give them back in float32: [1, 2, 3] read back as
# [1, 2, 3.0000002] when only unit rows and norms were kept
AWKWARD = np.array([[1.0, 2.0, 3.0], [0.1, 0.2, 0.7], [3e-7, -5.5, 1e4], [0.0, 0.0, 0.0]], np.float32)
WORDS = ["one", "two", "three", "zero"]


def _is_mapped(a):
    while a is not None:
        if isinstance(a, np.memmap) or type(a).__name__ == "mmap":
            return True
        a = getattr(a, "base", None)
    return False


def _check(v, words, rows):
    """Each word's vector equals its row bit for bit; v.vectors is one shared read-only array."""
    assert v.vectors is v.vectors
    assert not v.vectors.flags.writeable
    np.testing.assert_array_equal(v.vectors, rows)
    for w, row in zip(words, rows):
        got = v[w]
        assert got.dtype == np.float32 and not got.flags.writeable
        np.testing.assert_array_equal(got, row)
        np.testing.assert_array_equal(v.get_vector(w), row)


@pytest.fixture(scope="module")
def kv():
    k = KeyedVectors(vector_size=3)
    k.add_vectors(WORDS, AWKWARD)
    return k


def test_arrays():
    v = engine.Vectors(WORDS, AWKWARD)
    _check(v, WORDS, AWKWARD)
    assert v["one"].tolist() == [1.0, 2.0, 3.0]
    src = AWKWARD.copy()
    w = engine.Vectors(WORDS, src)
    src[0] = 9.0  # the caller's array is copied: changing it changes nothing here
    assert w["one"].tolist() == [1.0, 2.0, 3.0]
    assert src.flags.writeable


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("v.bin", dict(binary=True)),
        ("v.txt", dict(binary=False)),
        ("v.bin.gz", dict(binary=True)),
        ("v.txt.bz2", dict(binary=False)),
        ("glove.txt", dict(binary=False, write_header=False)),
    ],
)
def test_word2vec_family_files(tmp_path, kv, name, kwargs):
    p = str(tmp_path / name)
    kv.save_word2vec_format(p, **kwargs)
    oracle = KeyedVectors.load_word2vec_format(p, binary=kwargs["binary"], no_header="write_header" in kwargs)
    v = engine.load(p)
    _check(v, oracle.index_to_key, oracle.vectors)
    np.testing.assert_array_equal(v.vectors[[0, 1, 2, 3]], AWKWARD)  # and the file held AWKWARD


def test_gensim_objects(kv):
    _check(engine.Vectors.from_gensim(kv), WORDS, AWKWARD)
    w2v = Word2Vec(lee_sentences()[:50], vector_size=16, min_count=2, seed=3, workers=1, epochs=2)
    v = engine.Vectors.from_gensim(w2v)
    _check(v, w2v.wv.index_to_key, w2v.wv.vectors)
    ft = FastText(lee_sentences()[:50], vector_size=16, min_count=2, seed=3, workers=1, epochs=2, bucket=500)
    v = engine.Vectors.from_gensim(ft)
    _check(v, ft.wv.index_to_key, ft.wv.vectors)
    w2v.wv.vectors[0] += 1.0  # gensim trains in place: the Vectors made before keeps its copy
    assert not np.array_equal(engine.Vectors.from_gensim(w2v).vectors[0], v.vectors[0])


def test_gensim_pickles(tmp_path, kv):
    p = str(tmp_path / "v.kv")
    kv.save(p)
    _check(engine.load_gensim(p), WORDS, AWKWARD)


@pytest.mark.parametrize("mmap", [False, True])
def test_own_format(tmp_path, mmap):
    d = tmp_path / "v.engine"
    engine.Vectors(WORDS, AWKWARD).save(d)
    v = engine.load(d, mmap=mmap)
    _check(v, WORDS, AWKWARD)
    assert _is_mapped(v.vectors) == mmap
    assert v.vectors is v.vectors
    v.save(tmp_path / "again")  # and again after a round trip
    _check(engine.load(tmp_path / "again", mmap=mmap), WORDS, AWKWARD)


def _as_version_1(d):
    """Turn a store into what engine wrote before raw rows existed (version 1)."""
    os.unlink(d / "raw.npy")
    meta = json.loads((d / "meta.json").read_text())
    del meta["raw"]
    meta["version"] = 1
    (d / "meta.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("mmap", [False, True])
def test_version_1_store_still_opens_and_behaves_as_before(tmp_path, mmap):
    d = tmp_path / "old.engine"
    engine.Vectors(WORDS, AWKWARD).save(d)
    _as_version_1(d)
    v = engine.load(d, mmap=mmap)
    before = v.unit * v.norms[:, None]  # what a version 1 store always gave
    assert v.vectors is v.vectors and not v.vectors.flags.writeable
    np.testing.assert_array_equal(v.vectors, before)
    np.testing.assert_array_equal(v["one"], before[0])
    np.testing.assert_allclose(v.vectors, AWKWARD, rtol=5e-7)
    v.save(tmp_path / "new.engine")  # saved again: version 2, with what it gave as raw rows
    meta = json.loads((tmp_path / "new.engine" / "meta.json").read_text())
    assert meta["version"] == 2 and meta["raw"] is True
    np.testing.assert_array_equal(engine.load(tmp_path / "new.engine").vectors, before)


def test_vectors_is_not_copied_per_access():
    v = engine.datasets.clustered_vectors(2000, 32, seed=1)
    first = v.vectors
    assert all(v.vectors is first for _ in range(5))
    assert v.vectors.ctypes.data == first.ctypes.data
    # the rows of v[word] are views of that one array
    assert np.shares_memory(v["w7"], first)


def test_pickled_vectors_keep_the_raw_rows():
    v = engine.Vectors(WORDS, AWKWARD)
    w = pickle.loads(pickle.dumps(v))
    _check(w, WORDS, AWKWARD)
