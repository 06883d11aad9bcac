"""The ``engine`` command. It only parses arguments and calls the library.

Each command lives in the module named after it and adds itself to the parser through its
``add_commands(sub)``. A user's mistake (a bad argument, an EngineError, a missing file) prints
one line on standard error and exits with status 2; Ctrl-C prints one line and exits with 130;
anything else is a bug and keeps its traceback (status 1).
"""

import argparse
import difflib
import re
import signal
import sys

from .. import __version__
from ..errors import EngineError
from . import classify, distill, export, files, index, meta, score, search, tools, topics, wmd

# the order of `engine --help`
_COMMANDS = (files, search, index, wmd, meta, distill, topics, classify, score, export, tools)

EXIT_CODES = """exit codes:
  0    done
  1    an internal error (a bug: the traceback is printed)
  2    a usage or user error: a bad argument, a missing or malformed file, ... (one line)
  3    engine score stopped on a bad row (see engine score --help)
  4    engine score --dask: the cluster could not be reached
  130  interrupted (Ctrl-C)"""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors, and a did-you-mean for a mistyped command or choice."""

    def error(self, message):
        bad = re.search(r"invalid choice: '([^']*)'", message)
        if bad:
            message = self._suggest(bad.group(1), message)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _suggest(self, value, message):
        choices = [str(c) for a in self._actions if a.choices and value not in a.choices for c in a.choices]
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
        head = message.split(" (choose from")[0]
        hint = f"; did you mean {close[0]!r}?" if close else f" (choose from {', '.join(choices)})"
        return head + hint


def build_parser():
    """The ``engine`` argument parser: ``--threads``, ``--quiet``, ``--version`` and every command's
    subparser.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["search", "apple", "-k", "3"]).k
    3
    """
    p = Parser(
        prog="engine",
        description="Similarity engine for word embeddings.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--threads", type=int, default=None, help="threads for every kernel (default: all cores)")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars and no summary lines on stderr"
    )
    p.add_argument("--version", action="version", version=f"engine {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.add_commands(sub)
    _quiet_everywhere(p)
    return p


def _quiet_everywhere(parser):
    """``-q/--quiet`` after the command too (``engine convert a b --to text -q``), on every
    subcommand that does not have its own."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if "--quiet" not in child._option_string_actions:
                    child.add_argument(
                        "-q", "--quiet", dest="command_quiet", action="store_true", help=argparse.SUPPRESS
                    )
                _quiet_everywhere(child)


def main(argv=None):
    """Run ``engine`` with ``argv`` (default: the command line); return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``engine``.

    Returns
    -------
    int
        The exit status (``engine --help`` lists them). ``--help``, ``--version``, a usage error
        and the statuses 1, 3 and 4 of ``engine score``/``bench`` raise ``SystemExit`` instead,
        as argparse does.

    Examples
    --------
    >>> main(["search", "apple", "-k", "1"])  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    apple 1 apples 0.55...
    0
    """
    interrupted = []

    def on_sigint(signum, frame):
        # remembered as well as raised: native code (FAISS checks for signals while it builds)
        # may take the KeyboardInterrupt and carry on, and Ctrl-C must still end the run
        interrupted.append(signum)
        signal.default_int_handler(signum, frame)

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: leave the handler alone
        previous = None
    try:
        code = _main(argv)
    except KeyboardInterrupt:
        code = None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if code is None or interrupted:
        print("engine: interrupted", file=sys.stderr)
        return 130
    return code


def _main(argv):
    args = build_parser().parse_args(argv)  # SystemExit: --help, --version, a usage error
    # a bar only on a terminal; --quiet (global, or a command's own) turns bars and summaries off
    args.quiet = args.quiet or getattr(args, "command_quiet", False)
    args.progress = not args.quiet
    if args.threads is not None:
        from .._config import set_num_threads

        try:
            set_num_threads(args.threads)
        except EngineError as e:
            return _fail(e)
    try:
        args.func(args)
    except (EngineError, OSError) as e:
        if isinstance(e, BrokenPipeError):  # `engine ... | head`
            sys.stderr.close()
            return 0
        if isinstance(e, OSError) and not isinstance(e, EngineError) and e.filename is None:
            raise  # not about a file the user named: a bug
        return _fail(e)
    except UnicodeDecodeError as e:  # a reader that does not name the file: still the user's input
        return _fail(f"an input is not UTF-8 text ({e.reason} at byte {e.start})")
    return 0


def _fail(e):
    msg = str(e) if not isinstance(e, OSError) or not e.filename else f"{e.filename}: {e.strerror}"
    print(f"engine: error: {' '.join(msg.split())}", file=sys.stderr)
    return 2
