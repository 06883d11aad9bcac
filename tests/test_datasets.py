"""The embedded default data: real vectors, no network, converted once and cached."""

import os
import re

import numpy as np
import pytest

import engine
from engine import datasets


def test_default_vectors_are_the_whole_word_rows_of_minilm():
    words, table = datasets.minilm_table()
    v = datasets.default_vectors()
    assert v.index_to_key == words
    assert len(v) > 21000 and v.vector_size == 384
    assert all(re.fullmatch(r"[a-z]+", w) for w in v.index_to_key)
    # raw vectors come back as stored in the model (within float32 rounding)
    rows = [0, len(v) // 2, len(v) - 1]
    np.testing.assert_allclose(v[[words[i] for i in rows]], table[rows], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(v.unit[rows], axis=1), 1.0, atol=1e-6)


def test_default_vectors_are_memory_mapped_and_read_only():
    v = datasets.default_vectors(mmap=True)
    assert isinstance(v.unit.base, np.memmap) or isinstance(v.unit, np.memmap)
    with pytest.raises(ValueError):
        v.unit[0, 0] = 1.0


def test_cache_is_rebuilt_in_a_fresh_location(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGINE_DATA", str(tmp_path))
    path = datasets.default_path()
    assert path.startswith(str(tmp_path)) and os.path.isfile(os.path.join(path, "meta.json"))
    assert engine.load(path).index_to_key == datasets.default_vectors().index_to_key


def test_lee_word2vec_is_a_gensim_model_engine_reads_identically():
    kv = datasets.word2vec_keyedvectors()
    v = engine.Vectors.from_gensim(kv)
    assert v.index_to_key == kv.index_to_key and len(v) > 1000
    np.testing.assert_allclose(v[kv.index_to_key[:50]], kv.vectors[:50], rtol=1e-6, atol=1e-6)


def test_missing_gensim_test_file_is_a_clear_error():
    with pytest.raises(engine.FormatError, match="no-such-file"):
        datasets.gensim_test_file("no-such-file.txt")
