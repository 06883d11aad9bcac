"""engine's exceptions. Every error a user can cause derives from :class:`EngineError`.

Each is also the built-in exception gensim (or Python) raises in the same situation, so code
written for gensim keeps catching what it caught: a missing word is a ``KeyError``, a bad file
or array a ``ValueError``, a missing optional extra an ``ImportError``.

>>> import engine
>>> try:
...     engine.datasets.default_vectors()["no-such-word"]
... except KeyError as e:  # a VocabularyError
...     print(type(e).__name__)
VocabularyError
"""


class EngineError(Exception):
    """Base class of every error engine raises for bad input or a bad file.

    Raised with one message saying what went wrong, written for the user: the ``engine`` command
    prints it on one line and exits with status 2.

    Examples
    --------
    >>> import engine
    >>> issubclass(engine.FormatError, engine.EngineError)
    True
    >>> str(engine.EngineError("set_num_threads: the count must be >= 0"))
    'set_num_threads: the count must be >= 0'
    """


class FormatError(EngineError, ValueError):
    """A file is malformed. The message names the file and the line or byte offset.

    A file that ends early is a ``TruncatedFileError`` (also an ``EOFError``), a word that is
    not valid UTF-8 a ``WordDecodingError`` (also a ``UnicodeDecodeError``), as gensim raises.

    Examples
    --------
    >>> import engine, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> _ = open(path, "w").write("2 3\\nfox 1 2 x4\\n")
    >>> try:
    ...     engine.load(path)
    ... except engine.FormatError as e:
    ...     print("line 2" in str(e))
    True
    """


class TruncatedFileError(FormatError, EOFError):
    """A vectors file ends before the vectors its header announces. Also an ``EOFError``, as gensim raises.

    The message names the file and where it ends.

    Examples
    --------
    >>> import engine, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> _ = open(path, "w").write("3 2\\na 1 2\\n")
    >>> try:
    ...     engine.load(path)
    ... except EOFError as e:
    ...     print(type(e).__name__, isinstance(e, engine.FormatError))
    TruncatedFileError True
    """


class WordDecodingError(FormatError, UnicodeDecodeError):
    """A word in a vectors file is not valid in its encoding. Also a ``UnicodeDecodeError``, as gensim raises.

    The message names the file and the word's line or byte offset; ``unicode_errors="replace"``
    or ``"ignore"`` loads such files anyway.

    Parameters
    ----------
    message : str
        What the user reads.
    encoding : str, default "utf-8"
        The encoding that failed.
    word : bytes, default b""
        The bytes of the word.
    start, end : int, default 0, 1
        The bad bytes' span in ``word``.

    Examples
    --------
    >>> import engine, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> _ = open(path, "wb").write(b"1 2\\n\\xff 1 2\\n")
    >>> try:
    ...     engine.load(path)
    ... except UnicodeDecodeError as e:
    ...     print(type(e).__name__, "line 2" in str(e))
    WordDecodingError True
    """

    def __init__(self, message, encoding="utf-8", word=b"", start=0, end=1):
        UnicodeDecodeError.__init__(self, encoding, bytes(word), start, end, message)
        self.message = message

    def __reduce__(self):  # picklable with its own arguments (UnicodeDecodeError's differ)
        return (type(self), (self.message, self.encoding, self.object, self.start, self.end))

    def __str__(self):  # UnicodeDecodeError would print its own summary instead of the message
        return self.message


class VocabularyError(EngineError, KeyError):
    """A word is not in the vocabulary. Also a ``KeyError``, as gensim raises.

    The message names the missing word.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a"], np.ones((1, 2)))
    >>> try:
    ...     v["b"]
    ... except KeyError as e:
    ...     print(type(e).__name__, isinstance(e, engine.EngineError))
    VocabularyError True
    """

    def __str__(self):  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class ShapeError(EngineError, ValueError):
    """An array has the wrong shape, dtype or contents (NaN, Inf).

    The message names the array and what is wrong with it.

    Examples
    --------
    >>> import numpy as np, engine
    >>> v = engine.Vectors(["a", "b"], np.eye(2))
    >>> try:
    ...     v.search(["a"], k=0)
    ... except engine.ShapeError as e:
    ...     print(isinstance(e, ValueError))
    True
    """


class DependencyError(EngineError, ImportError):
    """An optional dependency is missing; the message names the extra to install.

    The message names the missing package and the ``pip install`` that brings it.

    Examples
    --------
    >>> import engine
    >>> issubclass(engine.DependencyError, ImportError)
    True
    """


class StorageError(EngineError, OSError):
    """Writing a file failed (disk full, read-only file system, no permission).

    Also an ``OSError``. The message names the path; the previous version of what was being
    saved, if any, is left whole.

    Examples
    --------
    >>> import engine
    >>> issubclass(engine.errors.StorageError, OSError)
    True
    """

    def __str__(self):  # OSError would print errno and filename instead of the message
        return str(self.args[0]) if self.args else ""


class DuplicateWordWarning(UserWarning):
    """A vectors file repeats a word; the first occurrence is kept (as gensim does).

    One warning per file gives the number of repeats and the first repeated word.

    Examples
    --------
    >>> import engine, os, tempfile, warnings
    >>> path = os.path.join(tempfile.mkdtemp(), "v.txt")
    >>> _ = open(path, "w").write("a 1 0\\nb 0 1\\na 1 1\\n")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     v = engine.load(path)
    >>> len(v), caught[0].category.__name__
    (2, 'DuplicateWordWarning')
    """
