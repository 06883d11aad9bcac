"""engine's exceptions. Every error a user can cause derives from EngineError."""


class EngineError(Exception):
    """Base class of every error engine raises for bad input or a bad file."""


class FormatError(EngineError, ValueError):
    """A file is malformed. The message names the file and the line or byte offset."""


class VocabularyError(EngineError, KeyError):
    """A word is not in the vocabulary. Also a KeyError, as gensim raises."""

    def __str__(self):  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class ShapeError(EngineError, ValueError):
    """An array has the wrong shape, dtype or contents (NaN, Inf)."""


class DependencyError(EngineError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class DuplicateWordWarning(UserWarning):
    """A vectors file repeats a word; the first occurrence is kept (as gensim does)."""
