"""engine: a native-accelerated similarity engine for word embeddings, compatible with gensim.

One type, ``Vectors`` (a vocabulary and its unit-normalised float32 rows), carries gensim's
``KeyedVectors`` similarity calls with the same arguments and results, computed by native
kernels; every loader returns one and every capability takes one.

- Loading and saving: ``load`` (engine's directory, word2vec binary/text, GloVe, fastText
  ``.vec``, compressed copies), ``load_gensim`` (gensim pickles, on request only),
  ``Vectors.from_gensim``, ``Vectors.save``.
- Capabilities, imported on first use so that ``import engine`` stays light: ``WMD`` (Word
  Mover's Distance), ``FaissIndex``, ``MetaEmbeddings``, ``ZeroShotClassifier``,
  ``FewShotClassifier``, ``DocumentVectors`` (a scikit-learn transformer of texts), ``ContextualEncoder``, ``TopicSpace`` (gensim LDA models as a
  similarity space).
- ``distill``: static vectors distilled from a sentence encoder (model2vec's recipe).
- Settings: ``set_num_threads`` / ``get_num_threads``; ``cpu_info`` (the CPU and the kernel path).
- Errors: ``EngineError`` and its subclasses ``FormatError``, ``VocabularyError`` (also a
  ``KeyError``), ``ShapeError``, ``DependencyError``, ``StorageError`` (also an ``OSError``:
  a save that could not be written).
- ``datasets``: the embedded default vectors and gensim's bundled test data, offline.

Examples
--------
>>> import engine
>>> v = engine.load(engine.datasets.default_path(), mmap=True)
>>> [w for w, _ in v.most_similar("apple", topn=3)]
['apples', 'iphone', 'itunes']
"""

from . import datasets
from ._config import get_num_threads, set_num_threads
from ._kernels import cpu_info
from .distill import distill  # the function shadows its module's name; light (torch loads inside)
from .errors import DependencyError, EngineError, FormatError, ShapeError, StorageError, VocabularyError
from .io import load, load_gensim
from .vectors import Vectors

__version__ = "0.1.0"

# Heavier parts load on first use, so `import engine` stays light (no FAISS, no POT, no torch).
_LAZY = {
    "FaissIndex": (".index", "FaissIndex"),
    "WMD": (".wmd", "WMD"),
    "MetaEmbeddings": (".meta", "MetaEmbeddings"),
    "ZeroShotClassifier": (".classify", "ZeroShotClassifier"),
    "FewShotClassifier": (".classify", "FewShotClassifier"),
    "DocumentVectors": (".classify", "DocumentVectors"),
    "ContextualEncoder": (".contextual", "ContextualEncoder"),
    "TopicSpace": (".topics", "TopicSpace"),
}


def __getattr__(name):
    """Import a capability listed in ``_LAZY`` on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__():
    """The module's names, the lazily imported ones included."""
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Vectors",
    "load",
    "load_gensim",
    "datasets",
    "set_num_threads",
    "get_num_threads",
    "cpu_info",
    "distill",
    "EngineError",
    "FormatError",
    "VocabularyError",
    "ShapeError",
    "DependencyError",
    "StorageError",
    *_LAZY,
]
