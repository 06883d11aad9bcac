"""The on-disk vocabulary index of engine's format (version 2, ``engine._vocab``).

Oracles: the eager vocabulary (``engine.load(mmap=False)``: a list and a dict read from
``vocab.txt``) and the words the ``Vectors`` was built from; old (version 1) directories open as
before; damaged index files are FormatErrors.
"""

import json
import os
import pickle
import warnings
import zlib

import numpy as np
import pytest
from _store_helpers import as_version1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import _vocab, store
from engine.errors import EngineError, FormatError

# words: any Unicode but line breaks (vocab.txt's separator) and lone surrogates (not UTF-8)
WORD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _save(tmp_path, words, name="v.engine"):
    d = tmp_path / name
    rng = np.random.default_rng(len(words))
    engine.Vectors(words, rng.standard_normal((len(words), 3)) + 0.1).save(d)
    return d


def _assert_same_vocabulary(lazy, words, absent=()):
    """``lazy`` (a Vectors opened mapped) holds exactly ``words``, by every access gensim has."""
    k2i, keys = lazy.key_to_index, lazy.index_to_key
    assert isinstance(k2i, _vocab.VocabIndex) and isinstance(keys, _vocab.VocabKeys)
    assert len(k2i) == len(keys) == len(lazy) == len(words)
    assert list(keys) == list(words) and list(k2i) == list(words) and list(lazy) == list(words)
    assert list(k2i.items()) == [(w, i) for i, w in enumerate(words)]
    assert list(k2i.values()) == list(range(len(words)))
    for i, w in enumerate(words):
        assert k2i[w] == i and k2i.get(w) == i and w in k2i and w in lazy and keys[i] == w
        assert lazy.get_index(w) == i and (w, i) in k2i.items()
    assert keys[-1:] == list(words[-1:]) and keys[::2] == list(words[::2])
    for w in absent:
        assert w not in k2i and k2i.get(w, -7) == -7 and w not in keys
        assert not isinstance(w, str) or lazy.get_index(w, -1) == -1  # an int is a row there
        with pytest.raises(KeyError):
            k2i[w]
    assert k2i == dict(zip(words, range(len(words)))) and keys == list(words)
    if words:
        np.testing.assert_array_equal(lazy.ids(list(words)[::-1]), np.arange(len(words))[::-1])


@SETTINGS
@given(words=st.lists(WORD, unique=True, max_size=60), absent=st.lists(WORD, max_size=8))
def test_lazy_vocabulary_equals_the_eager_one(tmp_path_factory, words, absent):
    d = _save(tmp_path_factory.mktemp("v"), words)
    eager = engine.load(d)
    assert type(eager.key_to_index) is dict and eager.index_to_key == words
    absent = [w for w in absent if w not in set(words)] + [1, None, b"a"]
    _assert_same_vocabulary(engine.load(d, mmap=True), words, absent)


@SETTINGS
@given(raw=st.lists(st.binary(min_size=1, max_size=8), unique=True, min_size=1, max_size=40))
def test_words_that_were_not_utf8(tmp_path_factory, raw):
    """Words read from a word2vec file that are not valid UTF-8 (``unicode_errors``) survive the
    store: mapped, they are what the eager reader and the word2vec loader give."""
    raw = [b for b in raw if not set(b) & set(b" \t\n\r\x00\x0b\x0c\x1c\x1d\x1e\x1f\x85")] or [b"\xff"]
    folder = tmp_path_factory.mktemp("w")
    src = folder / "v.txt"
    with open(src, "wb") as f:
        f.write(b"%d 2\n" % len(raw))
        for i, b in enumerate(raw):
            f.write(b + b" %d 1\n" % (i + 1))
    for errors in ("replace", "ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 'ignore' can make two words one: the loader warns
            try:
                v = engine.load(src, format="word2vec", unicode_errors=errors, binary=False)
            except EngineError:
                continue  # every word empty once ignored: nothing to store
        words = list(v.index_to_key)
        v.save(folder / errors)
        assert engine.load(folder / errors).index_to_key == words
        _assert_same_vocabulary(engine.load(folder / errors, mmap=True), words)


def test_search_wmd_and_the_rest_on_a_mapped_vocabulary(tmp_path):
    words = [f"wörd{i}" for i in range(300)]
    d = _save(tmp_path, words)
    eager, lazy = engine.load(d), engine.load(d, mmap=True)
    assert lazy.most_similar("wörd7", topn=5) == eager.most_similar("wörd7", topn=5)
    assert lazy.most_similar(positive=["wörd1", "wörd2"], negative=["wörd3"]) == eager.most_similar(
        positive=["wörd1", "wörd2"], negative=["wörd3"]
    )
    for a, b in zip(lazy.search(["wörd4", "wörd5"], k=3), eager.search(["wörd4", "wörd5"], k=3)):
        np.testing.assert_array_equal(a, b)
    assert lazy.similarity("wörd1", "wörd9") == eager.similarity("wörd1", "wörd9")
    doc1, doc2 = ["wörd1", "wörd2", "nope"], ["wörd3", "wörd4"]
    assert lazy.wmdistance(doc1, doc2) == eager.wmdistance(doc1, doc2)
    np.testing.assert_array_equal(lazy["wörd8"], eager["wörd8"])
    # pickled (to a Dask worker, say), the mapping travels as the dict it stands for
    back = pickle.loads(pickle.dumps(lazy))
    assert type(back.key_to_index) is dict and back.key_to_index == eager.key_to_index
    assert type(back.index_to_key) is list and back.index_to_key == words
    # saved again from the mapped words: the same store
    lazy.save(tmp_path / "again")
    assert engine.load(tmp_path / "again", mmap=True).key_to_index == eager.key_to_index


def test_the_classifiers_and_document_vectors_on_a_mapped_vocabulary(tmp_path):
    # the text encoders take a plain dict: a lazy vocabulary must reach them as one (it raised
    # TypeError in ZeroShotClassifier's label encoding once)
    d = tmp_path / "default.engine"
    engine.datasets.default_vectors().save(d)
    eager, lazy = engine.load(d), engine.load(d, mmap=True)
    assert type(lazy.key_to_index) is not dict
    texts = ["the cat purred on the mat", "shares dropped on the market", "a dog barked"]
    labels = {"animals": "animals pets", "finance": "money stocks"}
    z_lazy = engine.ZeroShotClassifier(lazy, labels).fit()
    z_eager = engine.ZeroShotClassifier(eager, labels).fit()
    np.testing.assert_array_equal(z_lazy.predict_proba(texts), z_eager.predict_proba(texts))
    support, y = ["cat dog", "stocks bonds", "kitten puppy", "market shares"], ["a", "f", "a", "f"]
    f_lazy = engine.FewShotClassifier(lazy).fit(support, y)
    f_eager = engine.FewShotClassifier(eager).fit(support, y)
    np.testing.assert_array_equal(f_lazy.predict_proba(texts), f_eager.predict_proba(texts))
    np.testing.assert_array_equal(
        engine.DocumentVectors(lazy).fit().transform(texts),
        engine.DocumentVectors(eager).fit().transform(texts),
    )


def test_old_version1_directories_open_unchanged(tmp_path):
    words = ["a", "café", "日本", ""]
    d = as_version1(_save(tmp_path, words))
    assert json.loads((d / "meta.json").read_text())["version"] == 1
    for mmap in (False, True):
        v = engine.load(d, mmap=mmap)
        assert type(v.key_to_index) is dict and type(v.index_to_key) is list
        assert v.index_to_key == words and v.key_to_index == {w: i for i, w in enumerate(words)}
    store.verify(d)  # no digests to check: it passes


def test_the_index_files_are_what_the_documentation_says(tmp_path):
    words = [f"w{i}" for i in range(37)] + ["é", ""]
    d = _save(tmp_path, words)
    meta = json.loads((d / "meta.json").read_text())
    desc = meta["vocab_index"]
    assert meta["version"] == 2 and desc["hash"] == "crc32" and desc["buckets"] == 64
    blob = (d / "vocab.txt").read_bytes()
    off, starts, rows = (np.load(d / f) for f in _vocab.FILES)
    assert off.dtype == np.int64 and starts.dtype == rows.dtype == np.int32
    for i, w in enumerate(words):  # an independent reading of the layout
        b = w.encode("utf-8")
        assert blob[off[i] : off[i + 1] - 1] == b
        bucket = zlib.crc32(b) % 64
        assert i in rows[starts[bucket] : starts[bucket + 1]].tolist()
    assert sorted(rows.tolist()) == list(range(len(words)))


def test_a_word_that_is_not_unicode_cannot_be_saved(tmp_path):
    with pytest.raises(EngineError, match="not valid Unicode"):
        engine.Vectors(["a", "b\ud800"], np.eye(2)).save(tmp_path / "bad")
    assert not os.path.exists(tmp_path / "bad")


def _flip(path, at):
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["vocab.txt", *_vocab.FILES])
def test_a_damaged_file_is_found_by_its_digest(tmp_path, name):
    words = [f"w{i}" for i in range(500)]
    d = _save(tmp_path, words)
    _flip(d / name, -3)
    with pytest.raises(FormatError, match=name.replace(".", r"\.")):
        store.verify(d)
    if name != "vocab.txt":  # a changed word in vocab.txt may still be a valid vocabulary
        with pytest.raises(FormatError, match=name.replace(".", r"\.")):
            engine.load(d)


def test_a_damaged_mapped_index_is_a_format_error_not_a_wrong_answer(tmp_path):
    words = [f"w{i}" for i in range(1000)]
    d = _save(tmp_path, words)
    # rows of two buckets exchanged: a lookup meets a row that does not belong to its bucket
    rows = np.load(d / "vocab_rows.npy")
    starts = np.load(d / "vocab_buckets.npy")
    first = int(np.flatnonzero(np.diff(starts) > 0)[0])
    a = int(starts[first])
    b = int(starts[first + 1])  # the first entry of the next non-empty bucket
    word = words[rows[a]]
    rows[[a, b]] = rows[[b, a]]
    np.save(d / "vocab_rows.npy", rows)
    v = engine.load(d, mmap=True)
    with pytest.raises(FormatError, match="vocab_rows.npy: damaged"):
        v.key_to_index.get(word)
    # a row number beyond the vocabulary
    rows[a] = 5000
    np.save(d / "vocab_rows.npy", rows)
    with pytest.raises(FormatError, match="vocab_rows.npy: damaged"):
        engine.load(d, mmap=True).key_to_index.get(word)
    # offsets that do not reach the end of vocab.txt, a truncated table: caught at open
    off = np.load(d / "vocab_offsets.npy")
    off[-1] += 1
    np.save(d / "vocab_offsets.npy", off)
    with pytest.raises(FormatError, match="vocab_offsets.npy: does not fit vocab.txt"):
        engine.load(d, mmap=True)
    (d / "vocab_buckets.npy").write_bytes((d / "vocab_buckets.npy").read_bytes()[:-4])
    with pytest.raises(FormatError, match="vocab_buckets.npy: .*truncated"):
        engine.load(d, mmap=True)
    os.remove(d / "vocab_buckets.npy")
    with pytest.raises(FormatError, match="vocab_buckets.npy: missing"):
        engine.load(d, mmap=True)


def test_a_word_damaged_in_vocab_txt_is_found_at_lookup(tmp_path):
    words = [f"w{i:03d}" for i in range(1000)]
    d = _save(tmp_path, words)
    data = (d / "vocab.txt").read_bytes()
    at = data.index(b"w500")
    (d / "vocab.txt").write_bytes(data[:at] + b"x500" + data[at + 4 :])
    v = engine.load(d, mmap=True)  # same size: the open cannot tell
    assert v.index_to_key[500] == "x500" and v.key_to_index["w001"] == 1
    with pytest.raises(FormatError, match="not in the bucket"):
        v.key_to_index.get("w500")
    (d / "vocab.txt").write_bytes(data[:at] + b"\xff500" + data[at + 4 :])
    with pytest.raises(FormatError, match="vocab.txt: damaged .row 500 is not UTF-8"):
        engine.load(d, mmap=True).index_to_key[500]
    with pytest.raises(FormatError, match="vocab.txt: damaged"):
        list(engine.load(d, mmap=True).index_to_key)


@pytest.mark.parametrize(
    "desc",
    [
        {"hash": "md5", "buckets": 4, "sha256": {}},
        {"hash": "crc32", "buckets": 3, "sha256": {}},
        {"hash": "crc32", "buckets": True, "sha256": {}},
        "crc32",
    ],
)
def test_a_bad_description_of_the_index(tmp_path, desc):
    d = _save(tmp_path, ["a", "b", "c"])
    meta = json.loads((d / "meta.json").read_text())
    meta["vocab_index"] = desc
    (d / "meta.json").write_text(json.dumps(meta))
    for mmap in (False, True):
        with pytest.raises(FormatError, match="meta.json: .*vocab_index"):
            engine.load(d, mmap=mmap)
