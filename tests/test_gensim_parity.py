"""gensim's KeyedVectors calls beyond similarity, each checked against the installed gensim 4.4:
per-key attributes, vectors_for_all, fill_norms, words_closer_than, integer keys, to_gensim,
load_word2vec_format / save_word2vec_format (with fvocab, encoding, prefix, append, sort_attr),
and the errors gensim raises (EOFError, UnicodeDecodeError)."""

import gzip
import os
import pickle

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.test.utils import common_texts

import engine
from engine.errors import FormatError, TruncatedFileError, WordDecodingError


@pytest.fixture(scope="module")
def w2v():
    return Word2Vec(common_texts, vector_size=8, min_count=1, seed=1, workers=1)


@pytest.fixture(scope="module")
def v(w2v):
    return engine.Vectors.from_gensim(w2v)


def test_vecattr_and_expandos_as_gensim(w2v, v):
    for w in w2v.wv.index_to_key:
        assert v.get_vecattr(w, "count") == w2v.wv.get_vecattr(w, "count")
    np.testing.assert_array_equal(v.expandos["count"], w2v.wv.expandos["count"])
    assert v.get_vecattr(0, "count") == w2v.wv.get_vecattr(0, "count")  # a row number, as gensim
    with pytest.raises(KeyError):
        v.get_vecattr("zzz", "count")
    with pytest.raises(KeyError):
        v.get_vecattr("human", "nothing")
    assert engine.Vectors(["a"], np.eye(1)).expandos == {}
    with pytest.raises(engine.EngineError, match="immutable"):
        v.set_vecattr("human", "count", 3)
    with pytest.raises(ValueError):  # the counts array is read-only
        v.expandos["count"][0] = 1


def test_fill_norms_words_closer_than_normed(w2v, v):
    assert v.fill_norms() is None and v.fill_norms(force=True) is None
    assert v.words_closer_than("human", "trees") == w2v.wv.closer_than("human", "trees")
    np.testing.assert_allclose(v.get_normed_vectors(), w2v.wv.get_normed_vectors(), rtol=1e-6, atol=1e-7)


def test_integer_keys_as_gensim(w2v, v):
    kv = w2v.wv
    for key in (0, 3, np.int64(2), len(kv) - 1, len(kv), -1):
        assert (key in v) == (key in kv), key
        assert v.has_index_for(key) == kv.has_index_for(key)
    assert v.get_index(np.int32(2)) == kv.get_index(np.int32(2)) == 2
    np.testing.assert_array_equal(v[0], kv[0])
    empty = engine.Vectors([], np.zeros((0, 3)))
    assert (0 in empty) is False


def test_vectors_for_all_as_gensim(w2v, v):
    keys = ["system", "zzz", "human", "system", "graph"]
    for copy in (False, True):
        ours, theirs = (
            v.vectors_for_all(keys, copy_vecattrs=copy),
            w2v.wv.vectors_for_all(keys, copy_vecattrs=copy),
        )
        assert ours.index_to_key == theirs.index_to_key
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)
        np.testing.assert_array_equal(ours.counts, theirs.expandos["count"])
        assert ours.ngrams is None
    assert v.vectors_for_all([0, "human"]).index_to_key == ["human"]  # gensim: ["human", None]


def test_vectors_for_all_infers_fasttext_vectors_as_gensim():
    ft = FastText(common_texts, vector_size=8, min_count=1, seed=1, workers=1, bucket=200)
    v = engine.Vectors.from_gensim(ft)
    keys = ["human", "humans", "computers", "xyz"]
    for allow in (True, False):
        ours, theirs = (
            v.vectors_for_all(keys, allow_inference=allow),
            ft.wv.vectors_for_all(keys, allow_inference=allow),
        )
        assert ours.index_to_key == theirs.index_to_key
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)


def test_to_gensim_is_a_real_keyedvectors(w2v, v):
    kv = v.to_gensim()
    assert type(kv) is KeyedVectors
    assert kv.index_to_key == w2v.wv.index_to_key
    np.testing.assert_array_equal(kv.vectors, w2v.wv.vectors)
    assert kv.get_vecattr("human", "count") == w2v.wv.get_vecattr("human", "count")
    assert kv.most_similar("human", topn=4) == w2v.wv.most_similar("human", topn=4)
    kv.vectors[0] = 0.0  # gensim's copy is its own: the Vectors does not change
    assert v.vectors[0].any()
    plain = engine.Vectors(["a", "b"], np.eye(2)).to_gensim()
    assert plain.expandos == {} and plain["b"].tolist() == [0.0, 1.0]


def test_load_word2vec_format_is_a_classmethod_returning_gensims_counts(tmp_path, w2v):
    p = str(tmp_path / "v.bin")
    w2v.wv.save_word2vec_format(p, binary=True)
    ours = engine.Vectors.load_word2vec_format(p, binary=True)
    theirs = KeyedVectors.load_word2vec_format(p, binary=True)
    assert isinstance(ours, engine.Vectors)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    np.testing.assert_array_equal(ours.counts, theirs.expandos["count"])  # gensim's invented counts
    limited = engine.Vectors.load_word2vec_format(p, binary=True, limit=3)
    np.testing.assert_array_equal(
        limited.counts, KeyedVectors.load_word2vec_format(p, binary=True, limit=3).expandos["count"]
    )
    half = engine.Vectors.load_word2vec_format(p, binary=True, datatype=np.float16)
    np.testing.assert_array_equal(
        half.vectors,
        KeyedVectors.load_word2vec_format(p, binary=True, datatype=np.float16).vectors.astype(np.float32),
    )
    with pytest.raises(engine.EngineError, match="datatype"):
        engine.Vectors.load_word2vec_format(p, binary=True, datatype=np.float64)
    with pytest.raises(engine.EngineError, match="no_header"):
        engine.Vectors.load_word2vec_format(p, binary=True, no_header=True)


def test_fvocab_when_loading(tmp_path, w2v):
    p, voc = str(tmp_path / "v.txt"), str(tmp_path / "v.vocab")
    w2v.wv.save_word2vec_format(p, fvocab=voc)
    theirs = KeyedVectors.load_word2vec_format(p, fvocab=voc)
    for loaded in (engine.Vectors.load_word2vec_format(p, fvocab=voc), engine.load(p, fvocab=voc)):
        np.testing.assert_array_equal(loaded.counts, theirs.expandos["count"])
    with open(voc, "a") as f:
        f.write("broken line with three\n")
    with pytest.raises(FormatError, match="line"):
        engine.load(p, fvocab=voc)
    with open(voc, "w") as f:
        f.write("human 3\n")
    with pytest.raises(KeyError, match="no count"):
        engine.load(p, fvocab=voc)
    engine.load(p).save(tmp_path / "store")
    with pytest.raises(engine.EngineError, match="keeps its counts"):
        engine.load(tmp_path / "store", fvocab=voc)


def test_encoding_when_loading(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("2 2\ncafé 1 2\nnaïve 3 4\n".encode("latin-1"))
    theirs = KeyedVectors.load_word2vec_format(str(p), encoding="latin-1")
    for ours in (
        engine.Vectors.load_word2vec_format(str(p), encoding="latin-1"),
        engine.load(p, encoding="latin-1"),
    ):
        assert ours.index_to_key == theirs.index_to_key == ["café", "naïve"]
        np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    with pytest.raises(UnicodeDecodeError):  # not UTF-8: the default fails as gensim's does
        engine.load(p)
    with pytest.raises(engine.EngineError, match="encoding"):
        engine.load(p, encoding="no-such-codec")


def _truncated_files(tmp_path, w2v):
    files = []
    for binary, name in ((True, "t.bin"), (False, "t.txt")):
        p = str(tmp_path / name)
        w2v.wv.save_word2vec_format(p, binary=binary)
        with open(p, "r+b") as f:
            f.write(b"13")  # gensim's own test: a header claiming more vectors than follow
        files.append((p, binary))
    whole = open(files[0][0], "rb").read()
    gz = str(tmp_path / "t.bin.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(whole)[:-30])  # the compressed stream itself ends early
    files.append((gz, True))
    return files


def test_truncated_files_raise_eoferror_as_gensim(tmp_path, w2v):
    for p, binary in _truncated_files(tmp_path, w2v):
        with pytest.raises(EOFError):
            KeyedVectors.load_word2vec_format(p, binary=binary)
        for load, kwargs in ((engine.load, {}), (engine.Vectors.load_word2vec_format, {"binary": binary})):
            with pytest.raises(TruncatedFileError) as e:
                load(p, **kwargs)
            assert isinstance(e.value, EOFError) and isinstance(e.value, FormatError)
            assert p in str(e.value)


def test_decoding_errors_are_unicodedecodeerrors(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"1 2\n\xff\xfe 1 2\n")
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(str(p))
    with pytest.raises(WordDecodingError) as e:
        engine.load(p)
    assert isinstance(e.value, UnicodeDecodeError) and "line 2" in str(e.value)
    assert pickle.loads(pickle.dumps(e.value)).args == e.value.args


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(binary=True),
        dict(binary=False),
        dict(binary=False, write_header=False),
        dict(binary=True, prefix="pre_", total_vec=99),
        dict(binary=False, sort_attr="none"),
    ],
)
def test_save_word2vec_format_writes_gensims_bytes(tmp_path, w2v, v, kwargs):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    with_vocab = "sort_attr" not in kwargs
    v.save_word2vec_format(str(ours), str(ours) + ".voc" if with_vocab else None, **kwargs)
    w2v.wv.save_word2vec_format(str(theirs), str(theirs) + ".voc" if with_vocab else None, **kwargs)
    assert ours.read_bytes() == theirs.read_bytes()
    if with_vocab:
        assert (tmp_path / "ours.voc").read_bytes() == (tmp_path / "theirs.voc").read_bytes()
    assert not [f for f in os.listdir(tmp_path) if "engine-tmp" in f]


def test_save_word2vec_format_append_and_compression(tmp_path, w2v, v):
    for kv, name in ((v, "ours.txt"), (w2v.wv, "theirs.txt")):
        kv.save_word2vec_format(str(tmp_path / name))
        kv.save_word2vec_format(str(tmp_path / name), append=True, write_header=False, prefix="x_")
    assert (tmp_path / "ours.txt").read_bytes() == (tmp_path / "theirs.txt").read_bytes()
    v.save_word2vec_format(str(tmp_path / "v.bin.gz"), binary=True)
    back = engine.Vectors.load_word2vec_format(str(tmp_path / "v.bin.gz"), binary=True)
    assert sorted(back.index_to_key) == sorted(v.index_to_key)
    np.testing.assert_array_equal(back["human"], v["human"])


def test_save_word2vec_format_is_atomic(tmp_path, v, monkeypatch):
    p = tmp_path / "v.txt"
    p.write_text("old contents\n")

    def records_then_disk_full(*args):
        yield b"a 1.0\n"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.interop._records", records_then_disk_full)
    with pytest.raises(engine.StorageError):
        v.save_word2vec_format(str(p))
    assert p.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["v.txt"]


def test_save_word2vec_format_refuses_what_gensim_cannot_store(tmp_path):
    plain = engine.Vectors(["a"], np.eye(1))
    with pytest.raises(ValueError, match="count"):
        plain.save_word2vec_format(str(tmp_path / "x"), str(tmp_path / "y"))
    with pytest.raises(engine.EngineError, match="cannot be held"):
        engine.Vectors(["a b"], np.eye(1)).save_word2vec_format(str(tmp_path / "x"))
