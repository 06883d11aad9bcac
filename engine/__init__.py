"""engine: a native-accelerated similarity engine for word embeddings.

>>> import engine
>>> v = engine.load(engine.datasets.default_path())
>>> [w for w, _ in v.most_similar("apple", topn=3)]  # doctest: +SKIP
"""

from . import datasets
from ._config import get_num_threads, set_num_threads
from .errors import DependencyError, EngineError, FormatError, ShapeError, VocabularyError
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
    "ContextualEncoder": (".contextual", "ContextualEncoder"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Vectors",
    "load",
    "load_gensim",
    "datasets",
    "set_num_threads",
    "get_num_threads",
    "EngineError",
    "FormatError",
    "VocabularyError",
    "ShapeError",
    "DependencyError",
    *_LAZY,
]
