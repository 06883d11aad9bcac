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


def _cmd_search(args):
    from . import datasets
    from .errors import ShapeError
    from .io import load

    queries = list(args.words)
    if args.file:
        with open(args.file, encoding="utf-8") as f:
            queries += [line.strip() for line in f if line.strip()]
    if not queries:
        raise ShapeError("search: give query words as arguments or with --file")
    if args.k < 1:
        raise ShapeError(f"search: --k must be at least 1, got {args.k}")
    v = load(args.vectors, mmap=True) if args.vectors else datasets.default_vectors(mmap=True)
    out = sys.stdout
    for q, hits in zip(queries, v.most_similar_batch(queries, topn=args.k)):
        for rank, (word, score) in enumerate(hits, 1):
            out.write(f"{q}\t{rank}\t{word}\t{score:.6f}\n")


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
    s = sub.add_parser("search", help="nearest neighbours of words (TSV: query, rank, word, score)")
    s.add_argument("words", nargs="*", help="query words")
    s.add_argument("--file", default=None, help="a file of query words, one per line")
    s.add_argument("--k", type=int, default=10, help="neighbours per query (default 10)")
    s.add_argument("--vectors", default=None, help="vectors to search (default: the embedded default)")
    s.set_defaults(func=_cmd_search)

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
