"""Loading and saving: gensim's formats both ways, gensim objects, engine's own format, and
every malformed file a user can hand us (FormatError naming the file and line / byte offset)."""

import bz2
import gzip
import json
import os
import re
import warnings

import numpy as np
import pytest
from _store_helpers import as_version1
from gensim.models import Doc2Vec, FastText, KeyedVectors, Word2Vec
from gensim.models.doc2vec import TaggedDocument

import engine
from engine import _kernels
from engine.datasets import gensim_test_file, lee_sentences
from engine.errors import DuplicateWordWarning, EngineError, FormatError
from engine.io import write_word2vec


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def small_kv():
    """A gensim KeyedVectors with non-ASCII words, a zero row and values of very different scales."""
    rng = np.random.default_rng(7)
    words = ["the", "café", "naïve", "日本", "zero", "x", "über", "Straße"] + [f"w{i}" for i in range(40)]
    vecs = rng.standard_normal((len(words), 12)).astype(np.float32)
    vecs[4] = 0.0
    vecs[5] *= 1e-6
    vecs[6] *= 1e5
    kv = KeyedVectors(vector_size=12)
    kv.add_vectors(words, vecs)
    return kv


@pytest.fixture(scope="module")
def lee_kv():
    return engine.datasets.word2vec_keyedvectors()


def assert_same_as_kv(v, kv):
    """Same words in the same order; unit rows bit-equal to normalising gensim's raw rows; raw
    vectors (v.vectors, v[word]) bit-equal to gensim's."""
    assert v.index_to_key == list(kv.index_to_key)
    unit, norms = _kernels.normalize_rows(kv.vectors)
    np.testing.assert_array_equal(v.unit, unit)
    np.testing.assert_array_equal(v.norms, norms)
    np.testing.assert_array_equal(v.vectors, kv.vectors)
    for w in kv.index_to_key[:5]:
        np.testing.assert_array_equal(v[w], kv[w])


GENSIM_WRITES = [  # (file name, save_word2vec_format kwargs)
    ("v.bin", dict(binary=True)),
    ("v.txt", dict(binary=False)),
    ("v.txt.gz", dict(binary=False)),
    ("v.bin.gz", dict(binary=True)),
    ("v.bin.bz2", dict(binary=True)),
    ("v.vec.bz2", dict(binary=False)),
    ("glove.txt", dict(binary=False, write_header=False)),
    ("glove.txt.gz", dict(binary=False, write_header=False)),
]


# ---------------------------------------------------------------- gensim writes, engine reads
@pytest.mark.parametrize("name,kwargs", GENSIM_WRITES, ids=[n for n, _ in GENSIM_WRITES])
def test_gensim_written_files_load_identically(tmp_path, small_kv, name, kwargs):
    p = tmp_path / name
    small_kv.save_word2vec_format(str(p), **kwargs)
    v = engine.load(p)
    assert_same_as_kv(v, small_kv)
    expected = "glove" if "write_header" in kwargs else "word2vec" if kwargs["binary"] else "text"
    assert v.meta["format"] == expected
    # the explicit format gives the same result as detection
    assert engine.load(p, format=expected).index_to_key == v.index_to_key


@pytest.mark.parametrize("binary", [True, False])
def test_real_lee_vectors_round_trip(tmp_path, lee_kv, binary):
    p = tmp_path / ("lee.bin" if binary else "lee.txt")
    lee_kv.save_word2vec_format(str(p), binary=binary)
    assert_same_as_kv(engine.load(p), lee_kv)


def test_gensim_binary_flag_alias(tmp_path, small_kv):
    p = tmp_path / "v.bin"
    small_kv.save_word2vec_format(str(p), binary=True)
    assert engine.load(p, binary=True).index_to_key == small_kv.index_to_key


# ---------------------------------------------------------------- engine writes, gensim reads
@pytest.mark.parametrize(
    "name,fmt",
    [
        ("o.bin", "word2vec"),
        ("o.txt", "text"),
        ("o.glove.txt", "glove"),
        ("o.bin.gz", "word2vec"),
        ("o.txt.bz2", "text"),
        ("o.glove.txt.gz", "glove"),
    ],
)
def test_our_writers_read_back_by_gensim_and_engine(tmp_path, small_kv, name, fmt):
    v = engine.Vectors.from_gensim(small_kv)
    p = tmp_path / name
    write_word2vec(v, p, format=fmt)
    kv = KeyedVectors.load_word2vec_format(str(p), binary=fmt == "word2vec", no_header=fmt == "glove")
    assert list(kv.index_to_key) == v.index_to_key
    # raw vectors (unit × norm, float32) are written; text prints them in round-trip digits
    np.testing.assert_array_equal(kv.vectors, v.vectors)
    assert_same_as_kv(engine.load(p), kv)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_writer_is_atomic(tmp_path, small_kv, monkeypatch):
    v = engine.Vectors.from_gensim(small_kv)
    p = tmp_path / "o.bin"
    write_word2vec(v, p)
    before = p.read_bytes()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine.io.word2vec._formats, "write_rows", boom)
    with pytest.raises(RuntimeError):
        write_word2vec(v, p, format="text")
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["o.bin"]


def test_writer_rejects_words_the_format_cannot_hold(tmp_path):
    v = engine.Vectors(["ok", "two words"], np.ones((2, 3)))
    with pytest.raises(EngineError, match="two words"):
        write_word2vec(v, tmp_path / "o.txt", format="text")
    with pytest.raises(EngineError, match="format must be"):
        write_word2vec(v, tmp_path / "o.txt", format="csv")


# ---------------------------------------------------------------- gensim's bundled samples
@pytest.mark.parametrize(
    "name,no_header,binary",
    [
        ("test_glove.txt", True, False),
        ("lee_fasttext.vec", False, False),
        ("euclidean_vectors.bin", False, True),
        ("toy-model.vec", False, False),
        ("crime-and-punishment.vec", False, False),
        ("high_precision.kv.txt", False, False),
        ("high_precision.kv.bin", False, True),
    ],
)
def test_gensim_sample_files_load(name, no_header, binary):
    p = gensim_test_file(name)
    kv = KeyedVectors.load_word2vec_format(p, binary=binary, no_header=no_header)
    assert_same_as_kv(engine.load(p), kv)


def test_gensim_sample_with_wrong_header_is_a_format_error():
    # pretrained.vec says "3 5" but holds one vector: gensim raises EOFError, we name the line
    p = gensim_test_file("pretrained.vec")
    with pytest.raises(
        FormatError, match=re.escape(p) + r": line 3: the file ends after 1 vectors; the header says 3"
    ):
        engine.load(p)
    v = engine.load(p, limit=1)
    assert v.index_to_key == ["dummy"]


# ---------------------------------------------------------------- limit, unicode_errors, duplicates
@pytest.mark.parametrize(
    "name,kwargs", GENSIM_WRITES[:3] + GENSIM_WRITES[6:7], ids=["bin", "txt", "txt.gz", "glove"]
)
@pytest.mark.parametrize("limit", [1, 5, 48, 1000])
def test_limit_matches_gensim(tmp_path, small_kv, name, kwargs, limit):
    p = tmp_path / name
    small_kv.save_word2vec_format(str(p), **kwargs)
    kv = KeyedVectors.load_word2vec_format(
        str(p), binary=kwargs["binary"], limit=limit, no_header="write_header" in kwargs
    )
    assert_same_as_kv(engine.load(p, limit=limit), kv)


def test_limit_zero_reads_all_as_gensim(tmp_path, small_kv):
    p = tmp_path / "v.bin"
    small_kv.save_word2vec_format(str(p), binary=True)
    assert len(engine.load(p, limit=0)) == len(small_kv)
    with pytest.raises(EngineError, match="limit"):
        engine.load(p, limit=-1)


def _binary_file(path, words, vectors, header=None, newline=True):
    n, d = vectors.shape
    with open(path, "wb") as f:
        f.write((header if header is not None else f"{n} {d}\n").encode())
        for w, row in zip(words, vectors):
            f.write((w if isinstance(w, bytes) else w.encode()) + b" " + row.astype("<f4").tobytes())
            if newline:
                f.write(b"\n")
    return str(path)


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_unicode_errors_match_gensim(tmp_path, binary, errors):
    words = [b"caf\xc3", b"ok", b"\xff\xfebad"]  # truncated multibyte (as word2vec.c cuts words) and junk
    vecs = np.arange(9, dtype=np.float32).reshape(3, 3) + 1
    if binary:
        p = _binary_file(tmp_path / "u.bin", words, vecs)
    else:
        p = str(tmp_path / "u.txt")
        with open(p, "wb") as f:
            f.write(
                b"3 3\n"
                + b"".join(w + b" " + " ".join(map(str, r)).encode() + b"\n" for w, r in zip(words, vecs))
            )
    kv = KeyedVectors.load_word2vec_format(p, binary=binary, unicode_errors=errors)
    assert_same_as_kv(engine.load(p, unicode_errors=errors), kv)
    where = r"byte offset 4" if binary else r"line 2"
    with pytest.raises(FormatError, match=re.escape(p) + ": " + where + ": the word is not valid UTF-8"):
        engine.load(p)


@pytest.mark.parametrize("binary", [True, False])
def test_duplicates_keep_first_and_warn_once_with_count(tmp_path, binary):
    vecs = np.arange(18, dtype=np.float32).reshape(6, 3) + 1
    v0 = engine.Vectors(["a", "b", "a2", "c", "b2", "a3"], vecs)
    p = tmp_path / ("d.bin" if binary else "d.txt")
    write_word2vec(v0, p, format="word2vec" if binary else "text")
    data = p.read_bytes().replace(b"a2 ", b"a ").replace(b"a3 ", b"a ").replace(b"b2 ", b"b ")
    p.write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v = engine.load(p)
    dup = [w for w in caught if issubclass(w.category, DuplicateWordWarning)]
    assert len(dup) == 1 and "3 duplicate words" in str(dup[0].message) and str(p) in str(dup[0].message)
    assert issubclass(DuplicateWordWarning, UserWarning)
    kv = KeyedVectors.load_word2vec_format(str(p), binary=binary)
    # gensim keeps the first of each too (its index_to_key keeps None placeholders behind)
    assert v.index_to_key == [k for k in kv.index_to_key if k is not None] == ["a", "b", "c"]
    for w in v.index_to_key:
        np.testing.assert_allclose(v[w], kv[w], rtol=5e-7)
    np.testing.assert_allclose(v["a"], vecs[0], rtol=1e-6)


def test_binary_with_and_without_newlines_after_vectors(tmp_path):
    vecs = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    words = list("abcde")
    for newline in (True, False):
        p = _binary_file(tmp_path / f"n{newline}.bin", words, vecs, newline=newline)
        v = engine.load(p)
        assert v.index_to_key == words
        np.testing.assert_allclose(v.vectors, vecs, rtol=5e-7)


def test_text_tolerates_crlf_trailing_spaces_and_trailing_blank_lines(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes(b"2 3\r\na 1 2 3 \r\nb +4 5e0 -6\r\n\r\n\n")
    v = engine.load(p)
    assert v.index_to_key == ["a", "b"]
    np.testing.assert_allclose(v.vectors, [[1, 2, 3], [4, 5, -6]], rtol=1e-6)


def test_header_zero_vectors_gives_empty_vectors(tmp_path):
    p = tmp_path / "e.txt"
    p.write_bytes(b"0 7\n")
    v = engine.load(p)
    assert len(v) == 0 and v.vector_size == 7


# ---------------------------------------------------------------- malformed files
def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def _good_binary(tmp_path, name="g.bin", n=3, d=4):
    vecs = np.arange(n * d, dtype=np.float32).reshape(n, d) + 1
    return _binary_file(tmp_path / name, [f"w{i}" for i in range(n)], vecs, newline=False), vecs


MALFORMED_TEXT = [  # (name, bytes, format, message after "<path>: ")
    ("empty", b"", None, "empty file"),
    (
        "count_too_big",
        b"3 2\na 1 2\nb 3 4\n",
        None,
        "line 4: the file ends after 2 vectors; the header says 3",
    ),
    (
        "count_too_small",
        b"1 2\na 1 2\nb 3 4\n",
        None,
        "line 3: data continues after the 1 vectors the header announces",
    ),
    ("short_row", b"2 3\na 1 2 3\nb 4 5\n", None, "line 3: expected 3 numbers after the word 'b', found 2"),
    (
        "long_row",
        b"2 3\na 1 2 3\nb 4 5 6 7\n",
        None,
        "line 3: expected 3 numbers after the word 'b', found 4",
    ),
    ("glove_short_row", b"a 1 2 3\nb 4 5\n", None, "line 2: expected 3 numbers after the word 'b', found 2"),
    ("not_a_number", b"2 2\na 1 2\nb 3 x4\n", None, "line 3: 'x4' in the vector of 'b' is not a number"),
    ("nan", b"2 2\na 1 nan\nb 3 4\n", None, "line 2: 'nan' in the vector of 'a' is not finite"),
    ("inf", b"a -inf 1\n", None, "line 1: '-inf' in the vector of 'a' is not finite"),
    ("overflow", b"1 2\na 1e39 1\n", None, "line 2: '1e39' in the vector of 'a' is not finite in float32"),
    ("bad_utf8", b"1 2\nb\xe9 1 2\n", None, "line 2: the word is not valid UTF-8"),
    ("blank_inside", b"2 2\na 1 2\n\nb 3 4\n", None, "line 3: blank line inside the vectors"),
    ("no_numbers", b"hello world\n", None, "line 1: 'world' in the vector of 'hello' is not a number"),
    ("single_token", b"hello\n", None, "line 1: expected 'word value value ...'"),
    ("no_header_for_text", b"a 1 2\n", "text", "line 1: expected a header 'COUNT DIM'"),
    (
        "binary_without_header",
        b"a\x00\x01\x02\x03 junk\n",
        None,
        "line 1: binary data where a GloVe text line was expected",
    ),
    ("zero_dim", b"2 0\n", None, "line 1: the header says 0 dimensions"),
]


@pytest.mark.parametrize("name,data,fmt,message", MALFORMED_TEXT, ids=[m[0] for m in MALFORMED_TEXT])
def test_malformed_text_files(tmp_path, name, data, fmt, message):
    p = _write(tmp_path, name + ".txt", data)
    with pytest.raises(FormatError) as err:
        engine.load(p, format=fmt)
    assert str(err.value).startswith(f"{p}: {message}"), str(err.value)


def test_truncated_binary_names_the_offset(tmp_path):
    p, _ = _good_binary(tmp_path)
    data = open(p, "rb").read()
    header = len(b"3 4\n")
    # cut inside the third vector: two complete records of 3 + 16 bytes survive
    cut = header + 2 * (3 + 16) + 10
    open(p, "wb").write(data[:cut])
    with pytest.raises(
        FormatError,
        match=re.escape(f"{p}: truncated at byte offset {cut}: the header says 3 vectors of 4 dimensions"),
    ):
        engine.load(p)


def test_truncated_compressed_binary(tmp_path):
    p, _ = _good_binary(tmp_path)
    gz = str(tmp_path / "t.bin.gz")
    with gzip.open(gz, "wb") as f:
        f.write(open(p, "rb").read()[:-5])
    with pytest.raises(
        FormatError, match=re.escape(gz) + r": truncated at byte offset \d+ of the decompressed data"
    ):
        engine.load(gz)


def test_binary_count_too_small_names_where_data_continues(tmp_path):
    vecs = np.ones((3, 4), dtype=np.float32)
    p = _binary_file(tmp_path / "s.bin", ["a", "b", "c"], vecs, header="2 4\n", newline=True)
    offset = len(b"2 4\n") + 2 * (2 + 16 + 1)
    with pytest.raises(
        FormatError, match=re.escape(f"{p}: byte offset {offset}: data continues after the 2 vectors")
    ):
        engine.load(p)
    assert engine.load(p, limit=2).index_to_key == ["a", "b"]


def test_binary_header_count_beyond_file_size(tmp_path):
    p, _ = _good_binary(tmp_path)
    data = open(p, "rb").read()
    open(p, "wb").write(b"1000000000 4\n" + data[4:])
    with pytest.raises(
        FormatError,
        match=re.escape(p) + r": truncated at byte offset \d+: the header says 1000000000 vectors",
    ):
        engine.load(p)


@pytest.mark.parametrize("value,col", [(np.nan, 2), (np.inf, 0), (-np.inf, 3)])
def test_binary_non_finite_names_the_value_offset(tmp_path, value, col):
    vecs = np.ones((3, 4), dtype=np.float32)
    vecs[1, col] = value
    p = _binary_file(tmp_path / "nan.bin", ["a", "bb", "c"], vecs, newline=False)
    offset = len(b"3 4\n") + (2 + 16) + 3 + 4 * col
    with pytest.raises(
        FormatError, match=re.escape(f"{p}: byte offset {offset}: value {col} of the vector of 'bb'")
    ):
        engine.load(p)


def test_binary_with_wrong_dimension_in_header(tmp_path):
    # the header claims 5 dims for 4-dim rows: the body cannot be parsed consistently
    vecs = np.ones((3, 4), dtype=np.float32)
    p = _binary_file(tmp_path / "dim.bin", ["a", "b", "c"], vecs, header="3 5\n", newline=True)
    with pytest.raises(FormatError, match=re.escape(p) + r": (truncated at )?byte offset \d+"):
        engine.load(p)


def test_missing_file_and_directory(tmp_path):
    missing = str(tmp_path / "nope.bin")
    with pytest.raises(FormatError, match=re.escape(missing) + ": no such file"):
        engine.load(missing)
    with pytest.raises(FormatError, match=re.escape(str(tmp_path)) + ": a directory"):
        engine.load(tmp_path)


@pytest.mark.parametrize("ext,opener", [(".gz", gzip.open), (".bz2", bz2.open)])
def test_corrupt_compressed_file(tmp_path, ext, opener):
    p = str(tmp_path / ("c.txt" + ext))
    with opener(p, "wb") as f:
        f.write(b"1 2\na 1 2\n" * 100)
    data = bytearray(open(p, "rb").read())
    data[len(data) // 2 :] = b"\x00" * (len(data) - len(data) // 2)
    open(p, "wb").write(bytes(data))
    with pytest.raises(FormatError, match=re.escape(p)):
        engine.load(p)
    bogus = str(tmp_path / ("b.txt" + ext))
    open(bogus, "wb").write(b"this is not compressed")
    with pytest.raises(FormatError, match=re.escape(bogus) + ": not readable as"):
        engine.load(bogus)


def test_bad_arguments(tmp_path, small_kv):
    p = tmp_path / "v.txt"
    small_kv.save_word2vec_format(str(p))
    with pytest.raises(EngineError, match="format must be"):
        engine.load(p, format="csv")
    with pytest.raises(EngineError, match="unicode_errors"):
        engine.load(p, unicode_errors="nonsense")


# ---------------------------------------------------------------- gensim objects
def test_from_gensim_keyedvectors_and_word2vec(lee_kv):
    assert_same_as_kv(engine.Vectors.from_gensim(lee_kv), lee_kv)
    model = Word2Vec(lee_sentences()[:60], vector_size=16, min_count=2, epochs=1, seed=3, workers=1)
    v = engine.Vectors.from_gensim(model)
    assert_same_as_kv(v, model.wv)
    # word counts come along from a trained model
    np.testing.assert_array_equal(v.counts, [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key])
    for w in model.wv.index_to_key[:20]:
        np.testing.assert_allclose(v[w], model.wv[w], rtol=5e-7, atol=1e-7 * np.abs(model.wv[w]).max())


@pytest.fixture(scope="module")
def fasttext_model():
    return FastText(
        lee_sentences()[:80],
        vector_size=16,
        min_count=2,
        epochs=2,
        bucket=3000,
        min_n=2,
        max_n=5,
        seed=5,
        workers=1,
    )


UNSEEN = ["xyzzyq", "appleness", "governmentality", "q", "é", "国家安全", "naïveté", "", "<>", "a b"]


def test_from_gensim_fasttext_unseen_words_equal_gensim(fasttext_model):
    ft = fasttext_model
    v = engine.Vectors.from_gensim(ft)
    assert_same_as_kv(v, ft.wv)
    for w in UNSEEN:
        assert w not in ft.wv.key_to_index
        np.testing.assert_array_equal(v[w], ft.wv[w])
        if np.any(ft.wv[w]):
            np.testing.assert_array_equal(v.get_vector(w, norm=True), ft.wv.get_vector(w, norm=True))
    assert "xyzzyq" in v and not v.has_index_for("xyzzyq")
    # the model's own n-gram array is neither shared nor frozen
    assert ft.wv.vectors_ngrams.flags.writeable
    assert not np.shares_memory(v.ngrams.vectors, ft.wv.vectors_ngrams)


def test_ngram_hash_and_ngrams_match_gensim():
    from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes

    from engine.ngrams import ft_hash_bytes as ours_hash
    from engine.ngrams import ngrams_bytes

    for w in UNSEEN + ["hello", "Ünïcödé", "😀x"]:
        for lo, hi in [(1, 1), (1, 6), (3, 6), (2, 3), (5, 5)]:
            assert ngrams_bytes(w, lo, hi) == compute_ngrams_bytes(w, lo, hi)
        for g in compute_ngrams_bytes(w, 1, 6):
            assert ours_hash(g) == ft_hash_bytes(g)


def test_fasttext_word_without_ngrams_is_the_origin():
    from engine.ngrams import NgramVectors

    ng = NgramVectors(np.ones((10, 3), dtype=np.float32), min_n=6, max_n=6, bucket=10)
    assert ng.hashes("ab") == []  # "<ab>" has 4 characters: no 6-gram
    np.testing.assert_array_equal(ng.word_vector("ab"), np.zeros(3, dtype=np.float32))
    np.testing.assert_array_equal(ng.word_vector("ab", norm=True), np.zeros(3, dtype=np.float32))
    with pytest.raises(engine.ShapeError, match="10 rows"):
        NgramVectors(np.ones((9, 3)), min_n=3, max_n=6, bucket=10)


def test_from_gensim_doc2vec_gives_document_vectors():
    docs = [TaggedDocument(s, [f"doc{i}"]) for i, s in enumerate(lee_sentences()[:40])]
    d2v = Doc2Vec(docs, vector_size=12, min_count=2, epochs=2, seed=2, workers=1)
    v = engine.Vectors.from_gensim(d2v)
    assert v.index_to_key == [f"doc{i}" for i in range(40)]
    assert_same_as_kv(v, d2v.dv)
    # int tags become their string form
    d2v_int = Doc2Vec(
        [TaggedDocument(s, [i]) for i, s in enumerate(lee_sentences()[:10])],
        vector_size=8,
        min_count=1,
        epochs=1,
        workers=1,
    )
    assert engine.Vectors.from_gensim(d2v_int).index_to_key == [str(i) for i in range(10)]


def test_from_gensim_rejects_other_objects():
    with pytest.raises(EngineError, match="expected a gensim"):
        engine.Vectors.from_gensim(object())


def test_load_gensim_saved_files(tmp_path, lee_kv, fasttext_model):
    kvp = tmp_path / "lee.kv"
    lee_kv.save(str(kvp))
    assert_same_as_kv(engine.load_gensim(kvp), lee_kv)
    with pytest.raises(FormatError, match="load_gensim"):
        engine.load(kvp)  # never unpickles implicitly
    mp = tmp_path / "ft.model"
    fasttext_model.save(str(mp))
    v = engine.load_gensim(mp)
    np.testing.assert_array_equal(v["xyzzyq"], fasttext_model.wv["xyzzyq"])
    with pytest.raises(FormatError, match="no such file"):
        engine.load_gensim(tmp_path / "missing.kv")
    (tmp_path / "junk.kv").write_bytes(b"not a pickle")
    with pytest.raises(FormatError, match="junk.kv: not a loadable gensim file"):
        engine.load_gensim(tmp_path / "junk.kv")


# ---------------------------------------------------------------- engine's own format
def _is_mapped(a):
    """True if ``a`` is (a view of) a memory-mapped file."""
    while a is not None:
        if isinstance(a, np.memmap) or type(a).__name__ == "mmap":
            return True
        a = getattr(a, "base", None)
    return False


def test_own_format_round_trip_exact_and_mmap(tmp_path, lee_kv):
    v = engine.Vectors.from_gensim(lee_kv)
    d = tmp_path / "lee.engine"
    v.save(d)
    index = ["vocab_buckets.npy", "vocab_offsets.npy", "vocab_rows.npy"]
    assert sorted(os.listdir(d)) == [
        "counts.npy",
        "meta.json",
        "norms.npy",
        "raw.npy",
        "vectors.npy",
        "vocab.txt",
        *index,
    ]
    meta = json.loads((d / "meta.json").read_text())
    assert meta["count"] == len(v) and meta["dim"] == v.vector_size and meta["version"] == 2
    assert meta["raw"] is True
    for mmap in (False, True):
        w = engine.load(d, mmap=mmap)
        assert w.index_to_key == v.index_to_key
        np.testing.assert_array_equal(w.unit, v.unit)
        np.testing.assert_array_equal(w.norms, v.norms)
        np.testing.assert_array_equal(w.vectors, lee_kv.vectors)  # the raw rows, bit for bit
        assert not w.unit.flags.writeable and not w.vectors.flags.writeable
        if mmap:
            assert _is_mapped(w.unit) and _is_mapped(w.vectors) and w.vectors is w.vectors
    with pytest.raises(ValueError):
        engine.load(d, mmap=True).unit[0, 0] = 1.0


def test_own_format_keeps_counts_ngrams_and_odd_words(tmp_path, fasttext_model):
    v = engine.Vectors.from_gensim(fasttext_model)
    d = tmp_path / "ft.engine"
    v.save(d)
    w = engine.load(d, mmap=True)
    np.testing.assert_array_equal(w.counts, v.counts)
    assert w.ngrams.params() == v.ngrams.params()
    for word in UNSEEN:
        np.testing.assert_array_equal(w[word], fasttext_model.wv[word])
    odd = engine.Vectors(["", " ", "tab\there", "日本", "a b"], np.eye(5))
    odd.save(tmp_path / "odd")
    assert engine.load(tmp_path / "odd").index_to_key == odd.index_to_key
    with pytest.raises(EngineError, match="line break"):
        engine.Vectors(["a\nb"], np.eye(1)).save(tmp_path / "bad")


def test_own_format_save_is_atomic(tmp_path, lee_kv, monkeypatch):
    v = engine.Vectors.from_gensim(lee_kv)
    d = tmp_path / "v.engine"
    v.save(d)
    before = {f: (d / f).read_bytes() for f in os.listdir(d)}
    small = engine.Vectors(["a", "b"], np.eye(2))
    real_save = np.save
    calls = []

    def failing_save(*args, **kwargs):  # fail on the second array, mid-write
        calls.append(args[0])
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(OSError, match="No space"):
        small.save(d)
    monkeypatch.undo()
    assert {f: (d / f).read_bytes() for f in os.listdir(d)} == before
    assert os.listdir(tmp_path) == ["v.engine"]  # no temporary directory left behind
    assert engine.load(d).index_to_key == v.index_to_key
    small.save(d)  # and a successful save replaces it
    assert engine.load(d).index_to_key == ["a", "b"]


def _saved(tmp_path):
    d = tmp_path / "v.engine"
    engine.Vectors(["a", "b", "c"], np.arange(12.0).reshape(3, 4) + 1).save(d)
    return d


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda d: os.remove(d / "vectors.npy"), "vectors.npy: missing"),
        (lambda d: os.remove(d / "vocab.txt"), "vocab.txt: missing"),
        (lambda d: os.remove(d / "norms.npy"), "norms.npy: missing"),
        (lambda d: (d / "vocab.txt").write_text("a\nb"), "vocab.txt: 2 words but meta.json says 3"),
        (lambda d: (d / "vocab.txt").write_bytes(b"a\nb\n\xff"), "vocab.txt: not UTF-8 at byte 4"),
        (lambda d: (d / "vocab.txt").write_text("a\nb\na"), "vocab.txt: the word 'a' appears twice"),
        (lambda d: (d / "meta.json").write_text("{not json"), "meta.json: not valid JSON"),
        (
            lambda d: (d / "meta.json").write_text('{"format": "other"}'),
            "meta.json: not an engine vectors directory",
        ),
        (
            lambda d: (d / "vectors.npy").write_bytes((d / "vectors.npy").read_bytes()[:100]),
            "vectors.npy: not a readable .npy file",
        ),
        (
            lambda d: np.save(d / "vectors.npy", np.ones((3, 5), np.float32)),
            "vectors.npy: expected float32 of shape (3, 4)",
        ),
        (lambda d: np.save(d / "norms.npy", np.ones(3)), "norms.npy: expected float32 of shape (3,)"),
    ],
)
def test_own_format_damage_is_a_format_error(tmp_path, damage, message):
    d = as_version1(_saved(tmp_path))  # version 2's index: tests/test_vocab_index.py
    damage(d)
    for mmap in (False, True):
        with pytest.raises(FormatError, match=re.escape(message)):
            engine.load(d, mmap=mmap)


def test_own_format_explicit_and_missing(tmp_path):
    with pytest.raises(FormatError, match="not an engine vectors directory"):
        engine.load(tmp_path, format="engine")


# ---------------------------------------------------------------- files larger than the 4 MB read buffer
@pytest.fixture(scope="module")
def big_vectors():
    rng = np.random.default_rng(11)
    n, d = 4000, 300  # 4.8 MB as binary, ~12 MB as text: records straddle buffer refills
    words = [f"{'ü' * (i % 7)}w{i}" for i in range(n)]  # varying, multi-byte word lengths
    return engine.Vectors(words, rng.standard_normal((n, d)).astype(np.float32))


@pytest.mark.parametrize(
    "name,fmt",
    [("big.bin", "word2vec"), ("big.txt", "text"), ("big.bin.gz", "word2vec"), ("big.glove.txt.gz", "glove")],
)
def test_files_larger_than_the_read_buffer(tmp_path, big_vectors, name, fmt):
    p = tmp_path / name
    if name.endswith(".gz"):  # compressed at level 1 here: the test is about reading, and level 6 is slow
        write_word2vec(big_vectors, tmp_path / "plain", format=fmt)
        with gzip.open(p, "wb", compresslevel=1) as f:
            f.write((tmp_path / "plain").read_bytes())
    else:
        write_word2vec(big_vectors, p, format=fmt)
    v = engine.load(p)
    assert v.index_to_key == big_vectors.index_to_key
    unit, _ = _kernels.normalize_rows(big_vectors.vectors)
    np.testing.assert_array_equal(v.unit, unit)
    assert len(engine.load(p, limit=3001)) == 3001


def test_gensim_binary_larger_than_the_read_buffer(tmp_path, big_vectors):
    kv = KeyedVectors(vector_size=300)
    kv.add_vectors(big_vectors.index_to_key, big_vectors.vectors)
    p = tmp_path / "g.bin"
    kv.save_word2vec_format(str(p), binary=True)  # gensim writes no newline after vectors
    assert_same_as_kv(engine.load(p), kv)


def test_a_line_longer_than_the_read_buffer(tmp_path):
    rng = np.random.default_rng(3)
    v = engine.Vectors(["a", "b"], rng.standard_normal((2, 600_000)).astype(np.float32))  # ~5 MB lines
    p = tmp_path / "wide.txt"
    write_word2vec(v, p, format="glove")
    back = engine.load(p)
    np.testing.assert_array_equal(back.unit, _kernels.normalize_rows(v.vectors)[0])
