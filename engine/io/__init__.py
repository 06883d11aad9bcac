"""Reading and writing word vectors: ``load`` detects the format; gensim pickles only on request.

- ``load(path)``: engine's own directory (see ``engine.store``), word2vec binary and text,
  GloVe, fastText ``.vec``, ``.gz``/``.bz2`` by extension.
- ``read_word2vec`` / ``write_word2vec``: the word2vec-family files (``engine.io.word2vec``).
- ``load_gensim``: gensim's ``.kv``/``.model`` pickles (runs code from the file).
"""

from .gensim import load_gensim
from .load import load, load_store
from .word2vec import read_word2vec, write_word2vec

__all__ = ["load", "load_store", "load_gensim", "read_word2vec", "write_word2vec"]
