"""The ``engine`` command. It only parses arguments and calls the library.

Each command lives in the module named after it and adds itself to the parser through its
``add_commands(sub)``. A user's mistake (an EngineError, a missing file) prints one line and
exits with status 2; anything else is a bug and keeps its traceback.
"""

import argparse
import sys

from .. import __version__
from ..errors import EngineError
from . import classify, distill, files, index, meta, score, search, tools, topics, wmd

# the order of `engine --help`
_COMMANDS = (files, search, index, wmd, meta, distill, topics, classify, score, tools)


def build_parser():
    """The ``engine`` argument parser: ``--threads`` and every command's subparser."""
    p = argparse.ArgumentParser(prog="engine", description="Similarity engine for word embeddings.")
    p.add_argument("--threads", type=int, default=None, help="threads for every kernel (default: all cores)")
    p.add_argument("--version", action="version", version=f"engine {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_commands(sub)
    return p


def main(argv=None):
    """Run ``engine`` with ``argv`` (default: the command line); return the exit status."""
    args = build_parser().parse_args(argv)
    if args.threads is not None:
        from .._config import set_num_threads

        try:
            set_num_threads(args.threads)
        except EngineError as e:
            return _fail(e)
    try:
        args.func(args)
    except (EngineError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        return _fail(e)
    except BrokenPipeError:  # `engine ... | head`
        sys.stderr.close()
    return 0


def _fail(e):
    msg = str(e) if not isinstance(e, OSError) else f"{e.filename}: {e.strerror}"
    print(f"engine: error: {msg}", file=sys.stderr)
    return 2
