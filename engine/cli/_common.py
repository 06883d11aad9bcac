"""What several commands share: a command with subcommands, the vectors to run on (``--vectors``),
reading a text file's lines."""

FORMATS = ["engine", "word2vec", "text", "glove"]


def command_group(sub, name, help, dest, metavar, actions):
    """Add the command ``name`` whose subcommands are ``actions``, ``(action, help)`` pairs; yield
    ``(action, parser)`` for each, for the caller to add its arguments. The chosen action is
    ``args.<dest>``."""
    group = sub.add_parser(name, help=help).add_subparsers(dest=dest, required=True, metavar=metavar)
    for action, action_help in actions:
        yield action, group.add_parser(action, help=action_help)


def add_vectors_option(parser):
    """``--vectors PATH``, read by :func:`vectors_of`."""
    parser.add_argument("--vectors", default=None, help="vectors to use (default: the embedded default)")


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
