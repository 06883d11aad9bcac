"""The ``engine`` command. It only parses arguments and calls the library.

A user's mistake (an EngineError, a missing file) prints one line and exits with status 2;
anything else is a bug and keeps its traceback.
"""
import argparse
import sys

from .errors import EngineError


def _cmd_info(args):
    from .io import load

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
    from .formats import write_word2vec
    from .io import load

    v = load(args.input, format=args.format, limit=args.limit)
    if args.to == "engine":
        v.save(args.output)
    else:
        write_word2vec(v, args.output, format=args.to)
    print(f"wrote {len(v)} words × {v.vector_size} dims to {args.output} ({args.to})")


def _cmd_demo(args):
    from .demo import run

    run(args)


def build_parser():
    p = argparse.ArgumentParser(prog="engine", description="Similarity engine for word embeddings.")
    p.add_argument("--threads", type=int, default=None, help="threads for every kernel (default: all cores)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("info", help="describe a vectors file or directory")
    s.add_argument("path")
    s.add_argument("--format", choices=["engine", "word2vec", "text", "glove"], default=None)
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("convert", help="convert vectors between formats")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("--to", required=True, choices=["engine", "word2vec", "text", "glove"])
    s.add_argument("--format", choices=["engine", "word2vec", "text", "glove"], default=None,
                   help="input format (default: detected)")
    s.add_argument("--limit", type=int, default=None, help="read only the first LIMIT vectors")
    s.set_defaults(func=_cmd_convert)

    # [search] parsers

    # [index] parsers

    # [wmd] parsers

    # [meta] parsers

    # [classify] parsers

    s = sub.add_parser("demo", help="run the demo on the embedded default vectors")
    s.add_argument("--vectors", default=None, help="vectors to use instead of the embedded default")
    s.set_defaults(func=_cmd_demo)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.threads is not None:
        from ._config import set_num_threads

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


if __name__ == "__main__":
    sys.exit(main())
