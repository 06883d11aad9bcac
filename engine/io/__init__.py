"""Reading and writing word vectors: ``load`` detects the format; gensim pickles only on request.

- ``load(path)``: engine's own directory (see ``engine.store``), word2vec binary and text,
  GloVe, fastText ``.vec``, ``.gz``/``.bz2`` by extension.
- ``load_store(path)``: engine's own directory, without detection.
- ``read_word2vec`` / ``write_word2vec``: the word2vec-family files (``engine.io.word2vec``).
- ``load_gensim``: gensim's ``.kv``/``.model`` pickles (runs code from the file).

Saving in engine's own format is ``Vectors.save`` (``engine.store.write``).

Examples
--------
>>> import os, tempfile, numpy as np, engine
>>> v = engine.Vectors(["a", "b"], np.eye(2))
>>> path = os.path.join(tempfile.mkdtemp(), "v.bin")
>>> engine.io.write_word2vec(v, path)
>>> engine.io.load(path).index_to_key
['a', 'b']
"""

from .gensim import load_gensim
from .loader import load, load_store
from .word2vec import read_word2vec, write_word2vec

__all__ = ["load", "load_store", "load_gensim", "read_word2vec", "write_word2vec"]
