"""Word probabilities p(w) for SIF from a large frequency list (the optional ``wordfreq`` package).

SIF weighs a word by ``a / (a + p(w))``: the rarer, the more it says about a text. p(w) must come
from a large, general corpus — estimated from a few hundred documents, most words are unseen (p = 0,
full weight) and the frequent ones noisy. ``wordfreq`` (Robyn Speer; Apache-2.0) ships offline
frequency lists merged from Wikipedia, subtitles, news, books, web text and social media (hundreds
of millions of tokens per language), so it is the source engine uses when the vectors carry no
counts and the package is installed (``pip install "engine[frequencies]"``; ~60 MB of lists, hence
optional rather than a runtime dependency).

Importing wordfreq and reading its list takes about half a second, which would be most of a
one-off command's start-up (``engine score``). So the probabilities of a vocabulary are kept in
the user cache (``engine.datasets.cache_dir()/wordfreq``), one ``.npy`` per vocabulary, named by
the SHA-256 of the words, the language, the lowercasing and wordfreq's version; written
atomically, read back with their dtype, shape and range checked. A missing, stale or damaged
file is recomputed; a cache that cannot be written is skipped.
"""

import hashlib
import importlib.metadata
import importlib.util
import json
import os

import numpy as np

from .._npy import load_npy
from .._safe_files import new_temp_file
from ..datasets import cache_dir
from ..errors import DependencyError, FormatError

__all__ = ["FREQUENCY_SOURCES", "have_wordfreq", "wordfreq_probabilities"]

FREQUENCY_SOURCES = ("auto", "counts", "wordfreq", "corpus")

_DICTS = {}


def have_wordfreq():
    """Whether the ``wordfreq`` package is installed.

    Returns
    -------
    bool
        True when Python finds ``wordfreq`` (it is not imported).

    Examples
    --------
    >>> isinstance(have_wordfreq(), bool)
    True
    """
    return importlib.util.find_spec("wordfreq") is not None  # without importing it: 0.3 s


def wordfreq_probabilities(words, lang="en", lowercase=True):
    """p(w) of each word from ``wordfreq``'s list for ``lang``, as a float64 array.

    A word the list does not have gets half the smallest listed frequency (wordfreq lists words
    down to about 1e-8; an unlisted one is rarer still, and SIF then gives it almost full weight).

    Parameters
    ----------
    words : list of str
        The vocabulary, in row order.
    lang : str
        A language code wordfreq knows (``"en"``).
    lowercase : bool
        Look words up lowercased (wordfreq's lists are lowercase).

    Returns
    -------
    ndarray float64 (len(words),)

    Raises
    ------
    DependencyError
        When ``wordfreq`` is not installed.

    Examples
    --------
    >>> p = wordfreq_probabilities(["the", "atheist", "qqqzzq"])
    >>> bool(p[0] > p[1] > p[2] > 0)
    True
    """
    try:
        version = importlib.metadata.version("wordfreq")
    except importlib.metadata.PackageNotFoundError:
        raise DependencyError(
            "word frequencies from wordfreq need the package: pip install 'engine[frequencies]'"
        ) from None
    words = list(words)
    path = _cache_path(words, lang, lowercase, version)
    p = _read_cached(path, len(words))
    if p is None:
        p = _lookup(words, lang, lowercase)
        _write_cached(path, p)
    return p


def _lookup(words, lang, lowercase):
    table = _DICTS.get(lang)
    if table is None:
        import wordfreq

        table = _DICTS[lang] = wordfreq.get_frequency_dict(lang)
    floor = 0.5 * min(table.values())
    get = table.get
    return np.array([get(w.lower() if lowercase else w, floor) for w in words], dtype=np.float64)


def _cache_path(words, lang, lowercase, version):
    # JSON keeps the words apart whatever they hold; surrogatepass lets any str be hashed
    key = json.dumps([version, lang, bool(lowercase), words], ensure_ascii=False)
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(cache_dir(), "wordfreq", f"p-{digest}.npy")


def _read_cached(path, n):
    """The cached p(w), or None when the file is missing or not a valid list of n probabilities."""
    try:
        p = load_npy(path, np.float64, (n,))
    except (OSError, FormatError):
        return None
    return p if np.all((p > 0) & (p <= 1)) else None


def _write_cached(path, p):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = new_temp_file(path)
        try:
            with open(tmp, "wb") as f:  # a file object: np.save would add ".npy" to the name
                np.save(f, p)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    except OSError:
        pass  # a read-only or full cache only costs the lookup next time
