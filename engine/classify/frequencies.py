"""Word probabilities p(w) for SIF from a large frequency list (the optional ``wordfreq`` package).

SIF weighs a word by ``a / (a + p(w))``: the rarer, the more it says about a text. p(w) must come
from a large, general corpus — estimated from a few hundred documents, most words are unseen (p = 0,
full weight) and the frequent ones noisy. ``wordfreq`` (Robyn Speer; Apache-2.0) ships offline
frequency lists merged from Wikipedia, subtitles, news, books, web text and social media (hundreds
of millions of tokens per language), so it is the source engine uses when the vectors carry no
counts and the package is installed (``pip install "engine[frequencies]"``; ~60 MB of lists, hence
optional rather than a runtime dependency).
"""

import numpy as np

from ..errors import DependencyError

__all__ = ["FREQUENCY_SOURCES", "have_wordfreq", "wordfreq_probabilities"]

FREQUENCY_SOURCES = ("auto", "counts", "wordfreq", "corpus")

_DICTS = {}


def have_wordfreq():
    """Whether the ``wordfreq`` package can be imported.

    Returns
    -------
    bool
        True when ``import wordfreq`` works.

    Examples
    --------
    >>> isinstance(have_wordfreq(), bool)
    True
    """
    try:
        import wordfreq  # noqa: F401
    except ImportError:
        return False
    return True


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
    table = _DICTS.get(lang)
    if table is None:
        try:
            import wordfreq
        except ImportError:
            raise DependencyError(
                "word frequencies from wordfreq need the package: pip install 'engine[frequencies]'"
            ) from None
        table = _DICTS[lang] = wordfreq.get_frequency_dict(lang)
    floor = 0.5 * min(table.values())
    get = table.get
    return np.array([get(w.lower() if lowercase else w, floor) for w in words], dtype=np.float64)
