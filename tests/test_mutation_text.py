"""Texts to word ids through any mapping a Vectors may hold, written to kill the mutation pass's
survivors (docs/evidence.md): ``encode_texts`` takes gensim's ``key_to_index`` as a dict, a
read-only mapping, or the lazy ``VocabIndex`` of a memory-mapped store."""

import types

import numpy as np
import pytest
from engine._text import encode

import engine
from engine._kernels import ascii_vocab, encode_texts

KEYS = ["apple", "pear", "café", "kiwi"]
TEXTS = ["Pear pear kiwi", "apple CAFÉ pear", "", "plum", "café café"]


def _mappings(tmp_path):
    k2i = {k: i for i, k in enumerate(KEYS)}
    path = str(tmp_path / "fruit.engine")
    engine.Vectors(KEYS, np.eye(len(KEYS), dtype=np.float32)).save(path)
    lazy = engine.load(path, mmap=True).key_to_index
    assert type(lazy) is not dict
    return k2i, {"dict": k2i, "read-only": types.MappingProxyType(k2i), "mmap": lazy}


@pytest.mark.parametrize("native", [False, True], ids=["cython", "native-ascii"])
def test_every_form_of_key_to_index_encodes_as_the_dict(tmp_path, native):
    k2i, forms = _mappings(tmp_path)
    want = encode(TEXTS, k2i, True)  # the Cython encoder over the plain dict
    # the texts that are not ASCII go through the mapping even on the native path
    assert [list(map(int, want[1][want[0][i] : want[0][i + 1]])) for i in (1, 4)] == [[0, 2, 1], [2]]
    for name, mapping in forms.items():
        got = encode_texts(TEXTS, mapping, True, ascii_vocab(KEYS) if native else None)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w, err_msg=name)
            assert g.dtype == w.dtype, name
