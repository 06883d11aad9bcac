"""gensim's own saved files (``.kv``, ``.model``): pickles, opened only on request.

**Loading a pickle runs code from the file.** ``engine.load`` never unpickles; this module is
the one explicit door, and its name and docstring say so.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import FormatError
from ..vectors import Vectors

if TYPE_CHECKING:
    from .._typing import PathLike


def load_gensim(path: PathLike, mmap: str | None = None) -> Vectors:
    """Load a gensim-saved ``.kv`` or ``.model`` file (``KeyedVectors.save`` / ``Model.save``).

    **Warning: these files are Python pickles. Loading one runs code from the file; only load
    files you trust.** engine's own format and the word2vec/GloVe formats never unpickle.

    Parameters
    ----------
    path : str or PathLike
        The file gensim's ``save`` wrote.
    mmap : {None, "r"}, optional
        Passed to gensim's ``SaveLoad.load``: map the large arrays instead of reading them.

    Returns
    -------
    engine.Vectors
        As ``Vectors.from_gensim`` of the loaded object (a ``KeyedVectors``, ``Word2Vec``,
        ``FastText`` or ``Doc2Vec``).

    Raises
    ------
    FormatError
        If the file is missing or gensim cannot load it.
    EngineError
        If the file holds some other object than the four above.

    See Also
    --------
    load : Every format that needs no unpickling.
    engine.Vectors.from_gensim : A gensim object already in memory.

    Examples
    --------
    >>> import os, tempfile, engine
    >>> kv = engine.datasets.word2vec_keyedvectors()
    >>> path = os.path.join(tempfile.mkdtemp(), "lee.kv")
    >>> kv.save(path)
    >>> len(engine.load_gensim(path)) == len(kv)
    True
    """
    from gensim.utils import SaveLoad

    try:
        obj = SaveLoad.load(os.fspath(path), mmap=mmap)
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except Exception as e:  # an unpickling failure can raise nearly anything
        raise FormatError(f"{path}: not a loadable gensim file ({type(e).__name__}: {e})") from None
    return Vectors.from_gensim(obj)
