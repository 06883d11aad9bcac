"""What several commands share: one spelling for one thing (``-k/--k``, ``--field``, ``--vectors``,
``-o/--output``, ``--format``), old spellings kept as hidden deprecated aliases, ``-`` for standard
input and output, the vectors to run on, reading a text file's lines."""

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import warnings

FORMATS = ["engine", "word2vec", "text", "glove"]


def command_group(sub, name, help, dest, metavar, actions):
    """Add the command ``name`` whose subcommands are ``actions``, ``(action, help)`` pairs; yield
    ``(action, parser)`` for each, for the caller to add its arguments. The chosen action is
    ``args.<dest>``."""
    group = sub.add_parser(name, help=help).add_subparsers(dest=dest, required=True, metavar=metavar)
    for action, action_help in actions:
        yield action, group.add_parser(action, help=action_help)


class _Deprecated(argparse.Action):
    """An old spelling: stores like the new one, hidden from ``--help``; a DeprecationWarning
    (silent unless warnings are turned on: ``python -W default``), so an old script's standard
    error stays as it was."""

    def __init__(self, option_strings, dest, new=None, **kw):
        self.new = new
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        warnings.warn(f"engine: {option_string} is deprecated; use {self.new}", DeprecationWarning, 2)
        setattr(namespace, self.dest, True if self.nargs == 0 else values)


def alias(parser, old, new, dest, **kw):
    """Accept the old spelling ``old`` of the option ``new`` (stored in ``dest``), hidden from
    the help; existing scripts keep working."""
    parser.add_argument(
        old, dest=dest, action=_Deprecated, new=new, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kw
    )


def add_k(parser, what="neighbours per query"):
    """``-k/--k K`` (default 10); a K above what there is to return is clipped, as gensim's topn."""
    parser.add_argument("-k", "--k", type=int, default=10, help=f"{what} (default 10)")


def add_output(parser, what="output file"):
    """``-o/--output PATH``; ``-`` (the default) is standard output."""
    parser.add_argument("-o", "--output", default="-", help=f"{what} (default: - for standard output)")


def add_vectors_option(parser):
    """``--vectors PATH``, read by :func:`vectors_of`."""
    parser.add_argument(
        "--vectors",
        default=None,
        help="vectors to use, any format engine.load reads (default: the embedded default vectors)",
    )


def add_encoder_option(parser):
    """``--encoder minilm``: texts and labels through engine's contextual encoder, not the vectors."""
    parser.add_argument(
        "--encoder",
        choices=["minilm"],
        default=None,
        help="embed texts and labels with a sentence encoder instead of the word vectors: minilm is "
        "engine.ContextualEncoder (all-MiniLM-L6-v2; needs the contextual extra)",
    )
    parser.add_argument(
        "--encoder-batch-size",
        type=int,
        default=None,
        metavar="N",
        help="texts per forward pass of --encoder (default: engine.ContextualEncoder's, 16); larger "
        "batches pay on long runs of similar-length texts, at more memory",
    )


def encoder_of(args):
    """The sentence encoder ``--encoder`` and ``--encoder-batch-size`` ask for (None: the word vectors)."""
    from ..score.tasks import named_encoder

    return named_encoder(args.encoder, encoder_batch_size(args))


def encoder_batch_size(args):
    """``--encoder-batch-size``, refused without ``--encoder`` (it would silently do nothing)."""
    if args.encoder_batch_size is not None and args.encoder is None:
        from ..errors import EngineError

        raise EngineError("--encoder-batch-size sets the batch of --encoder; give --encoder too")
    return args.encoder_batch_size


def vectors_of(args, progress=False):
    """The vectors a command runs on: ``--vectors PATH``, else the embedded default (memory-mapped)."""
    from .. import datasets
    from ..io import load

    if not args.vectors:
        return datasets.default_vectors(mmap=True)
    with local_path(args.vectors) as path:
        return load(path, mmap=args.vectors != "-", progress=progress)


@contextlib.contextmanager
def local_path(path):
    """A path a loader can open: ``path`` itself, or for ``-`` a temporary copy of standard input
    (the loaders detect formats from a file's first bytes and may map it, which a pipe cannot)."""
    if path != "-":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="engine-stdin-") as d:
        tmp = os.path.join(d, "stdin")
        with open(tmp, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f)
        yield tmp


@contextlib.contextmanager
def output_path(path, what="output"):
    """A path a writer can write to: ``path`` itself, or for ``-`` a temporary file whose bytes go
    to standard output when the writer has finished (written whole or not at all)."""
    if path != "-":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="engine-stdout-") as d:
        tmp = os.path.join(d, "stdout")
        yield tmp
        if os.path.isdir(tmp):
            from ..errors import EngineError

            raise EngineError(f"{what}: a directory (engine's format) cannot be written to standard output")
        with open(tmp, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
        sys.stdout.buffer.flush()


@contextlib.contextmanager
def open_text_output(path):
    """A text stream for ``path`` (``-``: standard output). A file is written to a temporary name
    beside it and renamed when complete, its mode following the umask."""
    if path == "-":
        yield sys.stdout
        return
    from .._safe_files import disk_errors, new_temp_file

    with disk_errors(path, "write"):
        tmp = new_temp_file(path)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            yield f
        with disk_errors(path, "write"):
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_lines(path):
    """The lines of the UTF-8 text file ``path`` (``-``: standard input)."""
    from ..errors import FormatError

    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8").splitlines()
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except UnicodeDecodeError as e:
        raise FormatError(f"{name}: not UTF-8 text ({e.reason} at byte {e.start})") from None
