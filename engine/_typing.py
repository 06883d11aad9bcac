"""The type aliases of the public API's annotations.

Modules import them under ``typing.TYPE_CHECKING`` with ``from __future__ import annotations``,
so nothing here is imported when engine runs; mypy (``make lint``) and editors read them.

>>> from engine._typing import Key
>>> Key.__args__
(<class 'str'>, <class 'int'>)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Literal, Union

import numpy as np
import numpy.typing as npt

__all__ = ["ArrayLike", "Document", "Documents", "Key", "PathLike", "Progress", "Queries", "Vector"]

#: a word, or a row number (gensim's keys)
Key = Union[str, int]
#: words, row numbers or vectors: one or several queries
Queries = Union[Key, Sequence[Key], np.ndarray, Sequence[np.ndarray]]
#: a file or directory path
PathLike = Union[str, "os.PathLike[str]"]
#: a text, or its tokens
Document = Union[str, Sequence[str]]
#: several texts, or several token lists
Documents = Sequence[Document]
#: anything numpy turns into an array
ArrayLike = npt.ArrayLike
#: a 1-D float vector
Vector = np.ndarray
#: the progress switch of long calls (``engine._progress``)
Progress = Union[bool, Literal["always"]]
