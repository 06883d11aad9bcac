"""What several commands share: the vectors to run on, reading a text file's lines."""

FORMATS = ["engine", "word2vec", "text", "glove"]


def vectors_of(args):
    """The vectors a command runs on: ``--vectors PATH``, else the embedded default (memory-mapped)."""
    from .. import datasets
    from ..io import load

    return load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)


def read_lines(path):
    from ..errors import FormatError

    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError as e:
        raise FormatError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
