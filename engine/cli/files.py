"""``engine info`` and ``engine convert``: describe a vectors file, convert between formats."""

import os

from ..errors import EngineError
from ._common import FORMATS


def add_commands(sub):
    """Add this module's commands to the ``engine`` parser's subcommands ``sub``."""
    s = sub.add_parser("info", help="describe a vectors file or directory, or the CPU (--cpu)")
    s.add_argument("path", nargs="?")
    s.add_argument("--cpu", action="store_true", help="the CPU and the kernel path each kernel uses")
    s.add_argument("--format", choices=FORMATS, default=None)
    s.set_defaults(func=_cmd_info)
    s = sub.add_parser("convert", help="convert vectors between formats")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("--to", required=True, choices=FORMATS)
    s.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="input format (default: detected)",
    )
    s.add_argument("--limit", type=int, default=None, help="read only the first LIMIT vectors")
    s.add_argument(
        "--compressed",
        nargs="+",
        choices=("bfloat16", "int8"),
        default=None,
        help="also keep these compressed copies (--to engine; OUTPUT may be INPUT to add them)",
    )
    s.set_defaults(func=_cmd_convert)


def _cmd_info(args):
    from .. import cpu_info
    from ..io import load

    if args.cpu:
        print(cpu_info())
        return
    if args.path is None:
        raise EngineError("engine info: give a vectors PATH, or --cpu")
    v = load(args.path, format=args.format, mmap=True)
    print(f"path:        {args.path}")
    print(f"words:       {len(v)}")
    print(f"dimensions:  {v.vector_size}")
    print(f"counts:      {'yes' if v.counts is not None else 'no'}")
    print(f"n-grams:     {'yes' if v.ngrams is not None else 'no'}")
    print(f"first words: {' '.join(v.index_to_key[:10])}")
    for k, val in v.meta.items():
        print(f"{k + ':':<13}{val}")


def _cmd_convert(args):
    from ..io import load, write_word2vec

    if args.compressed and args.to != "engine":
        raise EngineError("engine convert: --compressed needs --to engine")
    if args.compressed and os.path.realpath(args.input) == os.path.realpath(args.output):
        _add_copies(args.input, args.compressed)
        return
    v = load(args.input, format=args.format, limit=args.limit)
    if args.to == "engine":
        v.save(args.output, compressed=args.compressed)
    else:
        write_word2vec(v, args.output, format=args.to)
    print(f"wrote {len(v)} words × {v.vector_size} dims to {args.output} ({args.to})")


def _add_copies(path, kinds):
    # an engine directory converted onto itself: only the copies are added, the rows untouched
    from .. import compressed_store
    from ..io import load_store

    v = load_store(path, mmap=True)
    compressed_store.write_copies(path, v.unit, {}, kinds)
    print(f"added {', '.join(kinds)} copies of {len(v)} words × {v.vector_size} dims to {path}")
